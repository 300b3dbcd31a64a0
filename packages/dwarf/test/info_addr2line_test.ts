import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tagName } from "../src/constants.js";
import { DebugInfo } from "../src/mod.js";
import { compareWithAddr2line, pickAddresses } from "./_info_addr2line.js";
import { compileProgram, loadFile } from "./_info_files.js";

const PYTHONS = ["3.12.1/lib/libpython3.12.so.1.0", "2.7.18/lib/libpython2.7.so.1.0", "3.8.18/lib/libpython3.8.so.1.0"].map(
  (path) => `${process.env.HOME ?? "/root"}/.pyenv/versions/${path}`,
);

/** Variants of the test program: [flags, DWARF version the units must have, whether 64-bit]. */
// binutils 2.40 addr2line reads no line program of a 64-bit DWARF 5 unit (it prints "??:?" lines)
// and then reports only the subprogram; llvm-dwarfdump --lookup shows the inlined chain we return.
const VARIANTS: readonly (readonly [readonly string[], number, boolean])[] = [
  [["-O2", "-gdwarf-4"], 4, false],
  [["-O2", "-gdwarf-5"], 5, false],
  [["-O2", "-gdwarf-5", "-gdwarf64"], 5, true],
  [["-O2", "-gdwarf-4", "-gdwarf64"], 4, true],
  [["-O2", "-gstrict-dwarf", "-gdwarf-3"], 3, false],
  [["-O2", "-gstrict-dwarf", "-gdwarf-2"], 2, false],
  [["-O3", "-gdwarf-5", "-ffunction-sections"], 5, false],
];

describe("DebugInfo.functionsAt() agrees with binutils addr2line -f -i", () => {
  for (const path of PYTHONS) {
    test.skipIf(!existsSync(path))(`functionsAt() on ${path.split("/").pop()}`, () => {
      const file = loadFile(path);
      const addresses = pickAddresses(file, 400);
      const result = compareWithAddr2line(file, addresses);
      console.log(JSON.stringify({ ...result, examples: result.examples.slice(0, 8) }, null, 1));
      // Known difference: addresses outside every DWARF subprogram (padding between functions,
      // crtstuff.c's frame_dummy…, compiled without -g): addr2line prints the .symtab symbol.
      expect(result.counts["symtab-fallback"]).toBeLessThanOrEqual(30);
      expect(result.counts.match).toBe(result.addresses - result.counts["symtab-fallback"]);
      expect(result.inlineFramesCompared).toBeGreaterThan(50);
    });
  }

  for (const [flags, version, format64] of VARIANTS) {
    test(`functionsAt() on a program built with gcc ${flags.join(" ")}`, (context) => {
      const path = compileProgram(flags);
      if (path === undefined) return context.skip(`gcc does not accept ${flags.join(" ")}`);
      const file = loadFile(path);
      const info = new DebugInfo(file.sections);
      const units = [...info.units()];
      expect(units.length).toBeGreaterThan(0);
      // The program's own unit has the version and format asked for (crt units may differ).
      expect(units.some((unit) => unit.version === version && unit.format64 === format64 && info.unitSummary(unit).name?.endsWith("program.c"))).toBe(true);
      if (version === 4) expect(file.raw.has(".debug_ranges")).toBe(true);
      if (version === 5) expect(file.raw.has(".debug_rnglists")).toBe(true);
      // Every byte of .text.
      const addresses: bigint[] = [];
      for (let address = file.text.begin; address < file.text.end; address++) addresses.push(address);
      const result = compareWithAddr2line(file, addresses);
      console.log(JSON.stringify({ ...result, examples: result.examples.slice(0, 8) }, null, 1));
      const addr2lineBlind = version === 5 && format64;
      const accepted = result.counts["symtab-fallback"] + (addr2lineBlind ? result.counts["addr2line-without-lines"] : 0);
      expect(result.counts.match).toBe(result.addresses - accepted);
      expect(result.counts.match).toBeGreaterThan(result.addresses / 2);
      if (addr2lineBlind) expect(result.counts["addr2line-without-lines"]).toBeGreaterThan(20);
      else expect(result.inlineFramesCompared).toBeGreaterThan(20);
    });
  }
});

describe("DebugInfo.entries() walks all of libpython 3.12", () => {
  const path = PYTHONS[0]!;
  test.skipIf(!existsSync(path))("counts of entries per tag equal readelf --debug-dump=info", () => {
    const file = loadFile(path);
    const info = new DebugInfo(file.sections);
    const started = performance.now();
    const counts = new Map<number, number>();
    let units = 0;
    let total = 0;
    for (const unit of info.units()) {
      units++;
      total += info.countEntries(unit, counts);
    }
    const countMs = performance.now() - started;
    const lazyStarted = performance.now();
    let lazy = 0;
    for (const unit of info.units()) for (const entry of info.entries(unit)) lazy += entry.depth >= 0 ? 1 : 0;
    const lazyMs = performance.now() - lazyStarted;
    console.log(`libpython3.12: ${units} units, ${total} entries; countEntries ${countMs.toFixed(0)} ms, entries() ${lazyMs.toFixed(0)} ms`);
    expect(lazy).toBe(total);

    const dump = execFileSync("readelf", ["--debug-dump=info", path], { maxBuffer: 1 << 30 }).toString();
    const expected = new Map<string, number>();
    for (const match of dump.matchAll(/Abbrev Number: [1-9]\d* \((DW_TAG_\w+)\)/g)) expected.set(match[1]!, (expected.get(match[1]!) ?? 0) + 1);
    const ours = new Map([...counts].map(([tag, count]) => [tagName(tag), count]));
    expect(Object.fromEntries([...ours].sort())).toEqual(Object.fromEntries([...expected].sort()));
    expect(total).toBeGreaterThan(1_000_000);
  });
});

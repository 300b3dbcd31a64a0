import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import type { DwarfSections } from "./dwarf_sections.js";
import { exerciseLinePrograms } from "./_line_exercise.js";
import { compileSource, openElf, sectionBytes } from "../test/_files.js";
import { lineProgram, op } from "../test/_line_builder.js";
import { mutate, mutations } from "../test/_mutations.js";

interface Corpus {
  readonly name: string;
  readonly line: Uint8Array;
  readonly lineStr: Uint8Array | undefined;
}

function fromElf(name: string, path: string, maxBytes: number): Corpus | undefined {
  if (!existsSync(path)) return undefined;
  const elf = openElf(path);
  const bytes = sectionBytes(elf, ".debug_line");
  if (bytes === undefined) return undefined;
  const lineStr = sectionBytes(elf, ".debug_line_str");
  // Keep whole programs up to maxBytes.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = 0;
  while (end + 4 <= bytes.length) {
    const first = view.getUint32(end, true);
    const next = first === 0xffff_ffff ? end + 12 + Number(view.getBigUint64(end + 4, true)) : end + 4 + first;
    if (next > maxBytes && end > 0) break;
    end = next;
  }
  // Plain copies: a Buffer's slice() is a view, and its fill() checks ranges differently.
  return { name, line: new Uint8Array(bytes.subarray(0, Math.min(end, bytes.length))), lineStr: lineStr === undefined ? undefined : new Uint8Array(lineStr) };
}

/** Real line programs: gcc output compiled now (DWARF 4 and 5), a slice of libpython3.12, and a hand-built one. */
function corpus(): Corpus[] {
  const inputs: Corpus[] = [];
  const source =
    "static inline int sq(int x) { return x * x; }\nint f(int n) {\n  int s = 0;\n  for (int i = 0; i < n; i++)\n    s += sq(i) % 7 ? i : -i;\n  return s;\n}\nint main(int c, char **v) { return f(c) + v[0][0]; }\n";
  for (const flags of [["-gdwarf-5"], ["-gdwarf-4", "-gdwarf64", "-gno-as-loc-support"], ["-gdwarf-2", "-gstrict-dwarf", "-gno-as-loc-support"]]) {
    const output = compileSource(source, ["-O2", ...flags], { name: "m.c" }).path;
    if (output !== undefined) {
      const input = fromElf(`gcc ${flags.join(" ")}`, output, 1 << 20);
      if (input) inputs.push(input);
    }
  }
  const libpython = fromElf("libpython3.12 (first programs)", join(homedir(), ".pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"), 48 << 10);
  if (libpython) inputs.push(libpython);
  const body = [
    ...op.setAddress(0x1000),
    ...op.copy,
    ...op.special(3, 2),
    ...op.setDiscriminator(2),
    ...op.constAddPc,
    ...op.copy,
    ...op.fixedAdvancePc(9),
    ...op.advanceLine(7),
    ...op.copy,
    ...op.defineFile("d.c", 1),
    ...op.setFile(3),
    ...op.special(1, 1),
    ...op.advancePc(5),
    ...op.endSequence,
  ];
  inputs.push({
    name: "hand-built v2+v4",
    line: Uint8Array.from([
      ...lineProgram({ version: 2, directories: ["a"], files: [{ path: "x.c", dir: 1 }], body }),
      ...lineProgram({ version: 4, format64: true, files: [{ path: "y.c", dir: 0 }], body }),
    ]),
    lineStr: undefined,
  });
  return inputs;
}

const inputs = corpus();

describe("line programs under mutation", () => {
  it("exerciseLinePrograms() on mutated real .debug_line bytes throws only DwarfFormatError", () => {
    let runs = 0;
    let slowest = 0;
    const codes: Record<string, number> = {};
    let rows = 0;
    fc.assert(
      fc.property(fc.nat({ max: inputs.length - 1 }), mutations(6), fc.boolean(), (which, changes, onLineStr) => {
        const input = inputs[which]!;
        const sections: DwarfSections = {
          littleEndian: true,
          debug_line: bufferSource(mutate(input.line, changes)),
          debug_line_str: input.lineStr === undefined ? undefined : bufferSource(onLineStr ? mutate(input.lineStr, changes) : input.lineStr),
        };
        const started = performance.now();
        const result = exerciseLinePrograms(sections, { maxRows: 20_000, limits: { lineOpcodes: 2_000_000 } });
        const elapsed = performance.now() - started;
        slowest = Math.max(slowest, elapsed);
        for (const [code, count] of Object.entries(result.errors)) codes[code] = (codes[code] ?? 0) + count;
        rows += result.rows;
        runs++;
      }),
      { seed: 20240611, numRuns: 1500, endOnFailure: true },
    );
    console.log(
      `${runs} mutants of ${inputs.map((input) => `${input.name} (${input.line.length} bytes)`).join(", ")}: ${rows} rows read, errors by code ${JSON.stringify(codes)}, slowest ${slowest.toFixed(0)} ms`,
    );
    expect(inputs.length).toBeGreaterThan(0);
  }, 120_000);

  it("exerciseLinePrograms() reads the unmutated inputs without errors", () => {
    for (const input of inputs) {
      const result = exerciseLinePrograms({
        littleEndian: true,
        debug_line: bufferSource(input.line),
        debug_line_str: input.lineStr && bufferSource(input.lineStr),
      });
      expect(result.messages, input.name).toEqual({});
      expect(result.rows, input.name).toBeGreaterThan(0);
      expect(result.located, input.name).toBeGreaterThan(0);
    }
  });
});

// @ts-check
// `pnpm bench`'s `--exhaustive` section: how fast `corestack core --exhaustive` scans a core's
// writable memory for the interpreter state, in MB/s of memory scanned, on cores of growing size
// made under an interpreter whose files give no path to its runtime
// (tools/testing/variants.mjs's hiddenRuntimeInterpreter()):
//   threads       5 threads: the heap, the stacks and libpython's data (~40 MiB written)
//   many_threads  100 threads x 500 frames (~900 MiB, mostly thread stacks)
//   big_core      a 3 GiB anonymous mapping, one page touched (a hole in the core: zero pages)
// Each core is scanned `runs` times; the scan's own time is what `--verbose` reports (from the
// start of the analysis to the end of the first pass, which reads every byte); the whole run's
// wall time is beside it. Bigger cores are sparser (stacks, a hole), so a second table scales
// dense memory: the threads core's own writable memory presented 1, 8, 32 and 64 times (the
// copies at other addresses, views of the same mapped bytes) to analyse() of the built
// @corestack/cpython, which must find the same interpreter state each time. A developer program,
// not a test.
//   node tools/exhaustive_bench.mjs PYTHON CLI [RUNS]
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { analyse } from "../packages/cpython/dist/mod.js";
import { PF_W } from "../packages/elf/dist/constants.js";
import { CoreFile } from "../packages/elf/dist/mod.js";
import { openFile } from "../packages/mmap/dist/mod.js";
import { CoreTarget } from "../packages/symbols/dist/mod.js";
import { interpreterFromPath, makeCore } from "./testing/core_maker.mjs";
import { hiddenRuntimeInterpreter } from "./testing/variants.mjs";

const [python, cli, runsText = "5"] = process.argv.slice(2);
if (!python || !cli) {
  process.stderr.write("usage: node tools/exhaustive_bench.mjs PYTHON CLI [RUNS]\n");
  process.exit(2);
}
const runs = Number(runsText);
const hidden = hiddenRuntimeInterpreter(interpreterFromPath(python, { source: "pyenv" }));
/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

console.log(`interpreter: ${hidden.interpreter.id} (${hidden.executable}: no .symtab, no section headers); ${cli}; node ${process.version}; ${runs} runs each`);
console.log(
  `  ${"scenario".padEnd(13)} ${"core".padStart(9)} ${"scanned".padStart(11)} ${"scan s".padStart(8)} ${"MB/s".padStart(6)} ${"min s".padStart(7)} ${"max MB/s".padStart(8)} ${"run s".padStart(7)}`,
);
/** @typedef {{ scenario: string; mib: number; seconds: number; best: number; wall: number }} Row */
/** @type {Row[]} */
const rows = [];
/** @type {string | undefined} */
let threadsCore;
for (const scenario of ["threads", "many_threads", "big_core"]) {
  let made;
  try {
    made = await hidden.run(() => makeCore(hidden.interpreter, scenario));
  } catch (error) {
    console.log(`  ${scenario.padEnd(13)} skipped: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    continue;
  }
  if (scenario === "threads") threadsCore = made.core;
  /** @type {number[]} */
  const seconds = [];
  /** @type {number[]} */
  const walls = [];
  let mib = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [cli, "core", "--exhaustive", "--verbose", made.core], { encoding: "utf8", maxBuffer: 256 << 20 });
    walls.push((performance.now() - started) / 1000);
    const match = /^exhaustive scan: ([\d.]+) MiB of writable memory in ([\d.]+) s/m.exec(result.stderr);
    if (result.status !== 0 || !match)
      throw new Error(`corestack core --exhaustive ${made.core} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
    mib = Number(match[1]);
    seconds.push(Number(match[2]));
  }
  const bytes = mib * 1048576;
  const row = { scenario, mib, seconds: median(seconds), best: Math.min(...seconds), wall: median(walls) };
  rows.push(row);
  const gib = (statSync(made.core).size / 2 ** 30).toFixed(2);
  console.log(
    `  ${scenario.padEnd(13)} ${`${gib} GiB`.padStart(9)} ${`${mib.toFixed(1)} MiB`.padStart(11)} ${row.seconds.toFixed(3).padStart(8)} ${(bytes / 1e6 / row.seconds).toFixed(0).padStart(6)} ${row.best.toFixed(3).padStart(7)} ${(bytes / 1e6 / row.best).toFixed(0).padStart(8)} ${row.wall.toFixed(2).padStart(7)}`,
  );
}
console.log(
  "  (core: the file's length; scanned: its writable PT_LOAD bytes; scan s and MB/s: medians; min s and max MB/s: the fastest run; run s: the whole command, median)",
);
if (rows.length > 1) {
  const first = /** @type {Row} */ (rows[0]);
  const last = /** @type {Row} */ (rows.at(-1));
  /** @param {Row} row */
  const perGib = (row) => (row.seconds / (row.mib / 1024)).toFixed(2);
  console.log(
    `  scaling: ${first.scenario} ${perGib(first)} s/GiB, ${last.scenario} ${perGib(last)} s/GiB (${(last.mib / first.mib).toFixed(0)}x the memory, ${(last.seconds / first.seconds).toFixed(0)}x the time)`,
  );
}

if (threadsCore) {
  const core = new CoreFile(openFile(threadsCore));
  const source = core.elf.source;
  const writable = core.segments.filter((segment) => (segment.flags & PF_W) !== 0 && segment.end > segment.start);
  // Each copy 2^46 above the previous: a process's addresses span less than that (below 2^47),
  // so the copies never overlap and stay below 2^53.
  /** @param {number} copies */
  const regions = (copies) =>
    Array.from({ length: copies }, (_, copy) =>
      writable.map((segment) => ({
        address: segment.start + BigInt(copy) * 2n ** 46n,
        size: Number(segment.end - segment.start),
        /** @param {number} at @param {number} length */
        bytes: (at, length) => source.bytes(segment.offset + at, length),
      })),
    ).flat();
  const target = new CoreTarget(core, { searchPath: [] });
  console.log(`dense memory: the threads core's writable memory presented k times to analyse() (in this process, ${runs} runs each)`);
  console.log(`  ${"k".padStart(3)} ${"scanned".padStart(11)} ${"s".padStart(7)} ${"MB/s".padStart(6)} ${"s/GiB".padStart(6)}`);
  /** @type {bigint | undefined} */
  let interpreter;
  for (const copies of [1, 8, 32, 64]) {
    /** @type {number[]} */
    const times = [];
    let scanned = 0;
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const analysis = analyse(target, { exhaustive: { regions: regions(copies) } });
      times.push((performance.now() - started) / 1000);
      const scan = analysis.scan;
      if (scan === undefined) throw new Error(`${copies} copies: analyse() made no scan`);
      scanned = scan.scannedBytes;
      if (interpreter === undefined) interpreter = scan.interpreter;
      if (scan.interpreter !== interpreter)
        throw new Error(`${copies} copies: the interpreter state at 0x${scan.interpreter.toString(16)}, not 0x${interpreter.toString(16)}`);
    }
    const seconds = median(times);
    console.log(
      `  ${String(copies).padStart(3)} ${`${(scanned / 1048576).toFixed(1)} MiB`.padStart(11)} ${seconds.toFixed(3).padStart(7)} ${(scanned / 1e6 / seconds).toFixed(0).padStart(6)} ${(seconds / (scanned / 2 ** 30)).toFixed(2).padStart(6)}`,
    );
  }
  console.log("  (s: the whole analyse(), median; the same interpreter state every time)");
}

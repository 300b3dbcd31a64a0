#!/usr/bin/env node
// @ts-check
// Where the time of one `corestack core CORE` goes, phase by phase: node start-up, module
// evaluation, core parsing, locating and parsing the ELF files of the process, symbol lookups
// (which table answered, and which lookups fell through to `.symtab`), the Python analysis, and
// rendering. A developer program for `pnpm bench`, not a test.
//
// It runs the CLI's own functions from the built packages (dist/) in the order
// packages/cli/src/core_command.ts (runCore) calls them, with timers around them; update it when
// that order changes. `pnpm bench` bundles it with esbuild into one file like the published CLI
// (build.mjs), but as an ES module run directly: without the launcher's V8 code cache, so its
// phases are those of a first run (compiling included), not of the warm runs that tools/bench.sh
// times; `globalThis.__corestackEntry = performance.now()` is the bundle's first statement:
//   node startup_profile.bundle.mjs CORE [--json]              one run, in words
//   node startup_profile.bundle.mjs CORE [--json] --repeat 21  medians of 21 fresh processes
// It also runs unbundled (`node tools/startup_profile.mjs CORE`): then module loading includes
// resolving and reading the ~70 files of the packages.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/**
 * A symbol lookup by name: the table (file, section, hash) that answered or not, and its time.
 * @typedef {{ file: string; table: string; hash: string; count: number; name: string; found: boolean; ms: number }} Lookup
 */
/**
 * What one run measured (`--emit` writes it as JSON for `--repeat`), in ms since the process started.
 * @typedef {object} Profile
 * @property {number} entry the script's first statement.
 * @property {number} load evaluating the packages' modules (a duration).
 * @property {number} firstRead the core opened.
 * @property {Record<string, number>} phases exclusive time by category.
 * @property {number} end the output rendered.
 * @property {Lookup[]} lookups
 * @property {number} threads
 * @property {string | null} version
 */

// Set by the first statement of the bundle `pnpm bench` builds.
const entry = /** @type {{ __corestackEntry?: number }} */ (globalThis).__corestackEntry ?? performance.now();
const script = process.argv[1];
const args = process.argv.slice(2);
/** @param {string} name */
const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
const json = args.includes("--json");
const repeat = Number(option("--repeat") ?? 0);
const core = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--repeat");
if (!core || !script) {
  process.stderr.write("usage: node startup_profile.mjs CORE [--json] [--repeat N]\n");
  process.exit(2);
}

/**
 * The median of values that are not empty.
 * @param {readonly number[]} values
 */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  /** @param {number} index */
  const at = (index) => /** @type {number} */ (sorted[index]);
  return sorted.length % 2 ? at(middle) : (at(middle - 1) + at(middle)) / 2;
};
/** @param {number} value */
const ms = (value) => `${value.toFixed(1).padStart(6)} ms`;

if (repeat > 0) {
  // Fresh processes, cold each time like a user's run; medians, since this machine is shared.
  // Interleaved with node's own start-up to the first statement of an empty ES module.
  const directory = mkdtempSync(join(tmpdir(), "corestack-profile-"));
  const empty = join(directory, "empty.mjs");
  writeFileSync(empty, "process.stdout.write(String(performance.now()));\n");
  /** @type {Profile[]} */
  const runs = [];
  /** @type {number[]} */
  const emptyStarts = [];
  try {
    for (let index = 0; index < repeat; index++) {
      const child = spawnSync(process.execPath, [script, core, ...(json ? ["--json"] : []), "--emit"], { encoding: "utf8" });
      if (child.status !== 0) throw new Error(`run ${index} failed: ${child.stderr}`);
      runs.push(JSON.parse(child.stdout));
      emptyStarts.push(Number(spawnSync(process.execPath, [empty], { encoding: "utf8" }).stdout));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const first = /** @type {Profile} */ (runs[0]); // repeat > 0 runs
  const lines = [];
  lines.push(`medians of ${repeat} runs, each a fresh process (${first.threads} threads, Python ${first.version}, ${json ? "--json" : "text"} output):`);
  lines.push(`  ${"node start-up to the first statement of an empty ES module".padEnd(66)} ${ms(median(emptyStarts))}`);
  lines.push(`  ${"+ reading and compiling the script".padEnd(66)} ${ms(median(runs.map((r) => r.entry)) - median(emptyStarts))}`);
  lines.push(`  ${"+ evaluating the packages' modules".padEnd(66)} ${ms(median(runs.map((r) => r.load)))}`);
  lines.push(`  ${"= the core opened at".padEnd(66)} ${ms(median(runs.map((r) => r.firstRead)))}`);
  for (const category of Object.keys(first.phases)) {
    lines.push(`  ${`  ${category}`.padEnd(66)} ${ms(median(runs.map((r) => r.phases[category] ?? 0)))}`);
  }
  lines.push(`  ${"= output ready at (process start to rendered output)".padEnd(66)} ${ms(median(runs.map((r) => r.end)))}`);
  lines.push("symbol lookups by name, in order (median time, including building a table's name index):");
  first.lookups.forEach((lookup, index) => {
    const time = median(runs.map((r) => r.lookups[index]?.ms ?? 0));
    lines.push(
      `  ${lookup.name.padEnd(24)} ${lookup.found ? "hit " : "miss"} ${lookup.table.padEnd(8)} ${`(${lookup.hash}, ${lookup.count} symbols)`.padEnd(22)} ${lookup.file}  ${ms(time)}`,
    );
  });
  process.stdout.write(`${lines.join("\n")}\n`);
  process.exit(0);
}

// ---- module loading (dynamic imports: bundled, esbuild inlines them; unbundled, node loads ~70 files)
const loadStart = performance.now();
const [elf, mmap, symbols, coreReport, detect, pythonReport, renderJsonModule, renderTextModule, terminal] = await Promise.all([
  import("../packages/elf/dist/mod.js"),
  import("../packages/mmap/dist/mod.js"),
  import("../packages/symbols/dist/mod.js"),
  import("../packages/cli/dist/core_report.js"),
  import("../packages/cli/dist/detect_executable.js"),
  import("../packages/cli/dist/python_report.js"),
  import("../packages/cli/dist/render_json.js"),
  import("../packages/cli/dist/render_text.js"),
  import("../packages/cli/dist/terminal.js"),
  import("../packages/cli/dist/core_command.js"), // what the CLI also loads (runCore is re-enacted below)
]);
const loadEnd = performance.now();

// ---- timers: exclusive time per category (a nested timed call is not counted twice)
/** @type {Record<string, number>} */
const exclusive = {};
/** @type {number[]} the time of the timed calls nested in each call running */
const stack = [];
/**
 * @template T
 * @param {string} category
 * @param {() => T} fn
 * @returns {T}
 */
function timed(category, fn) {
  const start = performance.now();
  stack.push(0);
  try {
    return fn();
  } finally {
    const total = performance.now() - start;
    const nested = /** @type {number} */ (stack.pop());
    exclusive[category] = (exclusive[category] ?? 0) + total - nested;
    if (stack.length > 0) stack[stack.length - 1] = /** @type {number} */ (stack[stack.length - 1]) + total;
  }
}
const BINDING = "loading the native mmap binding (resolve, dlopen)";
const CORE = "core parsing (open, mmap, ELF headers, notes)";
const EXECUTABLE = "executable and process info";
const FILES = "module files (locate, open, mmap, ELF headers, build-id)";
const LINK_MAP = "link map check (its own work)";
const SYMBOLS = "symbol lookups by name";
const ANALYSIS = "Python analysis (threads, frames, code objects, source lines)";
const RENDER = json ? "rendering --json" : "rendering text";
for (const category of [BINDING, CORE, EXECUTABLE, FILES, LINK_MAP, SYMBOLS, ANALYSIS, RENDER]) exclusive[category] = 0;

// Symbol lookups: per table (file, section, hash), name, hit or miss, exclusive time.
/** @type {Lookup[]} */
const lookups = [];
const byName = elf.SymbolTable.prototype.byName;
/** @this {import("../packages/elf/dist/mod.js").SymbolTable} @param {string} name */
elf.SymbolTable.prototype.byName = function (name) {
  const start = performance.now();
  const result = timed(SYMBOLS, () => byName.call(this, name));
  lookups.push({
    // A file that mmap opened has a path (MappedFile); other sources do not.
    file: /** @type {{ path?: string }} */ (this.elf.source).path ?? "?",
    table: this.section.name,
    hash: this.hash,
    count: this.count,
    name,
    found: result !== undefined,
    ms: performance.now() - start,
  });
  return result;
};
// Locating, opening, mapping and parsing each module's file (first use of Module.elf and friends).
for (const key of ["elf", "error", "resolvedPath"]) {
  const descriptor = Object.getOwnPropertyDescriptor(symbols.Module.prototype, key);
  const get = descriptor?.get;
  if (!get) continue;
  Object.defineProperty(symbols.Module.prototype, key, {
    ...descriptor,
    get() {
      return timed(FILES, () => get.call(this));
    },
  });
}
const source = symbols.Module.prototype.source;
if (typeof source === "function") {
  /** @this {import("../packages/symbols/dist/mod.js").Module} */
  symbols.Module.prototype.source = function () {
    return timed(FILES, () => source.call(this));
  };
}
const checkLinkMap = symbols.CoreTarget.prototype.checkLinkMap;
if (typeof checkLinkMap === "function") {
  /** @this {import("../packages/symbols/dist/mod.js").CoreTarget} */
  symbols.CoreTarget.prototype.checkLinkMap = function () {
    return timed(LINK_MAP, () => checkLinkMap.call(this));
  };
}

// ---- the run, as core_command.ts's runCore does it
const firstRead = performance.now();
// The first openFile() loads the binding (unless CORESTACK_NO_MMAP is set): timed on its own.
const noMmap = !["", "0", undefined].includes(process.env.CORESTACK_NO_MMAP);
if (!noMmap) timed(BINDING, () => mmap.mmapAvailable());
const coreFile = timed(CORE, () => new elf.CoreFile(mmap.openFile(core)));
const { executable, processInfo } = timed(EXECUTABLE, () => ({
  executable: detect.detectExecutable(coreFile, { executable: undefined, open: (path) => mmap.openFile(path) }),
  processInfo: coreReport.describeCore(coreFile),
}));
const python = timed(ANALYSIS, () =>
  pythonReport.analysePython(coreFile, { executable: executable?.path, libSearchPath: [], libSearchRoot: undefined, note: () => {}, layoutSource: "auto" }),
);
/** @type {import("../packages/cli/dist/report.js").Report} */
const report = {
  schema: 1,
  source: { kind: "core", path: core, executable: executable?.path ?? null, executableFoundBy: executable?.how ?? null, process: processInfo },
  python: python.version ? { version: python.version } : null,
  threads: python.threads,
  warnings: python.warnings,
};
const text = timed(RENDER, () => (json ? renderJsonModule.renderJson(report) : renderTextModule.renderText(report, terminal.palette(false))));
const end = performance.now();
if (!text.includes(json ? '"frames"' : "Traceback for thread")) throw new Error("no Python stack in the output");

/** @type {Profile} */
const result = { entry, load: loadEnd - loadStart, firstRead, phases: exclusive, end, lookups, threads: python.threads.length, version: python.version };
if (args.includes("--emit")) {
  process.stdout.write(JSON.stringify(result));
} else {
  const lines = [];
  lines.push(`node start-up to the first statement of this script: ${ms(entry)}`);
  lines.push(`evaluating the packages' modules:                    ${ms(result.load)}`);
  lines.push(`the core opened at:                                  ${ms(firstRead)}`);
  for (const [category, value] of Object.entries(exclusive)) lines.push(`  ${category.padEnd(64)} ${ms(value)}`);
  lines.push(`output ready at:                                     ${ms(end)}  (${python.threads.length} threads, Python ${python.version})`);
  lines.push("symbol lookups by name, in order (time includes building a table's name index):");
  for (const lookup of lookups) {
    lines.push(
      `  ${lookup.name.padEnd(24)} ${lookup.found ? "hit " : "miss"} ${lookup.table.padEnd(8)} ${`(${lookup.hash}, ${lookup.count} symbols)`.padEnd(22)} ${lookup.file}  ${ms(lookup.ms)}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

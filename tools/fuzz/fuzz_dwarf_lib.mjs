// @ts-check
// The mutation fuzzer of @corestack/dwarf (tools/fuzz/README.md, "DWARF"): the call frame
// information, debugging information entries and line programs of the real libraries the test
// cores map (libpython of several versions, Debian's python3.11, libc), mutated, each mutant run
// through every API of the built package in a worker thread with a time limit, and classified.
// Plain Node ESM, type-checked from its JSDoc (tools/tsconfig.json). `fuzz_dwarf.mjs` is its
// command line; packages/dwarf/test/fuzz_batch_test.ts runs a fixed-seed batch and replays the
// findings.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { FINDINGS_DIR, REPO_ROOT, inputRandom, nonEmpty, signature } from "./fuzz_lib.mjs";

/** @typedef {import("./fuzz_lib.mjs").Random} Random */

/** Where DWARF reproducers are written (a folder of their own: the CLI fuzzer replays findings/*.json). */
export const DWARF_FINDINGS_DIR = path.join(FINDINGS_DIR, "dwarf");

/** @typedef {"read" | "refused" | "crash" | "hang"} DwarfFuzzClass */

/** The classes of a DWARF input: read without error, refused with DwarfFormatErrors only, or a bug. */
export const DWARF_CLASSES = Object.freeze(/** @type {DwarfFuzzClass[]} */ (["read", "refused", "crash", "hang"]));

/** @typedef {"cfi" | "info" | "line"} DwarfTarget */
/**
 * The sections of a file the fuzzer reads, by name without the dot.
 * @typedef {"eh_frame" | "eh_frame_hdr" | "debug_frame" | "debug_info" | "debug_abbrev" | "debug_str" | "debug_line_str"
 *   | "debug_str_offsets" | "debug_addr" | "debug_rnglists" | "debug_ranges" | "debug_line"} SectionName
 */
/** @typedef {{ [K in SectionName]?: Uint8Array | undefined }} Sections */
/**
 * A change to one byte position of a section (of the slice, for info and line).
 * @typedef {{ section: SectionName; at: number } & ({ action: "flip"; bit: number }
 *   | { action: "byte" | "word"; value: number }
 *   | { action: "leb" | "zero"; length: number }
 *   | { action: "truncate" })} DwarfFuzzMutation
 */
/**
 * One input: a file, a target, the unit (info) or line program (line) cut out of its section, mutations.
 * @typedef {object} DwarfFuzzInput
 * @property {number} index
 * @property {string} file
 * @property {DwarfTarget} target
 * @property {number} slice
 * @property {DwarfFuzzMutation[]} mutations
 */
/**
 * What a worker answers for an input, with the time it took.
 * @typedef {object} DwarfOutcome
 * @property {DwarfFuzzClass} class
 * @property {string} [reason] why a crash or hang.
 * @property {number} [errors] DwarfFormatErrors counted (read: 0).
 * @property {string} [stack] the first stack line of a crash.
 * @property {number} elapsedMs
 */
/** @typedef {DwarfFuzzInput & DwarfOutcome & { saved?: string }} DwarfFuzzResult */

/**
 * The files fuzzed by default, by role: the libraries and executables the test cores map. Missing
 * ones are skipped (a pyenv version of the same X.Y stands in for a pinned one).
 */
export function defaultFiles() {
  const home = os.homedir();
  const versions = path.join(home, ".pyenv", "versions");
  const pyenv = fs.existsSync(versions) ? fs.readdirSync(versions).sort() : [];
  /** @param {string} minor "X.Y" */
  const libpython = (minor) => {
    const version = pyenv.find((v) => v.startsWith(`${minor}.`));
    if (!version) return undefined;
    const directory = path.join(versions, version, "lib");
    const name = fs.existsSync(directory) ? fs.readdirSync(directory).find((n) => /^libpython.*\.so\.1\.0$/.test(n)) : undefined;
    return name ? path.join(directory, name) : undefined;
  };
  return [libpython("3.12"), libpython("2.7"), libpython("3.13"), "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6"]
    .filter((file) => file !== undefined)
    .filter((file) => fs.existsSync(file));
}

// ---------------------------------------------------------------------------------------------
// The corpus: a file's sections, read with the built @corestack/elf

/** @type {readonly `.${SectionName}`[]} */
const SECTION_NAMES = [
  ".eh_frame",
  ".eh_frame_hdr",
  ".debug_frame",
  ".debug_info",
  ".debug_abbrev",
  ".debug_str",
  ".debug_line_str",
  ".debug_str_offsets",
  ".debug_addr",
  ".debug_rnglists",
  ".debug_ranges",
  ".debug_line",
];

/**
 * The built @corestack/elf and @corestack/dwarf and the dwarf package's exercise harnesses
 * (packages/NAME/dist), loaded at run time so that the fuzzer runs the code it fuzzes.
 */
async function builtPackages() {
  /** @type {(name: string, file?: string) => Promise<unknown>} */
  const load = (name, file = "mod.js") => import(pathToFileURL(path.join(REPO_ROOT, "packages", name, "dist", file)).href);
  const loaded = await Promise.all([
    load("elf"),
    load("dwarf"),
    load("dwarf", "_cfi_exercise.js"),
    load("dwarf", "_info_exercise.js"),
    load("dwarf", "_line_exercise.js"),
  ]);
  const [elf, dwarf, cfi, info, line] =
    /** @type {[typeof import("../../packages/elf/dist/mod.js"), typeof import("../../packages/dwarf/dist/mod.js"), typeof import("../../packages/dwarf/dist/_cfi_exercise.js"), typeof import("../../packages/dwarf/dist/_info_exercise.js"), typeof import("../../packages/dwarf/dist/_line_exercise.js")]} */ (
      loaded
    );
  return {
    elf,
    dwarf,
    exerciseCallFrameInfo: cfi.exerciseCallFrameInfo,
    exerciseDebugInfo: info.exerciseDebugInfo,
    exerciseLinePrograms: line.exerciseLinePrograms,
  };
}

/** @typedef {Awaited<ReturnType<typeof builtPackages>>} Packages */
/** @typedef {{ offset: number; next: number; cie: number; begin: bigint; end: bigint }} Fde an FDE of `.eh_frame`: its offset, the next record's, its CIE's, and the addresses it covers. */
/**
 * A file of the corpus: its sections, and the structure of the unmutated ones.
 * @typedef {object} CorpusEntry
 * @property {string} file
 * @property {number} size
 * @property {boolean} littleEndian
 * @property {4 | 8} addressSize
 * @property {Sections} sections
 * @property {{ [K in SectionName]?: bigint }} addresses
 * @property {{ offset: number; end: number; abbrevOffset: number; addresses: bigint[] }[]} units
 * @property {{ offset: number; end: number }[]} programs
 * @property {Fde[]} fdes
 * @property {Fde[]} fdesByPc
 */

/**
 * Reads one file's sections and the structure mutations are positioned by: its units and line
 * programs (offsets in the unmutated sections) and, per unit, a few addresses it covers.
 * @param {string} file
 * @param {Packages} [packages]
 * @returns {Promise<CorpusEntry>}
 */
export async function loadCorpusFile(file, packages) {
  const { elf: E, dwarf: D } = packages ?? (await builtPackages());
  const bytes = new Uint8Array(fs.readFileSync(file));
  const elf = new E.ElfFile(E.bufferSource(bytes));
  /** @type {Sections} */
  const sections = {};
  /** @type {CorpusEntry["addresses"]} */
  const addresses = {};
  for (const dotted of SECTION_NAMES) {
    const header = elf.section(dotted);
    if (!header || header.sh_type === 8) continue;
    const name = /** @type {SectionName} */ (dotted.slice(1));
    sections[name] = E.sectionContents(elf, header);
    addresses[name] = header.sh_addr;
  }
  /** @type {{ littleEndian: boolean; addressSize: 4 | 8 }} */
  const shared = { littleEndian: elf.littleEndian, addressSize: elf.is64 ? 8 : 4 };
  /** @type {CorpusEntry["units"]} */
  const units = [];
  if (sections.debug_info && sections.debug_abbrev) {
    const info = new D.DebugInfo(dwarfSections(sections, shared.littleEndian));
    try {
      for (const unit of info.units()) {
        const first = info.entries(unit).next().value;
        const ranges = first ? (info.rangesOf(first) ?? []) : [];
        units.push({ offset: unit.offset, end: unit.end, abbrevOffset: unit.abbrevOffset, addresses: spread(ranges, 24) });
      }
    } catch (error) {
      if (!D.DwarfFormatError.isInstance(error)) throw error;
    }
  }
  /** @type {Fde[]} */
  const fdes = [];
  if (sections.eh_frame && addresses.eh_frame !== undefined) {
    const cfi = D.CallFrameInfo.fromEhFrame({ eh_frame: E.bufferSource(sections.eh_frame), ehFrameAddress: addresses.eh_frame, ...shared });
    try {
      for (const record of cfi.records()) {
        if (record.kind === "fde")
          fdes.push({ offset: record.offset, next: record.nextOffset, cie: record.cieOffset, begin: record.initialLocation, end: record.endAddress });
      }
    } catch (error) {
      if (!D.DwarfFormatError.isInstance(error)) throw error;
    }
  }
  /** @type {CorpusEntry["programs"]} */
  const programs = [];
  if (sections.debug_line) {
    const table = D.LineTable.of(dwarfSections(sections, shared.littleEndian));
    for (const program of table.programs()) programs.push({ offset: program.header.offset, end: program.header.endOffset });
  }
  return {
    file,
    size: bytes.length,
    ...shared,
    sections,
    addresses,
    units,
    programs,
    fdes,
    fdesByPc: [...fdes].sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0)),
  };
}

/**
 * Up to `count` addresses spread over some ranges: starts, middles and last bytes.
 * @param {readonly { begin: bigint; end: bigint }[]} ranges
 * @param {number} count
 * @returns {bigint[]}
 */
function spread(ranges, count) {
  /** @type {bigint[]} */
  const result = [];
  for (const range of ranges) {
    if (range.end <= range.begin) continue;
    result.push(range.begin, range.begin + (range.end - range.begin) / 2n, range.end - 1n);
    if (result.length >= count) break;
  }
  return result.slice(0, count);
}

/**
 * The sections as the dwarf package takes them.
 * @param {Sections} sections
 * @param {boolean} littleEndian
 */
function dwarfSections(sections, littleEndian) {
  /** @param {Uint8Array | undefined} bytes */
  const source = (bytes) =>
    bytes ? { size: bytes.length, bytes: (/** @type {number} */ offset, /** @type {number} */ length) => bytes.subarray(offset, offset + length) } : undefined;
  return {
    littleEndian,
    debug_info: source(sections.debug_info),
    debug_abbrev: source(sections.debug_abbrev),
    debug_str: source(sections.debug_str),
    debug_line_str: source(sections.debug_line_str),
    debug_str_offsets: source(sections.debug_str_offsets),
    debug_addr: source(sections.debug_addr),
    debug_ranges: source(sections.debug_ranges),
    debug_rnglists: source(sections.debug_rnglists),
    debug_line: source(sections.debug_line),
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs: a target, a slice of the corpus, mutations

/**
 * Draws input `index` of seed `seed`: a file, a target (cfi, info or line), for info and line one
 * unit or program cut out as a section of its own, and 1-4 mutations. Mutations are positioned
 * in the slice (30 % in its first 64 bytes, where the headers are).
 * @param {readonly CorpusEntry[]} corpus
 * @param {number} seed
 * @param {number} index
 * @returns {DwarfFuzzInput}
 */
export function drawInput(corpus, seed, index) {
  const random = inputRandom(seed, index);
  const entry = random.pick(corpus);
  /** @type {DwarfTarget[]} */
  const targets = [];
  if (entry.sections.eh_frame) targets.push("cfi");
  if (entry.units.length > 0) targets.push("info");
  if (entry.programs.length > 0) targets.push("line");
  const target = random.pick(targets);
  let slice = 0;
  /** @type {Region[]} */
  const regions = [];
  // A section a target was drawn for is there (see `targets` above): the unit's abbreviations too.
  /** @type {(name: SectionName) => Uint8Array} */
  const section = (name) => nonEmpty(entry.sections[name], `${entry.file} has no .${name}`);
  if (target === "cfi") {
    regions.push({ section: "eh_frame", size: section("eh_frame").length, weight: 3 });
    if (entry.sections.eh_frame_hdr) regions.push({ section: "eh_frame_hdr", size: entry.sections.eh_frame_hdr.length, weight: 1 });
  } else if (target === "info") {
    slice = random.int(entry.units.length);
    const unit = nonEmpty(entry.units[slice], "a unit");
    regions.push({ section: "debug_info", size: unit.end - unit.offset, weight: 6 });
    regions.push({ section: "debug_abbrev", size: Math.min(4096, section("debug_abbrev").length - unit.abbrevOffset), base: unit.abbrevOffset, weight: 3 });
    const ranges = entry.sections.debug_rnglists ? "debug_rnglists" : entry.sections.debug_ranges ? "debug_ranges" : undefined;
    if (ranges) regions.push({ section: ranges, size: section(ranges).length, weight: 1 });
  } else {
    slice = random.int(entry.programs.length);
    const program = nonEmpty(entry.programs[slice], "a line program");
    regions.push({ section: "debug_line", size: program.end - program.offset, weight: 1 });
  }
  const count = 1 + random.int(4);
  /** @type {DwarfFuzzMutation[]} */
  const mutations = [];
  for (let i = 0; i < count; i++) {
    const region = regions.length === 1 ? nonEmpty(regions[0], "a region") : weightedRegion(random, regions);
    if (region.size <= 0) continue;
    const base = region.base ?? 0;
    const at = base + (random.chance(0.3) ? random.int(Math.min(64, region.size)) : random.int(region.size));
    const action = random.weighted({ flip: 4, byte: 2, word: 3, leb: 1, zero: 1, truncate: 0.5 });
    const where = { section: region.section, at };
    // One more draw for the actions that take a value (the order of draws makes an input: keep it).
    if (action === "flip") mutations.push({ ...where, action, bit: random.int(8) });
    else if (action === "byte") mutations.push({ ...where, action, value: random.int(256) });
    else if (action === "word")
      mutations.push({
        ...where,
        action,
        value: random.pick([0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff, random.int(0x100000000)]),
      });
    else if (action === "leb") mutations.push({ ...where, action, length: 1 + random.int(16) });
    else if (action === "zero") mutations.push({ ...where, action, length: 1 + random.int(256) });
    else mutations.push({ ...where, action });
  }
  return { index, file: entry.file, target, slice, mutations };
}

/** @typedef {{ section: SectionName; size: number; base?: number; weight: number }} Region a range of a section mutations go to. */

/**
 * @param {Random} random
 * @param {readonly Region[]} regions
 * @returns {Region}
 */
function weightedRegion(random, regions) {
  const weights = Object.fromEntries(regions.map((r, i) => [String(i), r.weight]));
  return nonEmpty(regions[Number(random.weighted(weights))], "a region");
}

/**
 * The sections an input runs on: copies of the corpus's (the unit or program cut out for info and
 * line), with the mutations applied in order.
 * @param {CorpusEntry} entry
 * @param {DwarfFuzzInput} input
 * @returns {Sections}
 */
export function materialise(entry, input) {
  /** @param {Uint8Array | undefined} bytes */
  const copy = (bytes) => (bytes ? new Uint8Array(bytes) : undefined);
  /** @type {Sections} */
  const sections = { ...entry.sections };
  if (input.target === "info") {
    const unit = nonEmpty(entry.units[input.slice], `unit ${input.slice} of ${entry.file}`);
    sections.debug_info = nonEmpty(entry.sections.debug_info, `${entry.file} has no .debug_info`).slice(unit.offset, unit.end);
  } else if (input.target === "line") {
    const program = nonEmpty(entry.programs[input.slice], `line program ${input.slice} of ${entry.file}`);
    sections.debug_line = nonEmpty(entry.sections.debug_line, `${entry.file} has no .debug_line`).slice(program.offset, program.end);
  }
  /** @type {Set<SectionName>} */
  const touched = new Set();
  for (const mutation of input.mutations) {
    if (!touched.has(mutation.section)) {
      if (!(input.target === "info" && mutation.section === "debug_info") && !(input.target === "line" && mutation.section === "debug_line")) {
        sections[mutation.section] = copy(sections[mutation.section]);
      }
      touched.add(mutation.section);
    }
    let bytes = sections[mutation.section];
    if (!bytes || mutation.at >= bytes.length) continue;
    const at = mutation.at;
    switch (mutation.action) {
      case "flip":
        bytes[at] = /** @type {number} */ (bytes[at]) ^ (1 << mutation.bit);
        break;
      case "byte":
        bytes[at] = mutation.value;
        break;
      case "word":
        for (let i = 0; i < 4 && at + i < bytes.length; i++) bytes[at + i] = (mutation.value >>> (8 * i)) & 0xff;
        break;
      case "leb":
        for (let i = 0; i < mutation.length && at + i < bytes.length; i++) bytes[at + i] = 0xff;
        break;
      case "zero":
        bytes.fill(0, at, Math.min(bytes.length, at + mutation.length));
        break;
      case "truncate":
        bytes = bytes.subarray(0, at);
        sections[mutation.section] = bytes;
        break;
      default:
        // A reproducer is JSON: an action the fuzzer never wrote.
        throw new Error(`unknown mutation ${/** @type {{ action: unknown }} */ (mutation).action}`);
    }
  }
  return sections;
}

/**
 * The addresses whose unwind rows depend on the mutated bytes (so that the exercise, which looks up
 * a bounded number of addresses, looks there first): the FDE holding a mutated `.eh_frame` byte,
 * the FDEs of a mutated CIE, the FDE a mutated `.eh_frame_hdr` table entry names.
 * @param {CorpusEntry} entry
 * @param {readonly DwarfFuzzMutation[]} mutations
 * @returns {bigint[]}
 */
function pcsNear(entry, mutations) {
  /** @type {Fde[]} */
  const chosen = [];
  for (const mutation of mutations) {
    if (mutation.section === "eh_frame") {
      const holder = entry.fdes.find((f) => f.offset <= mutation.at && mutation.at < f.next);
      if (holder) chosen.push(holder);
      else {
        // A CIE (or the terminator): the FDEs of the nearest CIE at or before the mutated byte.
        let cie = -1;
        for (const f of entry.fdes) if (f.cie <= mutation.at && f.cie > cie) cie = f.cie;
        chosen.push(...entry.fdes.filter((f) => f.cie === cie).slice(0, 8));
      }
    } else if (mutation.section === "eh_frame_hdr") {
      const fde = entry.fdesByPc[Math.max(0, Math.floor((mutation.at - 12) / 8))];
      if (fde) chosen.push(fde);
    }
  }
  return chosen.flatMap((f) => [f.begin, f.begin + (f.end - f.begin) / 2n, f.end - 1n]);
}

/**
 * Runs one input in this thread through every API of the built package. A DwarfFormatError is
 * counted (that is a clean refusal); anything else escapes to the caller, which calls it a crash.
 * @param {Packages} packages
 * @param {CorpusEntry} entry
 * @param {DwarfFuzzInput} input
 * @returns {{ class: "read" | "refused"; errors: number }}
 */
export function exercise(packages, entry, input) {
  const sections = materialise(entry, input);
  const { littleEndian, addressSize } = entry;
  let errors = 0;
  /** @param {Readonly<Record<string, number>>} record DwarfFormatErrors counted by kind */
  const count = (record) => {
    for (const value of Object.values(record)) errors += value;
  };
  if (input.target === "cfi") {
    const result = packages.exerciseCallFrameInfo({
      eh_frame: sections.eh_frame,
      ehFrameAddress: entry.addresses.eh_frame,
      eh_frame_hdr: sections.eh_frame_hdr,
      ehFrameHdrAddress: entry.addresses.eh_frame_hdr,
      littleEndian,
      addressSize,
      pcs: pcsNear(entry, input.mutations),
    });
    count(result.errors);
  } else if (input.target === "info") {
    const unit = nonEmpty(entry.units[input.slice], `unit ${input.slice} of ${entry.file}`);
    const result = packages.exerciseDebugInfo(dwarfSections(sections, littleEndian), { addresses: unit.addresses, maxEntries: 20_000 });
    errors += result.errors;
  } else {
    const result = packages.exerciseLinePrograms(dwarfSections(sections, littleEndian), { maxRows: 50_000 });
    count(result.errors);
  }
  return { class: errors > 0 ? "refused" : "read", errors };
}

// ---------------------------------------------------------------------------------------------
// Workers and batches

/**
 * Runs inputs in worker threads (each loads the corpus once), one input at a time per worker
 * with a time limit: a worker that does not answer in time is terminated (the input is a hang)
 * and replaced.
 */
class Pool {
  /** @param {readonly string[]} files the corpus each worker loads. */
  constructor(files) {
    this.files = files;
    /** @type {Worker[]} */
    this.idle = [];
    /** @type {Set<Worker>} */
    this.all = new Set();
  }
  async #spawn() {
    const worker = new Worker(new URL("./fuzz_dwarf_worker.mjs", import.meta.url), { workerData: { files: this.files } });
    this.all.add(worker);
    /** @type {Promise<void>} */
    const ready = new Promise((resolve, reject) => {
      worker.once("message", (message) => (message.ready ? resolve() : reject(new Error(message.error))));
      worker.once("error", reject);
    });
    await ready;
    return worker;
  }
  /**
   * @param {Omit<DwarfFuzzInput, "index"> & { index?: number }} input
   * @param {number} timeoutMs
   * @returns {Promise<DwarfOutcome>}
   */
  async run(input, timeoutMs) {
    const worker = this.idle.pop() ?? (await this.#spawn());
    const started = performance.now();
    /** @type {Omit<DwarfOutcome, "elapsedMs">} */
    const outcome = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        this.all.delete(worker);
        void worker.terminate();
        resolve({ class: "hang", reason: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      /** @param {Omit<DwarfOutcome, "elapsedMs">} message the worker's answer (fuzz_dwarf_worker.mjs) */
      const onMessage = (message) => {
        cleanup();
        this.idle.push(worker);
        resolve(message);
      };
      /** @param {Error} error */
      const onError = (error) => {
        cleanup();
        this.all.delete(worker);
        resolve({ class: "crash", reason: `worker died: ${error?.message ?? error}` });
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage(input);
    });
    return { ...outcome, elapsedMs: performance.now() - started };
  }
  async close() {
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }
}

/**
 * @typedef {object} DwarfBatchOptions
 * @property {number} [seed] default 1.
 * @property {number} [runs] default 500.
 * @property {number} [workers] worker threads (default 2).
 * @property {number} [timeoutMs] per input (default 10 000): beyond it, a hang.
 * @property {number} [timeBudgetMs] stop drawing inputs after this long.
 * @property {readonly string[]} [files] default defaultFiles(); missing ones are left out.
 * @property {boolean} [save] write reproducers of crashes and hangs (default true).
 * @property {(result: DwarfFuzzResult) => void} [onResult]
 */

/**
 * Runs `runs` inputs of seed `seed` (or as many as fit in `timeBudgetMs`).
 * @param {DwarfBatchOptions} options
 * @returns {Promise<{ results: DwarfFuzzResult[]; files: string[] }>} the results by input, and the files fuzzed.
 */
export async function runDwarfBatch(options) {
  const files = (options.files ?? defaultFiles()).filter((file) => fs.existsSync(file));
  if (files.length === 0) throw new Error("no files to fuzz on this machine");
  const packages = await builtPackages();
  /** @type {CorpusEntry[]} */
  const corpus = [];
  for (const file of files) corpus.push(await loadCorpusFile(file, packages));
  const pool = new Pool(files);
  const started = performance.now();
  /** @type {DwarfFuzzResult[]} */
  const results = [];
  /** @type {Map<string, number>} */
  const savedBySignature = new Map();
  let next = 0;
  try {
    const lane = async () => {
      for (;;) {
        const index = next++;
        if (index >= (options.runs ?? 500)) return;
        if (options.timeBudgetMs !== undefined && performance.now() - started > options.timeBudgetMs) return;
        const input = drawInput(corpus, options.seed ?? 1, index);
        const outcome = await pool.run(input, options.timeoutMs ?? 10_000);
        /** @type {DwarfFuzzResult} */
        const result = { ...input, ...outcome };
        if ((outcome.class === "crash" || outcome.class === "hang") && options.save !== false) {
          const saved = saveFinding(result, options.seed ?? 1, corpus, savedBySignature);
          if (saved !== undefined) result.saved = saved;
        }
        results.push(result);
        options.onResult?.(result);
      }
    };
    await Promise.all(Array.from({ length: options.workers ?? 2 }, lane));
  } finally {
    await pool.close();
  }
  results.sort((a, b) => a.index - b.index);
  return { results, files };
}

/**
 * Writes a reproducer (at most three per signature and run).
 * @param {DwarfFuzzResult} result
 * @param {number} seed
 * @param {readonly CorpusEntry[]} corpus
 * @param {Map<string, number>} savedBySignature reproducers written in this run, by signature.
 * @returns {string | undefined} the file written, if one was.
 */
function saveFinding(result, seed, corpus, savedBySignature) {
  const entry = corpus.find((c) => c.file === result.file);
  const key = signature(result.reason ?? "");
  const seen = savedBySignature.get(key) ?? 0;
  if (seen >= 3) return undefined;
  savedBySignature.set(key, seen + 1);
  fs.mkdirSync(DWARF_FINDINGS_DIR, { recursive: true });
  const name = `${result.class}-${path.basename(result.file)}-${result.target}-s${seed}-i${result.index}.json`;
  const reproducer = {
    format: 1,
    seed,
    input: result.index,
    file: result.file,
    fileSize: entry?.size,
    target: result.target,
    slice: result.slice,
    mutations: result.mutations,
    class: result.class,
    reason: result.reason,
  };
  fs.writeFileSync(path.join(DWARF_FINDINGS_DIR, name), `${JSON.stringify(reproducer, null, 2)}\n`);
  return path.join(DWARF_FINDINGS_DIR, name);
}

/**
 * What replayDwarf() reads of a reproducer (saveFinding() writes it).
 * @typedef {object} DwarfReproducer
 * @property {string} file
 * @property {number} [fileSize]
 * @property {number} input
 * @property {DwarfTarget} target
 * @property {number} slice
 * @property {DwarfFuzzMutation[]} mutations
 */

/**
 * Replays reproducers: the same file (by path; skipped with a reason when it is missing or of
 * another size), slice and mutations, classified now.
 * @param {readonly string[]} paths reproducer files.
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<({ path: string; class: "skipped"; reason: string } | ({ path: string } & DwarfOutcome))[]>}
 */
export async function replayDwarf(paths, options = {}) {
  /** @type {({ path: string; class: "skipped"; reason: string } | ({ path: string } & DwarfOutcome))[]} */
  const outcomes = [];
  /** @type {string[]} */
  const files = [];
  const reproducers = paths.map((p) => ({ path: p, .../** @type {DwarfReproducer} */ (JSON.parse(fs.readFileSync(p, "utf8"))) }));
  for (const r of reproducers) if (fs.existsSync(r.file) && !files.includes(r.file)) files.push(r.file);
  const packages = await builtPackages();
  /** @type {CorpusEntry[]} */
  const corpus = [];
  for (const file of files) corpus.push(await loadCorpusFile(file, packages));
  const pool = new Pool(files);
  try {
    for (const r of reproducers) {
      const entry = corpus.find((c) => c.file === r.file);
      if (!entry || (r.fileSize !== undefined && entry.size !== r.fileSize)) {
        outcomes.push({ path: r.path, class: "skipped", reason: `${r.file} is not here as it was when the finding was made` });
        continue;
      }
      const outcome = await pool.run({ index: r.input, file: r.file, target: r.target, slice: r.slice, mutations: r.mutations }, options.timeoutMs ?? 10_000);
      outcomes.push({ path: r.path, ...outcome });
    }
  } finally {
    await pool.close();
  }
  return outcomes;
}

/**
 * Counts per file and target and class, and the crash/hang reasons by signature.
 * @typedef {object} DwarfSummary
 * @property {number} inputs
 * @property {Record<DwarfFuzzClass, number>} totals
 * @property {Record<string, Record<DwarfFuzzClass, number>>} table by "FILE TARGET" (the file's base name).
 * @property {Record<string, number>} signatures
 */

/**
 * @param {readonly DwarfFuzzResult[]} results
 * @returns {DwarfSummary}
 */
export function summariseDwarf(results) {
  /** @type {Map<string, Record<DwarfFuzzClass, number>>} */
  const table = new Map();
  /** @type {Record<string, number>} */
  const signatures = {};
  /** @param {(c: DwarfFuzzClass) => number} count */
  const byClass = (count) => /** @type {Record<DwarfFuzzClass, number>} */ (Object.fromEntries(DWARF_CLASSES.map((c) => [c, count(c)])));
  for (const r of results) {
    const key = `${path.basename(r.file)} ${r.target}`;
    const row = table.get(key) ?? byClass(() => 0);
    row[r.class] += 1;
    table.set(key, row);
    if (r.class === "crash" || r.class === "hang") {
      const s = signature(r.reason ?? "");
      signatures[s] = (signatures[s] ?? 0) + 1;
    }
  }
  const totals = byClass((c) => results.filter((r) => r.class === c).length);
  return { inputs: results.length, totals, table: Object.fromEntries(table), signatures };
}

/**
 * The summary as text.
 * @param {DwarfSummary} summary
 * @returns {string}
 */
export function formatDwarfSummary(summary) {
  const lines = [`${summary.inputs} inputs`];
  const width = Math.max(20, ...Object.keys(summary.table).map((k) => k.length));
  lines.push(`${"file target".padEnd(width)} ${DWARF_CLASSES.map((c) => c.padStart(8)).join(" ")}`);
  for (const [key, row] of Object.entries(summary.table).sort())
    lines.push(`${key.padEnd(width)} ${DWARF_CLASSES.map((c) => String(row[c]).padStart(8)).join(" ")}`);
  lines.push(`${"total".padEnd(width)} ${DWARF_CLASSES.map((c) => String(summary.totals[c]).padStart(8)).join(" ")}`);
  for (const [s, n] of Object.entries(summary.signatures)) lines.push(`  ${n} × ${s}`);
  return lines.join("\n");
}

export { builtPackages };

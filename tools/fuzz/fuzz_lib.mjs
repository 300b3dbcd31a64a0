// @ts-check
// The mutation fuzzer of `corestack core` (tools/fuzz/README.md): real cores of real Python
// processes, mutated at structural positions, each mutant run through the real CLI and
// classified. Plain Node ESM, no build step, type-checked from its JSDoc (tools/tsconfig.json);
// `fuzz.mjs` is its command line, and packages/cli/test/fuzz_test.ts runs a fixed-seed batch and
// replays the findings.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (two levels above tools/fuzz). */
export const REPO_ROOT = path.resolve(HERE, "..", "..");
/** Where crash and hang reproducers are written. */
export const FINDINGS_DIR = path.join(HERE, "findings");

/**
 * A core to fuzz.
 * @typedef {object} FuzzCase
 * @property {string} interpreter the core maker's interpreter id ("pyenv-3.12.1", "debian-3.11"); any interpreter of `version` stands in for it.
 * @property {string} version "X.Y"
 * @property {string} scenario a scenario of tools/testing/scenarios.
 */

/** @typedef {"analysed" | "refusal" | "crash" | "hang"} FuzzClass */
/** @typedef {"json" | "text"} Mode */

/**
 * The verdict on one run of the CLI.
 * @typedef {object} FuzzOutcome
 * @property {FuzzClass} class
 * @property {string} reason why a crash or hang (empty for analysed); the message of a refusal.
 * @property {number | null} status
 * @property {string | null} signal
 * @property {number} elapsedMs
 * @property {string} stderr
 */

/**
 * One input of a batch and its verdict.
 * @typedef {object} FuzzInputRecord
 * @property {number} index
 * @property {string} case "pyenv-3.12.1/threads"
 * @property {Mode} mode
 * @property {Mutation[]} mutations
 * @property {string} [saved] the reproducer written, when one was.
 */
/** @typedef {FuzzOutcome & FuzzInputRecord} FuzzResult */

/** @typedef {{ analysed: number; refusal: number; crash: number; hang: number; runs: number }} FuzzCounts */

/**
 * Counts per case and class.
 * @typedef {object} FuzzSummary
 * @property {Record<string, FuzzCounts>} rows
 * @property {FuzzCounts} total
 * @property {Record<string, number>} signatures crash and hang reasons without addresses and numbers, with their counts.
 * @property {Record<string, number>} refusals refusal messages without addresses and numbers, with their counts.
 */

/**
 * @typedef {object} FuzzBatch
 * @property {number} seed
 * @property {number} runs
 * @property {number} elapsedMs
 * @property {string[]} cases
 * @property {FuzzResult[]} results
 * @property {FuzzSummary} summary
 */

/** The cores fuzzed by default: several versions, frame models and thread counts. */
export const DEFAULT_CASES = Object.freeze(
  /** @type {FuzzCase[]} */ ([
    { interpreter: "pyenv-2.7.18", version: "2.7", scenario: "simple" },
    { interpreter: "pyenv-3.8.18", version: "3.8", scenario: "threads" },
    { interpreter: "debian-3.11", version: "3.11", scenario: "nested" },
    { interpreter: "pyenv-3.12.1", version: "3.12", scenario: "threads" },
    { interpreter: "pyenv-3.13.0", version: "3.13", scenario: "recursion" },
    // Debian's builds (tools/testing/debian_pythons.mjs): static libpython, stripped, tagged frames.
    { interpreter: "debian-3.14.10", version: "3.14", scenario: "threads" },
    { interpreter: "debian-3.15.2", version: "3.15", scenario: "nested" },
  ]),
);

/** The four classes of an input. */
export const CLASSES = Object.freeze(/** @type {FuzzClass[]} */ (["analysed", "refusal", "crash", "hang"]));

// ---------------------------------------------------------------------------------------------
// The CLI entry

/**
 * The built CLI entry the tests use: the `CLI` constant of packages/cli/test/_cli.ts (read as
 * text, so that this plain .mjs follows it when the entry changes), else the bundled
 * published launcher dist/corestack.cjs when present, else dist/main.js.
 * @param {string} [root] the repository root.
 * @returns {string} an absolute path.
 */
export function defaultCli(root = REPO_ROOT) {
  const testDir = path.join(root, "packages", "cli", "test");
  try {
    const text = fs.readFileSync(path.join(testDir, "_cli.ts"), "utf8");
    const match = /export const CLI\s*=[^;]*?new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/s.exec(text);
    if (match?.[1] !== undefined) return path.resolve(testDir, match[1]);
  } catch {
    // fall through
  }
  const bundled = path.join(root, "packages", "cli", "dist", "corestack.cjs");
  return fs.existsSync(bundled) ? bundled : path.join(root, "packages", "cli", "dist", "main.js");
}

// ---------------------------------------------------------------------------------------------
// Command lines (fuzz.mjs, fuzz_dwarf.mjs)

/**
 * Parses a fuzzer's command line: `options` as for `util.parseArgs`, plus `--help`. Prints the
 * usage and exits 0 for `--help`, prints the error and the usage and exits 2 for a bad option.
 * @template {Record<string, { type: "string" | "boolean" }>} O
 * @param {string} usage the usage text.
 * @param {O} options
 * @returns {{ values: OptionValues<O>; positionals: string[]; number: (name: keyof O & string, fallback: number) => number }}
 *   `number(name, fallback)` reads a non-negative number option (exit 2 when it is not one).
 */
export function commandLine(usage, options) {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
  const { positionals } = parsed;
  /** @type {Record<string, string | boolean | undefined>} */
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  /** @type {(name: string, fallback: number) => number} */
  const number = (name, fallback) => {
    const text = values[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      process.stderr.write(`--${name} needs a non-negative number, not ${JSON.stringify(text)}\n`);
      process.exit(2);
    }
    return value;
  };
  return { values: /** @type {OptionValues<O>} */ (values), positionals, number };
}

/**
 * The values of a command line's options: a string or a boolean by the option's type, undefined when not given.
 * @template {Record<string, { type: "string" | "boolean" }>} O
 * @typedef {{ [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean }} OptionValues
 */

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** @param {number} value */
function mix32(value) {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A small seeded generator (mulberry32) with helpers.
 * @param {number} seed
 */
export function makeRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    next,
    /** @param {number} n an integer in [0, n) */
    int: (n) => Math.floor(next() * n),
    /**
     * An element of a list that is not empty (an empty one throws).
     * @template T
     * @param {readonly T[]} list
     * @returns {T}
     */
    pick: (list) => nonEmpty(list[Math.floor(next() * list.length)], "random.pick() of an empty list"),
    /**
     * A key drawn by its weight (keys of weight 0 are never drawn; all of weight 0 throws).
     * @template {string} K
     * @param {Readonly<Record<K, number>>} weights
     * @returns {K}
     */
    weighted: (weights) => {
      const entries = /** @type {[K, number][]} */ (Object.entries(weights)).filter(([, w]) => w > 0);
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let x = next() * total;
      for (const [key, weight] of entries) {
        x -= weight;
        if (x < 0) return key;
      }
      return nonEmpty(entries[entries.length - 1], "random.weighted() without a positive weight")[0];
    },
    /** @param {number} p a probability */
    chance: (p) => next() < p,
  };
  return random;
}

/** @typedef {ReturnType<typeof makeRandom>} Random */

/**
 * `value`, which a caller knows is there (an element of a list that is not empty); else a RangeError saying `what`.
 * @template T
 * @param {T | undefined} value
 * @param {string} what
 * @returns {T}
 */
export function nonEmpty(value, what) {
  if (value === undefined) throw new RangeError(what);
  return value;
}

/**
 * The generator of input `index` of a run seeded `seed`: independent of scheduling.
 * @param {number} seed
 * @param {number} index
 */
export function inputRandom(seed, index) {
  return makeRandom(mix32(mix32(seed) ^ Math.imul(index + 1, 0x9e3779b1)));
}

// ---------------------------------------------------------------------------------------------
// Core structure (ELF64 little-endian cores, as Linux x86-64 and aarch64 write them)

const PT_LOAD = 1;
const PT_NOTE = 4;
const PF_W = 2;
const NT_FILE = 0x46494c45;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;

/**
 * @typedef {{ index: number; type: number; flags: number; offset: number; vaddr: bigint; filesz: number; memsz: bigint }} Segment
 * @typedef {{ index: number; offset: number; size: number; type: number; name: string }} NoteRecord
 * @typedef {{ size: number; phoff: number; phnum: number; segments: Segment[]; loads: Segment[]; notes: NoteRecord[] }} CoreShape
 */

/**
 * Parses what the mutations are positioned by: program headers, `PT_LOAD` segments (in program
 * header order), and the note records of every `PT_NOTE` segment.
 * @param {string} corePath
 * @returns {CoreShape}
 */
export function coreShape(corePath) {
  const fd = fs.openSync(corePath, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(EHDR_SIZE);
    fs.readSync(fd, header, 0, EHDR_SIZE, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${corePath} is not a little-endian ELF64 file`);
    }
    const phoff = Number(header.readBigUInt64LE(32));
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phnum * PHDR_SIZE);
    fs.readSync(fd, table, 0, table.length, phoff);
    /** @type {Segment[]} */
    const segments = [];
    for (let i = 0; i < phnum; i++) {
      const at = i * PHDR_SIZE;
      segments.push({
        index: i,
        type: table.readUInt32LE(at),
        flags: table.readUInt32LE(at + 4),
        offset: Number(table.readBigUInt64LE(at + 8)),
        vaddr: table.readBigUInt64LE(at + 16),
        filesz: Number(table.readBigUInt64LE(at + 32)),
        memsz: table.readBigUInt64LE(at + 40),
      });
    }
    const loads = segments.filter((s) => s.type === PT_LOAD && s.filesz > 0 && s.offset + s.filesz <= size);
    /** @type {NoteRecord[]} */
    const notes = [];
    for (const segment of segments.filter((s) => s.type === PT_NOTE)) {
      const bytes = Buffer.alloc(Math.min(segment.filesz, Math.max(0, size - segment.offset)));
      fs.readSync(fd, bytes, 0, bytes.length, segment.offset);
      for (let at = 0; at + 12 <= bytes.length; ) {
        const namesz = bytes.readUInt32LE(at);
        const descsz = bytes.readUInt32LE(at + 4);
        const type = bytes.readUInt32LE(at + 8);
        const nameEnd = at + 12 + ((namesz + 3) & ~3);
        const end = nameEnd + ((descsz + 3) & ~3);
        if (end > bytes.length) break;
        const name = bytes.subarray(at + 12, at + 12 + Math.max(0, namesz - 1)).toString("latin1");
        notes.push({ index: notes.length, offset: segment.offset + at, size: end - at, type, name });
        at = end;
      }
    }
    return { size, phoff, phnum, segments, loads, notes };
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Hot memory: what the analysis reads

/**
 * The built libraries the analysis needs (packages/NAME/dist/mod.js under `root`), loaded at run
 * time so that the fuzzer reads cores with the code it fuzzes; rejects when one cannot be loaded.
 * @param {string} root the repository root.
 */
async function builtLibraries(root) {
  /** @param {string} name */
  const load = (name) => import(pathToFileURL(path.join(root, "packages", name, "dist", "mod.js")).href);
  const [elf, mmap, symbols, cpython] = await Promise.all([load("elf"), load("mmap"), load("symbols"), load("cpython")]);
  return {
    elf: /** @type {typeof import("../../packages/elf/dist/mod.js")} */ (elf),
    mmap: /** @type {typeof import("../../packages/mmap/dist/mod.js")} */ (mmap),
    symbols: /** @type {typeof import("../../packages/symbols/dist/mod.js")} */ (symbols),
    cpython: /** @type {typeof import("../../packages/cpython/dist/mod.js")} */ (cpython),
  };
}

/** @typedef {{ load: number; offset: number; length: number }} HotRead a read of the analysis: (index among PT_LOADs, offset, length). */

/**
 * Where the analysis reads in a core: runs `analyse()` from the built libraries in this process,
 * recording every read that lands in a dumped segment. Mutations there hit interpreter state,
 * thread states, frames, code objects, strings and line tables. Empty when the libraries cannot
 * be loaded or the analysis fails (the fuzzer then stays with its other positions).
 * @param {string} corePath
 * @param {{ root?: string }} [options]
 * @returns {Promise<HotRead[]>} positions as (load index, offset, length).
 */
export async function hotReads(corePath, options = {}) {
  let libraries;
  try {
    libraries = await builtLibraries(options.root ?? REPO_ROOT);
  } catch {
    return [];
  }
  const { elf, mmap, symbols, cpython } = libraries;
  const shape = coreShape(corePath);
  /** @type {{ address: bigint; length: number }[]} */
  const reads = [];
  try {
    const core = new elf.CoreFile(mmap.openFile(corePath));
    const target = new symbols.CoreTarget(core, {});
    const read = target.read.bind(target);
    target.read = (address, length) => {
      const bytes = read(address, length);
      reads.push({ address, length });
      return bytes;
    };
    cpython.analyse(target);
  } catch {
    // keep what was read before the failure
  }
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {HotRead[]} */
  const result = [];
  for (const { address, length } of reads) {
    const load = shape.loads.findIndex((s) => s.vaddr <= address && address < s.vaddr + BigInt(s.filesz));
    const segment = shape.loads[load];
    if (!segment) continue;
    const offset = Number(address - segment.vaddr);
    const key = `${load}:${offset}:${length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ load, offset, length: Math.max(1, Math.min(length, segment.filesz - offset)) });
  }
  return result;
}

/** @typedef {{ major: number; minor: number }} PythonVersion */

/**
 * A frame's name pointer in a core: where it is, what type its str has, and the name.
 * @typedef {object} NameSite
 * @property {"co_name" | "co_filename"} field
 * @property {number} pointer file offset of the code object's pointer to the name.
 * @property {string} type the str (2.7: byte string) type's address, "0x…".
 * @property {string} text
 */

/**
 * Where the names of a core's frames are: for each frame the analysis reads, the file offset of
 * its code object's `co_name` and `co_filename` pointers, found by what they point to (a string
 * object holding exactly the frame's function or file name, ASCII), not by a layout table — so
 * that it holds whatever the layout package looks like. Name mutations replace such a pointer
 * with one to a string object of their own (see "Grafts" below).
 * @param {string} corePath
 * @param {CoreShape} shape
 * @param {{ root?: string }} [options]
 * @returns {Promise<{ version: PythonVersion | null; sites: NameSite[] }>}
 */
export async function nameSites(corePath, shape, options = {}) {
  let libraries;
  try {
    libraries = await builtLibraries(options.root ?? REPO_ROOT);
  } catch {
    return { version: null, sites: [] };
  }
  const { elf, mmap, symbols, cpython } = libraries;
  /** @type {NameSite[]} */
  const sites = [];
  /** @type {PythonVersion | null} */
  let version = null;
  try {
    const core = new elf.CoreFile(mmap.openFile(corePath));
    const target = new symbols.CoreTarget(core, {});
    const analysis = cpython.analyse(target);
    version = { major: analysis.version.major, minor: analysis.version.minor };
    /** @type {(address: bigint, length: number) => Buffer | undefined} */
    const read = (address, length) => {
      try {
        return Buffer.from(target.read(address, length));
      } catch {
        return undefined;
      }
    };
    /** @param {bigint} address */
    const fileOffset = (address) => {
      const load = shape.loads.find((s) => s.vaddr <= address && address + 8n <= s.vaddr + BigInt(s.filesz));
      return load ? load.offset + Number(address - load.vaddr) : undefined;
    };
    // Where the characters of a str object start: 2.7 PyStringObject.ob_sval; 3.x compact ASCII data.
    const dataAt = version.major === 2 ? 36 : version.minor <= 11 ? 48 : 40;
    /** @type {(object: bigint, text: string) => boolean} */
    const holds = (object, text) => {
      const length = read(object + 16n, 8);
      if (!length || length.readBigInt64LE(0) !== BigInt(text.length)) return false;
      const data = read(object + BigInt(dataAt), text.length);
      return data !== undefined && data.toString("latin1") === text;
    };
    /** @type {Set<bigint>} */
    const seen = new Set();
    for (const thread of analysis.threads) {
      for (const frame of thread.frames) {
        if (seen.has(frame.code)) continue;
        seen.add(frame.code);
        const words = read(frame.code, 256);
        if (!words) continue;
        for (const [field, text] of /** @type {[NameSite["field"], string][]} */ ([
          ["co_name", frame.function],
          ["co_filename", frame.file],
        ])) {
          if (!/^[\x20-\x7e]+$/.test(text)) continue;
          for (let at = 16; at + 8 <= words.length; at += 8) {
            const object = words.readBigUInt64LE(at);
            if (object < 0x1000n || !holds(object, text)) continue;
            const pointer = fileOffset(frame.code + BigInt(at));
            const type = read(object + 8n, 8);
            if (pointer !== undefined && type) sites.push({ field, pointer, type: hex(type.readBigUInt64LE(0)), text });
            break; // the first match: co_name comes before co_qualname
          }
        }
      }
    }
  } catch {
    // the sites found so far
  }
  return { version, sites };
}

// ---------------------------------------------------------------------------------------------
// Mutations
//
// A mutation names its position structurally, so that a reproducer still means something on a
// core made again (same interpreter and scenario, other addresses):
//   { area: "ehdr", offset }              bytes 0..63 of the ELF header
//   { area: "phdr", index, offset }       a program header (offset 0..55)
//   { area: "note", index, offset }       a note record (from its header; offset into name/desc)
//   { area: "load", index, offset }       a PT_LOAD segment (index among PT_LOADs, offset into p_filesz)
//   { area: "file", fraction }            a position in the whole file (truncation)
// and its action:
//   { kind: "truncate", at }              the file ends at `at`
//   { kind: "flip", at, bit }             one bit flipped
//   { kind: "bytes", at, hex }            bytes written
//   { kind: "int", at, width, value }     a 1/2/4/8-byte little-endian integer written ("0x…" text)
//   { kind: "word", at, value }           a 64-bit pointer-like value: { const } | { ptr: { index, offset } }
//                                         (an address in PT_LOAD index) | { self: delta } (the word's
//                                         own address + delta) | { near: delta } (the old value + delta)
//   { kind: "zero", at, length }          zeroed bytes (a page)
//   { kind: "name", at: { area: "name", field, index }, text: { form, seed } }
//                                         a frame's co_name/co_filename pointer (site `index` of
//                                         nameSites(), wrapped) set to a string object of its own,
//                                         grafted into the core (a new PT_LOAD): format characters,
//                                         lone surrogates, controls, escape look-alikes, long names,
//                                         a lying length, or (2.7) bytes that are not UTF-8
//   { kind: "mappings", extra, order, paths, place, first, seed }
//                                         the NT_FILE note blown up with `extra` more entries (the
//                                         notes copied to the end of the file, the PT_NOTE header
//                                         pointed at them)
// `via` says how the position was chosen ("hot": a read of the analysis; "writable"; "any").

/**
 * A structural position (see above).
 * @typedef {{ area: "ehdr"; offset: number }
 *   | { area: "phdr" | "note" | "load"; index: number; offset: number }
 *   | { area: "file"; fraction: number }} Position
 */
/** @typedef {{ area: "note" | "load"; index: number; offset: number }} MemoryPosition a position in a note or a PT_LOAD segment. */
/** @typedef {"hot" | "writable" | "any"} Via */
/** @typedef {{ const?: string; ptr?: { index: number; offset: number }; self?: number; near?: number }} WordValue one of the four. */
/** @typedef {"cf" | "surrogate" | "controls" | "lookalike" | "long" | "liar" | "bytes"} NameForm */
/**
 * An action at a position of memory.
 * @typedef {{ kind: "flip"; at: Position; bit: number }
 *   | { kind: "bytes"; at: Position; hex: string }
 *   | { kind: "int"; at: Position; width: number; value: string }
 *   | { kind: "word"; at: Position; value: WordValue }
 *   | { kind: "zero"; at: Position; length: number }} MemoryAction
 */
/**
 * A blow-up of the NT_FILE note.
 * @typedef {object} MappingsMutation
 * @property {"mappings"} kind
 * @property {number} extra
 * @property {"ascending" | "descending" | "random"} order
 * @property {"one-char" | "same" | "python" | "empty" | "distinct"} paths
 * @property {"fresh" | "overlap"} place
 * @property {"real" | "extra"} first
 * @property {number} seed
 */
/**
 * One mutation (see above).
 * @typedef {{ kind: "truncate"; at: Position }
 *   | (MemoryAction & { via?: Via })
 *   | { kind: "name"; at: { area: "name"; field: NameSite["field"]; index: number }; text: { form: NameForm; seed: number } }
 *   | MappingsMutation} Mutation
 */

const INTERESTING_32 = [0, 1, 2, 4, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_64 = [
  0n,
  1n,
  8n,
  0x1000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffff8n,
  0x4141414141414141n,
  0x00007ffff7dd0000n,
  0xdead0000n,
];

/** @param {number | bigint} value */
const hex = (value) => `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`;

/**
 * Draws the mutations of one input.
 * @param {Random} random
 * @param {CoreShape} shape
 * @param {readonly HotRead[]} hot
 * @param {readonly NameSite[]} [sites]
 * @returns {Mutation[]}
 */
export function drawMutations(random, shape, hot, sites = []) {
  const count = random.weighted({ 1: 50, 2: 30, 3: 12, 4: 8 });
  /** @type {Mutation[]} */
  const mutations = [];
  for (let i = 0; i < Number(count); i++) {
    const mutation = drawOne(random, shape, hot, sites);
    if (mutation.kind === "truncate") {
      mutations.push(mutation);
      break; // one truncation, applied last
    }
    mutations.push(mutation);
  }
  return mutations;
}

/**
 * @param {Random} random
 * @param {CoreShape} shape
 * @param {readonly HotRead[]} hot
 * @param {readonly NameSite[]} sites
 * @returns {Mutation}
 */
function drawOne(random, shape, hot, sites) {
  const kind = random.weighted({
    truncate: 10,
    header: 14, // ELF header and program headers
    note: 14,
    hot: hot.length > 0 ? 40 : 0,
    writable: 16,
    load: 6,
    name: sites.length > 0 ? 14 : 0,
    mappings: shape.notes.some((n) => n.type === NT_FILE && n.name === "CORE") ? 3 : 0,
  });
  if (kind === "name") {
    const field = random.chance(0.6) ? "co_name" : "co_filename";
    const form = random.weighted({ cf: 5, surrogate: 4, controls: 3, lookalike: 3, long: 4, liar: 2, bytes: 2 });
    return { kind: "name", at: { area: "name", field, index: random.int(1 << 16) }, text: { form, seed: random.int(2 ** 31) } };
  }
  if (kind === "mappings") {
    return {
      kind: "mappings",
      extra: random.pick([1000, 30_000, 70_000, 262_145, 600_000]),
      order: random.pick(["ascending", "descending", "random"]),
      paths: random.pick(["one-char", "same", "python", "empty", "distinct"]),
      place: random.pick(["fresh", "overlap"]),
      first: random.chance(0.5) ? "real" : "extra",
      seed: random.int(2 ** 31),
    };
  }
  if (kind === "truncate") {
    const where = random.weighted({ anywhere: 5, headers: 2, segment: 3 });
    if (where === "anywhere") return { kind: "truncate", at: { area: "file", fraction: Number(random.next().toFixed(6)) } };
    if (where === "headers") {
      const note = shape.notes.length > 0 ? random.pick(shape.notes) : undefined;
      if (note && random.chance(0.7)) return { kind: "truncate", at: { area: "note", index: note.index, offset: random.int(note.size) } };
      return { kind: "truncate", at: { area: "phdr", index: random.int(shape.phnum), offset: random.int(PHDR_SIZE) } };
    }
    const index = random.int(shape.loads.length);
    const load = nonEmpty(shape.loads[index], "a core without PT_LOAD segments");
    const offset = random.chance(0.5) ? random.int(Math.min(load.filesz, 8192)) : random.int(load.filesz);
    return { kind: "truncate", at: { area: "load", index, offset } };
  }
  if (kind === "header") {
    if (random.chance(0.35)) {
      /** @type {{ area: "ehdr"; offset: number }} */
      const at = { area: "ehdr", offset: random.int(EHDR_SIZE) };
      return random.chance(0.6) ? { kind: "flip", at, bit: random.int(8) } : headerField(random, at, [16, 18, 24, 32, 40, 52, 54, 56, 58, 60, 62]);
    }
    /** @type {{ area: "phdr"; index: number; offset: number }} */
    const at = { area: "phdr", index: random.int(shape.phnum), offset: random.int(PHDR_SIZE) };
    if (random.chance(0.5)) return { kind: "flip", at, bit: random.int(8) };
    return headerField(random, at, [0, 4, 8, 16, 24, 32, 40, 48]);
  }
  if (kind === "note") {
    const note = shape.notes[random.int(shape.notes.length)]; // as random.pick(), but a core may have no notes
    if (!note) return { kind: "flip", at: { area: "ehdr", offset: random.int(EHDR_SIZE) }, bit: random.int(8) };
    const headerPart = random.chance(0.3);
    const offset = headerPart ? random.pick([0, 4, 8]) : 12 + random.int(Math.max(1, note.size - 12));
    /** @type {MemoryPosition} */
    const at = { area: "note", index: note.index, offset };
    if (headerPart) return { kind: "int", at, width: 4, value: hex(random.pick(INTERESTING_32)) };
    return random.weighted({ flip: 4, int: 2, word: 2, bytes: 1 }) === "flip"
      ? { kind: "flip", at, bit: random.int(8) }
      : memoryAction(random, shape, { ...at, offset: offset & ~7 || offset });
  }
  /** @type {MemoryPosition} */
  let at;
  /** @type {Via} */
  let via;
  if (kind === "hot") {
    const read = random.pick(hot);
    const inside = random.int(read.length);
    at = { area: "load", index: read.load, offset: read.offset + inside };
    // Pointers and lengths are 8-byte aligned fields: mostly hit the start of one.
    if (random.chance(0.7)) at.offset = read.offset + (inside & ~7);
    via = "hot";
  } else {
    const writable = shape.loads.map((s, i) => ({ s, i })).filter(({ s }) => (s.flags & PF_W) !== 0);
    const pool = kind === "writable" && writable.length > 0 ? writable : shape.loads.map((s, i) => ({ s, i }));
    const { s, i } = random.pick(pool);
    at = { area: "load", index: i, offset: random.int(s.filesz) & ~7 };
    via = kind === "writable" ? "writable" : "any";
  }
  return { ...memoryAction(random, shape, at), via };
}

/**
 * An integer field of the ELF header or a program header set to an interesting value.
 * @param {Random} random
 * @param {{ area: "ehdr"; offset: number } | { area: "phdr"; index: number; offset: number }} at
 * @param {readonly number[]} fieldOffsets
 * @returns {Mutation}
 */
function headerField(random, at, fieldOffsets) {
  const area = at.area;
  const offset = random.pick(fieldOffsets);
  const width = area === "ehdr" ? (offset === 24 || offset === 32 || offset === 40 ? 8 : offset === 48 || offset === 20 ? 4 : 2) : offset < 8 ? 4 : 8;
  const pool = width === 8 ? INTERESTING_64.map((v) => hex(v)) : INTERESTING_32.filter((v) => v < 2 ** (8 * width)).map((v) => hex(v));
  return { kind: "int", at: { ...at, offset }, width, value: random.pick(pool) };
}

/**
 * @param {Random} random
 * @param {CoreShape} shape
 * @param {MemoryPosition} at
 * @returns {MemoryAction}
 */
function memoryAction(random, shape, at) {
  const action = random.weighted({ flip: 22, word: 40, int: 16, zero: 10, bytes: 12 });
  if (action === "flip") return { kind: "flip", at, bit: random.int(8) };
  if (action === "zero") {
    return { kind: "zero", at: { ...at, offset: at.offset - (at.offset % 4096) }, length: 4096 };
  }
  if (action === "int") {
    const width = random.pick([1, 2, 4, 4]);
    const pool = INTERESTING_32.filter((v) => v < 2 ** (8 * width));
    return { kind: "int", at, width, value: hex(random.pick(pool)) };
  }
  if (action === "bytes") {
    const length = 1 + random.int(16);
    const bytes = [];
    for (let i = 0; i < length; i++) bytes.push(random.int(256));
    return { kind: "bytes", at, hex: Buffer.from(bytes).toString("hex") };
  }
  const value = random.weighted({ const: 3, ptr: 4, self: 2, near: 4, end: 2 });
  if (value === "const") return { kind: "word", at, value: { const: hex(random.pick(INTERESTING_64)) } };
  if (value === "self") return { kind: "word", at, value: { self: random.pick([0, 0, -8, 8, -16, 16, -64, 64]) } };
  if (value === "near") return { kind: "word", at, value: { near: random.pick([-4096, -64, -16, -8, -1, 1, 8, 16, 64, 4096, 1 << 20]) } };
  const index = random.int(shape.loads.length);
  const load = nonEmpty(shape.loads[index], "a core without PT_LOAD segments");
  if (value === "end") return { kind: "word", at, value: { ptr: { index, offset: load.filesz - 1 - random.int(16) } } };
  return { kind: "word", at, value: { ptr: { index, offset: random.int(load.filesz) & ~7 } } };
}

/**
 * The file offset of a structural position in a core (wrapped into range when a core made again
 * has fewer headers, notes or bytes than the one the position was drawn on).
 * @param {CoreShape} shape
 * @param {Position} at
 * @returns {number}
 */
export function resolvePosition(shape, at) {
  /** @type {(value: number, length: number) => number} */
  const wrap = (value, length) => (length <= 0 ? 0 : ((value % length) + length) % length);
  switch (at.area) {
    case "file":
      return Math.min(shape.size, Math.floor(at.fraction * shape.size));
    case "ehdr":
      return wrap(at.offset, EHDR_SIZE);
    case "phdr":
      return shape.phoff + wrap(at.index, shape.phnum) * PHDR_SIZE + wrap(at.offset, PHDR_SIZE);
    case "note": {
      const note = shape.notes[wrap(at.index, shape.notes.length)];
      if (!note) return wrap(at.offset, EHDR_SIZE);
      return note.offset + wrap(at.offset, note.size);
    }
    case "load": {
      const load = nonEmpty(shape.loads[wrap(at.index, shape.loads.length)], "a core without PT_LOAD segments");
      return load.offset + wrap(at.offset, load.filesz);
    }
    default:
      // A reproducer is JSON: an area the fuzzer never wrote.
      throw new RangeError(`Unknown mutation area ${JSON.stringify(/** @type {{ area: unknown }} */ (at).area)}`);
  }
}

/**
 * @param {CoreShape} shape
 * @param {number} fileOffset
 * @returns {bigint | undefined} the address of the byte at `fileOffset`, when a PT_LOAD holds it.
 */
function addressOf(shape, fileOffset) {
  for (const load of shape.loads) {
    if (load.offset <= fileOffset && fileOffset < load.offset + load.filesz) return load.vaddr + BigInt(fileOffset - load.offset);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Grafts: names and mappings that do not fit in place
//
// A name mutation builds a string object of its own (CPython's own layout of a compact `str`, or
// 2.7's byte string: fixed ABI, written here without the layout package) and a mapping blow-up a
// bigger NT_FILE note; both go at the end of the file, after which a copy of the program header
// table with the new PT_LOAD headers (and the PT_NOTE header moved to the new notes) is written,
// and e_phoff/e_phnum point at it. The file is restored by cutting it back to its size.

/** Format characters (Unicode Cf): bidi controls and isolates, zero-width ones, BOM, soft hyphen, Arabic letter mark, a tag. */
const CF_POOL = [
  0x202e, 0x202c, 0x202d, 0x202a, 0x2066, 0x2067, 0x2068, 0x2069, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0xfeff, 0x00ad, 0x061c, 0x180e, 0x2060, 0xe0001,
  0xe0041, 0xe007f,
];
const SURROGATE_POOL = [0xdc80, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xdcff];
const CONTROL_POOL = [0x00, 0x07, 0x08, 0x09, 0x0a, 0x0d, 0x1b, 0x7f, 0x85, 0x9b, 0x9d, 0x2028, 0x2029, 0x22, 0x5c];
const LOOKALIKES = ["\\x1b", "\\udc80", '", line 1, in forged', "\\…[+5 characters]", "\\\\", '\\"', "\\U0010ffff", "\\xff"];

/**
 * A grafted name: its code points, the bytes of a 2.7 byte string, and a length field that may lie.
 * @typedef {{ points: number[]; raw: Buffer | undefined; length: number | undefined }} GraftedText
 */

/**
 * The code point of a string's first character (a string that is not empty).
 * @param {string} text
 * @returns {number}
 */
const codePoint = (text) => nonEmpty(text.codePointAt(0), "the code point of an empty string");

/**
 * The code points (or, for `bytes`, the raw bytes) of a grafted name, and a length field that may lie.
 * @param {NameForm} form
 * @param {number} seed
 * @param {string} original the name in the core.
 * @param {number} major the Python major version (2: names are bytes).
 * @returns {GraftedText}
 */
function graftedText(form, seed, original, major) {
  const random = makeRandom(seed);
  let points = [...original].map(codePoint);
  /** @type {(pool: readonly number[], n: number) => void} */
  const insert = (pool, n) => {
    for (let i = 0; i < n; i++) {
      const at = random.int(points.length + 1);
      const value = random.pick(pool);
      // A surrogate pair's two code points, one after the other: two lone surrogates in a str.
      const values = pool === SURROGATE_POOL && random.chance(0.3) ? [0xd83d, 0xde00] : [value];
      points.splice(at, 0, ...values);
    }
  };
  let length;
  let raw;
  switch (form) {
    case "cf":
      insert(CF_POOL, 1 + random.int(4));
      break;
    case "surrogate":
      insert(SURROGATE_POOL, 1 + random.int(3));
      break;
    case "controls":
      insert(CONTROL_POOL, 1 + random.int(4));
      break;
    case "lookalike": {
      const text = random.pick(LOOKALIKES);
      points.splice(random.int(points.length + 1), 0, ...[...text].map(codePoint));
      break;
    }
    case "long": {
      const n = random.pick([4095, 4096, 4097, 65_536, 65_537, 100_000, 1 << 20]);
      const filler = random.pick([0x78, 0xe9, 0x95a2, 0x20bb7, 0x202e, 0xdc80]);
      const wide = random.chance(0.3) ? filler : 0x78;
      /** @type {number[]} */
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = i === n >> 1 ? wide : (points[i % Math.max(1, points.length)] ?? 0x78);
      points = out;
      break;
    }
    case "liar":
      length = random.pick([4097, 65_537, 1 << 20, 2 ** 31, 2 ** 40 - 1, 2 ** 40, 2 ** 40 + 1, 2 ** 62, -1, -(2 ** 40)]);
      break;
    case "bytes": {
      raw = Buffer.from(original, "latin1");
      const bytes = [...raw];
      for (let i = 0, n = 1 + random.int(4); i < n; i++) bytes.splice(random.int(bytes.length + 1), 0, 0x80 + random.int(0x80));
      raw = Buffer.from(bytes);
      if (major !== 2) points = bytes; // 3.x: the same values as latin-1 characters
      break;
    }
    default:
      throw new RangeError(`Unknown name form ${JSON.stringify(form)}`);
  }
  return { points, raw: major === 2 ? (raw ?? utf8Loose(points)) : undefined, length };
}

/** UTF-8 of code points, surrogates included (encoded as three bytes each, which is not valid UTF-8: Python 2 names are bytes). */
/**
 * @param {readonly number[]} points
 * @returns {Buffer}
 */
function utf8Loose(points) {
  /** @type {number[]} */
  const out = [];
  for (const p of points) {
    if (p < 0x80) out.push(p);
    else if (p < 0x800) out.push(0xc0 | (p >> 6), 0x80 | (p & 63));
    else if (p < 0x10000) out.push(0xe0 | (p >> 12), 0x80 | ((p >> 6) & 63), 0x80 | (p & 63));
    else out.push(0xf0 | (p >> 18), 0x80 | ((p >> 12) & 63), 0x80 | ((p >> 6) & 63), 0x80 | (p & 63));
  }
  return Buffer.from(out);
}

/**
 * A string object as CPython lays it out: a compact `str` (3.3+: PyASCIIObject / PyCompactUnicodeObject,
 * 48/72-byte headers up to 3.11, 40/56 from 3.12) or a 2.7 byte string (PyStringObject, characters at 36).
 * @param {GraftedText} text
 * @param {PythonVersion} version
 * @param {bigint} type the address of the str (2.7: byte string) type.
 * @returns {Buffer}
 */
function stringObject(text, version, type) {
  /** @param {number} n */
  const align = (n) => (n + 7) & ~7;
  if (version.major === 2) {
    const bytes = nonEmpty(text.raw, "a 2.7 name without its bytes");
    const object = Buffer.alloc(align(36 + bytes.length + 1));
    object.writeBigUInt64LE(1n << 20n, 0);
    object.writeBigUInt64LE(type, 8);
    object.writeBigInt64LE(BigInt(text.length ?? bytes.length), 16);
    object.writeBigInt64LE(-1n, 24);
    bytes.copy(object, 36);
    return object;
  }
  let max = 0;
  for (const p of text.points) if (p > max) max = p;
  const kind = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
  const ascii = max < 0x80;
  const old = version.minor <= 11;
  const header = ascii ? (old ? 48 : 40) : old ? 72 : 56;
  const object = Buffer.alloc(align(header + (text.points.length + 1) * kind));
  object.writeBigUInt64LE(1n << 20n, 0);
  object.writeBigUInt64LE(type, 8);
  object.writeBigInt64LE(BigInt(text.length ?? text.points.length), 16);
  object.writeBigInt64LE(-1n, 24);
  object.writeUInt32LE((kind << 2) | (1 << 5) | (ascii ? 1 << 6 : 0) | (old ? 1 << 7 : 0), 32);
  text.points.forEach((p, i) => {
    if (kind === 1) object[header + i] = p;
    else if (kind === 2) object.writeUInt16LE(p, header + i * 2);
    else object.writeUInt32LE(p, header + i * 4);
  });
  return object;
}

/** @typedef {{ start: bigint; end: bigint; page: bigint; path: Buffer }} FileEntry an entry of an NT_FILE note. */

/**
 * Reads the NT_FILE entries of a descriptor (64-bit little-endian), for a blow-up to keep them.
 * @param {Buffer} desc
 * @returns {{ pageSize: bigint; entries: FileEntry[] }}
 */
function fileNoteEntries(desc) {
  if (desc.length < 16) return { pageSize: 4096n, entries: [] };
  const count = Number(desc.readBigUInt64LE(0));
  const pageSize = desc.readBigUInt64LE(8);
  if (!Number.isSafeInteger(count) || 16 + count * 24 > desc.length) return { pageSize, entries: [] };
  /** @type {FileEntry[]} */
  const entries = [];
  let nameAt = 16 + count * 24;
  for (let i = 0; i < count; i++) {
    let end = desc.indexOf(0, nameAt);
    if (end < 0) end = desc.length;
    entries.push({
      start: desc.readBigUInt64LE(16 + i * 24),
      end: desc.readBigUInt64LE(24 + i * 24),
      page: desc.readBigUInt64LE(32 + i * 24),
      path: desc.subarray(nameAt, end),
    });
    nameAt = end + 1;
  }
  return { pageSize, entries };
}

/**
 * The NT_FILE descriptor of a mapping blow-up.
 * @param {MappingsMutation} m
 * @param {Buffer} desc the descriptor of the core's NT_FILE note.
 * @param {CoreShape} shape
 * @returns {Buffer}
 */
function blownFileNote(m, desc, shape) {
  const random = makeRandom(m.seed);
  const { pageSize, entries } = fileNoteEntries(desc);
  /** @type {FileEntry[]} */
  const extra = new Array(m.extra);
  const loads = shape.loads;
  for (let i = 0; i < m.extra; i++) {
    const k = m.order === "ascending" ? i : m.order === "descending" ? m.extra - i : random.int(m.extra * 4);
    /** @type {bigint} */
    let start;
    if (m.place === "overlap" && loads.length > 0) {
      const load = nonEmpty(loads[k % loads.length], "a core without PT_LOAD segments");
      start = (load.vaddr & ~0xfffn) + BigInt((k % 64) * 0x1000);
    } else start = 0x6000_0000_0000n + BigInt(k) * 0x2000n;
    let name;
    if (m.paths === "one-char") name = String.fromCharCode(0x61 + (i % 26));
    else if (m.paths === "same") name = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    else if (m.paths === "python") name = `/nonexistent/${i % 5000}/libpython3.12.so.1.0`;
    else if (m.paths === "empty") name = "";
    else name = `/nonexistent/lib${i}.so`;
    extra[i] = { start, end: start + 0x1000n, page: BigInt(i % 4), path: Buffer.from(name) };
  }
  const all = m.first === "real" ? [...entries, ...extra] : [...extra, ...entries];
  const namesLength = all.reduce((sum, e) => sum + e.path.length + 1, 0);
  const out = Buffer.alloc(16 + all.length * 24 + namesLength);
  out.writeBigUInt64LE(BigInt(all.length), 0);
  out.writeBigUInt64LE(pageSize, 8);
  let nameAt = 16 + all.length * 24;
  all.forEach((e, i) => {
    out.writeBigUInt64LE(e.start, 16 + i * 24);
    out.writeBigUInt64LE(e.end, 24 + i * 24);
    out.writeBigUInt64LE(e.page, 32 + i * 24);
    e.path.copy(out, nameAt);
    nameAt += e.path.length + 1;
  });
  return out;
}

/**
 * One note record (4-byte aligned, as Linux writes core notes).
 * @param {string} name
 * @param {number} type
 * @param {Buffer} desc
 * @returns {Buffer}
 */
function noteRecord(name, type, desc) {
  const nameBytes = Buffer.from(`${name}\0`, "latin1");
  const header = Buffer.alloc(12);
  header.writeUInt32LE(nameBytes.length, 0);
  header.writeUInt32LE(desc.length, 4);
  header.writeUInt32LE(type, 8);
  /** @param {Buffer} b */
  const pad = (b) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  return Buffer.concat([header, pad(nameBytes), pad(desc)]);
}

/** Room for the grafts of one input: four names of up to 4 MiB (a million UCS-4 characters). */
const GRAFT_SPACE = 24 << 20;

/**
 * Where grafted objects go: an address range no PT_LOAD of the core covers, below 2^47.
 * @param {CoreShape} shape
 * @param {number} size the bytes the range must hold.
 * @returns {bigint}
 */
function graftBase(shape, size) {
  /** @param {bigint} start */
  const free = (start) => shape.loads.every((s) => start + BigInt(size) <= s.vaddr || start >= s.vaddr + s.memsz);
  if (free(0x100000n)) return 0x100000n; // below every program (which start at 4 MiB or far higher)
  let top = 0n;
  for (const s of shape.loads) if (s.vaddr + s.memsz > top && s.vaddr + s.memsz < 1n << 46n) top = s.vaddr + s.memsz;
  return ((top >> 20n) + 16n) << 20n;
}

/**
 * What applyMutations() did, for Scratch.restore() to undo it.
 * @typedef {{ undo: { offset: number; bytes: Buffer }[]; truncatedTo: number | undefined; grown: boolean }} Applied
 */
/** @typedef {(offset: number, bytes: Buffer) => void} Write */

/**
 * Applies mutations to a file that is a copy of the core `shape` describes.
 * @param {number} fd open for reading and writing.
 * @param {CoreShape} shape
 * @param {readonly Mutation[]} mutations
 * @param {{ python?: PythonVersion | null; sites?: readonly NameSite[] }} [context]
 *   the case's name sites (name mutations without them do nothing).
 * @returns {Applied}
 */
export function applyMutations(fd, shape, mutations, context = {}) {
  /** @type {{ offset: number; bytes: Buffer }[]} */
  const undo = [];
  let truncatedTo;
  /** @type {{ vaddr: bigint; data: Buffer }[]} */
  const grafts = [];
  /** @type {{ segment: Segment; bytes: Buffer } | undefined} */
  let notes;
  /** @type {Write} */
  const write = (offset, bytes) => {
    const length = Math.max(0, Math.min(bytes.length, shape.size - offset));
    if (length === 0) return;
    const old = Buffer.alloc(length);
    fs.readSync(fd, old, 0, length, offset);
    undo.push({ offset, bytes: old });
    fs.writeSync(fd, bytes, 0, length, offset);
  };
  /** @param {number} offset */
  const readWord = (offset) => {
    const b = Buffer.alloc(8);
    fs.readSync(fd, b, 0, 8, offset);
    return b.readBigUInt64LE(0);
  };
  for (const m of mutations) {
    // Name sites and the NT_FILE note are found by what they are, not by a structural position.
    const offset = m.kind === "name" || m.kind === "mappings" ? 0 : resolvePosition(shape, m.at);
    switch (m.kind) {
      case "truncate":
        truncatedTo = truncatedTo === undefined ? offset : Math.min(truncatedTo, offset);
        break;
      case "flip": {
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, offset);
        b[0] = /** @type {number} */ (b[0]) ^ (1 << m.bit);
        write(offset, b);
        break;
      }
      case "bytes":
        write(offset, Buffer.from(m.hex, "hex"));
        break;
      case "int": {
        const b = Buffer.alloc(m.width);
        const value = BigInt.asUintN(8 * m.width, BigInt(m.value));
        for (let i = 0; i < m.width; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
        write(offset, b);
        break;
      }
      case "zero":
        write(offset, Buffer.alloc(m.length));
        break;
      case "name": {
        const candidates = (context.sites ?? []).filter((site) => site.field === m.at.field);
        if (candidates.length === 0 || !context.python) break;
        const site = nonEmpty(candidates[m.at.index % candidates.length], `name site ${m.at.index}`);
        const object = stringObject(graftedText(m.text.form, m.text.seed, site.text, context.python.major), context.python, BigInt(site.type));
        const used = grafts.reduce((sum, g) => sum + g.data.length + 4096, 0);
        const vaddr = graftBase(shape, GRAFT_SPACE) + BigInt(used - (used % 4096));
        grafts.push({ vaddr, data: object });
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(vaddr);
        write(site.pointer, b);
        break;
      }
      case "mappings": {
        const note = shape.notes.find((n) => n.type === NT_FILE && n.name === "CORE");
        const segment = note && shape.segments.find((s) => s.type === PT_NOTE && s.offset <= note.offset && note.offset < s.offset + s.filesz);
        if (!note || !segment || notes) break;
        const block = Buffer.alloc(Math.max(0, Math.min(segment.filesz, shape.size - segment.offset)));
        fs.readSync(fd, block, 0, block.length, segment.offset);
        const at = note.offset - segment.offset;
        const namesz = block.readUInt32LE(at);
        const descsz = block.readUInt32LE(at + 4);
        const descAt = at + 12 + ((namesz + 3) & ~3);
        const desc = block.subarray(descAt, Math.min(block.length, descAt + descsz));
        const record = noteRecord("CORE", NT_FILE, blownFileNote(m, desc, shape));
        notes = { segment, bytes: Buffer.concat([block.subarray(0, at), record, block.subarray(at + note.size)]) };
        break;
      }
      case "word": {
        /** @type {bigint} */
        let value;
        const v = m.value;
        if (v.const !== undefined) value = BigInt(v.const);
        else if (v.ptr !== undefined) {
          const load = nonEmpty(shape.loads[((v.ptr.index % shape.loads.length) + shape.loads.length) % shape.loads.length], "a core without PT_LOAD segments");
          value = load.vaddr + BigInt(Math.max(0, Math.min(v.ptr.offset, load.filesz - 1)));
        } else if (v.self !== undefined) value = (addressOf(shape, offset) ?? 0n) + BigInt(v.self);
        else if (v.near !== undefined) value = readWord(offset) + BigInt(v.near);
        else throw new RangeError(`Unknown word value ${JSON.stringify(v)}`);
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt.asUintN(64, value));
        write(offset, b);
        break;
      }
      default:
        // A reproducer is JSON: a kind the fuzzer never wrote.
        throw new RangeError(`Unknown mutation kind ${JSON.stringify(/** @type {{ kind: unknown }} */ (m).kind)}`);
    }
  }
  const grown = grafts.length > 0 || notes !== undefined;
  if (grown) appendSegments(fd, shape, grafts, notes, write);
  if (truncatedTo !== undefined) fs.ftruncateSync(fd, truncatedTo);
  return { undo, truncatedTo, grown };
}

/**
 * Writes grafts and new notes after the end of the file, then the new program header table, and points the ELF header at it.
 * @param {number} fd
 * @param {CoreShape} shape
 * @param {readonly { vaddr: bigint; data: Buffer }[]} grafts
 * @param {{ segment: Segment; bytes: Buffer } | undefined} notes the PT_NOTE segment to move and its new contents.
 * @param {Write} write writes inside the file as it was, keeping what it overwrites.
 */
function appendSegments(fd, shape, grafts, notes, write) {
  /** @param {number} n */
  const align = (n) => Math.ceil(n / 8) * 8;
  let position = align(shape.size);
  const table = Buffer.alloc(shape.phnum * PHDR_SIZE);
  fs.readSync(fd, table, 0, table.length, shape.phoff);
  if (notes) {
    fs.writeSync(fd, notes.bytes, 0, notes.bytes.length, position);
    const at = notes.segment.index * PHDR_SIZE;
    table.writeBigUInt64LE(BigInt(position), at + 8);
    table.writeBigUInt64LE(BigInt(notes.bytes.length), at + 32);
    table.writeBigUInt64LE(BigInt(notes.bytes.length), at + 40);
    position = align(position + notes.bytes.length);
  }
  /** @type {Buffer[]} */
  const added = [];
  for (const graft of grafts) {
    fs.writeSync(fd, graft.data, 0, graft.data.length, position);
    const header = Buffer.alloc(PHDR_SIZE);
    header.writeUInt32LE(PT_LOAD, 0);
    header.writeUInt32LE(6, 4); // PF_R | PF_W
    header.writeBigUInt64LE(BigInt(position), 8);
    header.writeBigUInt64LE(graft.vaddr, 16);
    header.writeBigUInt64LE(BigInt(graft.data.length), 32);
    header.writeBigUInt64LE(BigInt(graft.data.length), 40);
    header.writeBigUInt64LE(4096n, 48);
    added.push(header);
    position = align(position + graft.data.length);
  }
  const newTable = Buffer.concat([table, ...added]);
  fs.writeSync(fd, newTable, 0, newTable.length, position);
  const phoff = Buffer.alloc(8);
  phoff.writeBigUInt64LE(BigInt(position));
  write(32, phoff);
  const phnum = Buffer.alloc(2);
  phnum.writeUInt16LE(Math.min(0xfffe, shape.phnum + added.length));
  write(56, phnum);
}

// ---------------------------------------------------------------------------------------------
// Running the CLI and classifying

const STACK_LINE = /^\s+at\s.+(?::\d+:\d+\)?|\(native\)|\(<anonymous>\))$/;
const THREADS_LINE = /^corestack: \d+ of \d+ threads could not be read completely: /;
/** Exit 1 when the interpreter was found but no thread could be read. */
const NO_THREAD_LINE = /^corestack: no Python thread could be read \(the core has \d+ threads; the warnings say why\)$/;
/**
 * Characters that must never reach a terminal raw: C0 controls but the newline, DEL, C1 controls,
 * format characters (bidi controls, BOM, zero-width, tags), line and paragraph separators.
 */
const UNSAFE_OUTPUT = /[\x00-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\u2028\u2029]/u;
/** The longest name an escaped, cut name can be: 4 096 characters, each at most a 10-character escape, and the mark. */
const MAX_SHOWN_NAME = 4096 * 10 + 64;
/** After THREADS_LINE, one line per incomplete thread: "  thread TID: why". */
const THREAD_ERROR_LINE = /^ {2}thread \S+: ./;

/**
 * "U+…" of a character (the first of `text`, which UNSAFE_OUTPUT matched).
 * @param {string} text
 */
const uPlus = (text) => `U+${codePoint(text).toString(16).padStart(4, "0")}`;

/**
 * Runs the CLI on a core with a time limit.
 * @param {{ cli: string; core: string; mode: "json" | "text"; timeoutMs: number; extraArgs?: string[] }} options
 * @returns {Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean; elapsedMs: number }>}
 */
export function runCli(options) {
  return new Promise((resolve) => {
    const args = [options.cli, "core", options.core, ...(options.mode === "json" ? ["--json"] : []), ...(options.extraArgs ?? [])];
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", NODE_OPTIONS: "" },
    });
    /** @type {Buffer[]} */
    const out = [];
    /** @type {Buffer[]} */
    const err = [];
    let outBytes = 0;
    child.stdout.on("data", (chunk) => {
      if (outBytes < 64 << 20) out.push(chunk);
      outBytes += chunk.length;
    });
    child.stderr.on("data", (chunk) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
        elapsedMs: Date.now() - started,
      });
    });
  });
}

/**
 * Problems of a JSON report (schema 1) that make it a lie or unusable, or [] when it is sound.
 * @param {string} text the CLI's stdout.
 * @param {number | null} status its exit status.
 * @returns {string[]}
 */
export function reportProblems(text, status) {
  /** @type {any} JSON of any shape, probed field by field */
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return [`invalid JSON on stdout: ${error instanceof Error ? error.message : String(error)}`];
  }
  /** @type {string[]} */
  const problems = [];
  if (json === null || typeof json !== "object") return ["stdout is not a JSON object"];
  if (json.schema !== 1) problems.push("schema is not 1");
  if (!Array.isArray(json.threads)) return [...problems, "threads is not an array"];
  let broken = 0;
  const unsafe = UNSAFE_OUTPUT.exec(text);
  if (unsafe) problems.push(`raw ${uPlus(unsafe[0])} in the JSON text`);
  /** @type {(what: string, name: unknown) => void} */
  const checkName = (what, name) => {
    if (typeof name !== "string") return;
    if (/\p{Cs}/u.test(name)) problems.push(`${what} holds a lone surrogate (not in escaped form)`);
    if (name.length > MAX_SHOWN_NAME) problems.push(`${what} has ${name.length} characters, more than a cut name has`);
  };
  for (const thread of json.threads) {
    checkName(`thread ${thread.tid}: name`, thread.name);
    if (thread.error !== undefined) {
      broken++;
      if (typeof thread.error !== "string" || thread.error === "") problems.push(`thread ${thread.tid}: error is not a message`);
    }
    if (!Array.isArray(thread.frames)) {
      problems.push(`thread ${thread.tid}: frames is not an array`);
      continue;
    }
    for (const frame of thread.frames) {
      if (frame.kind !== "python") continue;
      if (typeof frame.file !== "string" || typeof frame.function !== "string") problems.push(`thread ${thread.tid}: a frame without file or function`);
      checkName(`thread ${thread.tid}: a file`, frame.file);
      checkName(`thread ${thread.tid}: a function`, frame.function);
      if (!Number.isSafeInteger(frame.line) || frame.line < 0) problems.push(`thread ${thread.tid}: frame ${frame.function} has line ${frame.line}`);
      if (frame.column !== undefined && (!Number.isSafeInteger(frame.column) || frame.column < 0)) {
        problems.push(`thread ${thread.tid}: frame ${frame.function} has column ${frame.column}`);
      }
    }
  }
  if (status === 0 && broken > 0) problems.push(`exit 0 but ${broken} threads have an error`);
  if (status === 0 && json.threads.length === 0 && json.python !== null) problems.push("exit 0 but no thread was read");
  if (status === 1 && broken === 0 && json.threads.length > 0) problems.push("exit 1 but no thread has an error");
  return problems;
}

/**
 * Classifies one run: analysed, refusal, crash or hang, with the reason for a crash.
 * @param {{ status: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }} result
 * @param {"json" | "text"} mode
 * @returns {{ class: "analysed" | "refusal" | "crash" | "hang"; reason: string }}
 */
export function classify(result, mode) {
  if (result.timedOut) return { class: "hang", reason: "time limit" };
  if (result.signal) return { class: "crash", reason: `killed by ${result.signal}` };
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  const trace = lines.find((line) => STACK_LINE.test(line));
  if (trace) return { class: "crash", reason: `stack trace on stderr: ${lines[0] ?? ""}` };
  const status = result.status;
  if (status === 4) return { class: "crash", reason: `exit 4: ${lines.find((l) => l.startsWith("corestack:")) ?? lines[0] ?? ""}` };
  if (status === 0 || status === 1) {
    const unexpected = lines.filter(
      (line) => !line.startsWith("warning: ") && !(status === 1 && (THREADS_LINE.test(line) || THREAD_ERROR_LINE.test(line) || NO_THREAD_LINE.test(line))),
    );
    if (unexpected.length > 0) return { class: "crash", reason: `unexpected stderr with exit ${status}: ${unexpected[0]}` };
    if (status === 1 && !lines.some((line) => THREADS_LINE.test(line) || NO_THREAD_LINE.test(line))) {
      return { class: "crash", reason: "exit 1 without naming the incomplete threads" };
    }
    const unsafe = UNSAFE_OUTPUT.exec(result.stderr);
    if (unsafe) return { class: "crash", reason: `raw ${uPlus(unsafe[0])} on stderr` };
    if (mode === "json") {
      const problems = reportProblems(result.stdout, status);
      if (problems.length > 0) return { class: "crash", reason: `lying or invalid output: ${problems[0]}` };
    } else {
      if (result.stdout.trim() === "") return { class: "crash", reason: `exit ${status} with empty output` };
      const raw = UNSAFE_OUTPUT.exec(result.stdout);
      if (raw) return { class: "crash", reason: `unsafe text output: raw ${uPlus(raw[0])}` };
      const none = result.stdout.includes("\nNo Python thread could be read");
      if (status === 0 && (none || !result.stdout.includes("Traceback for thread ")))
        return { class: "crash", reason: "lying output: exit 0 but no thread was read" };
      const long = result.stdout.split("\n").find((line) => line.length > 3 * MAX_SHOWN_NAME);
      if (long) return { class: "crash", reason: `a text line of ${long.length} characters: a name not cut` };
    }
    return { class: "analysed", reason: "" };
  }
  if (status === 2 || status === 3) {
    const body = lines.filter((line) => !line.startsWith("warning: "));
    const errors = body.filter((line) => line.startsWith("corestack: "));
    if (errors.length !== 1 || !body[0]?.startsWith("corestack: ") || body.length > 2) {
      return { class: "crash", reason: `unclean refusal (exit ${status}): ${JSON.stringify(body.slice(0, 3))}` };
    }
    if (result.stdout !== "") return { class: "crash", reason: `refusal (exit ${status}) with output on stdout` };
    const unsafe = UNSAFE_OUTPUT.exec(result.stderr);
    if (unsafe) return { class: "crash", reason: `raw ${uPlus(unsafe[0])} on stderr` };
    return { class: "refusal", reason: nonEmpty(errors[0], "a refusal without its line") };
  }
  return { class: "crash", reason: `undocumented exit code ${status}: ${lines[0] ?? ""}` };
}

/**
 * A short, address-free signature of a reason, to group findings.
 * @param {string} reason
 * @returns {string}
 */
export function signature(reason) {
  return reason
    .replace(/0x[0-9a-f]+/gi, "0x…")
    .replace(/'[^']*'/g, "'…'")
    .replace(/\bframe \S+/g, "frame …")
    .replace(/\/[^\s:,)]+/g, "/…")
    .replace(/\d+/g, "N")
    .slice(0, 160);
}

// ---------------------------------------------------------------------------------------------
// Cases

/**
 * A fuzz case with its core made: where the mutations go and what they aim at.
 * @typedef {object} PreparedCaseFields
 * @property {string} key "pyenv-3.12.1/threads"
 * @property {string} core the path of the core.
 * @property {CoreShape} shape
 * @property {HotRead[]} hot where the analysis reads (filled by runBatch()).
 * @property {PythonVersion | null} python
 * @property {NameSite[]} sites
 * @typedef {FuzzCase & PreparedCaseFields} PreparedCase
 */

/**
 * Resolves fuzz cases to real cores: the interpreter by id, else any of the same X.Y version
 * (a reproducer made on another machine); missing ones are reported, not fatal.
 * @param {readonly FuzzCase[]} wanted
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<PreparedCase[]>}
 */
export async function prepareCases(wanted, options = {}) {
  const maker = await import("../testing/core_maker.mjs");
  const availability = maker.coreAvailability();
  if (!availability.ok) throw new Error(`Cannot make cores on this machine: ${availability.reason}`);
  const interpreters = maker.findInterpreters();
  /** @type {PreparedCase[]} */
  const prepared = [];
  for (const c of wanted) {
    const interpreter = interpreters.find((i) => i.id === c.interpreter) ?? interpreters.find((i) => `${i.major}.${i.minor}` === c.version);
    if (!interpreter) {
      options.log?.(`skipping ${c.interpreter}/${c.scenario}: no Python ${c.version} on this machine`);
      continue;
    }
    const made = await maker.makeCore(interpreter, c.scenario);
    const shape = coreShape(made.core);
    const { version: python, sites } = await nameSites(made.core, shape);
    prepared.push({ ...c, key: `${interpreter.id}/${c.scenario}`, core: made.core, shape, hot: [], python, sites });
  }
  return prepared;
}

// ---------------------------------------------------------------------------------------------
// Batches

/** A scratch copy of a core per (worker, case), mutated in place and restored after each input. */
class Scratch {
  /** @param {string} directory a directory of its own, removed with it. */
  constructor(directory) {
    this.directory = directory;
    /** @type {Map<string, string>} */
    this.files = new Map();
    this.onExit = () => this.remove();
    process.once("exit", this.onExit); // also on Ctrl-C: fuzz.mjs turns SIGINT/SIGTERM into exit()
  }
  /**
   * @param {number} worker
   * @param {PreparedCase} c
   * @returns {string} the worker's copy of the case's core.
   */
  path(worker, c) {
    const key = `${worker}:${c.key}`;
    let file = this.files.get(key);
    if (!file) {
      file = path.join(this.directory, `w${worker}-${c.key.replace(/[^\w.-]+/g, "_")}.core`);
      fs.copyFileSync(c.core, file, fs.constants.COPYFILE_FICLONE);
      this.files.set(key, file);
    }
    return file;
  }
  /**
   * @param {string} file a copy path() gave.
   * @param {PreparedCase} c
   * @param {Applied} applied
   */
  restore(file, c, applied) {
    if (applied.truncatedTo !== undefined) {
      fs.copyFileSync(c.core, file, fs.constants.COPYFILE_FICLONE);
      return;
    }
    const fd = fs.openSync(file, "r+");
    try {
      if (applied.grown) fs.ftruncateSync(fd, c.shape.size);
      for (const { offset, bytes } of applied.undo.reverse()) fs.writeSync(fd, bytes, 0, bytes.length, offset);
    } finally {
      fs.closeSync(fd);
    }
  }
  remove() {
    process.removeListener("exit", this.onExit);
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

/** @typedef {{ index: number; mode: Mode; native?: boolean; mutations: readonly Mutation[] }} FuzzInput */

/**
 * Runs one input: copies/mutates, runs the CLI, classifies, restores.
 * @param {Scratch} scratch
 * @param {number} worker
 * @param {PreparedCase} c
 * @param {FuzzInput} input
 * @param {{ cli: string; timeoutMs: number }} options
 * @returns {Promise<FuzzOutcome>}
 */
async function runInput(scratch, worker, c, input, options) {
  const file = scratch.path(worker, c);
  const fd = fs.openSync(file, "r+");
  let applied;
  try {
    applied = applyMutations(fd, c.shape, input.mutations, c);
  } finally {
    fs.closeSync(fd);
  }
  try {
    const result = await runCli({ cli: options.cli, core: file, mode: input.mode, timeoutMs: options.timeoutMs, extraArgs: input.native ? ["--native"] : [] });
    const verdict = classify(result, input.mode);
    return { ...verdict, status: result.status, signal: result.signal, elapsedMs: result.elapsedMs, stderr: result.stderr };
  } finally {
    scratch.restore(file, c, applied);
  }
}

/**
 * A reproducer: the case, the mode and the mutations (positions are structural, see above).
 * @param {PreparedCase} c
 * @param {FuzzInput} input
 * @param {FuzzOutcome} outcome
 * @param {number} seed
 */
export function reproducer(c, input, outcome, seed) {
  return {
    format: 1,
    seed,
    input: input.index,
    case: { interpreter: c.interpreter, version: c.version, scenario: c.scenario, madeBy: c.key },
    mode: input.mode,
    ...(input.native ? { native: true } : {}),
    mutations: input.mutations,
    class: outcome.class,
    reason: outcome.reason,
    status: outcome.status,
    signal: outcome.signal,
    elapsedMs: outcome.elapsedMs,
    stderr: outcome.stderr.split("\n").slice(0, 12).join("\n"),
  };
}

/**
 * @typedef {object} BatchOptions
 * @property {number} [seed] default 1.
 * @property {number} [runs] default 200.
 * @property {number} [timeBudgetS] stop drawing inputs after this many seconds.
 * @property {number} [workers] 1 or 2 (default 2).
 * @property {number} [timeoutMs] per input (default 20 000): beyond it, a hang.
 * @property {string} [cli] the CLI entry (default: defaultCli()).
 * @property {readonly FuzzCase[]} [cases] default DEFAULT_CASES.
 * @property {boolean} [save] write reproducers of crashes and hangs (default true).
 * @property {string} [findingsDir] default FINDINGS_DIR.
 * @property {(line: string) => void} [log]
 * @property {number} [textShare] share of inputs run as text instead of --json (default 0.2).
 * @property {boolean} [hot] aim 40 % of the memory mutations at what analyse() reads (default true).
 * @property {boolean} [native] every input runs with `--native` (native frames merged with Python's).
 */

/**
 * Fuzzes: `runs` inputs drawn from `seed` (input i is the same whatever the worker count), at
 * most `workers` CLI processes at a time, until the runs or the time budget are spent.
 * @param {BatchOptions} [options]
 * @returns {Promise<FuzzBatch>}
 */
export async function runBatch(options = {}) {
  const seed = options.seed ?? 1;
  const runs = options.runs ?? 200;
  const workers = Math.max(1, Math.min(2, options.workers ?? 2));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const cli = options.cli ?? defaultCli();
  const log = options.log ?? (() => {});
  const findingsDir = options.findingsDir ?? FINDINGS_DIR;
  const textShare = options.textShare ?? 0.2;
  const started = Date.now();
  const cases = await prepareCases(options.cases ?? DEFAULT_CASES, { log });
  if (cases.length === 0) throw new Error("No fuzz case could be prepared");
  if (options.hot !== false) for (const c of cases) c.hot = await hotReads(c.core);
  log(`cases: ${cases.map((c) => `${c.key} (${c.hot.length} hot reads, ${c.sites.length} name sites)`).join(", ")}`);
  const scratch = new Scratch(fs.mkdtempSync(path.join(os.tmpdir(), "corestack-fuzz-")));
  /** @type {FuzzResult[]} */
  const results = [];
  let nextIndex = 0;
  const deadline = options.timeBudgetS !== undefined ? started + options.timeBudgetS * 1000 : Infinity;
  /** @type {Map<string, number>} */
  const savedPerSignature = new Map();
  /** @param {number} id */
  const worker = async (id) => {
    while (nextIndex < runs && Date.now() < deadline) {
      const index = nextIndex++;
      const random = inputRandom(seed, index);
      const c = random.pick(cases);
      /** @type {Mode} */
      const mode = random.chance(textShare) ? "text" : "json";
      const mutations = drawMutations(random, c.shape, c.hot, c.sites);
      const input = { index, mode, native: options.native === true, mutations };
      const outcome = await runInput(scratch, id, c, input, { cli, timeoutMs });
      /** @type {FuzzResult} */
      const record = { index, case: c.key, mode, mutations, ...outcome };
      results.push(record);
      if (outcome.class === "crash" || outcome.class === "hang") {
        const sig = signature(outcome.reason);
        const saved = savedPerSignature.get(sig) ?? 0;
        log(`${outcome.class.toUpperCase()} input ${index} (${c.key}, ${mode}): ${outcome.reason}`);
        if (options.save !== false && saved < 3) {
          savedPerSignature.set(sig, saved + 1);
          fs.mkdirSync(findingsDir, { recursive: true });
          const file = path.join(findingsDir, `${outcome.class}-${c.key.replace(/[^\w.-]+/g, "_")}-s${seed}-i${index}.json`);
          fs.writeFileSync(file, `${JSON.stringify(reproducer(c, input, outcome, seed), null, 1)}\n`);
          record.saved = file;
          log(`  saved ${path.relative(process.cwd(), file)}`);
        }
      }
      if (results.length % 100 === 0) log(`${results.length} inputs, ${Math.round((Date.now() - started) / 1000)} s`);
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, (_, id) => worker(id)));
  } finally {
    scratch.remove();
  }
  results.sort((a, b) => a.index - b.index);
  return { seed, runs: results.length, elapsedMs: Date.now() - started, cases: cases.map((c) => c.key), results, summary: summarise(results) };
}

/**
 * Counts per case and class.
 * @param {readonly FuzzResult[]} results
 * @returns {FuzzSummary}
 */
export function summarise(results) {
  /** @type {Map<string, FuzzCounts>} */
  const rows = new Map();
  const total = { analysed: 0, refusal: 0, crash: 0, hang: 0, runs: 0 };
  for (const r of results) {
    let row = rows.get(r.case);
    if (!row) rows.set(r.case, (row = { analysed: 0, refusal: 0, crash: 0, hang: 0, runs: 0 }));
    row[r.class]++;
    row.runs++;
    total[r.class]++;
    total.runs++;
  }
  /** @type {Map<string, number>} */
  const signatures = new Map();
  for (const r of results) {
    if (r.class !== "crash" && r.class !== "hang") continue;
    const sig = `${r.class}: ${signature(r.reason)}`;
    signatures.set(sig, (signatures.get(sig) ?? 0) + 1);
  }
  /** @type {Map<string, number>} */
  const refusals = new Map();
  for (const r of results) {
    if (r.class !== "refusal") continue;
    const sig = signature(r.reason);
    refusals.set(sig, (refusals.get(sig) ?? 0) + 1);
  }
  return { rows: Object.fromEntries(rows), total, signatures: Object.fromEntries(signatures), refusals: Object.fromEntries(refusals) };
}

/**
 * The summary as a text table.
 * @param {FuzzSummary} summary
 * @returns {string}
 */
export function formatSummary(summary) {
  const header = ["case", "runs", ...CLASSES];
  /** @type {[string, FuzzCounts][]} */
  const rows = [...Object.entries(summary.rows).sort(([a], [b]) => a.localeCompare(b)), ["total", summary.total]];
  const table = [header, ...rows.map(([key, row]) => [key, String(row.runs), ...CLASSES.map((c) => String(row[c]))])];
  // Every row has a cell per column of the header.
  const widths = header.map((_, i) => Math.max(...table.map((r) => /** @type {string} */ (r[i]).length)));
  const lines = table.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(/** @type {number} */ (widths[i])) : cell.padStart(/** @type {number} */ (widths[i])))).join("  "),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.splice(lines.length - 1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  const refusals = Object.entries(summary.refusals ?? {});
  if (refusals.length > 0) {
    lines.push("", "refusals by message:");
    for (const [sig, count] of refusals.sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${String(count).padStart(4)}  ${sig}`);
  }
  const sigs = Object.entries(summary.signatures);
  if (sigs.length > 0) {
    lines.push("", "crashes and hangs by signature:");
    for (const [sig, count] of sigs.sort((a, b) => b[1] - a[1])) lines.push(`  ${String(count).padStart(4)}  ${sig}`);
  }
  return lines.join("\n");
}

/**
 * What replay() needs of a reproducer (reproducer() writes more).
 * @typedef {object} Finding
 * @property {FuzzCase} case
 * @property {Mode} [mode] default "json".
 * @property {boolean} [native] run with `--native`.
 * @property {number} [input] the input's index in its batch.
 * @property {readonly object[]} mutations
 */

/**
 * Replays a reproducer: makes (or takes from the cache) the core of its case, applies its
 * mutations to a scratch copy, runs the CLI, classifies.
 * @param {string | Finding} finding a reproducer file or its parsed contents.
 * @param {{ cli?: string; timeoutMs?: number; mode?: Mode }} [options]
 * @returns {Promise<FuzzOutcome & { case: string; mode: Mode }>}
 */
export async function replay(finding, options = {}) {
  /** @type {Finding} */
  const data = typeof finding === "string" ? JSON.parse(fs.readFileSync(finding, "utf8")) : finding;
  const [c] = await prepareCases([data.case]);
  if (!c) throw new Error(`No Python ${data.case.version} on this machine to replay ${data.case.interpreter}/${data.case.scenario}`);
  const scratch = new Scratch(fs.mkdtempSync(path.join(os.tmpdir(), "corestack-fuzz-")));
  try {
    const mode = options.mode ?? data.mode ?? "json";
    // The mutations of a reproducer are as the fuzzer wrote them; applyMutations() refuses other kinds and areas.
    const input = { index: data.input ?? 0, mode, native: data.native === true, mutations: /** @type {readonly Mutation[]} */ (data.mutations) };
    const outcome = await runInput(scratch, 0, c, input, { cli: options.cli ?? defaultCli(), timeoutMs: options.timeoutMs ?? 20_000 });
    return { case: c.key, mode, ...outcome };
  } finally {
    scratch.remove();
  }
}

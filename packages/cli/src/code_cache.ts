// V8's code cache for the bundled CLI: the bytecode of every function a run compiled, saved after a
// `core` run and handed back to V8 by the next one, which then neither parses nor compiles the
// bundle's functions again (numbers in README.md, "Performance"). Used by the launcher
// (`launcher.ts`, the published `dist/corestack.cjs`); imports only Node's own modules.
//
// A cache file is the CLI's own file in the user's cache directory:
//   $XDG_CACHE_HOME/corestack/code-cache/ (else ~/.cache/corestack/code-cache/)
//     <node version>-<arch>-<hash of the bundle's path>.bin
// one per Node version and installed bundle. It holds one header line and V8's data:
//   corestack-code-cache 3 <node> <v8> <arch> <source length> <source checksum> <source file> <data length> <data checksum> <modes>[spaces]\n<data>
// The spaces make the line a multiple of 8 bytes long, so that the data starts 8-aligned in a buffer
// that is (V8 copies cache data that is not pointer-aligned before reading it).
// It is used only when every field matches this Node and the bundle as it is now, and the data's
// checksum is right (V8 itself checks lengths, versions and flags, not the data's content). The
// bundle is known by its checksum and its file's identity (inode, size, modification and change
// times): the published launcher carries the checksum build.mjs computed, so a run reads the
// bundle without hashing it; an edited bundle has another change time (which no program sets),
// another build another checksum. Anything
// else — missing, truncated, another Node or bundle, corrupt, another user's file — is ignored and
// rewritten after the run. Writing goes to a temporary file renamed over the old one, so a reader
// never sees a torn file, whatever runs at the same time; a write that fails (read-only or missing
// home, full disk) is dropped silently: the cache changes nothing but speed. A write also removes
// the directory's cache files that no run used for CODE_CACHE_MAX_AGE_DAYS (other Node versions,
// old installs). `CORESTACK_CODE_CACHE=0` turns the cache off.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The first word of a cache file. */
export const CODE_CACHE_MAGIC = "corestack-code-cache";
/** The version of the file's layout (the header line). */
export const CODE_CACHE_FORMAT = 3;
/** The longest header line read. */
const MAX_HEADER = 512;
/** The largest cache file read (the bundle's is ~0.3 MiB). */
const MAX_CACHE_BYTES = 64 << 20;

/**
 * What a run compiled, so that a cache made by a `--json` run is completed by the first text run
 * (bits of {@link CodeCache.modes}).
 */
export const CODE_CACHE_MODE = { text: 1, json: 2 } as const;

/** What a cache file must match to be used: this Node and the bundle's current bytes. */
export interface CodeCacheKey {
  /** `process.version`. */
  readonly node: string;
  /** `process.versions.v8`. */
  readonly v8: string;
  /** `process.arch`. */
  readonly arch: string;
  /** The bundle's length in bytes. */
  readonly sourceLength: number;
  /** {@link checksumFunction} of the bundle's bytes (as built: build.mjs puts it in the launcher). */
  readonly sourceChecksum: string;
  /** {@link fileIdentity} of the bundle's file, read from the descriptor its bytes were read from. */
  readonly sourceFile: string;
}

/**
 * A file's identity: inode, size, and modification and change times in nanoseconds. A file
 * rewritten in place keeps its inode but gets a new change time, which no program can set back
 * (the device number is left out: it can change from one mount of a container's file system to the
 * next, for the same file).
 */
export function fileIdentity(stat: { readonly ino: bigint; readonly size: bigint; readonly mtimeNs: bigint; readonly ctimeNs: bigint }): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/** A cache file that matched its key. */
export interface CodeCache {
  /** V8's code cache data. */
  readonly data: Uint8Array;
  /** The {@link CODE_CACHE_MODE} bits of the runs that made it. */
  readonly modes: number;
}

/**
 * FNV-1a over little-endian 64-bit words, as WebAssembly: `h(start, end)` hashes the bytes from
 * `start` to `end` (8-aligned, a multiple of 8 apart) of its exported memory `m`. Checksums need a
 * native-speed loop at start-up, and the alternatives cost more there: `node:zlib`'s `crc32` (Node 20.15+) loads Node's stream
 * modules (~2 ms), `node:crypto` ~4–10 ms, the same loop in cold JavaScript ~3 ms; this module
 * compiles and hashes the cache (~0.3 MB) in well under 1 ms. The loop takes 8 words a turn (the
 * same hash, word after word: V8 runs it as its baseline WebAssembly code, where a turn of one word
 * cost ~34 instructions and a turn of eight ~10 a word), then the words left one at a time. Source
 * (WebAssembly text):
 *
 *   (module (memory (export "m") 1)
 *     (func (export "h") (param $p i32) (param $n i32) (result i64) (local $h i64)
 *       (local.set $h (i64.const 0xcbf29ce484222325))
 *       (block (loop
 *         (br_if 1 (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $n)))
 *         (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load offset=0 (local.get $p))) (i64.const 0x100000001b3)))
 *         ... the same with offset=8, 16, 24, 32, 40, 48 and 56 ...
 *         (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *         (br 0)))
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $n)))
 *         (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $p))) (i64.const 0x100000001b3)))
 *         (local.set $p (i32.add (local.get $p) (i32.const 8)))
 *         (br 0)))
 *       (local.get $h)))
 */
const FNV_WASM = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x68, 0x00, 0x00, 0x0a, 0xe8, 0x01, 0x01, 0xe5, 0x01, 0x01, 0x01, 0x7e, 0x42, 0xa5, 0xc6, 0x88, 0xa1, 0xc8,
  0x9c, 0xa7, 0xf9, 0x4b, 0x21, 0x02, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x20, 0x01, 0x4b, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x00, 0x29,
  0x03, 0x00, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x08, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80,
  0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x10, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20,
  0x00, 0x29, 0x03, 0x18, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x20, 0x85, 0x42, 0xb3, 0x83,
  0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x28, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20,
  0x02, 0x20, 0x00, 0x29, 0x03, 0x30, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x38, 0x85, 0x42,
  0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x02, 0x40, 0x03, 0x40, 0x20,
  0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x00, 0x29, 0x03, 0x00, 0x85, 0x42, 0xb3, 0x83, 0x80, 0x80, 0x80, 0x20, 0x7e, 0x21, 0x02, 0x20, 0x00,
  0x41, 0x08, 0x6a, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b,
];

/** The part of the WebAssembly API used here (the workspace's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * A checksum of bytes, as 16 hex digits, computed in the memory of a WebAssembly function: bytes
 * elsewhere are copied there first; bytes read into {@link Checksum.scratch} are hashed where they are.
 */
export interface Checksum {
  (bytes: Uint8Array): string;
  /**
   * `size` bytes of the function's own memory, from its start (8-aligned): a file read into them is
   * checksummed without a copy, and the pages are the ones the next scratch reuses, so a run's two
   * files (the bundle, then the cache) touch fresh memory once. Valid until the next `scratch` (the
   * memory may grow, which detaches the views made before).
   */
  scratch(size: number): Uint8Array;
}

/**
 * The checksum of cache files: 64-bit FNV-1a over the bytes as little-endian 64-bit words, the
 * last one padded with zeros (the lengths are checked separately). `undefined` where WebAssembly is
 * not available (`--jitless`): then there is no code cache.
 */
export function checksumFunction(): Checksum | undefined {
  let memory: WasmMemory;
  let hash: (start: number, end: number) => bigint;
  try {
    const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
    if (wasm === undefined) return undefined;
    const instance = new wasm.Instance(new wasm.Module(new Uint8Array(FNV_WASM)));
    memory = instance.exports.m as WasmMemory;
    hash = instance.exports.h as (start: number, end: number) => bigint;
  } catch {
    return undefined;
  }
  // Room for `size` bytes and the zeros that pad them to 8, from the start of the memory.
  const reserve = (size: number): ArrayBuffer => {
    const pages = Math.ceil((size + 8) / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    return memory.buffer;
  };
  const checksum = (bytes: Uint8Array): string => {
    // Bytes of the memory itself (a scratch view) at an 8-aligned offset are hashed in place.
    const inPlace = bytes.buffer === memory.buffer && bytes.byteOffset % 8 === 0;
    const start = inPlace ? bytes.byteOffset : 0;
    const padded = (bytes.length + 7) & ~7;
    // (In place, the zeros overwrite up to 7 bytes of the memory after the bytes: scratch space.)
    const view = new Uint8Array(inPlace ? memory.buffer : reserve(bytes.length), start, padded);
    if (!inPlace) view.set(bytes);
    view.fill(0, bytes.length);
    return BigInt.asUintN(64, hash(start, start + padded))
      .toString(16)
      .padStart(16, "0");
  };
  checksum.scratch = (size: number): Uint8Array => new Uint8Array(reserve(size), 0, size);
  return checksum;
}

/**
 * The directory of the code cache, or `undefined` when there is no place for it (no home) or it is
 * turned off (`CORESTACK_CODE_CACHE=0`).
 * @param env the environment (`XDG_CACHE_HOME`, `HOME`, `CORESTACK_CODE_CACHE`).
 */
export function codeCacheDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const setting = env.CORESTACK_CODE_CACHE;
  if (setting === "0" || setting === "off" || setting === "false") return undefined;
  // The XDG base directory specification: a relative XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg?.startsWith("/")) return join(xdg, "corestack", "code-cache");
  const home = env.HOME;
  if (home?.startsWith("/")) return join(home, ".cache", "corestack", "code-cache");
  return undefined;
}

/** FNV-1a of a string's UTF-16 code units, as 8 hex digits: names one installed bundle. */
function pathHash(path: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < path.length; index++) {
    hash ^= path.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * The cache file of one bundle under one Node.
 * @param directory from {@link codeCacheDirectory}.
 * @param bundle the bundle's absolute path.
 * @param node `process.version`.
 * @param arch `process.arch`.
 */
export function codeCacheFile(directory: string, bundle: string, node: string, arch: string): string {
  return join(directory, `${node.replace(/[^\w.-]/g, "_")}-${arch.replace(/[^\w.-]/g, "_")}-${pathHash(bundle)}.bin`);
}

function headerLine(key: CodeCacheKey, dataLength: number, dataChecksum: string, modes: number): string {
  const fields = [
    CODE_CACHE_MAGIC,
    CODE_CACHE_FORMAT,
    key.node,
    key.v8,
    key.arch,
    key.sourceLength,
    key.sourceChecksum,
    key.sourceFile,
    dataLength,
    dataChecksum,
    modes,
  ];
  const line = fields.join(" ");
  // Spaces to a multiple of 8 with the newline: the data after it starts 8-aligned.
  return `${line.padEnd(((line.length + 1 + 7) & ~7) - 1, " ")}\n`;
}

/**
 * A cache file's bytes: the header line, then V8's data.
 * @param key what the data was made from.
 * @param modes the {@link CODE_CACHE_MODE} bits of the runs it covers.
 * @param data V8's data (`Script.createCachedData()`).
 * @param checksum {@link checksumFunction}.
 */
export function encodeCodeCache(key: CodeCacheKey, modes: number, data: Uint8Array, checksum: Checksum): Uint8Array {
  const header = Buffer.from(headerLine(key, data.length, checksum(data), modes), "latin1");
  const bytes = new Uint8Array(header.length + data.length);
  bytes.set(header, 0);
  bytes.set(data, header.length);
  return bytes;
}

/**
 * The data of a cache file, or `undefined` unless the header matches `key` field by field and the
 * data has its recorded length and checksum.
 * @param bytes the whole file.
 * @param key this Node and the bundle's current bytes.
 * @param checksum {@link checksumFunction}.
 */
export function decodeCodeCache(bytes: Uint8Array, key: CodeCacheKey, checksum: Checksum): CodeCache | undefined {
  const end = bytes.subarray(0, MAX_HEADER).indexOf(0x0a);
  if (end < 0 || (end + 1) % 8 !== 0) return undefined;
  const fields = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1").trimEnd().split(" ");
  if (fields.length !== 11) return undefined;
  const [magic, format, node, v8, arch, sourceLength, sourceChecksum, sourceFile, dataLength, dataChecksum, modes] = fields as [
    string,
    ...string[],
  ] as string[];
  if (magic !== CODE_CACHE_MAGIC || format !== String(CODE_CACHE_FORMAT)) return undefined;
  if (node !== key.node || v8 !== key.v8 || arch !== key.arch) return undefined;
  if (sourceLength !== String(key.sourceLength) || sourceChecksum !== key.sourceChecksum || sourceFile !== key.sourceFile) return undefined;
  const data = bytes.subarray(end + 1);
  if (dataLength !== String(data.length) || dataChecksum !== checksum(data)) return undefined;
  const modeBits = Number(modes);
  if (!Number.isInteger(modeBits) || modeBits < 0) return undefined;
  return { data, modes: modeBits };
}

/**
 * The first `size` bytes of the file open at `fd` (fewer if it is shorter now), from offset 0, read
 * into `into` (`size` bytes long) when given.
 * @internal
 */
export function readWhole(fd: number, size: number, into?: Uint8Array): Uint8Array {
  const bytes = into ?? Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const count = readSync(fd, bytes, done, size - done, done);
    if (count === 0) break;
    done += count;
  }
  return done === size ? bytes : bytes.subarray(0, done);
}

/**
 * Reads a cache file; `undefined` when it is missing, unreadable, not a regular file, not the
 * running user's, too large, or does not match (see {@link decodeCodeCache}). Never throws.
 */
export function readCodeCache(file: string, key: CodeCacheKey, checksum: Checksum): CodeCache | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    // BigInt stats, as everywhere in a run: each kind of Stats object compiles its own Node code.
    const stat = fstatSync(fd, { bigint: true });
    // Only the user's own file: another user's could make this process run any code.
    const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
    if (!stat.isFile() || (uid !== undefined && stat.uid !== BigInt(uid)) || stat.size > BigInt(MAX_CACHE_BYTES)) return undefined;
    // Into the checksum's own memory where it has one: checked there, and handed to V8 from there.
    const size = Number(stat.size);
    return decodeCodeCache(readWhole(fd, size, checksum.scratch(size)), key, checksum);
  } catch {
    return undefined;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Nothing to do: the descriptor is gone either way.
    }
  }
}

/** Cache files unused this long are removed when another is written (other Node versions, old installs). */
export const CODE_CACHE_MAX_AGE_DAYS = 30;
/** Temporary files this old are left-overs of killed runs, removed when another file is written. */
const TEMPORARY_MAX_AGE_MS = 24 * 3600_000;

/**
 * Removes the cache files of `directory` that no run has used (read or written) for
 * {@link CODE_CACHE_MAX_AGE_DAYS} days, and old temporary files. Never throws.
 */
function prune(directory: string, keep: string): void {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    const path = join(directory, name);
    if (path === keep || !(name.endsWith(".bin") || name.endsWith(".tmp"))) continue;
    try {
      const stat = statSync(path, { bigint: true });
      const age = now - Number(stat.mtimeMs > stat.atimeMs ? stat.mtimeMs : stat.atimeMs);
      if (age > (name.endsWith(".tmp") ? TEMPORARY_MAX_AGE_MS : CODE_CACHE_MAX_AGE_DAYS * 24 * 3600_000)) unlinkSync(path);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

/**
 * Writes a cache file atomically: a temporary file in the same directory (created, so never one
 * that exists), renamed over `file`; then removes cache files unused for
 * {@link CODE_CACHE_MAX_AGE_DAYS} days. Never throws; returns whether the file was written.
 */
export function writeCodeCache(file: string, bytes: Uint8Array): boolean {
  const directory = dirname(file);
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, bytes, { flag: "wx", mode: 0o600 });
    renameSync(temporary, file);
    prune(directory, file);
    return true;
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already gone.
    }
    return false;
  }
}

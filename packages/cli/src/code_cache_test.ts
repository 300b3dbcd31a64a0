import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CODE_CACHE_FORMAT,
  CODE_CACHE_MAGIC,
  CODE_CACHE_MAX_AGE_DAYS,
  type CodeCacheKey,
  checksumFunction,
  codeCacheDirectory,
  codeCacheFile,
  decodeCodeCache,
  encodeCodeCache,
  readCodeCache,
  writeCodeCache,
} from "./code_cache.js";

const checksum = checksumFunction()!;
const KEY: CodeCacheKey = {
  node: "v20.20.2",
  v8: "11.3.244.8-node.38",
  arch: "x64",
  sourceLength: 1234,
  sourceChecksum: "0123456789abcdef",
  sourceFile: "5335138:1234:1796247401348173154:1796247401348173154",
};
const DATA = Uint8Array.from({ length: 1000 }, (_, index) => (index * 7 + 3) & 0xff);

/** 64-bit FNV-1a over little-endian 64-bit words, zero-padded: what the WebAssembly computes. */
function reference(bytes: Uint8Array): string {
  const padded = new Uint8Array((bytes.length + 7) & ~7);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  let hash = 0xcbf29ce484222325n;
  for (let at = 0; at < padded.length; at += 8) hash = BigInt.asUintN(64, (hash ^ view.getBigUint64(at, true)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0");
}

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-code-cache-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("checksumFunction", () => {
  it("is 64-bit FNV-1a over zero-padded little-endian words, for any length (eight words a turn, then one at a time), and grows its memory as needed", () => {
    expect(checksum).toBeDefined();
    // Lengths each side of the eight-word turns of the loop (64 bytes) and of the word-at-a-time tail.
    for (const length of [0, 1, 7, 8, 9, 56, 57, 63, 64, 65, 72, 120, 127, 128, 129, 136, 1000, 65535, 65536, 65537, 300_000]) {
      const bytes = Uint8Array.from({ length }, (_, index) => (index * 31 + length) & 0xff);
      expect(checksum(bytes), `length ${length}`).toBe(reference(bytes));
    }
    // A shorter input after a longer one: the longer one's bytes must not leak into the padding.
    const long = new Uint8Array(100).fill(0xff);
    checksum(long);
    const short = Uint8Array.of(1, 2, 3);
    expect(checksum(short)).toBe(reference(short));
  });

  it("gives the same answer for bytes read into its scratch memory, hashed where they are", () => {
    const view = checksum.scratch(300_001);
    for (let index = 0; index < view.length; index++) view[index] = (index * 13) & 0xff;
    const copy = view.slice();
    expect(checksum(view)).toBe(reference(copy));
    // An 8-aligned part of it, after a longer use of the memory: its padding is zeros again.
    const part = view.subarray(160, 160 + 1001);
    expect(checksum(part)).toBe(reference(copy.subarray(160, 160 + 1001)));
    // A part that is not 8-aligned is copied first: same answer.
    expect(checksum(view.subarray(3, 3 + 77))).toBe(reference(copy.subarray(3, 3 + 77)));
    // A smaller scratch after a larger one reuses the start of the memory.
    const small = checksum.scratch(10);
    expect(small.buffer).toBe(checksum.scratch(10).buffer);
    small.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(checksum(small)).toBe(reference(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
  });

  it("changes with any one flipped bit", () => {
    const base = checksum(DATA);
    for (const at of [0, 1, 499, 998, 999]) {
      const changed = DATA.slice();
      changed[at]! ^= 0x10;
      expect(checksum(changed), `byte ${at}`).not.toBe(base);
    }
  });
});

describe("codeCacheDirectory and codeCacheFile", () => {
  it("uses $XDG_CACHE_HOME/corestack/code-cache, else ~/.cache/corestack/code-cache", () => {
    expect(codeCacheDirectory({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/u" })).toBe("/x/cache/corestack/code-cache");
    expect(codeCacheDirectory({ HOME: "/home/u" })).toBe("/home/u/.cache/corestack/code-cache");
    // The XDG specification: a relative path is invalid and ignored.
    expect(codeCacheDirectory({ XDG_CACHE_HOME: "relative", HOME: "/home/u" })).toBe("/home/u/.cache/corestack/code-cache");
  });

  it("is off with CORESTACK_CODE_CACHE=0, and without a home", () => {
    for (const value of ["0", "off", "false"]) expect(codeCacheDirectory({ HOME: "/home/u", CORESTACK_CODE_CACHE: value })).toBeUndefined();
    expect(codeCacheDirectory({ HOME: "/home/u", CORESTACK_CODE_CACHE: "1" })).toBe("/home/u/.cache/corestack/code-cache");
    expect(codeCacheDirectory({})).toBeUndefined();
    expect(codeCacheDirectory({ HOME: "" })).toBeUndefined();
  });

  it("names one file per Node version, architecture and bundle path", () => {
    const a = codeCacheFile("/c", "/usr/lib/node_modules/@corestack/cli/dist/corestack_bundle.js", "v20.20.2", "x64");
    expect(a).toMatch(/^\/c\/v20\.20\.2-x64-[0-9a-f]{8}\.bin$/);
    expect(codeCacheFile("/c", "/usr/lib/node_modules/@corestack/cli/dist/corestack_bundle.js", "v20.20.2", "x64")).toBe(a);
    expect(codeCacheFile("/c", "/other/dist/corestack_bundle.js", "v20.20.2", "x64")).not.toBe(a);
    expect(codeCacheFile("/c", "/usr/lib/node_modules/@corestack/cli/dist/corestack_bundle.js", "v24.22.3", "x64")).not.toBe(a);
    expect(codeCacheFile("/c", "/b.js", "v20/../x", "x64")).toMatch(/^\/c\/v20_\.\._x-x64-/);
  });
});

describe("encodeCodeCache / decodeCodeCache", () => {
  const encoded = encodeCodeCache(KEY, 3, DATA, checksum);

  it("gives back the data and modes when every field matches", () => {
    expect(Buffer.from(encoded.subarray(0, CODE_CACHE_MAGIC.length)).toString("latin1")).toBe(CODE_CACHE_MAGIC);
    const decoded = decodeCodeCache(encoded, KEY, checksum);
    expect(decoded?.modes).toBe(3);
    expect(Buffer.from(decoded!.data).equals(Buffer.from(DATA))).toBe(true);
  });

  it("starts the data 8-aligned, whatever the header's length (V8 copies cache data that is not)", () => {
    for (let extra = 0; extra < 16; extra++) {
      const key = { ...KEY, sourceFile: `${KEY.sourceFile}${"7".repeat(extra)}` };
      const bytes = encodeCodeCache(key, 1, DATA, checksum);
      const end = bytes.indexOf(0x0a);
      expect((end + 1) % 8, `header of ${end + 1} bytes`).toBe(0);
      const decoded = decodeCodeCache(bytes, key, checksum);
      expect(decoded?.data.byteOffset).toBe(bytes.byteOffset + end + 1);
      expect(Buffer.from(decoded!.data).equals(Buffer.from(DATA))).toBe(true);
    }
  });

  it("checks a file read into the checksum's scratch memory in place, as the launcher reads it", () => {
    const scratchView = checksum.scratch(encoded.length);
    scratchView.set(encoded);
    const decoded = decodeCodeCache(scratchView, KEY, checksum);
    expect(decoded?.data.buffer).toBe(scratchView.buffer);
    expect(Buffer.from(decoded!.data).equals(Buffer.from(DATA))).toBe(true);
    scratchView[scratchView.length - 10]! ^= 4;
    expect(decodeCodeCache(scratchView, KEY, checksum)).toBeUndefined();
  });

  it("ignores a cache of another Node, V8, architecture or bundle", () => {
    for (const change of [
      { node: "v22.23.5" },
      { v8: "12.4.254.21" },
      { arch: "arm64" },
      { sourceLength: 1235 },
      { sourceChecksum: "0123456789abcdee" },
      { sourceFile: "5335138:1234:1796247401348173154:1796247401348173155" },
    ]) {
      expect(decodeCodeCache(encoded, { ...KEY, ...change }, checksum), JSON.stringify(change)).toBeUndefined();
    }
  });

  it("ignores a truncated, extended or corrupt file, and one that is not a cache file", () => {
    expect(decodeCodeCache(encoded.subarray(0, encoded.length - 1), KEY, checksum)).toBeUndefined();
    expect(decodeCodeCache(encoded.subarray(0, 40), KEY, checksum)).toBeUndefined();
    expect(decodeCodeCache(new Uint8Array(0), KEY, checksum)).toBeUndefined();
    const longer = new Uint8Array(encoded.length + 1);
    longer.set(encoded);
    expect(decodeCodeCache(longer, KEY, checksum)).toBeUndefined();
    const flipped = encoded.slice();
    flipped[flipped.length - 500]! ^= 1;
    expect(decodeCodeCache(flipped, KEY, checksum)).toBeUndefined();
    const header = Buffer.from(encoded).toString("latin1");
    for (const bad of [
      header.replace(CODE_CACHE_MAGIC, "corestack-code-cachf"),
      header.replace(`${CODE_CACHE_MAGIC} ${CODE_CACHE_FORMAT} `, `${CODE_CACHE_MAGIC} ${CODE_CACHE_FORMAT + 1} `),
      header.replace(/ 3( *)\n/, " x$1\n"),
      header.replace(/ 3( *)\n/, "-1$1\n"),
      // The same fields with the data one byte off its 8-aligned start.
      header.replace(/ 3( *)\n/, " 3$1 \n"),
    ]) {
      expect(decodeCodeCache(Buffer.from(bad, "latin1"), KEY, checksum), bad.slice(0, 120)).toBeUndefined();
    }
    expect(decodeCodeCache(new Uint8Array(4096).fill(0x41), KEY, checksum)).toBeUndefined();
  });
});

describe("readCodeCache / writeCodeCache", () => {
  it("writes through a temporary file renamed into place, and reads it back", () => {
    const directory = join(scratch, "a", "corestack", "code-cache");
    const file = join(directory, "v20-x64-00000000.bin");
    expect(writeCodeCache(file, encodeCodeCache(KEY, 1, DATA, checksum))).toBe(true);
    expect(readdirSync(directory)).toEqual(["v20-x64-00000000.bin"]);
    expect(readCodeCache(file, KEY, checksum)?.modes).toBe(1);
    // Rewritten in place (rename over the old file).
    expect(writeCodeCache(file, encodeCodeCache(KEY, 3, DATA, checksum))).toBe(true);
    expect(readdirSync(directory)).toEqual(["v20-x64-00000000.bin"]);
    expect(readCodeCache(file, KEY, checksum)?.modes).toBe(3);
  });

  it("reads nothing from a missing file, a directory, or a file that does not match", () => {
    expect(readCodeCache(join(scratch, "missing.bin"), KEY, checksum)).toBeUndefined();
    mkdirSync(join(scratch, "dir.bin"));
    expect(readCodeCache(join(scratch, "dir.bin"), KEY, checksum)).toBeUndefined();
    const file = join(scratch, "other.bin");
    writeFileSync(file, encodeCodeCache({ ...KEY, node: "v24.22.3" }, 1, DATA, checksum));
    expect(readCodeCache(file, KEY, checksum)).toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)("fails quietly in a directory it cannot write (not as root, who can)", () => {
    const directory = join(scratch, "readonly");
    mkdirSync(directory);
    chmodSync(directory, 0o500);
    try {
      expect(writeCodeCache(join(directory, "x.bin"), encodeCodeCache(KEY, 1, DATA, checksum))).toBe(false);
      expect(readdirSync(directory)).toEqual([]);
    } finally {
      chmodSync(directory, 0o700);
    }
  });

  it("fails quietly where no directory can be made (a file in the way), leaving nothing behind", () => {
    const blocker = join(scratch, "blocker");
    writeFileSync(blocker, "not a directory");
    expect(writeCodeCache(join(blocker, "code-cache", "x.bin"), encodeCodeCache(KEY, 1, DATA, checksum))).toBe(false);
    expect(readFileSync(blocker, "utf8")).toBe("not a directory");
  });

  it(`removes cache files unused for ${CODE_CACHE_MAX_AGE_DAYS} days and old temporary files when it writes, and nothing else`, () => {
    const directory = join(scratch, "prune");
    mkdirSync(directory);
    const old = (name: string, days: number) => {
      const path = join(directory, name);
      writeFileSync(path, "x");
      const when = new Date(Date.now() - days * 24 * 3600_000);
      utimesSync(path, when, when);
      return path;
    };
    const stale = old("v18.0.0-x64-11111111.bin", CODE_CACHE_MAX_AGE_DAYS + 1);
    const recent = old("v22.23.5-x64-11111111.bin", CODE_CACHE_MAX_AGE_DAYS - 1);
    const leftover = old("v20.20.2-x64-11111111.bin.123.abc.tmp", 2);
    const unrelated = old("notes.txt", 400);
    expect(writeCodeCache(join(directory, "v20.20.2-x64-11111111.bin"), encodeCodeCache(KEY, 1, DATA, checksum))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
  });
});

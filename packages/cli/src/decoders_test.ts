import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { bufferSource } from "@corestack/elf";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Crc64, crc32, xxh32 } from "./_checksums.js";
import { CompressedDataError } from "./_compressed_input.js";
import { decodeLz4 } from "./lz4_frame.js";
import { decodeXz } from "./xz_stream.js";

/** Runs a compressor on `input` and returns its output, or undefined when it is not installed. */
function compress(program: string, args: readonly string[], input: Uint8Array): Uint8Array | undefined {
  const result = spawnSync(program, args, { input, maxBuffer: 1 << 30 });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  if (result.status !== 0) throw new Error(`${program} ${args.join(" ")}: ${result.stderr.toString()}`);
  return new Uint8Array(result.stdout);
}
const has = (program: string): boolean => spawnSync(program, ["--version"]).error === undefined;
const hasXz = has("xz");
const hasLz4 = has("lz4");
if (!hasXz) console.warn("skipping the xz decoder's comparisons: the xz program is not installed (Debian package xz-utils)");
if (!hasLz4) console.warn("skipping the LZ4 decoder's comparisons: the lz4 program is not installed (Debian package lz4)");

/** Bytes like a core's: runs of zeros, repeated pages, text, and random bytes, from `seed`. */
function coreLike(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  let position = 0;
  while (position < size) {
    const kind = next() % 4;
    const length = Math.min(size - position, 1 + (next() % 20000));
    if (kind === 1) for (let index = 0; index < length; index++) bytes[position + index] = next() & 0xff;
    else if (kind === 2) for (let index = 0; index < length; index++) bytes[position + index] = "python\0frame "[index % 13]!.charCodeAt(0);
    else if (kind === 3 && position > 4096) bytes.copyWithin(position, position - 4096 + (next() % 4000), position - 4096 + (next() % 4000) + length);
    position += length;
  }
  return bytes;
}

function decoded(decode: typeof decodeXz, compressed: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  decode(bufferSource(compressed), (chunk) => chunks.push(chunk.slice()));
  return Buffer.concat(chunks);
}

function expectSame(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(createHash("sha256").update(actual).digest("hex")).toBe(createHash("sha256").update(expected).digest("hex"));
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("checksums", () => {
  test("crc32() equals zlib's, crc64 equals the check value of the catalogue, xxh32() the reference values", async () => {
    const zlib = await import("node:zlib");
    const text = new TextEncoder().encode("123456789");
    expect(crc32(text)).toBe(0xcbf43926);
    const crc = new Crc64();
    crc.update(text.subarray(0, 4));
    crc.update(text.subarray(4));
    // CRC-64/XZ check value 0x995DC9BBDF1939FA, stored little-endian.
    expect(Buffer.from(crc.digest()).toString("hex")).toBe("fa3919dfbbc95d99");
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(new TextEncoder().encode("a"))).toBe(0x550d7456);
    expect(xxh32(new TextEncoder().encode("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
    void zlib;
  });
});

describe.skipIf(!hasXz)("decodeXz() against the xz program", () => {
  const cases: [string, string[], number][] = [
    ["-6 (CRC64, one block)", ["-6", "-c"], 3_000_000],
    ["-0 --check=crc32", ["-0", "--check=crc32", "-c"], 1_000_000],
    ["--check=sha256", ["--check=sha256", "-c"], 500_000],
    ["--check=none", ["--check=none", "-c"], 300_000],
    ["-T2 --block-size=256KiB (several blocks, sizes in the headers)", ["-T2", "--block-size=262144", "-c"], 1_500_000],
    ["-9e (64 MiB dictionary, capped by the block's size)", ["-9e", "-T1", "--block-size=1MiB", "-c"], 400_000],
  ];
  test.each(cases)("xz %s: the same bytes", (_name, args, size) => {
    const original = coreLike(size, size);
    expectSame(decoded(decodeXz, compress("xz", args, original)!), original);
  });

  test("incompressible data (stored chunks) and an empty file", () => {
    const random = new Uint8Array(200_000).map((_, index) => ((index * 2654435761) >>> 24) ^ (index & 0xff));
    for (const bytes of [random, new Uint8Array(0)]) expectSame(decoded(decodeXz, compress("xz", ["-c"], bytes)!), bytes);
  });

  test("two streams one after the other, with stream padding between them", () => {
    const a = coreLike(100_000, 1);
    const b = coreLike(70_000, 2);
    const joined = Buffer.concat([compress("xz", ["-c"], a)!, new Uint8Array(8), compress("xz", ["-c"], b)!]);
    expectSame(decoded(decodeXz, joined), Buffer.concat([a, b]));
  });

  test("every cut of the file is a truncation error, never another exception", () => {
    const compressed = compress("xz", ["-c"], coreLike(200_000, 3))!;
    for (let length = 0; length < compressed.length; length += Math.max(1, Math.floor(compressed.length / 97))) {
      const error = thrown(() => decoded(decodeXz, compressed.subarray(0, length)));
      expect(error instanceof CompressedDataError && error.truncated, String(error)).toBe(true);
    }
  });

  test("a flipped bit anywhere is a CompressedDataError (the checks catch what the decoder does not)", () => {
    const original = coreLike(100_000, 4);
    const compressed = compress("xz", ["-c"], original)!;
    fc.assert(
      fc.property(fc.nat(compressed.length - 1), fc.nat(7), (offset, bit) => {
        const damaged = compressed.slice();
        damaged[offset]! ^= 1 << bit;
        const error = thrown(() => decoded(decodeXz, damaged));
        expect(error).toBeInstanceOf(CompressedDataError);
      }),
      { numRuns: 200 },
    );
  });

  test("a BCJ filter is refused, naming it", () => {
    const compressed = compress("xz", ["--x86", "--lzma2", "-c"], coreLike(10_000, 5))!;
    expect(String(thrown(() => decoded(decodeXz, compressed)))).toMatch(/x86 BCJ filter/);
  });
});

describe.skipIf(!hasLz4)("decodeLz4() against the lz4 program", () => {
  const cases: [string, string[]][] = [
    ["default (linked 4 MiB blocks, content checksum)", ["-c"]],
    ["-BI -B4 (independent 64 KiB blocks)", ["-BI", "-B4", "-c"]],
    ["-BD -B5 --content-size -BX (linked, block checksums, content size)", ["-BD", "-B5", "--content-size", "-BX", "-c"]],
    ["-9 --no-frame-crc", ["-9", "--no-frame-crc", "-c"]],
    ["-l (legacy format)", ["-l", "-c"]],
  ];
  test.each(cases)("lz4 %s: the same bytes", (_name, args) => {
    const original = coreLike(5_000_000, 9);
    expectSame(decoded(decodeLz4, compress("lz4", args, original)!), original);
  });

  test("two frames one after the other, and incompressible data", () => {
    const a = coreLike(300_000, 6);
    const random = new Uint8Array(300_000).map((_, index) => (index * 2654435761) >>> 24);
    const joined = Buffer.concat([compress("lz4", ["-c"], a)!, compress("lz4", ["-c"], random)!]);
    expectSame(decoded(decodeLz4, joined), Buffer.concat([a, random]));
  });

  test("every cut of the file is a truncation error", () => {
    const compressed = compress("lz4", ["-c"], coreLike(300_000, 7))!;
    for (let length = 0; length < compressed.length; length += Math.max(1, Math.floor(compressed.length / 97))) {
      const error = thrown(() => decoded(decodeLz4, compressed.subarray(0, length)));
      expect(error instanceof CompressedDataError && error.truncated, String(error)).toBe(true);
    }
  });

  test("any damage is a CompressedDataError, never another exception", () => {
    const compressed = compress("lz4", ["-c"], coreLike(100_000, 8))!;
    fc.assert(
      fc.property(fc.nat(compressed.length - 1), fc.nat(255), (offset, value) => {
        const damaged = compressed.slice();
        damaged[offset] = value;
        try {
          decoded(decodeLz4, damaged);
        } catch (error) {
          expect(error).toBeInstanceOf(CompressedDataError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

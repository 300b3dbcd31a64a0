import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { ELFCOMPRESS_ZLIB, SHF_COMPRESSED, SHT_PROGBITS } from "./constants.js";
import { MAX_DECOMPRESSED_SIZE, sectionContents } from "./compressed.js";
import { ElfFile } from "./elf_file.js";
import { ByteWriter, buildElf } from "./_test_elf_builder.js";
import { expectFormatError, hasTool } from "../test/_expect.js";

const hasGcc = hasTool("gcc");
const hasObjcopy = hasTool("objcopy");
const directory = mkdtempSync(join(tmpdir(), "corestack-elf-compressed-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SOURCE = `int printf(const char *format, ...);
struct point { int x, y; double weight; };
static int scale(struct point *p, int k) { p->x *= k; p->y *= k; return p->x + p->y; }
int main(int argc, char **argv) { struct point p = { argc, 2, 0.5 }; printf("%d %s\\n", scale(&p, 3), argv[0]); return 0; }
`;

function open(path: string): ElfFile {
  return new ElfFile(bufferSource(readFileSync(path)));
}

/** Builds `name.o` with gcc, compressed as asked, and its decompressed copy; undefined when the tools fail. */
function fixture(name: string, gccArguments: string[], compress?: string): { compressed: ElfFile; plain: ElfFile } | undefined {
  const source = join(directory, `${name}.c`);
  writeFileSync(source, SOURCE);
  const object = join(directory, `${name}.o`);
  if (spawnSync("gcc", ["-g", "-c", ...gccArguments, source, "-o", object]).status !== 0) return undefined;
  let compressedPath = object;
  if (compress) {
    compressedPath = join(directory, `${name}.${compress}.o`);
    if (spawnSync("objcopy", [`--compress-debug-sections=${compress}`, object, compressedPath]).status !== 0) return undefined;
  }
  const plainPath = join(directory, `${name}.plain.o`);
  execFileSync("objcopy", ["--decompress-debug-sections", compressedPath, plainPath]);
  return { compressed: open(compressedPath), plain: open(plainPath) };
}

/** Every compressed section decompresses to the bytes of the same section in the plain copy. */
function expectSameAsPlain(compressed: ElfFile, plain: ElfFile, options = {}): number {
  let count = 0;
  for (const section of compressed.sections) {
    const isCompressed = (section.sh_flags & BigInt(SHF_COMPRESSED)) !== 0n || section.name.startsWith(".zdebug");
    const plainName = section.name.startsWith(".zdebug") ? `.debug${section.name.slice(7)}` : section.name;
    const plainSection = plain.section(plainName);
    if (!plainSection || !/^\.z?debug_/.test(section.name)) continue;
    const contents = sectionContents(compressed, section, options);
    expect(Buffer.from(contents).equals(Buffer.from(plain.sectionBytes(plainSection))), section.name).toBe(true);
    if (isCompressed) count++;
  }
  return count;
}

describe.skipIf(!hasGcc || !hasObjcopy)("sectionContents() on gcc and objcopy output", () => {
  it("sectionContents() inflates gcc -gz=zlib sections (ELF64) to objcopy --decompress-debug-sections bytes", () => {
    const built = fixture("z64", ["-gz=zlib"])!;
    expect(built).toBeDefined();
    expect(expectSameAsPlain(built.compressed, built.plain)).toBeGreaterThanOrEqual(3);
  });

  it("sectionContents() inflates gcc -m32 -gz=zlib sections (ELF32)", (context) => {
    const built = fixture("z32", ["-m32", "-gz=zlib"]);
    if (!built) return context.skip("gcc -m32 is not available");
    expect(built.compressed.is64).toBe(false);
    expect(expectSameAsPlain(built.compressed, built.plain)).toBeGreaterThanOrEqual(3);
  });

  it("sectionContents() inflates legacy .zdebug_* sections (objcopy zlib-gnu)", (context) => {
    const built = fixture("zgnu", [], "zlib-gnu");
    if (!built) return context.skip("objcopy cannot write zlib-gnu");
    expect(built.compressed.sections.some((s) => s.name.startsWith(".zdebug"))).toBe(true);
    expect(expectSameAsPlain(built.compressed, built.plain)).toBeGreaterThanOrEqual(3);
  });

  it("sectionContents() uses options.inflate, called with the payload and the promised size", () => {
    const built = fixture("zopt", ["-gz=zlib"])!;
    const calls: number[] = [];
    const inflate = (bytes: Uint8Array, size: number): Uint8Array => {
      calls.push(size);
      return zlib.inflateSync(bytes);
    };
    const count = expectSameAsPlain(built.compressed, built.plain, { inflate });
    expect(calls.length).toBe(count);
  });

  it("sectionContents() decompresses zstd sections with Node's zstd or options.zstd, else says what is missing", (context) => {
    const built = fixture("zstd", [], "zstd");
    if (!built) return context.skip("objcopy cannot write zstd");
    const section = built.compressed.sections.find((s) => (s.sh_flags & BigInt(SHF_COMPRESSED)) !== 0n)!;
    const expected = built.plain.sectionBytes(built.plain.section(section.name)!);
    const native = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array }).zstdDecompressSync;
    if (native) {
      expect(Buffer.from(sectionContents(built.compressed, section)).equals(Buffer.from(expected))).toBe(true);
    } else {
      const error = expectFormatError(() => sectionContents(built.compressed, section), "compressed");
      expect(error.message).toContain("zstd");
    }
    const sizes: number[] = [];
    const result = sectionContents(built.compressed, section, {
      zstd: (_bytes, size) => {
        sizes.push(size);
        return expected;
      },
    });
    expect(sizes).toEqual([expected.length]);
    expect(result.length).toBe(expected.length);
  });

  it("sectionContents() without any inflater throws ElfFormatError code compressed", () => {
    const built = fixture("znone", ["-gz=zlib"])!;
    const section = built.compressed.sections.find((s) => (s.sh_flags & BigInt(SHF_COMPRESSED)) !== 0n)!;
    const process = globalThis.process as { getBuiltinModule?: unknown };
    const original = process.getBuiltinModule;
    process.getBuiltinModule = undefined;
    try {
      const error = expectFormatError(() => sectionContents(built.compressed, section), "compressed");
      expect(error.message).toMatch(/no zlib decompressor is available/);
    } finally {
      process.getBuiltinModule = original;
    }
  });
});

/** One SHF_COMPRESSED section with a hand-made header and payload. */
function compressedElf(is64: boolean, littleEndian: boolean, header: { type?: number; size?: bigint }, payload: Uint8Array, headerBytes?: number): ElfFile {
  const w = new ByteWriter(is64, littleEndian);
  if (is64)
    w.u32(header.type ?? ELFCOMPRESS_ZLIB)
      .u32(0)
      .u64(header.size ?? 0n)
      .u64(1);
  else
    w.u32(header.type ?? ELFCOMPRESS_ZLIB)
      .u32(Number(header.size ?? 0n))
      .u32(1);
  w.bytes(payload);
  let data = w.finish();
  if (headerBytes !== undefined) data = data.subarray(0, headerBytes);
  return new ElfFile(
    bufferSource(buildElf({ is64, littleEndian, sections: [{ name: ".debug_info", type: SHT_PROGBITS, flags: BigInt(SHF_COMPRESSED), align: 8, data }] })),
  );
}

describe("sectionContents() on hand-built sections", () => {
  const text = new TextEncoder().encode("hello, compressed world ".repeat(50));
  const deflated = new Uint8Array(zlib.deflateSync(text));

  for (const [is64, littleEndian] of [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ] as const) {
    it(`sectionContents() reads Elf${is64 ? 64 : 32}_Chdr in ${littleEndian ? "little" : "big"}-endian order`, () => {
      const elf = compressedElf(is64, littleEndian, { size: BigInt(text.length) }, deflated);
      const result = sectionContents(elf, elf.section(".debug_info")!);
      expect(Object.getPrototypeOf(result)).toBe(Uint8Array.prototype);
      expect(new TextDecoder().decode(result)).toBe(new TextDecoder().decode(text));
    });
  }

  it("sectionContents() refuses a ch_size over 1 GiB before inflating", () => {
    let called = false;
    const elf = compressedElf(true, true, { size: BigInt(MAX_DECOMPRESSED_SIZE) + 1n }, deflated);
    expectFormatError(
      () =>
        sectionContents(elf, elf.section(".debug_info")!, {
          inflate: () => {
            called = true;
            return new Uint8Array(0);
          },
        }),
      "bad-value",
    );
    expect(called).toBe(false);
    const huge = compressedElf(true, false, { size: 0xffffffffffffffffn }, deflated);
    expectFormatError(() => sectionContents(huge, huge.section(".debug_info")!), "bad-value");
  });

  it("sectionContents() checks the inflated size against ch_size", () => {
    const smaller = compressedElf(true, true, { size: BigInt(text.length - 1) }, deflated);
    expectFormatError(() => sectionContents(smaller, smaller.section(".debug_info")!), "compressed");
    const larger = compressedElf(false, true, { size: BigInt(text.length + 1) }, deflated);
    expectFormatError(() => sectionContents(larger, larger.section(".debug_info")!), "compressed");
  });

  it("sectionContents() reports a corrupt stream, an unknown ch_type and a truncated header", () => {
    const corrupt = compressedElf(true, true, { size: 100n }, new Uint8Array([1, 2, 3, 4, 5]));
    expectFormatError(() => sectionContents(corrupt, corrupt.section(".debug_info")!), "compressed");
    const unknown = compressedElf(true, true, { type: 77, size: 10n }, deflated);
    expectFormatError(() => sectionContents(unknown, unknown.section(".debug_info")!), "unsupported");
    const short = compressedElf(true, true, { size: 10n }, deflated, 20);
    expectFormatError(() => sectionContents(short, short.section(".debug_info")!), "truncated");
    const throwing = compressedElf(true, true, { size: 10n }, deflated);
    expectFormatError(
      () =>
        sectionContents(throwing, throwing.section(".debug_info")!, {
          inflate: () => {
            throw new Error("boom");
          },
        }),
      "compressed",
    );
  });

  it("sectionContents() returns uncompressed sections and .zdebug sections without the ZLIB magic as stored", () => {
    const data = new TextEncoder().encode("plain bytes, not ZLIB");
    const elf = new ElfFile(
      bufferSource(
        buildElf({
          is64: true,
          littleEndian: true,
          sections: [
            { name: ".debug_str", type: SHT_PROGBITS, data },
            { name: ".zdebug_line", type: SHT_PROGBITS, data },
            { name: ".bss", type: 8, size: 64 },
          ],
        }),
      ),
    );
    expect(sectionContents(elf, elf.section(".debug_str")!)).toEqual(data);
    expect(sectionContents(elf, elf.section(".zdebug_line")!)).toEqual(data);
    expect(sectionContents(elf, elf.section(".bss")!).length).toBe(0);
  });

  it("sectionContents() inflates a hand-made .zdebug section with its big-endian size", () => {
    const w = new ByteWriter(true, true).bytes(new TextEncoder().encode("ZLIB"));
    const size = new ByteWriter(true, false).u64(text.length).finish();
    w.bytes(size).bytes(deflated);
    const elf = new ElfFile(
      bufferSource(buildElf({ is64: true, littleEndian: true, sections: [{ name: ".zdebug_info", type: SHT_PROGBITS, data: w.finish() }] })),
    );
    expect(sectionContents(elf, elf.section(".zdebug_info")!)).toEqual(text);
  });
});

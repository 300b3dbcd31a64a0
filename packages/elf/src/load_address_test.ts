import { existsSync, openSync, readSync, closeSync, readdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { PT_DYNAMIC, PT_LOAD, PT_NOTE } from "./constants.js";
import { ElfFile } from "./elf_file.js";
import { firstLoadVaddr } from "./load_address.js";
import { buildElf } from "./_test_elf_builder.js";

/** What ElfFile answers for the same bytes (headers only), `undefined` where it throws. */
function reference(bytes: Uint8Array): bigint | undefined {
  let elf: ElfFile;
  try {
    elf = new ElfFile(bufferSource(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)), { headersOnly: true });
  } catch {
    return undefined;
  }
  return elf.programHeaders.find((p) => p.p_type === PT_LOAD && p.p_offset === 0)?.p_vaddr;
}

/** The first `size` bytes of a file. */
function head(path: string, size: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const bytes = new Uint8Array(size);
    return bytes.subarray(0, readSync(fd, bytes, 0, size, 0));
  } finally {
    closeSync(fd);
  }
}

/** ELF files of this machine: system binaries and libraries, and the pyenv interpreters' libpython. */
function machineElfFiles(): string[] {
  const files = ["/bin/sh", "/usr/bin/env", "/usr/bin/python3.11", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"];
  const pyenv = join(homedir(), ".pyenv", "versions");
  if (existsSync(pyenv)) {
    for (const version of readdirSync(pyenv)) {
      const lib = join(pyenv, version, "lib");
      if (!existsSync(lib)) continue;
      for (const name of readdirSync(lib)) if (/^libpython.*\.so/.test(name)) files.push(join(lib, name));
      files.push(join(pyenv, version, "bin", "python"));
    }
  }
  return [...new Set(files.filter((file) => existsSync(file)).map((file) => realpathSync(file)))];
}

const SHAPES = [
  { is64: true, littleEndian: true },
  { is64: true, littleEndian: false },
  { is64: false, littleEndian: true },
  { is64: false, littleEndian: false },
];

describe("firstLoadVaddr", () => {
  it("answers as ElfFile does for the first page of this machine's executables and libraries", () => {
    const files = machineElfFiles();
    expect(files.length, "no ELF files found").toBeGreaterThan(2);
    let answered = 0;
    for (const file of files) {
      for (const size of [64, 4096, 65536]) {
        const bytes = head(file, size);
        expect(firstLoadVaddr(bytes), `${file}, first ${size} bytes`).toBe(reference(bytes));
        if (firstLoadVaddr(bytes) !== undefined) answered++;
      }
    }
    // Not vacuous: whole pages of real files have the segment.
    expect(answered).toBeGreaterThanOrEqual(files.length);
  });

  it("answers as ElfFile does for built files of each class and byte order, and for any bytes changed in their headers", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.array(
          fc.record({
            type: fc.constantFrom(PT_LOAD, PT_NOTE, PT_DYNAMIC, 0x6474e551),
            offset: fc.constantFrom(0, 0x40, 0x1000),
            vaddr: fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
          }),
          {
            maxLength: 6,
          },
        ),
        // Bytes overwritten in the ELF header and program headers (offsets 0-400), and a cut.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.integer({ min: 0, max: 600 })),
        (shape, segments, changes, cut) => {
          const built = buildElf({ ...shape, segments: segments.map((s) => ({ type: s.type, offset: s.offset, vaddr: s.vaddr, filesz: 16, memsz: 16n })) });
          const bytes = built.slice(0, cut ?? built.length);
          for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value;
          expect(firstLoadVaddr(bytes)).toBe(reference(bytes));
        },
      ),
      { seed: 20261203, numRuns: 2000 },
    );
  });

  it("answers as ElfFile does when the header's counts and sizes are odd: entry sizes, extended numbering, tables past the bytes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.integer({ min: 1, max: 4 }),
        fc.record({
          phentsize: fc.option(fc.constantFrom(0, 31, 32, 55, 56, 57, 64)),
          phnum: fc.option(fc.constantFrom(0, 1, 2, 5, 0xffff)),
          shnum: fc.option(fc.constantFrom(0, 1)),
          shstrndx: fc.option(fc.constantFrom(0, 0xffff)),
          // sh_info of section header 0: the program header count under extended numbering.
          shInfo: fc.option(fc.constantFrom(0, 1, 2, 4, 1 << 21)),
          phoff: fc.option(fc.constantFrom(0, 1, 64, 0x7fff_ffff)),
        }),
        fc.option(fc.integer({ min: 0, max: 600 })),
        (shape, count, fields, cut) => {
          const { is64, littleEndian } = shape;
          const built = buildElf({
            ...shape,
            sections: [{ name: ".text", type: 1, data: new Uint8Array(8) }],
            segments: Array.from({ length: count }, (_, index) => ({
              type: PT_LOAD,
              offset: index === count - 1 ? 0 : 0x40,
              vaddr: BigInt(0x400000 + index * 0x1000),
            })),
          });
          const view = new DataView(built.buffer, built.byteOffset, built.length);
          const u16 = (at: number, value: number | null) => value !== null && view.setUint16(at, value, littleEndian);
          u16(is64 ? 54 : 42, fields.phentsize);
          u16(is64 ? 56 : 44, fields.phnum);
          u16(is64 ? 60 : 48, fields.shnum);
          u16(is64 ? 62 : 50, fields.shstrndx);
          if (fields.phoff !== null) {
            if (is64) view.setBigUint64(32, BigInt(fields.phoff), littleEndian);
            else view.setUint32(28, fields.phoff, littleEndian);
          }
          const shoff = Number(is64 ? view.getBigUint64(40, littleEndian) : view.getUint32(32, littleEndian));
          if (fields.shInfo !== null && shoff + (is64 ? 48 : 32) <= built.length) view.setUint32(shoff + (is64 ? 44 : 28), fields.shInfo, littleEndian);
          const bytes = built.slice(0, cut ?? built.length);
          expect(firstLoadVaddr(bytes), JSON.stringify({ shape, count, fields, cut })).toBe(reference(bytes));
        },
      ),
      { seed: 20261203, numRuns: 3000 },
    );
  });

  it("finds the segment at file offset 0, not the first PT_LOAD", () => {
    for (const shape of SHAPES) {
      const bytes = buildElf({
        ...shape,
        segments: [
          { type: PT_NOTE, offset: 0, vaddr: 0x10n },
          { type: PT_LOAD, offset: 0x1000, vaddr: 0x401000n },
          { type: PT_LOAD, offset: 0, vaddr: 0x400000n },
        ],
      });
      expect(firstLoadVaddr(bytes), JSON.stringify(shape)).toBe(0x400000n);
      expect(reference(bytes)).toBe(0x400000n);
    }
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildId, buildIdFromImage, buildIdFromNotes, buildIdHex } from "./build_id.js";
import { bufferSource } from "./byte_source.js";
import { NT_GNU_BUILD_ID, PT_LOAD, PT_NOTE, SHT_NOTE } from "./constants.js";
import { ElfFile } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";
import { elfNotes } from "./read_notes.js";
import { ByteWriter, buildElf, TEST_LAYOUTS } from "./_test_elf_builder.js";
import { SAMPLE_FILES, expectFormatError, hasTool } from "../test/_expect.js";

const FILES = SAMPLE_FILES;

const hasReadelf = hasTool("readelf");
const hasObjcopy = hasTool("objcopy");
const hasGcc = hasTool("gcc");

function readelfBuildId(path: string): string | undefined {
  const output = execFileSync("readelf", ["--wide", "-n", path], { encoding: "utf8" });
  return /Build ID: ([0-9a-f]+)/.exec(output)?.[1];
}

const directory = mkdtempSync(join(tmpdir(), "corestack-elf-build-id-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!hasReadelf)("buildId() on real files", () => {
  for (const path of FILES) {
    it(`buildId() and buildIdFromImage() match readelf -n for ${path}`, () => {
      const bytes = readFileSync(path);
      const expected = readelfBuildId(path);
      const elf = new ElfFile(bufferSource(bytes));
      const id = buildId(elf);
      expect(id && buildIdHex(id)).toBe(expected);
      // The first page holds the headers and the notes.
      const page = buildIdFromImage(bufferSource(bytes.subarray(0, 4096)));
      expect(page && buildIdHex(page)).toBe(expected);
      // Too little of the image: nothing, not an error.
      expect(buildIdFromImage(bufferSource(bytes.subarray(0, 64)))).toBeUndefined();
      const section = elf.section(".note.gnu.build-id")!;
      expect(buildIdFromImage(bufferSource(bytes.subarray(0, section.sh_offset + 8)))).toBeUndefined();
    });
  }

  it("buildId() returns a copy that outlives changes to the source", () => {
    const path = FILES[0]!;
    const bytes = new Uint8Array(readFileSync(path));
    const id = buildId(new ElfFile(bufferSource(bytes)))!;
    const before = buildIdHex(id);
    bytes.fill(0);
    expect(buildIdHex(id)).toBe(before);
    expect(Object.getPrototypeOf(id)).toBe(Uint8Array.prototype);
  });

  it("elfNotes() reads the 8-byte-aligned .note.gnu.property before the build-id (readNotes alignment fix)", (context) => {
    const libc = FILES.find((p) => p.endsWith("libc.so.6"));
    if (!libc) return context.skip("no libc.so.6 among the system's files");
    const notes = [...elfNotes(new ElfFile(bufferSource(readFileSync(libc))))];
    expect(notes.map((n) => [n.name, n.type, n.desc.length])).toEqual([
      ["GNU", 5, 16],
      ["GNU", NT_GNU_BUILD_ID, 20],
      ["GNU", 1, 16],
    ]);
  });
});

describe.skipIf(!hasReadelf || !hasObjcopy || !existsSync("/bin/ls"))("buildId() on a separate debug file", () => {
  it("buildId() of objcopy --only-keep-debug output equals the original's", () => {
    const output = join(directory, "ls.debug");
    execFileSync("objcopy", ["--only-keep-debug", "/bin/ls", output]);
    const id = buildId(new ElfFile(bufferSource(readFileSync(output))));
    expect(id && buildIdHex(id)).toBe(readelfBuildId("/bin/ls"));
  });
});

describe.skipIf(!hasReadelf || !hasGcc)("buildId() on ELF32 and relocatable files", () => {
  it("buildId() reads a gcc -m32 shared library; a relocatable object has none", () => {
    const source = join(directory, "b.c");
    writeFileSync(source, "int f(void) { return 1; }\n");
    const library = join(directory, "libb32.so");
    if (spawnSync("gcc", ["-m32", "-shared", "-nostdlib", "-fPIC", "-Wl,--build-id=sha1", source, "-o", library]).status === 0) {
      const bytes = readFileSync(library);
      const expected = readelfBuildId(library);
      expect(buildIdHex(buildId(new ElfFile(bufferSource(bytes)))!)).toBe(expected);
      expect(buildIdHex(buildIdFromImage(bufferSource(bytes.subarray(0, 4096)))!)).toBe(expected);
    }
    const object = join(directory, "b.o");
    execFileSync("gcc", ["-c", source, "-o", object]);
    expect(buildId(new ElfFile(bufferSource(readFileSync(object))))).toBeUndefined();
  });
});

function note(w: ByteWriter, name: string, type: number, desc: Uint8Array, align = 4): void {
  const nameBytes = new TextEncoder().encode(name);
  w.u32(nameBytes.length + 1)
    .u32(desc.length)
    .u32(type)
    .bytes(nameBytes)
    .u8(0)
    .align(align)
    .bytes(desc)
    .align(align);
}

const ID = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04]);

function noteElf(layout: { is64: boolean; littleEndian: boolean }, options: { withSegments?: boolean; corruptFirst?: boolean } = {}): Uint8Array {
  const property = new ByteWriter(layout.is64, layout.littleEndian);
  note(property, "GNU", 5, new Uint8Array(16), 8);
  const ids = new ByteWriter(layout.is64, layout.littleEndian);
  note(ids, "GNU", 1, new Uint8Array(16));
  note(ids, "Go", NT_GNU_BUILD_ID, new Uint8Array([9, 9, 9])); // another owner's type 3
  note(ids, "GNU", NT_GNU_BUILD_ID, ID);
  const first = property.finish();
  if (options.corruptFirst) new DataView(first.buffer).setUint32(4, 1000, layout.littleEndian);
  return buildElf({
    ...layout,
    sections: [
      { name: ".note.gnu.property", type: SHT_NOTE, addr: 0x200n, align: 8, data: first },
      { name: ".note.gnu.build-id", type: SHT_NOTE, addr: 0x300n, align: 4, data: ids.finish() },
    ],
    segments:
      options.withSegments === false
        ? []
        : [
            { type: PT_LOAD, offset: 0, filesz: 0x400, vaddr: 0n },
            { type: PT_NOTE, section: ".note.gnu.property", align: 8n },
            { type: PT_NOTE, section: ".note.gnu.build-id", align: 4n },
          ],
  });
}

describe("buildId() on hand-built files", () => {
  for (const layout of TEST_LAYOUTS) {
    const { label } = layout;
    it(`buildId() skips other notes and owners (${label})`, () => {
      const bytes = noteElf(layout);
      expect(buildId(new ElfFile(bufferSource(bytes)))).toEqual(ID);
      expect(buildIdFromImage(bufferSource(bytes))).toEqual(ID);
      expect(buildId(new ElfFile(bufferSource(noteElf(layout, { withSegments: false }))))).toEqual(ID);
    });

    it(`buildId() finds the build-id after a malformed note segment (${label})`, () => {
      const bytes = noteElf(layout, { corruptFirst: true });
      expect(buildId(new ElfFile(bufferSource(bytes)))).toEqual(ID);
      expect(buildIdFromImage(bufferSource(bytes))).toEqual(ID);
    });
  }

  it("buildIdFromNotes() scans a note block; a truncated block before the build-id throws ElfFormatError", () => {
    const w = new ByteWriter(true, false);
    note(w, "GNU", NT_GNU_BUILD_ID, ID);
    const block = w.finish();
    expect(buildIdFromNotes(block, false)).toEqual(ID);
    expect(buildIdFromNotes(new Uint8Array(0), true)).toBeUndefined();
    expectFormatError(() => buildIdFromNotes(block.subarray(0, 20), false), "truncated");
  });

  it("buildIdFromImage() rejects bytes that are not an ELF image", () => {
    expectFormatError(() => buildIdFromImage(bufferSource(new Uint8Array(4096))), "bad-magic");
    expectFormatError(() => buildIdFromImage(bufferSource(new Uint8Array([0x7f, 0x45]))), "truncated");
    const header = noteElf({ is64: true, littleEndian: true }).slice(0, 20);
    expectFormatError(() => buildIdFromImage(bufferSource(header)), "truncated");
  });

  it("buildIdHex() spells bytes as lowercase hex pairs", () => {
    expect(buildIdHex(new Uint8Array([0x00, 0x0f, 0xa0, 0xff]))).toBe("000fa0ff");
    expect(buildIdHex(new Uint8Array(0))).toBe("");
  });

  it("buildId() and buildIdFromImage(), on random corruptions, return values or throw ElfFormatError only", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const is64 of [true, false]) {
      const bytes = noteElf({ is64, littleEndian: is64 });
      for (let round = 0; round < 500; round++) {
        const copy = bytes.slice();
        for (let flips = 1 + random(6); flips > 0; flips--) copy[random(copy.length)] = random(256);
        for (const action of [() => buildId(new ElfFile(bufferSource(copy))), () => buildIdFromImage(bufferSource(copy.subarray(0, random(copy.length))))]) {
          try {
            action();
          } catch (error) {
            if (!ElfFormatError.isInstance(error)) throw error;
          }
        }
      }
    }
  });
});

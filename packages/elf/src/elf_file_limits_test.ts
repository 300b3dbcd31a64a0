// ElfFile against crafted files: section names cost what the name table holds, not sections × its size.
import { describe, expect, it, vi } from "vitest";
import { ByteWriter } from "./_test_elf_builder.js";
import { bufferSource } from "./byte_source.js";
import { ElfFile, MAX_SECTION_NAME_BYTES } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";

/** An ELF64 file of `count` sections all named by offset `sh_name` in a `tableSize`-byte name table without a NUL. */
function manySections(count: number, tableSize: number, sh_name: (index: number) => number): Uint8Array {
  const w = new ByteWriter(true, true);
  const tableAt = 64;
  const shoff = tableAt + tableSize;
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(4).u16(62).u32(1).u64(0).u64(0).u64(shoff).u32(0);
  w.u16(64)
    .u16(56)
    .u16(0)
    .u16(64)
    .u16(count + 1)
    .u16(count);
  w.bytes(new Uint8Array(tableSize).fill(0x41));
  for (let i = 0; i < count; i++) w.u32(sh_name(i)).u32(1).u64(0).u64(0).u64(0).u64(0).u32(0).u32(0).u64(1).u64(0);
  w.u32(0).u32(3).u64(0).u64(0).u64(tableAt).u64(tableSize).u32(0).u32(0).u64(1).u64(0);
  return w.finish();
}

describe("ElfFile limits", () => {
  it("stops decoding section names past MAX_SECTION_NAME_BYTES with a format error", () => {
    // 5 000 sections naming one 64 KiB name table that has no NUL: 328 MB of names (a million
    // sections over 16 MiB would be 16 TB, from a 80 MB file).
    const image = manySections(5000, 1 << 16, (i) => i % 7);
    // The names looked for, not the time taken: each search for a name's NUL runs to the end of
    // the 64 KiB table, so the budget allows MAX_SECTION_NAME_BYTES / 64 KiB names, not 5 000
    // (two searches a name: its length, then its decoding).
    const searches = vi.spyOn(Uint8Array.prototype, "indexOf");
    let error: unknown;
    let searched = 0;
    try {
      new ElfFile(bufferSource(image));
    } catch (caught) {
      error = caught;
    } finally {
      searched = searches.mock.calls.length;
      searches.mockRestore();
    }
    expect(ElfFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`The names of 5001 sections take more than ${MAX_SECTION_NAME_BYTES} bytes of the section-name table at offset 0x40`);
    expect(searched).toBeGreaterThan(0);
    expect(searched).toBeLessThanOrEqual(2 * (Math.ceil(MAX_SECTION_NAME_BYTES / ((1 << 16) - 7)) + 1));
  });

  it("still names the sections of a file whose names fit", () => {
    const elf = new ElfFile(bufferSource(manySections(100, 1 << 10, () => 1000)));
    expect(elf.sections[1]!.name).toBe("A".repeat(24));
  });
});

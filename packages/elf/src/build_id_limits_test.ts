// buildId() against crafted files: the notes read are bounded in all note blocks together.
import { describe, expect, it } from "vitest";
import { ByteWriter } from "./_test_elf_builder.js";
import { MAX_BUILD_ID_NOTES, buildId } from "./build_id.js";
import { bufferSource } from "./byte_source.js";
import { ElfFile } from "./elf_file.js";

/** An ELF64 image whose program headers are `headers` PT_NOTE entries over one block of `notes` empty notes. */
function noteBomb(headers: number, notes: number): Uint8Array {
  const w = new ByteWriter(true, true);
  const notesAt = 64 + 56 * headers;
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(3).u16(62).u32(1).u64(0).u64(64).u64(0).u32(0);
  w.u16(64).u16(56).u16(headers).u16(64).u16(0).u16(0);
  for (let i = 0; i < headers; i++) w.u32(4).u32(4).u64(notesAt).u64(0).u64(0).u64(12 * notes).u64(12 * notes).u64(4);
  w.bytes(new Uint8Array(12 * notes));
  return w.finish();
}

describe("buildId() limits", () => {
  it("stops after MAX_BUILD_ID_NOTES notes in all blocks together, with a format error", () => {
    // 2 000 PT_NOTE headers over one block of 5 000 notes: 10 million notes from 172 KB.
    const started = performance.now();
    expect(() => buildId(new ElfFile(bufferSource(noteBomb(2000, 5000))))).toThrowError(
      `No build-id in the first ${MAX_BUILD_ID_NOTES} notes of the file: the rest are not read`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("reads a file with fewer notes than the limit to its end", () => {
    expect(buildId(new ElfFile(bufferSource(noteBomb(2, 100))))).toBeUndefined();
  });
});

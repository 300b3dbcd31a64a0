// buildId() against crafted files: the notes read are bounded in all note blocks together.
import { describe, expect, it } from "vitest";
import { noteImage } from "./_test_core_builder.js";
import { MAX_BUILD_ID_NOTES, buildId } from "./build_id.js";
import { bufferSource } from "./byte_source.js";
import { ElfFile } from "./elf_file.js";

/** An ELF64 image whose program headers are `headers` PT_NOTE entries over one block of `notes` empty notes. */
function noteBomb(headers: number, notes: number): Uint8Array {
  return noteImage(headers, new Uint8Array(12 * notes));
}

describe("buildId() limits", () => {
  it("stops after MAX_BUILD_ID_NOTES notes in all blocks together, with a format error", () => {
    // 2 000 PT_NOTE headers over one block of 5 000 notes: 10 million notes from 172 KB.
    const image = noteBomb(2000, 5000);
    const source = bufferSource(image);
    let viewed = 0;
    const counting = {
      size: source.size,
      bytes: (offset: number, length: number) => {
        viewed += length;
        return source.bytes(offset, length);
      },
    };
    expect(() => buildId(new ElfFile(counting))).toThrowError(`No build-id in the first ${MAX_BUILD_ID_NOTES} notes of the file: the rest are not read`);
    // The bytes looked at, not the time taken: the file about once, not the block once per header
    // (2 000 × 60 KB).
    expect(viewed).toBeLessThanOrEqual(2 * image.length);
  });

  it("reads a file with fewer notes than the limit to its end", () => {
    expect(buildId(new ElfFile(bufferSource(noteBomb(2, 100))))).toBeUndefined();
  });
});

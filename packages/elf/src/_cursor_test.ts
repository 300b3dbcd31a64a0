import { describe, expect, it } from "vitest";
import { Cursor } from "./_cursor.js";
import { bufferSource } from "./byte_source.js";
import { ElfFormatError } from "./elf_format_error.js";

/** A cursor over `words` written as 64-bit values in the given byte order, at offset 16. */
function cursorOver(words: readonly bigint[], littleEndian: boolean): Cursor {
  const bytes = new Uint8Array(16 + words.length * 8);
  const view = new DataView(bytes.buffer);
  words.forEach((word, index) => view.setBigUint64(16 + index * 8, word, littleEndian));
  return new Cursor(bufferSource(bytes), littleEndian).require(16, words.length * 8, "test record");
}

describe("Cursor.offsetWord", () => {
  const safe = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1234_5678_9abcn, 0x1f_ffff_0000_0000n, BigInt(Number.MAX_SAFE_INTEGER)];
  for (const littleEndian of [true, false]) {
    it(`reads every safe 64-bit value exactly (${littleEndian ? "little" : "big"}-endian) and moves 8 bytes`, () => {
      const cursor = cursorOver(safe, littleEndian);
      for (const [index, word] of safe.entries()) {
        expect(cursor.offset).toBe(16 + index * 8);
        expect(cursor.offsetWord(true, "sh_size")).toBe(Number(word));
      }
    });

    it(`names the field, record and offset of a value past 2^53 - 1 (${littleEndian ? "little" : "big"}-endian)`, () => {
      for (const word of [BigInt(Number.MAX_SAFE_INTEGER) + 1n, 0x20_0000_0000_0000n, 0xffff_ffff_ffff_ffffn]) {
        const cursor = cursorOver([0n, word], littleEndian);
        cursor.skip(8);
        expect(() => cursor.offsetWord(true, "sh_offset")).toThrow(ElfFormatError);
        expect(() => cursor.offsetWord(true, "sh_offset")).toThrow(`Field sh_offset of test record at offset 0x18 is too large: 0x${word.toString(16)}`);
        cursor.seekRecord(8, "section header", 3);
        expect(() => cursor.offsetWord(true, "sh_size")).toThrow(`Field sh_size of section header 3 at offset 0x18 is too large`);
      }
    });
  }

  it("reads a 32-bit word as 4 bytes", () => {
    const cursor = cursorOver([0x1122_3344_5566_7788n], true);
    expect(cursor.offsetWord(false, "p_offset")).toBe(0x5566_7788);
    expect(cursor.offset).toBe(20);
    expect(cursor.offsetWord(false, "p_offset")).toBe(0x1122_3344);
  });

  it("throws RangeError past the record's bytes, as the other reads do", () => {
    const cursor = cursorOver([5n], true);
    cursor.skip(4);
    expect(() => cursor.offsetWord(true, "sh_size")).toThrow(RangeError);
  });
});

import type { ByteSource } from "./byte_source.js";
import { DwarfFormatError, hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";

const decoder = new TextDecoder("utf-8", { fatal: false });

/** A section's bytes, its name (for errors) and its byte order. @internal */
export interface Section {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
}

/** Takes the whole of a source as one view (sections are contiguous). @internal */
export function sectionOf(name: string, source: ByteSource, littleEndian: boolean): Section {
  return { name, bytes: source.bytes(0, source.size), littleEndian };
}

/**
 * A cursor over one section, bounded by `end` (a unit's or record's end, or the section's).
 * Every read checks its bounds and throws a `truncated` {@link DwarfFormatError} naming the section
 * and offset. Internal to this package.
 */
export class Reader {
  readonly section: Section;
  readonly view: DataView;
  position: number;
  end: number;

  constructor(section: Section, position = 0, end = section.bytes.length) {
    this.section = section;
    const bytes = section.bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = position;
    this.end = Math.min(end, bytes.length);
  }

  /** A reader over `[position, end)` of the same section. */
  sub(position: number, end: number): Reader {
    return new Reader(this.section, position, end);
  }

  get remaining(): number {
    return this.end - this.position;
  }

  get atEnd(): boolean {
    return this.position >= this.end;
  }

  /** Throws a format error at the current position. */
  fail(message: string, code: "truncated" | "bad-value" | "unsupported" = "bad-value", offset = this.position): never {
    throw new DwarfFormatError(`${message} at ${this.section.name}+${hex(offset)}`, { section: this.section.name, offset, code });
  }

  /** Checks that `count` bytes remain. */
  need(count: number, what: string): void {
    if (count < 0 || this.position + count > this.end) {
      this.fail(`Cannot read ${what}: ${Math.max(0, this.end - this.position)} of ${count} bytes remain`, "truncated");
    }
  }

  seek(position: number): this {
    if (position < 0 || position > this.end) this.fail(`Offset ${hex(position)} is outside [0, ${hex(this.end)})`, "bad-value");
    this.position = position;
    return this;
  }

  skip(count: number, what = "bytes"): this {
    this.need(count, what);
    this.position += count;
    return this;
  }

  u8(): number {
    this.need(1, "a byte");
    return this.view.getUint8(this.position++);
  }
  i8(): number {
    this.need(1, "a byte");
    return this.view.getInt8(this.position++);
  }
  u16(): number {
    this.need(2, "a 2-byte value");
    const value = this.view.getUint16(this.position, this.section.littleEndian);
    this.position += 2;
    return value;
  }
  i16(): number {
    this.need(2, "a 2-byte value");
    const value = this.view.getInt16(this.position, this.section.littleEndian);
    this.position += 2;
    return value;
  }
  u24(): number {
    this.need(3, "a 3-byte value");
    const b0 = this.view.getUint8(this.position);
    const b1 = this.view.getUint8(this.position + 1);
    const b2 = this.view.getUint8(this.position + 2);
    this.position += 3;
    return this.section.littleEndian ? b0 | (b1 << 8) | (b2 << 16) : (b0 << 16) | (b1 << 8) | b2;
  }
  u32(): number {
    this.need(4, "a 4-byte value");
    const value = this.view.getUint32(this.position, this.section.littleEndian);
    this.position += 4;
    return value;
  }
  i32(): number {
    this.need(4, "a 4-byte value");
    const value = this.view.getInt32(this.position, this.section.littleEndian);
    this.position += 4;
    return value;
  }
  u64(): bigint {
    this.need(8, "an 8-byte value");
    const value = this.view.getBigUint64(this.position, this.section.littleEndian);
    this.position += 8;
    return value;
  }
  i64(): bigint {
    this.need(8, "an 8-byte value");
    const value = this.view.getBigInt64(this.position, this.section.littleEndian);
    this.position += 8;
    return value;
  }

  /** An unsigned value of `size` bytes (1, 2, 4 or 8) as a bigint: addresses. */
  unsigned(size: number): bigint {
    switch (size) {
      case 1:
        return BigInt(this.u8());
      case 2:
        return BigInt(this.u16());
      case 4:
        return BigInt(this.u32());
      case 8:
        return this.u64();
      default:
        return this.fail(`Unsupported value size ${size}`, "unsupported");
    }
  }

  /** An unsigned LEB128 as a bigint (any length; at most 10 significant bytes are kept). */
  uleb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.u8();
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
  }

  /** A signed LEB128 as a bigint, sign-extended to 64 bits. */
  sleb(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      byte = this.u8();
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (shift < 64n && byte & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  /** An unsigned LEB128 that must be a safe integer (a count, an offset, a code). */
  ulebNumber(what: string): number {
    const at = this.position;
    let result = 0;
    let multiplier = 1;
    for (;;) {
      const byte = this.u8();
      result += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
      if (multiplier > 2 ** 63) {
        // Keep consuming the value so the error offset is stable, then refuse.
        while (this.u8() & 0x80);
        this.fail(`${what} does not fit a safe integer`, "bad-value", at);
      }
    }
    if (!Number.isSafeInteger(result)) this.fail(`${what} does not fit a safe integer`, "bad-value", at);
    return result;
  }

  /** A signed LEB128 that must be a safe integer (a factor, an offset). */
  slebNumber(what: string): number {
    const at = this.position;
    const value = this.sleb();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`${what} does not fit a safe integer`, "bad-value", at);
    return Number(value);
  }

  /**
   * A unit or record's initial length: 32-bit, or 0xffffffff then 64-bit (the 64-bit DWARF format).
   * @returns the length (a safe integer) and whether the format is 64-bit.
   */
  initialLength(what: string): { length: number; format64: boolean } {
    const at = this.position;
    const first = this.u32();
    if (first < 0xffff_fff0) return { length: first, format64: false };
    if (first !== 0xffff_ffff) this.fail(`Reserved initial length ${hex(first)} of ${what}`, "bad-value", at);
    const long = this.u64();
    if (long > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`Initial length ${hex(long)} of ${what} is too large`, "bad-value", at);
    return { length: Number(long), format64: true };
  }

  /** A section offset: 4 bytes, or 8 in the 64-bit format; must be a safe integer. */
  offset(format64: boolean, what: string): number {
    const at = this.position;
    if (!format64) return this.u32();
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} ${hex(value)} is too large`, "bad-value", at);
    return Number(value);
  }

  /** A NUL-terminated UTF-8 string, bounded by {@link DWARF_LIMITS.stringBytes}. */
  cString(what = "a string"): string {
    const bytes = this.section.bytes;
    const start = this.position;
    const stop = Math.min(this.end, start + DWARF_LIMITS.stringBytes + 1);
    const nul = bytes.subarray(start, stop).indexOf(0);
    if (nul < 0) {
      if (stop - start > DWARF_LIMITS.stringBytes)
        limitReached("stringBytes", `${what} without a terminating NUL`, { section: this.section.name, offset: start });
      this.fail(`Cannot read ${what}: no terminating NUL before the end`, "truncated", start);
    }
    this.position = start + nul + 1;
    return decoder.decode(bytes.subarray(start, start + nul));
  }

  /** A zero-copy view of `count` bytes. */
  block(count: number, what: string): Uint8Array {
    this.need(count, what);
    const view = this.section.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return view;
  }
}

/** Reads the NUL-terminated string at `offset` of a string section (.debug_str, .debug_line_str). @internal */
export function stringAt(section: Section, offset: number): string {
  const reader = new Reader(section);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length)
    reader.fail(`String offset ${hex(offset)} is outside the section`, "bad-value", 0);
  reader.position = offset;
  return reader.cString("a string");
}

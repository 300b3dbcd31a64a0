import type { ByteSource } from "./byte_source.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/**
 * Reads fixed-width little- or big-endian values from a ByteSource with one bounds check per
 * record (`require`). Internal to this package.
 */
export class Cursor {
  readonly source: ByteSource;
  readonly littleEndian: boolean;
  #view: DataView = new DataView(new ArrayBuffer(0));
  #base = 0;
  #position = 0;
  #what: string | undefined = "";
  /** With {@link #index}, the name of the record {@link seekRecord} moved to, made only for an error. */
  #prefix = "";
  #index = 0;

  constructor(source: ByteSource, littleEndian: boolean) {
    this.source = source;
    this.littleEndian = littleEndian;
  }

  /** Positions the cursor on `length` bytes at `offset`, or throws a "truncated" error naming `what`. */
  require(offset: number, length: number, what: string): this {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.source.size) {
      const remaining = Math.max(0, this.source.size - Math.max(0, offset));
      throw new ElfFormatError(`Cannot read ${what} at offset ${hex(Math.max(0, offset))}: ${Math.min(remaining, length)} of ${length} bytes remain`, {
        offset: Math.max(0, offset),
        code: "truncated",
      });
    }
    const bytes = this.source.bytes(offset, length);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#base = offset;
    this.#position = 0;
    this.#what = what;
    return this;
  }

  /** The file offset of the next value. */
  get offset(): number {
    return this.#base + this.#position;
  }

  skip(count: number): this {
    this.#position += count;
    return this;
  }

  /**
   * Moves to `position` within the bytes of the last {@link require} (which covered the record),
   * naming it `${prefix} ${index}` in errors: one bounds check and one view for a whole table.
   */
  seekRecord(position: number, prefix: string, index: number): this {
    this.#position = position;
    this.#what = undefined;
    this.#prefix = prefix;
    this.#index = index;
    return this;
  }

  u8(): number {
    const value = this.#view.getUint8(this.#position);
    this.#position += 1;
    return value;
  }
  u16(): number {
    const value = this.#view.getUint16(this.#position, this.littleEndian);
    this.#position += 2;
    return value;
  }
  u32(): number {
    const value = this.#view.getUint32(this.#position, this.littleEndian);
    this.#position += 4;
    return value;
  }
  i32(): number {
    const value = this.#view.getInt32(this.#position, this.littleEndian);
    this.#position += 4;
    return value;
  }
  u64(): bigint {
    const value = this.#view.getBigUint64(this.#position, this.littleEndian);
    this.#position += 8;
    return value;
  }
  i64(): bigint {
    const value = this.#view.getBigInt64(this.#position, this.littleEndian);
    this.#position += 8;
    return value;
  }
  /** A 32- or 64-bit unsigned word. */
  word(is64: boolean): bigint {
    return is64 ? this.u64() : BigInt(this.u32());
  }
  /** A word that must fit a safe integer (an offset or size inside one file). */
  offsetWord(is64: boolean, field: string): number {
    if (!is64) return this.u32();
    // Two 32-bit halves, no BigInt: the record's name and the error are made only when it is too large.
    const position = this.#position;
    const low = this.#view.getUint32(this.littleEndian ? position : position + 4, this.littleEndian);
    const high = this.#view.getUint32(this.littleEndian ? position + 4 : position, this.littleEndian);
    if (high > MAX_SAFE_HIGH)
      return toSafeNumber(this.#view.getBigUint64(position, this.littleEndian), field, this.offset, this.#what ?? `${this.#prefix} ${this.#index}`);
    this.#position = position + 8;
    return high * 0x1_0000_0000 + low;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The largest high half of a 64-bit word that is a safe integer (2^53 - 1 = 0x1fffff_ffffffff). */
const MAX_SAFE_HIGH = 0x1f_ffff;

/** Converts a bigint offset/size to a number, or throws a "bad-value" error. @internal */
export function toSafeNumber(value: bigint, field: string, at: number, what = "record"): number {
  if (value > MAX_SAFE) {
    throw new ElfFormatError(`Field ${field} of ${what} at offset ${hex(at)} is too large: ${hex(value)}`, {
      offset: at,
      code: "bad-value",
    });
  }
  return Number(value);
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Decodes a NUL-terminated string starting at `offset` in `bytes` (to the end when no NUL). @internal */
export function cString(bytes: Uint8Array, offset = 0): string {
  let end = bytes.indexOf(0, offset);
  if (end < 0) end = bytes.length;
  return decoder.decode(bytes.subarray(offset, end));
}

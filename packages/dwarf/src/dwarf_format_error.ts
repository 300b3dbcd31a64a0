const MARKER = Symbol.for("corestack.error.DwarfFormatError");

/**
 * Machine-readable reasons a {@link DwarfFormatError} is thrown:
 * - `truncated`: a record runs past the end of its section or unit;
 * - `bad-value`: a field holds a value the format does not allow (an unknown form, a reference
 *   outside its unit, an encoding that cannot be decoded);
 * - `unsupported`: valid DWARF this package does not read (a vendor form, a segmented address);
 * - `limit`: one of the {@link DWARF_LIMITS} was reached — the input may be valid but is not read
 *   past that point, and the message names the limit.
 */
export type DwarfFormatErrorCode = "truncated" | "bad-value" | "unsupported" | "limit";

/**
 * Thrown when DWARF bytes cannot be read: malformed, unsupported, or past a limit. Carries the
 * section and the offset inside it where the problem was found.
 *
 * @example
 * ```ts
 * try { cfi.rowFor(pc); } catch (error) {
 *   if (DwarfFormatError.isInstance(error)) console.error(error.section, error.offset, error.message);
 * }
 * ```
 */
export class DwarfFormatError extends Error {
  /** The section the bytes come from, e.g. ".eh_frame". */
  readonly section: string;
  /** Where the problem is: an offset inside {@link section}. */
  readonly offset: number;
  /** What kind of problem it is. */
  readonly code: DwarfFormatErrorCode;
  readonly [MARKER] = true;

  /**
   * @param message what is wrong and where, one sentence.
   * @param options the section, the offset and the code.
   */
  constructor(message: string, options: { section: string; offset: number; code: DwarfFormatErrorCode }) {
    super(message);
    this.name = "DwarfFormatError";
    this.section = options.section;
    this.offset = options.offset;
    this.code = options.code;
  }

  /**
   * True for a DwarfFormatError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is a DwarfFormatError.
   */
  static isInstance(value: unknown): value is DwarfFormatError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Formats a number as 0x-prefixed hexadecimal. @internal */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

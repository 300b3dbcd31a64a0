const MARKER = Symbol.for("corestack.error.ElfFormatError");

/** Machine-readable reasons an {@link ElfFormatError} is thrown. */
export type ElfFormatErrorCode = "truncated" | "bad-magic" | "unsupported" | "bad-value" | "not-found" | "compressed";

/**
 * Thrown when bytes do not form a valid ELF file, note, table or core. Carries the file offset
 * (or address, for memory reads) where the problem was found.
 *
 * @example
 * ```ts
 * try { parseElf(source); } catch (error) {
 *   if (ElfFormatError.isInstance(error)) console.error(error.message, error.offset);
 * }
 * ```
 */
export class ElfFormatError extends Error {
  /** Where the problem is: a file offset. */
  readonly offset: number;
  /** What kind of problem it is. */
  readonly code: ElfFormatErrorCode;
  readonly [MARKER] = true;

  /**
   * @param message what is wrong and where, one sentence.
   * @param options the offset and the code.
   */
  constructor(message: string, options: { offset: number; code: ElfFormatErrorCode }) {
    super(message);
    this.name = "ElfFormatError";
    this.offset = options.offset;
    this.code = options.code;
  }

  /**
   * True for an ElfFormatError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is an ElfFormatError.
   */
  static isInstance(value: unknown): value is ElfFormatError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Formats a number as 0x-prefixed hexadecimal. @internal */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

const MARKER = Symbol.for("corestack.error.LayoutFormatError");

/** Why bytes could not be read as a layout description. */
export type LayoutFormatErrorCode =
  /** Fewer bytes than the struct needs. */
  | "truncated"
  /** `_Py_DebugOffsets.cookie` is not `"xdebugpy"`. */
  | "bad-cookie"
  /** The version field names a version without a known `_Py_DebugOffsets` layout. */
  | "unsupported-version"
  /** A free-threaded (`Py_GIL_DISABLED`) build, whose object layout differs. */
  | "free-threaded"
  /** An offset outside its struct, or too large to be an offset. */
  | "implausible-offset"
  /** Two fields that describe the same member disagree. */
  | "inconsistent";

/**
 * Bytes that do not describe a layout, e.g. a `_Py_DebugOffsets` with a wrong cookie. The one
 * error class of this package; a caller mistake is a `TypeError` or `RangeError` instead.
 *
 * @example
 * ```ts
 * import { LayoutFormatError, layoutFromDebugOffsets } from "@corestack/cpython-layouts";
 *
 * try {
 *   layoutFromDebugOffsets(new Uint8Array(600));
 * } catch (error) {
 *   if (LayoutFormatError.isInstance(error)) console.log(error.code, error.offset); // "bad-cookie" 0
 * }
 * ```
 */
export class LayoutFormatError extends Error {
  /** Byte offset, in the bytes given, of the value that is wrong. */
  readonly offset: number;
  /** What is wrong. */
  readonly code: LayoutFormatErrorCode;

  /**
   * @param message what is wrong and where.
   * @param options the byte offset and the code.
   */
  constructor(message: string, options: { offset: number; code: LayoutFormatErrorCode }) {
    super(message);
    this.name = "LayoutFormatError";
    this.offset = options.offset;
    this.code = options.code;
    Object.defineProperty(this, MARKER, { value: true });
  }

  /**
   * Tells whether a value is a `LayoutFormatError`, also one thrown by another copy of this
   * package.
   *
   * @param value anything caught.
   * @returns whether it is a `LayoutFormatError`.
   */
  static isInstance(value: unknown): value is LayoutFormatError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

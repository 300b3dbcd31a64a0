const MARKER = Symbol.for("corestack.error.UnwindError");

/**
 * Machine-readable reasons an {@link UnwindError} is thrown:
 * - `limit`: one of the {@link UNWIND_LIMITS} was reached (the message names it);
 * - `bad-expression`: a DWARF expression of the call frame information cannot be evaluated
 *   (an unknown or invalid operation, a stack underflow, a division by zero, a branch outside it);
 * - `bad-rule`: an unwind rule names a register this unwinder does not know or has no value for;
 * - `unreadable`: memory the rules point at is not in the target.
 */
export type UnwindErrorCode = "limit" | "bad-expression" | "bad-rule" | "unreadable";

/**
 * Thrown by the unwinder's building blocks ({@link evaluateExpression}, {@link applyUnwindRow})
 * for rules or expressions that cannot be followed. {@link unwindThread} never throws it: it
 * catches it and ends the stack with a marked {@link StackEnd}.
 *
 * @example
 * ```ts
 * try { evaluateExpression(bytes, context); } catch (error) {
 *   if (UnwindError.isInstance(error)) console.error(error.code, error.message);
 * }
 * ```
 */
export class UnwindError extends Error {
  /** What kind of problem it is. */
  readonly code: UnwindErrorCode;
  /** The address involved (the memory that could not be read, the pc being unwound), when there is one. */
  readonly address: bigint | undefined;
  readonly [MARKER] = true;

  /**
   * @param message what is wrong and where, one sentence.
   * @param options the code and, when known, the address.
   */
  constructor(message: string, options: { code: UnwindErrorCode; address?: bigint | undefined; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UnwindError";
    this.code = options.code;
    this.address = options.address;
  }

  /**
   * True for an UnwindError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is an UnwindError.
   * @example
   * ```ts
   * UnwindError.isInstance(new UnwindError("x", { code: "limit" })); // true
   * ```
   */
  static isInstance(value: unknown): value is UnwindError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Formats a number as 0x-prefixed hexadecimal. @internal */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

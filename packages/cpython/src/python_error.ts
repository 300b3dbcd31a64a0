const MARKER = Symbol.for("corestack.error.PythonError");

/** Why a {@link PythonError} was thrown. */
export type PythonErrorCode = "not-python" | "unsupported-version" | "no-runtime" | "corrupt";

/**
 * Thrown when the target is not a Python process this package can read: no interpreter found,
 * a version without a layout, or interpreter state that fails validation.
 *
 * @example
 * ```ts
 * try { analyse(target); } catch (error) {
 *   if (PythonError.isInstance(error) && error.code === "not-python") console.error(error.message);
 * }
 * ```
 */
export class PythonError extends Error {
  readonly code: PythonErrorCode;
  /** The address involved, when there is one. */
  readonly address: bigint | undefined;
  /**
   * `no-runtime` only: nothing in the files leads to the interpreter state, which a scan of the
   * process's memory (`AnalyseOptions.exhaustive`) may still find.
   */
  readonly scannable: boolean;
  readonly [MARKER] = true;

  /**
   * @param message what is wrong, one sentence.
   * @param options the code, the address, the cause, whether a memory scan may help.
   */
  constructor(message: string, options: { code: PythonErrorCode; address?: bigint; cause?: unknown; scannable?: boolean }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PythonError";
    this.code = options.code;
    this.address = options.address;
    this.scannable = options.scannable === true;
  }

  /**
   * True for a PythonError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is a PythonError.
   */
  static isInstance(value: unknown): value is PythonError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

const MARKER = Symbol.for("corestack.error.CliError");

/** Exit codes of the `corestack` command, as documented in `corestack --help`. */
export const EXIT = {
  /** Analysed, every thread read. */
  ok: 0,
  /** Analysed, with problems the user must know about (some threads unreadable). */
  partial: 1,
  /** Wrong usage: unknown option, missing argument. */
  usage: 2,
  /** Input unusable: not a core, truncated, not a Python process, missing files. */
  input: 3,
  /** A bug in corestack (an unexpected exception); the message asks for a report. */
  internal: 4,
} as const;

/**
 * An error the CLI reports as one line on stderr with a documented exit code.
 *
 * @example
 * ```ts
 * throw new CliError("No such file: core", { exitCode: EXIT.input });
 * ```
 */
export class CliError extends Error {
  readonly exitCode: number;
  /** A second line with what to do about it, printed after the message. */
  readonly hint: string | undefined;
  readonly [MARKER] = true;

  /**
   * @param message one line saying what is wrong.
   * @param options the exit code, an optional hint, and the cause.
   */
  constructor(message: string, options: { exitCode: number; hint?: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = options.exitCode;
    this.hint = options.hint;
  }

  /**
   * True for a CliError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is a CliError.
   */
  static isInstance(value: unknown): value is CliError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

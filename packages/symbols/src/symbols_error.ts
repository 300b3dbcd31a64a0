const MARKER = Symbol.for("corestack.error.SymbolsError");

/** Why a {@link SymbolsError} was thrown. */
export type SymbolsErrorCode = "file-not-found" | "not-elf" | "build-id-mismatch" | "no-module";

/**
 * Thrown when a module of the target cannot be located or used: its file is missing, is not an
 * ELF file, or is not the file the process had mapped.
 *
 * @example
 * ```ts
 * try { target.module(path).elf; } catch (error) {
 *   if (SymbolsError.isInstance(error) && error.code === "file-not-found") console.error(error.path);
 * }
 * ```
 */
export class SymbolsError extends Error {
  readonly code: SymbolsErrorCode;
  /** The file path the process had mapped. */
  readonly path: string;
  readonly [MARKER] = true;

  /**
   * @param message one sentence: what and where.
   * @param options the code, the path, and the cause.
   */
  constructor(message: string, options: { code: SymbolsErrorCode; path: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SymbolsError";
    this.code = options.code;
    this.path = options.path;
  }

  /**
   * True for a SymbolsError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is a SymbolsError.
   */
  static isInstance(value: unknown): value is SymbolsError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

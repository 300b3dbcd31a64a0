const MARKER = Symbol.for("corestack.error.MmapError");

/**
 * Why {@linkcode MmapError} was thrown.
 *
 * - `binding-unavailable`: `backend: "mmap"` was asked for but the native binding cannot load.
 * - `not-a-file`: the path is not a regular file (a directory, a pipe, a device).
 * - `map-failed`: the `mmap` system call failed (`errno` says why).
 * - `kernel-file`: a file of sysfs, procfs or another kernel file system, whose size is not its
 *   length (`fileSystem` says which); never read.
 * - `short-read`: `pread` hit the end of the file before the size seen at open: the file shrank
 *   while it was read (or, when its size did not change, its size is not its length).
 *
 * @example
 * ```ts
 * import type { MmapErrorCode } from "@corestack/mmap";
 *
 * const code: MmapErrorCode = "map-failed";
 * ```
 */
export type MmapErrorCode = "binding-unavailable" | "not-a-file" | "kernel-file" | "map-failed" | "short-read";

/** The fields of an {@linkcode MmapError} besides its message. */
interface MmapErrorInit {
  readonly code: MmapErrorCode;
  readonly path: string;
  readonly offset?: number;
  readonly errno?: number;
  readonly fileSystem?: string;
  readonly cause?: unknown;
}

/**
 * A file could not be read as asked: the error of `@corestack/mmap` for failures of the system
 * or of the binding. (Open failures such as `ENOENT` are Node's own `fs` errors; caller mistakes are
 * `RangeError`/`TypeError`.)
 *
 * Recognise it with {@linkcode MmapError.isInstance}, which also works when two copies of this
 * package meet in one process.
 *
 * @example
 * ```ts
 * import { MmapError, openFile } from "@corestack/mmap";
 *
 * try {
 *   openFile("/etc", { backend: "mmap" });
 * } catch (error) {
 *   if (MmapError.isInstance(error)) console.error(error.code, error.path); // not-a-file /etc
 * }
 * ```
 */
export class MmapError extends Error {
  /** Why it failed. */
  readonly code: MmapErrorCode;
  /** The file. */
  readonly path: string;
  /** The file offset involved, when there is one. */
  readonly offset: number | undefined;
  /** The system error number, when the system reported one. */
  readonly errno: number | undefined;
  /** `kernel-file`: the kernel file system the file is in (`sysfs`, `procfs`…). */
  readonly fileSystem: string | undefined;
  /** Marks instances across copies of this package; see {@linkcode MmapError.isInstance}. */
  readonly [MARKER] = true;

  /**
   * @param message What failed and where.
   * @param init The code, path and, when known, offset, errno, file system and cause.
   */
  constructor(message: string, init: MmapErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "MmapError";
    this.code = init.code;
    this.path = init.path;
    this.offset = init.offset;
    this.errno = init.errno;
    this.fileSystem = init.fileSystem;
  }

  /**
   * Tells whether `value` is an `MmapError` from any copy of this package.
   *
   * @param value Anything, typically a caught error.
   * @returns `true` when `value` carries the `corestack.error.MmapError` marker.
   * @example
   * ```ts
   * import { MmapError } from "@corestack/mmap";
   *
   * MmapError.isInstance(new Error("x")); // false
   * ```
   */
  static isInstance(value: unknown): value is MmapError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

const MARKER = Symbol.for("corestack.error.MemoryError");

/**
 * Thrown when a read asks for memory that the target does not hold: not dumped in the core,
 * not mapped, or not in any file backing the mapping.
 *
 * @example
 * ```ts
 * try { core.read(0x1000n, 8); } catch (error) {
 *   if (MemoryError.isInstance(error)) console.error(`no memory at 0x${error.address.toString(16)}`);
 * }
 * ```
 */
export class MemoryError extends Error {
  /** The first address that could not be read. */
  readonly address: bigint;
  /** How many bytes were asked for. */
  readonly length: number;
  readonly [MARKER] = true;

  /**
   * @param address the first address not available.
   * @param length the length of the read.
   * @param reason optional detail appended to the message.
   */
  constructor(address: bigint, length: number, reason?: string) {
    super(`Memory at 0x${address.toString(16)} (${length} bytes) is not in the target${reason ? `: ${reason}` : ""}`);
    this.name = "MemoryError";
    this.address = address;
    this.length = length;
  }

  /**
   * True for a MemoryError from any copy of this package.
   * @param value anything caught.
   * @returns whether `value` is a MemoryError.
   */
  static isInstance(value: unknown): value is MemoryError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/**
 * Memory of a process: a core, a live process, or a buffer in a test.
 */
export interface Memory {
  /**
   * Reads `length` bytes at `address`.
   * @throws {MemoryError} when any of the bytes is not available.
   */
  read(address: bigint, length: number): Uint8Array;
}

/**
 * A random-access view of some bytes: a file mapped with `mmap`, a buffer in a test, a window of
 * a larger source. Parsers in this package read only through this interface.
 *
 * @example
 * ```ts
 * import { bufferSource } from "@corestack/elf";
 * const source = bufferSource(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]));
 * source.bytes(1, 3); // Uint8Array [0x45, 0x4c, 0x46]
 * ```
 */
export interface ByteSource {
  /** Total number of bytes. */
  readonly size: number;
  /**
   * A zero-copy view of `length` bytes at `offset`, valid while the source is open.
   * @throws {RangeError} when the range is not inside `[0, size)`.
   */
  bytes(offset: number, length: number): Uint8Array;
}

/**
 * Wraps an in-memory buffer as a {@link ByteSource}.
 *
 * @param buffer the bytes; not copied.
 * @returns a source whose views share `buffer`'s memory.
 * @example
 * ```ts
 * const source = bufferSource(new Uint8Array(16));
 * source.size; // 16
 * ```
 */
export function bufferSource(buffer: Uint8Array): ByteSource {
  return {
    size: buffer.length,
    bytes(offset: number, length: number): Uint8Array {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > buffer.length) {
        throw new RangeError(`Range [${offset}, +${length}) is outside a source of ${buffer.length} bytes`);
      }
      return buffer.subarray(offset, offset + length);
    },
  };
}

/**
 * A random-access view of some bytes: a section of a memory-mapped file, a buffer in a test. The
 * same shape as `@corestack/elf`'s `ByteSource`, declared here so this package depends on nothing.
 *
 * @example
 * ```ts
 * const source: ByteSource = { size: bytes.length, bytes: (offset, length) => bytes.subarray(offset, offset + length) };
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

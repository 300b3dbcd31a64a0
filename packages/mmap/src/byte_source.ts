/**
 * The contract every corestack parser reads through: a file's bytes by offset.
 *
 * It is structural on purpose: `elf`, `dwarf` and the rest declare the same shape and accept
 * anything that has it (a mapped file, a `Uint8Array` wrapper in a unit test), so no package has
 * to depend on `@corestack/mmap` to read bytes.
 *
 * @example
 * ```ts
 * import type { ByteSource } from "@corestack/mmap";
 *
 * const data = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);
 * const source: ByteSource = {
 *   size: data.length,
 *   bytes: (offset, length) => data.subarray(offset, offset + length),
 * };
 * source.bytes(1, 3); // Uint8Array [0x45, 0x4c, 0x46]
 * ```
 */
export interface ByteSource {
  /** The number of bytes in the source; valid offsets are `0 ≤ offset ≤ size`. */
  readonly size: number;
  /**
   * Returns `length` bytes starting at `offset`, as a view that shares memory with the source
   * (no copy) wherever the source can. The view is valid while the source is open.
   *
   * @param offset Where the bytes start: an integer, `0 ≤ offset`.
   * @param length How many bytes: an integer, `offset + length ≤ size`.
   * @returns The bytes; do not write to them.
   * @throws {RangeError} When the range is not inside `[0, size]` or is not made of integers.
   */
  bytes(offset: number, length: number): Uint8Array;
}

import type { ByteSource } from "./byte_source.js";

/**
 * How a {@linkcode MappedFile} reads its bytes.
 *
 * - `"mmap"`: the file is mapped read-only (`PROT_READ`, `MAP_PRIVATE`) through `@riaskov/mmap-io`;
 *   `bytes()` returns views into the mapping.
 * - `"pread"`: the read-on-demand fallback; the file stays open and `bytes()` reads 64 KiB pages
 *   with `pread` into a bounded LRU cache, returning views into a cached page (or a copy when the
 *   range crosses pages).
 *
 * @example
 * ```ts
 * import { openFile, type Backend } from "@corestack/mmap";
 *
 * const backend: Backend = openFile("/usr/bin/env").backend; // "mmap" or "pread"
 * ```
 */
export type Backend = "mmap" | "pread";

/**
 * An open file as a {@linkcode ByteSource}, as returned by {@linkcode openFile} and
 * {@linkcode FileCache.open}.
 *
 * `bytes(offset, length)` returns a view that shares memory with the mapping (or with a cached
 * page for the `"pread"` backend). Two cases copy into a fresh buffer instead, because no single
 * piece of memory holds the range:
 * - a range that straddles two mapping windows (files larger than the window size are mapped in
 *   windows, see {@linkcode OpenFileOptions.windowSize});
 * - with the `"pread"` backend, a range that crosses a cache page.
 *
 * Views stay readable after `close()` (the memory is released when the last view is garbage
 * collected), but callers must treat them as valid only while the file is open.
 *
 * @example
 * ```ts
 * import { openFile } from "@corestack/mmap";
 *
 * const file = openFile("/usr/bin/env");
 * const magic = file.bytes(0, 4); // Uint8Array [0x7f, 0x45, 0x4c, 0x46]
 * console.log(file.backend, file.size, magic);
 * file.close();
 * ```
 */
export interface MappedFile extends ByteSource {
  /** The absolute path the file was opened by (the first one, when several name the same file). */
  readonly path: string;
  /** How this file reads its bytes. */
  readonly backend: Backend;
  /** Whether `close()` has been called. */
  readonly closed: boolean;
  /**
   * Returns `length` bytes at `offset` (see {@linkcode ByteSource.bytes}).
   *
   * @param offset Where the bytes start: an integer, `0 ≤ offset`.
   * @param length How many bytes: an integer, `offset + length ≤ size`.
   * @returns A view of the bytes (a copy only in the cases listed on {@linkcode MappedFile}).
   * @throws {RangeError} When the range is outside the file or not made of integers.
   * @throws {TypeError} When the file is closed.
   * @throws {MmapError} When a window cannot be mapped (`map-failed`) or the file shrank under
   *   the `"pread"` backend (`short-read`).
   */
  bytes(offset: number, length: number): Uint8Array;
  /**
   * Drops the mappings and cached pages, closes the file descriptor if one is still open, and
   * removes the file from its cache, so a later open maps the file again. Idempotent.
   *
   * @returns Nothing.
   */
  close(): void;
}

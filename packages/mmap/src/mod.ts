/**
 * A file's bytes as a zero-copy {@linkcode ByteSource}, through `mmap`.
 *
 * {@linkcode openFile} opens a file read-only, maps it (`PROT_READ`, `MAP_PRIVATE`) through the
 * `@riaskov/mmap-io` binding and closes the descriptor; `bytes(offset, length)` then returns views
 * into the mapping without a system call or a copy. Each file is opened once per run: opening it
 * again, by any path, returns the same object. Files larger than the window size (1 GiB) are mapped
 * in windows on first touch. When the binding cannot load (or `CORESTACK_NO_MMAP=1`), files are
 * read on demand with `pread` into a small page cache instead; {@linkcode mmapStatus} says which
 * and why.
 *
 * @example
 * ```ts
 * import { closeAllFiles, mmapStatus, openFile } from "@corestack/mmap";
 *
 * const file = openFile("/usr/bin/env");
 * const ident = file.bytes(0, 16); // e_ident, a view into the mapping
 * console.log(ident[0] === 0x7f, file.size, file.backend, mmapStatus().summary);
 * closeAllFiles();
 * ```
 *
 * @module
 */
export * from "./byte_source.js";
export * from "./file_cache.js";
export * from "./mapped_file.js";
export * from "./mmap_error.js";
export * from "./mmap_status.js";
export * from "./open_file.js";

import { FileCache, type OpenFileOptions } from "./file_cache.js";
import type { MappedFile } from "./mapped_file.js";

let shared: FileCache | undefined;

/**
 * Opens `path` read-only as a {@linkcode MappedFile} through the process-wide
 * {@linkcode FileCache}: opening the same file again (by any path) with the same options returns
 * the same object, so each file is opened and mapped once per run.
 *
 * @param path The file, absolute or relative to the working directory.
 * @param options Backend, window size and page cache settings ({@linkcode OpenFileOptions}).
 * @returns The open file.
 * @throws {Error} Node's `fs` error (`ENOENT`, `EACCES`…) when the file cannot be opened.
 * @throws {MmapError} `not-a-file`, `map-failed` or `binding-unavailable` (see
 *   {@linkcode FileCache.open}).
 * @throws {RangeError} For invalid options.
 * @example
 * ```ts
 * import { closeAllFiles, openFile } from "@corestack/mmap";
 *
 * const file = openFile("/usr/bin/env");
 * console.log(file === openFile("/usr/bin/env")); // true
 * console.log(file.bytes(0, 4)); // Uint8Array [127, 69, 76, 70]
 * closeAllFiles();
 * ```
 */
export function openFile(path: string, options?: OpenFileOptions): MappedFile {
  shared ??= new FileCache();
  return shared.open(path, options);
}

/**
 * Takes an open descriptor as a {@linkcode MappedFile} of the process-wide
 * {@linkcode FileCache} (see {@linkcode FileCache.openDescriptor}): for a file without a path,
 * such as an unlinked temporary file. {@linkcode closeAllFiles} closes it too.
 *
 * @param fd An open, readable descriptor of a regular file; the returned file owns it.
 * @param name What to call the file in messages.
 * @param options Backend, window size and page cache settings ({@linkcode OpenFileOptions}).
 * @returns The open file.
 * @throws {MmapError} `not-a-file`, `map-failed` or `binding-unavailable`.
 * @throws {RangeError} For invalid options.
 * @example
 * ```ts
 * import { openSync } from "node:fs";
 * import { closeAllFiles, openFileDescriptor } from "@corestack/mmap";
 *
 * const file = openFileDescriptor(openSync("/usr/bin/env", "r"), "env");
 * console.log(file.bytes(0, 4)); // Uint8Array [127, 69, 76, 70]
 * closeAllFiles();
 * ```
 */
export function openFileDescriptor(fd: number, name: string, options?: OpenFileOptions): MappedFile {
  shared ??= new FileCache();
  return shared.openDescriptor(fd, name, options);
}

/**
 * Closes every file opened with {@linkcode openFile}.
 *
 * @returns Nothing.
 * @example
 * ```ts
 * import { closeAllFiles, openFile } from "@corestack/mmap";
 *
 * const file = openFile("/usr/bin/env");
 * closeAllFiles();
 * console.log(file.closed); // true
 * ```
 */
export function closeAllFiles(): void {
  shared?.closeAll();
}

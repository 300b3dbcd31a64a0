import { closeSync, constants, fstatSync, openSync, statSync, statfsSync } from "node:fs";
import { resolve } from "node:path";
import type { Backend, MappedFile } from "./mapped_file.js";
import { MmapError } from "./mmap_error.js";
import { MmapFile } from "./_mmap_file.js";
import { PreadFile } from "./_pread_file.js";
import { resolveSettings } from "./_settings.js";
import { pauseAfterOpen } from "./_test_hook.js";

/**
 * File systems of the kernel's own (linux/magic.h) whose files' sizes are not their lengths: a
 * sysfs attribute says 4096 bytes and holds a few, most of /proc says 0 and holds more, and
 * reading some of them acts on a device. Never read as files.
 */
const KERNEL_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, "procfs"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
  [0x62656570, "configfs"],
  [0x0027e0eb, "cgroupfs"],
  [0x63677270, "cgroup2fs"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstorefs"],
  [0xcafe4a11, "bpffs"],
  [0xf97cff8c, "selinuxfs"],
  [0x43415d53, "smackfs"],
  [0x42494e4d, "binfmt_misc"],
  [0x65735543, "fusectl"],
]);

/** Linux's major device number of a `st_dev`: 0 for file systems without a block device. */
function majorOf(dev: bigint): bigint {
  return ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
}

/** The kernel file system `path` (on device `dev`) is in, or `undefined` for any other. */
function kernelFileSystem(path: string, dev: bigint): string | undefined {
  // Disk file systems have a block device (major ≠ 0): no statfs needed for them.
  if (majorOf(dev) !== 0n) return undefined;
  try {
    return KERNEL_FILE_SYSTEMS.get(Number(statfsSync(path).type));
  } catch {
    return undefined;
  }
}

/** Receives the errors of files {@linkcode FileCache.open} refused (see {@linkcode onRefusedFile}). */
export type RefusedFileListener = (error: MmapError) => void;
const refusedListeners = new Set<RefusedFileListener>();

/**
 * Calls `listener` with the `MmapError` of every file that {@linkcode openFile} or a
 * {@linkcode FileCache} refuses to open (`not-a-file`: a directory, FIFO or device; `kernel-file`:
 * a file of sysfs, procfs…), right before that error is thrown, including to callers that catch
 * it and try another file. A way to warn about a candidate skipped deep in a search.
 *
 * @param listener Called once per refusal.
 * @returns A function that removes the listener.
 * @example
 * ```ts
 * import { onRefusedFile, openFile } from "@corestack/mmap";
 *
 * const stop = onRefusedFile((error) => console.error(`warning: ${error.message}`));
 * try {
 *   openFile("/sys/kernel/mm/transparent_hugepage/enabled");
 * } catch {
 *   // warned already
 * }
 * stop();
 * ```
 */
export function onRefusedFile(listener: RefusedFileListener): () => void {
  refusedListeners.add(listener);
  return () => {
    refusedListeners.delete(listener);
  };
}

function refuse(error: MmapError): MmapError {
  for (const listener of [...refusedListeners]) listener(error);
  return error;
}

/**
 * Options of {@linkcode FileCache.open} and {@linkcode openFile}.
 *
 * @example
 * ```ts
 * import { openFile, type OpenFileOptions } from "@corestack/mmap";
 *
 * const options: OpenFileOptions = { backend: "pread", cachePages: 64 };
 * openFile("/usr/bin/env", options).backend; // "pread"
 * ```
 */
export interface OpenFileOptions {
  /**
   * `"auto"` (default): `"mmap"` when the native binding loads and the environment variable
   * `CORESTACK_NO_MMAP` is not set (to anything but `""` or `"0"`), else `"pread"`; also
   * `"pread"` for a file whose first mapping fails (a file system without mmap).
   * `"mmap"`: mmap or throw `MmapError` (`binding-unavailable`); ignores `CORESTACK_NO_MMAP`.
   * `"pread"`: the read-on-demand fallback.
   */
  readonly backend?: "auto" | Backend;
  /**
   * mmap backend: a file up to this many bytes is mapped whole; a larger one in windows of this
   * size, each mapped on first touch. A multiple of 64 KiB, at most what one Buffer holds and the
   * binding maps (`mmapStatus().maxWindowSize`: 2 GiB − 64 KiB with upstream's binding, whose
   * lengths are C `int`s; the largest Buffer, 4 GiB on Node 20, with the patched one). Default 1 GiB.
   */
  readonly windowSize?: number;
  /** pread backend (and unmappable windows): bytes per cached page. Default 64 KiB. */
  readonly cachePageSize?: number;
  /** pread backend (and unmappable windows): how many pages the LRU cache keeps. Default 256. */
  readonly cachePages?: number;
}

/**
 * Opens files once: the same path, or another path to the same file (same device and inode),
 * opened again with the same options returns the same {@linkcode MappedFile}.
 *
 * An open costs one `open`, one `fstat` and, for the mmap backend, one `mmap` and one `close`
 * (a file over the window size maps each window on first touch instead). Opening a path again
 * costs no system call; opening another path to an open file costs an `open`, `fstat` and `close`.
 * Reads cost no system call with the mmap backend. Closing a file removes it from the cache.
 *
 * {@linkcode openFile} uses one cache shared by the process; make a `FileCache` to scope files
 * to a task and release them together with {@linkcode FileCache.closeAll}.
 *
 * @example
 * ```ts
 * import { FileCache } from "@corestack/mmap";
 *
 * const files = new FileCache();
 * const a = files.open("/usr/bin/env");
 * const b = files.open("/usr/bin/../bin/env");
 * console.log(a === b, a.backend, a.bytes(0, 4)); // true "mmap" Uint8Array [127, 69, 76, 70]
 * files.closeAll();
 * ```
 */
export class FileCache {
  /** Options key + "\0" + absolute path → file. */
  readonly #byPath = new Map<string, MappedFile>();
  /** Options key + "\0" + dev:ino → file. */
  readonly #byIdentity = new Map<string, MappedFile>();

  /** How many files are open in this cache. */
  get count(): number {
    return this.#byIdentity.size;
  }

  /**
   * Opens `path` read-only as a {@linkcode MappedFile}, or returns the file already open under
   * the same options.
   *
   * @param path The file, absolute or relative to the working directory.
   * @param options Backend, window size and page cache settings.
   * @returns The open file.
   * @throws {Error} Node's `fs` error (`ENOENT`, `EACCES`…) when the file cannot be opened.
   * @throws {MmapError} `not-a-file` for a directory, pipe or device; `kernel-file` for a file of
   *   sysfs, procfs or another kernel file system (its size is not its length); `map-failed` when
   *   mapping fails with `backend: "mmap"`; `binding-unavailable` when `backend: "mmap"` cannot load.
   * @throws {RangeError} For invalid options.
   * @example
   * ```ts
   * import { FileCache } from "@corestack/mmap";
   *
   * const files = new FileCache();
   * const file = files.open("/usr/bin/env", { backend: "pread" });
   * console.log(file.backend, file.size);
   * files.closeAll();
   * ```
   */
  open(path: string, options: OpenFileOptions = {}): MappedFile {
    if (typeof path !== "string" || path === "") throw new TypeError(`Invalid path ${String(path)}: expected a file name`);
    const settings = resolveSettings(options);
    const absolute = resolve(path);
    const pathKey = `${settings.key}\0${absolute}`;
    const known = this.#byPath.get(pathKey);
    if (known !== undefined) return known;

    // Never open what is not a regular file: a FIFO would block the open forever, and opening a
    // device can act on it (paths come from the analysed core). O_NONBLOCK covers a swap in between.
    if (!statSync(absolute, { bigint: true }).isFile()) {
      throw refuse(new MmapError(`Cannot map ${absolute}: not a regular file`, { code: "not-a-file", path: absolute }));
    }
    const fd = openSync(absolute, constants.O_RDONLY | constants.O_NONBLOCK); // + O_CLOEXEC (libuv)
    let owned = false;
    try {
      const stat = fstatSync(fd, { bigint: true });
      if (!stat.isFile()) {
        throw refuse(new MmapError(`Cannot map ${absolute}: not a regular file`, { code: "not-a-file", path: absolute }));
      }
      // A regular file of sysfs or procfs: its size is made up (4096, or 0) and reading it can act
      // on a device. (One statfs, only for file systems without a block device.)
      const kernel = kernelFileSystem(absolute, stat.dev);
      if (kernel !== undefined) {
        throw refuse(
          new MmapError(`Cannot map ${absolute}: a file of ${kernel}, whose size (${stat.size} bytes) is not its length`, {
            code: "kernel-file",
            path: absolute,
            fileSystem: kernel,
          }),
        );
      }
      const identityKey = `${settings.key}\0${stat.dev}:${stat.ino}`;
      const same = this.#byIdentity.get(identityKey);
      if (same !== undefined) {
        this.#byPath.set(pathKey, same);
        return same;
      }
      if (stat.size > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new RangeError(`Cannot map ${absolute}: its size ${stat.size} is not a safe integer`);
      }
      const size = Number(stat.size);
      let file: MappedFile | undefined;
      const forget = (): void => {
        if (file !== undefined) this.#forget(file);
      };
      const pread = (): PreadFile => new PreadFile(absolute, fd, size, { pageSize: settings.pageSize, maxPages: settings.maxPages }, true, forget);
      if (settings.binding === undefined) {
        file = pread();
      } else {
        try {
          file = new MmapFile(absolute, fd, size, settings.binding, settings, forget);
        } catch (error) {
          if (settings.requested !== "auto" || !MmapError.isInstance(error) || error.code !== "map-failed") throw error;
          file = pread();
        }
      }
      owned = true;
      this.#byIdentity.set(identityKey, file);
      this.#byPath.set(pathKey, file);
      pauseAfterOpen(absolute);
      return file;
    } finally {
      if (!owned) closeSync(fd);
    }
  }

  /**
   * Takes an already-open descriptor and returns it as a {@linkcode MappedFile} of this cache: for
   * a file that has no path to open, such as an unlinked temporary file (corestack decompresses a
   * compressed core into one). One `fstat`, then the same mapping as {@linkcode FileCache.open}
   * (or the pread backend); the descriptor is not opened again. `name` stands for the path in
   * messages and in the SIGBUS guard's report, and is not looked up: opening `name` later opens
   * whatever file it names, not this one.
   *
   * @param fd An open descriptor, readable. When this returns, the file owns it (a mapped file
   *   closes it at once); when it throws, the caller still does.
   * @param name What to call the file in messages (`"core.zst (decompressed)"`).
   * @param options Backend, window size and page cache settings.
   * @returns The open file.
   * @throws {MmapError} `not-a-file` when `fd` is not a regular file; `map-failed` or
   *   `binding-unavailable` as {@linkcode FileCache.open}.
   * @throws {RangeError} For invalid options, or a file whose size is not a safe integer.
   * @example
   * ```ts
   * import { openSync, unlinkSync, writeFileSync } from "node:fs";
   * import { FileCache } from "@corestack/mmap";
   *
   * writeFileSync("/tmp/scratch", "bytes");
   * const fd = openSync("/tmp/scratch", "r");
   * unlinkSync("/tmp/scratch"); // the descriptor keeps the file
   * const files = new FileCache();
   * console.log(files.openDescriptor(fd, "scratch").bytes(0, 5)); // "bytes"
   * files.closeAll();
   * ```
   */
  openDescriptor(fd: number, name: string, options: OpenFileOptions = {}): MappedFile {
    if (!Number.isInteger(fd) || fd < 0) throw new TypeError(`Invalid file descriptor ${String(fd)}`);
    if (typeof name !== "string" || name === "") throw new TypeError(`Invalid name ${String(name)}: expected a file name`);
    const settings = resolveSettings(options);
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) throw refuse(new MmapError(`Cannot map ${name}: not a regular file`, { code: "not-a-file", path: name }));
    if (stat.size > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`Cannot map ${name}: its size ${stat.size} is not a safe integer`);
    const size = Number(stat.size);
    const identityKey = `${settings.key}\0${stat.dev}:${stat.ino}`;
    const same = this.#byIdentity.get(identityKey);
    if (same !== undefined) {
      // Open already (another descriptor of the same file): one object per file.
      closeSync(fd);
      return same;
    }
    let file: MappedFile | undefined;
    const forget = (): void => {
      if (file !== undefined) this.#forget(file);
    };
    const pread = (): PreadFile => new PreadFile(name, fd, size, { pageSize: settings.pageSize, maxPages: settings.maxPages }, true, forget);
    if (settings.binding === undefined) {
      file = pread();
    } else {
      try {
        file = new MmapFile(name, fd, size, settings.binding, settings, forget);
      } catch (error) {
        if (settings.requested !== "auto" || !MmapError.isInstance(error) || error.code !== "map-failed") throw error;
        file = pread();
      }
    }
    // Kept by identity only (closeAll() closes it); no path names it.
    this.#byIdentity.set(identityKey, file);
    return file;
  }

  /**
   * Closes every file of this cache (see {@linkcode MappedFile.close}).
   *
   * @returns Nothing.
   * @example
   * ```ts
   * import { FileCache } from "@corestack/mmap";
   *
   * const files = new FileCache();
   * files.open("/usr/bin/env");
   * files.closeAll();
   * console.log(files.count); // 0
   * ```
   */
  closeAll(): void {
    for (const file of [...this.#byIdentity.values()]) file.close();
  }

  #forget(file: MappedFile): void {
    for (const [key, value] of this.#byPath) if (value === file) this.#byPath.delete(key);
    for (const [key, value] of this.#byIdentity) if (value === file) this.#byIdentity.delete(key);
  }
}

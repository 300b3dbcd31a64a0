// The read-on-demand backend: the file stays open and is read with pread(2) into a bounded LRU
// cache of pages. Also reads the parts of a large file the mmap binding cannot map. Private.
import { closeSync, fstatSync, readSync } from "node:fs";
import type { MappedFile } from "./mapped_file.js";
import { MmapError } from "./mmap_error.js";
import { closedError, throwRange } from "./_range.js";

/** Page cache settings. */
export interface PreadSettings {
  /** Bytes per cached page. */
  readonly pageSize: number;
  /** How many pages the cache keeps (least recently used goes first). */
  readonly maxPages: number;
}

export class PreadFile implements MappedFile {
  readonly backend = "pread";
  readonly path: string;
  readonly size: number;
  #fd: number;
  readonly #ownsFd: boolean;
  readonly #pageSize: number;
  readonly #maxPages: number;
  /** Cached pages by index, least recently used first (a Map keeps insertion order). */
  readonly #pages = new Map<number, Uint8Array>();
  #lastIndex = -1;
  #lastPage: Uint8Array = new Uint8Array(0);
  #closed = false;
  readonly #onClose: (() => void) | undefined;

  /**
   * @param fd An open descriptor of `path`; closed by `close()` only when `ownsFd`.
   * @param onClose Called once by `close()`.
   */
  constructor(path: string, fd: number, size: number, settings: PreadSettings, ownsFd: boolean, onClose?: () => void) {
    this.path = path;
    this.size = size;
    this.#fd = fd;
    this.#ownsFd = ownsFd;
    this.#pageSize = settings.pageSize;
    this.#maxPages = settings.maxPages;
    this.#onClose = onClose;
    if (size === 0 && ownsFd) {
      // Nothing will ever be read.
      closeSync(fd);
      this.#fd = -1;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  bytes(offset: number, length: number): Uint8Array {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size && Number.isInteger(offset) && Number.isInteger(length))) {
      throwRange(this.path, this.size, offset, length);
    }
    return this.read(offset, length);
  }

  /** `bytes()` without the range check, for a range already known to be inside the file. */
  read(offset: number, length: number): Uint8Array {
    if (length === 0) {
      if (this.#closed) throw closedError(this.path);
      return new Uint8Array(0);
    }
    const pageSize = this.#pageSize;
    const index = Math.floor(offset / pageSize);
    const start = index * pageSize;
    const end = offset + length;
    if (end <= start + pageSize) {
      const page = index === this.#lastIndex ? this.#lastPage : this.#page(index);
      return new Uint8Array(page.buffer, page.byteOffset + offset - start, length);
    }
    // Crosses pages: one pread straight into a fresh buffer (and no cache churn for big reads).
    if (this.#closed) throw closedError(this.path);
    return this.#readInto(new Uint8Array(length), offset);
  }

  #page(index: number): Uint8Array {
    if (this.#closed) throw closedError(this.path);
    let page = this.#pages.get(index);
    if (page === undefined) {
      const start = index * this.#pageSize;
      page = this.#readInto(new Uint8Array(Math.min(this.#pageSize, this.size - start)), start);
      if (this.#pages.size >= this.#maxPages) {
        const oldest = this.#pages.keys().next();
        if (oldest.done !== true) this.#pages.delete(oldest.value);
      }
    } else {
      this.#pages.delete(index);
    }
    this.#pages.set(index, page);
    this.#lastIndex = index;
    this.#lastPage = page;
    return page;
  }

  #readInto(buffer: Uint8Array, position: number): Uint8Array {
    let done = 0;
    while (done < buffer.length) {
      // With a position, Node reads with pread(2): no seek, no shared file offset.
      const count = readSync(this.#fd, buffer, done, buffer.length - done, position + done);
      if (count === 0) throw this.#shortRead(position + done);
      done += count;
    }
    return buffer;
  }

  /** The error for a read that came back empty at `offset`, inside the size seen at open. */
  #shortRead(offset: number): MmapError {
    const now = Number(fstatSync(this.#fd, { bigint: true }).size);
    if (now < this.size) {
      return new MmapError(
        `${this.path} changed while it was read (it is now shorter): it had ${this.size} bytes when opened, ` +
          `${now} now; reading offset 0x${offset.toString(16)} failed`,
        { code: "short-read", path: this.path, offset },
      );
    }
    // The size did not change: the file system reports a size the file does not have.
    return new MmapError(`${this.path} is shorter than its size says: fstat gives ${now} bytes, reading offset 0x${offset.toString(16)} finds its end`, {
      code: "short-read",
      path: this.path,
      offset,
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pages.clear();
    this.#lastIndex = -1;
    this.#lastPage = new Uint8Array(0);
    if (this.#ownsFd && this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    this.#onClose?.();
  }
}

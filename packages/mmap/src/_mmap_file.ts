// The mmap backend. Private to this package.
import { closeSync } from "node:fs";
import { createRequire } from "node:module";
import type { MappedFile } from "./mapped_file.js";
import { MmapError } from "./mmap_error.js";
import { mapLimits, type Binding } from "./_binding.js";
import { PreadFile, type PreadSettings } from "./_pread_file.js";
import { closedError, throwRange } from "./_range.js";

/** Mapping settings. */
export interface MmapSettings extends PreadSettings {
  /** Files up to this size are mapped whole; larger ones in windows of this size (64 KiB multiple). */
  readonly windowSize: number;
}

/**
 * `node:os`, loaded only here, on an error path: importing it would load it at every start
 * (`process.getBuiltinModule`, Node ≥ 20.16, is a lookup; else a `require`).
 */
function nodeOs(): typeof import("node:os") {
  return process.getBuiltinModule?.("node:os") ?? (createRequire(import.meta.url)("node:os") as typeof import("node:os"));
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(nodeOs().constants.errno)) if (value === errno) return ` (${name})`;
  return "";
}

/**
 * Maps `length` bytes of `fd` at `offset` (page-aligned) and returns a view of the whole mapping.
 * `path` and `fileSize` go to the patched binding's SIGBUS guard.
 */
function mapRange(binding: Binding, path: string, fileSize: number, fd: number, offset: number, length: number): Uint8Array {
  let buffer: Uint8Array | SharedArrayBuffer;
  try {
    // Upstream's binding reads a 7th argument as a Windows mapping name: pass the guard's only to
    // the patched one.
    buffer =
      binding.CORESTACK_PATCH === undefined
        ? binding.map(length, binding.PROT_READ, binding.MAP_PRIVATE, fd, offset)
        : binding.CORESTACK_PATCH < 2
          ? binding.map(length, binding.PROT_READ, binding.MAP_PRIVATE, fd, offset, 0, path, fileSize)
          : binding.map(length, binding.PROT_READ, binding.MAP_PRIVATE, fd, offset, 0, path, fileSize, true);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const found = /(\d+)\s*$/.exec(text);
    const errno = found === null ? undefined : Number(found[1]);
    throw new MmapError(
      `Cannot map ${length} bytes at offset 0x${offset.toString(16)} of ${path}: ${text}${errno === undefined ? "" : errnoName(errno)}`,
      errno === undefined ? { code: "map-failed", path, offset, cause: error } : { code: "map-failed", path, offset, errno, cause: error },
    );
  }
  // A plain Uint8Array (not a Buffer) over the mapping: its subarrays are plain Uint8Arrays too.
  // Patch 2 maps into a SharedArrayBuffer (not counted as external memory by V8's GC heuristics).
  if (!ArrayBuffer.isView(buffer)) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * A file read through `mmap`. A file no larger than the window size is mapped whole at open and
 * its descriptor closed at once. A larger file is mapped in windows, each on first touch; the
 * descriptor stays open until every window is mapped (or `close()`). Windows that start past
 * what the binding can map (`mapLimits(binding).maxOffset`: 2 GiB − 1 with upstream's binding, no
 * limit with the patched one) are read on demand through a `PreadFile` that shares the descriptor.
 *
 * With the patched binding, every mapping is guarded: if the file shrinks and a read touches a
 * page past its new end (SIGBUS), the process prints one line naming the file and exits with
 * code 3 instead of dying of the signal.
 */
export class MmapFile implements MappedFile {
  readonly backend = "mmap";
  readonly path: string;
  readonly size: number;
  readonly #binding: Binding;
  #fd: number;
  /** The mapping's memory when the file is one window; `undefined` when windowed (or closed). */
  #whole: ArrayBufferLike | undefined;
  /** Where the mapping starts in `#whole` (0 for the binding's Buffers). */
  #wholeOffset = 0;
  readonly #windowSize: number;
  /** By window index: its mapping; `null`: read on demand; `undefined`: not mapped yet. */
  #windows: (Uint8Array | null | undefined)[] = [];
  #unmapped = 0;
  readonly #pread: PreadFile | undefined;
  #closed = false;
  readonly #onClose: (() => void) | undefined;

  /**
   * @param fd An open read-only descriptor of `path`. When the constructor returns, the file owns
   *   it; when it throws, the caller still does.
   * @param onClose Called once by `close()`.
   * @throws {MmapError} `map-failed` when the first mapping fails.
   */
  constructor(path: string, fd: number, size: number, binding: Binding, settings: MmapSettings, onClose?: () => void) {
    this.path = path;
    this.size = size;
    this.#binding = binding;
    this.#fd = fd;
    this.#windowSize = settings.windowSize;
    this.#onClose = onClose;
    if (size <= settings.windowSize) {
      // mmap(2) rejects a zero length: an empty file needs no mapping.
      const mapping = size === 0 ? new Uint8Array(0) : mapRange(binding, path, size, fd, 0, size);
      this.#whole = mapping.buffer;
      this.#wholeOffset = mapping.byteOffset;
      this.#fd = -1;
      closeSync(fd);
      this.#pread = undefined;
      return;
    }
    const count = Math.ceil(size / settings.windowSize);
    const mappable = Math.min(count, Math.floor(mapLimits(binding).maxOffset / settings.windowSize) + 1);
    this.#windows = new Array<Uint8Array | null | undefined>(count).fill(undefined, 0, mappable).fill(null, mappable);
    this.#unmapped = mappable;
    this.#pread = mappable < count ? new PreadFile(path, fd, size, settings, false) : undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  bytes(offset: number, length: number): Uint8Array {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size && Number.isInteger(offset) && Number.isInteger(length))) {
      throwRange(this.path, this.size, offset, length);
    }
    const whole = this.#whole;
    // The constructor makes a view about twice as fast as subarray() (no species lookup).
    if (whole !== undefined) return new Uint8Array(whole, this.#wholeOffset + offset, length);
    return this.#fromWindows(offset, length);
  }

  #fromWindows(offset: number, length: number): Uint8Array {
    if (this.#closed) throw closedError(this.path);
    if (length === 0) return new Uint8Array(0);
    const windowSize = this.#windowSize;
    const index = Math.floor(offset / windowSize);
    const start = index * windowSize;
    const end = offset + length;
    if (end <= start + windowSize) return this.#piece(index, start, offset, end);
    // The range straddles windows: no single mapping holds it, so copy it into a fresh buffer.
    const copy = new Uint8Array(length);
    for (let position = offset, current = index; position < end; current++) {
      const windowStart = current * windowSize;
      const pieceEnd = Math.min(windowStart + windowSize, end);
      copy.set(this.#piece(current, windowStart, position, pieceEnd), position - offset);
      position = pieceEnd;
    }
    return copy;
  }

  /** Bytes `[from, to)` of window `index`, which starts at `windowStart`. */
  #piece(index: number, windowStart: number, from: number, to: number): Uint8Array {
    let window = this.#windows[index];
    if (window === undefined) window = this.#map(index, windowStart);
    if (window === null) return (this.#pread as PreadFile).read(from, to - from);
    return new Uint8Array(window.buffer, window.byteOffset + from - windowStart, to - from);
  }

  #map(index: number, start: number): Uint8Array {
    const window = mapRange(this.#binding, this.path, this.size, this.#fd, start, Math.min(this.#windowSize, this.size - start));
    this.#windows[index] = window;
    this.#unmapped -= 1;
    if (this.#unmapped === 0 && this.#pread === undefined) {
      closeSync(this.#fd);
      this.#fd = -1;
    }
    return window;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The binding has no munmap: a mapping is unmapped when its last view is garbage collected.
    this.#whole = undefined;
    this.#windows = [];
    this.#pread?.close();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    this.#onClose?.();
  }
}

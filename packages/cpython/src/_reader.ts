import type { PythonTarget } from "./python_target.js";

/** Raised inside the walker when memory is unreadable or a value fails validation. @internal */
export class WalkError extends Error {
  readonly address: bigint;
  constructor(message: string, address: bigint) {
    super(message);
    this.address = address;
  }
}

const MEMORY_ERROR = Symbol.for("corestack.error.MemoryError");

/**
 * Whether an error says memory is not in the target: `@corestack/elf`'s `MemoryError` (or any
 * error carrying its `Symbol.for` marker; this package does not depend on elf). @internal
 */
export function isMemoryError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[MEMORY_ERROR] === true;
}

/** The page size C strings are read by: no smaller than any target's. */
const PAGE = 4096;
const PAGE_MASK = BigInt(PAGE - 1);
const UTF8 = new TextDecoder("utf-8");

/**
 * Typed little-endian reads over a target, turning memory the target lacks into a WalkError. Any
 * other error from the target is a bug, not unreadable memory: it propagates (the CLI reports an
 * internal error) rather than being shown as a corrupt stack. @internal
 */
export class Reader {
  readonly target: PythonTarget;
  constructor(target: PythonTarget) {
    this.target = target;
  }
  bytes(address: bigint, length: number, what: string): Uint8Array {
    if (address === 0n) throw new WalkError(`NULL ${what}`, address);
    try {
      return this.target.read(address, length);
    } catch (error) {
      if (!isMemoryError(error)) throw error;
      throw new WalkError(`cannot read ${what} at 0x${address.toString(16)}`, address);
    }
  }
  /** The DataView of the last buffer read from (reads come from a few mapped buffers). */
  #viewBuffer: ArrayBufferLike | undefined;
  #viewOfBuffer: DataView | undefined;
  /**
   * A DataView over the whole buffer of `bytes` (read at `bytes.byteOffset`): the last one made is
   * reused, so a read makes no DataView of its own (an allocation and a call into C++ each).
   */
  #view(bytes: Uint8Array): DataView {
    const buffer = bytes.buffer;
    if (buffer !== this.#viewBuffer || this.#viewOfBuffer === undefined) {
      this.#viewBuffer = buffer;
      this.#viewOfBuffer = new DataView(buffer);
    }
    return this.#viewOfBuffer;
  }
  ptr(address: bigint, what: string): bigint {
    const b = this.bytes(address, 8, what);
    return this.#view(b).getBigUint64(b.byteOffset, true);
  }
  f64(address: bigint, what: string): number {
    const b = this.bytes(address, 8, what);
    return this.#view(b).getFloat64(b.byteOffset, true);
  }
  u64(address: bigint, what: string): bigint {
    const b = this.bytes(address, 8, what);
    return this.#view(b).getBigUint64(b.byteOffset, true);
  }
  i64(address: bigint, what: string): bigint {
    const b = this.bytes(address, 8, what);
    return this.#view(b).getBigInt64(b.byteOffset, true);
  }
  u32(address: bigint, what: string): number {
    const b = this.bytes(address, 4, what);
    return this.#view(b).getUint32(b.byteOffset, true);
  }
  i32(address: bigint, what: string): number {
    const b = this.bytes(address, 4, what);
    return this.#view(b).getInt32(b.byteOffset, true);
  }
  u16(address: bigint, what: string): number {
    const b = this.bytes(address, 2, what);
    return this.#view(b).getUint16(b.byteOffset, true);
  }
  u8(address: bigint, what: string): number {
    return this.bytes(address, 1, what)[0]!;
  }
  /** A NUL-terminated string of at most `max` bytes, read in small chunks. */
  cString(address: bigint, max: number, what: string): string {
    // Read up to the end of the page at a time, not a byte at a time (a process's memory is
    // readable or not by whole pages); where that fails, byte by byte, up to the first byte that
    // cannot be read, whose error is the answer as before.
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let at = address; length < max; ) {
      const room = Math.min(max - length, PAGE - Number(at & PAGE_MASK));
      let chunk: Uint8Array;
      try {
        chunk = this.bytes(at, room, what);
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        chunk = this.bytes(at, 1, what);
      }
      const end = chunk.indexOf(0);
      if (end >= 0) {
        parts.push(chunk.subarray(0, end));
        length += end;
        break;
      }
      parts.push(chunk);
      length += chunk.length;
      at += BigInt(chunk.length);
    }
    if (parts.length === 1) return UTF8.decode(parts[0]!);
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return UTF8.decode(bytes);
  }
}

/**
 * The first bytes of a struct, read at once when they can be (one read instead of one per field);
 * else each field is read on its own, and its error names it.
 */
export class StructHead {
  readonly #reader: Reader;
  readonly #address: bigint;
  readonly #view: DataView | undefined;
  /**
   * @param reader where to read.
   * @param address the struct's address.
   * @param size bytes read at once: up to the end of the last field asked for.
   */
  constructor(reader: Reader, address: bigint, size: number) {
    this.#reader = reader;
    this.#address = address;
    let view: DataView | undefined;
    if (address !== 0n) {
      try {
        const bytes = reader.bytes(address, size, "struct");
        view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    this.#view = view;
  }
  ptr(offset: number, what: string): bigint {
    return this.#view !== undefined ? this.#view.getBigUint64(offset, true) : this.#reader.ptr(this.#address + BigInt(offset), what);
  }
  i64(offset: number, what: string): bigint {
    return this.#view !== undefined ? this.#view.getBigInt64(offset, true) : this.#reader.i64(this.#address + BigInt(offset), what);
  }
  i32(offset: number, what: string): number {
    return this.#view !== undefined ? this.#view.getInt32(offset, true) : this.#reader.i32(this.#address + BigInt(offset), what);
  }
  u8(offset: number, what: string): number {
    return this.#view !== undefined ? this.#view.getUint8(offset) : this.#reader.u8(this.#address + BigInt(offset), what);
  }
}

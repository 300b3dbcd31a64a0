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
  #view(address: bigint, length: number, what: string): DataView {
    const b = this.bytes(address, length, what);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  ptr(address: bigint, what: string): bigint {
    return this.#view(address, 8, what).getBigUint64(0, true);
  }
  f64(address: bigint, what: string): number {
    return this.#view(address, 8, what).getFloat64(0, true);
  }
  u64(address: bigint, what: string): bigint {
    return this.#view(address, 8, what).getBigUint64(0, true);
  }
  i64(address: bigint, what: string): bigint {
    return this.#view(address, 8, what).getBigInt64(0, true);
  }
  u32(address: bigint, what: string): number {
    return this.#view(address, 4, what).getUint32(0, true);
  }
  i32(address: bigint, what: string): number {
    return this.#view(address, 4, what).getInt32(0, true);
  }
  u16(address: bigint, what: string): number {
    return this.#view(address, 2, what).getUint16(0, true);
  }
  u8(address: bigint, what: string): number {
    return this.#view(address, 1, what).getUint8(0);
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

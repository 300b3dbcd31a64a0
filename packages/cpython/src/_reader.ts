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
    const parts: number[] = [];
    for (let at = address; parts.length < max; ) {
      const chunk = this.bytes(at, 1, what);
      if (chunk[0] === 0) break;
      parts.push(chunk[0]!);
      at += 1n;
    }
    return new TextDecoder("utf-8").decode(new Uint8Array(parts));
  }
}

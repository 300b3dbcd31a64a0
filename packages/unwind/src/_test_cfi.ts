// Test support: hand-built .debug_frame bytes (CIE version 1, 64-bit addresses, little-endian)
// and a memory of a few byte ranges, for the unwinder's tests on synthetic CFI.
import { CallFrameInfo, bufferSource } from "@corestack/dwarf";
import { type Memory, MemoryError } from "@corestack/elf";

export function uleb(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest !== 0n ? byte | 0x80 : byte);
  } while (rest !== 0n);
  return out;
}

export function sleb(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function le(value: number | bigint, size: number): number[] {
  let rest = BigInt.asUintN(size * 8, BigInt(value));
  const out: number[] = [];
  for (let index = 0; index < size; index++) {
    out.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}

/** One FDE: its range and instructions. */
export interface TestFde {
  readonly start: bigint;
  readonly end: bigint;
  readonly instructions: readonly number[];
}

/**
 * A `.debug_frame` of one CIE (code alignment 1, data alignment -8, the given return-address
 * column and initial instructions) and the FDEs, as `CallFrameInfo`.
 */
export function debugFrame(options: { returnAddressRegister: number; initial: readonly number[]; fdes: readonly TestFde[] }): CallFrameInfo {
  const bytes: number[] = [];
  const cieBody = [...le(0xffffffff, 4), 1, 0, ...uleb(1), ...sleb(-8), options.returnAddressRegister, ...options.initial];
  bytes.push(...le(cieBody.length, 4), ...cieBody);
  for (const fde of options.fdes) {
    const body = [...le(0, 4), ...le(fde.start, 8), ...le(fde.end - fde.start, 8), ...fde.instructions];
    bytes.push(...le(body.length, 4), ...body);
  }
  return CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(Uint8Array.from(bytes)), littleEndian: true, addressSize: 8 });
}

/** Memory made of byte ranges; anything else is a `MemoryError`. */
export class TestMemory implements Memory {
  readonly #ranges: { start: bigint; bytes: Uint8Array }[] = [];

  /** Adds a range of 64-bit little-endian words at `start`. */
  words(start: bigint, words: readonly bigint[]): this {
    const bytes = new Uint8Array(words.length * 8);
    const view = new DataView(bytes.buffer);
    words.forEach((word, index) => view.setBigUint64(index * 8, BigInt.asUintN(64, word), true));
    this.#ranges.push({ start, bytes });
    return this;
  }

  /** Adds raw bytes at `start`. */
  bytes(start: bigint, bytes: Uint8Array): this {
    this.#ranges.push({ start, bytes });
    return this;
  }

  read(address: bigint, length: number): Uint8Array {
    for (const range of this.#ranges) {
      const offset = address - range.start;
      if (offset >= 0n && offset + BigInt(length) <= BigInt(range.bytes.length)) return range.bytes.subarray(Number(offset), Number(offset) + length);
    }
    throw new MemoryError(address, length);
  }
}

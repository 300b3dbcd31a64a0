import type { PythonTarget, TargetModule } from "./python_target.js";

/** A hand-built process image for unit tests: regions of bytes at chosen addresses, and symbols. */
export class TestMemory implements PythonTarget {
  readonly #regions: { start: bigint; bytes: Uint8Array }[] = [];
  readonly #symbols = new Map<string, bigint>();
  readonly #modules: TargetModule[] = [{ path: "/usr/lib/libpython3.12.so.1.0" }];
  #next = 0x10000n;
  readonly tids: { tid: number; registers: Record<string, bigint> }[] = [];

  /** Allocates `size` zeroed bytes (16-aligned) and returns their address. */
  alloc(size: number): bigint {
    const start = this.#next;
    this.#regions.push({ start, bytes: new Uint8Array(size) });
    this.#next += BigInt((size + 15) & ~15) + 16n;
    return start;
  }
  #at(address: bigint, length: number): Uint8Array {
    for (const r of this.#regions) {
      if (address >= r.start && address + BigInt(length) <= r.start + BigInt(r.bytes.length)) {
        const offset = Number(address - r.start);
        return r.bytes.subarray(offset, offset + length);
      }
    }
    throw Object.assign(new Error(`no memory at 0x${address.toString(16)}`), { [Symbol.for("corestack.error.MemoryError")]: true });
  }
  u8(address: bigint, value: number): void {
    this.#at(address, 1)[0] = value;
  }
  u32(address: bigint, value: number): void {
    const b = this.#at(address, 4);
    new DataView(b.buffer, b.byteOffset, 4).setUint32(0, value, true);
  }
  u64(address: bigint, value: bigint): void {
    const b = this.#at(address, 8);
    new DataView(b.buffer, b.byteOffset, 8).setBigUint64(0, value, true);
  }
  set(address: bigint, bytes: Uint8Array): void {
    this.#at(address, bytes.length).set(bytes);
  }
  forget(name: string): void {
    this.#symbols.delete(name);
  }
  symbol(name: string, address: bigint): void {
    this.#symbols.set(name, address);
  }

  /** Every allocated range, as the exhaustive scan reads a core's writable segments (views, not copies). */
  scanRegions(): { address: bigint; size: number; bytes(offset: number, length: number): Uint8Array }[] {
    return this.#regions.map((r) => ({ address: r.start, size: r.bytes.length, bytes: (offset, length) => r.bytes.subarray(offset, offset + length) }));
  }

  read(address: bigint, length: number): Uint8Array {
    return this.#at(address, length);
  }
  findSymbol(name: string): { address: bigint; size: bigint; module: TargetModule } | undefined {
    const address = this.#symbols.get(name);
    return address === undefined ? undefined : { address, size: 8n, module: this.#modules[0]! };
  }
  modules(): readonly TargetModule[] {
    return this.#modules;
  }
  threads(): readonly { tid: number; registers: Record<string, bigint> }[] {
    return this.tids;
  }
}

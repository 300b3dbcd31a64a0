import fc from "fast-check";
import { MemoryError, type Memory } from "@corestack/elf";
import { describe, expect, it } from "vitest";
import { readLinkMap } from "./link_map.js";

/** Memory made of one region of arbitrary bytes; everything else is missing. */
function region(start: bigint, bytes: Uint8Array): Memory {
  return {
    read(address, length) {
      if (address < start || address + BigInt(length) > start + BigInt(bytes.length)) throw new MemoryError(address, length);
      const offset = Number(address - start);
      return bytes.subarray(offset, offset + length);
    },
  };
}

describe("readLinkMap() on arbitrary memory", () => {
  it("returns a bounded list (never throws, never loops) whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.integer({ min: 0, max: 64 }), (bytes, phnum) => {
        const started = Date.now();
        const entries = readLinkMap(region(0x1000n, bytes), { phdr: 0x1000n, phnum: BigInt(phnum) });
        expect(Array.isArray(entries)).toBe(true);
        expect(entries.length).toBeLessThanOrEqual(4096);
        expect(Date.now() - started).toBeLessThan(2000);
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it("follows a hand-built chain and stops at a cycle", () => {
    // One page: program headers (PT_PHDR, PT_DYNAMIC) at 0x1000, dynamic section at 0x1100,
    // r_debug at 0x1200, two link_map entries at 0x1300 and 0x1340 whose l_next loops.
    const bytes = new Uint8Array(0x1000);
    const view = new DataView(bytes.buffer);
    const u64 = (at: number, value: bigint) => view.setBigUint64(at - 0x1000, value, true);
    const u32 = (at: number, value: number) => view.setUint32(at - 0x1000, value, true);
    u32(0x1000, 6); // PT_PHDR
    u64(0x1000 + 16, 0x40n); // p_vaddr: bias = 0x1000 - 0x40
    u32(0x1038, 2); // PT_DYNAMIC
    u64(0x1038 + 16, 0x1100n - 0xfc0n); // p_vaddr, so that vaddr + bias = 0x1100
    u64(0x1100, 21n); // DT_DEBUG
    u64(0x1108, 0x1200n);
    u64(0x1208, 0x1300n); // r_map
    const name = 0x1400;
    new TextEncoder().encodeInto("/lib/libdemo.so", bytes.subarray(name - 0x1000));
    u64(0x1300, 0x7f00n); // l_addr
    u64(0x1308, BigInt(name)); // l_name
    u64(0x1318, 0x1340n); // l_next
    u64(0x1340, 0x8000n);
    u64(0x1358, 0x1300n); // loops back to the first entry
    const entries = readLinkMap(region(0x1000n, bytes), { phdr: 0x1000n, phnum: 2n });
    expect(entries.map((e) => [e.name, e.bias])).toEqual([
      ["/lib/libdemo.so", 0x7f00n],
      ["", 0x8000n],
    ]);
  });
});

import fc from "fast-check";
import { MemoryError, type Memory } from "@corestack/elf";
import { describe, expect, it } from "vitest";
import { MAX_LINK_MAP_ENTRIES, readLinkMap } from "./link_map.js";

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

/**
 * Memory reads per link_map entry at most: three pointers, then a name of up to 4 097 bytes: one
 * read to the end of the page, and where it fails 64-byte chunks, the last 64 bytes before missing
 * memory byte by byte (two reads each).
 */
const READS_PER_ENTRY = 3 + 1 + Math.ceil(4097 / 64) + 2 * 64;

describe("readLinkMap() on arbitrary memory", () => {
  it("returns a bounded list (never throws, never loops) whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), fc.integer({ min: 0, max: 64 }), (bytes, phnum) => {
        const memory = region(0x1000n, bytes);
        let reads = 0;
        const counted: Memory = {
          read(address, length) {
            reads++;
            return memory.read(address, length);
          },
        };
        const { entries, problems } = readLinkMap(counted, { phdr: 0x1000n, phnum: BigInt(phnum) });
        expect(Array.isArray(entries)).toBe(true);
        expect(entries.length).toBeLessThanOrEqual(MAX_LINK_MAP_ENTRIES);
        for (const problem of problems) expect(typeof problem).toBe("string");
        // The reads made, not the time taken: the headers, the dynamic section (16-byte entries of
        // the region), then a bounded number per entry listed.
        expect(reads).toBeLessThanOrEqual(8 + bytes.length / 16 + READS_PER_ENTRY * (entries.length + 1));
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  /**
   * Memory holding program headers (PT_PHDR, PT_DYNAMIC) at 0x1000, a dynamic section at 0x1100,
   * r_debug at 0x1200 and `count` link_map entries of 0x40 bytes from 0x10000, each named
   * "/lib/libN.so" (names from 0x100000), each l_next the following entry; `last` is the last
   * entry's l_next.
   */
  function linkMapMemory(count: number, last = 0n): { bytes: Uint8Array; memory: Memory; set: (at: number, value: bigint) => void } {
    const size = 0x100000 + count * 0x20 + 0x100;
    const bytes = new Uint8Array(size - 0x1000);
    const view = new DataView(bytes.buffer);
    const set = (at: number, value: bigint) => view.setBigUint64(at - 0x1000, value, true);
    const u32 = (at: number, value: number) => view.setUint32(at - 0x1000, value, true);
    u32(0x1000, 6); // PT_PHDR
    set(0x1000 + 16, 0x40n); // p_vaddr: bias = 0x1000 - 0x40
    u32(0x1038, 2); // PT_DYNAMIC
    set(0x1038 + 16, 0x1100n - 0xfc0n); // p_vaddr, so that vaddr + bias = 0x1100
    set(0x1100, 21n); // DT_DEBUG
    set(0x1108, 0x1200n);
    set(0x1208, count > 0 ? 0x10000n : 0n); // r_map
    for (let i = 0; i < count; i++) {
      const entry = 0x10000 + i * 0x40;
      const name = 0x100000 + i * 0x20;
      new TextEncoder().encodeInto(`/lib/lib${i}.so`, bytes.subarray(name - 0x1000));
      set(entry, BigInt(0x7f0000 + i * 0x1000)); // l_addr
      set(entry + 8, BigInt(name)); // l_name
      set(entry + 24, i + 1 < count ? BigInt(entry + 0x40) : last); // l_next
    }
    return { bytes, memory: region(0x1000n, bytes), set };
  }
  const AUXV = { phdr: 0x1000n, phnum: 2n };

  it("reads a whole chain with no problem", () => {
    const { memory } = linkMapMemory(3);
    expect(readLinkMap(memory, AUXV)).toEqual({
      entries: [0, 1, 2].map((i) => ({ name: `/lib/lib${i}.so`, bias: BigInt(0x7f0000 + i * 0x1000), dynamic: 0n })),
      problems: [],
    });
  });

  it("stops at a cycle and says where it loops", () => {
    const { memory } = linkMapMemory(3, 0x10040n);
    const { entries, problems } = readLinkMap(memory, AUXV);
    expect(entries.map((e) => e.name)).toEqual(["/lib/lib0.so", "/lib/lib1.so", "/lib/lib2.so"]);
    expect(problems).toEqual(["the link map loops back to 0x10040 after 3 entries"]);
  });

  it(`stops after ${MAX_LINK_MAP_ENTRIES} entries and says so`, () => {
    const { memory } = linkMapMemory(MAX_LINK_MAP_ENTRIES + 5);
    const { entries, problems } = readLinkMap(memory, AUXV);
    expect(entries).toHaveLength(MAX_LINK_MAP_ENTRIES);
    expect(problems).toEqual([`the link map has more than ${MAX_LINK_MAP_ENTRIES} entries: the rest are not checked`]);
  });

  it("keeps the entries before one that cannot be read, and says so", () => {
    const { memory } = linkMapMemory(2, 0x7777_0000n);
    const { entries, problems } = readLinkMap(memory, AUXV);
    expect(entries).toHaveLength(2);
    expect(problems).toEqual(["link map entry at 0x77770000 cannot be read: the 2 entries before it are checked"]);
  });

  it("cuts a name without an end at 4096 bytes and says so; reads a name that ends just before missing memory", () => {
    const { bytes, memory, set } = linkMapMemory(2);
    const long = 0x20000;
    bytes.fill(0x61, long - 0x1000, long - 0x1000 + 5000);
    set(0x10000 + 8, BigInt(long));
    // The second name ends 3 bytes before the end of the region: a 64-byte read there fails.
    const end = 0x1000 + bytes.length;
    new TextEncoder().encodeInto("/x.so", bytes.subarray(end - 0x1000 - 6));
    bytes[end - 0x1000 - 1] = 0;
    set(0x10040 + 8, BigInt(end - 6));
    const { entries, problems } = readLinkMap(memory, AUXV);
    expect(entries.map((e) => e.name.length)).toEqual([4096, 5]);
    expect(entries[1]!.name).toBe("/x.so");
    expect(problems).toEqual(["link map entry at 0x10000 has a name longer than 4096 bytes: cut"]);
  });

  it("reads a name of exactly 4096 bytes whole, cuts one of 4097, and reads a name within a page in one read", () => {
    const { bytes, memory, set } = linkMapMemory(3);
    const exact = 0x30000;
    bytes.fill(0x62, exact - 0x1000, exact - 0x1000 + 4096);
    set(0x10000 + 8, BigInt(exact));
    const over = 0x40000;
    bytes.fill(0x63, over - 0x1000, over - 0x1000 + 4097);
    set(0x10040 + 8, BigInt(over));
    // The third name in the middle of a page the memory holds whole.
    const inPage = 0x50000 + 0x123;
    new TextEncoder().encodeInto("/lib/lib2.so", bytes.subarray(inPage - 0x1000));
    set(0x10080 + 8, BigInt(inPage));
    const reads: bigint[] = [];
    const counted: Memory = {
      read(address, length) {
        reads.push(address);
        return memory.read(address, length);
      },
    };
    const { entries, problems } = readLinkMap(counted, AUXV);
    expect(entries.map((e) => e.name.length)).toEqual([4096, 4096, "/lib/lib2.so".length]);
    expect(entries[0]!.name).toBe("b".repeat(4096));
    expect(problems).toEqual(["link map entry at 0x10040 has a name longer than 4096 bytes: cut"]);
    // The third name, well inside its page: one read.
    expect(reads.filter((address) => address >= BigInt(inPage) && address < BigInt(inPage + 0x1000))).toEqual([BigInt(inPage)]);
  });

  it("refuses an AT_PHNUM over 256 with a problem, and reads nothing without r_debug", () => {
    const { memory } = linkMapMemory(1);
    expect(readLinkMap(memory, { phdr: 0x1000n, phnum: 300n })).toEqual({
      entries: [],
      problems: ["AT_PHNUM says the executable has 300 program headers: the link map is not read"],
    });
    expect(readLinkMap(memory, { phdr: 0x900000n, phnum: 2n })).toEqual({ entries: [], problems: [] });
  });

  it("reads a 32-bit big-endian list (word-size fields, 32-byte program headers, 8-byte dynamic entries)", () => {
    // Program headers at 0x1000: PT_PHDR (vaddr 0x34: bias 0xfcc), PT_DYNAMIC (vaddr 0x1100 - 0xfcc).
    const bytes = new Uint8Array(0x2000);
    const view = new DataView(bytes.buffer);
    const u32 = (at: number, value: number) => view.setUint32(at - 0x1000, value, false);
    u32(0x1000, 6);
    u32(0x1008, 0x34);
    u32(0x1020, 2);
    u32(0x1028, 0x1100 - 0xfcc);
    u32(0x1100, 21); // DT_DEBUG
    u32(0x1104, 0x1200);
    u32(0x1204, 0x1300); // r_debug.r_map after a 4-byte r_version
    // Two entries: l_addr, l_name, l_ld, l_next.
    [
      [0x1300, 0, 0x1400, 0x1100, 0x1310],
      [0x1310, 0x40000, 0x1410, 0x41000, 0],
    ].forEach(([at, addr, name, ld, next]) => {
      u32(at!, addr!);
      u32(at! + 4, name!);
      u32(at! + 8, ld!);
      u32(at! + 12, next!);
    });
    new TextEncoder().encodeInto("/lib/libc.so.6", bytes.subarray(0x410));
    const memory = region(0x1000n, bytes);
    expect(readLinkMap(memory, { phdr: 0x1000n, phnum: 2n, is64: false, littleEndian: false })).toEqual({
      entries: [
        { name: "", bias: 0n, dynamic: 0x1100n },
        { name: "/lib/libc.so.6", bias: 0x40000n, dynamic: 0x41000n },
      ],
      problems: [],
    });
  });

  it("takes the executable's program headers from its file when memory lacks them", () => {
    const { memory } = linkMapMemory(2);
    // AT_PHDR 0x900000 is not in memory; the file says PT_PHDR at 0x40 and PT_DYNAMIC so that the bias 0x8fffc0 puts .dynamic at 0x1100.
    const executable = {
      e_entry: 0x100n,
      e_phoff: 0x40,
      programHeaders: [
        { p_type: 6, p_offset: 0x40, p_vaddr: 0x40n },
        { p_type: 2, p_offset: 0x100, p_vaddr: 0x1100n - 0x8fffc0n },
      ],
    };
    expect(readLinkMap(memory, { phdr: 0x900000n, phnum: 2n }).entries).toEqual([]);
    expect(readLinkMap(memory, { phdr: 0x900000n, phnum: 2n, executable }).entries.map((e) => e.name)).toEqual(["/lib/lib0.so", "/lib/lib1.so"]);
    // Without AT_PHDR, AT_ENTRY against e_entry gives the same bias.
    expect(readLinkMap(memory, { phdr: undefined, phnum: undefined, entry: 0x100n + 0x8fffc0n, executable }).entries).toHaveLength(2);
  });
});

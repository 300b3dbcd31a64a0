import { describe, expect, test } from "vitest";
import { Bytes } from "../test/_bytes.js";
import { expectDwarfError } from "../test/_expect.js";
import * as C from "./dwarf_constants.js";
import { bufferSource, DWARF_LIMITS, readRangeList } from "./mod.js";

describe("readRangeList()", () => {
  test("readRangeList() reads .debug_ranges pairs relative to the base, with base address selection entries", () => {
    const list = new Bytes().u32(0x10).u32(0x20).u32(0xffff_ffff).u32(0x5000).u32(0x1).u32(0x3).u32(0x8).u32(0x8).u32(0).u32(0);
    const ranges = readRangeList(bufferSource(list.bytes()), 0, { version: 4, addressSize: 4, littleEndian: true, baseAddress: 0x1000n });
    expect(ranges).toEqual([
      { begin: 0x1010n, end: 0x1020n },
      { begin: 0x5001n, end: 0x5003n },
    ]);
  });

  test("readRangeList() reads every DW_RLE_* kind of .debug_rnglists", () => {
    const addresses = [0x100n, 0x200n, 0x300n];
    const list = new Bytes()
      .u8(C.DW_RLE_offset_pair)
      .uleb(1)
      .uleb(2)
      .u8(C.DW_RLE_base_addressx)
      .uleb(0)
      .u8(C.DW_RLE_offset_pair)
      .uleb(1)
      .uleb(2)
      .u8(C.DW_RLE_startx_endx)
      .uleb(1)
      .uleb(2)
      .u8(C.DW_RLE_startx_length)
      .uleb(2)
      .uleb(5)
      .u8(C.DW_RLE_base_address)
      .u64(0x9000)
      .u8(C.DW_RLE_offset_pair)
      .uleb(0)
      .uleb(4)
      .u8(C.DW_RLE_start_end)
      .u64(0x7000)
      .u64(0x7008)
      .u8(C.DW_RLE_start_length)
      .u64(0x8000)
      .uleb(3)
      .u8(C.DW_RLE_end_of_list);
    const ranges = readRangeList(bufferSource(list.bytes()), 0, {
      version: 5,
      addressSize: 8,
      littleEndian: true,
      baseAddress: 0x10n,
      addrx: (index) => addresses[index]!,
    });
    expect(ranges).toEqual([
      { begin: 0x11n, end: 0x12n },
      { begin: 0x101n, end: 0x102n },
      { begin: 0x200n, end: 0x300n },
      { begin: 0x300n, end: 0x305n },
      { begin: 0x9000n, end: 0x9004n },
      { begin: 0x7000n, end: 0x7008n },
      { begin: 0x8000n, end: 0x8003n },
    ]);
  });

  test("readRangeList() stops a list that never ends at DWARF_LIMITS.rangeListEntries", () => {
    const count = DWARF_LIMITS.rangeListEntries + 10;
    const bytes = new Uint8Array(count * 3);
    for (let index = 0; index < count; index++) bytes.set([C.DW_RLE_offset_pair, 0, 1], index * 3);
    expectDwarfError(() => readRangeList(bufferSource(bytes), 0, { version: 5, addressSize: 8, littleEndian: true }), "limit", /\(rangeListEntries\)/);
    // The same list in .debug_ranges, address pairs that never reach 0/0.
    const pairs = new Uint32Array(count * 2).fill(1);
    expect(() => readRangeList(bufferSource(new Uint8Array(pairs.buffer)), 0, { version: 4, addressSize: 4, littleEndian: true })).toThrow(/rangeListEntries/);
  });

  test("readRangeList() reports an unknown entry kind and a list running off the end", () => {
    expect(() => readRangeList(bufferSource(Uint8Array.of(0x30)), 0, { version: 5, addressSize: 8, littleEndian: true })).toThrow(/DW_RLE_0x30/);
    expectDwarfError(
      () => readRangeList(bufferSource(Uint8Array.of(C.DW_RLE_start_end, 1, 2)), 0, { version: 5, addressSize: 8, littleEndian: true }),
      "truncated",
    );
  });
});

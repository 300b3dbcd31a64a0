// DebugInfo against inputs of a few hundred kilobytes that made one call spend minutes or
// gigabytes before their limits existed (found by review, each test failed before its fix):
// abbreviation tables starting inside one another, one long range list named by every entry,
// and many units covering one address.
import { describe, expect, test } from "vitest";
import { Bytes } from "../test/_bytes.js";
import { expectDwarfError } from "../test/_expect.js";
import { abbreviations, sections, unit } from "../test/_info_builder.js";
import * as C from "./dwarf_constants.js";
import { DebugInfo, DWARF_LIMITS } from "./mod.js";

describe("InfoContext abbreviation tables that start inside one another", () => {
  // One table of `count` declarations; unit i names the table at declaration i. Each unit's table
  // is a different offset, so each was parsed (and kept) again: count²/2 declarations, which ran
  // the heap out (an uncatchable crash) at 5000 declarations and 5000 units, from 80 kB of input.
  function overlapping(count: number) {
    const specs: [number, number, boolean, []][] = [];
    for (let code = 1; code <= count; code++) specs.push([code, C.DW_TAG_compile_unit, false, []]);
    const abbrev = abbreviations(specs);
    const info = new Bytes();
    let offset = 0;
    for (let code = 1; code <= count; code++) {
      info.append(unit({ version: 4, abbrevOffset: offset }, new Bytes().uleb(code)));
      offset += new Bytes().uleb(code).length + 4; // code, tag, children, 0, 0
    }
    return sections({ debug_info: info, debug_abbrev: abbrev });
  }

  test("DebugInfo.functionsAt() stops re-reading overlapping abbreviation tables at DWARF_LIMITS.abbreviationReparses", () => {
    const count = Math.ceil(Math.sqrt(2 * DWARF_LIMITS.abbreviationReparses)) + 10;
    expectDwarfError(() => new DebugInfo(overlapping(count)).functionsAt(0x1000n), "limit", /abbreviationReparses/);
  });

  test("DebugInfo.unitSummary() reads units that share one table at the same offset without re-reading it", () => {
    const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, [[C.DW_AT_name, C.DW_FORM_string]]]]);
    const info = new Bytes();
    for (let index = 0; index < 1000; index++) info.append(unit({ version: 4 }, new Bytes().u8(1).string(`u${index}`)));
    const debugInfo = new DebugInfo(sections({ debug_info: info, debug_abbrev: abbrev }));
    const names = [...debugInfo.units()].map((header) => debugInfo.unitSummary(header).name);
    expect(names.length).toBe(1000);
    expect(names[999]).toBe("u999");
  });
});

describe("inlineChainIn() range lists read again by every entry", () => {
  // A unit covering 0..0x10000 whose `count` subprograms all name one range list of `length`
  // entries that misses the address: each subprogram read the whole list again, count × length
  // entries in one call (300 kB of .debug_rnglists and 10 kB of .debug_info took over a minute).
  function sharedList(length: number, count: number) {
    const abbrev = abbreviations([
      [
        1,
        C.DW_TAG_compile_unit,
        true,
        [
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_data4],
        ],
      ],
      [2, C.DW_TAG_subprogram, false, [[C.DW_AT_ranges, C.DW_FORM_sec_offset]]],
    ]);
    const rnglists = new Bytes().u32(0).u16(5).u8(8, 0).u32(0);
    for (let index = 0; index < length; index++) rnglists.u8(C.DW_RLE_offset_pair).uleb(0).uleb(1);
    rnglists.u8(C.DW_RLE_end_of_list);
    const entries = new Bytes().u8(1).u64(0).u32(0x10000);
    for (let index = 0; index < count; index++) entries.u8(2).u32(12);
    entries.u8(0);
    return sections({ debug_info: unit({ version: 5 }, entries), debug_abbrev: abbrev, debug_rnglists: rnglists });
  }

  test("DebugInfo.functionsAt() stops at DWARF_LIMITS.lookupRangeEntries range-list entries in one call", () => {
    const length = 100_000;
    const count = Math.ceil(DWARF_LIMITS.lookupRangeEntries / length) + 1;
    expectDwarfError(() => new DebugInfo(sharedList(length, count)).functionsAt(0x5000n), "limit", /lookupRangeEntries/);
  });

  test("DebugInfo.functionsAt() and rangesOf() count range-list entries per call: each call has the whole budget", () => {
    const length = 100_000;
    const count = Math.floor(DWARF_LIMITS.lookupRangeEntries / length / 2) + 1;
    const info = new DebugInfo(sharedList(length, count));
    expect(info.functionsAt(0x5000n)?.frames).toEqual([]);
    expect(info.functionsAt(0x5000n)?.frames).toEqual([]);
    expect(info.functionsAt(0x0n)?.frames.length).toBe(1);
    let ranges = 0;
    for (const header of info.units()) for (const entry of info.entries(header)) ranges += info.rangesOf(entry)?.length ?? 0;
    expect(ranges).toBe(1 + count * length);
  });
});

describe("UnitIndex.unitsAt() with many units covering one address", () => {
  // N units, each listed by .debug_aranges over [0, 2^32): unitsAt() checked each one against
  // the list found so far with Array.includes, N²/2 comparisons (200 000 units: over 20 s).
  test("DebugInfo.functionsAt() over 200 000 units that all cover the address takes linear time", () => {
    const count = 200_000;
    const unitSize = 12; // a DWARF 4 unit of one entry
    const setSize = 48; // an address range set of one tuple
    const info = new Uint8Array(count * unitSize);
    const aranges = new Uint8Array(count * setSize);
    const infoView = new DataView(info.buffer);
    const arangesView = new DataView(aranges.buffer);
    for (let index = 0; index < count; index++) {
      const at = index * unitSize;
      infoView.setUint32(at, unitSize - 4, true);
      infoView.setUint16(at + 4, 4, true);
      infoView.setUint32(at + 6, 0, true);
      info[at + 10] = 8;
      info[at + 11] = 1;
      const set = index * setSize;
      arangesView.setUint32(set, setSize - 4, true);
      arangesView.setUint16(set + 4, 2, true);
      arangesView.setUint32(set + 6, at, true);
      aranges[set + 10] = 8;
      arangesView.setBigUint64(set + 16, 0n, true);
      arangesView.setBigUint64(set + 24, 0x1_0000_0000n, true);
    }
    const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, []]]);
    const debugInfo = new DebugInfo(sections({ debug_info: info, debug_abbrev: abbrev, debug_aranges: aranges }));
    // Pairwise work over this many units would take hours: the test's timeout is the guard.
    const found = debugInfo.functionsAt(0x1000n);
    expect(found?.unit.offset).toBe((count - 1) * unitSize);
  });
});

import { describe, expect, test } from "vitest";
import { Bytes } from "../test/_bytes.js";
import { expectDwarfError } from "../test/_expect.js";
import { HEADER4, HEADER5, abbreviations, sections, unit } from "../test/_info_builder.js";
import * as C from "./dwarf_constants.js";
import { DebugInfo, DWARF_LIMITS, type DebugInfoEntry } from "./mod.js";

function all(info: DebugInfo): DebugInfoEntry[] {
  return [...info.units()].flatMap((header) => [...info.entries(header)]);
}

/** A DWARF 5 unit using most forms, with .debug_str_offsets and .debug_addr tables. */
function formsFixture(format64: boolean) {
  const off = (value: number, bytes: Bytes) => bytes.offset(value, format64);
  const str = new Bytes().string("").string("hello").string("comp").string("strp-name");
  const lineStr = new Bytes().string("").string("/dir");
  const strOffsets = new Bytes();
  if (format64) strOffsets.u32(0xffff_ffff).u64(20).u16(5).u16(0);
  else strOffsets.u32(12).u16(5).u16(0);
  off(1, strOffsets);
  off(7, strOffsets);
  const strOffsetsBase = format64 ? 16 : 8;
  const addr = new Bytes().u32(20).u16(5).u8(8, 0).u64(0x1000).u64(0x2000);
  const abbrev = abbreviations([
    [
      1,
      C.DW_TAG_compile_unit,
      true,
      [
        [C.DW_AT_str_offsets_base, C.DW_FORM_sec_offset],
        [C.DW_AT_addr_base, C.DW_FORM_sec_offset],
        [C.DW_AT_name, C.DW_FORM_strx1],
        [C.DW_AT_comp_dir, C.DW_FORM_line_strp],
        [C.DW_AT_low_pc, C.DW_FORM_addrx],
        [C.DW_AT_high_pc, C.DW_FORM_data4],
        [C.DW_AT_stmt_list, C.DW_FORM_sec_offset],
        [C.DW_AT_producer, C.DW_FORM_strx],
      ],
    ],
    [
      2,
      C.DW_TAG_subprogram,
      false,
      [
        [C.DW_AT_name, C.DW_FORM_string],
        [C.DW_AT_low_pc, C.DW_FORM_addrx1],
        [C.DW_AT_high_pc, C.DW_FORM_data2],
        [C.DW_AT_decl_line, C.DW_FORM_implicit_const, 42],
        [C.DW_AT_external, C.DW_FORM_flag_present],
        [C.DW_AT_frame_base, C.DW_FORM_exprloc],
        [C.DW_AT_const_value, C.DW_FORM_data16],
        [C.DW_AT_type, C.DW_FORM_ref4],
        [C.DW_AT_description, C.DW_FORM_GNU_strp_alt],
        [C.DW_AT_byte_size, C.DW_FORM_indirect],
        [C.DW_AT_linkage_name, C.DW_FORM_strp],
        [C.DW_AT_bit_size, C.DW_FORM_sdata],
        [C.DW_AT_location, C.DW_FORM_block1],
        [C.DW_AT_ranges, C.DW_FORM_rnglistx],
        [C.DW_AT_decl_file, C.DW_FORM_udata],
        [C.DW_AT_declaration, C.DW_FORM_flag],
        [C.DW_AT_signature, C.DW_FORM_ref_sig8],
        [C.DW_AT_specification, C.DW_FORM_ref_addr],
      ],
    ],
  ]);
  const header = format64 ? 24 : HEADER5;
  const entries = new Bytes().u8(1);
  off(strOffsetsBase, entries);
  off(8, entries);
  entries.u8(0);
  off(1, entries);
  entries.uleb(0).u32(0x100);
  off(0, entries);
  entries.uleb(1);
  const child = entries.length + header;
  entries.u8(2).string("fn").u8(1).u16(0x10).u8(2, 0x91, 0x00);
  for (let index = 0; index < 16; index++) entries.u8(index);
  entries.u32(child);
  off(0x1234, entries);
  entries.uleb(C.DW_FORM_data2).u16(0xbeef);
  off(12, entries);
  entries.sleb(-5).u8(3, 1, 2, 3).uleb(3).uleb(7).u8(0).u64(0x1122334455667788n);
  off(child, entries);
  entries.u8(0);
  return {
    child,
    sections: sections({
      debug_info: unit({ version: 5, format64 }, entries),
      debug_abbrev: abbrev,
      debug_str: str,
      debug_line_str: lineStr,
      debug_str_offsets: strOffsets,
      debug_addr: addr,
    }),
  };
}

describe("DebugInfo.entries()", () => {
  for (const format64 of [false, true]) {
    test(`entries() decodes every form class of a DWARF 5 ${format64 ? "64" : "32"}-bit unit`, () => {
      const { child, sections: input } = formsFixture(format64);
      const info = new DebugInfo(input);
      const [header] = [...info.units()];
      expect(header).toMatchObject({ version: 5, format64, addressSize: 8, unitType: C.DW_UT_compile, entriesOffset: format64 ? 24 : HEADER5 });
      expect(info.unitSummary(header!)).toMatchObject({ name: "hello", compDir: "/dir", stmtList: 0, lowPc: 0x1000n, producer: "comp" });
      const entries = all(info);
      expect(entries.map((entry) => [entry.tag, entry.depth, entry.hasChildren])).toEqual([
        [C.DW_TAG_compile_unit, 0, true],
        [C.DW_TAG_subprogram, 1, false],
      ]);
      const sub = entries[1]!;
      expect(sub.offset).toBe(child);
      const values = Object.fromEntries(sub.attributes().map((attribute) => [C.attributeName(attribute.name), [C.formName(attribute.form), attribute.value]]));
      expect(values).toEqual({
        DW_AT_name: ["DW_FORM_string", { kind: "string", value: "fn" }],
        DW_AT_low_pc: ["DW_FORM_addrx1", { kind: "address", value: 0x2000n }],
        DW_AT_high_pc: ["DW_FORM_data2", { kind: "constant", value: 0x10n }],
        DW_AT_decl_line: ["DW_FORM_implicit_const", { kind: "signed", value: 42n }],
        DW_AT_external: ["DW_FORM_flag_present", { kind: "flag", value: true }],
        DW_AT_frame_base: ["DW_FORM_exprloc", { kind: "exprloc", bytes: Uint8Array.of(0x91, 0) }],
        DW_AT_const_value: ["DW_FORM_data16", { kind: "block", bytes: Uint8Array.from({ length: 16 }, (_, index) => index) }],
        DW_AT_type: ["DW_FORM_ref4", { kind: "reference", offset: child }],
        DW_AT_description: ["DW_FORM_GNU_strp_alt", { kind: "unsupported", offset: 0x1234 }],
        DW_AT_byte_size: ["DW_FORM_data2", { kind: "constant", value: 0xbeefn }],
        DW_AT_linkage_name: ["DW_FORM_strp", { kind: "string", value: "strp-name" }],
        DW_AT_bit_size: ["DW_FORM_sdata", { kind: "signed", value: -5n }],
        DW_AT_location: ["DW_FORM_block1", { kind: "block", bytes: Uint8Array.of(1, 2, 3) }],
        DW_AT_ranges: ["DW_FORM_rnglistx", { kind: "index", index: 3 }],
        DW_AT_decl_file: ["DW_FORM_udata", { kind: "constant", value: 7n }],
        DW_AT_declaration: ["DW_FORM_flag", { kind: "flag", value: false }],
        DW_AT_signature: ["DW_FORM_ref_sig8", { kind: "signature", value: 0x1122334455667788n }],
        DW_AT_specification: ["DW_FORM_ref_addr", { kind: "reference", offset: child }],
      });
      expect(sub.attribute(C.DW_AT_name)).toEqual({ kind: "string", value: "fn" });
      expect(sub.attribute(C.DW_AT_call_line)).toBeUndefined();
      expect(info.rangesOf(entries[0]!)).toEqual([{ begin: 0x1000n, end: 0x1100n }]);
    });
  }

  test("entries() reads DWARF 2 units, where DW_FORM_ref_addr is address-sized", () => {
    const abbrev = abbreviations([
      [1, C.DW_TAG_compile_unit, true, [[C.DW_AT_name, C.DW_FORM_string]]],
      [2, C.DW_TAG_variable, false, [[C.DW_AT_type, C.DW_FORM_ref_addr]]],
    ]);
    const entries = new Bytes().u8(1).string("a.c").u8(2).u32(HEADER4).u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 2, addressSize: 4 }, entries), debug_abbrev: abbrev }));
    const [, variable] = all(info);
    expect(variable!.attribute(C.DW_AT_type)).toEqual({ kind: "reference", offset: HEADER4 });
  });

  test("entries() reports an unknown form as bad-value and a vendor form as unsupported", () => {
    for (const [form, code] of [
      [0x7f, "bad-value"],
      [0x1f99, "unsupported"],
    ] as const) {
      const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, [[C.DW_AT_name, form]]]]);
      const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, new Bytes().u8(1, 0)), debug_abbrev: abbrev }));
      expectDwarfError(() => all(info), code, /form DW_FORM_0x/);
    }
  });

  test("entries() reports a unit longer than the section as truncated, and version 6 as unsupported", () => {
    const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, []]]);
    const whole = unit({ version: 4 }, new Bytes().u8(1)).bytes();
    expectDwarfError(() => all(new DebugInfo(sections({ debug_info: whole.subarray(0, whole.length - 1), debug_abbrev: abbrev }))), "truncated");
    expectDwarfError(
      () => all(new DebugInfo(sections({ debug_info: unit({ version: 6 }, new Bytes().u8(1)), debug_abbrev: abbrev }))),
      "unsupported",
      /version 6/,
    );
  });

  test("entries() stops at DWARF_LIMITS.dieDepth with a 300-deep nest", () => {
    const abbrev = abbreviations([[1, C.DW_TAG_lexical_block, true, []]]);
    const entries = new Bytes();
    for (let index = 0; index < 300; index++) entries.u8(1);
    for (let index = 0; index < 300; index++) entries.u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    const error = expectDwarfError(() => all(info), "limit", /limit of 256 \(dieDepth\)/);
    expect(error.offset).toBe(HEADER4 + DWARF_LIMITS.dieDepth);
    // 255 levels of nesting are fine.
    const ok = new Bytes();
    for (let index = 0; index < DWARF_LIMITS.dieDepth; index++) ok.u8(1);
    expect(all(new DebugInfo(sections({ debug_info: unit({ version: 4 }, ok), debug_abbrev: abbrev }))).at(-1)?.depth).toBe(DWARF_LIMITS.dieDepth - 1);
  });

  test("readAbbreviations() stops at DWARF_LIMITS.abbreviationAttributes with 2000 attributes", () => {
    const attributes = Array.from({ length: 2000 }, () => [C.DW_AT_name, C.DW_FORM_flag_present] as const);
    const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, attributes]]);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, new Bytes().u8(1)), debug_abbrev: abbrev }));
    expectDwarfError(() => all(info), "limit", /\(abbreviationAttributes\)/);
  });

  test("entries() stops a chain of DW_FORM_indirect at DWARF_LIMITS.indirectForms", () => {
    const abbrev = abbreviations([[1, C.DW_TAG_compile_unit, false, [[C.DW_AT_name, C.DW_FORM_indirect]]]]);
    const entries = new Bytes().u8(1);
    for (let index = 0; index < 20; index++) entries.uleb(C.DW_FORM_indirect);
    entries.uleb(C.DW_FORM_data1).u8(1);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    expectDwarfError(() => all(info), "limit", /\(indirectForms\)/);
  });
});

describe("DebugInfo.functionsAt()", () => {
  const subprogram = [
    C.DW_TAG_subprogram,
    [
      [C.DW_AT_name, C.DW_FORM_string],
      [C.DW_AT_low_pc, C.DW_FORM_addr],
      [C.DW_AT_high_pc, C.DW_FORM_data4],
    ],
  ] as const;

  test("functionsAt() returns inline chains innermost first, with call sites and names through DW_AT_abstract_origin", () => {
    const abbrev = abbreviations([
      [
        1,
        C.DW_TAG_compile_unit,
        true,
        [
          [C.DW_AT_name, C.DW_FORM_string],
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_addr],
        ],
      ],
      [2, subprogram[0], true, subprogram[1]],
      [
        3,
        C.DW_TAG_inlined_subroutine,
        true,
        [
          [C.DW_AT_abstract_origin, C.DW_FORM_ref4],
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_data1],
          [C.DW_AT_call_file, C.DW_FORM_data1],
          [C.DW_AT_call_line, C.DW_FORM_data2],
          [C.DW_AT_call_column, C.DW_FORM_data1],
        ],
      ],
      [
        4,
        C.DW_TAG_subprogram,
        false,
        [
          [C.DW_AT_name, C.DW_FORM_string],
          [C.DW_AT_inline, C.DW_FORM_data1],
        ],
      ],
    ]);
    const entries = new Bytes().u8(1).string("x.c").u64(0x1000).u64(0x2000);
    const abstract = HEADER4 + entries.length;
    entries.u8(4).string("helper").u8(3);
    entries.u8(2).string("outer").u64(0x1000).u32(0x100);
    entries.u8(3).u32(abstract).u64(0x1010).u8(0x20).u8(1).u16(17).u8(5);
    entries.u8(3).u32(abstract).u64(0x1018).u8(0x4).u8(2).u16(99).u8(0);
    entries.u8(0, 0, 0, 0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    const found = info.functionsAt(0x1019n)!;
    expect(found.unit).toMatchObject({ name: "x.c", version: 4 });
    expect(found.frames.map(({ name, callFile, callLine, callColumn, tag }) => ({ name, callFile, callLine, callColumn, tag }))).toEqual([
      { name: "helper", callFile: 2, callLine: 99, callColumn: 0, tag: C.DW_TAG_inlined_subroutine },
      { name: "helper", callFile: 1, callLine: 17, callColumn: 5, tag: C.DW_TAG_inlined_subroutine },
      { name: "outer", callFile: undefined, callLine: undefined, callColumn: undefined, tag: C.DW_TAG_subprogram },
    ]);
    expect(info.functionsAt(0x1001n)!.frames.map((frame) => frame.name)).toEqual(["outer"]);
    expect(info.functionsAt(0x1100n)!.frames).toEqual([]);
    expect(info.functionsAt(0x2000n)).toBeUndefined();
  });

  test("functionsAt() finds each function of a unit after its first lookup indexed it, the first in entry order where two overlap", () => {
    const abbrev = abbreviations([
      [
        1,
        C.DW_TAG_compile_unit,
        true,
        [
          [C.DW_AT_name, C.DW_FORM_string],
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_addr],
        ],
      ],
      [2, subprogram[0], false, subprogram[1]],
      [3, C.DW_TAG_namespace, true, [[C.DW_AT_name, C.DW_FORM_string]]],
      [4, C.DW_TAG_enumeration_type, true, []],
    ]);
    const entries = new Bytes().u8(1).string("x.c").u64(0).u64(0x10000);
    entries.u8(2).string("high").u64(0x3000).u32(0x100);
    entries.u8(3).string("ns").u8(2).string("in_namespace").u64(0x1000).u32(0x100).u8(0);
    // A function inside an enumeration type is not one a lookup reaches (the walk skips its children).
    entries.u8(4).u8(2).string("in_enumeration").u64(0x5000).u32(0x100).u8(0);
    entries.u8(2).string("first").u64(0x2000).u32(0x100);
    entries.u8(2).string("overlapping").u64(0x2080).u32(0x100);
    entries.u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    const name = (address: bigint) => info.functionsAt(address)?.frames.map((frame) => frame.name);
    expect(name(0x3010n)).toEqual(["high"]);
    expect(name(0x1010n)).toEqual(["in_namespace"]);
    expect(name(0x20f0n)).toEqual(["first"]);
    expect(name(0x2110n)).toEqual(["overlapping"]);
    expect(name(0x5010n)).toEqual([]);
    expect(name(0x4000n)).toEqual([]);
  });

  test("entryAt() reads one entry by offset and subtree() one entry with its descendants", () => {
    const abbrev = abbreviations([
      [1, C.DW_TAG_compile_unit, true, [[C.DW_AT_name, C.DW_FORM_string]]],
      [2, C.DW_TAG_subprogram, true, [[C.DW_AT_name, C.DW_FORM_string]]],
      [3, C.DW_TAG_call_site, false, [[C.DW_AT_call_return_pc, C.DW_FORM_addr]]],
      [4, C.DW_TAG_lexical_block, true, []],
    ]);
    const entries = new Bytes().u8(1).string("x.c");
    const first = HEADER4 + entries.length;
    entries.u8(2).string("f").u8(3).u64(0x10).u8(4).u8(3).u64(0x20).u8(0).u8(0);
    const second = HEADER4 + entries.length;
    entries.u8(2).string("g").u8(3).u64(0x30).u8(0);
    entries.u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    expect(info.entryAt(second).attribute(C.DW_AT_name)).toEqual({ kind: "string", value: "g" });
    const subtree = [...info.subtree(first)];
    expect(subtree.map((entry) => [entry.tag, entry.depth])).toEqual([
      [C.DW_TAG_subprogram, 0],
      [C.DW_TAG_call_site, 1],
      [C.DW_TAG_lexical_block, 1],
      [C.DW_TAG_call_site, 2],
    ]);
    expect([...info.subtree(second)].map((entry) => entry.tag)).toEqual([C.DW_TAG_subprogram, C.DW_TAG_call_site]);
    expectDwarfError(() => info.entryAt(0x7ffff), "bad-value", /not an entry of any unit/);
    expect(() => info.entryAt(-1)).toThrow(RangeError);
  });

  test("functionsAt() stops an abstract_origin cycle at DWARF_LIMITS.referenceHops", () => {
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
      [
        2,
        C.DW_TAG_subprogram,
        false,
        [
          [C.DW_AT_abstract_origin, C.DW_FORM_ref4],
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_data4],
        ],
      ],
      [3, C.DW_TAG_subprogram, false, [[C.DW_AT_specification, C.DW_FORM_ref4]]],
    ]);
    const entries = new Bytes().u8(1).u64(0x1000).u32(0x100);
    const first = HEADER4 + entries.length;
    const second = first + 1 + 4 + 8 + 4;
    entries.u8(2).u32(second).u64(0x1000).u32(0x10);
    entries.u8(3).u32(first).u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    expectDwarfError(() => info.functionsAt(0x1004n), "limit", /DW_AT_abstract_origin\/DW_AT_specification .* \(referenceHops\)/);
  });

  test("functionsAt() stops nested inlined subroutines at DWARF_LIMITS.inlineDepth", () => {
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
      [2, subprogram[0], true, subprogram[1]],
      [
        3,
        C.DW_TAG_inlined_subroutine,
        true,
        [
          [C.DW_AT_low_pc, C.DW_FORM_addr],
          [C.DW_AT_high_pc, C.DW_FORM_data4],
        ],
      ],
    ]);
    const entries = new Bytes().u8(1).u64(0x1000).u32(0x100).u8(2).string("f").u64(0x1000).u32(0x100);
    for (let index = 0; index < 200; index++) entries.u8(3).u64(0x1000).u32(0x100);
    for (let index = 0; index < 202; index++) entries.u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 4 }, entries), debug_abbrev: abbrev }));
    expectDwarfError(() => info.functionsAt(0x1004n), "limit", /\(inlineDepth\)/);
  });

  test("functionsAt() reads DW_AT_ranges through DW_FORM_rnglistx and DW_AT_rnglists_base", () => {
    const rnglists = new Bytes().u32(0).u16(5).u8(8, 0).u32(2);
    const base = rnglists.length;
    rnglists.u32(8).u32(12);
    // list 0 at base+8: start_length 0x3000 +0x10, end; list 1 at base+12 (unused)
    rnglists.u8(C.DW_RLE_start_length).u64(0x3000).uleb(0x10).u8(C.DW_RLE_end_of_list);
    const abbrev = abbreviations([
      [
        1,
        C.DW_TAG_compile_unit,
        true,
        [
          [C.DW_AT_rnglists_base, C.DW_FORM_sec_offset],
          [C.DW_AT_ranges, C.DW_FORM_rnglistx],
        ],
      ],
      [
        2,
        C.DW_TAG_subprogram,
        false,
        [
          [C.DW_AT_name, C.DW_FORM_string],
          [C.DW_AT_ranges, C.DW_FORM_rnglistx],
        ],
      ],
    ]);
    const entries = new Bytes().u8(1).u32(base).uleb(0).u8(2).string("ranged").uleb(0).u8(0);
    const info = new DebugInfo(sections({ debug_info: unit({ version: 5 }, entries), debug_abbrev: abbrev, debug_rnglists: rnglists }));
    expect(info.functionsAt(0x300fn)!.frames.map((frame) => frame.name)).toEqual(["ranged"]);
    expect(info.functionsAt(0x3010n)).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import type { DwarfSections } from "./dwarf_sections.js";
import { DWARF_LIMITS } from "./limits.js";
import {
  DW_LNCT_LLVM_source,
  DW_LNCT_MD5,
  DW_LNCT_directory_index,
  DW_LNCT_path,
  DW_LNCT_size,
  DW_LNCT_timestamp,
  lineContentTypeName,
  lineExtendedOpcodeName,
  lineStandardOpcodeName,
} from "./line_constants.js";
import { LineProgram, type LineRow } from "./line_program.js";
import { LineTable } from "./line_table.js";
import { cstr, le, uleb } from "../test/_bytes.js";
import { expectDwarfError } from "../test/_expect.js";
import { ext, lineProgram, op } from "../test/_line_builder.js";

const FORM = { string: 0x08, line_strp: 0x1f, strp: 0x0e, udata: 0x0f, data1: 0x0b, data2: 0x05, data4: 0x06, data16: 0x1e, block: 0x09, strx1: 0x25 };

function sections(bytes: readonly number[], extra: Partial<Record<"debug_line_str" | "debug_str", readonly number[]>> = {}): DwarfSections {
  return {
    littleEndian: true,
    debug_line: bufferSource(Uint8Array.from(bytes)),
    debug_line_str: extra.debug_line_str ? bufferSource(Uint8Array.from(extra.debug_line_str)) : undefined,
    debug_str: extra.debug_str ? bufferSource(Uint8Array.from(extra.debug_str)) : undefined,
  };
}

const brief = (row: LineRow): string =>
  `${row.address.toString(16)} f${row.file} l${row.line} c${row.column}${row.isStmt ? " stmt" : ""}${row.basicBlock ? " bb" : ""}${row.prologueEnd ? " pe" : ""}${row.epilogueBegin ? " eb" : ""}${row.isa ? ` isa${row.isa}` : ""}${row.discriminator ? ` d${row.discriminator}` : ""}${row.endSequence ? " end" : ""}`;

const V2_FILES = {
  directories: ["sub", "/abs/inc"],
  files: [
    { path: "main.c", dir: 0 },
    { path: "util.c", dir: 1 },
    { path: "x.h", dir: 2 },
    { path: "/opt/inc/y.h", dir: 1 },
  ],
};

describe("line_constants", () => {
  it("lineStandardOpcodeName(), lineExtendedOpcodeName() and lineContentTypeName() print unknown values", () => {
    expect(lineStandardOpcodeName(2)).toBe("DW_LNS_advance_pc");
    expect(lineStandardOpcodeName(0x10)).toBe("DW_LNS_0x10");
    expect(lineExtendedOpcodeName(4)).toBe("DW_LNE_set_discriminator");
    expect(lineExtendedOpcodeName(0x80)).toBe("DW_LNE_0x80");
    expect(lineContentTypeName(DW_LNCT_MD5)).toBe("DW_LNCT_MD5");
    expect(lineContentTypeName(0x2fff)).toBe("DW_LNCT_0x2fff");
  });
});

describe("LineProgram state machine", () => {
  it("LineProgram.rows() executes every standard and extended opcode (DWARF 2)", () => {
    const body = [
      ...op.setAddress(0x1000),
      ...op.advanceLine(9),
      ...op.copy, // 1000 l10
      ...op.special(2, 1), // 1002 l11
      ...op.setColumn(7),
      ...op.setPrologueEnd,
      ...op.setBasicBlock,
      ...op.special(0, 0), // 1002 l11 c7 pe bb
      ...op.negateStmt,
      ...op.constAddPc,
      ...op.copy, // 1002 + 17 = 1013, not stmt
      ...op.fixedAdvancePc(0x100),
      ...op.setFile(2),
      ...op.setIsa(3),
      ...op.setDiscriminator(5),
      ...op.setEpilogueBegin,
      ...op.copy, // 1113 f2 d5 eb
      ...op.advancePc(3),
      ...op.advanceLine(-4),
      ...op.copy, // 1116 l7 (discriminator reset)
      ...op.advancePc(2),
      ...op.endSequence, // 1118 end
      ...op.setAddress(0x2000),
      ...op.copy, // registers reset: l1 f1 c0 stmt
      ...op.advancePc(4),
      ...op.endSequence,
    ];
    const program = LineProgram.at(sections(lineProgram({ version: 2, ...V2_FILES, body })), 0);
    expect(program.header.version).toBe(2);
    expect(program.header.opcode_base).toBe(13);
    expect([...program.rows()].map(brief)).toEqual([
      "1000 f1 l10 c0 stmt",
      "1002 f1 l11 c0 stmt",
      "1002 f1 l11 c7 stmt bb pe",
      "1013 f1 l11 c7",
      "1113 f2 l11 c7 eb isa3 d5",
      "1116 f2 l7 c7 isa3",
      "1118 f2 l7 c7 isa3 end",
      "2000 f1 l1 c0 stmt",
      "2004 f1 l1 c0 stmt end",
    ]);
    const sequences = [...program.sequences()];
    expect(sequences.map((s) => [s.start, s.end, s.rows.length])).toEqual([
      [0x1000n, 0x1118n, 7],
      [0x2000n, 0x2004n, 2],
    ]);
    // visitRows() shows the same registers, one view for every row.
    const visited: string[] = [];
    const views = new Set<object>();
    program.visitRows((row) => {
      views.add(row);
      expect(BigInt(row.addressHi) * 0x1_0000_0000n + BigInt(row.addressLo)).toBe(row.address);
      visited.push(
        `${row.address.toString(16)} f${row.file} l${row.line} c${row.column}${row.isStmt ? " stmt" : ""}${row.discriminator ? ` d${row.discriminator}` : ""}${row.endSequence ? " end" : ""}`,
      );
    });
    expect(views.size).toBe(1);
    expect(visited).toEqual(
      [...program.rows()].map(
        (row) =>
          `${row.address.toString(16)} f${row.file} l${row.line} c${row.column}${row.isStmt ? " stmt" : ""}${row.discriminator ? ` d${row.discriminator}` : ""}${row.endSequence ? " end" : ""}`,
      ),
    );
  });

  it("LineProgram.rows() applies minimum_instruction_length and the DWARF 4 op_index rule", () => {
    const body = [...op.setAddress(0x400), ...op.copy, ...op.advancePc(4), ...op.copy, ...op.special(1, 0), ...op.constAddPc, ...op.copy, ...op.endSequence];
    const program = LineProgram.at(sections(lineProgram({ version: 4, minimumInstructionLength: 8, maximumOperationsPerInstruction: 3, body })), 0);
    const rows = [...program.rows()];
    // advance 4 ops: 8 * floor(4 / 3) = 8, op_index 1; special +1: op_index 2; const_add_pc 17 ops: (2 + 17) = 19 → 8 * 6 = 48, op_index 1
    expect(rows.map((row) => [row.address, row.opIndex])).toEqual([
      [0x400n, 0],
      [0x408n, 1],
      [0x408n, 2],
      [0x438n, 1],
      [0x438n, 1],
    ]);
  });

  it("LineProgram.rows() skips unknown standard opcodes by standard_opcode_lengths and unknown extended opcodes by length", () => {
    const lengths = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 2];
    // opcode 13 is an unknown standard opcode with 2 operands; 14 is the first special opcode
    const body = [
      ...op.setAddress(0x10),
      ...op.advanceLine(9),
      13,
      ...uleb(300),
      ...uleb(5),
      ...op.copy,
      ...ext(0x80, [1, 2, 3, 4]),
      ...ext(0x33),
      14 + 5 + 14 * 2,
      ...op.endSequence,
    ];
    const program = LineProgram.at(sections(lineProgram({ version: 3, opcodeBase: 14, standardOpcodeLengths: lengths, body })), 0);
    expect([...program.rows()].map(brief)).toEqual(["10 f1 l10 c0 stmt", "12 f1 l10 c0 stmt", "12 f1 l10 c0 stmt end"]);
  });

  it("an opcode_base below 13 makes the later standard opcodes special (DWARF 2 producers use 10)", () => {
    const body = [...op.setAddress(0x10), ...op.advanceLine(9), ...op.copy, 10 /* special 0: line -5 */, ...op.endSequence];
    const program = LineProgram.at(sections(lineProgram({ version: 2, opcodeBase: 10, body })), 0);
    expect([...program.rows()].map((row) => row.line)).toEqual([10, 5, 5]);
  });

  it("DW_LNE_define_file adds a file that fileName() names after the rows that define it", () => {
    const body = [...op.defineFile("late.c", 1), ...op.setAddress(0x10), ...op.setFile(5), ...op.copy, ...op.advancePc(2), ...op.endSequence];
    const program = LineProgram.at(sections(lineProgram({ version: 2, ...V2_FILES, body })), 0, { compDir: "/cd" });
    expect(program.fileName(5)).toBeUndefined();
    const rows = [...program.rows()];
    expect(rows[0]!.file).toBe(5);
    expect(program.fileName(5)).toBe("/cd/sub/late.c");
    expect(program.locate(0x10n)?.file).toBe("/cd/sub/late.c");
  });

  it("DW_LNE_set_address reads 4-byte addresses and 64-bit addresses keep all their bits", () => {
    const high = 0xffff_fff0_8000_0000n;
    const body = [
      ...op.setAddress(high),
      ...op.copy,
      ...op.advancePc(0x1_0000_0010),
      ...op.copy,
      ...op.advancePc(1),
      ...op.endSequence,
      ...op.setAddress(0xfffffff0, 4),
      ...op.copy,
      ...op.advancePc(4),
      ...op.endSequence,
    ];
    const program = LineProgram.at(sections(lineProgram({ version: 4, body })), 0);
    expect([...program.rows()].map((row) => row.address)).toEqual([high, high + 0x1_0000_0010n, high + 0x1_0000_0011n, 0xfffffff0n, 0xfffffff4n]);
    expect(program.locate(high + 5n)?.address).toBe(high);
    expect(program.locate(high + 0x1_0000_0010n)?.address).toBe(high + 0x1_0000_0010n);
  });
});

describe("LineProgram headers", () => {
  it("LineProgram.at() reads a DWARF 2-4 header and fileName() joins as addr2line does", () => {
    const program = LineProgram.at(sections(lineProgram({ version: 4, ...V2_FILES, body: [] })), 0, { compDir: "/cd", compName: "main.c" });
    expect(program.header.include_directories).toEqual(["sub", "/abs/inc"]);
    expect(program.header.file_names.map((f) => f.path)).toEqual(["main.c", "util.c", "x.h", "/opt/inc/y.h"]);
    expect([0, 1, 2, 3, 4, 5].map((i) => program.fileName(i))).toEqual([
      "/cd/main.c",
      "/cd/main.c",
      "/cd/sub/util.c",
      "/abs/inc/x.h",
      "/opt/inc/y.h",
      undefined,
    ]);
    const bare = LineProgram.at(sections(lineProgram({ version: 4, ...V2_FILES, body: [] })), 0);
    expect([0, 1, 2].map((i) => bare.fileName(i))).toEqual([undefined, "main.c", "sub/util.c"]);
    expect(bare.directory(0)).toBeUndefined();
    expect(bare.directory(1)).toBe("sub");
  });

  it("LineProgram.at() reads a DWARF 5 header with line_strp, strp, data16 MD5 and vendor content, 0-based", () => {
    const lineStr = [...cstr("/comp"), ...cstr("inc"), ...cstr("a.c")];
    const str = [...cstr("b.h")];
    const fileFormat = [
      { contentType: DW_LNCT_path, form: FORM.line_strp },
      { contentType: DW_LNCT_directory_index, form: FORM.data1 },
      { contentType: DW_LNCT_timestamp, form: FORM.data4 },
      { contentType: DW_LNCT_size, form: FORM.udata },
      { contentType: DW_LNCT_MD5, form: FORM.data16 },
      { contentType: DW_LNCT_LLVM_source, form: FORM.string },
    ];
    const md5 = Array.from({ length: 16 }, (_, i) => i * 17);
    const entry = (pathOffset: number, dir: number) => [...le(pathOffset, 4), dir, ...le(7, 4), ...uleb(1234), ...md5, ...cstr("int x;")];
    const bytes = lineProgram({
      version: 5,
      directoryFormat: [{ contentType: DW_LNCT_path, form: FORM.line_strp }],
      directoryCount: 2,
      directoryEntries: [...le(0, 4), ...le(6, 4)],
      fileFormat,
      fileCount: 2,
      fileEntries: [...entry(10, 0), ...entry(10, 1)],
      body: [],
    });
    const program = LineProgram.at(sections(bytes, { debug_line_str: lineStr, debug_str: str }), 0);
    expect(program.header.address_size).toBe(8);
    expect(program.header.include_directories).toEqual(["/comp", "inc"]);
    expect(program.header.file_names[0]).toEqual({ path: "a.c", directoryIndex: 0, timestamp: 7n, size: 1234n, md5: "00112233445566778899aabbccddeeff" });
    expect([0, 1, 2].map((i) => program.fileName(i))).toEqual(["/comp/a.c", "/comp/inc/a.c", undefined]);
    // strp paths read .debug_str
    const viaStrp = lineProgram({
      version: 5,
      directories: ["/d"],
      fileFormat: [{ contentType: DW_LNCT_path, form: FORM.strp }],
      fileCount: 1,
      fileEntries: le(0, 4),
      body: [],
    });
    expect(LineProgram.at(sections(viaStrp, { debug_str: str }), 0).fileName(0)).toBe("/d/b.h");
    expectDwarfError(() => LineProgram.at(sections(viaStrp), 0), "bad-value", /\.debug_str/);
  });

  it("LineProgram.at() reads the 64-bit DWARF format (DWARF 4 and 5 with 8-byte line_strp offsets)", () => {
    const v4 = LineProgram.at(
      sections(lineProgram({ version: 4, format64: true, ...V2_FILES, body: [...op.setAddress(0x10), ...op.copy, ...op.endSequence] })),
      0,
      { compDir: "/c" },
    );
    expect(v4.header.format64).toBe(true);
    expect(v4.fileName(2)).toBe("/c/sub/util.c");
    expect([...v4.rows()].length).toBe(2);
    const lineStr = [...cstr("/x"), ...cstr("f.c")];
    const v5 = lineProgram({
      version: 5,
      format64: true,
      directoryFormat: [{ contentType: DW_LNCT_path, form: FORM.line_strp }],
      directoryCount: 1,
      directoryEntries: le(0, 8),
      fileFormat: [
        { contentType: DW_LNCT_path, form: FORM.line_strp },
        { contentType: DW_LNCT_directory_index, form: FORM.udata },
      ],
      fileCount: 1,
      fileEntries: [...le(3, 8), 0],
      body: [...op.setAddress(0x20), ...op.setFile(0), ...op.copy, ...op.advancePc(1), ...op.endSequence],
    });
    const program = LineProgram.at(sections(v5, { debug_line_str: lineStr }), 0);
    expect(program.header.format64).toBe(true);
    expect(program.locate(0x20n)).toMatchObject({ file: "/x/f.c", fileIndex: 0 });
  });

  it("LineTable walks several programs and uses each unit's comp dir", () => {
    const a = lineProgram({
      version: 4,
      files: [{ path: "a.c", dir: 0 }],
      body: [...op.setAddress(0x100), ...op.copy, ...op.advancePc(0x10), ...op.endSequence],
    });
    const b = lineProgram({
      version: 2,
      files: [{ path: "b.c", dir: 0 }],
      body: [...op.setAddress(0x80), ...op.advanceLine(4), ...op.copy, ...op.advancePc(0x10), ...op.endSequence],
    });
    const table = LineTable.of(sections([...a, ...b]), { unit: (offset) => (offset === 0 ? { compDir: "/a" } : { compDir: "/b" }) });
    expect(table.locate(0x105n)).toMatchObject({ file: "/a/a.c", line: 1, address: 0x100n, programOffset: 0 });
    expect(table.locate(0x8fn)).toMatchObject({ file: "/b/b.c", line: 5, programOffset: a.length });
    expect(table.locate(0x110n)).toBeUndefined();
    expect(table.locate(0x7fn)).toBeUndefined();
    expect(table.index()).toEqual({ programs: 2, sequences: 2, rows: 4 });
    expect(table.programAt(a.length)?.header.version).toBe(2);
    expect(() => table.locate(-1n)).toThrow(RangeError);
    expect(() => table.locate(1n << 64n)).toThrow(RangeError);
  });
});

describe("LineProgram.locate()", () => {
  it("locate() picks the row with address ≤ pc < next row address, the last of rows at one address", () => {
    const body = [
      ...op.setAddress(0x1000),
      ...op.copy,
      ...op.advanceLine(1),
      ...op.copy, // two rows at 0x1000: the second (line 2) covers it
      ...op.advancePc(8),
      ...op.advanceLine(1),
      ...op.setDiscriminator(3),
      ...op.copy,
      ...op.advancePc(8),
      ...op.endSequence,
    ];
    const program = LineProgram.at(sections(lineProgram({ version: 4, files: [{ path: "m.c", dir: 0 }], body })), 0);
    expect(program.locate(0xfffn)).toBeUndefined();
    expect(program.locate(0x1000n)).toMatchObject({ line: 2, discriminator: 0, address: 0x1000n });
    expect(program.locate(0x1007n)?.line).toBe(2);
    expect(program.locate(0x1008n)).toMatchObject({ line: 3, discriminator: 3 });
    expect(program.locate(0x100fn)?.line).toBe(3);
    expect(program.locate(0x1010n)).toBeUndefined();
  });

  it("locate() prefers the sequence that starts last when sequences overlap, and sorts rows that go backwards", () => {
    const body = [
      ...op.setAddress(0x1000),
      ...op.copy,
      ...op.advancePc(0x100),
      ...op.endSequence, // [0x1000, 0x1100) line 1
      ...op.setAddress(0x1040),
      ...op.advanceLine(99),
      ...op.copy,
      ...op.advancePc(0x10),
      ...op.endSequence, // [0x1040, 0x1050) line 100
      ...op.setAddress(0x3010),
      ...op.advanceLine(19),
      ...op.copy,
      ...op.setAddress(0x3000),
      ...op.advanceLine(-10),
      ...op.copy,
      ...op.setAddress(0x3020),
      ...op.endSequence,
    ];
    const program = LineProgram.at(sections(lineProgram({ version: 4, body })), 0);
    expect(program.locate(0x1045n)?.line).toBe(100);
    expect(program.locate(0x1050n)?.line).toBe(1);
    expect(program.locate(0x103fn)?.line).toBe(1);
    expect(program.locate(0x3005n)?.line).toBe(10);
    expect(program.locate(0x3015n)?.line).toBe(20);
  });

  it("locate() leaves out a final sequence without DW_LNE_end_sequence", () => {
    const body = [...op.setAddress(0x10), ...op.copy, ...op.advancePc(4), ...op.copy];
    const program = LineProgram.at(sections(lineProgram({ version: 4, body })), 0);
    expect([...program.rows()].length).toBe(2);
    expect([...program.sequences()].length).toBe(0);
    expect(program.locate(0x10n)).toBeUndefined();
  });
});

describe("LineProgram malformed input", () => {
  const ok = [...op.setAddress(0x10), ...op.copy, ...op.endSequence];

  it("headers: truncated, unsupported version, bad line_range, opcode_base and maximum_operations_per_instruction", () => {
    const bytes = lineProgram({ version: 4, ...V2_FILES, body: ok });
    for (let cut = 1; cut < 40; cut += 3) expectDwarfError(() => LineProgram.at(sections(bytes.slice(0, cut)), 0), "truncated");
    expectDwarfError(() => LineProgram.at(sections(bytes), bytes.length + 3), "bad-value");
    const v6 = bytes.slice();
    v6[4] = 6;
    expectDwarfError(() => LineProgram.at(sections(v6), 0), "unsupported", /version 6/);
    expectDwarfError(() => LineProgram.at(sections(lineProgram({ version: 3, lineRange: 0, body: ok })), 0), "bad-value", /line_range/);
    expectDwarfError(
      () => LineProgram.at(sections(lineProgram({ version: 3, opcodeBase: 0, standardOpcodeLengths: [], body: ok })), 0),
      "bad-value",
      /opcode_base/,
    );
    expectDwarfError(
      () => LineProgram.at(sections(lineProgram({ version: 4, maximumOperationsPerInstruction: 0, body: ok })), 0),
      "bad-value",
      /maximum_operations/,
    );
    expectDwarfError(() => LineProgram.at(sections(lineProgram({ version: 5, addressSize: 3, body: ok })), 0), "bad-value", /address_size/);
  });

  it("DWARF 5 entries: unknown form, strx without a base, missing .debug_line_str, path of the wrong kind", () => {
    const withFile = (format: { contentType: number; form: number }[], entries: number[]) =>
      lineProgram({ version: 5, directories: ["/d"], fileFormat: format, fileCount: 1, fileEntries: entries, body: ok });
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 1, form: 0x7f }], [0])), 0), "unsupported", /DW_FORM_0x7f/);
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 1, form: FORM.strx1 }], [0])), 0), "unsupported", /str_offsets_base/);
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 1, form: FORM.line_strp }], le(0, 4))), 0), "bad-value", /\.debug_line_str/);
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 1, form: FORM.udata }], [1])), 0), "bad-value", /DW_LNCT_path/);
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 2, form: FORM.udata }], [1])), 0), "bad-value", /no DW_LNCT_path/);
    expectDwarfError(() => LineProgram.at(sections(withFile([{ contentType: 1, form: FORM.block }], [...uleb(1 << 30)])), 0), "truncated");
  });

  it("lines that go negative or past 2^31 are a bad-value", () => {
    const negative = LineProgram.at(
      sections(lineProgram({ version: 4, body: [...op.setAddress(0x10), ...op.advanceLine(-2), ...op.copy, ...op.endSequence] })),
      0,
    );
    expectDwarfError(() => [...negative.rows()], "bad-value", /Line -1/);
    expectDwarfError(() => negative.locate(0x10n), "bad-value");
    const special = LineProgram.at(sections(lineProgram({ version: 4, body: [...op.setAddress(0x10), ...op.special(0, -3), ...op.endSequence] })), 0);
    expectDwarfError(() => [...special.rows()], "bad-value", /Line -2/);
    const huge = LineProgram.at(sections(lineProgram({ version: 4, body: [...op.advanceLine(2 ** 31), ...op.copy] })), 0);
    expectDwarfError(() => [...huge.rows()], "bad-value", /out of range/);
    const big = LineProgram.at(sections(lineProgram({ version: 4, body: [...op.advanceLine(2 ** 31 - 2), ...op.copy] })), 0);
    expect([...big.rows()][0]!.line).toBe(2 ** 31 - 1);
  });

  it("addresses that overflow their size, oversized advances and bad extended opcodes are errors", () => {
    const run =
      (body: number[], version: 2 | 4 = 4) =>
      () => [...LineProgram.at(sections(lineProgram({ version, body })), 0).rows()];
    expectDwarfError(run([...op.setAddress(0xffff_fff0, 4), ...op.advancePc(0x20), ...op.copy]), "bad-value", /overflows the 4-byte address/);
    expectDwarfError(run([...op.setAddress(0xffff_ffff_ffff_fff0n), ...op.advancePc(0x20), ...op.copy]), "bad-value", /overflows/);
    expectDwarfError(run([...op.advancePc(1n << 60n), ...op.copy]), "bad-value", /safe integer/);
    expectDwarfError(run([0, ...uleb(100), 1]), "truncated", /runs past the end/);
    expectDwarfError(run([0, 0]), "bad-value", /length 0/);
    expectDwarfError(run(ext(2, [1, 2, 3])), "bad-value", /3-byte address/);
    expectDwarfError(run([...op.setFile(0), 0x04, ...uleb(2 ** 33)]), "bad-value", /32 bits/);
  });

  it("LineTable's onError skips a malformed program and keeps the others", () => {
    const good = lineProgram({ version: 4, body: [...op.setAddress(0x100), ...op.copy, ...op.advancePc(4), ...op.endSequence] });
    const bad = lineProgram({
      version: 4,
      body: [...op.setAddress(0x200), ...op.copy, ...op.advancePc(4), ...op.endSequence, ...op.advanceLine(-5), ...op.copy],
    });
    const v9 = lineProgram({ version: 4, body: [] });
    v9[4] = 9;
    const bytes = [...bad, ...v9, ...good];
    expectDwarfError(() => LineTable.of(sections(bytes)).locate(0x100n), "bad-value");
    const errors: string[] = [];
    const table = LineTable.of(sections(bytes), { onError: (error) => errors.push(error.code) });
    expect(table.locate(0x100n)?.line).toBe(1);
    expect(table.locate(0x201n)?.line).toBe(1); // the complete sequence before the problem is kept
    expect(errors).toEqual(["bad-value", "unsupported"]);
  });
});

describe("LineProgram limits", () => {
  it("an endless run of DW_LNS_copy reaches lineOpcodes (lowered), with a message naming it", () => {
    const bytes = lineProgram({ version: 4, body: Array(5000).fill(1) });
    const program = LineProgram.at(sections(bytes), 0, {}, { limits: { lineOpcodes: 1000 } });
    let rows = 0;
    const error = expectDwarfError(
      () => {
        for (const _ of program.rows()) rows++;
      },
      "limit",
      /limit of 1000 \(lineOpcodes\)/,
    );
    expect(rows).toBe(1000);
    expect(error.section).toBe(".debug_line");
    expectDwarfError(() => program.locate(0n), "limit", /lineOpcodes/);
    expectDwarfError(() => LineTable.of(sections(bytes), { limits: { lineOpcodes: 1000 } }).locate(0n), "limit", /lineOpcodes/);
    expect([...LineProgram.at(sections(bytes), 0).rows()].length).toBe(5000);
  });

  it("the default lineOpcodes limit is enforced (DWARF_LIMITS.lineOpcodes + 1 opcodes of DW_LNS_negate_stmt)", () => {
    const count = DWARF_LIMITS.lineOpcodes + 1;
    const header = lineProgram({ version: 4, format64: true, body: [] });
    const bytes = new Uint8Array(header.length + count).fill(0x06);
    bytes.set(header);
    new DataView(bytes.buffer).setBigUint64(4, BigInt(bytes.length - 12), true);
    const program = LineProgram.at({ littleEndian: true, debug_line: bufferSource(bytes) }, 0);
    expectDwarfError(() => [...program.rows()], "limit", new RegExp(`limit of ${DWARF_LIMITS.lineOpcodes} \\(lineOpcodes\\)`));
  }, 120_000);

  it("header entries reach lineHeaderEntries without allocating what the count says", () => {
    const many = lineProgram({ version: 5, directories: ["/d"], fileCount: 2n ** 40n, fileEntries: [], body: [] });
    expectDwarfError(() => LineProgram.at(sections(many), 0), "limit", /lineHeaderEntries/);
    const dirs = lineProgram({ version: 2, directories: Array.from({ length: 20 }, (_, i) => `d${i}`), body: [] });
    expectDwarfError(() => LineProgram.at(sections(dirs), 0, {}, { limits: { lineHeaderEntries: 10 } }), "limit", /limit of 10 \(lineHeaderEntries\)/);
    const defines = lineProgram({ version: 2, files: [{ path: "a.c", dir: 0 }], body: Array.from({ length: 5 }, () => op.defineFile("x.c", 0)).flat() });
    expectDwarfError(() => [...LineProgram.at(sections(defines), 0, {}, { limits: { lineHeaderEntries: 4 } }).rows()], "limit", /DW_LNE_define_file/);
  });

  it("entry formats reach lineEntryFormats; programs reach linePrograms; rows reach lineIndexRows", () => {
    const formats = Array.from({ length: 65 }, () => ({ contentType: DW_LNCT_size, form: FORM.udata }));
    expectDwarfError(
      () => LineProgram.at(sections(lineProgram({ version: 5, fileFormat: formats, fileCount: 0, fileEntries: [], body: [] })), 0),
      "limit",
      /lineEntryFormats/,
    );
    const one = lineProgram({ version: 4, body: [...op.setAddress(0x10), ...op.copy, ...op.advancePc(1), ...op.copy, ...op.advancePc(1), ...op.endSequence] });
    const three = [...one, ...one, ...one];
    expectDwarfError(() => [...LineTable.of(sections(three), { limits: { linePrograms: 2 } }).programs()], "limit", /linePrograms/);
    expectDwarfError(() => LineTable.of(sections(three), { limits: { lineIndexRows: 5 } }).locate(0x10n), "limit", /lineIndexRows/);
    expectDwarfError(() => LineTable.of(sections(three), { limits: { lineIndexRows: 5 }, onError: () => {} }).locate(0x10n), "limit", /lineIndexRows/);
    expect(LineTable.of(sections(three), { limits: { lineIndexRows: 9 } }).index().rows).toBe(9);
    expect(() => LineProgram.at(sections(one), 0, {}, { limits: { lineOpcodes: -1 } })).toThrow(RangeError);
  });

  it("a string longer than stringBytes reaches the limit; one cut by the end is truncated", () => {
    const long = lineProgram({ version: 4, directories: ["x".repeat(DWARF_LIMITS.stringBytes + 10)], body: [] });
    expectDwarfError(() => LineProgram.at(sections(long), 0), "limit", /stringBytes/);
    const cut = lineProgram({ version: 4, directories: ["abc"], body: [] });
    expectDwarfError(() => LineProgram.at(sections(cut.slice(0, cut.length - 3)), 0), "truncated");
  });
});

import { describe, expect, it } from "vitest";
import { cstr, le, sleb, uleb } from "../test/_bytes.js";
import { CfiBuilder, ehFrameHdr } from "../test/_cfi_builder.js";
import { expectDwarfError } from "../test/_expect.js";
import { bufferSource } from "./byte_source.js";
import { CallFrameInfo, type FrameDescriptionEntry, type UnwindRow } from "./call_frame_info.js";
import { cfiSection, iterateRecords } from "./_cfi_records.js";
import { sectionOf } from "./_reader.js";
import { DWARF_LIMITS } from "./limits.js";

const EH = 0x10000n;
/** DW_CFA_def_cfa rsp+8; DW_CFA_offset ra at cfa-8: the x86-64 CIE's initial instructions. */
const X86_64_INITIAL = [0x0c, 7, 8, 0x90, 1];

/** An FDE with `DW_EH_PE_pcrel|DW_EH_PE_sdata4` addresses (the default "zR" CIE's). */
function pcrelFde(builder: CfiBuilder, cie: number, start: bigint, range: number, instructions: number[], augmentationData: number[] = []): number {
  const field = BigInt(builder.nextFieldOffset());
  return builder.fde({ cie, addresses: [...le(start - (EH + field), 4), ...le(range, 4)], augmentationData, instructions });
}

function ehCfi(bytes: Uint8Array, extra: { hdr?: Uint8Array; hdrAddress?: bigint; textAddress?: bigint; dataAddress?: bigint } = {}): CallFrameInfo {
  return CallFrameInfo.fromEhFrame({
    eh_frame: bufferSource(bytes),
    ehFrameAddress: EH,
    ...(extra.hdr ? { eh_frame_hdr: bufferSource(extra.hdr), ehFrameHdrAddress: extra.hdrAddress ?? 0x8000n } : {}),
    ...(extra.textAddress !== undefined ? { textAddress: extra.textAddress } : {}),
    ...(extra.dataAddress !== undefined ? { dataAddress: extra.dataAddress } : {}),
    littleEndian: true,
    addressSize: 8,
  });
}

function fdes(cfi: CallFrameInfo): FrameDescriptionEntry[] {
  return [...cfi.records()].filter((record): record is FrameDescriptionEntry => record.kind === "fde");
}

/** A compact text form of a row for assertions. */
function show(row: UnwindRow | undefined): string {
  if (!row) return "none";
  const cfa =
    row.cfa.rule === "register"
      ? `r${row.cfa.register}+${row.cfa.offset}`
      : row.cfa.rule === "expression"
        ? `exp[${[...row.cfa.expression].join(",")}]`
        : "undef";
  const registers = [...row.registers]
    .sort(([a], [b]) => a - b)
    .map(([number, rule]) => {
      switch (rule.rule) {
        case "offset":
          return `r${number}=c${rule.offset}`;
        case "val-offset":
          return `r${number}=v${rule.offset}`;
        case "register":
          return `r${number}=r${rule.register}`;
        case "expression":
          return `r${number}=exp[${[...rule.expression].join(",")}]`;
        case "val-expression":
          return `r${number}=vexp[${[...rule.expression].join(",")}]`;
        case "undefined":
          return `r${number}=u`;
        case "same-value":
          return `r${number}=s`;
      }
    });
  return `${row.startAddress.toString(16)}..${row.endAddress.toString(16)} cfa=${cfa} ${registers.join(" ")}`.trim();
}

/** One "zR" CIE (pcrel|sdata4) and one FDE with `instructions` over [0x1000, 0x1100). */
function oneFde(instructions: number[], cie: Parameters<CfiBuilder["cie"]>[0] = {}): CallFrameInfo {
  const builder = new CfiBuilder({ eh: true });
  const cieOffset = builder.cie({ augmentationData: [0x1b], instructions: X86_64_INITIAL, ...cie });
  pcrelFde(builder, cieOffset, 0x1000n, 0x100, instructions, []);
  return ehCfi(builder.terminator().build());
}

describe("CallFrameInfo.fromEhFrame() records", () => {
  it("records() reads a zR CIE and pc-relative FDEs and stops at the zero terminator", () => {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x1b], instructions: X86_64_INITIAL });
    const first = pcrelFde(builder, cie, 0x1000n, 0x20, [0x41, 0x0e, 16]);
    const second = pcrelFde(builder, cie, 0x2000n, 0x10, []);
    builder.terminator();
    builder.bytes.push(0xde, 0xad); // garbage after the terminator is not read
    const records = [...ehCfi(builder.build()).records()];
    expect(records.map((record) => `${record.kind}@${record.offset}`)).toEqual([`cie@${cie}`, `fde@${first}`, `fde@${second}`]);
    const [c, f] = records;
    expect(c).toMatchObject({
      kind: "cie",
      version: 1,
      augmentation: "zR",
      codeAlignmentFactor: 1,
      dataAlignmentFactor: -8,
      returnAddressRegister: 16,
      fdePointerEncoding: 0x1b,
      addressSize: 8,
    });
    expect(f).toMatchObject({ kind: "fde", cieOffset: cie, initialLocation: 0x1000n, addressRange: 0x20n, endAddress: 0x1020n });
    expect((f as FrameDescriptionEntry).instructions).toEqual(Uint8Array.from([0x41, 0x0e, 16]));
  });

  it("records() reads personality, LSDA and signal-frame augmentations (zPLRS)", () => {
    const builder = new CfiBuilder({ eh: true });
    // P: DW_EH_PE_indirect|pcrel|sdata4 pointer; L: pcrel|sdata4; R: pcrel|sdata4.
    const cieStart = builder.size;
    // Personality field offset: length(4) + id(4) + version(1) + "zPLRS\0"(6) + caf(1) + daf(1) + ra(1) + auglen(1) + enc(1).
    const personalityField = BigInt(cieStart + 4 + 4 + 1 + 6 + 3 + 1 + 1);
    const cie = builder.cie({
      augmentation: "zPLRS",
      augmentationData: [0x9b, ...le(0x5000n - (EH + personalityField), 4), 0x1b, 0x1b],
      instructions: X86_64_INITIAL,
    });
    const lsdaField = BigInt(builder.nextFieldOffset() + 8 + 1);
    pcrelFde(builder, cie, 0x1000n, 0x10, [], le(0x7000n - (EH + lsdaField), 4));
    const cfi = ehCfi(builder.terminator().build());
    const [c, f] = [...cfi.records()];
    expect(c).toMatchObject({
      augmentation: "zPLRS",
      lsdaEncoding: 0x1b,
      signalFrame: true,
      personality: { encoding: 0x9b, address: 0x5000n, indirect: true },
    });
    expect((f as FrameDescriptionEntry).lsda).toEqual({ address: 0x7000n, indirect: false });
    expect(cfi.rowFor(0x1000n)?.signalFrame).toBe(true);
  });

  it("records() keeps a personality whose base is unknown (datarel) without its address", () => {
    const builder = new CfiBuilder({ eh: true });
    builder.cie({ augmentation: "zPR", augmentationData: [0x3b, ...le(0x40, 4), 0x1b] });
    const [c] = [...ehCfi(builder.build()).records()];
    expect(c).toMatchObject({ personality: { encoding: 0x3b, address: undefined, indirect: false } });
  });

  it('records() reads the legacy "eh" augmentation\'s data pointer', () => {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentation: "eh", afterAugmentation: le(0x1234, 8), instructions: X86_64_INITIAL });
    builder.fde({ cie, addresses: [...le(0x3000, 8), ...le(0x10, 8)], instructions: [0x41] });
    const cfi = ehCfi(builder.terminator().build());
    const [c] = [...cfi.records()];
    expect(c).toMatchObject({ augmentation: "eh", ehData: 0x1234n, fdePointerEncoding: 0 });
    expect(show(cfi.rowFor(0x3005n))).toBe("3001..3010 cfa=r7+8 r16=c-8");
  });

  it("records() refuses an unknown augmentation without 'z' and skips unknown flags after 'z'", () => {
    const bad = new CfiBuilder({ eh: true });
    bad.cie({ augmentation: "xyz" });
    expectDwarfError(() => [...ehCfi(bad.build()).records()], "unsupported", /augmentation "xyz"/);
    const flags = new CfiBuilder({ eh: true });
    flags.cie({ augmentation: "zRQ", augmentationData: [0x1b, 0x00] });
    expect([...ehCfi(flags.build()).records()][0]).toMatchObject({ augmentation: "zRQ", fdePointerEncoding: 0x1b });
    const after = new CfiBuilder({ eh: true });
    after.cie({ augmentation: "zQR", augmentationData: [0x1b] });
    expectDwarfError(() => [...ehCfi(after.build()).records()], "unsupported");
  });

  it("records() stops with DwarfFormatError at a truncated record", () => {
    const builder = new CfiBuilder({ eh: true });
    builder.cie({ augmentationData: [0x1b], instructions: X86_64_INITIAL });
    const bytes = builder.build();
    const cfi = ehCfi(bytes.subarray(0, bytes.length - 3));
    expectDwarfError(() => [...cfi.records()], "truncated", /runs past the end/);
  });
});

describe("pointer encodings", () => {
  const cases: [string, number, number[]][] = [
    ["DW_EH_PE_absptr", 0x00, [...le(0x1000, 8), ...le(0x100, 8)]],
    ["DW_EH_PE_udata2", 0x02, [...le(0x1000, 2), ...le(0x100, 2)]],
    ["DW_EH_PE_udata4", 0x03, [...le(0x1000, 4), ...le(0x100, 4)]],
    ["DW_EH_PE_udata8", 0x04, [...le(0x1000, 8), ...le(0x100, 8)]],
    ["DW_EH_PE_uleb128", 0x01, [...uleb(0x1000), ...uleb(0x100)]],
    ["DW_EH_PE_sleb128", 0x09, [...sleb(0x1000), ...sleb(0x100)]],
    ["DW_EH_PE_sdata2", 0x0a, [...le(0x1000, 2), ...le(0x100, 2)]],
    ["DW_EH_PE_sdata8", 0x0c, [...le(0x1000, 8), ...le(0x100, 8)]],
    ["DW_EH_PE_textrel|DW_EH_PE_udata4", 0x23, [...le(0x0800, 4), ...le(0x100, 4)]],
    ["DW_EH_PE_datarel|DW_EH_PE_sdata4", 0x3b, [...le(-0x1000, 4), ...le(0x100, 4)]],
  ];
  for (const [name, encoding, addresses] of cases) {
    it(`records() decodes FDE addresses in ${name}`, () => {
      const builder = new CfiBuilder({ eh: true });
      const cie = builder.cie({ augmentationData: [encoding], instructions: X86_64_INITIAL });
      builder.fde({ cie, addresses, augmentationData: [], instructions: [] });
      const cfi = ehCfi(builder.terminator().build(), { textAddress: 0x800n, dataAddress: 0x2000n });
      expect(fdes(cfi)[0]).toMatchObject({ initialLocation: 0x1000n, endAddress: 0x1100n });
      expect(cfi.findFde(0x10ffn)?.initialLocation).toBe(0x1000n);
    });
  }

  it("records() refuses textrel without a text address, an indirect FDE encoding, and a bad format", () => {
    const make = (encoding: number) => {
      const builder = new CfiBuilder({ eh: true });
      const cie = builder.cie({ augmentationData: [encoding] });
      builder.fde({ cie, addresses: [...le(0, 4), ...le(1, 4)], augmentationData: [] });
      return builder.build();
    };
    expectDwarfError(() => [...ehCfi(make(0x23)).records()], "unsupported", /text address/);
    expectDwarfError(() => [...ehCfi(make(0x9b)).records()], "unsupported", /DW_EH_PE_indirect/);
    expectDwarfError(() => [...ehCfi(make(0x07)).records()], "bad-value", /Invalid pointer encoding/);
    expectDwarfError(() => [...ehCfi(make(0x7b)).records()], "bad-value", /Invalid pointer encoding/);
  });

  it("DW_CFA_set_loc reads its operand in the FDE encoding, funcrel relative to the FDE start", () => {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x43], instructions: X86_64_INITIAL }); // funcrel|udata4
    // initial location funcrel: the function address is not known yet, so use absolute-udata4 CIE for that.
    const absolute = builder.cie({ augmentationData: [0x03], instructions: X86_64_INITIAL });
    builder.fde({ cie: absolute, addresses: [...le(0x1000, 4), ...le(0x100, 4)], augmentationData: [], instructions: [0x01, ...le(0x1010, 4), 0x0e, 16] });
    void cie;
    const cfi = ehCfi(builder.terminator().build());
    expect([...cfi.rows(fdes(cfi)[0]!)].map(show)).toEqual(["1000..1010 cfa=r7+8 r16=c-8", "1010..1100 cfa=r7+16 r16=c-8"]);
    const funcrel = new CfiBuilder({ eh: true });
    const c2 = funcrel.cie({ augmentationData: [0x03], instructions: X86_64_INITIAL });
    funcrel.fde({ cie: c2, addresses: [...le(0x1000, 4), ...le(0x100, 4)], augmentationData: [], instructions: [0x0e, 24] });
    expect(show(ehCfi(funcrel.build()).rowFor(0x1000n))).toBe("1000..1100 cfa=r7+24 r16=c-8");
  });
});

describe("CallFrameInfo.rows() and rowFor() run every DW_CFA instruction", () => {
  // CIE "zR" with DW_EH_PE_udata4 addresses so DW_CFA_set_loc takes an absolute 4-byte operand.
  const program = [
    0x41, // DW_CFA_advance_loc 1
    0x0e,
    16,
    0x86,
    2, // DW_CFA_def_cfa_offset 16; DW_CFA_offset r6 at cfa-16
    0x02,
    3, // DW_CFA_advance_loc1 3
    0x0d,
    6, // DW_CFA_def_cfa_register r6
    0x03,
    ...le(0x10, 2), // DW_CFA_advance_loc2 16
    0x05,
    3,
    3, // DW_CFA_offset_extended r3 at cfa-24
    0x11,
    12,
    ...sleb(-4), // DW_CFA_offset_extended_sf r12 at cfa+32
    0x2f,
    13,
    2, // DW_CFA_GNU_negative_offset_extended r13 at cfa+16
    0x14,
    14,
    1, // DW_CFA_val_offset r14 = cfa-8
    0x15,
    15,
    ...sleb(2), // DW_CFA_val_offset_sf r15 = cfa-16
    0x09,
    1,
    2, // DW_CFA_register r1 in r2
    0x07,
    4, // DW_CFA_undefined r4
    0x08,
    5, // DW_CFA_same_value r5
    0x10,
    8,
    2,
    0x77,
    0x00, // DW_CFA_expression r8 [DW_OP_breg7 0]
    0x16,
    9,
    1,
    0x30, // DW_CFA_val_expression r9 [DW_OP_lit0]
    0x2e,
    32, // DW_CFA_GNU_args_size 32
    0x2d, // DW_CFA_AArch64_negate_ra_state
    0x00, // DW_CFA_nop
    0x04,
    ...le(0x10, 4), // DW_CFA_advance_loc4 16
    0x0a, // DW_CFA_remember_state
    0x0c,
    7,
    48, // DW_CFA_def_cfa rsp+48
    0xc3, // DW_CFA_restore r3 (no initial rule: back to the default)
    0x90,
    3, // DW_CFA_offset ra at cfa-24
    0x1d,
    ...le(8, 8), // DW_CFA_MIPS_advance_loc8 8
    0x06,
    16, // DW_CFA_restore_extended ra (initial: cfa-8)
    0x0b, // DW_CFA_restore_state
    0x12,
    7,
    ...sleb(-2), // DW_CFA_def_cfa_sf rsp+16
    0x13,
    ...sleb(-4), // DW_CFA_def_cfa_offset_sf 32
    0x01,
    ...le(0x1040, 4), // DW_CFA_set_loc 0x1040
    0x0f,
    2,
    0x77,
    0x08, // DW_CFA_def_cfa_expression [DW_OP_breg7 8]
  ];
  const expected = [
    "1000..1001 cfa=r7+8 r16=c-8",
    "1001..1004 cfa=r7+16 r6=c-16 r16=c-8",
    "1004..1014 cfa=r6+16 r6=c-16 r16=c-8",
    "1014..1024 cfa=r6+16 r1=r2 r3=c-24 r4=u r5=s r6=c-16 r8=exp[119,0] r9=vexp[48] r12=c32 r13=c16 r14=v-8 r15=v-16 r16=c-8",
    "1024..102c cfa=r7+48 r1=r2 r4=u r5=s r6=c-16 r8=exp[119,0] r9=vexp[48] r12=c32 r13=c16 r14=v-8 r15=v-16 r16=c-24",
    "102c..1040 cfa=r7+32 r1=r2 r3=c-24 r4=u r5=s r6=c-16 r8=exp[119,0] r9=vexp[48] r12=c32 r13=c16 r14=v-8 r15=v-16 r16=c-8",
    "1040..1100 cfa=exp[119,8] r1=r2 r3=c-24 r4=u r5=s r6=c-16 r8=exp[119,0] r9=vexp[48] r12=c32 r13=c16 r14=v-8 r15=v-16 r16=c-8",
  ];
  const build = () => {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x03], instructions: X86_64_INITIAL });
    builder.fde({ cie, addresses: [...le(0x1000, 4), ...le(0x100, 4)], augmentationData: [], instructions: program });
    return ehCfi(builder.terminator().build());
  };

  it("rows() yields one row per advance, covering the FDE without gaps", () => {
    const cfi = build();
    const rows = [...cfi.rows(fdes(cfi)[0]!)];
    expect(rows.map(show)).toEqual(expected);
    expect(rows[3]).toMatchObject({ argsSize: 32n, negateRaState: true, returnAddressRegister: 16, signalFrame: false });
    expect(rows[0]).toMatchObject({ argsSize: 0n, negateRaState: false });
  });

  it("rowFor() returns the row holding each address, and undefined outside every FDE", () => {
    const cfi = build();
    const at = (pc: bigint) => show(cfi.rowFor(pc));
    expect(at(0x1000n)).toBe(expected[0]);
    expect(at(0x1003n)).toBe(expected[1]);
    expect(at(0x1023n)).toBe(expected[3]);
    expect(at(0x102bn)).toBe(expected[4]);
    expect(at(0x10ffn)).toBe(expected[6]);
    expect(cfi.rowFor(0x1100n)).toBeUndefined();
    expect(cfi.rowFor(0xfffn)).toBeUndefined();
  });

  it("rows() scales advances by the code alignment factor and skips rows of zero length", () => {
    const cfi = oneFde([0x42, 0x0e, 16, 0x40, 0x0e, 24, 0x41, 0x0e, 32], { codeAlignmentFactor: 4 });
    expect([...cfi.rows(fdes(cfi)[0]!)].map(show)).toEqual(["1000..1008 cfa=r7+8 r16=c-8", "1008..100c cfa=r7+24 r16=c-8", "100c..1100 cfa=r7+32 r16=c-8"]);
  });

  it("rows() stops at the FDE's end and does not read the instructions after it", () => {
    const cfi = oneFde([0x04, ...le(0x200, 4), 0x3f /* undefined opcode, never read */]);
    expect([...cfi.rows(fdes(cfi)[0]!)].map(show)).toEqual(["1000..1100 cfa=r7+8 r16=c-8"]);
  });
});

describe("malformed CFI throws DwarfFormatError", () => {
  it("rowFor() rejects an undefined opcode with bad-value", () => {
    expectDwarfError(() => oneFde([0x17]).rowFor(0x1000n), "bad-value", /Undefined call frame instruction 0x17/);
    expectDwarfError(() => oneFde([0x3c]).rowFor(0x1000n), "bad-value", /DW_CFA_0x3c/);
  });

  it("records() rejects a CIE pointer to an FDE, and a pointer loop ends at once", () => {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x1b], instructions: X86_64_INITIAL });
    const first = pcrelFde(builder, cie, 0x1000n, 0x10, []);
    builder.fde({ cie: first, addresses: [...le(0, 4), ...le(1, 4)], augmentationData: [] });
    expectDwarfError(() => [...ehCfi(builder.build()).records()], "bad-value", /not a CIE/);
    // Two FDEs pointing at each other (debug_frame pointers are absolute).
    const loop = new CfiBuilder({ eh: false });
    loop.fde({ cie: 0x1c, addresses: [...le(0, 8), ...le(1, 8)] });
    loop.fde({ cie: 0, addresses: [...le(0, 8), ...le(1, 8)] });
    expectDwarfError(
      () => [...CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(loop.build()), littleEndian: true, addressSize: 8 }).records()],
      "bad-value",
      /not a CIE/,
    );
  });

  it("records() rejects a CIE pointer outside the section and an FDE whose range wraps", () => {
    const builder = new CfiBuilder({ eh: true });
    builder.fde({ cie: 0, rawCiePointer: 0x7fff_ffff, addresses: [] });
    expectDwarfError(() => [...ehCfi(builder.build()).records()], "bad-value", /outside the section/);
    const wraps = new CfiBuilder({ eh: true });
    const cie = wraps.cie({ augmentationData: [0x04] });
    wraps.fde({ cie, addresses: [...le(0xffff_ffff_ffff_ff00n, 8), ...le(0x200, 8)], augmentationData: [] });
    expectDwarfError(() => [...ehCfi(wraps.build()).records()], "bad-value", /past the end of the address space/);
  });

  it("rowFor() rejects DW_CFA_restore_state without remember, an advance past the address space, a CIE that advances", () => {
    expectDwarfError(() => oneFde([0x0b]).rowFor(0x1000n), "bad-value", /without a matching DW_CFA_remember_state/);
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x04], instructions: X86_64_INITIAL });
    builder.fde({ cie, addresses: [...le(0xffff_ffff_ffff_f000n, 8), ...le(0x100, 8)], augmentationData: [], instructions: [0x1d, ...le(0xffff_ffffn, 8)] });
    expectDwarfError(() => ehCfi(builder.build()).rowFor(0xffff_ffff_ffff_f000n), "bad-value", /past the end of the address space/);
    expectDwarfError(() => oneFde([], { instructions: [0x0c, 7, 8, 0x41] }).rowFor(0x1000n), "bad-value", /initial instructions of a CIE/);
    expectDwarfError(() => oneFde([], { instructions: [0x0e, 8] }).rowFor(0x1000n), "bad-value", /CFA rule is not defined/);
  });

  it("rowFor() reports a truncated operand as truncated", () => {
    expectDwarfError(() => oneFde([0x04, 1, 2]).rowFor(0x1000n), "truncated");
    expectDwarfError(() => oneFde([0x10, 8, 5, 1]).rowFor(0x1000n), "truncated", /expression/);
  });

  it("never loops on a record of length 0xffffffff followed by nothing", () => {
    const cfi = ehCfi(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0]));
    expectDwarfError(() => [...cfi.records()], "truncated");
  });
});

describe("limits", () => {
  it(`rowFor() stops after DWARF_LIMITS.cfiInstructions (${DWARF_LIMITS.cfiInstructions}) instructions: 200k DW_CFA_nop`, () => {
    const error = expectDwarfError(() => oneFde(new Array<number>(200_000).fill(0)).rowFor(0x10ffn), "limit", /cfiInstructions/);
    expect(error.offset).toBeGreaterThan(DWARF_LIMITS.cfiInstructions);
  });

  it("rows() counts advances against cfiInstructions too", () => {
    const cfi = oneFde(new Array<number>(150_000).fill(0x40).concat([0x41]));
    expectDwarfError(() => [...cfi.rows(fdes(cfi)[0]!)], "limit", /cfiInstructions/);
  });

  it("rowFor() stops at 65 nested DW_CFA_remember_state (cfiRememberDepth)", () => {
    expect(() => oneFde(new Array<number>(DWARF_LIMITS.cfiRememberDepth).fill(0x0a)).rowFor(0x1000n)).not.toThrow();
    expectDwarfError(() => oneFde(new Array<number>(DWARF_LIMITS.cfiRememberDepth + 1).fill(0x0a)).rowFor(0x1000n), "limit", /cfiRememberDepth/);
  });

  it("records() stops at an augmentation string longer than augmentationLength", () => {
    const builder = new CfiBuilder({ eh: true });
    builder.cie({ augmentation: `z${"S".repeat(200)}` });
    expectDwarfError(() => [...ehCfi(builder.build()).records()], "limit", /augmentationLength/);
    const unterminated = new CfiBuilder({ eh: true });
    unterminated.cie({ augmentation: "z" });
    unterminated.bytes.splice(9, 2, ...new Array<number>(1000).fill(0x53));
    unterminated.bytes.splice(0, 4, ...le(unterminated.bytes.length - 4, 4));
    expectDwarfError(() => [...ehCfi(unterminated.build()).records()], "limit", /augmentationLength/);
  });

  it("rowFor() refuses a DWARF expression longer than expressionBytes", () => {
    const length = DWARF_LIMITS.expressionBytes + 1;
    const cfi = oneFde([0x0f, ...uleb(length), ...new Array<number>(length).fill(0x96)]);
    expectDwarfError(() => cfi.rowFor(0x1000n), "limit", /expressionBytes/);
    expectDwarfError(() => oneFde([0x10, 3, ...uleb(2 ** 40)]).rowFor(0x1000n), "limit", /expressionBytes/);
  });

  it("rowFor() refuses more register rules than cfiRegisterRules", () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => [0x07, ...uleb(100 + i)]).flat();
    expect(() => oneFde(many(DWARF_LIMITS.cfiRegisterRules - 1)).rowFor(0x1000n)).not.toThrow();
    expectDwarfError(() => oneFde(many(DWARF_LIMITS.cfiRegisterRules + 1)).rowFor(0x1000n), "limit", /cfiRegisterRules/);
  });

  it("records() stops past the record limit and names cfiRecords", () => {
    // DWARF_LIMITS.cfiRecords is 10 million; the iterator takes the limit as a parameter to test it.
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x1b] });
    for (let i = 0; i < 10; i++) pcrelFde(builder, cie, BigInt(0x1000 + i * 16), 16, []);
    const context = cfiSection(sectionOf(".eh_frame", bufferSource(builder.build()), true), { isEhFrame: true, addressSize: 8, sectionAddress: EH });
    expect([...iterateRecords(context, 11)]).toHaveLength(11);
    expectDwarfError(() => [...iterateRecords(context, 5)], "limit", /cfiRecords/);
  });

  it("an .eh_frame_hdr claiming more entries than cfiRecords is reported and not used", () => {
    const builder = new CfiBuilder({ eh: true });
    builder.cie({ augmentationData: [0x1b] });
    const hdr = ehFrameHdr({ hdrAddress: 0x8000n, ehFrameAddress: EH, entries: [], count: DWARF_LIMITS.cfiRecords + 1 });
    const cfi = ehCfi(builder.build(), { hdr });
    expect(cfi.lookup).toBe("index");
    expect(cfi.ehFrameHdrError?.code).toBe("limit");
    expect(cfi.ehFrameHdrError?.message).toMatch(/cfiRecords/);
  });
});

describe(".debug_frame", () => {
  const debugCfi = (bytes: Uint8Array, addressSize: 4 | 8 = 8) =>
    CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(bytes), littleEndian: true, addressSize });

  it("fromDebugFrame() reads version 1, 3 and 4 CIEs (v3: uleb return register; v4: address and segment sizes)", () => {
    const builder = new CfiBuilder({ eh: false });
    const v1 = builder.cie({ version: 1, instructions: X86_64_INITIAL });
    const v3 = builder.cie({ version: 3, returnAddressRegister: 300, instructions: [0x0c, 7, 8] });
    const v4 = builder.cie({ version: 4, afterAugmentation: [4, 0], dataAlignmentFactor: -4, instructions: [0x0c, 4, 4, 0x88, 1] });
    builder.fde({ cie: v1, addresses: [...le(0x1000, 8), ...le(0x10, 8)], instructions: [0x41, 0x0e, 16] });
    builder.fde({ cie: v3, addresses: [...le(0x2000, 8), ...le(0x10, 8)] });
    builder.fde({ cie: v4, addresses: [...le(0x3000, 4), ...le(0x10, 4)], instructions: [0x42, 0x0e, 8] });
    const cfi = debugCfi(builder.build());
    const records = [...cfi.records()];
    expect(
      records.map((record) =>
        record.kind === "cie"
          ? `cie v${record.version} ra=${record.returnAddressRegister} as=${record.addressSize}`
          : `fde ${record.initialLocation.toString(16)}`,
      ),
    ).toEqual(["cie v1 ra=16 as=8", "cie v3 ra=300 as=8", "cie v4 ra=16 as=4", "fde 1000", "fde 2000", "fde 3000"]);
    expect(cfi.lookup).toBe("index");
    expect(show(cfi.rowFor(0x1005n))).toBe("1001..1010 cfa=r7+16 r16=c-8");
    expect(cfi.rowFor(0x2003n)?.returnAddressRegister).toBe(300);
    expect(show(cfi.rowFor(0x3001n))).toBe("3000..3002 cfa=r4+4 r8=c-4");
    expect(cfi.findFde(0x3010n)).toBeUndefined();
  });

  it("fromDebugFrame() reads the 64-bit DWARF format (CIE id 0xffffffffffffffff)", () => {
    const builder = new CfiBuilder({ eh: false, format64: true });
    const cie = builder.cie({ version: 3, instructions: X86_64_INITIAL });
    builder.fde({ cie, addresses: [...le(0x5000, 8), ...le(0x20, 8)], instructions: [0x44, 0x0e, 32] });
    const cfi = debugCfi(builder.build());
    const records = [...cfi.records()];
    expect(records.map((record) => [record.kind, record.format64])).toEqual([
      ["cie", true],
      ["fde", true],
    ]);
    expect(show(cfi.rowFor(0x5010n))).toBe("5004..5020 cfa=r7+32 r16=c-8");
  });

  it("fromEhFrame() reads the 64-bit format too (CIE id 0 in 8 bytes, relative pointer)", () => {
    const builder = new CfiBuilder({ eh: true, format64: true });
    const cie = builder.cie({ augmentationData: [0x04], instructions: X86_64_INITIAL });
    builder.fde({ cie, addresses: [...le(0x6000, 8), ...le(0x10, 8)], augmentationData: [], instructions: [0x0e, 24] });
    expect(show(ehCfi(builder.terminator().build()).rowFor(0x6000n))).toBe("6000..6010 cfa=r7+24 r16=c-8");
  });

  it("fromDebugFrame() refuses a segment selector, an unknown version, and a bad address size", () => {
    const specs: Parameters<CfiBuilder["cie"]>[0][] = [{ version: 4, afterAugmentation: [8, 2] }, { version: 2 }, { version: 4, afterAugmentation: [3, 0] }];
    for (const spec of specs) {
      const builder = new CfiBuilder({ eh: false });
      builder.cie(spec);
      expectDwarfError(() => [...debugCfi(builder.build()).records()], "unsupported");
    }
    expect(() => CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(new Uint8Array()), littleEndian: true, addressSize: 2 as 4 })).toThrow(RangeError);
  });
});

describe(".eh_frame_hdr", () => {
  const HDR = 0x8000n;
  function withFdes(count: number) {
    const builder = new CfiBuilder({ eh: true });
    const cie = builder.cie({ augmentationData: [0x1b], instructions: X86_64_INITIAL });
    const entries: [bigint, bigint][] = [];
    for (let i = 0; i < count; i++) {
      const start = BigInt(0x1000 + i * 0x40);
      const offset = pcrelFde(builder, cie, start, i === 3 ? 0 : 0x30, [0x41, 0x0e, ...uleb(16 + i)]);
      entries.push([start, EH + BigInt(offset)]);
    }
    return { bytes: builder.terminator().build(), entries };
  }

  it("findFde() binary-searches the datarel|sdata4 table and agrees with the index", () => {
    const { bytes, entries } = withFdes(40);
    const hdr = ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries });
    const withHdr = ehCfi(bytes, { hdr, hdrAddress: HDR });
    const index = ehCfi(bytes);
    expect(withHdr.lookup).toBe("eh_frame_hdr");
    expect(withHdr.ehFrameHdrError).toBeUndefined();
    expect(index.lookup).toBe("index");
    for (let pc = 0xff0n; pc < 0x1000n + 41n * 0x40n; pc += 3n) {
      expect(withHdr.findFde(pc)?.offset, pc.toString(16)).toBe(index.findFde(pc)?.offset);
    }
    expect(withHdr.findFde(0x1000n + 5n * 0x40n + 0x2fn)?.initialLocation).toBe(0x1140n);
    expect(withHdr.findFde(0x1000n + 5n * 0x40n + 0x30n)).toBeUndefined();
    expect(show(withHdr.rowFor(0x1141n))).toBe("1141..1170 cfa=r7+21 r16=c-8");
  });

  it("findFde() searches a table of another fixed-size encoding (udata8 absolute)", () => {
    const { bytes, entries } = withFdes(5);
    const hdr = ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries, tableEncoding: 0x04 });
    const cfi = ehCfi(bytes, { hdr, hdrAddress: HDR });
    expect(cfi.lookup).toBe("eh_frame_hdr");
    expect(cfi.findFde(0x1045n)?.initialLocation).toBe(0x1040n);
    expect(cfi.findFde(0x0fffn)).toBeUndefined();
  });

  it("an unusable .eh_frame_hdr is reported in ehFrameHdrError and lookups use the index", () => {
    const { bytes, entries } = withFdes(5);
    const cases: [Uint8Array, string, RegExp][] = [
      [ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries, version: 2 }), "unsupported", /version 2/],
      [ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries, tableEncoding: 0x01 }), "unsupported", /cannot be searched/],
      [ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH + 4n, entries }), "bad-value", /names .eh_frame at 0x10004/],
      [ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries, count: 100 }), "truncated", /room for 5/],
      [ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries }).subarray(0, 3), "truncated", /./],
    ];
    for (const [hdr, code, message] of cases) {
      const cfi = ehCfi(bytes, { hdr, hdrAddress: HDR });
      expect(cfi.lookup).toBe("index");
      expect(cfi.ehFrameHdrError?.code).toBe(code);
      expect(cfi.ehFrameHdrError?.message).toMatch(message);
      expect(cfi.findFde(0x1045n)?.initialLocation).toBe(0x1040n);
    }
    const omitted = ehCfi(bytes, {
      hdr: ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries, countEncoding: 0xff, tableEncoding: 0xff }),
      hdrAddress: HDR,
    });
    expect(omitted.lookup).toBe("index");
    expect(omitted.ehFrameHdrError).toBeUndefined();
  });

  it("findFde() throws when the table names an address outside .eh_frame or a CIE", () => {
    const { bytes, entries } = withFdes(3);
    const outside = ehFrameHdr({ hdrAddress: HDR, ehFrameAddress: EH, entries: entries.map(([start], i) => [start, i === 1 ? EH + 0x10000n : EH]) });
    const cfi = ehCfi(bytes, { hdr: outside, hdrAddress: HDR });
    expectDwarfError(() => cfi.findFde(0x1041n), "bad-value", /outside .eh_frame/);
    expectDwarfError(() => cfi.findFde(0x1001n), "bad-value", /not an FDE/);
  });

  it("the index reports the error that cut it short for a pc it does not cover", () => {
    const { bytes } = withFdes(4);
    const cut = Uint8Array.from([...bytes.subarray(0, bytes.length - 4 - 10), 1, 2, 3]);
    const cfi = ehCfi(cut);
    expect(cfi.findFde(0x1005n)?.initialLocation).toBe(0x1000n);
    expectDwarfError(() => cfi.findFde(0x5000n), "truncated");
  });
});

describe("constants", () => {
  it("cfaInstructionName() and pointerEncodingName() name known values and print unknown ones", async () => {
    const { cfaInstructionName, pointerEncodingName } = await import("./cfa_constants.js");
    expect(cfaInstructionName(0x0c)).toBe("DW_CFA_def_cfa");
    expect(cfaInstructionName(0x86)).toBe("DW_CFA_offset");
    expect(cfaInstructionName(0x45)).toBe("DW_CFA_advance_loc");
    expect(cfaInstructionName(0xc1)).toBe("DW_CFA_restore");
    expect(cfaInstructionName(0x2d)).toBe("DW_CFA_AArch64_negate_ra_state");
    expect(cfaInstructionName(0x3e)).toBe("DW_CFA_0x3e");
    expect(pointerEncodingName(0x1b)).toBe("DW_EH_PE_pcrel|DW_EH_PE_sdata4");
    expect(pointerEncodingName(0x9b)).toBe("DW_EH_PE_indirect|DW_EH_PE_pcrel|DW_EH_PE_sdata4");
    expect(pointerEncodingName(0xff)).toBe("DW_EH_PE_omit");
    expect(pointerEncodingName(0x77)).toBe("DW_EH_PE_0x70|DW_EH_PE_0x7");
    expect(cstr("a")).toEqual([0x61, 0]);
  });
});

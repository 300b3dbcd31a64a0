/**
 * Call frame information constants by their specification names: the `DW_CFA_*` instructions of
 * DWARF 5 (section 6.4.2, table 7.29) with the GNU and vendor extensions found in `.eh_frame`, and
 * the `DW_EH_PE_*` pointer encodings of the Linux Standard Base (`.eh_frame`, `.eh_frame_hdr`).
 * The name tables print unknown values (`DW_CFA_0x3e`) instead of failing.
 *
 * @example
 * ```ts
 * import { DW_CFA_def_cfa, DW_EH_PE_pcrel, DW_EH_PE_sdata4, cfaInstructionName, pointerEncodingName } from "@corestack/dwarf/constants";
 * cfaInstructionName(DW_CFA_def_cfa); // "DW_CFA_def_cfa"
 * pointerEncodingName(DW_EH_PE_pcrel | DW_EH_PE_sdata4); // "DW_EH_PE_pcrel|DW_EH_PE_sdata4"
 * ```
 * @module
 */

// Instructions whose opcode is in the high two bits; the low six bits are an operand.
export const DW_CFA_advance_loc = 0x40;
export const DW_CFA_offset = 0x80;
export const DW_CFA_restore = 0xc0;

export const DW_CFA_nop = 0x00;
export const DW_CFA_set_loc = 0x01;
export const DW_CFA_advance_loc1 = 0x02;
export const DW_CFA_advance_loc2 = 0x03;
export const DW_CFA_advance_loc4 = 0x04;
export const DW_CFA_offset_extended = 0x05;
export const DW_CFA_restore_extended = 0x06;
export const DW_CFA_undefined = 0x07;
export const DW_CFA_same_value = 0x08;
export const DW_CFA_register = 0x09;
export const DW_CFA_remember_state = 0x0a;
export const DW_CFA_restore_state = 0x0b;
export const DW_CFA_def_cfa = 0x0c;
export const DW_CFA_def_cfa_register = 0x0d;
export const DW_CFA_def_cfa_offset = 0x0e;
export const DW_CFA_def_cfa_expression = 0x0f;
export const DW_CFA_expression = 0x10;
export const DW_CFA_offset_extended_sf = 0x11;
export const DW_CFA_def_cfa_sf = 0x12;
export const DW_CFA_def_cfa_offset_sf = 0x13;
export const DW_CFA_val_offset = 0x14;
export const DW_CFA_val_offset_sf = 0x15;
export const DW_CFA_val_expression = 0x16;
export const DW_CFA_lo_user = 0x1c;
export const DW_CFA_MIPS_advance_loc8 = 0x1d;
/** `DW_CFA_GNU_window_save` on SPARC; the same opcode is `DW_CFA_AArch64_negate_ra_state`. */
export const DW_CFA_GNU_window_save = 0x2d;
export const DW_CFA_AArch64_negate_ra_state = 0x2d;
export const DW_CFA_GNU_args_size = 0x2e;
export const DW_CFA_GNU_negative_offset_extended = 0x2f;
export const DW_CFA_hi_user = 0x3f;

const CFA_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_CFA_nop, "DW_CFA_nop"],
  [DW_CFA_set_loc, "DW_CFA_set_loc"],
  [DW_CFA_advance_loc1, "DW_CFA_advance_loc1"],
  [DW_CFA_advance_loc2, "DW_CFA_advance_loc2"],
  [DW_CFA_advance_loc4, "DW_CFA_advance_loc4"],
  [DW_CFA_offset_extended, "DW_CFA_offset_extended"],
  [DW_CFA_restore_extended, "DW_CFA_restore_extended"],
  [DW_CFA_undefined, "DW_CFA_undefined"],
  [DW_CFA_same_value, "DW_CFA_same_value"],
  [DW_CFA_register, "DW_CFA_register"],
  [DW_CFA_remember_state, "DW_CFA_remember_state"],
  [DW_CFA_restore_state, "DW_CFA_restore_state"],
  [DW_CFA_def_cfa, "DW_CFA_def_cfa"],
  [DW_CFA_def_cfa_register, "DW_CFA_def_cfa_register"],
  [DW_CFA_def_cfa_offset, "DW_CFA_def_cfa_offset"],
  [DW_CFA_def_cfa_expression, "DW_CFA_def_cfa_expression"],
  [DW_CFA_expression, "DW_CFA_expression"],
  [DW_CFA_offset_extended_sf, "DW_CFA_offset_extended_sf"],
  [DW_CFA_def_cfa_sf, "DW_CFA_def_cfa_sf"],
  [DW_CFA_def_cfa_offset_sf, "DW_CFA_def_cfa_offset_sf"],
  [DW_CFA_val_offset, "DW_CFA_val_offset"],
  [DW_CFA_val_offset_sf, "DW_CFA_val_offset_sf"],
  [DW_CFA_val_expression, "DW_CFA_val_expression"],
  [DW_CFA_MIPS_advance_loc8, "DW_CFA_MIPS_advance_loc8"],
  [DW_CFA_AArch64_negate_ra_state, "DW_CFA_AArch64_negate_ra_state"],
  [DW_CFA_GNU_args_size, "DW_CFA_GNU_args_size"],
  [DW_CFA_GNU_negative_offset_extended, "DW_CFA_GNU_negative_offset_extended"],
]);

/**
 * Names one call frame instruction opcode. The three "primary" instructions are named from their
 * high two bits, whatever their operand.
 *
 * @param opcode the instruction's first byte.
 * @returns `DW_CFA_*`, or `DW_CFA_0x3e` for an opcode without a name.
 * @example
 * ```ts
 * cfaInstructionName(0x0c); // "DW_CFA_def_cfa"
 * cfaInstructionName(0x86); // "DW_CFA_offset"
 * cfaInstructionName(0x3e); // "DW_CFA_0x3e"
 * ```
 */
export function cfaInstructionName(opcode: number): string {
  switch (opcode & 0xc0) {
    case DW_CFA_advance_loc:
      return "DW_CFA_advance_loc";
    case DW_CFA_offset:
      return "DW_CFA_offset";
    case DW_CFA_restore:
      return "DW_CFA_restore";
  }
  return CFA_NAMES.get(opcode) ?? `DW_CFA_0x${opcode.toString(16)}`;
}

// Pointer encodings: the low four bits say how the value is stored, bits 4-6 what it is relative
// to, bit 7 that it is the address of the pointer rather than the pointer.
export const DW_EH_PE_absptr = 0x00;
export const DW_EH_PE_uleb128 = 0x01;
export const DW_EH_PE_udata2 = 0x02;
export const DW_EH_PE_udata4 = 0x03;
export const DW_EH_PE_udata8 = 0x04;
export const DW_EH_PE_signed = 0x08;
export const DW_EH_PE_sleb128 = 0x09;
export const DW_EH_PE_sdata2 = 0x0a;
export const DW_EH_PE_sdata4 = 0x0b;
export const DW_EH_PE_sdata8 = 0x0c;

export const DW_EH_PE_pcrel = 0x10;
export const DW_EH_PE_textrel = 0x20;
export const DW_EH_PE_datarel = 0x30;
export const DW_EH_PE_funcrel = 0x40;
export const DW_EH_PE_aligned = 0x50;

export const DW_EH_PE_indirect = 0x80;
/** No value follows. */
export const DW_EH_PE_omit = 0xff;

const FORMAT_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_EH_PE_absptr, "DW_EH_PE_absptr"],
  [DW_EH_PE_uleb128, "DW_EH_PE_uleb128"],
  [DW_EH_PE_udata2, "DW_EH_PE_udata2"],
  [DW_EH_PE_udata4, "DW_EH_PE_udata4"],
  [DW_EH_PE_udata8, "DW_EH_PE_udata8"],
  [DW_EH_PE_signed, "DW_EH_PE_signed"],
  [DW_EH_PE_sleb128, "DW_EH_PE_sleb128"],
  [DW_EH_PE_sdata2, "DW_EH_PE_sdata2"],
  [DW_EH_PE_sdata4, "DW_EH_PE_sdata4"],
  [DW_EH_PE_sdata8, "DW_EH_PE_sdata8"],
]);

const APPLICATION_NAMES: ReadonlyMap<number, string> = new Map([
  [DW_EH_PE_pcrel, "DW_EH_PE_pcrel"],
  [DW_EH_PE_textrel, "DW_EH_PE_textrel"],
  [DW_EH_PE_datarel, "DW_EH_PE_datarel"],
  [DW_EH_PE_funcrel, "DW_EH_PE_funcrel"],
  [DW_EH_PE_aligned, "DW_EH_PE_aligned"],
]);

/**
 * Names a pointer encoding byte as its parts joined by `|`: indirect flag, application, format.
 *
 * @param encoding the encoding byte of a CIE augmentation or an `.eh_frame_hdr` field.
 * @returns e.g. `DW_EH_PE_pcrel|DW_EH_PE_sdata4`; unknown parts print as `DW_EH_PE_0x70`.
 * @example
 * ```ts
 * pointerEncodingName(0x1b); // "DW_EH_PE_pcrel|DW_EH_PE_sdata4"
 * pointerEncodingName(0xff); // "DW_EH_PE_omit"
 * ```
 */
export function pointerEncodingName(encoding: number): string {
  if (encoding === DW_EH_PE_omit) return "DW_EH_PE_omit";
  const parts: string[] = [];
  if (encoding & DW_EH_PE_indirect) parts.push("DW_EH_PE_indirect");
  const application = encoding & 0x70;
  if (application !== 0) parts.push(APPLICATION_NAMES.get(application) ?? `DW_EH_PE_0x${application.toString(16)}`);
  const format = encoding & 0x0f;
  parts.push(FORMAT_NAMES.get(format) ?? `DW_EH_PE_0x${format.toString(16)}`);
  return parts.join("|");
}

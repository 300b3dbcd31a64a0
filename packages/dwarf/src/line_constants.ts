/**
 * Constants of DWARF line programs (`.debug_line`) by their specification names: standard opcodes
 * (`DW_LNS_*`), extended opcodes (`DW_LNE_*`) and the content types of DWARF 5 directory and file
 * entry formats (`DW_LNCT_*`), with name tables that print unknown values (`DW_LNS_0x10`) instead of
 * failing.
 *
 * @example
 * ```ts
 * import { DW_LNS_advance_pc, lineStandardOpcodeName } from "@corestack/dwarf/constants";
 * lineStandardOpcodeName(DW_LNS_advance_pc); // "DW_LNS_advance_pc"
 * lineStandardOpcodeName(0x10); // "DW_LNS_0x10"
 * ```
 * @module
 */

export const DW_LNS_copy = 0x01;
export const DW_LNS_advance_pc = 0x02;
export const DW_LNS_advance_line = 0x03;
export const DW_LNS_set_file = 0x04;
export const DW_LNS_set_column = 0x05;
export const DW_LNS_negate_stmt = 0x06;
export const DW_LNS_set_basic_block = 0x07;
export const DW_LNS_const_add_pc = 0x08;
export const DW_LNS_fixed_advance_pc = 0x09;
export const DW_LNS_set_prologue_end = 0x0a;
export const DW_LNS_set_epilogue_begin = 0x0b;
export const DW_LNS_set_isa = 0x0c;

export const DW_LNE_end_sequence = 0x01;
export const DW_LNE_set_address = 0x02;
export const DW_LNE_define_file = 0x03;
export const DW_LNE_set_discriminator = 0x04;
export const DW_LNE_lo_user = 0x80;
export const DW_LNE_hi_user = 0xff;

export const DW_LNCT_path = 0x1;
export const DW_LNCT_directory_index = 0x2;
export const DW_LNCT_timestamp = 0x3;
export const DW_LNCT_size = 0x4;
export const DW_LNCT_MD5 = 0x5;
export const DW_LNCT_lo_user = 0x2000;
export const DW_LNCT_LLVM_source = 0x2001;
export const DW_LNCT_hi_user = 0x3fff;

function nameTable(prefix: string, entries: Record<string, number>): (value: number) => string {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(entries)) if (!names.has(value)) names.set(value, name);
  return (value) => names.get(value) ?? `${prefix}0x${value.toString(16)}`;
}

/**
 * Prints a standard opcode of a line program.
 * @param value the opcode (below the header's `opcode_base`).
 * @returns `DW_LNS_copy`…, or `DW_LNS_0x…` when unknown.
 * @example
 * ```ts
 * lineStandardOpcodeName(DW_LNS_copy); // "DW_LNS_copy"
 * ```
 */
export const lineStandardOpcodeName: (value: number) => string = nameTable("DW_LNS_", {
  DW_LNS_copy,
  DW_LNS_advance_pc,
  DW_LNS_advance_line,
  DW_LNS_set_file,
  DW_LNS_set_column,
  DW_LNS_negate_stmt,
  DW_LNS_set_basic_block,
  DW_LNS_const_add_pc,
  DW_LNS_fixed_advance_pc,
  DW_LNS_set_prologue_end,
  DW_LNS_set_epilogue_begin,
  DW_LNS_set_isa,
});

/**
 * Prints an extended opcode of a line program (the byte after `0` and the length).
 * @param value the extended opcode.
 * @returns `DW_LNE_end_sequence`…, or `DW_LNE_0x…` when unknown.
 * @example
 * ```ts
 * lineExtendedOpcodeName(DW_LNE_set_address); // "DW_LNE_set_address"
 * ```
 */
export const lineExtendedOpcodeName: (value: number) => string = nameTable("DW_LNE_", {
  DW_LNE_end_sequence,
  DW_LNE_set_address,
  DW_LNE_define_file,
  DW_LNE_set_discriminator,
});

/**
 * Prints the content type of a DWARF 5 directory or file entry format.
 * @param value the content type code.
 * @returns `DW_LNCT_path`…, or `DW_LNCT_0x…` when unknown.
 * @example
 * ```ts
 * lineContentTypeName(DW_LNCT_MD5); // "DW_LNCT_MD5"
 * ```
 */
export const lineContentTypeName: (value: number) => string = nameTable("DW_LNCT_", {
  DW_LNCT_path,
  DW_LNCT_directory_index,
  DW_LNCT_timestamp,
  DW_LNCT_size,
  DW_LNCT_MD5,
  DW_LNCT_LLVM_source,
});

import { Reader, type Section } from "./_reader.js";
import { checkEncoding, fixedEncodingSize, readEncodedPointer, type PointerBases } from "./_cfi_pointer.js";
import { DW_EH_PE_aligned, DW_EH_PE_datarel, DW_EH_PE_indirect, DW_EH_PE_sdata4, DW_EH_PE_omit, pointerEncodingName } from "./cfa_constants.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import { partitionPoint } from "./_search.js";

/** The binary-search table of an `.eh_frame_hdr`. @internal */
export interface EhFrameHdrTable {
  readonly section: Section;
  readonly bases: PointerBases;
  /** The address of `.eh_frame` the header names. */
  readonly ehFramePointer: bigint;
  readonly fdeCount: number;
  readonly tableEncoding: number;
  readonly tableOffset: number;
  /** Bytes of one field: an entry is two fields (initial location, FDE address). */
  readonly fieldSize: number;
}

/**
 * Reads an `.eh_frame_hdr` (version 1): the `.eh_frame` pointer, then the FDE count and the sorted
 * table. Returns undefined when the header has no table (`DW_EH_PE_omit`); throws when the table
 * cannot be searched (a variable-size or indirect encoding, a count past the bytes). @internal
 */
export function readEhFrameHdr(section: Section, hdrAddress: bigint, addressSize: number): EhFrameHdrTable | undefined {
  const reader: Reader = new Reader(section);
  const version = reader.u8();
  if (version !== 1) reader.fail(`Unsupported .eh_frame_hdr version ${version}`, "unsupported", 0);
  const ehFramePointerEncoding = reader.u8();
  const fdeCountEncoding = reader.u8();
  const tableEncoding = reader.u8();
  checkEncoding(reader, ehFramePointerEncoding, "the .eh_frame pointer", 1);
  checkEncoding(reader, fdeCountEncoding, "the FDE count", 2);
  checkEncoding(reader, tableEncoding, "the search table", 3);
  const bases: PointerBases = { addressSize, sectionAddress: hdrAddress, dataAddress: hdrAddress };
  if (ehFramePointerEncoding === DW_EH_PE_omit) reader.fail("The .eh_frame pointer is DW_EH_PE_omit", "bad-value", 1);
  if (ehFramePointerEncoding & DW_EH_PE_indirect) reader.fail("The .eh_frame pointer is indirect", "unsupported", 1);
  const ehFramePointer = readEncodedPointer(reader, ehFramePointerEncoding, bases, "the .eh_frame pointer").value;
  if (fdeCountEncoding === DW_EH_PE_omit || tableEncoding === DW_EH_PE_omit) return undefined;
  if (fdeCountEncoding & DW_EH_PE_indirect) reader.fail("The FDE count is indirect", "unsupported", 2);
  const countAt = reader.position;
  const count = readEncodedPointer(reader, fdeCountEncoding, bases, "the FDE count").value;
  const fieldSize = fixedEncodingSize(tableEncoding, addressSize);
  if (fieldSize === undefined || (tableEncoding & DW_EH_PE_indirect) !== 0 || (tableEncoding & 0x70) === DW_EH_PE_aligned) {
    reader.fail(`The search table encoding ${pointerEncodingName(tableEncoding)} cannot be searched`, "unsupported", 3);
  }
  if (count > BigInt(DWARF_LIMITS.cfiRecords))
    limitReached("cfiRecords", `An .eh_frame_hdr table of ${count} entries`, { section: section.name, offset: countAt });
  const fdeCount = Number(count);
  const tableOffset = reader.position;
  const available = Math.floor(reader.remaining / (2 * fieldSize));
  if (fdeCount > available) reader.fail(`The search table has ${fdeCount} entries but room for ${available}`, "truncated", countAt);
  return { section, bases, ehFramePointer, fdeCount, tableEncoding, tableOffset, fieldSize };
}

/**
 * Binary-searches the table for the last entry whose initial location is at or below `pc`.
 * @returns that entry's initial location and FDE address, or undefined below the first entry.
 * @internal
 */
export function searchEhFrameHdr(table: EhFrameHdrTable, pc: bigint): { location: bigint; fdeAddress: bigint; index: number } | undefined {
  if (table.tableEncoding === (DW_EH_PE_datarel | DW_EH_PE_sdata4)) return searchDatarelSdata4(table, pc);
  const reader = new Reader(table.section);
  const entry = (index: number) => {
    reader.position = table.tableOffset + index * 2 * table.fieldSize;
    const location = readEncodedPointer(reader, table.tableEncoding, table.bases, "a search table entry").value;
    const fdeAddress = readEncodedPointer(reader, table.tableEncoding, table.bases, "a search table entry").value;
    return { location, fdeAddress, index };
  };
  const after = partitionPoint(table.fdeCount, (index) => entry(index).location <= pc);
  return after === 0 ? undefined : entry(after - 1);
}

/** The usual table (`DW_EH_PE_datarel|DW_EH_PE_sdata4`), searched on 32-bit numbers. */
function searchDatarelSdata4(table: EhFrameHdrTable, pc: bigint): { location: bigint; fdeAddress: bigint; index: number } | undefined {
  const bytes = table.section.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = table.section.littleEndian;
  const base = table.bases.sectionAddress ?? 0n;
  const bits = table.bases.addressSize * 8;
  // Every entry is base + a signed 32-bit value: compare the values (pc - base) as numbers.
  const relative = pc - base;
  const key = relative > 0x7fff_ffffn ? Infinity : relative < -0x8000_0000n ? -Infinity : Number(relative);
  const low = entriesAtOrBelow(view, table.tableOffset, table.fdeCount, littleEndian, key);
  if (low === 0) return undefined;
  const at = table.tableOffset + (low - 1) * 8;
  return {
    location: BigInt.asUintN(bits, base + BigInt(view.getInt32(at, littleEndian))),
    fdeAddress: BigInt.asUintN(bits, base + BigInt(view.getInt32(at + 4, littleEndian))),
    index: low - 1,
  };
}

/** The offset in `.eh_frame` of an FDE address from the table. @internal */
export function ehFrameOffset(table: EhFrameHdrTable, fdeAddress: bigint, ehFrameAddress: bigint, ehFrameSize: number, at: number): number {
  const offset = fdeAddress - ehFrameAddress;
  if (offset < 0n || offset >= BigInt(ehFrameSize)) {
    new Reader(table.section).fail(`The search table names an FDE at ${hex(fdeAddress)}, outside .eh_frame`, "bad-value", at);
  }
  return Number(offset);
}

/** How many entries of the sorted sdata4 table start at or below `key`; a function of its own so that no local of the caller is captured. */
function entriesAtOrBelow(view: DataView, tableOffset: number, count: number, littleEndian: boolean, key: number): number {
  return partitionPoint(count, (index) => view.getInt32(tableOffset + index * 8, littleEndian) <= key);
}

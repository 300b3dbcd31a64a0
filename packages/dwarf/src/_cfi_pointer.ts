import type { Reader } from "./_reader.js";
import {
  DW_EH_PE_absptr,
  DW_EH_PE_aligned,
  DW_EH_PE_datarel,
  DW_EH_PE_funcrel,
  DW_EH_PE_indirect,
  DW_EH_PE_omit,
  DW_EH_PE_pcrel,
  DW_EH_PE_sdata2,
  DW_EH_PE_sdata4,
  DW_EH_PE_sdata8,
  DW_EH_PE_signed,
  DW_EH_PE_sleb128,
  DW_EH_PE_textrel,
  DW_EH_PE_udata2,
  DW_EH_PE_udata4,
  DW_EH_PE_udata8,
  DW_EH_PE_uleb128,
  pointerEncodingName,
} from "./cfa_constants.js";
import { hex } from "./dwarf_format_error.js";

/**
 * What relative encodings are relative to. `sectionAddress` is the address of the section the
 * reader is in (pcrel adds it to the field's offset); the others are bases the caller may know.
 * @internal
 */
export interface PointerBases {
  /** 4 or 8: the size of `DW_EH_PE_absptr`. */
  readonly addressSize: number;
  readonly sectionAddress?: bigint | undefined;
  readonly textAddress?: bigint | undefined;
  readonly dataAddress?: bigint | undefined;
  readonly functionAddress?: bigint | undefined;
}

/** A decoded pointer; `indirect` when the value is the address of the pointer (not read here). @internal */
export interface EncodedPointer {
  readonly value: bigint;
  readonly indirect: boolean;
}

/**
 * The size in bytes of a fixed-size encoding, or undefined for LEB128 and bad formats. @internal
 */
export function fixedEncodingSize(encoding: number, addressSize: number): number | undefined {
  switch (encoding & 0x0f) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_signed:
      return addressSize;
    case DW_EH_PE_udata2:
    case DW_EH_PE_sdata2:
      return 2;
    case DW_EH_PE_udata4:
    case DW_EH_PE_sdata4:
      return 4;
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
      return 8;
    default:
      return undefined;
  }
}

/** Checks that an encoding byte can be decoded (valid format and application). @internal */
export function checkEncoding(reader: Reader, encoding: number, what: string, at: number): void {
  if (encoding === DW_EH_PE_omit) return;
  const format = encoding & 0x0f;
  const valid = format === DW_EH_PE_uleb128 || format === DW_EH_PE_sleb128 || fixedEncodingSize(encoding, 8) !== undefined;
  if (!valid || (encoding & 0x70) > DW_EH_PE_aligned)
    reader.fail(`Invalid pointer encoding ${hex(encoding)} (${pointerEncodingName(encoding)}) for ${what}`, "bad-value", at);
}

/**
 * Reads the raw value of an encoding's format (no application), wrapped to the address size.
 * Used for FDE address ranges, which share the pc_begin's format but are not relative. @internal
 */
export function readEncodedValue(reader: Reader, encoding: number, addressSize: number, what: string): bigint {
  const at = reader.position;
  let value: bigint;
  switch (encoding & 0x0f) {
    case DW_EH_PE_absptr:
      value = reader.unsigned(addressSize);
      break;
    case DW_EH_PE_signed:
      value = BigInt.asIntN(addressSize * 8, reader.unsigned(addressSize));
      break;
    case DW_EH_PE_uleb128:
      value = reader.uleb();
      break;
    case DW_EH_PE_udata2:
      value = BigInt(reader.u16());
      break;
    case DW_EH_PE_udata4:
      value = BigInt(reader.u32());
      break;
    case DW_EH_PE_udata8:
      value = reader.u64();
      break;
    case DW_EH_PE_sleb128:
      value = reader.sleb();
      break;
    case DW_EH_PE_sdata2:
      value = BigInt(reader.i16());
      break;
    case DW_EH_PE_sdata4:
      value = BigInt(reader.i32());
      break;
    case DW_EH_PE_sdata8:
      value = reader.i64();
      break;
    default:
      return reader.fail(`Invalid pointer encoding ${hex(encoding)} (${pointerEncodingName(encoding)}) for ${what}`, "bad-value", at);
  }
  return BigInt.asUintN(addressSize * 8, value);
}

/**
 * Reads a pointer in `encoding` and applies its relative base. A base the caller does not know
 * (text or data address outside `.eh_frame_hdr`, a function address outside an FDE) is
 * `unsupported`. @internal
 */
export function readEncodedPointer(reader: Reader, encoding: number, bases: PointerBases, what: string): EncodedPointer {
  const start = reader.position;
  const application = encoding & 0x70;
  if (application === DW_EH_PE_aligned) {
    // The value is an absolute pointer stored at the next address-size boundary.
    const size = bases.addressSize;
    const address = (bases.sectionAddress ?? 0n) + BigInt(start);
    const padding = Number((BigInt(size) - (address % BigInt(size))) % BigInt(size));
    reader.skip(padding, `padding before ${what}`);
  }
  const fieldAt = reader.position;
  const raw = readEncodedValue(reader, encoding, bases.addressSize, what);
  let base = 0n;
  const missing = (name: string): never =>
    reader.fail(`Cannot apply ${pointerEncodingName(encoding)} to ${what}: the ${name} is not known`, "unsupported", start);
  switch (application) {
    case DW_EH_PE_absptr:
    case DW_EH_PE_aligned:
      break;
    case DW_EH_PE_pcrel:
      base = (bases.sectionAddress ?? missing("section address")) + BigInt(fieldAt);
      break;
    case DW_EH_PE_textrel:
      base = bases.textAddress ?? missing("text address");
      break;
    case DW_EH_PE_datarel:
      base = bases.dataAddress ?? missing("data address");
      break;
    case DW_EH_PE_funcrel:
      base = bases.functionAddress ?? missing("function address");
      break;
    default:
      reader.fail(`Invalid pointer encoding ${hex(encoding)} (${pointerEncodingName(encoding)}) for ${what}`, "bad-value", start);
  }
  return { value: BigInt.asUintN(bases.addressSize * 8, base + raw), indirect: (encoding & DW_EH_PE_indirect) !== 0 };
}

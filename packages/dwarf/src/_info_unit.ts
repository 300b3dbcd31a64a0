import { DW_UT_compile, DW_UT_partial, DW_UT_skeleton, DW_UT_split_compile, DW_UT_split_type, DW_UT_type, unitTypeName } from "./dwarf_constants.js";
import { hex } from "./dwarf_format_error.js";
import { Reader, type Section } from "./_reader.js";

/** The header of one unit of `.debug_info` (DWARF 2 to 5, 32- or 64-bit format). */
export interface UnitHeader {
  /** Offset of the unit (its `unit_length` field) in `.debug_info`. */
  readonly offset: number;
  /** Offset just past the unit. */
  readonly end: number;
  /** Whether the unit uses the 64-bit DWARF format (offsets are 8 bytes). */
  readonly format64: boolean;
  /** 2, 3, 4 or 5. */
  readonly version: number;
  /** A `DW_UT_*` constant; units before DWARF 5 are `DW_UT_compile`. */
  readonly unitType: number;
  /** Size of a target address: 2, 4 or 8. */
  readonly addressSize: number;
  /** Offset of the unit's abbreviation table in `.debug_abbrev`. */
  readonly abbrevOffset: number;
  /** Offset of the unit's first entry in `.debug_info`. */
  readonly entriesOffset: number;
  /** `dwo_id` of a skeleton or split compilation unit. */
  readonly dwoId?: bigint;
  /** `type_signature` of a type unit. */
  readonly typeSignature?: bigint;
  /** `type_offset` (unit-relative) of a type unit. */
  readonly typeOffset?: number;
}

/** Reads the unit header at `offset` of `.debug_info`. @internal */
export function readUnitHeader(section: Section, offset: number): UnitHeader {
  const reader: Reader = new Reader(section, offset);
  const { length, format64 } = reader.initialLength("a unit");
  const contentStart = reader.position;
  if (length > reader.remaining) {
    reader.fail(`Cannot read the unit at ${hex(offset)}: its length ${hex(length)} runs past the end (${reader.remaining} bytes remain)`, "truncated", offset);
  }
  const end = contentStart + length;
  reader.end = end;
  const version = reader.u16();
  if (version < 2 || version > 5) {
    reader.fail(`Unit at ${hex(offset)} has DWARF version ${version}`, version > 5 && version < 0x100 ? "unsupported" : "bad-value", contentStart);
  }
  let unitType: number = DW_UT_compile;
  let addressSize: number;
  let abbrevOffset: number;
  let dwoId: bigint | undefined;
  let typeSignature: bigint | undefined;
  let typeOffset: number | undefined;
  if (version >= 5) {
    unitType = reader.u8();
    addressSize = reader.u8();
    abbrevOffset = reader.offset(format64, "An abbreviation offset");
    switch (unitType) {
      case DW_UT_compile:
      case DW_UT_partial:
        break;
      case DW_UT_skeleton:
      case DW_UT_split_compile:
        dwoId = reader.u64();
        break;
      case DW_UT_type:
      case DW_UT_split_type:
        typeSignature = reader.u64();
        typeOffset = reader.offset(format64, "A type offset");
        break;
      default:
        reader.fail(`Unit at ${hex(offset)} has unit type ${unitTypeName(unitType)}`, unitType >= 0x80 ? "unsupported" : "bad-value", contentStart + 2);
    }
  } else {
    abbrevOffset = reader.offset(format64, "An abbreviation offset");
    addressSize = reader.u8();
  }
  if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) {
    reader.fail(`Unit at ${hex(offset)} has address size ${addressSize}`, addressSize === 1 ? "unsupported" : "bad-value", offset);
  }
  return {
    offset,
    end,
    format64,
    version,
    unitType,
    addressSize,
    abbrevOffset,
    entriesOffset: reader.position,
    ...(dwoId === undefined ? {} : { dwoId }),
    ...(typeSignature === undefined ? {} : { typeSignature }),
    ...(typeOffset === undefined ? {} : { typeOffset }),
  };
}

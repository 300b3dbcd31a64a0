import type { Abbreviation } from "./abbreviations.js";
import * as C from "./dwarf_constants.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import type { Reader } from "./_reader.js";
import type { UnitHeader } from "./_info_unit.js";

/**
 * The value of one attribute, by what it is rather than how it is stored:
 * - `address`: `DW_FORM_addr`, or `DW_FORM_addrx*` looked up in `.debug_addr`;
 * - `constant`: `DW_FORM_data1/2/4/8`, `DW_FORM_udata` (unsigned);
 * - `signed`: `DW_FORM_sdata`, `DW_FORM_implicit_const`;
 * - `flag`: `DW_FORM_flag`, `DW_FORM_flag_present`;
 * - `string`: `DW_FORM_string`, `DW_FORM_strp`, `DW_FORM_line_strp`, `DW_FORM_strx*`;
 * - `reference`: `DW_FORM_ref*` and `DW_FORM_ref_addr`, as an offset in `.debug_info`;
 * - `signature`: `DW_FORM_ref_sig8`, a type unit's signature;
 * - `block`: `DW_FORM_block*`, `DW_FORM_data16`; `exprloc`: `DW_FORM_exprloc` (views, not copies);
 * - `section-offset`: `DW_FORM_sec_offset`, an offset in the section the attribute points to;
 * - `index`: `DW_FORM_loclistx`, `DW_FORM_rnglistx`, an index into the unit's offsets table;
 * - `unsupported`: a valid form this package does not follow (`DW_FORM_GNU_ref_alt`,
 *   `DW_FORM_GNU_strp_alt`, `DW_FORM_ref_sup4/8`, `DW_FORM_strp_sup`: they point into a
 *   supplementary file), with the raw offset.
 */
export type AttributeValue =
  | { readonly kind: "address"; readonly value: bigint }
  | { readonly kind: "constant"; readonly value: bigint }
  | { readonly kind: "signed"; readonly value: bigint }
  | { readonly kind: "flag"; readonly value: boolean }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "reference"; readonly offset: number }
  | { readonly kind: "signature"; readonly value: bigint }
  | { readonly kind: "block"; readonly bytes: Uint8Array }
  | { readonly kind: "exprloc"; readonly bytes: Uint8Array }
  | { readonly kind: "section-offset"; readonly offset: number }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "unsupported"; readonly offset: number };

/** One attribute of an entry: its name, its form (after `DW_FORM_indirect`) and its value. */
export interface Attribute {
  /** A `DW_AT_*` constant. */
  readonly name: number;
  /** A `DW_FORM_*` constant. */
  readonly form: number;
  readonly value: AttributeValue;
}

/** Looks strings and addresses up for forms that index other sections. @internal */
export interface FormResolver {
  strp(offset: number, at: number): string;
  lineStrp(offset: number, at: number): string;
  strx(index: number, at: number): string;
  addrx(index: number, at: number): bigint;
}

/** Skips one entry's attribute values, at the reader's position, without decoding them. @internal */
export function skipAttributes(reader: Reader, abbreviation: Abbreviation, unit: UnitHeader): void {
  const forms = abbreviation.forms;
  for (let index = 0; index < forms.length; index++) skipValue(reader, forms[index]!, unit, 0);
}

function skipLeb(reader: Reader): void {
  const bytes = reader.section.bytes;
  let position = reader.position;
  const end = reader.end;
  while (position < end && (bytes[position]! & 0x80) !== 0) position++;
  if (position >= end) reader.fail("Cannot read a LEB128 value: it runs past the end", "truncated");
  reader.position = position + 1;
}

/** Skips one attribute value of a form. @internal */
export function skipValue(reader: Reader, form: number, unit: UnitHeader, hops = 0): void {
  const offsetSize = unit.format64 ? 8 : 4;
  switch (form) {
    case C.DW_FORM_flag_present:
    case C.DW_FORM_implicit_const:
      return;
    case C.DW_FORM_data1:
    case C.DW_FORM_ref1:
    case C.DW_FORM_flag:
    case C.DW_FORM_strx1:
    case C.DW_FORM_addrx1:
      reader.skip(1, "a 1-byte value");
      return;
    case C.DW_FORM_data2:
    case C.DW_FORM_ref2:
    case C.DW_FORM_strx2:
    case C.DW_FORM_addrx2:
      reader.skip(2, "a 2-byte value");
      return;
    case C.DW_FORM_strx3:
    case C.DW_FORM_addrx3:
      reader.skip(3, "a 3-byte value");
      return;
    case C.DW_FORM_data4:
    case C.DW_FORM_ref4:
    case C.DW_FORM_strx4:
    case C.DW_FORM_addrx4:
    case C.DW_FORM_ref_sup4:
      reader.skip(4, "a 4-byte value");
      return;
    case C.DW_FORM_data8:
    case C.DW_FORM_ref8:
    case C.DW_FORM_ref_sig8:
    case C.DW_FORM_ref_sup8:
      reader.skip(8, "an 8-byte value");
      return;
    case C.DW_FORM_data16:
      reader.skip(16, "a 16-byte value");
      return;
    case C.DW_FORM_addr:
      reader.skip(unit.addressSize, "an address");
      return;
    case C.DW_FORM_ref_addr:
      reader.skip(unit.version <= 2 ? unit.addressSize : offsetSize, "a reference");
      return;
    case C.DW_FORM_strp:
    case C.DW_FORM_line_strp:
    case C.DW_FORM_sec_offset:
    case C.DW_FORM_strp_sup:
    case C.DW_FORM_GNU_ref_alt:
    case C.DW_FORM_GNU_strp_alt:
      reader.skip(offsetSize, "an offset");
      return;
    case C.DW_FORM_sdata:
    case C.DW_FORM_udata:
    case C.DW_FORM_ref_udata:
    case C.DW_FORM_strx:
    case C.DW_FORM_addrx:
    case C.DW_FORM_loclistx:
    case C.DW_FORM_rnglistx:
    case C.DW_FORM_GNU_addr_index:
    case C.DW_FORM_GNU_str_index:
      skipLeb(reader);
      return;
    case C.DW_FORM_string: {
      const bytes = reader.section.bytes;
      const nul = bytes.indexOf(0, reader.position);
      if (nul < 0 || nul >= reader.end) reader.fail("Cannot read a string: no terminating NUL before the end of the unit", "truncated");
      reader.position = nul + 1;
      return;
    }
    case C.DW_FORM_block1:
      reader.skip(reader.u8(), "a block");
      return;
    case C.DW_FORM_block2:
      reader.skip(reader.u16(), "a block");
      return;
    case C.DW_FORM_block4:
      reader.skip(reader.u32(), "a block");
      return;
    case C.DW_FORM_block:
    case C.DW_FORM_exprloc:
      reader.skip(reader.ulebNumber("A block length"), "a block");
      return;
    case C.DW_FORM_indirect: {
      const at = reader.position;
      const actual = reader.ulebNumber("An indirect form");
      checkIndirect(reader, actual, hops, at);
      skipValue(reader, actual, unit, hops + 1);
      return;
    }
    default:
      reader.fail(`Unknown attribute form ${C.formName(form)}`, form >= 0x1f00 && form <= 0x1fff ? "unsupported" : "bad-value");
  }
}

function checkIndirect(reader: Reader, actual: number, hops: number, at: number): void {
  if (actual === C.DW_FORM_implicit_const) reader.fail("DW_FORM_indirect names DW_FORM_implicit_const, whose value lives in the abbreviation", "bad-value", at);
  if (hops >= DWARF_LIMITS.indirectForms) {
    limitReached("indirectForms", "A chain of DW_FORM_indirect", { section: reader.section.name, offset: at });
  }
}

/**
 * Reads one attribute value at the reader's position.
 * @param implicitConst the value of a `DW_FORM_implicit_const` from the abbreviation.
 * @returns the form after any `DW_FORM_indirect`, and the value.
 * @internal
 */
export function readValue(
  reader: Reader,
  form: number,
  implicitConst: bigint | undefined,
  unit: UnitHeader,
  resolver: FormResolver,
): { form: number; value: AttributeValue } {
  let hops = 0;
  for (;;) {
    const at = reader.position;
    switch (form) {
      case C.DW_FORM_addr:
        return { form, value: { kind: "address", value: reader.unsigned(unit.addressSize) } };
      case C.DW_FORM_addrx:
      case C.DW_FORM_GNU_addr_index:
        return { form, value: { kind: "address", value: resolver.addrx(reader.ulebNumber("An address index"), at) } };
      case C.DW_FORM_addrx1:
        return { form, value: { kind: "address", value: resolver.addrx(reader.u8(), at) } };
      case C.DW_FORM_addrx2:
        return { form, value: { kind: "address", value: resolver.addrx(reader.u16(), at) } };
      case C.DW_FORM_addrx3:
        return { form, value: { kind: "address", value: resolver.addrx(reader.u24(), at) } };
      case C.DW_FORM_addrx4:
        return { form, value: { kind: "address", value: resolver.addrx(reader.u32(), at) } };
      case C.DW_FORM_data1:
        return { form, value: { kind: "constant", value: BigInt(reader.u8()) } };
      case C.DW_FORM_data2:
        return { form, value: { kind: "constant", value: BigInt(reader.u16()) } };
      case C.DW_FORM_data4:
        return { form, value: { kind: "constant", value: BigInt(reader.u32()) } };
      case C.DW_FORM_data8:
        return { form, value: { kind: "constant", value: reader.u64() } };
      case C.DW_FORM_udata:
        return { form, value: { kind: "constant", value: reader.uleb() } };
      case C.DW_FORM_sdata:
        return { form, value: { kind: "signed", value: reader.sleb() } };
      case C.DW_FORM_implicit_const:
        if (implicitConst === undefined) reader.fail("DW_FORM_implicit_const without a value in its abbreviation", "bad-value");
        return { form, value: { kind: "signed", value: implicitConst } };
      case C.DW_FORM_data16:
      case C.DW_FORM_block1:
      case C.DW_FORM_block2:
      case C.DW_FORM_block4:
      case C.DW_FORM_block:
      case C.DW_FORM_exprloc: {
        const length =
          form === C.DW_FORM_data16
            ? 16
            : form === C.DW_FORM_block1
              ? reader.u8()
              : form === C.DW_FORM_block2
                ? reader.u16()
                : form === C.DW_FORM_block4
                  ? reader.u32()
                  : reader.ulebNumber("A block length");
        const bytes = reader.block(length, "a block");
        return { form, value: form === C.DW_FORM_exprloc ? { kind: "exprloc", bytes } : { kind: "block", bytes } };
      }
      case C.DW_FORM_flag:
        return { form, value: { kind: "flag", value: reader.u8() !== 0 } };
      case C.DW_FORM_flag_present:
        return { form, value: { kind: "flag", value: true } };
      case C.DW_FORM_string:
        return { form, value: { kind: "string", value: reader.cString("a DW_FORM_string") } };
      case C.DW_FORM_strp:
        return { form, value: { kind: "string", value: resolver.strp(reader.offset(unit.format64, "A string offset"), at) } };
      case C.DW_FORM_line_strp:
        return { form, value: { kind: "string", value: resolver.lineStrp(reader.offset(unit.format64, "A string offset"), at) } };
      case C.DW_FORM_strx:
      case C.DW_FORM_GNU_str_index:
        return { form, value: { kind: "string", value: resolver.strx(reader.ulebNumber("A string index"), at) } };
      case C.DW_FORM_strx1:
        return { form, value: { kind: "string", value: resolver.strx(reader.u8(), at) } };
      case C.DW_FORM_strx2:
        return { form, value: { kind: "string", value: resolver.strx(reader.u16(), at) } };
      case C.DW_FORM_strx3:
        return { form, value: { kind: "string", value: resolver.strx(reader.u24(), at) } };
      case C.DW_FORM_strx4:
        return { form, value: { kind: "string", value: resolver.strx(reader.u32(), at) } };
      case C.DW_FORM_ref1:
      case C.DW_FORM_ref2:
      case C.DW_FORM_ref4:
      case C.DW_FORM_ref8:
      case C.DW_FORM_ref_udata: {
        const relative =
          form === C.DW_FORM_ref1
            ? reader.u8()
            : form === C.DW_FORM_ref2
              ? reader.u16()
              : form === C.DW_FORM_ref4
                ? reader.u32()
                : form === C.DW_FORM_ref8
                  ? reader.offset(true, "A reference")
                  : reader.ulebNumber("A reference");
        const offset = unit.offset + relative;
        if (relative >= unit.end - unit.offset) reader.fail(`Reference ${hex(relative)} is outside its unit at ${hex(unit.offset)}`, "bad-value", at);
        return { form, value: { kind: "reference", offset } };
      }
      case C.DW_FORM_ref_addr: {
        const offset = unit.version <= 2 ? safeNumber(reader, reader.unsigned(unit.addressSize), at) : reader.offset(unit.format64, "A reference");
        return { form, value: { kind: "reference", offset } };
      }
      case C.DW_FORM_ref_sig8:
        return { form, value: { kind: "signature", value: reader.u64() } };
      case C.DW_FORM_sec_offset:
        return { form, value: { kind: "section-offset", offset: reader.offset(unit.format64, "A section offset") } };
      case C.DW_FORM_loclistx:
      case C.DW_FORM_rnglistx:
        return { form, value: { kind: "index", index: reader.ulebNumber("A list index") } };
      case C.DW_FORM_strp_sup:
      case C.DW_FORM_GNU_ref_alt:
      case C.DW_FORM_GNU_strp_alt:
        return { form, value: { kind: "unsupported", offset: reader.offset(unit.format64, "An offset") } };
      case C.DW_FORM_ref_sup4:
        return { form, value: { kind: "unsupported", offset: reader.u32() } };
      case C.DW_FORM_ref_sup8:
        return { form, value: { kind: "unsupported", offset: reader.offset(true, "An offset") } };
      case C.DW_FORM_indirect: {
        const actual = reader.ulebNumber("An indirect form");
        checkIndirect(reader, actual, hops, at);
        hops++;
        form = actual;
        continue;
      }
      default:
        return reader.fail(`Unknown attribute form ${C.formName(form)}`, form >= 0x1f00 && form <= 0x1fff ? "unsupported" : "bad-value");
    }
  }
}

function safeNumber(reader: Reader, value: bigint, at: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) reader.fail(`Offset ${hex(value)} is too large`, "bad-value", at);
  return Number(value);
}

/** Whether a form is of the constant class (`DW_AT_high_pc` as an offset from `DW_AT_low_pc`). @internal */
export function isConstantForm(form: number): boolean {
  return (
    form === C.DW_FORM_data1 ||
    form === C.DW_FORM_data2 ||
    form === C.DW_FORM_data4 ||
    form === C.DW_FORM_data8 ||
    form === C.DW_FORM_udata ||
    form === C.DW_FORM_sdata ||
    form === C.DW_FORM_implicit_const
  );
}

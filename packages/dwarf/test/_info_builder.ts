// Test helper: builds .debug_abbrev and .debug_info units by hand (little-endian).
import { bufferSource, type DwarfSections } from "../src/mod.js";
import { Bytes } from "./_bytes.js";

/** One abbreviation: code, tag, children, [name, form, implicit const?][]. */
export type AbbreviationSpec = readonly [number, number, boolean, readonly (readonly [number, number, (bigint | number)?])[]];

export function abbreviations(specs: readonly AbbreviationSpec[]): Bytes {
  const out = new Bytes();
  for (const [code, tag, children, attributes] of specs) {
    out
      .uleb(code)
      .uleb(tag)
      .u8(children ? 1 : 0);
    for (const [name, form, implicit] of attributes) {
      out.uleb(name).uleb(form);
      if (implicit !== undefined) out.sleb(implicit);
    }
    out.u8(0, 0);
  }
  return out.u8(0);
}

/** A unit: header (version 2–5, 32/64-bit) then `entries`. */
export function unit(options: { version: number; format64?: boolean; addressSize?: number; unitType?: number; abbrevOffset?: number }, entries: Bytes): Bytes {
  const format64 = options.format64 ?? false;
  const addressSize = options.addressSize ?? 8;
  const header = new Bytes().u16(options.version);
  if (options.version >= 5) header.u8(options.unitType ?? 1, addressSize).offset(options.abbrevOffset ?? 0, format64);
  else header.offset(options.abbrevOffset ?? 0, format64).u8(addressSize);
  const body = new Bytes().append(header).append(entries);
  const out = new Bytes();
  if (format64) out.u32(0xffff_ffff).u64(body.length);
  else out.u32(body.length);
  return out.append(body);
}

/** Sections from byte builders. */
export function sections(parts: { [K in Exclude<keyof DwarfSections, "littleEndian">]?: Bytes | Uint8Array }): DwarfSections {
  const result: Record<string, unknown> = { littleEndian: true };
  for (const [key, value] of Object.entries(parts)) result[key] = bufferSource(value instanceof Bytes ? value.bytes() : value);
  return result as unknown as DwarfSections;
}

/** Size of a DWARF 5 32-bit unit header (unit_length … debug_abbrev_offset). */
export const HEADER5 = 12;
export const HEADER4 = 11;

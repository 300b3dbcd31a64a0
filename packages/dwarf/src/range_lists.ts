import type { ByteSource } from "./byte_source.js";
import {
  DW_RLE_base_address,
  DW_RLE_base_addressx,
  DW_RLE_end_of_list,
  DW_RLE_offset_pair,
  DW_RLE_start_end,
  DW_RLE_start_length,
  DW_RLE_startx_endx,
  DW_RLE_startx_length,
  rangeListEntryName,
} from "./dwarf_constants.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import { Reader, type Section, sectionOf } from "./_reader.js";

/** A half-open address range `[begin, end)`. */
export interface AddressRange {
  readonly begin: bigint;
  readonly end: bigint;
}

/** How to read a range list: the unit's encoding and base address. */
export interface RangeListOptions {
  /** The unit's DWARF version: 2 to 4 read `.debug_ranges`, 5 reads `.debug_rnglists`. */
  readonly version: number;
  /** The unit's address size: 2, 4 or 8. */
  readonly addressSize: number;
  /** The byte order of the file. */
  readonly littleEndian: boolean;
  /** The base address offsets are relative to until a base selection entry: the unit's `DW_AT_low_pc` (default 0). */
  readonly baseAddress?: bigint | undefined;
  /** Looks an index of `.debug_addr` up (`DW_RLE_*x` entries); without it those entries throw. */
  readonly addrx?: ((index: number) => bigint) | undefined;
}

/**
 * Reads one range list: a DWARF 2–4 list of `.debug_ranges` (address pairs, base address selection
 * entries, a 0/0 end) or a DWARF 5 list of `.debug_rnglists` (every `DW_RLE_*` kind). Empty ranges
 * are dropped; addresses wrap at the address size.
 *
 * @param source `.debug_ranges` for versions 2–4, `.debug_rnglists` for version 5.
 * @param offset where the list starts (a `DW_AT_ranges` offset, resolved for `DW_FORM_rnglistx`).
 * @param options the unit's encoding and base address.
 * @returns the ranges, in list order.
 * @throws {DwarfFormatError} for a truncated or malformed list, or one of more than
 *   {@link DWARF_LIMITS.rangeListEntries} entries (`"limit"`).
 * @example
 * ```ts
 * const ranges = readRangeList(rnglists, 0x10, { version: 5, addressSize: 8, littleEndian: true, baseAddress: 0x1000n });
 * ranges[0]; // { begin: 0x1010n, end: 0x1040n }
 * ```
 */
export function readRangeList(source: ByteSource, offset: number, options: RangeListOptions): AddressRange[] {
  const name = options.version >= 5 ? ".debug_rnglists" : ".debug_ranges";
  return rangeListAt(sectionOf(name, source, options.littleEndian), offset, options);
}

/**
 * {@link readRangeList} over an internal section; `onEntry` is called before each entry is read.
 * @internal
 */
export function rangeListAt(
  section: Section,
  offset: number,
  options: Omit<RangeListOptions, "littleEndian"> & { readonly onEntry?: (at: number) => void },
): AddressRange[] {
  const reader: Reader = new Reader(section);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length) {
    reader.fail(`Range list offset ${hex(offset)} is outside ${section.name} (${hex(section.bytes.length)} bytes)`, "bad-value", 0);
  }
  reader.position = offset;
  const size = options.addressSize;
  const bits = size * 8;
  const wrap = (value: bigint): bigint => BigInt.asUintN(bits, value);
  let base = options.baseAddress ?? 0n;
  const ranges: AddressRange[] = [];
  const push = (begin: bigint, end: bigint): void => {
    if (end > begin) ranges.push({ begin, end });
  };
  const addrx = (index: number, at: number): bigint => {
    if (options.addrx === undefined) reader.fail(`Range list entry needs .debug_addr index ${index}, but the unit has no address table`, "bad-value", at);
    return options.addrx(index);
  };
  for (let count = 0; ; count++) {
    const at = reader.position;
    if (count >= DWARF_LIMITS.rangeListEntries)
      limitReached("rangeListEntries", `Range list at ${hex(offset)} with more entries`, { section: section.name, offset });
    options.onEntry?.(at);
    if (options.version < 5) {
      const begin = reader.unsigned(size);
      const end = reader.unsigned(size);
      if (begin === 0n && end === 0n) return ranges;
      if (begin === (1n << BigInt(bits)) - 1n) base = end;
      else push(wrap(base + begin), wrap(base + end));
      continue;
    }
    const kind = reader.u8();
    switch (kind) {
      case DW_RLE_end_of_list:
        return ranges;
      case DW_RLE_base_addressx:
        base = addrx(reader.ulebNumber("An address index"), at);
        break;
      case DW_RLE_startx_endx: {
        const begin = addrx(reader.ulebNumber("An address index"), at);
        push(begin, addrx(reader.ulebNumber("An address index"), at));
        break;
      }
      case DW_RLE_startx_length: {
        const begin = addrx(reader.ulebNumber("An address index"), at);
        push(begin, wrap(begin + reader.uleb()));
        break;
      }
      case DW_RLE_offset_pair: {
        const begin = reader.uleb();
        push(wrap(base + begin), wrap(base + reader.uleb()));
        break;
      }
      case DW_RLE_base_address:
        base = reader.unsigned(size);
        break;
      case DW_RLE_start_end: {
        const begin = reader.unsigned(size);
        push(begin, reader.unsigned(size));
        break;
      }
      case DW_RLE_start_length: {
        const begin = reader.unsigned(size);
        push(begin, wrap(begin + reader.uleb()));
        break;
      }
      default:
        reader.fail(`Unknown range list entry kind ${rangeListEntryName(kind)}`, "bad-value", at);
    }
  }
}

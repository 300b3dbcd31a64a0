import { hex } from "./dwarf_format_error.js";
import { Reader } from "./_reader.js";
import type { InfoContext } from "./_info_context.js";
import { compareBigints, partitionPoint } from "./_search.js";

/**
 * Which unit covers which addresses: `.debug_aranges` when present, and for units it does not
 * list, the root entry's `DW_AT_low_pc`/`DW_AT_high_pc`/`DW_AT_ranges`. Built once. @internal
 */
export class UnitIndex {
  readonly #begins: bigint[] = [];
  readonly #ends: bigint[] = [];
  readonly #units: number[] = [];
  /** Largest end among entries 0..i, to find overlapping ranges without a scan of everything. */
  readonly #maxEnds: bigint[] = [];

  constructor(context: InfoContext) {
    const rows: { begin: bigint; end: bigint; unit: number }[] = [];
    const headers = context.headers();
    const known = new Set(headers.map((header) => header.offset));
    const covered = new Set<number>();
    const aranges = context.section("aranges");
    if (aranges !== undefined) {
      const reader: Reader = new Reader(aranges);
      while (!reader.atEnd) {
        const start = reader.position;
        const { length, format64 } = reader.initialLength("an address range set");
        const end = reader.position + length;
        if (length > reader.remaining) reader.fail(`Address range set at ${hex(start)} runs past the end`, "truncated", start);
        const set: Reader = reader.sub(reader.position, end);
        const version = set.u16();
        if (version !== 2) set.fail(`Address range set at ${hex(start)} has version ${version}`, "unsupported", start);
        const unit = set.offset(format64, "A unit offset");
        const addressSize = set.u8();
        const segmentSize = set.u8();
        if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8)
          set.fail(`Address range set at ${hex(start)} has address size ${addressSize}`, "bad-value", start);
        if (!known.has(unit)) set.fail(`Address range set at ${hex(start)} names ${hex(unit)}, which is not a unit of .debug_info`, "bad-value", start);
        covered.add(unit);
        // Tuples start at a multiple of twice the address size from the set's start.
        const tuple = segmentSize + 2 * addressSize;
        const alignment = 2 * addressSize;
        const header = set.position - start;
        set.position = start + Math.ceil(header / alignment) * alignment;
        while (set.remaining >= tuple) {
          set.skip(segmentSize, "a segment selector");
          const begin = set.unsigned(addressSize);
          const size = set.unsigned(addressSize);
          if (begin === 0n && size === 0n) break;
          if (size > 0n) rows.push({ begin, end: BigInt.asUintN(addressSize * 8, begin + size), unit });
        }
        reader.position = end;
      }
    }
    for (const header of headers) {
      if (covered.has(header.offset)) continue;
      const unit = context.unit(header);
      const cursor = unit.cursor();
      if (!cursor.next()) continue;
      const pc = unit.pcAttributes(cursor.abbreviation!, cursor.attributesOffset);
      for (const range of unit.rangesOf(pc, cursor.offset) ?? []) rows.push({ ...range, unit: header.offset });
    }
    rows.sort((a, b) => compareBigints(a.begin, b.begin) || a.unit - b.unit);
    let maxEnd = 0n;
    for (const row of rows) {
      this.#begins.push(row.begin);
      this.#ends.push(row.end);
      this.#units.push(row.unit);
      if (row.end > maxEnd) maxEnd = row.end;
      this.#maxEnds.push(maxEnd);
    }
  }

  /** Offsets of the units whose ranges contain `address`, latest-starting range first. */
  unitsAt(address: bigint): number[] {
    const begins = this.#begins;
    const low = partitionPoint(begins.length, (index) => begins[index]! <= address);
    // A Set keeps insertion order: latest-starting first, each unit once, in linear time.
    const found = new Set<number>();
    for (let index = low - 1; index >= 0 && this.#maxEnds[index]! > address; index--) {
      if (this.#ends[index]! > address) found.add(this.#units[index]!);
    }
    return [...found];
  }
}

import type { Abbreviation } from "./abbreviations.js";
import type { DwarfSections } from "./dwarf_sections.js";
import type { AddressRange } from "./range_lists.js";
import { type FunctionsAt, inlineChainIn } from "./inline_chain.js";
import { InfoContext, type UnitContext, type UnitSummary } from "./_info_context.js";
import type { Attribute, AttributeValue } from "./_info_forms.js";
import { readUnitHeader, type UnitHeader } from "./_info_unit.js";
import { UnitIndex } from "./_info_aranges.js";

export type { Attribute, AttributeValue } from "./_info_forms.js";
export type { UnitHeader } from "./_info_unit.js";

/**
 * One debugging information entry, as {@link DebugInfo.entries} yields it. Attribute values are
 * read when asked for; strings and `.debug_addr` indexes are resolved then.
 */
export interface DebugInfoEntry {
  /** Offset of the entry in `.debug_info`. */
  readonly offset: number;
  /** Nesting depth in its unit: 0 for the unit's root entry, 1 for its children… */
  readonly depth: number;
  /** A `DW_TAG_*` constant. */
  readonly tag: number;
  /** Whether children follow the entry. */
  readonly hasChildren: boolean;
  /** Offset of the entry's unit in `.debug_info`. */
  readonly unitOffset: number;
  /**
   * Every attribute, in abbreviation order.
   * @throws {DwarfFormatError} when a value cannot be read or resolved.
   */
  attributes(): Attribute[];
  /**
   * The value of one attribute, or undefined when the entry does not have it.
   * @throws {DwarfFormatError} when the value cannot be read or resolved.
   */
  attribute(name: number): AttributeValue | undefined;
}

class Entry implements DebugInfoEntry {
  readonly offset: number;
  readonly depth: number;
  readonly #unit: UnitContext;
  readonly #abbreviation: Abbreviation;
  readonly #attributesOffset: number;

  constructor(unit: UnitContext, offset: number, depth: number, abbreviation: Abbreviation, attributesOffset: number) {
    this.offset = offset;
    this.depth = depth;
    this.#unit = unit;
    this.#abbreviation = abbreviation;
    this.#attributesOffset = attributesOffset;
  }

  get tag(): number {
    return this.#abbreviation.tag;
  }

  get hasChildren(): boolean {
    return this.#abbreviation.hasChildren;
  }

  get unitOffset(): number {
    return this.#unit.header.offset;
  }

  attributes(): Attribute[] {
    return this.#unit.readAttributes(this.#abbreviation, this.#attributesOffset);
  }

  attribute(name: number): AttributeValue | undefined {
    return this.#unit.readAttribute(this.#abbreviation, this.#attributesOffset, name)?.value;
  }

  /** The pc ranges (see {@link DebugInfo.rangesOf}). @internal */
  ranges(): AddressRange[] | undefined {
    return this.#unit.rangesOf(this.#unit.pcAttributes(this.#abbreviation, this.#attributesOffset), this.offset);
  }
}

/**
 * The debugging information entries of `.debug_info` (DWARF 2 to 5, 32- and 64-bit formats, every
 * `DW_FORM_*` of DWARF 5 and gcc's GNU forms), and the functions — inline chains included — at an
 * address. Units and entries are read lazily; the unit index for {@link functionsAt} is built on
 * first use from `.debug_aranges` (or the units' root entries).
 *
 * Every count and depth the bytes drive is bounded by {@link DWARF_LIMITS}: entry nesting
 * (`dieDepth`), entries per unit (`unitEntries`), attributes per abbreviation
 * (`abbreviationAttributes`), declarations of overlapping abbreviation tables read again
 * (`abbreviationReparses`), `DW_AT_abstract_origin`/`DW_AT_specification` hops (`referenceHops`),
 * inline nesting (`inlineDepth`), range list entries (`rangeListEntries`, and `lookupRangeEntries`
 * in one lookup), string bytes (`stringBytes`) and `DW_FORM_indirect` chains (`indirectForms`).
 *
 * @example
 * ```ts
 * import { DebugInfo, bufferSource } from "@corestack/dwarf";
 *
 * const info = new DebugInfo({ littleEndian: true, debug_info: bufferSource(infoBytes), debug_abbrev: bufferSource(abbrevBytes), debug_str: bufferSource(strBytes) });
 * const found = info.functionsAt(0x1234n);
 * for (const frame of found?.frames ?? []) console.log(frame.name, frame.callLine);
 * ```
 */
export class DebugInfo {
  readonly #context: InfoContext;
  #index: UnitIndex | undefined;

  /**
   * @param sections the file's debugging sections; `.debug_info` and `.debug_abbrev` are needed to
   *   read anything, the others when an attribute points into them.
   */
  constructor(sections: DwarfSections) {
    this.#context = new InfoContext(sections);
  }

  /**
   * The unit headers, in section order, read lazily.
   * @returns an iterator that stops at the end of `.debug_info`.
   * @throws {DwarfFormatError} at the first malformed header.
   * @example
   * ```ts
   * for (const unit of info.units()) console.log(unit.offset, unit.version, unitTypeName(unit.unitType));
   * ```
   */
  *units(): IterableIterator<UnitHeader> {
    const section = this.#context.info;
    for (let offset = 0; offset < section.bytes.length; ) {
      const header = readUnitHeader(section, offset);
      yield header;
      offset = header.end;
    }
  }

  /**
   * What a unit's root entry says: name, compilation directory, line program offset, base address.
   * @param unit a header from {@link units}.
   * @returns the summary.
   * @throws {DwarfFormatError} when the root entry cannot be read.
   * @example
   * ```ts
   * const first = info.units().next().value!;
   * info.unitSummary(first).name; // "Python/ceval.c"
   * ```
   */
  unitSummary(unit: UnitHeader): UnitSummary {
    return this.#context.unit(unit).summary;
  }

  /**
   * The entries of one unit in order, depth first, null entries left out. Enforces
   * {@link DWARF_LIMITS.dieDepth} and {@link DWARF_LIMITS.unitEntries}.
   * @param unit a header from {@link units}.
   * @returns a lazy iterator; attribute values are read only when asked for.
   * @throws {DwarfFormatError} at the first malformed entry or limit reached.
   * @example
   * ```ts
   * for (const entry of info.entries(unit)) if (entry.tag === DW_TAG_subprogram) console.log(entry.attribute(DW_AT_name));
   * ```
   */
  *entries(unit: UnitHeader): IterableIterator<DebugInfoEntry> {
    const context = this.#context.unit(unit);
    const cursor = context.cursor();
    while (cursor.next()) {
      yield new Entry(context, cursor.offset, cursor.entryDepth, cursor.abbreviation!, cursor.attributesOffset);
    }
  }

  /**
   * The entry at an offset of `.debug_info` (a reference's target), without reading its unit's
   * other entries. Its `depth` is 0.
   * @param offset the entry's offset (as a `DW_FORM_ref*` value resolves to).
   * @returns the entry.
   * @throws {DwarfFormatError} when no entry of a unit starts there.
   * @example
   * ```ts
   * const origin = info.entryAt(reference.offset);
   * origin.attribute(DW_AT_name); // { kind: "string", value: "sem_wait" }
   * ```
   */
  entryAt(offset: number): DebugInfoEntry {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`entryAt() takes an offset, not ${offset}`);
    const located = this.#context.entryAt(offset);
    return new Entry(located.unit, located.offset, 0, located.abbreviation, located.attributesOffset);
  }

  /**
   * An entry and its descendants, in order, depth first (the entry at depth 0): one function's
   * entries without walking the rest of its unit.
   * @param offset the offset of the subtree's root entry.
   * @returns a lazy iterator that stops after the root's last descendant.
   * @throws {DwarfFormatError} at the first malformed entry or limit reached.
   * @example
   * ```ts
   * for (const entry of info.subtree(subprogram.entryOffset)) if (entry.tag === DW_TAG_call_site) console.log(entry.offset);
   * ```
   */
  *subtree(offset: number): IterableIterator<DebugInfoEntry> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`subtree() takes an offset, not ${offset}`);
    const unit = this.#context.unitContaining(offset);
    const cursor = unit.cursor(offset, 0);
    if (!cursor.next()) return;
    if (cursor.offset !== offset) this.#context.fail(`Offset 0x${offset.toString(16)} holds a null entry, not an entry`, offset);
    yield new Entry(unit, cursor.offset, 0, cursor.abbreviation!, cursor.attributesOffset);
    if (!cursor.abbreviation!.hasChildren) return;
    while (cursor.next()) {
      if (cursor.entryDepth <= 0) return;
      yield new Entry(unit, cursor.offset, cursor.entryDepth, cursor.abbreviation!, cursor.attributesOffset);
    }
  }

  /**
   * Counts a unit's entries by tag without making an object per entry: the fast full walk.
   * @param unit a header from {@link units}.
   * @param counts a map to add to (`DW_TAG_*` → count).
   * @returns the number of entries.
   * @throws {DwarfFormatError} at the first malformed entry or limit reached.
   * @example
   * ```ts
   * const counts = new Map<number, number>();
   * for (const unit of info.units()) info.countEntries(unit, counts);
   * ```
   */
  countEntries(unit: UnitHeader, counts?: Map<number, number>): number {
    const cursor = this.#context.unit(unit).cursor();
    let total = 0;
    while (cursor.next()) {
      total++;
      if (counts !== undefined) {
        const tag = cursor.abbreviation!.tag;
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
      }
    }
    return total;
  }

  /**
   * The addresses an entry covers: `DW_AT_low_pc` with `DW_AT_high_pc` (an address, or an offset
   * when of the constant class), or the `DW_AT_ranges` list in `.debug_ranges`/`.debug_rnglists`.
   * @param entry an entry from {@link entries}.
   * @returns the ranges, or undefined when the entry has no pc attributes.
   * @throws {DwarfFormatError} when a value or the range list is malformed.
   * @example
   * ```ts
   * const root = info.entries(unit).next().value!;
   * info.rangesOf(root); // [{ begin: 0x1000n, end: 0x1400n }, …]
   * ```
   */
  rangesOf(entry: DebugInfoEntry): AddressRange[] | undefined {
    if (!(entry instanceof Entry)) throw new TypeError("rangesOf() takes an entry from DebugInfo.entries()");
    this.#context.beginLookup();
    return entry.ranges();
  }

  /**
   * The functions at an address: finds the unit covering it, then the `DW_TAG_subprogram`
   * containing it and the `DW_TAG_inlined_subroutine` entries nested inside, innermost first, with
   * names through `DW_AT_abstract_origin`/`DW_AT_specification` and call sites.
   *
   * @param address an address in the file's own address space (not relocated by a load bias).
   * @returns the unit and frames; undefined when no unit covers the address.
   * @throws {DwarfFormatError} when the entries on the way are malformed or reach a limit
   *   (`inlineDepth`, `referenceHops`, `rangeListEntries`, `dieDepth`…).
   * @example
   * ```ts
   * const found = info.functionsAt(0x12f3a0n);
   * found?.frames.map((frame) => frame.name); // ["_Py_INCREF", "_PyEval_EvalFrameDefault"]
   * found?.frames[0]?.callLine; // the line in _PyEval_EvalFrameDefault where _Py_INCREF was inlined
   * ```
   */
  functionsAt(address: bigint): FunctionsAt | undefined {
    if (typeof address !== "bigint") throw new TypeError("functionsAt() takes a bigint address");
    this.#context.beginLookup();
    this.#index ??= new UnitIndex(this.#context);
    const units = this.#index.unitsAt(address);
    let first: FunctionsAt | undefined;
    for (const offset of units) {
      const unit = this.#context.unitAt(offset);
      const frames = inlineChainIn(this.#context, unit, address);
      const found = { address, unit: unit.summary, frames };
      if (frames.length > 0) return found;
      first ??= found;
    }
    return first;
  }
}

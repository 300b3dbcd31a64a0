import { AbbreviationTable, type Abbreviation } from "./abbreviations.js";
import * as C from "./dwarf_constants.js";
import { DwarfFormatError, hex } from "./dwarf_format_error.js";
import type { DwarfSections } from "./dwarf_sections.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import { type AddressRange, rangeListAt } from "./range_lists.js";
import { Reader, type Section, sectionOf, stringAt } from "./_reader.js";
import { EntryCursor } from "./_info_entries.js";
import { type Attribute, type AttributeValue, type FormResolver, isConstantForm, readValue, skipValue } from "./_info_forms.js";
import { readUnitHeader, type UnitHeader } from "./_info_unit.js";
import { partitionPoint } from "./_search.js";

/** What a unit's root entry says about the unit. */
export interface UnitSummary {
  /** Offset of the unit in `.debug_info`. */
  readonly offset: number;
  readonly version: number;
  /** A `DW_UT_*` constant. */
  readonly unitType: number;
  /** The root entry's `DW_TAG_*` (`DW_TAG_compile_unit`, `DW_TAG_partial_unit`…). */
  readonly tag: number;
  /** `DW_AT_name`: the primary source file. */
  readonly name?: string;
  /** `DW_AT_comp_dir`: the compilation directory. */
  readonly compDir?: string;
  /** `DW_AT_stmt_list`: offset of the unit's line program in `.debug_line`. */
  readonly stmtList?: number;
  /** `DW_AT_producer`. */
  readonly producer?: string;
  /** `DW_AT_language`, a `DW_LANG_*` value. */
  readonly language?: number;
  /** `DW_AT_low_pc`: the base address of the unit's range lists. */
  readonly lowPc?: bigint;
}

const noResolution: FormResolver = {
  strp: () => "",
  lineStrp: () => "",
  strx: () => "",
  addrx: () => 0n,
};

function numberOf(value: AttributeValue | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.kind === "section-offset") return value.offset;
  if ((value.kind === "constant" || value.kind === "signed") && value.value >= 0n && value.value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value.value);
  return undefined;
}

/** The pc-related attributes of one entry. @internal */
export interface PcAttributes {
  lowPc?: bigint;
  highPc?: AttributeValue;
  highPcForm?: number;
  ranges?: AttributeValue;
  sibling?: number;
}

/** One unit with its abbreviations, bases and resolver. @internal */
export class UnitContext implements FormResolver {
  readonly info: InfoContext;
  readonly header: UnitHeader;
  readonly table: AbbreviationTable;
  readonly offsetSize: number;
  strOffsetsBase: number | undefined;
  addrBase: number | undefined;
  rnglistsBase: number | undefined;
  rangesBase = 0;
  baseAddress: bigint | undefined;
  #summary: UnitSummary | undefined;
  #rootAttributes: Attribute[] | undefined;
  #rootTag = 0;

  constructor(info: InfoContext, header: UnitHeader) {
    this.info = info;
    this.header = header;
    this.offsetSize = header.format64 ? 8 : 4;
    this.table = info.abbreviations(header.abbrevOffset);
    // The bases live in the root entry and are needed to read it: read them first, unresolved.
    const cursor = this.cursor();
    if (!cursor.next()) return;
    const abbreviation = cursor.abbreviation!;
    this.#rootTag = abbreviation.tag;
    const bases = this.readAttributes(abbreviation, cursor.attributesOffset, noResolution);
    for (const attribute of bases) {
      switch (attribute.name) {
        case C.DW_AT_str_offsets_base:
          this.strOffsetsBase = numberOf(attribute.value);
          break;
        case C.DW_AT_addr_base:
        case C.DW_AT_GNU_addr_base:
          this.addrBase = numberOf(attribute.value);
          break;
        case C.DW_AT_rnglists_base:
          this.rnglistsBase = numberOf(attribute.value);
          break;
        case C.DW_AT_GNU_ranges_base:
          this.rangesBase = numberOf(attribute.value) ?? 0;
          break;
      }
    }
    this.#rootAttributes = this.readAttributes(abbreviation, cursor.attributesOffset, this);
    for (const attribute of this.#rootAttributes) {
      if (attribute.name === C.DW_AT_low_pc && attribute.value.kind === "address") this.baseAddress = attribute.value.value;
    }
  }

  /** What the root entry says. */
  get summary(): UnitSummary {
    if (this.#summary !== undefined) return this.#summary;
    const summary: { -readonly [K in keyof UnitSummary]: UnitSummary[K] } = {
      offset: this.header.offset,
      version: this.header.version,
      unitType: this.header.unitType,
      tag: this.#rootTag,
    };
    for (const { name, value } of this.#rootAttributes ?? []) {
      if (name === C.DW_AT_name && value.kind === "string") summary.name = value.value;
      else if (name === C.DW_AT_comp_dir && value.kind === "string") summary.compDir = value.value;
      else if (name === C.DW_AT_producer && value.kind === "string") summary.producer = value.value;
      else if (name === C.DW_AT_stmt_list) {
        const offset = numberOf(value);
        if (offset !== undefined) summary.stmtList = offset;
      } else if (name === C.DW_AT_language && value.kind === "constant") summary.language = Number(value.value);
    }
    if (this.baseAddress !== undefined) summary.lowPc = this.baseAddress;
    return (this.#summary = summary);
  }

  cursor(start?: number, depth?: number): EntryCursor {
    return new EntryCursor(this.info.info, this.header, this.table, start, depth);
  }

  /** Reads every attribute of an entry. */
  readAttributes(abbreviation: Abbreviation, attributesOffset: number, resolver: FormResolver = this): Attribute[] {
    const reader: Reader = new Reader(this.info.info, attributesOffset, this.header.end);
    const result: Attribute[] = [];
    const attributes = abbreviation.attributes;
    for (let index = 0; index < attributes.length; index++) {
      const spec = attributes[index]!;
      const { form, value } = readValue(reader, spec.form, spec.implicitConst, this.header, resolver);
      result.push({ name: spec.name, form, value });
    }
    return result;
  }

  /** Reads one attribute of an entry, skipping the others; undefined when absent. */
  readAttribute(abbreviation: Abbreviation, attributesOffset: number, name: number): Attribute | undefined {
    const names = abbreviation.names;
    const where = names.indexOf(name);
    if (where < 0) return undefined;
    const reader: Reader = new Reader(this.info.info, attributesOffset, this.header.end);
    for (let index = 0; index < where; index++) skipValue(reader, abbreviation.forms[index]!, this.header);
    const spec = abbreviation.attributes[where]!;
    const { form, value } = readValue(reader, spec.form, spec.implicitConst, this.header, this);
    return { name, form, value };
  }

  /** Reads the pc attributes of an entry, skipping the others. */
  pcAttributes(abbreviation: Abbreviation, attributesOffset: number): PcAttributes {
    const result: PcAttributes = {};
    const names = abbreviation.names;
    const reader: Reader = new Reader(this.info.info, attributesOffset, this.header.end);
    for (let index = 0; index < names.length; index++) {
      const name = names[index]!;
      if (name !== C.DW_AT_low_pc && name !== C.DW_AT_high_pc && name !== C.DW_AT_ranges && name !== C.DW_AT_sibling) {
        skipValue(reader, abbreviation.forms[index]!, this.header);
        continue;
      }
      const spec = abbreviation.attributes[index]!;
      const { form, value } = readValue(reader, spec.form, spec.implicitConst, this.header, this);
      if (name === C.DW_AT_low_pc) {
        if (value.kind === "address") result.lowPc = value.value;
      } else if (name === C.DW_AT_high_pc) {
        result.highPc = value;
        result.highPcForm = form;
      } else if (name === C.DW_AT_ranges) result.ranges = value;
      else if (value.kind === "reference") result.sibling = value.offset;
    }
    return result;
  }

  /**
   * The address ranges of an entry from its pc attributes: `DW_AT_low_pc` with `DW_AT_high_pc` (an
   * address, or an offset from low_pc when of the constant class), or `DW_AT_ranges`.
   * @returns undefined when the entry has no pc attributes.
   */
  rangesOf(pc: PcAttributes, at: number): AddressRange[] | undefined {
    if (pc.ranges !== undefined) return this.rangeList(pc.ranges, at);
    if (pc.lowPc === undefined || pc.highPc === undefined) return undefined;
    let end: bigint;
    const high = pc.highPc;
    if (high.kind === "address") end = high.value;
    else if ((high.kind === "constant" || high.kind === "signed") && isConstantForm(pc.highPcForm ?? 0)) {
      end = BigInt.asUintN(this.header.addressSize * 8, pc.lowPc + high.value);
    } else {
      return this.info.fail(`DW_AT_high_pc of the entry at ${hex(at)} has a ${high.kind} value`, at);
    }
    return end > pc.lowPc ? [{ begin: pc.lowPc, end }] : [];
  }

  /** Reads the range list a `DW_AT_ranges` value names. */
  rangeList(value: AttributeValue, at: number): AddressRange[] {
    const version = this.header.version;
    let offset: number;
    if (value.kind === "index") {
      // DW_FORM_rnglistx: an index into the offsets table at DW_AT_rnglists_base.
      const section = this.info.need("rnglists", at);
      const base = this.rnglistsBase ?? (this.header.format64 ? 20 : 12);
      const reader: Reader = new Reader(section, 0);
      const slot = base + value.index * this.offsetSize;
      if (!Number.isSafeInteger(slot) || slot + this.offsetSize > section.bytes.length) {
        reader.fail(`DW_FORM_rnglistx index ${value.index} is outside the offsets table at ${hex(base)}`, "bad-value", Math.min(base, section.bytes.length));
      }
      reader.position = slot;
      offset = base + reader.offset(this.header.format64, "A range list offset");
    } else {
      const raw = value.kind === "section-offset" ? value.offset : version < 4 ? numberOf(value) : undefined;
      if (raw === undefined) return this.info.fail(`DW_AT_ranges of the entry at ${hex(at)} has a ${value.kind} value`, at);
      offset = raw + (version < 5 ? this.rangesBase : 0);
    }
    const section = this.info.need(version >= 5 ? "rnglists" : "ranges", at);
    return rangeListAt(section, offset, {
      version,
      addressSize: this.header.addressSize,
      baseAddress: this.baseAddress,
      addrx: (index) => this.addrx(index, at),
      onEntry: (entryAt) => this.info.countRangeEntry(section, entryAt),
    });
  }

  strp(offset: number): string {
    return stringAt(this.info.need("str", this.header.offset), offset);
  }

  lineStrp(offset: number): string {
    return stringAt(this.info.need("lineStr", this.header.offset), offset);
  }

  strx(index: number, at: number): string {
    const section = this.info.need("strOffsets", at);
    // Without DW_AT_str_offsets_base, the table is taken to follow its header at the start.
    const base = this.strOffsetsBase ?? (this.header.version >= 5 ? (this.header.format64 ? 16 : 8) : 0);
    const slot = base + index * this.offsetSize;
    const reader: Reader = new Reader(section, 0);
    if (!Number.isSafeInteger(slot) || slot + this.offsetSize > section.bytes.length) {
      reader.fail(
        `String index ${index} (entry of the unit at ${hex(this.header.offset)}) is outside .debug_str_offsets`,
        "bad-value",
        Math.min(base, section.bytes.length),
      );
    }
    reader.position = slot;
    return this.strp(reader.offset(this.header.format64, "A string offset"));
  }

  addrx(index: number, at: number): bigint {
    const section = this.info.need("addr", at);
    const base = this.addrBase ?? (this.header.version >= 5 ? (this.header.format64 ? 16 : 8) : 0);
    const size = this.header.addressSize;
    const slot = base + index * size;
    const reader: Reader = new Reader(section, 0);
    if (!Number.isSafeInteger(slot) || slot + size > section.bytes.length) {
      reader.fail(
        `Address index ${index} (entry of the unit at ${hex(this.header.offset)}) is outside .debug_addr`,
        "bad-value",
        Math.min(base, section.bytes.length),
      );
    }
    reader.position = slot;
    return reader.unsigned(size);
  }
}

/** An entry found by offset. @internal */
export interface LocatedEntry {
  readonly unit: UnitContext;
  readonly offset: number;
  readonly abbreviation: Abbreviation;
  readonly attributesOffset: number;
}

type SectionKey = "str" | "lineStr" | "strOffsets" | "addr" | "ranges" | "rnglists" | "aranges" | "abbrev";

const SECTION_NAMES: Record<SectionKey, string> = {
  str: ".debug_str",
  lineStr: ".debug_line_str",
  strOffsets: ".debug_str_offsets",
  addr: ".debug_addr",
  ranges: ".debug_ranges",
  rnglists: ".debug_rnglists",
  aranges: ".debug_aranges",
  abbrev: ".debug_abbrev",
};

/** The shared state behind a `DebugInfo`: sections, unit headers, caches. @internal */
export class InfoContext {
  readonly info: Section;
  readonly #sections: Partial<Record<SectionKey, Section>> = {};
  readonly #abbreviations = new Map<number, AbbreviationTable>();
  /** Offsets of the abbreviation declarations read so far, and how many were read again. */
  readonly #declarations = new Set<number>();
  #reparses = 0;
  /** Range-list entries read by the current {@link beginLookup} (`lookupRangeEntries`). */
  #lookupRangeEntries = 0;
  readonly #units = new Map<number, UnitContext>();
  #headers: UnitHeader[] | undefined;

  constructor(sections: DwarfSections) {
    const little = sections.littleEndian;
    const info = sections.debug_info;
    this.info = info === undefined ? { name: ".debug_info", bytes: new Uint8Array(0), littleEndian: little } : sectionOf(".debug_info", info, little);
    const add = (key: SectionKey, source: DwarfSections[keyof DwarfSections]): void => {
      if (source !== undefined && typeof source === "object") this.#sections[key] = sectionOf(SECTION_NAMES[key], source, little);
    };
    add("str", sections.debug_str);
    add("lineStr", sections.debug_line_str);
    add("strOffsets", sections.debug_str_offsets);
    add("addr", sections.debug_addr);
    add("ranges", sections.debug_ranges);
    add("rnglists", sections.debug_rnglists);
    add("aranges", sections.debug_aranges);
    add("abbrev", sections.debug_abbrev);
  }

  section(key: SectionKey): Section | undefined {
    return this.#sections[key];
  }

  /** A section that must be present; throws naming it. */
  need(key: SectionKey, at: number): Section {
    const section = this.#sections[key];
    if (section === undefined) this.fail(`The entry at ${hex(at)} needs ${SECTION_NAMES[key]}, which is missing`, at);
    return section;
  }

  fail(message: string, at: number, code: "bad-value" | "truncated" | "unsupported" = "bad-value"): never {
    throw new DwarfFormatError(`${message} (.debug_info+${hex(at)})`, { section: ".debug_info", offset: at, code });
  }

  /** Starts one lookup: its range-list entries are counted against `lookupRangeEntries`. */
  beginLookup(): void {
    this.#lookupRangeEntries = 0;
  }

  /** Counts one range-list entry read by the current lookup. */
  countRangeEntry(section: Section, at: number): void {
    if (++this.#lookupRangeEntries > DWARF_LIMITS.lookupRangeEntries) {
      limitReached("lookupRangeEntries", "The range-list entries read by one lookup", { section: section.name, offset: at });
    }
  }

  abbreviations(offset: number): AbbreviationTable {
    let table = this.#abbreviations.get(offset);
    if (table === undefined) {
      // A table starting inside another one reads its declarations again: bound that, or n units
      // each naming the next declaration of one table read n²/2 of them.
      const section = this.need("abbrev", offset);
      const declarations = this.#declarations;
      table = new AbbreviationTable(section, offset, (at) => {
        if (!declarations.has(at)) declarations.add(at);
        else if (++this.#reparses > DWARF_LIMITS.abbreviationReparses) {
          limitReached("abbreviationReparses", `The abbreviation table at ${hex(offset)}, inside another unit's table,`, { section: section.name, offset: at });
        }
      });
      this.#abbreviations.set(offset, table);
    }
    return table;
  }

  /** Every unit header, read once (throws at the first malformed header). */
  headers(): UnitHeader[] {
    if (this.#headers !== undefined) return this.#headers;
    const headers: UnitHeader[] = [];
    for (let offset = 0; offset < this.info.bytes.length; ) {
      const header = readUnitHeader(this.info, offset);
      headers.push(header);
      offset = header.end;
    }
    return (this.#headers = headers);
  }

  unit(header: UnitHeader): UnitContext {
    let unit = this.#units.get(header.offset);
    if (unit === undefined) {
      unit = new UnitContext(this, header);
      this.#units.set(header.offset, unit);
    }
    return unit;
  }

  /** The header of the unit whose bytes hold `offset`, if any. */
  #headerAround(offset: number): UnitHeader | undefined {
    const headers = this.headers();
    // Units are disjoint and in offset order: the last one starting at or before `offset`.
    const header = headers[partitionPoint(headers.length, (index) => headers[index]!.offset <= offset) - 1];
    return header !== undefined && offset < header.end ? header : undefined;
  }

  /** The unit that starts at `offset`. */
  unitAt(offset: number): UnitContext {
    const header = this.#headerAround(offset);
    if (header === undefined || header.offset !== offset) return this.fail(`No unit starts at ${hex(offset)}`, offset);
    return this.unit(header);
  }

  /** The unit whose entries contain `offset`. */
  unitContaining(offset: number): UnitContext {
    const header = this.#headerAround(offset);
    if (header === undefined || offset < header.entriesOffset) return this.fail(`Offset ${hex(offset)} is not an entry of any unit`, offset);
    return this.unit(header);
  }

  /** The entry at an offset (a reference's target). */
  entryAt(offset: number): LocatedEntry {
    const unit = this.unitContaining(offset);
    const reader: Reader = new Reader(this.info, offset, unit.header.end);
    const code = reader.ulebNumber("An abbreviation code");
    if (code === 0) this.fail(`Offset ${hex(offset)} holds a null entry, not an entry`, offset);
    const abbreviation = unit.table.get(code);
    if (abbreviation === undefined) this.fail(`Entry at ${hex(offset)} uses undeclared abbreviation code ${code}`, offset);
    return { unit, offset, abbreviation, attributesOffset: reader.position };
  }

  /**
   * The name and linkage name of an entry, through `DW_AT_abstract_origin` and
   * `DW_AT_specification` (at most {@link DWARF_LIMITS.referenceHops} hops).
   */
  namesOf(start: LocatedEntry): { name?: string; linkageName?: string } {
    let entry = start;
    let name: string | undefined;
    let linkageName: string | undefined;
    for (let hops = 0; ; hops++) {
      let next: number | undefined;
      for (const attribute of entry.unit.readAttributes(entry.abbreviation, entry.attributesOffset)) {
        const value = attribute.value;
        if (attribute.name === C.DW_AT_name && value.kind === "string") name ??= value.value;
        else if ((attribute.name === C.DW_AT_linkage_name || attribute.name === C.DW_AT_MIPS_linkage_name) && value.kind === "string")
          linkageName ??= value.value;
        else if ((attribute.name === C.DW_AT_abstract_origin || attribute.name === C.DW_AT_specification) && value.kind === "reference") next ??= value.offset;
      }
      if (name !== undefined || next === undefined) break;
      if (hops >= DWARF_LIMITS.referenceHops) {
        limitReached("referenceHops", `A chain of DW_AT_abstract_origin/DW_AT_specification from ${hex(start.offset)}`, {
          section: ".debug_info",
          offset: entry.offset,
        });
      }
      entry = this.entryAt(next);
    }
    return { ...(name === undefined ? {} : { name }), ...(linkageName === undefined ? {} : { linkageName }) };
  }
}

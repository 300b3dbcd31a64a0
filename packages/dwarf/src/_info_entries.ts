import type { Abbreviation, AbbreviationTable } from "./abbreviations.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import { Reader, type Section } from "./_reader.js";
import { skipAttributes } from "./_info_forms.js";
import type { UnitHeader } from "./_info_unit.js";

/**
 * Walks the entries of one unit in order, skipping attribute values without decoding them. Keeps
 * the nesting depth (null entries close a level) and enforces {@link DWARF_LIMITS.dieDepth} and
 * {@link DWARF_LIMITS.unitEntries}. After {@link next} returns true, the fields describe the entry
 * just read. @internal
 */
export class EntryCursor {
  readonly reader: Reader;
  readonly unit: UnitHeader;
  readonly table: AbbreviationTable;
  /** Depth of the next entry to read. */
  depth: number;
  /** The entry just read. */
  offset = -1;
  entryDepth = -1;
  abbreviation: Abbreviation | undefined;
  attributesOffset = -1;
  #records = 0;

  constructor(section: Section, unit: UnitHeader, table: AbbreviationTable, start = unit.entriesOffset, depth = 0) {
    this.reader = new Reader(section, start, unit.end);
    this.unit = unit;
    this.table = table;
    this.depth = depth;
  }

  /** Reads the next entry that is not a null entry; false at the end of the unit. */
  next(): boolean {
    const reader: Reader = this.reader;
    const bytes = reader.section.bytes;
    for (;;) {
      if (reader.position >= reader.end) return false;
      const at = reader.position;
      if (++this.#records > DWARF_LIMITS.unitEntries) {
        limitReached("unitEntries", `Unit at ${hex(this.unit.offset)} with more entries`, { section: reader.section.name, offset: at });
      }
      // One-byte codes are the common case.
      const first = bytes[at]!;
      let code: number;
      if (first < 0x80) {
        code = first;
        reader.position = at + 1;
      } else {
        code = reader.ulebNumber("An abbreviation code");
      }
      if (code === 0) {
        if (this.depth > 0) this.depth--;
        continue;
      }
      const abbreviation = this.table.get(code);
      if (abbreviation === undefined) {
        reader.fail(`Entry uses abbreviation code ${code}, which the table at .debug_abbrev+${hex(this.table.offset)} does not declare`, "bad-value", at);
      }
      if (this.depth >= DWARF_LIMITS.dieDepth) {
        limitReached("dieDepth", `An entry nested deeper`, { section: reader.section.name, offset: at });
      }
      this.offset = at;
      this.entryDepth = this.depth;
      this.abbreviation = abbreviation;
      this.attributesOffset = reader.position;
      skipAttributes(reader, abbreviation, this.unit);
      if (abbreviation.hasChildren) this.depth++;
      return true;
    }
  }

  /**
   * Jumps past the children of the entry just read to its sibling (`DW_AT_sibling`), which must
   * lie ahead inside the unit: a sibling behind would loop.
   */
  jumpToSibling(sibling: number): void {
    const reader: Reader = this.reader;
    if (sibling <= reader.position || sibling > reader.end) {
      reader.fail(`DW_AT_sibling ${hex(sibling)} of the entry at ${hex(this.offset)} does not point ahead inside its unit`, "bad-value", this.offset);
    }
    reader.position = sibling;
    this.depth = this.entryDepth;
  }
}

// The sections a line program reads, taken once per DwarfSections object.

import type { DwarfSections } from "./dwarf_sections.js";
import { DwarfFormatError } from "./dwarf_format_error.js";
import { type Section, sectionOf } from "./_reader.js";

/** The views of .debug_line and the string sections its headers point into. @internal */
export interface LineContext {
  readonly line: Section;
  readonly lineStr: Section | undefined;
  readonly str: Section | undefined;
  readonly strOffsets: Section | undefined;
}

const cache = new WeakMap<DwarfSections, LineContext>();

/**
 * The line-program view of `sections`, cached per object.
 * @throws {DwarfFormatError} when `.debug_line` is missing.
 * @internal
 */
export function lineContext(sections: DwarfSections): LineContext {
  const cached = cache.get(sections);
  if (cached !== undefined) return cached;
  if (sections.debug_line === undefined) {
    throw new DwarfFormatError("Cannot read line programs: the .debug_line section is missing", { section: ".debug_line", offset: 0, code: "bad-value" });
  }
  const little = sections.littleEndian;
  const context: LineContext = {
    line: sectionOf(".debug_line", sections.debug_line, little),
    lineStr: sections.debug_line_str === undefined ? undefined : sectionOf(".debug_line_str", sections.debug_line_str, little),
    str: sections.debug_str === undefined ? undefined : sectionOf(".debug_str", sections.debug_str, little),
    strOffsets: sections.debug_str_offsets === undefined ? undefined : sectionOf(".debug_str_offsets", sections.debug_str_offsets, little),
  };
  cache.set(sections, context);
  return context;
}

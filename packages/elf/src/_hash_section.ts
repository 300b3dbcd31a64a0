// What the GNU and SysV hash tables of a symbol table share: their section's bytes and the error
// that names a place in them.

import type { ElfFile, SectionHeader } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** The bytes of a hash section. @internal */
export function hashSectionView(elf: ElfFile, section: SectionHeader): DataView {
  const bytes = elf.sectionBytes(section);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The format error for a malformed hash section, `at` bytes into it. @internal */
export function hashSectionError(section: SectionHeader, message: string, at: number, code: "truncated" | "bad-value"): ElfFormatError {
  return new ElfFormatError(`Hash section ${section.index} (${section.name || "unnamed"}) at offset ${hex(section.sh_offset + at)}: ${message}`, {
    offset: section.sh_offset + at,
    code,
  });
}

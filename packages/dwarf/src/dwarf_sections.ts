import type { ByteSource } from "./byte_source.js";

/**
 * The debugging sections of one ELF file, as the caller found them (decompressed when they were
 * `SHF_COMPRESSED`: `@corestack/elf`'s `sectionContents()` does that). Any may be missing; readers
 * that need a missing section throw a {@link DwarfFormatError} naming it.
 *
 * @example
 * ```ts
 * const sections: DwarfSections = { littleEndian: true, debug_info: infoBytes, debug_abbrev: abbrevBytes };
 * ```
 */
export interface DwarfSections {
  /** Byte order of the file (`EI_DATA`). */
  readonly littleEndian: boolean;
  readonly debug_info?: ByteSource | undefined;
  readonly debug_abbrev?: ByteSource | undefined;
  readonly debug_str?: ByteSource | undefined;
  readonly debug_line_str?: ByteSource | undefined;
  readonly debug_str_offsets?: ByteSource | undefined;
  readonly debug_addr?: ByteSource | undefined;
  readonly debug_ranges?: ByteSource | undefined;
  readonly debug_rnglists?: ByteSource | undefined;
  readonly debug_aranges?: ByteSource | undefined;
  readonly debug_line?: ByteSource | undefined;
}

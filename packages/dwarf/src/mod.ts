/**
 * DWARF over a {@link ByteSource}. No runtime dependencies and no file-system access: give it the
 * sections' bytes. Every count, length and nesting driven by the bytes is bounded by
 * {@link DWARF_LIMITS}; reaching a limit throws a {@link DwarfFormatError} with code `"limit"`.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { ElfFile, bufferSource, sectionContents } from "@corestack/elf";
 * import { CallFrameInfo, DebugInfo, LineTable, bufferSource } from "@corestack/dwarf";
 *
 * const elf = new ElfFile(bufferSource(readFileSync("libpython3.12.so.1.0")));
 * const bytes = (name: string) => bufferSource(sectionContents(elf, elf.section(name)!));
 * const sections = { littleEndian: true, debug_info: bytes(".debug_info"), debug_abbrev: bytes(".debug_abbrev"),
 *   debug_str: bytes(".debug_str"), debug_line_str: bytes(".debug_line_str"), debug_rnglists: bytes(".debug_rnglists"),
 *   debug_line: bytes(".debug_line") };
 * const cfi = CallFrameInfo.fromEhFrame({ eh_frame: bytes(".eh_frame"), ehFrameAddress: elf.section(".eh_frame")!.sh_addr,
 *   littleEndian: true, addressSize: 8 });
 * cfi.rowFor(0x1caab0n);                           // the CFA and register rules at that pc
 * new DebugInfo(sections).functionsAt(0x1caab0n);  // the function and its inlined calls
 * LineTable.of(sections).locate(0x1caab0n);        // file, line, column
 * ```
 * @module
 */
export * from "./abbreviations.js";
export * from "./byte_source.js";
export * from "./call_frame_info.js";
export * from "./debug_info.js";
export { DwarfFormatError, type DwarfFormatErrorCode } from "./dwarf_format_error.js";
export * from "./dwarf_sections.js";
export type { FunctionsAt, InlineFrame, UnitSummary } from "./inline_chain.js";
export { DWARF_LIMITS, type DwarfLimit } from "./limits.js";
export * from "./line_program.js";
export * from "./line_table.js";
export { readRangeList, type AddressRange, type RangeListOptions } from "./range_lists.js";

/**
 * DWARF over a {@link ByteSource}. No runtime dependencies and no file-system access: give it the
 * sections' bytes. Every count, length and nesting driven by the bytes is bounded by
 * {@link DWARF_LIMITS}; reaching a limit throws a {@link DwarfFormatError} with code `"limit"`.
 *
 * @module
 */
export * from "./abbreviations.js";
export * from "./byte_source.js";
export * from "./call_frame_info.js";
export * from "./cfa_constants.js";
export * from "./debug_info.js";
export * from "./dwarf_constants.js";
export * from "./dwarf_format_error.js";
export * from "./dwarf_sections.js";
export * from "./inline_chain.js";
export * from "./limits.js";
export * from "./line_constants.js";
export * from "./line_program.js";
export * from "./line_table.js";
export * from "./range_lists.js";

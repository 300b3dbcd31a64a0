/**
 * ELF and core-file parsing over a {@link ByteSource}: headers, program and section headers,
 * string and symbol tables, notes, and a {@link CoreFile} view of a process dump. No runtime
 * dependencies and no file-system access: give it bytes.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { CoreFile, bufferSource } from "@corestack/elf";
 *
 * const core = new CoreFile(bufferSource(readFileSync("core")));
 * console.log(core.process?.psargs, core.threads.map((t) => t.tid));
 * ```
 * @module
 */
export * from "./build_id.js";
export * from "./byte_source.js";
export * from "./compressed.js";
export * from "./core_file.js";
export * from "./core_notes.js";
export * from "./debug_link.js";
export * from "./dynamic.js";
export * from "./elf_file.js";
export { ElfFormatError, type ElfFormatErrorCode } from "./elf_format_error.js";
export * from "./elf_symbols.js";
export * from "./load_address.js";
export * from "./memory_error.js";
export * from "./read_notes.js";
export * from "./symbol_lookup.js";

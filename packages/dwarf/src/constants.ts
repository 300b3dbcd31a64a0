/**
 * `@corestack/dwarf/constants`: the `DW_*` numbers of the DWARF 5 standard (with the GNU and LLVM
 * extensions the readers meet) and the functions that name them. Kept out of the package's root so
 * that its surface stays the readers.
 *
 * @example
 * ```ts
 * import { DW_TAG_subprogram, tagName } from "@corestack/dwarf/constants";
 * tagName(DW_TAG_subprogram); // "DW_TAG_subprogram"
 * ```
 * @module
 */
export * from "./cfa_constants.js";
export * from "./dwarf_constants.js";
export * from "./line_constants.js";

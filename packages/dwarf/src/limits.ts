import { DwarfFormatError, hex } from "./dwarf_format_error.js";

/**
 * Every count, length and depth this package lets bytes from a file drive. DWARF comes from
 * libraries of a process that crashed, and from machines we may not trust: a loop that a length
 * field controls ends at one of these, and reaching one throws a {@link DwarfFormatError} with code
 * `"limit"` that names it — never a silent stop, never gigabytes allocated or minutes spent.
 *
 * The values sit well above anything real toolchains emit (see each comment) and are checked by
 * tests on real libraries that stay under them and on hand-built inputs that reach them.
 *
 * @example
 * ```ts
 * import { DWARF_LIMITS } from "@corestack/dwarf";
 * DWARF_LIMITS.cfiInstructions; // 100000
 * ```
 */
export const DWARF_LIMITS = {
  /** CFA instructions executed to find one row (CIE initial + FDE); gcc/clang FDEs use tens. */
  cfiInstructions: 100_000,
  /** Depth of the `DW_CFA_remember_state` stack; real code nests one or two. */
  cfiRememberDepth: 64,
  /** Bytes of one DWARF expression in CFI or an attribute; real ones are under 100. */
  expressionBytes: 1 << 16,
  /** Bytes of a CIE augmentation string; real ones are "zR", "zPLR", "zRS"... */
  augmentationLength: 64,
  /** Records (CIEs and FDEs) read from one CFI section; libxul has ~250k. */
  cfiRecords: 10_000_000,
  /** Registers with a rule in one CFI row; x86-64 code uses under 20, AArch64 with SVE under 100. */
  cfiRegisterRules: 256,
  /** Nesting depth of debugging information entries; C++ templates reach ~30. */
  dieDepth: 256,
  /** Entries read from one unit; the largest C++ units hold a few million. */
  unitEntries: 50_000_000,
  /** Attributes in one abbreviation; real ones have under 30. */
  abbreviationAttributes: 1024,
  /**
   * Abbreviation declarations one `DebugInfo` reads again because a unit's table starts inside
   * another unit's table. Producers give each unit its own table or share one at the same offset
   * (read once): real files read none again.
   */
  abbreviationReparses: 100_000,
  /** Hops through DW_AT_abstract_origin / DW_AT_specification to find a name. */
  referenceHops: 16,
  /** Inline nesting reported at one address; real chains are under 20 deep. */
  inlineDepth: 128,
  /** Ranges in one DW_AT_ranges list. */
  rangeListEntries: 1_000_000,
  /**
   * Range-list entries read by one `DebugInfo.functionsAt()` (or `rangesOf()`) call, over every
   * entry and unit it visits: many entries naming one long list would read it again each time.
   */
  lookupRangeEntries: 10_000_000,
  /** Opcodes executed in one run of one line program (each takes at least a byte). */
  lineOpcodes: 100_000_000,
  /** Directories or files in one line-program header. */
  lineHeaderEntries: 1_000_000,
  /** Fields in one DWARF 5 directory or file entry format; gcc writes 2, clang 3 or 4. */
  lineEntryFormats: 64,
  /** Line programs read from one .debug_line section; one per compilation unit. */
  linePrograms: 10_000_000,
  /** Rows kept by one whole-section line index (24 bytes each); libpython3.12 has about a million. */
  lineIndexRows: 20_000_000,
  /** Bytes of one string read from a section. */
  stringBytes: 1 << 16,
  /** `DW_FORM_indirect` forms followed for one attribute value; producers emit at most one. */
  indirectForms: 8,
} as const;

/** The name of one limit in {@link DWARF_LIMITS}. */
export type DwarfLimit = keyof typeof DWARF_LIMITS;

/**
 * Throws the error for a limit reached. @internal
 * @param limit which limit.
 * @param what what was being read, for the message.
 * @param where the section and offset of the record that reached it.
 */
export function limitReached(limit: DwarfLimit, what: string, where: { section: string; offset: number }): never {
  throw new DwarfFormatError(`${what} at ${where.section}+${hex(where.offset)} goes past the limit of ${DWARF_LIMITS[limit]} (${limit})`, {
    section: where.section,
    offset: where.offset,
    code: "limit",
  });
}

// The limits the line-program reader enforces, with overrides for tests and cautious callers.

import { DwarfFormatError, hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";

/** The {@link DWARF_LIMITS} keys that bound line programs. */
export type LineLimit = "lineOpcodes" | "lineHeaderEntries" | "lineEntryFormats" | "linePrograms" | "lineIndexRows";

/**
 * Lower (or higher) values for the line-program limits than {@link DWARF_LIMITS}: a test that wants
 * to reach one quickly, a caller that wants to spend less. Missing keys keep the defaults.
 */
export type LineLimits = { readonly [K in LineLimit]?: number };

/** The limits in force: defaults with overrides applied. @internal */
export type ResolvedLineLimits = { readonly [K in LineLimit]: number };

const DEFAULTS: ResolvedLineLimits = {
  lineOpcodes: DWARF_LIMITS.lineOpcodes,
  lineHeaderEntries: DWARF_LIMITS.lineHeaderEntries,
  lineEntryFormats: DWARF_LIMITS.lineEntryFormats,
  linePrograms: DWARF_LIMITS.linePrograms,
  lineIndexRows: DWARF_LIMITS.lineIndexRows,
};

/** Applies overrides to the defaults; an override must be a non-negative safe integer. @internal */
export function resolveLineLimits(overrides: LineLimits | undefined): ResolvedLineLimits {
  if (overrides === undefined) return DEFAULTS;
  const resolved: Record<LineLimit, number> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS) as LineLimit[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Limit ${key} must be a non-negative safe integer, not ${value}`);
    resolved[key] = value;
  }
  return resolved;
}

/**
 * Throws the `"limit"` error for a line-program limit: through {@link limitReached} when the
 * default is in force, else with the same message naming the lowered value. @internal
 */
export function lineLimitReached(limits: ResolvedLineLimits, limit: LineLimit, what: string, where: { section: string; offset: number }): never {
  if (limits[limit] === DWARF_LIMITS[limit]) limitReached(limit, what, where);
  throw new DwarfFormatError(`${what} at ${where.section}+${hex(where.offset)} goes past the limit of ${limits[limit]} (${limit})`, {
    section: where.section,
    offset: where.offset,
    code: "limit",
  });
}

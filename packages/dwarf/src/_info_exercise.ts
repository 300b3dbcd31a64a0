import { DebugInfo } from "./debug_info.js";
import { DwarfFormatError } from "./dwarf_format_error.js";
import type { DwarfSections } from "./dwarf_sections.js";
import { readAbbreviations } from "./abbreviations.js";

/** Options of {@link exerciseDebugInfo}. */
export interface DebugInfoExerciseOptions {
  /** Addresses to look up with `functionsAt()` (default: none). */
  readonly addresses?: readonly bigint[];
  /** Entries whose attributes and ranges are read, across all units (default 100 000). */
  readonly maxEntries?: number;
}

/** What {@link exerciseDebugInfo} did. */
export interface DebugInfoExerciseResult {
  units: number;
  entries: number;
  attributes: number;
  lookups: number;
  frames: number;
  /** DwarfFormatErrors caught (each stops one stage: a unit's walk, one lookup…). */
  errors: number;
}

function guarded(result: DebugInfoExerciseResult, run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!DwarfFormatError.isInstance(error)) throw error;
    result.errors++;
  }
}

/**
 * Runs every debugging-information API over some sections, for fuzzing: unit headers, abbreviation
 * tables, every entry with all its attributes and ranges, unit summaries, and `functionsAt()` at
 * each address. A DwarfFormatError ends only the stage it came from and is counted; any other
 * exception escapes — that is the bug a fuzzer looks for.
 *
 * @param sections the sections to read (mutated bytes welcome).
 * @param options addresses to look up and a bound on the entries visited.
 * @returns counts of what was read.
 * @example
 * ```ts
 * const result = exerciseDebugInfo(sections, { addresses: [0x1000n, 0x1234n] });
 * result.errors; // how many stages stopped at a DwarfFormatError
 * ```
 * @internal
 */
export function exerciseDebugInfo(sections: DwarfSections, options: DebugInfoExerciseOptions = {}): DebugInfoExerciseResult {
  const result: DebugInfoExerciseResult = { units: 0, entries: 0, attributes: 0, lookups: 0, frames: 0, errors: 0 };
  const maxEntries = options.maxEntries ?? 100_000;
  const info = new DebugInfo(sections);
  guarded(result, () => {
    for (const unit of info.units()) {
      result.units++;
      if (sections.debug_abbrev !== undefined) guarded(result, () => void readAbbreviations(sections.debug_abbrev!, unit.abbrevOffset).size);
      guarded(result, () => void info.unitSummary(unit));
      guarded(result, () => {
        for (const entry of info.entries(unit)) {
          if (result.entries++ >= maxEntries) return;
          guarded(result, () => {
            result.attributes += entry.attributes().length;
            info.rangesOf(entry);
          });
        }
      });
      if (result.entries >= maxEntries) break;
    }
  });
  const counts = new Map<number, number>();
  guarded(result, () => {
    for (const unit of info.units()) guarded(result, () => void info.countEntries(unit, counts));
  });
  for (const address of options.addresses ?? []) {
    result.lookups++;
    guarded(result, () => {
      result.frames += info.functionsAt(address)?.frames.length ?? 0;
    });
  }
  return result;
}

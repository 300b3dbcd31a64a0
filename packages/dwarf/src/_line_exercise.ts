// Drives every line-program API over some sections, for fuzzers (tools/fuzz) and the property test:
// any input must give values or DwarfFormatErrors, nothing else.

import { DwarfFormatError } from "./dwarf_format_error.js";
import type { DwarfSections } from "./dwarf_sections.js";
import type { LineProgram } from "./line_program.js";
import { LineTable } from "./line_table.js";
import type { LineLimits } from "./_line_limits.js";

/** Options of {@link exerciseLinePrograms}. */
export interface LineExerciseOptions {
  /** Addresses to look up (default: a spread over the rows' own addresses, plus a few edges). */
  readonly addresses?: readonly bigint[] | undefined;
  /** Rows read per program through rows() (default 100000). */
  readonly maxRows?: number | undefined;
  /** Lower limits, to keep a fuzzing run short. */
  readonly limits?: LineLimits | undefined;
}

/** What {@link exerciseLinePrograms} did. */
export interface LineExerciseResult {
  programs: number;
  rows: number;
  sequences: number;
  located: number;
  /** DwarfFormatErrors caught, by code. */
  readonly errors: Record<string, number>;
  /** The first message of each code. */
  readonly messages: Record<string, string>;
}

/**
 * Runs every line-program API over `sections`: LineTable.programs(), each program's header,
 * fileName() of every file index, rows(), sequences() and locate(), then LineTable.locate() with
 * and without onError. DwarfFormatErrors are counted; anything else thrown is a bug and propagates.
 *
 * @param sections the sections to read (mutated ones, for a fuzzer).
 * @param options addresses, row cap, limits.
 * @returns counts of what was read and of the errors met.
 * @example
 * ```ts
 * const result = exerciseLinePrograms({ littleEndian: true, debug_line: bufferSource(mutated) });
 * ```
 * @internal
 */
export function exerciseLinePrograms(sections: DwarfSections, options: LineExerciseOptions = {}): LineExerciseResult {
  const result: LineExerciseResult = { programs: 0, rows: 0, sequences: 0, located: 0, errors: {}, messages: {} };
  const maxRows = options.maxRows ?? 100_000;
  const limits = options.limits;
  const seen: bigint[] = [];
  const attempt = (action: () => void): void => {
    try {
      action();
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      result.errors[error.code] = (result.errors[error.code] ?? 0) + 1;
      result.messages[error.code] ??= error.message;
    }
  };
  const programs: LineProgram[] = [];
  attempt(() => {
    for (const program of LineTable.of(sections, { limits }).programs()) {
      programs.push(program);
      result.programs++;
      if (programs.length >= 10_000) break;
    }
  });
  for (const program of programs) {
    const header = program.header;
    const files = header.file_names.length + 2;
    for (let index = 0; index < Math.min(files, 10_000); index++) program.fileName(index);
    attempt(() => {
      let count = 0;
      for (const row of program.rows()) {
        if (count++ >= maxRows) break;
        result.rows++;
        if (count % 97 === 1) seen.push(row.address);
        program.fileName(row.file);
      }
    });
    attempt(() => {
      let count = 0;
      for (const sequence of program.sequences()) {
        result.sequences++;
        if (++count >= 1000) break;
        seen.push(sequence.start, sequence.end, sequence.end - 1n < 0n ? 0n : sequence.end - 1n);
      }
    });
  }
  const addresses = options.addresses ?? [...seen.slice(0, 2000), 0n, 1n, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn];
  for (const program of programs.slice(0, 50)) {
    attempt(() => {
      for (const address of addresses.slice(0, 200)) if (program.locate(address) !== undefined) result.located++;
    });
  }
  for (const onError of [undefined, (): void => {}]) {
    let table: LineTable | undefined;
    attempt(() => void (table = LineTable.of(sections, { limits, onError })));
    if (table === undefined) continue;
    for (const address of addresses) {
      attempt(() => {
        if (table!.locate(address) !== undefined) result.located++;
      });
    }
    attempt(() => void table!.index());
  }
  return result;
}

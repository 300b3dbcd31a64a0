import { DwarfFormatError } from "./dwarf_format_error.js";
import type { DwarfSections } from "./dwarf_sections.js";
import { type LineProgram as LineProgramType, LineProgram, type LineLocation, type LineProgramUnit } from "./line_program.js";
import { lineContext } from "./_line_context.js";
import { programCores } from "./_line_cores.js";
import { type LineIndex, LineIndexBuilder } from "./_line_index.js";
import { type LineLimits, type ResolvedLineLimits, lineLimitReached, resolveLineLimits } from "./_line_limits.js";
import { locationOf, splitAddress } from "./_line_locate.js";
import { Reader } from "./_reader.js";
import { partitionPoint } from "./_search.js";

/** Options of {@link LineTable.of}. */
export interface LineTableOptions {
  /**
   * What the unit whose `DW_AT_stmt_list` is `offset` says (compilation directory, name, address
   * size). DWARF 5 programs name their compilation directory themselves; DWARF 2-4 programs need
   * it for relative paths.
   */
  readonly unit?: ((offset: number) => LineProgramUnit | undefined) | undefined;
  /** Lower limits than {@link DWARF_LIMITS}. */
  readonly limits?: LineLimits | undefined;
  /**
   * Called with each malformed program instead of throwing; the table then goes on with the next
   * program (rows of complete sequences before the problem are kept). A unit length that cannot
   * be read still ends the walk (reported here too).
   */
  readonly onError?: ((error: DwarfFormatError) => void) | undefined;
}

/**
 * Every line program of a `.debug_line` section, with one address index over all their rows for
 * many lookups. The index is built by the first {@link locate} (about 24 bytes a row; bounded by
 * `lineIndexRows`, and the walk by `linePrograms`).
 *
 * @example
 * ```ts
 * const table = LineTable.of(sections, { unit: (offset) => units.get(offset) });
 * const where = table.locate(0x11a0n);
 * if (where) console.log(`${where.file}:${where.line}`);
 * ```
 */
export class LineTable {
  readonly #sections: DwarfSections;
  readonly #options: LineTableOptions;
  readonly #limits: ResolvedLineLimits;
  #programs: LineProgram[] | undefined;
  #index: LineIndex | undefined;
  #failed = false;
  #failure: unknown;

  private constructor(sections: DwarfSections, options: LineTableOptions) {
    this.#sections = sections;
    this.#options = options;
    this.#limits = resolveLineLimits(options.limits);
  }

  /**
   * A table over all programs of `sections.debug_line`. Cheap: nothing is read until asked for.
   * @param sections the file's sections (`.debug_line` required).
   * @param options units, limits, error callback.
   * @returns the table.
   * @throws {DwarfFormatError} when `.debug_line` is missing.
   * @example
   * ```ts
   * LineTable.of(sections).locate(0x401136n)?.line;
   * ```
   */
  static of(sections: DwarfSections, options: LineTableOptions = {}): LineTable {
    lineContext(sections);
    return new LineTable(sections, options);
  }

  /**
   * The line programs in section order, headers parsed as they come.
   * @returns an iterator of programs.
   * @throws {DwarfFormatError} at the first malformed header (unless `onError` is given) or past
   *   `linePrograms`.
   * @example
   * ```ts
   * for (const program of table.programs()) console.log(program.header.offset, program.header.version);
   * ```
   */
  *programs(): IterableIterator<LineProgram> {
    const context = lineContext(this.#sections);
    const section = context.line;
    const size = section.bytes.length;
    const onError = this.#options.onError;
    let offset = 0;
    let count = 0;
    while (offset < size) {
      if (++count > this.#limits.linePrograms) {
        lineLimitReached(this.#limits, "linePrograms", "The line programs of the section", { section: section.name, offset });
      }
      let end: number;
      try {
        const reader = new Reader(section, offset);
        const { length } = reader.initialLength("a line program");
        end = reader.position + length;
      } catch (error) {
        if (onError === undefined || !DwarfFormatError.isInstance(error)) throw error;
        onError(error);
        return;
      }
      let program: LineProgram;
      try {
        program = LineProgram.at(this.#sections, offset, this.#options.unit?.(offset) ?? {}, { limits: this.#limits });
      } catch (error) {
        if (onError === undefined || !DwarfFormatError.isInstance(error)) throw error;
        onError(error);
        if (end > size) return;
        offset = end;
        continue;
      }
      yield program;
      offset = program.header.endOffset;
    }
  }

  /**
   * The source location of `address`, as {@link LineProgram.locate} finds it, over every program
   * of the section. When sequences overlap, the one that starts last wins.
   * @param address an address in the file's address space.
   * @returns the location, or undefined when no sequence covers it.
   * @throws {DwarfFormatError} from building the index (thrown again by later calls), unless
   *   `onError` takes it.
   * @throws {RangeError} when `address` is not in `[0, 2^64)`.
   * @example
   * ```ts
   * table.locate(0x1139n); // { file: "/src/main.c", line: 3, column: 5, discriminator: 0, ... }
   * ```
   */
  locate(address: bigint): LineLocation | undefined {
    const [hi, lo] = splitAddress(address);
    const index = this.#build();
    const hit = index.lookup(hi, lo);
    if (hit === undefined) return undefined;
    return locationOf(this.#programs![hit.program]!, index, hit.row);
  }

  /**
   * The program at `offset` of `.debug_line` among those the index read (a location's
   * `programOffset`), to name its other files or read its header.
   * @param offset a program's offset.
   * @returns the program, or undefined when none starts there.
   * @throws {DwarfFormatError} as {@link locate} does.
   * @example
   * ```ts
   * const where = table.locate(pc);
   * if (where) table.programAt(where.programOffset)?.header.version;
   * ```
   */
  programAt(offset: number): LineProgram | undefined {
    this.#build();
    const programs = this.#programs!;
    const program = programs[partitionPoint(programs.length, (index) => programs[index]!.header.offset < offset)];
    return program?.header.offset === offset ? program : undefined;
  }

  /**
   * Builds the index now (the first {@link locate} does it otherwise).
   * @returns counts: programs read, sequences and rows kept.
   * @throws {DwarfFormatError} as {@link locate} does.
   * @example
   * ```ts
   * const { rows } = table.index(); // about a million for libpython3.12
   * ```
   */
  index(): { programs: number; sequences: number; rows: number } {
    const index = this.#build();
    return { programs: this.#programs!.length, sequences: index.sequenceCount, rows: index.rowCount };
  }

  #build(): LineIndex {
    if (this.#index !== undefined) return this.#index;
    if (this.#failed) throw this.#failure;
    try {
      const onError = this.#options.onError;
      const builder = new LineIndexBuilder(this.#limits);
      const programs: LineProgramType[] = [];
      for (const program of this.programs()) {
        programs.push(program);
        try {
          builder.addProgram(programCores.get(program)!, programs.length - 1);
        } catch (error) {
          if (onError === undefined || !DwarfFormatError.isInstance(error) || builder.full) throw error;
          onError(error);
        }
      }
      this.#programs = programs;
      this.#index = builder.finish();
      return this.#index;
    } catch (error) {
      this.#failed = true;
      this.#failure = error;
      throw error;
    }
  }
}

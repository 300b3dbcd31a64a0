import type { DwarfSections } from "./dwarf_sections.js";
import { type LineFileEntry, type LineProgramHeader, readLineHeader } from "./_line_header.js";
import { lineContext } from "./_line_context.js";
import { programCores } from "./_line_cores.js";
import { type LineIndex, LineIndexBuilder } from "./_line_index.js";
import { type LineLimits, type ResolvedLineLimits, resolveLineLimits } from "./_line_limits.js";
import { LineMachine, type MachineProgram } from "./_line_machine.js";
import { locationOf, splitAddress } from "./_line_locate.js";

export type { LineEntryFormat, LineFileEntry, LineProgramHeader } from "./_line_header.js";
export type { LineLimit, LineLimits } from "./_line_limits.js";

/**
 * What a line program needs from the compilation unit that points at it (`DW_AT_stmt_list`). All
 * optional: DWARF 5 headers carry the address size and the compilation directory (directory 0).
 */
export interface LineProgramUnit {
  /** The unit's address size; DWARF 2-4 headers lack it (then `DW_LNE_set_address` lengths tell). */
  readonly addressSize?: number | undefined;
  /** `DW_AT_comp_dir`: relative directories and files are joined to it, as addr2line does. */
  readonly compDir?: string | undefined;
  /** `DW_AT_name`: names file 0 of a DWARF 2-4 program (which has no file 0). */
  readonly compName?: string | undefined;
  /** `DW_AT_str_offsets_base`, for `DW_FORM_strx` strings in a DWARF 5 header. */
  readonly strOffsetsBase?: number | undefined;
}

/** Options of {@link LineProgram.at}. */
export interface LineProgramOptions {
  /** Lower limits than {@link DWARF_LIMITS} for this program (tests, cautious callers). */
  readonly limits?: LineLimits | undefined;
}

/** One row of the line-number matrix. */
export interface LineRow {
  readonly address: bigint;
  /** `op_index` (VLIW; 0 elsewhere). */
  readonly opIndex: number;
  /** The file register: DWARF 2-4 count from 1, DWARF 5 from 0; {@link LineProgram.fileName} names it. */
  readonly file: number;
  /** 1-based; 0 means no source line. */
  readonly line: number;
  /** 1-based; 0 means the whole line. */
  readonly column: number;
  readonly isStmt: boolean;
  readonly basicBlock: boolean;
  /** The first address past a sequence; this row describes no instruction. */
  readonly endSequence: boolean;
  readonly prologueEnd: boolean;
  readonly epilogueBegin: boolean;
  readonly isa: number;
  readonly discriminator: number;
  /** Offset in `.debug_line` of the opcode that appended the row. */
  readonly offset: number;
}

/**
 * The registers of the current row, as {@link LineProgram.visitRows} shows them: the row's fields
 * (see {@link LineRow}), the address also as two 32-bit halves.
 */
export interface LineRowRegisters {
  readonly address: bigint;
  /** The high and low 32 bits of {@link address}, without making a bigint. */
  readonly addressHi: number;
  readonly addressLo: number;
  readonly file: number;
  readonly line: number;
  readonly column: number;
  readonly isStmt: boolean;
  readonly endSequence: boolean;
  readonly discriminator: number;
}

/** A run of rows ending with `DW_LNE_end_sequence`: the instructions in `[start, end)`. */
export interface LineSequence {
  readonly start: bigint;
  readonly end: bigint;
  /** The rows, the end-of-sequence row last. */
  readonly rows: readonly LineRow[];
}

/** The source location of an address, from the row that covers it. */
export interface LineLocation {
  /** The full path, joined as addr2line joins it; undefined when the file index names no file. */
  readonly file: string | undefined;
  /** The row's file register. */
  readonly fileIndex: number;
  readonly line: number;
  readonly column: number;
  readonly discriminator: number;
  /** The address of the row, at or below the address looked up. */
  readonly address: bigint;
  /** Offset of the line program in `.debug_line`. */
  readonly programOffset: number;
}

/**
 * One line program of `.debug_line` (DWARF 2, 3, 4 or 5; 32- or 64-bit format): its header,
 * parsed eagerly, and its row matrix, run lazily. Every loop the bytes drive is bounded by
 * {@link DWARF_LIMITS}; reaching a limit throws a `"limit"` {@link DwarfFormatError}.
 *
 * @example
 * ```ts
 * const program = LineProgram.at(sections, 0, { compDir: "/src" });
 * for (const row of program.rows()) console.log(row.address, program.fileName(row.file), row.line);
 * program.locate(0x1139n); // { file: "/src/main.c", line: 3, column: 5, discriminator: 0, ... }
 * ```
 */
export class LineProgram {
  /** The header as stored. */
  readonly header: LineProgramHeader;
  /** What the caller said about the unit. */
  readonly unit: LineProgramUnit;
  readonly #core: MachineProgram;
  readonly #limits: ResolvedLineLimits;
  readonly #defined: LineFileEntry[] = [];
  readonly #names = new Map<number, string | undefined>();
  #index: LineIndex | undefined;

  private constructor(header: LineProgramHeader, unit: LineProgramUnit, core: Omit<MachineProgram, "header" | "defineFile">) {
    this.header = header;
    this.unit = unit;
    this.#limits = core.limits;
    const defined = this.#defined;
    this.#core = {
      header,
      section: core.section,
      limits: core.limits,
      defineFile(ordinal: number, entry: LineFileEntry): void {
        if (ordinal === defined.length) defined.push(entry);
      },
    };
    programCores.set(this, this.#core);
  }

  /**
   * Reads the header of the line program at `offset` of `.debug_line`.
   *
   * @param sections the file's sections; `.debug_line` is required, `.debug_line_str` and
   *   `.debug_str` when the header points into them.
   * @param offset the program's offset (a unit's `DW_AT_stmt_list`).
   * @param unit what the unit knows: compilation directory and name, address size.
   * @param options lower limits.
   * @returns the program; its rows are read when asked for.
   * @throws {DwarfFormatError} when the header is truncated, malformed, of an unsupported version
   *   or form, or past a limit.
   * @example
   * ```ts
   * const program = LineProgram.at(sections, 0);
   * program.header.version; // 5
   * ```
   */
  static at(sections: DwarfSections, offset: number, unit: LineProgramUnit = {}, options: LineProgramOptions = {}): LineProgram {
    const context = lineContext(sections);
    const limits = resolveLineLimits(options.limits);
    const header = readLineHeader(context, offset, { addressSize: unit.addressSize, strOffsetsBase: unit.strOffsetsBase, limits });
    return new LineProgram(header, unit, { section: context.line, limits });
  }

  /**
   * The file entry a row's file register names: DWARF 2-4 count from 1 (then files added by
   * `DW_LNE_define_file`, once the rows that define them have been read), DWARF 5 from 0.
   * @param index a file register value.
   * @returns the entry, or undefined when there is none.
   * @example
   * ```ts
   * program.fileEntry(1)?.path; // "main.c"
   * ```
   */
  fileEntry(index: number): LineFileEntry | undefined {
    const files = this.header.file_names;
    if (this.header.version >= 5) return files[index] ?? this.#defined[index - files.length];
    if (index < 1) return undefined;
    return files[index - 1] ?? this.#defined[index - 1 - files.length];
  }

  /**
   * The directory a file entry's directory index names, as stored: DWARF 2-4 count from 1 (0 is
   * the compilation directory, returned as undefined), DWARF 5 from 0.
   * @param index a directory index.
   * @returns the directory, or undefined.
   * @example
   * ```ts
   * program.directory(1); // "sub"
   * ```
   */
  directory(index: number): string | undefined {
    const directories = this.header.include_directories;
    if (this.header.version >= 5) return directories[index];
    return index < 1 ? undefined : directories[index - 1];
  }

  /**
   * The full path of a file, joined as addr2line joins it: an absolute name as is; else its
   * directory when absolute; else the compilation directory (the unit's `compDir`, or DWARF 5
   * directory 0), then the directory, then the name.
   * @param index a row's file register.
   * @returns the path, or undefined when the index names no file (for DWARF 2-4 file 0: the
   *   unit's `compName` joined to `compDir`, when given).
   * @example
   * ```ts
   * LineProgram.at(sections, 0, { compDir: "/src" }).fileName(2); // "/src/sub/util.c"
   * ```
   */
  fileName(index: number): string | undefined {
    if (this.#names.has(index)) return this.#names.get(index);
    const name = this.#join(index);
    if (name !== undefined || index < this.header.file_names.length + 1) this.#names.set(index, name);
    return name;
  }

  #join(index: number): string | undefined {
    const version = this.header.version;
    const compDir = this.unit.compDir ?? (version >= 5 ? this.header.include_directories[0] : undefined);
    const entry = this.fileEntry(index);
    if (entry === undefined) {
      const compName = this.unit.compName;
      if (version >= 5 || index !== 0 || compName === undefined) return undefined;
      return compName.startsWith("/") || compDir === undefined ? compName : `${compDir}/${compName}`;
    }
    const path = entry.path;
    if (path.startsWith("/")) return path;
    const directory = this.directory(entry.directoryIndex);
    if (directory?.startsWith("/")) return `${directory}/${path}`;
    if (compDir === undefined) return directory === undefined ? path : `${directory}/${path}`;
    return directory === undefined ? `${compDir}/${path}` : `${compDir}/${directory}/${path}`;
  }

  /**
   * The rows of the line-number matrix, read lazily in program order.
   * @returns an iterator; each call starts from the beginning.
   * @throws {DwarfFormatError} from the iterator, at the first malformed opcode or past
   *   `lineOpcodes`; rows before it have been yielded.
   * @example
   * ```ts
   * const lines = [...program.rows()].filter((row) => !row.endSequence).map((row) => row.line);
   * ```
   */
  *rows(): IterableIterator<LineRow> {
    const machine = new LineMachine(this.#core);
    while (machine.next()) yield rowOf(machine);
  }

  /**
   * Runs the program and shows each row's registers to `visit`, without an object per row (the
   * fast way to build one's own table of a whole program). The view is the same object for every
   * row and valid only during the call: copy what must be kept.
   * @param visit called once per row, in order (end-of-sequence rows included).
   * @throws {DwarfFormatError} as {@link rows} does, after the rows before the problem were visited.
   * @example
   * ```ts
   * let statements = 0;
   * program.visitRows((row) => { if (row.isStmt && !row.endSequence) statements++; });
   * ```
   */
  visitRows(visit: (row: LineRowRegisters) => void): void {
    const machine = new LineMachine(this.#core);
    while (machine.next()) visit(machine);
  }

  /**
   * The complete sequences of the program (an unterminated last one is left out).
   * @returns an iterator of sequences, each with its rows.
   * @throws {DwarfFormatError} as {@link rows} does.
   * @example
   * ```ts
   * for (const sequence of program.sequences()) console.log(sequence.start, sequence.end);
   * ```
   */
  *sequences(): IterableIterator<LineSequence> {
    let rows: LineRow[] = [];
    for (const row of this.rows()) {
      rows.push(row);
      if (row.endSequence) {
        yield { start: rows[0]!.address, end: row.address, rows };
        rows = [];
      }
    }
  }

  /**
   * The source location of `address`: the row with the largest address at or below it in the
   * sequence that covers it (row address ≤ pc < next row address), as addr2line picks it. The
   * first call indexes the program's rows.
   * @param address an address in the unit's address space.
   * @returns the location, or undefined when no sequence covers the address.
   * @throws {DwarfFormatError} when the program is malformed or past a limit.
   * @throws {RangeError} when `address` is not in `[0, 2^64)`.
   * @example
   * ```ts
   * program.locate(0x1139n)?.line; // 3
   * ```
   */
  locate(address: bigint): LineLocation | undefined {
    const [hi, lo] = splitAddress(address);
    if (this.#index === undefined) {
      const builder = new LineIndexBuilder(this.#limits);
      builder.addProgram(this.#core, 0);
      this.#index = builder.finish();
    }
    const hit = this.#index.lookup(hi, lo);
    return hit === undefined ? undefined : locationOf(this, this.#index, hit.row);
  }
}

function rowOf(machine: LineMachine): LineRow {
  return {
    address: machine.address,
    opIndex: machine.opIndex,
    file: machine.file,
    line: machine.line,
    column: machine.column,
    isStmt: machine.isStmt,
    basicBlock: machine.basicBlock,
    endSequence: machine.endSequence,
    prologueEnd: machine.prologueEnd,
    epilogueBegin: machine.epilogueBegin,
    isa: machine.isa,
    discriminator: machine.discriminator,
    offset: machine.rowOffset,
  };
}

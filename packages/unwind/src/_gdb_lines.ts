import type { LineProgram } from "@corestack/dwarf";

/** One entry of gdb's line table for a sequence. */
interface Entry {
  readonly address: bigint;
  readonly file: number;
  readonly line: number;
  readonly column: number;
  readonly isStmt: boolean;
}

interface Sequence {
  readonly start: bigint;
  readonly end: bigint;
  readonly entries: readonly Entry[];
}

/**
 * A unit's line program read the way gdb reads it, so that file and line agree with gdb's `bt`
 * where addr2line's rule (the last row at or below the address) does not:
 * - gdb records a row only when its file or line differs from the last recorded one, or when
 *   that line has never had a non-zero discriminator (`dwarf_record_line_p`, gdb PR 17276);
 *   rows of line 0 are not recorded;
 * - a lookup takes the last entry at or below the address and, when that entry is not a
 *   statement, an `is_stmt` entry at the same address before it (`find_pc_sect_line`).
 * @internal
 */
export class GdbLineTable {
  readonly #sequences: Sequence[];

  private constructor(sequences: Sequence[]) {
    this.#sequences = sequences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /**
   * Reads every sequence of a program.
   * @throws {DwarfFormatError} when the program is malformed (rows before it are not kept).
   */
  static of(program: LineProgram): GdbLineTable {
    const sequences: Sequence[] = [];
    for (const sequence of program.sequences()) {
      const entries: Entry[] = [];
      let lastFile = -1;
      let lastLine = -1;
      let rowLine = -1;
      let nonZeroDiscriminator = false;
      for (const row of sequence.rows) {
        if (row.endSequence) break;
        if (row.line !== rowLine) nonZeroDiscriminator = row.discriminator !== 0;
        else if (row.discriminator !== 0) nonZeroDiscriminator = true;
        rowLine = row.line;
        if (row.line === 0) continue;
        if (row.file === lastFile && row.line === lastLine && nonZeroDiscriminator) continue;
        entries.push({ address: row.address, file: row.file, line: row.line, column: row.column, isStmt: row.isStmt });
        lastFile = row.file;
        lastLine = row.line;
      }
      if (entries.length > 0) sequences.push({ start: sequence.start, end: sequence.end, entries });
    }
    return new GdbLineTable(sequences);
  }

  /**
   * The entry gdb shows for an address.
   * @param address a link-time address.
   * @returns the file index, line and column, or undefined when no sequence covers it.
   */
  locate(address: bigint): { file: number; line: number; column: number } | undefined {
    let found: Sequence | undefined;
    for (const sequence of this.#sequences) {
      if (sequence.start <= address && address < sequence.end) found = sequence;
      else if (sequence.start > address) break;
    }
    if (!found) return undefined;
    const entries = found.entries;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (entries[middle]!.address <= address) low = middle + 1;
      else high = middle;
    }
    let index = low - 1;
    if (index < 0) return undefined;
    if (!entries[index]!.isStmt) {
      let back = index;
      while (back > 0 && entries[back - 1]!.address === entries[back]!.address && !entries[back]!.isStmt) back--;
      if (entries[back]!.isStmt) index = back;
    }
    const entry = entries[index]!;
    return { file: entry.file, line: entry.line, column: entry.column };
  }
}

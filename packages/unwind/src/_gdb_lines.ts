import type { LineProgram } from "@corestack/dwarf";
import { compareBigints } from "./_search.js";

/** gdb's line table for one sequence: its entries as parallel arrays (no object per entry). */
interface Sequence {
  readonly start: bigint;
  readonly end: bigint;
  /** Each entry's address as two 32-bit halves. */
  readonly hi: number[];
  readonly lo: number[];
  readonly file: number[];
  readonly line: number[];
  readonly column: number[];
  readonly isStmt: boolean[];
}

const TWO_32 = 0x1_0000_0000n;

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
    this.#sequences = sequences.sort((a, b) => compareBigints(a.start, b.start));
  }

  /**
   * Reads every sequence of a program.
   * @throws {DwarfFormatError} when the program is malformed (rows before it are not kept).
   */
  static of(program: LineProgram): GdbLineTable {
    const sequences: Sequence[] = [];
    let current: Sequence | undefined;
    let first = true;
    let startHi = 0;
    let startLo = 0;
    let lastFile = -1;
    let lastLine = -1;
    let rowLine = -1;
    let nonZeroDiscriminator = false;
    program.visitRows((row) => {
      if (first) {
        // A sequence starts: its first row (of any line) gives its start.
        first = false;
        startHi = row.addressHi;
        startLo = row.addressLo;
        current = { start: 0n, end: 0n, hi: [], lo: [], file: [], line: [], column: [], isStmt: [] };
        lastFile = -1;
        lastLine = -1;
        rowLine = -1;
        nonZeroDiscriminator = false;
      }
      const sequence = current!;
      if (row.endSequence) {
        first = true;
        if (sequence.hi.length > 0) {
          sequences.push({ ...sequence, start: (BigInt(startHi) * TWO_32) | BigInt(startLo), end: row.address });
        }
        return;
      }
      if (row.line !== rowLine) nonZeroDiscriminator = row.discriminator !== 0;
      else if (row.discriminator !== 0) nonZeroDiscriminator = true;
      rowLine = row.line;
      if (row.line === 0) return;
      if (row.file === lastFile && row.line === lastLine && nonZeroDiscriminator) return;
      sequence.hi.push(row.addressHi);
      sequence.lo.push(row.addressLo);
      sequence.file.push(row.file);
      sequence.line.push(row.line);
      sequence.column.push(row.column);
      sequence.isStmt.push(row.isStmt);
      lastFile = row.file;
      lastLine = row.line;
    });
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
    const hi = Number(address >> 32n);
    const lo = Number(address & 0xffff_ffffn);
    const his = found.hi;
    const los = found.lo;
    let low = 0;
    let high = his.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const h = his[middle]!;
      if (h < hi || (h === hi && los[middle]! <= lo)) low = middle + 1;
      else high = middle;
    }
    let index = low - 1;
    if (index < 0) return undefined;
    const stmts = found.isStmt;
    if (!stmts[index]) {
      let back = index;
      while (back > 0 && his[back - 1] === his[back] && los[back - 1] === los[back] && !stmts[back]) back--;
      if (stmts[back]) index = back;
    }
    return { file: found.file[index]!, line: found.line[index]!, column: found.column[index]! };
  }
}

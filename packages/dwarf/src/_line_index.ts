// An address index over the rows of one or many line programs: sequences sorted by start address,
// rows as parallel typed arrays (24 bytes a row), looked up by binary search.

import { LineMachine, type MachineProgram } from "./_line_machine.js";
import { type ResolvedLineLimits, lineLimitReached } from "./_line_limits.js";
import { partitionPoint } from "./_search.js";

/** The `line` of a row that ends a sequence (real lines are below 2^31). */
const END = -1;

/** A row found by {@link LineIndex.lookup}. @internal */
export interface IndexHit {
  readonly program: number;
  readonly row: number;
}

/** Compares two addresses given as 32-bit halves. */
function compare(aHi: number, aLo: number, bHi: number, bLo: number): number {
  return aHi !== bHi ? aHi - bHi : aLo - bLo;
}

/** Collects rows program by program, then {@link finish}es into a {@link LineIndex}. @internal */
export class LineIndexBuilder {
  readonly #limits: ResolvedLineLimits;
  #capacity = 0;
  #rows = 0;
  #hi = new Uint32Array(0);
  #lo = new Uint32Array(0);
  #line = new Int32Array(0);
  #column = new Uint32Array(0);
  #file = new Uint32Array(0);
  #discriminator = new Uint32Array(0);
  #sequences: number[] = []; // (first row, row count, program) triples
  /** Rows up to here belong to complete sequences. */
  #sequenceEnd = 0;
  #full = false;

  constructor(limits: ResolvedLineLimits) {
    this.#limits = limits;
  }

  /**
   * Runs `program` and keeps the rows of its complete sequences; an unterminated final sequence
   * is dropped, and so are empty sequences (start = end).
   * @param id the program's number, given back by lookups.
   */
  addProgram(program: MachineProgram, id: number): void {
    const machine = new LineMachine(program);
    try {
      this.#run(machine, program, id);
    } catch (error) {
      // Keep the complete sequences read before the problem; drop the one it interrupted.
      this.#rows = this.#sequenceEnd;
      throw error;
    }
  }

  /** True once `lineIndexRows` has been reached (nothing more can be added). */
  get full(): boolean {
    return this.#full;
  }

  #run(machine: LineMachine, program: MachineProgram, id: number): void {
    let first = -1;
    let unsorted = false;
    while (machine.next()) {
      if (first < 0) {
        first = this.#rows;
        unsorted = false;
      }
      const hi = machine.addressHi;
      const lo = machine.addressLo;
      const end = machine.endSequence;
      let at = this.#rows;
      if (at > first) {
        const order = compare(hi, lo, this.#hi[at - 1]!, this.#lo[at - 1]!);
        // Rows at one address: only the last covers anything (as addr2line keeps it).
        if (order === 0 && !end) at -= 1;
        else if (order < 0) unsorted = true;
      }
      if (at === this.#capacity) this.#grow(program, machine.rowOffset);
      this.#hi[at] = hi;
      this.#lo[at] = lo;
      this.#line[at] = end ? END : machine.line;
      this.#column[at] = machine.column;
      this.#file[at] = machine.file;
      this.#discriminator[at] = machine.discriminator;
      this.#rows = at + 1;
      if (end) {
        this.#closeSequence(first, unsorted, id);
        first = -1;
      }
    }
    this.#rows = this.#sequenceEnd;
  }

  #closeSequence(first: number, unsorted: boolean, id: number): void {
    if (unsorted) this.#sortRows(first);
    const last = this.#rows - 1;
    if (compare(this.#hi[first]!, this.#lo[first]!, this.#hi[last]!, this.#lo[last]!) === 0) {
      this.#rows = first;
      return;
    }
    this.#sequences.push(first, this.#rows - first, id);
    this.#sequenceEnd = this.#rows;
  }

  /** Sorts the rows of a sequence whose addresses went backwards (stable), then merges equal addresses. */
  #sortRows(first: number): void {
    const count = this.#rows - first;
    const order = Array.from({ length: count }, (_, i) => first + i);
    order.sort((a, b) => compare(this.#hi[a]!, this.#lo[a]!, this.#hi[b]!, this.#lo[b]!) || a - b);
    const columns = [this.#hi, this.#lo, this.#line, this.#column, this.#file, this.#discriminator];
    const copies = columns.map((column) => Array.from(order, (row) => column[row]!));
    let out = first;
    for (let i = 0; i < count; i++) {
      const next = i + 1 < count ? i + 1 : -1;
      // Keep the last of equal-address non-end rows.
      if (next >= 0 && copies[0]![i] === copies[0]![next] && copies[1]![i] === copies[1]![next] && copies[2]![i] !== END && copies[2]![next] !== END) continue;
      for (let c = 0; c < columns.length; c++) columns[c]![out] = copies[c]![i]!;
      out++;
    }
    this.#rows = out;
  }

  #grow(program: MachineProgram, offset: number): void {
    const limit = this.#limits.lineIndexRows;
    if (this.#capacity >= limit) {
      this.#full = true;
      lineLimitReached(this.#limits, "lineIndexRows", "The rows of the line index", { section: program.section.name, offset });
    }
    const capacity = Math.min(limit, Math.max(1024, this.#capacity * 2));
    const grow = <T extends Uint32Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.#rows));
      return next;
    };
    this.#hi = grow(this.#hi, (n) => new Uint32Array(n));
    this.#lo = grow(this.#lo, (n) => new Uint32Array(n));
    this.#line = grow(this.#line, (n) => new Int32Array(n));
    this.#column = grow(this.#column, (n) => new Uint32Array(n));
    this.#file = grow(this.#file, (n) => new Uint32Array(n));
    this.#discriminator = grow(this.#discriminator, (n) => new Uint32Array(n));
    this.#capacity = capacity;
  }

  /** Sorts the sequences and returns the index (rows are trimmed to their count). */
  finish(): LineIndex {
    const rows = this.#rows;
    const triples = this.#sequences;
    const count = triples.length / 3;
    const hi = this.#hi,
      lo = this.#lo;
    const order = Array.from({ length: count }, (_, i) => i);
    const startOf = (s: number): number => triples[s * 3]!;
    const endOf = (s: number): number => triples[s * 3]! + triples[s * 3 + 1]! - 1;
    order.sort((a, b) => compare(hi[startOf(a)]!, lo[startOf(a)]!, hi[startOf(b)]!, lo[startOf(b)]!) || a - b);
    const sequences = new Uint32Array(count * 3);
    const maxEndHi = new Uint32Array(count);
    const maxEndLo = new Uint32Array(count);
    let bestHi = 0,
      bestLo = 0;
    order.forEach((s, i) => {
      sequences[i * 3] = triples[s * 3]!;
      sequences[i * 3 + 1] = triples[s * 3 + 1]!;
      sequences[i * 3 + 2] = triples[s * 3 + 2]!;
      const e = endOf(s);
      if (compare(hi[e]!, lo[e]!, bestHi, bestLo) > 0) {
        bestHi = hi[e]!;
        bestLo = lo[e]!;
      }
      maxEndHi[i] = bestHi;
      maxEndLo[i] = bestLo;
    });
    return new LineIndex({
      rows,
      sequences,
      maxEndHi,
      maxEndLo,
      hi: hi.slice(0, rows),
      lo: lo.slice(0, rows),
      line: this.#line.slice(0, rows),
      column: this.#column.slice(0, rows),
      file: this.#file.slice(0, rows),
      discriminator: this.#discriminator.slice(0, rows),
    });
  }
}

interface IndexData {
  readonly rows: number;
  /** (first row, row count, program) triples sorted by start address. */
  readonly sequences: Uint32Array;
  /** The largest end address among sequences 0..i of the sorted order. */
  readonly maxEndHi: Uint32Array;
  readonly maxEndLo: Uint32Array;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly line: Int32Array;
  readonly column: Uint32Array;
  readonly file: Uint32Array;
  readonly discriminator: Uint32Array;
}

/** The finished index. @internal */
export class LineIndex {
  readonly data: IndexData;

  constructor(data: IndexData) {
    this.data = data;
  }

  /** Number of rows kept (end-of-sequence rows included). */
  get rowCount(): number {
    return this.data.rows;
  }

  /** Number of sequences kept. */
  get sequenceCount(): number {
    return this.data.sequences.length / 3;
  }

  /**
   * The row covering `pc` (row address ≤ pc < next row address, one sequence), preferring the
   * sequence that starts last when sequences overlap.
   */
  lookup(pcHi: number, pcLo: number): IndexHit | undefined {
    const { sequences, maxEndHi, maxEndLo, hi, lo, line } = this.data;
    // Last sequence that starts at or below pc.
    const low = sequencesAtOrBelow(sequences, hi, lo, pcHi, pcLo);
    for (let s = low - 1; s >= 0; s--) {
      if (compare(maxEndHi[s]!, maxEndLo[s]!, pcHi, pcLo) <= 0) return undefined;
      const first = sequences[s * 3]!;
      const last = first + sequences[s * 3 + 1]! - 1;
      if (compare(hi[last]!, lo[last]!, pcHi, pcLo) <= 0) continue;
      // Last row of the sequence at or below pc.
      // Written out rather than through partitionPoint(): a closure made in this loop cost a third of
      // locate()'s time in a micro-measure.
      let a = first;
      let b = last;
      while (a < b) {
        const mid = (a + b + 1) >>> 1;
        if (compare(hi[mid]!, lo[mid]!, pcHi, pcLo) <= 0) a = mid;
        else b = mid - 1;
      }
      if (line[a] === END) continue;
      return { program: sequences[s * 3 + 2]!, row: a };
    }
    return undefined;
  }
}

/**
 * How many sequences of the sorted triples start at or below pc. A function of its own: a closure
 * in lookup() would make the locals of its loop context variables, slower in a micro-measure.
 */
function sequencesAtOrBelow(sequences: Uint32Array, hi: Uint32Array, lo: Uint32Array, pcHi: number, pcLo: number): number {
  return partitionPoint(sequences.length / 3, (s) => {
    const first = sequences[s * 3]!;
    return compare(hi[first]!, lo[first]!, pcHi, pcLo) <= 0;
  });
}

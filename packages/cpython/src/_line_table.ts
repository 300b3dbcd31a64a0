/** A source position from a code object's line table. */
export interface Location {
  /** 1-based line, or -1 when the instruction has no line. */
  readonly line: number;
  readonly endLine?: number;
  /** 0-based column (UTF-8 bytes), when the table has columns (3.11+). */
  readonly column?: number;
  readonly endColumn?: number;
  /** Set when the table is malformed (an entry does not start where one must, or the table ends first). */
  readonly malformed?: true;
}

/**
 * The line of a byte offset in a `co_lnotab` table (CPython ≤ 3.9): pairs of (bytecode
 * increment, line increment); line increments are signed from 3.6 on (3.8 emits negative ones).
 *
 * @param table the `co_lnotab` bytes.
 * @param firstLine `co_firstlineno`.
 * @param offset the instruction's byte offset (`f_lasti`).
 * @param signed true for 3.6+, false for 2.7.
 * @returns the line.
 * @example
 * ```ts
 * lnotabLine(new Uint8Array([6, 1, 8, 2]), 10, 7, true); // 11
 * ```
 */
export function lnotabLine(table: Uint8Array, firstLine: number, offset: number, signed: boolean): number {
  let line = firstLine;
  let address = 0;
  for (let i = 0; i + 1 < table.length; i += 2) {
    address += table[i]!;
    if (address > offset) break;
    const delta = table[i + 1]!;
    line += signed && delta >= 0x80 ? delta - 0x100 : delta;
  }
  return line;
}

/**
 * The line of a byte offset in a `co_linetable` table of CPython 3.10: pairs of (unsigned byte
 * range length, signed line delta), where a delta of -128 means "no line".
 *
 * @param table the `co_linetable` bytes.
 * @param firstLine `co_firstlineno`.
 * @param offset the instruction's byte offset (`f_lasti * 2`).
 * @returns the line, or -1 for an instruction without one.
 * @example
 * ```ts
 * linetable310Line(new Uint8Array([4, 0, 6, 1]), 3, 5); // 4
 * ```
 */
export function linetable310Line(table: Uint8Array, firstLine: number, offset: number): number {
  let line = firstLine;
  let start = 0;
  for (let i = 0; i + 1 < table.length; i += 2) {
    const length = table[i]!;
    const raw = table[i + 1]!;
    const delta = raw >= 0x80 ? raw - 0x100 : raw;
    let rangeLine: number;
    if (delta === -128) rangeLine = -1;
    else {
      line += delta;
      rangeLine = line;
    }
    const end = start + length;
    if (offset >= start && offset < end) return rangeLine;
    start = end;
  }
  return -1;
}

/**
 * The location of an instruction in a CPython 3.11+ location table (`co_linetable`, described in
 * CPython's `Objects/locations.md`): entries each covering 1–8 code units, with short, one-line,
 * no-column, long and no-location forms.
 *
 * @param table the `co_linetable` bytes.
 * @param firstLine `co_firstlineno`.
 * @param codeUnit the instruction's index in code units (2-byte units).
 * @returns the line and columns, `line: -1` when the instruction has none.
 * @example
 * ```ts
 * locationTableEntry(table, code.firstLine, lasti).line;
 * ```
 */
export function locationTableEntry(table: Uint8Array, firstLine: number, codeUnit: number): Location {
  let position = 0;
  let line = firstLine;
  let address = 0;
  const readVarint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (position >= table.length) return value;
      const byte = table[position++]!;
      value += (byte & 63) * 2 ** shift;
      shift += 6;
      if ((byte & 64) === 0 || shift > 42) return value;
    }
  };
  const readSignedVarint = (): number => {
    const value = readVarint();
    return value % 2 === 1 ? -Math.floor(value / 2) : value / 2;
  };
  while (position < table.length) {
    const first = table[position++]!;
    if ((first & 0x80) === 0) return { line: -1, malformed: true }; // not an entry start
    const code = (first >> 3) & 15;
    const length = (first & 7) + 1;
    // The entry's fields; an object is made only for the entry that holds the instruction (a frame's
    // table is walked from its start: the others are skipped without allocating).
    let endLine = line;
    let column = -1;
    let endColumn = -1;
    if (code === 15) {
      // No location: nothing more to read.
    } else if (code === 14) {
      line += readSignedVarint();
      endLine = line + readVarint();
      column = readVarint() - 1;
      endColumn = readVarint() - 1;
    } else if (code === 13) {
      line += readSignedVarint();
      endLine = line;
    } else if (code >= 10) {
      line += code - 10;
      endLine = line;
      column = table[position++] ?? 0;
      endColumn = table[position++] ?? 0;
    } else {
      const second = table[position++] ?? 0;
      column = code * 8 + ((second >> 4) & 7);
      endColumn = column + (second & 15);
    }
    if (codeUnit >= address && codeUnit < address + length) {
      if (code === 15) return { line: -1 };
      if (code === 14) return { line, endLine, ...(column >= 0 ? { column } : {}), ...(endColumn >= 0 ? { endColumn } : {}) };
      if (code === 13) return { line, endLine };
      return { line, endLine, column, endColumn };
    }
    address += length;
  }
  return { line: -1, malformed: true }; // the table ends before the instruction
}

// Turning an index hit into a public LineLocation; address checks shared by locate() methods.

import type { LineIndex } from "./_line_index.js";
import type { LineLocation, LineProgram } from "./line_program.js";

/** Splits an address into 32-bit halves, refusing values outside 64 bits. @internal */
export function splitAddress(address: bigint): [number, number] {
  if (typeof address !== "bigint" || address < 0n || address > 0xffff_ffff_ffff_ffffn) throw new RangeError(`Address ${String(address)} is not in [0, 2^64)`);
  return [Number(address >> 32n), Number(address & 0xffff_ffffn)];
}

/** The location of row `row` of `index`, which came from `program`. @internal */
export function locationOf(program: LineProgram, index: LineIndex, row: number): LineLocation {
  const data = index.data;
  const fileIndex = data.file[row]!;
  const hi = data.hi[row]!;
  const lo = data.lo[row]!;
  return {
    file: program.fileName(fileIndex),
    fileIndex,
    line: data.line[row]!,
    column: data.column[row]!,
    discriminator: data.discriminator[row]!,
    address: hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo),
    programOffset: program.header.offset,
  };
}

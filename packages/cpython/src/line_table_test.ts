import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findInterpreters } from "../../../tools/testing/cores.js";
import { linetable310Line, lnotabLine, locationTableEntry } from "./_line_table.js";

const SCRIPT = fileURLToPath(new URL("../testdata/line_tables.py", import.meta.url));

interface CodeEntry {
  name: string;
  first_line: number;
  table: number[];
  lines?: number[];
  /** line, column, end line, end column (-1 for none), as `co_positions()` gives them. */
  positions?: [number, number, number, number][];
}

describe("line-table decoders agree with each interpreter on its own code objects", () => {
  const interpreters = findInterpreters();
  if (interpreters.length === 0) it.skip("no Python interpreter found on this machine", () => {});
  for (const interpreter of interpreters) {
    it(`${interpreter.id}: every instruction's line (and 3.11+ column)`, () => {
      const run = spawnSync(interpreter.path, [SCRIPT], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const { version, codes } = JSON.parse(run.stdout) as { version: number[]; codes: CodeEntry[] };
      const [major, minor] = version as [number, number];
      expect(codes.length).toBeGreaterThanOrEqual(6);
      let checked = 0;
      for (const code of codes) {
        const table = new Uint8Array(code.table);
        if (major === 2 || minor <= 9) {
          code.lines!.forEach((line, offset) => {
            expect(lnotabLine(table, code.first_line, offset, major === 3), `${code.name}@${offset}`).toBe(line);
            checked++;
          });
        } else if (minor === 10) {
          code.lines!.forEach((line, index) => {
            const got = linetable310Line(table, code.first_line, index * 2);
            expect(got, `${code.name}@${index * 2}`).toBe(line);
            checked++;
          });
        } else {
          code.positions!.forEach(([line, column, endLine, endColumn], unit) => {
            const got = locationTableEntry(table, code.first_line, unit);
            expect(got.line, `${code.name}@${unit}`).toBe(line);
            expect(got.column ?? -1, `${code.name}@${unit} column`).toBe(column);
            expect(got.endLine ?? -1, `${code.name}@${unit} end line`).toBe(endLine);
            expect(got.endColumn ?? -1, `${code.name}@${unit} end column`).toBe(endColumn);
            checked++;
          });
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
  }
});

describe("line-table decoders on malformed tables", () => {
  it("lnotabLine() ignores a dangling odd byte", () => {
    expect(lnotabLine(new Uint8Array([4, 1, 9]), 10, 100, true)).toBe(11);
  });
  it("lnotabLine() reads 3.6+ line steps as signed and 2.7 as unsigned", () => {
    const table = new Uint8Array([2, 5, 2, 0xfe]);
    expect(lnotabLine(table, 10, 4, true)).toBe(13);
    expect(lnotabLine(table, 10, 4, false)).toBe(10 + 5 + 0xfe);
  });
  it("linetable310Line() returns -1 past the end and for 'no line' entries", () => {
    expect(linetable310Line(new Uint8Array([4, 1]), 1, 10)).toBe(-1);
    expect(linetable310Line(new Uint8Array([4, 0x80]), 1, 2)).toBe(-1);
  });
  it("locationTableEntry() stops on a byte that does not start an entry, and on truncation", () => {
    expect(locationTableEntry(new Uint8Array([0x01, 0x02]), 5, 0).line).toBe(-1);
    expect(locationTableEntry(new Uint8Array([0xf0 | 0x07]), 5, 3).line).toBe(5); // long form, truncated varints
    expect(locationTableEntry(new Uint8Array([]), 5, 0).line).toBe(-1);
    expect(locationTableEntry(new Uint8Array([0x01, 0x02]), 5, 0).malformed).toBe(true);
    expect(locationTableEntry(new Uint8Array([]), 5, 0).malformed).toBe(true);
    // A well-formed "no location" entry (code 15) is not malformed.
    expect(locationTableEntry(new Uint8Array([0x80 | (15 << 3)]), 5, 0)).toEqual({ line: -1 });
  });
  it("locationTableEntry() terminates on any bytes", () => {
    for (let seed = 1; seed < 200; seed++) {
      const bytes = new Uint8Array(64).map((_, i) => (seed * 7919 + i * 104729) & 0xff);
      const location = locationTableEntry(bytes, 1, seed);
      expect(Number.isFinite(location.line)).toBe(true);
    }
  });
});

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineProgram, LineTable, type LineProgramUnit, type LineRow } from "../src/mod.js";
import { compile, type DwarfSectionKey, hasTool, loadDwarf, scratchDirectory } from "./_files.js";
import { addr2line, llvmLookup, readelfUnits, spreadAddresses, writeSources } from "./_line_tools.js";

const PYENV = join(homedir(), ".pyenv/versions");
const LIBPYTHONS = ["3.12.1/lib/libpython3.12.so.1.0", "3.8.18/lib/libpython3.8.so.1.0", "2.7.18/lib/libpython2.7.so.1.0"]
  .map((path) => join(PYENV, path))
  .filter((path) => existsSync(path));
const hasBinutils = hasTool("addr2line") && hasTool("readelf");
const hasGcc = hasTool("gcc");
const hasDwarfdump = hasTool("llvm-dwarfdump");

/** The compilations of the small program: -O2 with each DWARF version and format. */
const VARIANTS: readonly { name: string; flags: readonly string[]; absolute?: boolean; unitGaps?: boolean }[] = [
  { name: "dwarf-4", flags: ["-gdwarf-4"] },
  { name: "dwarf-5", flags: ["-gdwarf-5"], absolute: true },
  { name: "dwarf-2 (gas writes version 3)", flags: ["-gdwarf-2"] },
  // Strict DWARF 2 has no DW_AT_ranges: the unit's low_pc/high_pc cover .text only, so addr2line,
  // which first finds the unit by its ranges, finds nothing in .text.startup (main); the line
  // table does cover it.
  { name: "dwarf-2 strict, gcc-written version 2", flags: ["-gdwarf-2", "-gstrict-dwarf", "-gno-as-loc-support"], unitGaps: true },
  { name: "dwarf-3 gcc-written", flags: ["-gdwarf-3", "-gno-as-loc-support"], absolute: true },
  { name: "dwarf-4 64-bit format", flags: ["-gdwarf-4", "-gdwarf64", "-gno-as-loc-support"] },
  { name: "dwarf-5 64-bit format", flags: ["-gdwarf-5", "-gdwarf64", "-gno-as-loc-support"] },
  { name: "dwarf-5 gcc-written", flags: ["-gdwarf-5", "-gno-as-loc-support"] },
];

/** The sections the line-program readers use. */
const LINE_SECTIONS: readonly DwarfSectionKey[] = ["debug_line", "debug_line_str", "debug_str", "debug_str_offsets"];

/** The unit of each line program offset, from readelf (so this test does not depend on our debug_info reader). */
function unitsOf(path: string): Map<number, LineProgramUnit> {
  const units = new Map<number, LineProgramUnit>();
  for (const unit of readelfUnits(path)) units.set(unit.stmtList, { compDir: unit.compDir, compName: unit.name });
  return units;
}

interface Comparison {
  compared: number;
  located: number;
  /** Differences explained by binutils' DWARF 5 quirk (see below), confirmed by llvm-dwarfdump. */
  initialFileQuirk: number;
  /** Addresses addr2line finds no unit for but the line table covers (unitGaps only). */
  outsideUnits: number;
  mismatches: string[];
}

/** Compares LineTable.locate() with addr2line's answers for `addresses`. */
function compareWithAddr2line(path: string, addresses: readonly bigint[], table: LineTable, unitGaps = false): Comparison {
  const answers = addr2line(path, addresses);
  const result: Comparison = { compared: 0, located: 0, initialFileQuirk: 0, outsideUnits: 0, mismatches: [] };
  addresses.forEach((address, i) => {
    const expected = answers[i]!;
    const found = table.locate(address);
    result.compared++;
    if (found !== undefined) result.located++;
    const ours =
      found === undefined
        ? "??:0"
        : `${found.file ?? "??"}:${found.line === 0 ? "?" : found.line}${found.discriminator ? ` (discriminator ${found.discriminator})` : ""}`;
    const theirs = expected.file === undefined ? "??:0" : expected.text;
    if (ours === theirs) return;
    // "file:?" is addr2line without a line-table row: the file comes from the symbol table (an
    // STT_FILE such as crtstuff.c) or from a row with line 0.
    if (expected.line === 0 && (found === undefined || (found.line === 0 && found.file === expected.file))) return;
    if (unitGaps && expected.file === undefined && found !== undefined) {
      result.outsideUnits++;
      return;
    }
    // binutils 2.40 names the rows of a DWARF 5 sequence that come before any DW_LNS_set_file with
    // file 0's name, although the file register starts at 1 (DWARF 5 6.2.2). gcc usually makes
    // files 0 and 1 the same, so it shows only where they differ: then the line matches, the file
    // is file 0's, and llvm-dwarfdump --lookup agrees with us.
    if (found !== undefined && found.fileIndex === 1 && expected.line === found.line && expected.discriminator === found.discriminator) {
      const program = table.programAt(found.programOffset);
      const llvm = llvmLookup(path, address);
      if (
        program?.header.version === 5 &&
        program.fileName(0) === expected.file &&
        llvm !== undefined &&
        found.file?.endsWith(`/${llvm.file}`) &&
        llvm.line === found.line
      ) {
        result.initialFileQuirk++;
        return;
      }
    }
    result.mismatches.push(`0x${address.toString(16)}: addr2line ${theirs}, locate ${ours}`);
  });
  return result;
}

describe.skipIf(!hasBinutils || LIBPYTHONS.length === 0)("LineTable.locate() against addr2line on libpython", () => {
  for (const path of LIBPYTHONS) {
    it(`LineTable.locate() gives addr2line's file, line and discriminator for 600 addresses of ${path.slice(PYENV.length + 1)}`, () => {
      const { sections, text } = loadDwarf(path, LINE_SECTIONS);
      const units = unitsOf(path);
      const table = LineTable.of(sections, { unit: (offset) => units.get(offset) });
      const started = performance.now();
      const counts = table.index();
      const indexMs = performance.now() - started;
      const addresses = spreadAddresses(text.begin, text.end, 600);
      const lookupStarted = performance.now();
      const result = compareWithAddr2line(path, addresses, table);
      const lookupMs = performance.now() - lookupStarted;
      console.log(
        `${path}: ${sections.debug_line!.size} bytes of .debug_line, ${counts.programs} programs, ${counts.sequences} sequences, ${counts.rows} rows indexed in ${indexMs.toFixed(0)} ms; ${result.compared} addresses compared (${result.located} located, ${result.initialFileQuirk} binutils initial-file quirks confirmed by llvm-dwarfdump) in ${lookupMs.toFixed(0)} ms incl. addr2line`,
      );
      expect(result.mismatches).toEqual([]);
      expect(result.initialFileQuirk).toBeLessThan(result.compared * 0.05);
      expect(result.located).toBeGreaterThan(result.compared * 0.9);
      expect(counts.programs).toBe(units.size);
    });
  }
});

describe.skipIf(!hasBinutils || !hasGcc)("LineTable.locate() and LineProgram against addr2line on gcc -O2 programs", () => {
  const sources = scratchDirectory("line");
  const files = writeSources(sources);
  for (const [number, variant] of VARIANTS.entries()) {
    const inputs = files.map((file) => (variant.absolute && file.startsWith("sub") ? join(sources, file) : file));
    const compiled = compile(sources, { flags: ["-O2", ...variant.flags, "-Iinclude"], inputs, output: `prog${number}` });
    const output = compiled.path ?? "";
    it.skipIf(compiled.path === undefined)(`LineTable.locate() gives addr2line's answers for every 3rd byte of .text (${variant.name})`, () => {
      const { sections, text } = loadDwarf(output, LINE_SECTIONS);
      const units = unitsOf(output);
      expect(units.size).toBe(files.length);
      const table = LineTable.of(sections, { unit: (offset) => units.get(offset) });
      const addresses: bigint[] = [];
      for (let address = text.begin; address < text.end; address += 3n) addresses.push(address);
      const result = compareWithAddr2line(output, addresses, table, variant.unitGaps);
      console.log(
        `${variant.name}: ${result.compared} addresses compared, ${result.located} located, ${result.outsideUnits} outside addr2line's units, ${result.initialFileQuirk} binutils initial-file quirks`,
      );
      expect(result.mismatches).toEqual([]);
      expect(result.located).toBeGreaterThan(result.compared * 0.5);
      expect(result.outsideUnits).toBeLessThan(result.compared * 0.5);
      // Every file of the sources is named: file indices matter.
      const named = new Set(addresses.map((address) => table.locate(address)?.file));
      for (const file of ["main.c", "sub/util.c", "include/mathy.h"]) expect([...named].some((name) => name?.endsWith(file))).toBe(true);
    });

    it.skipIf(compiled.path === undefined || !hasDwarfdump)(`LineProgram.rows() equal llvm-dwarfdump --debug-line rows (${variant.name})`, () => {
      const { sections } = loadDwarf(output, LINE_SECTIONS);
      const expected = dwarfdumpRows(output);
      const actual: string[] = [];
      for (const unit of readelfUnits(output)) {
        const program = LineProgram.at(sections, unit.stmtList, { compDir: unit.compDir, compName: unit.name });
        expect(program.header.version).toBe(expected.versions.shift());
        for (const row of program.rows()) actual.push(formatRow(row));
      }
      expect(actual.length).toBeGreaterThan(20);
      expect(actual).toEqual(expected.rows);
    });
  }
});

function formatRow(row: LineRow): string {
  const flags = [
    row.isStmt ? "is_stmt" : "",
    row.basicBlock ? "basic_block" : "",
    row.prologueEnd ? "prologue_end" : "",
    row.epilogueBegin ? "epilogue_begin" : "",
    row.endSequence ? "end_sequence" : "",
  ]
    .filter(Boolean)
    .join(" ");
  return `0x${row.address.toString(16)} ${row.line} ${row.column} ${row.file} ${row.isa} ${row.discriminator} ${flags}`;
}

/** The rows of every line program as llvm-dwarfdump prints them, in the same format as formatRow(). */
function dwarfdumpRows(path: string): { versions: number[]; rows: string[] } {
  const result = spawnSync("llvm-dwarfdump", ["--debug-line", path], { encoding: "utf8", maxBuffer: 1 << 28 });
  const rows: string[] = [];
  const versions: number[] = [];
  for (const line of result.stdout.split("\n")) {
    const version = /^\s+version: (\d+)/.exec(line);
    if (version) versions.push(Number(version[1]));
    const match = /^0x([0-9a-f]{16})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*(?:\d+\s)?\s*(.*)$/.exec(line);
    if (!match) continue;
    rows.push(
      `0x${BigInt(`0x${match[1]}`).toString(16)} ${match[2]} ${match[3]} ${match[4]} ${match[5]} ${match[6]} ${match[7]!.trim().split(/\s+/).filter(Boolean).join(" ")}`,
    );
  }
  return { versions, rows };
}

// Differential test: every row of every FDE of real libraries and freshly compiled programs, as
// CallFrameInfo computes it, against `readelf --debug-dump=frames-interp` (binutils).
import { afterAll, describe, expect, it } from "vitest";
import type { CallFrameInfo, FrameDescriptionEntry, UnwindRow } from "../src/call_frame_info.js";
import { compilePrograms, loadFileCfi, realFiles } from "./_cfi_files.js";
import { hasTool } from "./_files.js";
import { RegisterNames, formatRow, readelfFrames, type ReadelfEntry } from "./_cfi_readelf.js";

const hasReadelf = hasTool("readelf");
const hasGcc = hasTool("gcc");

/** What one comparison counted; printed at the end so the report can quote it. */
interface Counts {
  fdes: number;
  rows: number;
  cells: number;
  rowForCalls: number;
  findFdeCalls: number;
}
const totals: Counts = { fdes: 0, rows: 0, cells: 0, rowForCalls: 0, findFdeCalls: 0 };
afterAll(() => {
  console.log(
    `cfi_readelf: ${totals.fdes} FDEs, ${totals.rows} rows, ${totals.cells} register cells compared with readelf; ${totals.rowForCalls} rowFor() and ${totals.findFdeCalls} findFde() checks`,
  );
});

function describeRow(row: { start: bigint; end: bigint; cfa: string; cells: string[] }, columns: readonly string[]): string {
  return `${row.start.toString(16)}..${row.end.toString(16)} cfa=${row.cfa} ${columns.map((name, i) => `${name}=${row.cells[i]}`).join(" ")}`;
}

/** readelf's rows of an FDE as intervals, empty ones left out (readelf prints a row per advance). */
function expectedRows(
  entry: ReadelfEntry,
  cie: ReadelfEntry | undefined,
): { columns: string[]; rows: { start: bigint; end: bigint; cfa: string; cells: string[] }[] } {
  const begin = entry.pcBegin!;
  const end = entry.pcEnd!;
  if (entry.rows.length === 0) {
    // All instructions are nops: readelf prints nothing and the CIE's row holds.
    const initial = cie?.rows[0];
    const rows = begin < end ? [{ start: begin, end, cfa: initial?.cfa ?? "undefined", cells: initial?.cells ?? [] }] : [];
    return { columns: cie?.columns ?? [], rows };
  }
  const rows: { start: bigint; end: bigint; cfa: string; cells: string[] }[] = [];
  entry.rows.forEach((row, index) => {
    const next = entry.rows[index + 1]?.loc ?? end;
    const start = row.loc < begin ? begin : row.loc;
    const stop = next > end ? end : next;
    if (start < stop) rows.push({ start, end: stop, cfa: row.cfa, cells: row.cells });
  });
  return { columns: entry.columns, rows };
}

/** Compares every FDE of one section with readelf's; returns the mismatches (at most 20 described). */
function compareSection(cfi: CallFrameInfo, entries: readonly ReadelfEntry[], names: RegisterNames, counts: Counts): string[] {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  const records = new Map<number, ReturnType<CallFrameInfo["recordAt"]>>();
  for (const record of cfi.records()) records.set(record.offset, record);
  const byOffset = new Map(entries.map((entry) => [entry.offset, entry]));
  const readelfOffsets = entries.map((entry) => entry.offset).join(",");
  const ourOffsets = [...records.keys()].join(",");
  if (readelfOffsets !== ourOffsets) problem(`record offsets differ: readelf ${entries.length} records, ours ${records.size}`);
  for (const entry of entries) {
    if (entry.kind !== "FDE") continue;
    const fde = records.get(entry.offset);
    if (fde?.kind !== "fde") {
      problem(`${cfi.sectionName}+${entry.offset.toString(16)}: not an FDE here`);
      continue;
    }
    counts.fdes++;
    if (fde.cieOffset !== entry.cieOffset || fde.initialLocation !== entry.pcBegin || fde.endAddress !== entry.pcEnd) {
      problem(
        `FDE ${entry.offset.toString(16)}: cie ${fde.cieOffset.toString(16)} pc ${fde.initialLocation.toString(16)}..${fde.endAddress.toString(16)} vs readelf cie ${entry.cieOffset?.toString(16)} pc ${entry.pcBegin?.toString(16)}..${entry.pcEnd?.toString(16)}`,
      );
      continue;
    }
    const expected = expectedRows(entry, byOffset.get(entry.cieOffset!));
    const columns = expected.columns.map((name) => (name === "ra" ? fde.cie.returnAddressRegister : names.number(name)));
    const ours: UnwindRow[] = [...cfi.rows(fde)];
    const format = (row: UnwindRow) => {
      const formatted = formatRow(row, columns, names);
      return {
        text: describeRow({ start: row.startAddress, end: row.endAddress, cfa: formatted.cfa, cells: formatted.cells }, expected.columns),
        extra: formatted.extra,
      };
    };
    const want = expected.rows.map((row) => describeRow(row, expected.columns));
    const got = ours.map((row) => format(row));
    counts.rows += want.length;
    counts.cells += want.length * columns.length;
    if (want.length !== got.length || want.some((text, i) => text !== got[i]!.text) || got.some((row) => row.extra.length > 0)) {
      problem(
        `FDE ${entry.offset.toString(16)} rows differ:\n  readelf: ${want.join("\n           ")}\n  ours:    ${got.map((row) => row.text + (row.extra.length ? ` EXTRA ${row.extra.join(" ")}` : "")).join("\n           ")}`,
      );
      continue;
    }
    // rowFor() must agree at the first address of every row and the last address of the FDE.
    const probes = ours.map((row, i) => [row.startAddress, i] as const);
    if (ours.length > 0) probes.push([fde.endAddress - 1n, ours.length - 1]);
    for (const [pc, index] of probes) {
      counts.rowForCalls++;
      const row = cfi.rowFor(pc);
      const text = row ? format(row).text : "none";
      // Overlapping or duplicate FDEs could make another FDE win the lookup; readelf has none here.
      if (text !== got[index]!.text) problem(`rowFor(${pc.toString(16)}) in FDE ${entry.offset.toString(16)}: ${text}, want ${got[index]!.text}`);
    }
  }
  return problems;
}

/** findFde() through .eh_frame_hdr must agree with the index at each FDE's start, end - 1 and end. */
function compareLookups(withHdr: CallFrameInfo, indexOnly: CallFrameInfo, counts: Counts): string[] {
  const problems: string[] = [];
  for (const record of indexOnly.records()) {
    if (record.kind !== "fde" || record.addressRange === 0n) continue;
    for (const pc of [record.initialLocation, record.endAddress - 1n, record.endAddress]) {
      counts.findFdeCalls += 2;
      const a: FrameDescriptionEntry | undefined = withHdr.findFde(pc);
      const b = indexOnly.findFde(pc);
      if (a?.offset !== b?.offset) problems.push(`findFde(${pc.toString(16)}): hdr ${a?.offset.toString(16)} index ${b?.offset.toString(16)}`);
      if (pc < record.endAddress && a?.offset !== record.offset)
        problems.push(`findFde(${pc.toString(16)}) = ${a?.offset.toString(16)}, want FDE ${record.offset.toString(16)}`);
    }
  }
  return problems;
}

function checkFile(path: string, options: { wantDebugFrame: boolean }): void {
  const frames = readelfFrames(path);
  const cfi = loadFileCfi(path);
  const names = new RegisterNames(cfi.machine);
  const problems: string[] = [];
  const ehEntries = frames.get(".eh_frame");
  if (cfi.ehFrame && ehEntries && ehEntries.length > 0) {
    expect(cfi.ehFrame.ehFrameHdrError).toBeUndefined();
    if (cfi.bytes.eh_frame_hdr) expect(cfi.ehFrame.lookup).toBe("eh_frame_hdr");
    problems.push(...compareSection(cfi.ehFrame, ehEntries, names, totals));
    if (cfi.bytes.eh_frame_hdr) problems.push(...compareLookups(cfi.ehFrame, cfi.ehFrameIndexOnly!, totals));
  }
  const debugEntries = frames.get(".debug_frame");
  if (options.wantDebugFrame) {
    expect(cfi.debugFrame, "the file has .debug_frame").toBeDefined();
    expect(debugEntries?.filter((entry) => entry.kind === "FDE").length ?? 0, "readelf reads .debug_frame").toBeGreaterThan(0);
  }
  if (cfi.debugFrame && debugEntries) problems.push(...compareSection(cfi.debugFrame, debugEntries, names, totals));
  expect(problems.slice(0, 20).join("\n"), `${problems.length} mismatches`).toBe("");
}

describe.skipIf(!hasReadelf)("CallFrameInfo against readelf --debug-dump=frames-interp", () => {
  for (const path of realFiles()) {
    it(`rows() and rowFor() match readelf for every FDE of ${path}`, () => {
      checkFile(path, { wantDebugFrame: false });
    });
  }

  for (const program of hasGcc ? compilePrograms() : []) {
    const wantDebugFrame = program.name.includes("debug-frame");
    it.skipIf(program.path === undefined)(
      `rows() and rowFor() match readelf for gcc ${program.name}${program.skipReason ? ` (skipped: ${program.skipReason})` : ""}`,
      () => {
        checkFile(program.path!, { wantDebugFrame });
      },
    );
  }
});

// Test helpers: run `readelf --debug-dump=frames-interp` once per file and parse its tables, and
// format this package's rows the way readelf prints them, so the two can be compared cell by cell.
import { spawnSync } from "node:child_process";
import type { CfaRule, RegisterRule, UnwindRow } from "../src/call_frame_info.js";

/** One CIE or FDE as readelf prints it, with its interpreted rows. */
export interface ReadelfEntry {
  readonly offset: number;
  readonly kind: "CIE" | "FDE";
  readonly cieOffset: number | undefined;
  readonly pcBegin: bigint | undefined;
  readonly pcEnd: bigint | undefined;
  /** Column names after CFA: register names, "ra" for the return address column. */
  columns: string[];
  readonly rows: { loc: bigint; cfa: string; cells: string[] }[];
}

/** The entries of each CFI section readelf printed, by section name. */
export type ReadelfFrames = Map<string, ReadelfEntry[]>;

/** Runs readelf once on a file and parses every CFI section it prints. */
export function readelfFrames(path: string): ReadelfFrames {
  // readelf 2.40 exits with 1 on libc.so.6 and ld.so without printing why (stderr is empty); the
  // tables it printed are complete, so only a missing table or a message on stderr is a failure.
  const result = spawnSync("readelf", ["--wide", "--debug-dump=frames-interp", path], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (result.error || result.stderr !== "" || !result.stdout.includes("Contents of the")) {
    throw new Error(`readelf failed on ${path} (status ${result.status}): ${result.error?.message ?? result.stderr}`);
  }
  return parseFramesInterp(result.stdout);
}

/** Parses the text of `readelf --wide --debug-dump=frames-interp`. */
export function parseFramesInterp(text: string): ReadelfFrames {
  const frames: ReadelfFrames = new Map();
  let entries: ReadelfEntry[] | undefined;
  let entry: ReadelfEntry | undefined;
  for (const line of text.split("\n")) {
    const section = /^Contents of the (\S+) section/.exec(line);
    if (section) {
      entries = [];
      frames.set(section[1]!, entries);
      entry = undefined;
      continue;
    }
    const header = /^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ (CIE|FDE)(.*)$/.exec(line);
    if (header && entries) {
      const fde = /cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(header[3]!);
      entry = {
        offset: Number.parseInt(header[1]!, 16),
        kind: header[2] as "CIE" | "FDE",
        cieOffset: fde ? Number.parseInt(fde[1]!, 16) : undefined,
        pcBegin: fde ? BigInt(`0x${fde[2]}`) : undefined,
        pcEnd: fde ? BigInt(`0x${fde[3]}`) : undefined,
        columns: [],
        rows: [],
      };
      entries.push(entry);
      continue;
    }
    const columns = /^\s+LOC\s+CFA\s*(.*)$/.exec(line);
    if (columns && entry) {
      entry.columns = columns[1]!
        .trim()
        .split(/\s+/)
        .filter((name) => name !== "");
      continue;
    }
    const row = /^([0-9a-f]+) (.*)$/.exec(line);
    if (row && entry && entry.columns !== undefined && !/ZERO terminator/.test(line)) {
      // A register rule prints as "r12 (r12)": keep the "rN" part.
      const tokens = row[2]!
        .trim()
        .split(/\s+/)
        .filter((token) => !token.startsWith("("));
      entry.rows.push({ loc: BigInt(`0x${row[1]}`), cfa: tokens[0]!, cells: tokens.slice(1) });
    }
  }
  return frames;
}

const X86_64_NAMES = [
  "rax",
  "rdx",
  "rcx",
  "rbx",
  "rsi",
  "rdi",
  "rbp",
  "rsp",
  "r8",
  "r9",
  "r10",
  "r11",
  "r12",
  "r13",
  "r14",
  "r15",
  "rip",
  ...Array.from({ length: 16 }, (_, i) => `xmm${i}`),
  ...Array.from({ length: 8 }, (_, i) => `st${i}`),
  ...Array.from({ length: 8 }, (_, i) => `mm${i}`),
  "rflags",
  "es",
  "cs",
  "ss",
  "ds",
  "fs",
  "gs",
  "",
  "",
  "fs.base",
  "gs.base",
  "",
  "",
  "tr",
  "ldtr",
  "mxcsr",
  "fcw",
  "fsw",
];
const I386_NAMES = [
  "eax",
  "ecx",
  "edx",
  "ebx",
  "esp",
  "ebp",
  "esi",
  "edi",
  "eip",
  "eflags",
  "",
  ...Array.from({ length: 8 }, (_, i) => `st${i}`),
  "",
  "",
  ...Array.from({ length: 8 }, (_, i) => `xmm${i}`),
  ...Array.from({ length: 8 }, (_, i) => `mm${i}`),
  "fcw",
  "fsw",
  "mxcsr",
  "es",
  "cs",
  "ss",
  "ds",
  "fs",
  "gs",
  "",
  "",
  "tr",
  "ldtr",
];

/** readelf's register names of one machine (x86-64 or i386), both ways. */
export class RegisterNames {
  readonly #names: readonly string[];
  readonly #numbers = new Map<string, number>();
  constructor(machine: "x86-64" | "i386") {
    this.#names = machine === "x86-64" ? X86_64_NAMES : I386_NAMES;
    this.#names.forEach((name, number) => name && this.#numbers.set(name, number));
  }
  name(number: number): string {
    return this.#names[number] || `r${number}`;
  }
  number(name: string): number {
    const known = this.#numbers.get(name);
    if (known !== undefined) return known;
    const fallback = /^r(\d+)$/.exec(name);
    if (!fallback) throw new Error(`Unknown readelf register name ${name}`);
    return Number(fallback[1]);
  }
}

/** A CFA rule as readelf prints it: "rsp+8", "exp". */
export function formatCfa(cfa: CfaRule, names: RegisterNames): string {
  if (cfa.rule === "expression") return "exp";
  if (cfa.rule === "undefined") return "undefined";
  return `${names.name(cfa.register)}${cfa.offset >= 0 ? "+" : ""}${cfa.offset}`;
}

/** A register rule as readelf prints it: "u", "s", "c-8", "v+16", "r12", "exp", "vexp". */
export function formatRule(rule: RegisterRule | undefined): string {
  if (!rule) return "u";
  const signed = (value: number) => `${value >= 0 ? "+" : ""}${value}`;
  switch (rule.rule) {
    case "undefined":
      return "u";
    case "same-value":
      return "s";
    case "offset":
      return `c${signed(rule.offset)}`;
    case "val-offset":
      return `v${signed(rule.offset)}`;
    case "register":
      return `r${rule.register}`;
    case "expression":
      return "exp";
    case "val-expression":
      return "vexp";
  }
}

/** A row formatted as readelf's cells for `columns` (numbers), plus rules outside those columns. */
export function formatRow(row: UnwindRow, columns: readonly number[], names: RegisterNames): { cfa: string; cells: string[]; extra: string[] } {
  const cells = columns.map((number) => formatRule(row.registers.get(number)));
  const extra: string[] = [];
  for (const [number, rule] of row.registers) {
    if (!columns.includes(number) && rule.rule !== "undefined") extra.push(`${names.name(number)}=${formatRule(rule)}`);
  }
  return { cfa: formatCfa(row.cfa, names), cells, extra };
}

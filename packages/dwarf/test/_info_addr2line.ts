import { execFileSync } from "node:child_process";
import { DebugInfo, type FunctionsAt } from "../src/mod.js";
import type { LoadedFile } from "./_info_files.js";

/** One frame as addr2line -f -i prints it: a function name and a file:line. */
export interface Addr2lineFrame {
  readonly name: string;
  /** The line printed under the name (for outer frames: the call site of the frame inside). */
  readonly line: number | undefined;
}

/** Runs ONE addr2line process over all addresses and splits its output by address (-a). */
export function addr2line(path: string, addresses: readonly bigint[]): Map<bigint, Addr2lineFrame[]> {
  const input = `${addresses.map((address) => `0x${address.toString(16)}`).join("\n")}\n`;
  const output = execFileSync("addr2line", ["-a", "-f", "-i", "-e", path], { input, maxBuffer: 256 << 20 }).toString();
  const result = new Map<bigint, Addr2lineFrame[]>();
  let current: Addr2lineFrame[] | undefined;
  const lines = output.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^0x[0-9a-f]+$/.test(line)) {
      current = [];
      result.set(BigInt(line), current);
      continue;
    }
    if (line === "" || current === undefined) continue;
    const location = lines[++index] ?? "";
    const match = /:(\d+|\?)(?: \(discriminator \d+\))?$/.exec(location);
    const number = match?.[1] === undefined || match[1] === "?" ? undefined : Number(match[1]);
    current.push({ name: line, line: number });
  }
  return result;
}

/** How one address compared. */
export type Verdict =
  | "match"
  /** No DWARF function covers the address (padding, crtstuff.c) and addr2line printed the .symtab symbol before it. */
  | "symtab-fallback"
  /** addr2line found no line for the address (it cannot read the unit) and printed only our outermost function. */
  | "addr2line-without-lines"
  | "no-function"
  | "name-differs"
  | "call-line-differs"
  | "depth-differs";

export interface Comparison {
  readonly file: string;
  readonly addresses: number;
  readonly counts: Record<Verdict, number>;
  /** Frames beyond the first compared (inlined calls). */
  readonly inlineFramesCompared: number;
  readonly examples: string[];
}

function describe(ours: FunctionsAt | undefined, theirs: readonly Addr2lineFrame[]): string {
  const mine = (ours?.frames ?? []).map((frame) => `${frame.name ?? "??"}@${frame.callLine ?? "-"}`).join(" < ");
  const other = theirs.map((frame) => `${frame.name}:${frame.line ?? "?"}`).join(" < ");
  return `ours [${mine}] addr2line [${other}]`;
}

/**
 * Compares functionsAt() with addr2line at each address: the chain of names (innermost first) and,
 * for each outer frame, addr2line's line with the inner frame's DW_AT_call_line.
 */
export function compareWithAddr2line(file: LoadedFile, addresses: readonly bigint[]): Comparison {
  const info = new DebugInfo(file.sections);
  const expected = addr2line(file.path, addresses);
  const counts: Record<Verdict, number> = {
    match: 0,
    "symtab-fallback": 0,
    "addr2line-without-lines": 0,
    "no-function": 0,
    "name-differs": 0,
    "call-line-differs": 0,
    "depth-differs": 0,
  };
  const examples: string[] = [];
  let inlineFramesCompared = 0;
  for (const address of addresses) {
    const theirs = expected.get(address);
    if (theirs === undefined) throw new Error(`addr2line printed nothing for 0x${address.toString(16)}`);
    const ours = info.functionsAt(address);
    const frames = ours?.frames ?? [];
    let verdict: Verdict = "match";
    if (frames.length === 0) {
      // addr2line falls back to .symtab when no DWARF function covers the address (crtstuff.c…).
      const symbol = symbolBefore(file, address);
      verdict = theirs.length === 1 && (theirs[0]!.name === symbol || theirs[0]!.name === "??") ? "symtab-fallback" : "no-function";
    } else if (theirs.length === 1 && theirs[0]!.line === undefined && theirs[0]!.name === frames[frames.length - 1]!.name) {
      verdict = frames.length === 1 ? "match" : "addr2line-without-lines";
    } else if (frames.length !== theirs.length) {
      verdict = "depth-differs";
    } else {
      for (let index = 0; index < frames.length && verdict === "match"; index++) {
        if ((frames[index]!.name ?? "??") !== theirs[index]!.name) verdict = "name-differs";
        else if (index > 0 && frames[index - 1]!.callLine !== theirs[index]!.line) verdict = "call-line-differs";
      }
      if (verdict === "match") inlineFramesCompared += frames.length - 1;
    }
    counts[verdict]++;
    if (verdict !== "match" && (verdict !== "symtab-fallback" || examples.length < 4) && examples.length < 40)
      examples.push(`0x${address.toString(16)} ${verdict}: ${describe(ours, theirs)}`);
  }
  return { file: file.path, addresses: addresses.length, counts, inlineFramesCompared, examples };
}

function symbolBefore(file: LoadedFile, address: bigint): string | undefined {
  let found: string | undefined;
  for (const symbol of file.symbols) {
    if (symbol.value > address) break;
    found = symbol.name;
  }
  return found;
}

/** Evenly spaced addresses in .text plus each function symbol's start + 1 (at most `perKind` of each). */
export function pickAddresses(file: LoadedFile, perKind: number): bigint[] {
  const chosen = new Set<bigint>();
  const size = file.text.end - file.text.begin;
  const step = size / BigInt(perKind) > 0n ? size / BigInt(perKind) : 1n;
  for (let address = file.text.begin; address < file.text.end && chosen.size < perKind; address += step) chosen.add(address);
  const functions = file.functions;
  const every = Math.max(1, Math.floor(functions.length / perKind));
  for (let index = 0; index < functions.length; index += every) chosen.add(functions[index]! + 1n);
  return [...chosen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

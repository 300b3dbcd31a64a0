// Helpers of the line-program tests that run binutils and gcc: one addr2line process per file,
// comp dirs from readelf, the sources of a small C program.

import { spawnSync } from "node:child_process";
import { writeFiles } from "./_files.js";

/** `count` deterministic addresses in `[start, end)`: an even spread, each nudged by a fixed hash. */
export function spreadAddresses(start: bigint, end: bigint, count: number): bigint[] {
  const size = end - start;
  const addresses: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const base = (size * BigInt(i)) / BigInt(count);
    const nudge = BigInt((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 61);
    addresses.push(start + ((base + nudge) % size));
  }
  return addresses;
}

/** What addr2line (without -i) prints for one address. */
export interface Addr2lineAnswer {
  readonly file: string | undefined;
  readonly line: number;
  readonly discriminator: number;
  readonly text: string;
}

/** Runs ONE addr2line process for all `addresses` of `path` and parses its answers. */
export function addr2line(path: string, addresses: readonly bigint[]): Addr2lineAnswer[] {
  const input = `${addresses.map((address) => `0x${address.toString(16)}`).join("\n")}\n`;
  const result = spawnSync("addr2line", ["-e", path], { input, encoding: "utf8", maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`addr2line failed: ${result.stderr}`);
  const lines = result.stdout.split("\n").filter((line) => line !== "");
  if (lines.length !== addresses.length) throw new Error(`addr2line gave ${lines.length} answers for ${addresses.length} addresses`);
  return lines.map((text) => {
    const match = /^(.*):(\d+|\?)(?: \(discriminator (\d+)\))?$/.exec(text);
    if (!match) throw new Error(`Cannot parse addr2line output ${JSON.stringify(text)}`);
    // "??:0" (nothing found) and ":?" (a symbol but no line) both mean no location from the line table.
    const file = match[1] === "??" || match[1] === "" ? undefined : match[1];
    return { file, line: match[2] === "?" ? 0 : Number(match[2]), discriminator: Number(match[3] ?? 0), text };
  });
}

/** One compilation unit as readelf prints it: its line program offset, comp dir and name. */
export interface ReadelfUnit {
  readonly stmtList: number;
  readonly compDir: string | undefined;
  readonly name: string | undefined;
}

function attributeValue(text: string): string {
  // "(line_strp) (offset: 0x19): /tmp/x", "(indirect line string, offset: 0x19): /tmp/x", "(string) /tmp/x" or "/tmp/x"
  return text
    .replace(/^\([a-z_0-9]+\)\s*/, "")
    .replace(/^\((?:offset|indirect|indexed)[^)]*\):\s?/, "")
    .trim();
}

/** The compilation units of `path` from `readelf --debug-dump=info --dwarf-depth=1`. */
export function readelfUnits(path: string): ReadelfUnit[] {
  const result = spawnSync("readelf", ["--debug-dump=info", "--dwarf-depth=1", "-W", path], { encoding: "utf8", maxBuffer: 1 << 30 });
  const units: ReadelfUnit[] = [];
  for (const chunk of result.stdout.split(/Compilation Unit @ offset/).slice(1)) {
    const stmt = /DW_AT_stmt_list\s*:\s*(?:\([a-z_0-9]+\)\s*)?(0x[0-9a-f]+|\d+)/.exec(chunk)?.[1];
    if (stmt === undefined) continue;
    const compDir = /DW_AT_comp_dir\s*:\s*(.*)/.exec(chunk)?.[1];
    const name = /DW_AT_name\s*:\s*(.*)/.exec(chunk)?.[1];
    units.push({
      stmtList: Number(stmt),
      compDir: compDir === undefined ? undefined : attributeValue(compDir),
      name: name === undefined ? undefined : attributeValue(name),
    });
  }
  return units;
}

/** The sources of the small test program: two files (one in a subdirectory) and a header with inline code. */
export function writeSources(directory: string): string[] {
  writeFiles(directory, {
    "include/mathy.h": [
      "static inline int mix(int a, int b) {",
      "  int r = a * 31 + b;",
      "  for (int i = 0; i < (b & 7); i++)",
      "    r ^= r >> 3;",
      "  return r;",
      "}",
      "int util(int x, int y);",
      "",
    ].join("\n"),
    "main.c": [
      "#include <stdio.h>",
      '#include "mathy.h"',
      "",
      "static int table[64];",
      "",
      "__attribute__((noinline)) static int fill(int n) {",
      "  int s = 0;",
      "  for (int i = 0; i < n && i < 64; i++) {",
      "    table[i] = mix(i, n) + (i % 3 == 0 ? 1 : 2);",
      "    s += table[i];",
      "  }",
      "  return s;",
      "}",
      "",
      "int main(int argc, char **argv) {",
      "  int total = fill(argc * 10);",
      "  for (int i = 1; i < argc; i++)",
      "    total += util(argv[i][0], i) + mix(total, i);",
      '  printf("%d\\n", total);',
      "  return total & 1;",
      "}",
      "",
    ].join("\n"),
    "sub/util.c": [
      '#include "../include/mathy.h"',
      "",
      "int util(int x, int y) {",
      "  int acc = 0;",
      "  while (x > 0) {",
      "    acc += mix(x, y);",
      "    if (acc & 1) acc >>= 1; else acc += 3;",
      "    x -= y + 1;",
      "  }",
      "  return acc;",
      "}",
      "",
    ].join("\n"),
  });
  return ["main.c", "sub/util.c"];
}

/** What `llvm-dwarfdump --lookup` says about one address's line (a second opinion), or undefined. */
export function llvmLookup(path: string, address: bigint): { file: string; line: number } | undefined {
  const result = spawnSync("llvm-dwarfdump", [`--lookup=0x${address.toString(16)}`, path], { encoding: "utf8", maxBuffer: 1 << 26 });
  const match = /Line info: file '([^']*)', line (\d+)/.exec(result.stdout);
  return match ? { file: match[1]!, line: Number(match[2]) } : undefined;
}

// Test support: the file side of the tests. Tools of this machine, C programs compiled with gcc
// into a temporary directory (one root per test process, removed when its tests end), and the
// sections of ELF files read through @corestack/elf.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ElfFile, bufferSource, sectionContents } from "@corestack/elf";
import { afterAll } from "vitest";
import type { DwarfSections } from "../src/dwarf_sections.js";

/** Whether a tool runs on this machine (tests that need it skip otherwise). */
export function hasTool(name: string, flag = "--version"): boolean {
  return spawnSync(name, [flag]).status === 0;
}

let root: string | undefined;

function removeRoot(): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

// After the test file that imported this module, and (should the module outlive it) at exit.
afterAll(removeRoot);
process.once("exit", removeRoot);

/**
 * A fresh directory under this test process's temporary root (`$TMPDIR/corestack-dwarf-test-…`),
 * which is removed after the test file's tests.
 * @example const directory = scratchDirectory("cfi"); // /tmp/corestack-dwarf-test-Xy12ab/cfi-Qz9f0c
 */
export function scratchDirectory(prefix: string): string {
  root ??= mkdtempSync(join(tmpdir(), "corestack-dwarf-test-"));
  return mkdtempSync(join(root, `${prefix}-`));
}

/** Writes files (path relative to `directory` → text) into `directory`, making subdirectories. */
export function writeFiles(directory: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), text);
  }
}

/** What gcc made: the output's path, or (when gcc refused the flags here) why not. */
export type Compiled = { readonly path: string; readonly skipReason?: undefined } | { readonly path?: undefined; readonly skipReason: string };

/**
 * Runs gcc in `directory` on `inputs` (paths relative to it) with `flags`, writing `output` there.
 * @returns the output's path, or the first line of gcc's complaint.
 * @example compile(directory, { flags: ["-O2", "-gdwarf-5"], inputs: ["program.c"], output: "program" })
 */
export function compile(directory: string, options: { flags: readonly string[]; inputs: readonly string[]; output: string }): Compiled {
  const path = join(directory, options.output);
  try {
    execFileSync("gcc", [...options.flags, ...options.inputs, "-o", path], { stdio: ["ignore", "ignore", "pipe"], cwd: directory });
    return { path };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? error).split("\n")[0];
    return { skipReason: `gcc ${options.flags.join(" ")} failed here: ${stderr}` };
  }
}

/**
 * Compiles one C source with gcc and `flags` in a fresh scratch directory.
 * @param options `name`: the source's file name (it is recorded in the DWARF), default `program.c`.
 * @example compileSource("int main(void) { return 0; }", ["-g"]).path
 */
export function compileSource(source: string, flags: readonly string[], options: { name?: string } = {}): Compiled {
  const directory = scratchDirectory("gcc");
  const name = options.name ?? "program.c";
  writeFiles(directory, { [name]: source });
  return compile(directory, { flags, inputs: [name], output: `program${flags.join("").replace(/[^a-z0-9]/gi, "_")}` });
}

/** Opens an ELF file with @corestack/elf. */
export function openElf(path: string): ElfFile {
  return new ElfFile(bufferSource(readFileSync(path)));
}

/** The contents of an ELF file's section (decompressed), or undefined when it has none by that name. */
export function sectionBytes(elf: ElfFile, name: string): Uint8Array | undefined {
  const header = elf.section(name);
  return header === undefined ? undefined : sectionContents(elf, header);
}

/** The DWARF sections a {@link DwarfSections} holds, by their key. */
export type DwarfSectionKey = Exclude<keyof DwarfSections, "littleEndian">;

/** Every key of {@link DwarfSections}. */
export const DWARF_SECTION_KEYS: readonly DwarfSectionKey[] = [
  "debug_info",
  "debug_abbrev",
  "debug_str",
  "debug_line_str",
  "debug_str_offsets",
  "debug_addr",
  "debug_ranges",
  "debug_rnglists",
  "debug_aranges",
  "debug_line",
];

/** The DWARF sections of one ELF file, ready for this package's readers. */
export interface DwarfFile {
  readonly path: string;
  readonly elf: ElfFile;
  /** The sections asked for that the file has (decompressed). */
  readonly sections: DwarfSections;
  /** The same sections' bytes by section name (".debug_info"…), for mutation. */
  readonly raw: ReadonlyMap<string, Uint8Array>;
  /** The address range of `.text`. */
  readonly text: { readonly begin: bigint; readonly end: bigint };
}

/**
 * Reads the DWARF sections `keys` (default: all) of an ELF file through @corestack/elf.
 * @throws Error when the file has no `.text`.
 * @example loadDwarf(path, ["debug_line", "debug_line_str"]).sections
 */
export function loadDwarf(path: string, keys: readonly DwarfSectionKey[] = DWARF_SECTION_KEYS): DwarfFile {
  const elf = openElf(path);
  const raw = new Map<string, Uint8Array>();
  const sections: Record<string, unknown> = { littleEndian: elf.littleEndian };
  for (const key of keys) {
    const bytes = sectionBytes(elf, `.${key}`);
    if (bytes === undefined) continue;
    raw.set(`.${key}`, bytes);
    sections[key] = bufferSource(bytes);
  }
  const text = elf.section(".text");
  if (text === undefined) throw new Error(`${path} has no .text`);
  return { path, elf, sections: sections as unknown as DwarfSections, raw, text: { begin: text.sh_addr, end: text.sh_addr + BigInt(text.sh_size) } };
}

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { ElfFormatError } from "../src/elf_format_error.js";

/** Whether a binutils/gcc tool runs on this machine (tests that need it skip otherwise). */
export function hasTool(name: "readelf" | "objcopy" | "gcc"): boolean {
  return spawnSync(name, ["--version"]).status === 0;
}

/**
 * Asserts that `action` throws this package's ElfFormatError (with `code`, when given).
 * @returns the error, for further checks.
 */
export function expectFormatError(action: () => unknown, code?: string): ElfFormatError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(ElfFormatError.isInstance(caught), String(caught)).toBe(true);
  if (code) expect((caught as ElfFormatError).code).toBe(code);
  return caught as ElfFormatError;
}

/** A few real ELF files of this machine that the unit tests compare with readelf (those present). */
export const SAMPLE_FILES: readonly string[] = [
  "/usr/lib/x86_64-linux-gnu/libc.so.6",
  join(homedir(), ".pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"),
  "/usr/bin/python3.11",
  "/bin/ls",
].filter((path) => existsSync(path));

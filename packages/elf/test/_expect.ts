import { spawnSync } from "node:child_process";
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

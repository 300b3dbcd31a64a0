// Test support: the assertion every malformed-input test makes.
import { expect } from "vitest";
import { DwarfFormatError } from "../src/dwarf_format_error.js";

/**
 * Asserts that `action` throws this package's DwarfFormatError with `code` (and a message that
 * contains or matches `message`, when given).
 * @returns the error, for further checks.
 * @example expectDwarfError(() => LineProgram.at(sections, 0), "truncated", /unit_length/)
 */
export function expectDwarfError(action: () => unknown, code: string, message?: string | RegExp): DwarfFormatError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(DwarfFormatError.isInstance(caught), String(caught)).toBe(true);
  const error = caught as DwarfFormatError;
  expect(error.code, error.message).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

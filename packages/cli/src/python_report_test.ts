import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sourceLines } from "./python_report.js";

const scratch = mkdtempSync(join(tmpdir(), "corestack-source-lines-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The lines as the whole file decoded and split would give them: the reference. */
function reference(bytes: Uint8Array, line: number): string | undefined {
  const text = Buffer.from(bytes).toString("utf8").split(/\r?\n/)[line - 1]?.trim();
  return text ? text : undefined;
}

describe("sourceLines()", () => {
  it("gives each line as the decoded file split at newlines would, whatever the bytes (CRLF, no final newline, bytes that are not UTF-8)", () => {
    let case_ = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0x0a, 0x0d, 0x20, 0x41, 0x62, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xef, 0xbb, 0xbf), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: -1, max: 25 }), { minLength: 1, maxLength: 8 }),
        (content, lines) => {
          const bytes = Uint8Array.from(content);
          const file = join(scratch, `f${case_++}.py`);
          writeFileSync(file, bytes);
          const lookup = sourceLines();
          for (const line of lines) expect(lookup(file, line), `line ${line} of ${JSON.stringify(content)}`).toBe(reference(bytes, line));
        },
      ),
      { seed: 20261202, numRuns: 400 },
    );
  });

  it("finds any line of a file of hundreds of lines, asked in any order (past the offsets it keeps every 64 lines)", () => {
    let case_ = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("", "x = 1", "  return a", "\r", "é", `#${"-".repeat(70)}`), { minLength: 0, maxLength: 400 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 450 }), { minLength: 1, maxLength: 12 }),
        (lines, finalNewline, asked) => {
          const bytes = Buffer.from(lines.join("\n") + (finalNewline ? "\n" : ""), "utf8");
          const file = join(scratch, `long${case_++}.py`);
          writeFileSync(file, bytes);
          const lookup = sourceLines();
          for (const line of asked) expect(lookup(file, line), `line ${line} of ${lines.length}`).toBe(reference(bytes, line));
        },
      ),
      { seed: 20261203, numRuns: 200 },
    );
  });

  it("finds every line of a file of numbered lines, each side of every kept offset (lines 64 and 65, 128 and 129, ...)", () => {
    for (const finalNewline of [false, true]) {
      const numbered = Array.from({ length: 200 }, (_, index) => `line ${index + 1}${index % 7 === 0 ? " \u00e9" : ""}`);
      const bytes = Buffer.from(numbered.join("\n") + (finalNewline ? "\n" : ""), "utf8");
      const file = join(scratch, `numbered-${finalNewline}.py`);
      writeFileSync(file, bytes);
      // In order, backwards, and each on its own (a fresh lookup each time).
      const inOrder = sourceLines();
      for (let line = 0; line <= 202; line++) expect(inOrder(file, line), `line ${line}`).toBe(reference(bytes, line));
      const backwards = sourceLines();
      for (let line = 202; line >= 0; line--) expect(backwards(file, line), `line ${line}`).toBe(reference(bytes, line));
      for (const line of [1, 63, 64, 65, 127, 128, 129, 192, 193, 200, 201])
        expect(sourceLines()(file, line), `line ${line} alone`).toBe(reference(bytes, line));
    }
  });

  it("reads nothing but regular files, and names that are not whole absolute paths", () => {
    const lookup = sourceLines();
    expect(lookup("/dev/zero", 1)).toBeUndefined();
    expect(lookup(scratch, 1)).toBeUndefined();
    expect(lookup("relative.py", 1)).toBeUndefined();
    expect(lookup(join(scratch, "missing.py"), 1)).toBeUndefined();
  });
});

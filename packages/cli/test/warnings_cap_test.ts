// Warnings are capped: a real core given an extra PT_NOTE segment of 300 notes that do not decode
// (each one a warning) still prints its stacks, with the first MAX_WARNINGS warnings and one line
// counting the rest; --verbose shows them all.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NT_PRSTATUS } from "@corestack/elf/constants";
import { noteBytes } from "../../../tools/testing/builders.js";
import { MAX_WARNINGS } from "../src/run.js";
import { makeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";

const python312 = interpreterFor(3, 12);
const BAD_NOTES = 300;

/**
 * The core with one more PT_NOTE segment appended: `notes` at the end of the file, then a copy of
 * the program header table with the new header added, and e_phoff/e_phnum pointing at it.
 */
function withExtraNotes(core: Uint8Array, notes: Uint8Array): Uint8Array {
  const view = new DataView(core.buffer, core.byteOffset, core.byteLength);
  const phoff = Number(view.getBigUint64(32, true));
  const phnum = view.getUint16(56, true);
  const notesAt = core.length + ((8 - (core.length % 8)) % 8);
  const tableAt = notesAt + notes.length + ((8 - (notes.length % 8)) % 8);
  const out = new Uint8Array(tableAt + (phnum + 1) * 56);
  out.set(core);
  out.set(notes, notesAt);
  out.set(core.subarray(phoff, phoff + phnum * 56), tableAt);
  const header = new DataView(out.buffer, tableAt + phnum * 56, 56);
  header.setUint32(0, 4, true); // PT_NOTE
  header.setBigUint64(8, BigInt(notesAt), true); // p_offset
  header.setBigUint64(32, BigInt(notes.length), true); // p_filesz
  header.setBigUint64(48, 4n, true); // p_align
  const out32 = new DataView(out.buffer);
  out32.setBigUint64(32, BigInt(tableAt), true); // e_phoff
  out32.setUint16(56, phnum + 1, true); // e_phnum
  return out;
}

describe.skipIf(!python312)("warnings without --verbose", () => {
  const scratch = mkdtempSync(join(tmpdir(), "corestack-warnings-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(`${BAD_NOTES} notes that do not decode: the stacks, ${MAX_WARNINGS} warnings and one line counting the rest; --verbose shows all`, async () => {
    const made = await makeCore(python312!, "threads");
    const bad = noteBytes(Array.from({ length: BAD_NOTES }, () => ({ name: "CORE", type: NT_PRSTATUS, desc: new Uint8Array(8) })));
    const path = join(scratch, "core");
    writeFileSync(path, withExtraNotes(new Uint8Array(readFileSync(made.core)), bad));
    const clean = corestack(["core", made.core, "--json"]);
    const run = corestack(["core", path, "--json"]);
    expect(run.status, run.stderr.slice(0, 500)).toBe(clean.status);
    expect(JSON.parse(run.stdout).threads).toEqual(JSON.parse(clean.stdout).threads);
    const warnings = run.stderr.split("\n").filter((line) => line.startsWith("warning: "));
    const counted = clean.stderr.split("\n").filter((line) => line.startsWith("warning: ")).length;
    expect(warnings).toHaveLength(MAX_WARNINGS + 1);
    expect(warnings.at(-1)).toBe(`warning: ${BAD_NOTES + counted - MAX_WARNINGS} more warnings not shown (--verbose shows them all)`);
    const verbose = corestack(["core", path, "--json", "--verbose"]);
    expect(verbose.stderr.split("\n").filter((line) => line.startsWith("warning: ")).length).toBe(BAD_NOTES + counted);
  });
});

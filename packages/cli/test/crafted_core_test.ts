// Crafted cores that random mutation does not make: each exits 3 with one short line, quickly,
// where corestack ran out of memory (section names), ended with an internal error (malformed notes
// in a module's first page) or printed an 80 MB line (a million files named like Python).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NT_FILE, NT_PRSTATUS } from "@corestack/elf/constants";
import { ByteWriter } from "../../../tools/testing/builders.js";
import { buildCore, fileNote, noteImage, prStatus } from "../../../tools/testing/builders.js";
import { corestack } from "./_cli.js";
import { expectOneErrorLine } from "./_expect_output.js";

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-crafted-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const START = 0x40_0000n;

/** A 64 KiB ELF image with one PT_NOTE over `notes`. */
const image = (notes: Uint8Array) => noteImage(1, notes, 1 << 16);

function run(name: string, bytes: Uint8Array): { status: number; error: string; stderr: string } {
  const file = join(scratch, name);
  writeFileSync(file, bytes);
  const { status, stdout, stderr } = corestack(["core", file]);
  expect(stdout).toBe("");
  return { status, error: expectOneErrorLine(stderr), stderr };
}

describe("corestack core on crafted cores", () => {
  it("65 000 sections naming a 64 KiB name table without a NUL: exit 3, not out of memory", () => {
    const count = 65_000;
    const tableSize = 1 << 16;
    const w = new ByteWriter(true, true);
    w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    w.u16(4)
      .u16(62)
      .u32(1)
      .u64(0)
      .u64(0)
      .u64(64 + tableSize)
      .u32(0);
    w.u16(64)
      .u16(56)
      .u16(0)
      .u16(64)
      .u16(count + 1)
      .u16(count);
    w.bytes(new Uint8Array(tableSize).fill(0x41));
    for (let i = 0; i < count; i++)
      w.u32(i % 7)
        .u32(1)
        .u64(0)
        .u64(0)
        .u64(0)
        .u64(0)
        .u32(0)
        .u32(0)
        .u64(1)
        .u64(0);
    w.u32(0).u32(3).u64(0).u64(0).u64(64).u64(tableSize).u32(0).u32(0).u64(1).u64(0);
    const { status, error } = run("sections.core", w.finish());
    expect(status).toBe(3);
    expect(error).toMatch(/is not a usable core file: The names of 65001 sections take more than \d+ bytes/);
  });

  it("malformed notes in the core's copy of the Python executable's first page: exit 3, not an internal error", () => {
    const malformed = new ByteWriter(true, true).u32(4).u32(0xffff).u32(3).finish();
    const first = image(malformed);
    const bytes = buildCore({
      notes: [
        { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
        { name: "CORE", type: NT_FILE, desc: fileNote([{ start: START, end: START + BigInt(first.length), path: "/nonexistent/python3.12" }]) },
      ],
      loads: [{ vaddr: START, data: first }],
    });
    const { status, error } = run("malformed-notes.core", bytes);
    expect(status).toBe(3);
    expect(error).toBe("Cannot read the Python interpreter's files. Cannot find /nonexistent/python3.12: tried /nonexistent/python3.12");
  });

  it("30 000 missing files named like Python: one short line naming a few", () => {
    const mappings = Array.from({ length: 30_000 }, (_, i) => ({
      start: START + BigInt(i) * 0x1000n,
      end: START + BigInt(i + 1) * 0x1000n,
      path: `/nonexistent/${i}/python3.12`,
    }));
    const bytes = buildCore({
      notes: [
        { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
        { name: "CORE", type: NT_FILE, desc: fileNote(mappings) },
      ],
    });
    const { status, error } = run("many-pythons.core", bytes);
    expect(status).toBe(3);
    expect(error).toMatch(/; and 29992 more$/);
    expect(error.length).toBeLessThan(1000);
  });
});

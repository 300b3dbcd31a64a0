import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, CoreUnavailableError, coreAvailability, makeCore, makeNativeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { corestackTimed, expectNoStackTrace, expectOneErrorLine, interpreterFor, skipReason } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-bad-input-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Exit 3, one `corestack:` line matching `says`, nothing on stdout, no stack trace. */
function expectUnusable(args: string[], says: RegExp): string {
  const { status, stdout, stderr } = corestack(args);
  expect(status, stderr).toBe(3);
  expect(stdout).toBe("");
  const error = expectOneErrorLine(stderr);
  expect(error).toMatch(says);
  return error;
}

describe("corestack core: files that are not cores exit 3 with one line", () => {
  it("a path that does not exist", () => {
    expectUnusable(["core", join(scratch, "no-such-core")], /^No such file: .*no-such-core$/);
  });

  it("a directory", () => {
    expectUnusable(["core", scratch], /^Not a regular file: /);
  });

  it("an empty file", () => {
    const file = join(scratch, "empty");
    writeFileSync(file, "");
    expectUnusable(["core", file], /^.*empty is not a usable core file: /);
  });

  it("random bytes", () => {
    const file = join(scratch, "random");
    writeFileSync(file, randomBytes(64 * 1024));
    expectUnusable(["core", file], /random is not a usable core file: .*ELF/);
  });

  it("random bytes behind an ELF identification", () => {
    const file = join(scratch, "elf-random");
    const bytes = randomBytes(64 * 1024);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
    writeFileSync(file, bytes);
    const { status, stdout, stderr } = corestackTimed(["core", file]);
    expect(status, stderr).toBe(3);
    expect(stdout).toBe("");
    expect(expectOneErrorLine(stderr)).toMatch(/not a usable core file/);
  });

  it("an ELF file that is not a core (/bin/ls) says it is not ET_CORE", () => {
    expectUnusable(["core", "/bin/ls"], /^\/bin\/ls is not a usable core file: .*not ET_CORE/);
  });

  it("--verbose says no more than the error for an expected error: still no stack trace", () => {
    const { status, stderr } = corestack(["core", "/bin/ls", "--verbose"]);
    expect(status).toBe(3);
    expectOneErrorLine(stderr);
  });
});

describe.skipIf(!coreAvailability().ok)("corestack core on a core of a program that is not Python", () => {
  if (!coreAvailability().ok) console.warn(`skipping the non-Python core: ${skipReason("core files")}`);

  it("exits 3, says it is not a Python process and what it looked for", async (context) => {
    let native;
    try {
      native = await makeNativeCore();
    } catch (error) {
      if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
      throw error;
    }
    const error = expectUnusable(["core", native.core], /not a Python process/i);
    for (const lookedFor of ["Py_Version", "_PyRuntime", "libpython"]) expect(error).toContain(lookedFor);
    // The executable's own name does not make it Python.
    expectUnusable(["core", native.core, native.executable], /not a Python process/i);
    // --verbose: notes on how files are read may come first, then the same single error line, and no stack trace.
    const verbose = corestack(["core", native.core, "--verbose"]);
    expect(verbose.status).toBe(3);
    expectNoStackTrace(verbose.stderr);
    expect(verbose.stderr.split("\n").filter((line) => line.startsWith("corestack: "))).toEqual([`corestack: ${error}`]);
  });
});

// ---------------------------------------------------------------------------------------------
// Truncated cores: the first N bytes of a real 3.12 core.

interface Layout {
  readonly size: number;
  readonly phoff: number;
  readonly phnum: number;
  readonly note: { offset: number; size: number };
  /** PT_LOAD segments with bytes in the file, in file order. */
  readonly loads: { offset: number; size: number }[];
}

/** The program headers of an ELF64 little-endian core, read with fs (not with corestack's parser). */
function coreLayout(file: string): Layout {
  const handle = openSync(file, "r");
  try {
    const header = Buffer.alloc(64);
    readSync(handle, header, 0, 64, 0);
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(handle, table, 0, table.length, phoff);
    let note = { offset: 0, size: 0 };
    const loads: { offset: number; size: number }[] = [];
    for (let index = 0; index < phnum; index++) {
      const at = index * phentsize;
      const type = table.readUInt32LE(at);
      const offset = Number(table.readBigUInt64LE(at + 8));
      const size = Number(table.readBigUInt64LE(at + 32));
      if (type === 4 && note.size === 0) note = { offset, size };
      if (type === 1 && size > 0) loads.push({ offset, size });
    }
    const { size } = statSync(file);
    return { size, phoff, phnum, note, loads: loads.sort((a, b) => a.offset - b.offset) };
  } finally {
    closeSync(handle);
  }
}

/** Writes the first `length` bytes of `file` to a new file in the scratch directory. */
function truncatedCopy(file: string, length: number, name: string): string {
  const handle = openSync(file, "r");
  const bytes = Buffer.alloc(length);
  try {
    let done = 0;
    while (done < length) {
      const read = readSync(handle, bytes, done, length - done, done);
      if (read === 0) break;
      done += read;
    }
  } finally {
    closeSync(handle);
  }
  const out = join(scratch, name);
  writeFileSync(out, bytes);
  return out;
}

const python312 = interpreterFor(3, 12);

describe.skipIf(!python312)("corestack core on a truncated 3.12 core", () => {
  if (!python312) console.warn(`skipping truncated cores: ${skipReason("CPython 3.12")}`);
  let made: CoreCase;
  let layout: Layout;
  beforeAll(async () => {
    made = await makeCore(python312!, "threads");
    layout = coreLayout(made.core);
  });

  it("the untruncated core reads completely, with no warning (the control case)", () => {
    const run = corestackTimed(["core", made.core, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expectMatchesTruth(made, JSON.parse(run.stdout) as JsonReport);
  });

  const headerCuts: { where: string; at: (l: Layout) => number; says: RegExp }[] = [
    { where: "inside the ELF identification", at: () => 9, says: /not a usable core file: .*ELF/ },
    { where: "inside the ELF header", at: () => 40, says: /not a usable core file: .*ELF header/ },
    { where: "at the start of the program headers", at: (l) => l.phoff, says: /not a usable core file: .*program headers/ },
    { where: "inside the program headers", at: (l) => l.phoff + 56 * Math.floor(l.phnum / 2) + 20, says: /not a usable core file: .*program headers/ },
  ];
  for (const { where, at, says } of headerCuts) {
    it(`cut ${where}: exit 3, one line that says why`, () => {
      const file = truncatedCopy(made.core, at(layout), `cut-header-${at(layout)}`);
      const run = corestackTimed(["core", file]);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(expectOneErrorLine(run.stderr)).toMatch(says);
    });
  }

  const noteCuts: { where: string; at: (l: Layout) => number }[] = [
    { where: "before the notes", at: (l) => l.note.offset },
    { where: "inside the first note", at: (l) => l.note.offset + 100 },
    { where: "in the middle of the notes", at: (l) => l.note.offset + Math.floor(l.note.size / 2) },
    { where: "just before the end of the notes", at: (l) => l.note.offset + l.note.size - 3 },
  ];
  for (const { where, at } of noteCuts) {
    it(`cut ${where}: exit 3 with one line on stderr, which says the core is truncated`, () => {
      const file = truncatedCopy(made.core, at(layout), `cut-notes-${at(layout)}`);
      const run = corestackTimed(["core", file]);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
      expect(expectOneErrorLine(run.stderr)).toMatch(/the core file is truncated: it has \d+ bytes, its program headers describe \d+/);
    });
  }

  const memoryCuts: { where: string; at: (l: Layout) => number }[] = [
    { where: "at the first memory segment", at: (l) => l.loads[0]!.offset },
    { where: "inside the first memory segment", at: (l) => l.loads[0]!.offset + 1000 },
    { where: "a quarter into the memory segments", at: (l) => Math.floor(l.size / 4) },
    { where: "halfway through the memory segments", at: (l) => Math.floor(l.size / 2) },
    { where: "three quarters into the memory segments", at: (l) => Math.floor((l.size * 3) / 4) },
    { where: "inside the last memory segment", at: (l) => l.loads.at(-1)!.offset + Math.floor(l.loads.at(-1)!.size / 2) },
    { where: "one byte short", at: (l) => l.size - 1 },
  ];
  for (const { where, at } of memoryCuts) {
    it(`cut ${where}: exit 3 with one line that says the core is truncated, or the stacks (with a truncation warning, incomplete threads named); never exit 4`, () => {
      const length = at(layout);
      const file = truncatedCopy(made.core, length, `cut-memory-${length}`);
      const run = corestackTimed(["core", file, "--json"]);
      expect(run.signal, `killed after ${Math.round(run.ms)} ms`).toBeNull();
      expect([0, 1, 3], run.stderr).toContain(run.status);
      expectNoStackTrace(run.stderr);
      expect(run.stderr).toMatch(/the core file is truncated: it has \d+ bytes, its program headers describe \d+/);
      if (run.status === 3) {
        expect(run.stdout).toBe("");
        expect(run.stderr.trimEnd().split("\n"), run.stderr).toHaveLength(1);
        // Whatever it could not read, it must not claim a healthy process with no interpreter.
        expect(expectOneErrorLine(run.stderr)).not.toMatch(/has no interpreter|not initialised/);
        return;
      }
      expect(run.stderr).toMatch(/^warning: the core file is truncated: it has \d+ bytes, its program headers describe \d+/m);
      const json = JSON.parse(run.stdout) as JsonReport;
      if (run.status === 0) {
        // Nothing it needed was cut off: the stacks are the truth.
        expectMatchesTruth(made, json);
        return;
      }
      // Exit 1: the incomplete threads are named on stderr and marked in the JSON.
      const broken = json.threads.filter((t) => t.error !== undefined);
      expect(broken.length).toBeGreaterThan(0);
      expect(run.stderr).toMatch(/^corestack: \d+ of \d+ threads could not be read completely: /m);
      for (const thread of broken) expect(run.stderr).toContain(String(thread.tid));
    });
  }
});

// Names that are legal but hard to show, from real cores (issue 9, items 5–7):
// - the odd_names scenario (3.8+): format characters (bidi controls, BOM, zero-width joiner, a tag
//   character), a backslash and a double quote typed to imitate an escape and a frame line, a
//   100 000-character function name and a 70 000-character file name in the middle of the stack,
//   a thread named with 100 002 characters;
// - a Python 2.7 core whose function name is patched to hold a byte that is not UTF-8, or to be
//   100 000 bytes long.
// Before: format characters reached the terminal raw; the lookalike names could not be told from
// escapes; a name over 65 536 characters ended its thread ("implausible length", exit 1, every
// older frame dropped) and the long thread name was "unreadable"; the 2.7 byte printed as U+FFFD,
// in the JSON too.
import { copyFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreFile, bufferSource } from "@corestack/elf";
import { CoreTarget } from "@corestack/symbols";
import { analyse } from "@corestack/cpython";
import { layoutFor } from "@corestack/cpython-layouts";
import { type CoreCase, makeCore, scenarioApplies } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

/** Characters a terminal acts on (controls but the newline), or that hide or reorder text. */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function expectSafe(text: string): void {
  const bad = UNSAFE.exec(text);
  expect(bad, bad ? `raw U+${bad[0].codePointAt(0)!.toString(16)} at ${JSON.stringify(text.slice(bad.index - 40, bad.index + 10))}` : "").toBeNull();
}

const oddInterpreters = [interpreterFor(3, 12), interpreterFor(3, 13), interpreterFor(3, 8)].filter(
  (i): i is NonNullable<typeof i> => i !== undefined && scenarioApplies("odd_names", i),
);

for (const interpreter of oddInterpreters) {
  describe(`names hard to show, shown unmistakably (odd_names, ${interpreter.id})`, () => {
    let c: CoreCase;
    let text: string;
    let json: JsonReport;
    beforeAll(async () => {
      c = await makeCore(interpreter, "odd_names");
      const t = corestack(["core", c.core]);
      expect(t.status, t.stderr).toBe(0);
      text = t.stdout;
      const j = corestack(["core", c.core, "--json"]);
      expect(j.status, j.stderr).toBe(0);
      json = JSON.parse(j.stdout) as JsonReport;
    }, 300_000);

    it("text: no raw format or control character; bidi controls, BOM, zero-width joiner and tag are escapes", () => {
      expectSafe(text);
      expect(text).toContain(String.raw`    (Python) File "/tmp/\u202egpj.exe\u202c", line `);
      expect(text).toMatch(/, in bom\\ufeffzwj\\u200dtag\\U000e0041end\n/);
    });

    it("text: a typed backslash is doubled and a double quote in the file name escaped, so neither passes for an escape or a frame line", () => {
      expect(text).toMatch(/^ {4}\(Python\) File "\/tmp\/not\\\\udc80lone\.py", line \d+, in a\\\\x1b", line 1, in forged$/m);
    });

    it("a 100 000-character function name and a 70 000-character file name are cut with a mark, and the older frames follow", () => {
      const all = text.split("\n");
      const header = all.findIndex((l) => l.includes(" (MainThread) "));
      const end = all.indexOf("", header);
      const lines = all.slice(header + 1, end < 0 ? undefined : end).filter((l) => l.startsWith("    (Python) File "));
      const longFunction = lines.findIndex((l) => l.endsWith(`, in ${"f".repeat(4096)}\\…[+95904 characters]`));
      const longFile = lines.findIndex((l) => l.startsWith(`    (Python) File "/tmp/${"d".repeat(4091)}\\…[+65904 characters]", line `));
      expect(longFunction).toBeGreaterThan(0);
      expect(longFile).toBeGreaterThan(longFunction);
      // Outermost first: <module> and main come before the long names, and are printed.
      expect(lines[0]).toMatch(/, in <module>$/);
      expect(lines.slice(0, longFunction).some((l) => l.endsWith(", in main"))).toBe(true);
      expect(text).not.toContain("stack incomplete");
    });

    it("the thread named with 100 002 characters is named, cut with a mark", () => {
      expect(text).toContain(`(${"t".repeat(4096)}\\…[+95906 characters]) (most recent call last):`);
    });

    it("--json: the truth in escaped form, every frame, both threads; no raw format character in the document", () => {
      expectMatchesTruth(c, json);
      const main = json.threads.find((t) => t.frames.some((f) => f.function === "bidi"))!;
      expect(main.frames.map((f) => f.file)).toContain("/tmp/\u202egpj.exe\u202c");
      expect(main.frames.map((f) => f.file)).toContain(String.raw`/tmp/not\\udc80lone.py`);
      expect(main.frames.map((f) => f.function)).toContain(String.raw`a\\x1b", line 1, in forged`);
    });
  });
}

const python27 = interpreterFor(2, 7);

describe.skipIf(!python27)("Python 2.7 names that are not UTF-8, or long (a real core, patched)", () => {
  let scratch = "";
  let c: CoreCase;
  /** File offset of the frame's co_name byte string's characters, and of its ob_size. */
  let name: { text: string; data: number; size: number };
  let baseline: JsonReport;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "corestack-names-"));
    c = await makeCore(python27!, "simple");
    const core = new CoreFile(bufferSource(readFileSync(c.core)));
    const target = new CoreTarget(core, { executable: c.executable });
    const frames = analyse(target).threads[0]!.frames;
    const L = layoutFor(2, 7)!;
    // The second outermost frame (under <module>): frames older than it and newer than it exist.
    const frame = frames[1]!;
    const bytes = target.read(frame.code + BigInt(L.PyCodeObject.co_name), 8);
    const object = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    const offset = (address: bigint) => {
      const segment = core.segmentAt(address)!;
      return segment.offset + Number(address - segment.start);
    };
    name = { text: frame.function, data: offset(object + BigInt(L.PyStringObject!.ob_sval)), size: offset(object + BigInt(L.PyVarObject.ob_size)) };
    const clean = corestack(["core", c.core, "--json"]);
    expect(clean.status, clean.stderr).toBe(0);
    baseline = JSON.parse(clean.stdout) as JsonReport;
  }, 300_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  function patched(file: string, offset: number, bytes: Uint8Array): string {
    const path = join(scratch, file);
    copyFileSync(c.core, path);
    const fd = openSync(path, "r+");
    writeSync(fd, bytes, 0, bytes.length, offset);
    closeSync(fd);
    return path;
  }

  it("a byte that is not UTF-8 is \\xff in the text and in the JSON, not U+FFFD", () => {
    const path = patched("invalid.core", name.data + 1, new Uint8Array([0xff]));
    const shown = `${name.text[0]}\\xff${name.text.slice(2)}`;
    const t = corestack(["core", path]);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toContain(`, in ${shown}\n`);
    expect(t.stdout).not.toContain("\ufffd");
    const j = corestack(["core", path, "--json"]);
    expect(j.status, j.stderr).toBe(0);
    const frames = (JSON.parse(j.stdout) as JsonReport).threads[0]!.frames;
    expect(frames.map((f) => f.function)).toEqual(baseline.threads[0]!.frames.map((f) => (f.function === name.text ? shown : f.function)));
  });

  it("a 100 000-byte name is cut with a mark in bytes; the stack is whole (exit 0)", () => {
    const size = new Uint8Array(8);
    new DataView(size.buffer).setBigUint64(0, 100_000n, true);
    const j = corestack(["core", patched("long.core", name.size, size), "--json"]);
    expect(j.status, j.stderr).toBe(0);
    const frames = (JSON.parse(j.stdout) as JsonReport).threads[0]!.frames;
    expect(frames).toHaveLength(baseline.threads[0]!.frames.length);
    const cut = frames.find((f) => f.function.startsWith(name.text) && f.function.endsWith(" bytes]"))!;
    expect(cut.function).toMatch(/\\…\[\+\d+ bytes\]$/);
    expect(Number(/\[\+(\d+) bytes\]$/.exec(cut.function)![1])).toBeGreaterThanOrEqual(100_000 - 4096);
  });
});

// The renderers on hand-made reports (issue 9, items 5–8): format characters (bidi controls that
// make "/tmp/\u202egpj.exe" read "/tmp/exe.jpg") are escaped like controls; a double quote cannot
// close a quoted file name; the "[stack incomplete]" mark is where the missing (oldest) frames
// would be; a report without threads says so.
import { describe, expect, it } from "vitest";
import { renderJson } from "../src/render_json.js";
import { renderText } from "../src/render_text.js";
import type { Report, ThreadReport } from "../src/report.js";
import { palette, printable, quoted } from "../src/terminal.js";

function report(threads: ThreadReport[]): Report {
  return {
    schema: 1,
    source: {
      kind: "core",
      path: "/tmp/core",
      executable: null,
      executableFoundBy: null,
      process: {
        state: "R",
        zombie: false,
        niceness: 0,
        pid: 7,
        ppid: 1,
        sid: 1,
        uid: 0,
        gid: 0,
        pgrp: 7,
        executableName: "python3",
        arguments: "python3 x.py",
        signal: null,
        threadCount: 6,
      },
    },
    python: { version: "3.12.1" },
    threads,
    warnings: [],
  };
}

const thread = (frames: [string, string, number][], extra: Partial<ThreadReport> = {}): ThreadReport => ({
  tid: 7,
  name: "MainThread",
  interpreter: 0,
  gil: "held",
  gc: false,
  frames: frames.map(([file, fn, line]) => ({ kind: "python", file, function: fn, line })),
  ...extra,
});

/** Characters a terminal acts on, or that hide or reorder text. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

describe("printable() and quoted()", () => {
  it("returns printable ASCII as it is (its fast path) and escapes from the first character outside it", () => {
    const ascii = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).join("");
    expect(printable(ascii)).toBe(ascii);
    expect(printable("")).toBe("");
    expect(printable(`${ascii}\x7f`)).toBe(`${ascii}\\x7f`);
    expect(printable(`\x1f${ascii}`)).toBe(`\\x1f${ascii}`);
    expect(printable(`a\u00e9b`)).toBe("a\u00e9b");
    expect(printable(`a\u00adb`)).toBe("a\\u00adb");
  });

  it("escapes format characters (Cf) as it escapes controls: bidi controls, BOM, zero-width, tags", () => {
    expect(printable("/tmp/\u202egpj.exe\u202c")).toBe("/tmp/\\u202egpj.exe\\u202c");
    expect(printable("a\ufeffb\u200dc\u2066d\u061ce\u00adf\u{e0041}")).toBe("a\\ufeffb\\u200dc\\u2066d\\u061ce\\u00adf\\U000e0041");
  });

  it("C0 as \\xHH (and \\t, \\n), C1 and separators as \\uHHHH: \\x80–\\xff are left to bytes that are not UTF-8", () => {
    expect(printable("a\x1b[2J\tb\nc\r\x7f")).toBe("a\\x1b[2J\\tb\\nc\\x0d\\x7f");
    expect(printable("\x85\x9b\u2028\u2029")).toBe("\\u0085\\u009b\\u2028\\u2029");
    expect(printable("lone\udc80")).toBe("lone\\udc80");
    expect(printable("ok: é 関数 😀 \ufffd")).toBe("ok: é 関数 😀 \ufffd");
  });

  it("quoted() escapes the double quote too; backslashes are left (names come with theirs doubled)", () => {
    expect(quoted('a.py", line 1, in forged')).toBe('a.py\\", line 1, in forged');
    expect(quoted("C:\\\\x")).toBe("C:\\\\x");
  });
});

describe("renderText()", () => {
  it("prints no raw format character, and a file name with a quote cannot forge the rest of its frame line", () => {
    const text = renderText(
      report([
        thread([
          ["/tmp/\u202egpj.exe", "f\ufeff", 3],
          ['x.py", line 9, in forged', 'a\\\\x1b", line 1, in g', 4],
        ]),
      ]),
      palette(false),
    );
    expect(UNSAFE.exec(text.replace(/\n/g, ""))).toBeNull();
    expect(text).toContain('    (Python) File "/tmp/\\u202egpj.exe", line 3, in f\\ufeff\n');
    expect(text).toContain('    (Python) File "x.py\\", line 9, in forged", line 4, in a\\\\x1b", line 1, in g\n');
  });

  it("puts [stack incomplete: …] first in a thread's block, where its missing oldest frames would be", () => {
    const text = renderText(
      report([
        thread(
          [
            ["/a.py", "inner_caller", 2],
            ["/a.py", "innermost", 5],
          ],
          { error: "cannot read f_back at 0x10 (at 0x10)" },
        ),
      ]),
      palette(false),
    );
    const lines = text.split("\n");
    const header = lines.findIndex((l) => l.startsWith("Traceback for thread 7"));
    expect(lines.slice(header + 1, header + 4)).toEqual([
      "    [stack incomplete: older frames missing: cannot read f_back at 0x10 (at 0x10)]",
      '    (Python) File "/a.py", line 2, in inner_caller',
      '    (Python) File "/a.py", line 5, in innermost',
    ]);
  });

  it("says that no Python thread could be read when there is none", () => {
    expect(renderText(report([]), palette(false))).toMatch(/Python version: 3\.12\.1\n\nNo Python thread could be read \(the warnings say why\)\.\n$/);
  });
});

describe("renderJson()", () => {
  it("leaves an ASCII document as JSON.stringify writes it, and escapes DEL, the first character past it", () => {
    const plain = renderJson(report([thread([["/tmp/a.py", "f~", 1]])]));
    expect(plain).toBe(`${JSON.stringify(JSON.parse(plain), null, 2)}\n`);
    expect(plain).toContain('"function": "f~"');
    expect(renderJson(report([thread([["/tmp/a.py", "f\x7f", 1]])]))).toContain('"function": "f\\u007f"');
  });

  it("leaves a frame's source line (text output only) out of the document, and shows a frame without one as it is", () => {
    const withSource = thread([["/tmp/a.py", "f", 1]]);
    const frames = [
      { ...withSource.frames[0]!, source: "x = 1" },
      { kind: "python" as const, file: "/tmp/b.py", function: "g", line: 2, column: 4 },
    ];
    const parsed = JSON.parse(renderJson(report([{ ...withSource, frames }]))) as Report;
    expect(parsed.threads[0]!.frames).toEqual([
      { kind: "python", file: "/tmp/a.py", function: "f", line: 1 },
      { kind: "python", file: "/tmp/b.py", function: "g", line: 2, column: 4 },
    ]);
  });

  it("escapes format characters as JSON \\u escapes (surrogate pairs above U+FFFF), which parse back to them", () => {
    const names = ["/tmp/\u202egpj.exe\u202c", "bom\ufeffzwj\u200dtag\u{e0041}", "sep\u2028\x85"];
    const text = renderJson(report([thread(names.map((n, i) => [n, n, i + 1]))]));
    expect(UNSAFE.exec(text.replace(/\n/g, ""))).toBeNull();
    expect(text).toContain('"file": "/tmp/\\u202egpj.exe\\u202c"');
    expect(text).toContain('"function": "bom\\ufeffzwj\\u200dtag\\udb40\\udc41"');
    const parsed = JSON.parse(text) as Report;
    expect(parsed.threads[0]!.frames.map((f) => f.file)).toEqual(names);
  });
});

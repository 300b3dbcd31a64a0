import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, type TruthThread, makeCore, scenarioApplies } from "../../../tools/testing/cores.js";
import { ENTRY, NODE, corestack } from "./_cli.js";
import { corestackTimed, interpreterFor, skipReason } from "./_expect_output.js";
import { escapedName } from "./_escaped_name.js";
import type { JsonReport } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);

// The names tools/testing/scenarios/evil_names.py gives its frames.
const EVIL_FUNCTION = 'evil\x1b[31mred\x1b[0m\x07bell\r\n    (Python) File "/etc/passwd", line 1, in forged\x7fdel\x9b2J\x85nel\u2028ls';
const EVIL_FILE = "<evil\x1b]0;pwned\x07\x1b[2J\ttab\x00nul>";
const SURROGATE_FUNCTION = "lone\udc80surrogate"; // as Python has it: a lone surrogate

/** The escapes the palette writes (SGR bold, dim, colours and their resets), nothing else. */
const PALETTE_SGR = /\x1b\[(?:1|2|22|31|32|33|34|36|39)m/g;
/** Characters a terminal acts on: C0 controls but newline, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** Lines of one thread's block: from its `Traceback for thread` header to the next blank line. */
function threadBlock(text: string, tid: number | null): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.startsWith(`Traceback for thread ${tid} `) || line.startsWith(`Traceback for thread ${tid}\x1b`));
  if (start < 0) return [];
  const end = lines.indexOf("", start);
  return lines.slice(start, end < 0 ? undefined : end);
}

function sourceLine(file: string, line: number): string | undefined {
  if (!file.startsWith("/") || !existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").split(/\r?\n/)[line - 1]?.trim();
  return text ? text : undefined;
}

/** The thread's block is pystack's shape, frame by frame, with the stripped source line beneath when the file exists. */
function expectPystackShape(text: string, thread: TruthThread): void {
  const block = threadBlock(text, thread.tid);
  expect(block.length, `no block for thread ${thread.tid} in:\n${text}`).toBeGreaterThan(0);
  // "Traceback for thread TID [(NAME)] [[STATUS]] (most recent call last):"
  expect(block[0]).toMatch(new RegExp(`^Traceback for thread ${thread.tid}( \\(.+\\))?( \\[[^\\]]+\\])? \\(most recent call last\\):$`));
  const expected: string[] = [];
  for (const frame of thread.frames) {
    expected.push(`    (Python) File "${frame.file}", line ${frame.line}, in ${frame.function}`);
    const source = sourceLine(frame.file, frame.line);
    if (source !== undefined) expected.push(`        ${source}`);
  }
  // Under the header, before the frames: the fatal signal and the exceptions the thread holds.
  const details = /^ {4}(Crashed|Handling|Raised, not caught yet): | {6}(caused by \(raise … from\)|raised while handling): /;
  const frames = block.slice(1);
  while (frames.length > 0 && details.test(frames[0]!)) frames.shift();
  expect(frames, `thread ${thread.tid}`).toEqual(expected);
}

describe.skipIf(!python312)("text output: pystack's shape (3.12)", () => {
  if (!python312) console.warn(`skipping text output: ${skipReason("CPython 3.12")}`);
  let made: CoreCase;
  let text: string;
  beforeAll(async () => {
    made = await makeCore(python312!, "threads");
    const run = corestack(["core", made.core]);
    expect(run.status, run.stderr).toBe(0);
    text = run.stdout;
  });

  it("every thread of the truth has a 'Traceback for thread <tid> … (most recent call last):' block with its frames in order and their source lines", () => {
    for (const thread of made.truth.threads) expectPystackShape(text, thread);
    expect(text.match(/^Traceback for thread /gm)).toHaveLength(made.truth.threads.length);
  });

  it("the source line of a known scenario line is printed, stripped, beneath its frame", () => {
    const scenario = readFileSync(made.scenario.file, "utf8").split("\n");
    const line = scenario.findIndex((l) => l.includes("time.sleep(1000000)")) + 1;
    expect(line).toBeGreaterThan(0);
    expect(text).toContain(`File "${made.scenario.file}", line ${line}, in sleeper\n        time.sleep(1000000)\n`);
  });

  it("the header comes first; each block is separated by a blank line; the text ends with one newline", () => {
    expect(text.indexOf("Core file information:")).toBeLessThan(text.indexOf("Traceback for thread"));
    expect(text).toMatch(/[^\n]\n$/);
    for (const match of text.matchAll(/Traceback for thread/g)) expect(text.slice(match.index - 2, match.index)).toBe("\n\n");
  });
});

describe.skipIf(!python312)("text output: colour", () => {
  let core = "";
  beforeAll(async () => {
    core = (await makeCore(python312!, "simple")).core;
  });
  const noEnv = { NO_COLOR: "", FORCE_COLOR: "" };
  const cases: { name: string; args: string[]; env: Record<string, string>; color: boolean }[] = [
    { name: "not a TTY (a pipe), no NO_COLOR/FORCE_COLOR", args: [], env: noEnv, color: false },
    { name: "NO_COLOR=1", args: [], env: { ...noEnv, NO_COLOR: "1" }, color: false },
    { name: "FORCE_COLOR=1 on a pipe", args: [], env: { ...noEnv, FORCE_COLOR: "1" }, color: true },
    { name: "FORCE_COLOR=0", args: [], env: { ...noEnv, FORCE_COLOR: "0" }, color: false },
    { name: "NO_COLOR=1 and FORCE_COLOR=1 (NO_COLOR wins)", args: [], env: { NO_COLOR: "1", FORCE_COLOR: "1" }, color: false },
    { name: "--color with NO_COLOR=1 (the flag wins)", args: ["--color"], env: { ...noEnv, NO_COLOR: "1" }, color: true },
    { name: "--no-color with FORCE_COLOR=1 (the flag wins)", args: ["--no-color"], env: { ...noEnv, FORCE_COLOR: "1" }, color: false },
  ];
  for (const { name, args, env, color } of cases) {
    it(`${name}: ${color ? "colour escapes" : "no escape at all"}`, () => {
      const run = corestack(["core", core, ...args], env);
      expect(run.status, run.stderr).toBe(0);
      if (color) {
        expect(run.stdout).toContain("\x1b[1mTraceback for thread ");
        expect(run.stdout).toMatch(/\x1b\[2m\(Python\)\x1b\[22m File "\x1b\[36m/);
        expect(run.stdout.replace(PALETTE_SGR, "")).not.toContain("\x1b");
      } else {
        expect(run.stdout).not.toContain("\x1b");
      }
    });
  }

  it("--json never colours, even with FORCE_COLOR=1 and --color", () => {
    const run = corestack(["core", core, "--json", "--color"], { ...noEnv, FORCE_COLOR: "1" });
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain("\x1b");
    expect(() => JSON.parse(run.stdout)).not.toThrow();
  });

  const script = spawnSync("script", ["--version"], { encoding: "utf8" });
  it.skipIf(script.status !== 0)("on a terminal (script(1) gives it a pty): colour on; with NO_COLOR: off", () => {
    const onTty = (environment: Record<string, string>) =>
      spawnSync("script", ["-qefc", `'${NODE}' '${ENTRY}' core '${core}'`, "/dev/null"], {
        encoding: "utf8",
        env: { ...process.env, ...noEnv, ...environment },
        timeout: 30_000,
      });
    const colored = onTty({});
    expect(colored.status, colored.stderr).toBe(0);
    expect(colored.stdout).toContain("\x1b[1mTraceback for thread ");
    const plain = onTty({ NO_COLOR: "1" });
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain("Traceback for thread ");
    expect(plain.stdout).not.toContain("\x1b");
  });
});

const evilReady = python312 !== undefined && scenarioApplies("evil_names", python312);

describe.skipIf(!evilReady)("names from the process never reach the terminal raw (evil_names scenario, 3.12)", () => {
  let made: CoreCase;
  beforeAll(async () => {
    made = await makeCore(python312!, "evil_names");
    // The scenario did make those names: the truth has them.
    const names = made.truth.threads.flatMap((t) => t.frames.map((f) => f.function));
    expect(names).toContain(EVIL_FUNCTION);
    expect(names).toContain(SURROGATE_FUNCTION);
    expect(made.truth.threads.flatMap((t) => t.frames.map((f) => f.file))).toContain(EVIL_FILE);
  });

  it("a frame whose file is a device (/dev/zero): the text is printed at once, with no source line under that frame", () => {
    const run = corestackTimed(["core", made.core], { timeoutMs: 20_000 });
    expect(run.signal, `killed after ${Math.round(run.ms)} ms: reading /dev/zero as a source file?`).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split("\n");
    const at = lines.findIndex((line) => line.startsWith('    (Python) File "/dev/zero", line '));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {4}\(Python\) File /);
  });

  for (const color of [false, true]) {
    it(`text${color ? " with --color" : ""}: no raw control character, the names escaped, no forged frame line`, () => {
      const run = corestack(["core", made.core, ...(color ? ["--color"] : [])]);
      expect(run.status, run.stderr).toBe(0);
      const text = color ? run.stdout.replace(PALETTE_SGR, "") : run.stdout;
      const bad = RAW_CONTROL.exec(text);
      expect(bad, bad ? `raw U+${bad[0].codePointAt(0)!.toString(16)} at ${JSON.stringify(text.slice(bad.index - 30, bad.index + 10))}` : "").toBeNull();
      expect(text).not.toContain("\u2028");
      // Each frame is one line: the newline in the function name did not start a forged one.
      expect(text).not.toMatch(/^\s*\(Python\) File "\/etc\/passwd"/m);
      const crashing = made.truth.threads.find((t) => t.crashing)!;
      const frameLines = threadBlock(text, crashing.tid).filter((line) => line.startsWith("    (Python) File "));
      expect(frameLines).toHaveLength(crashing.frames.length);
      expect(text).toContain(
        // C1 controls as \u0085: \x80–\xff stand for bytes that are not UTF-8 (Python 2 names).
        String.raw`in evil\x1b[31mred\x1b[0m\x07bell\x0d\n    (Python) File "/etc/passwd", line 1, in forged\x7fdel\u009b2J\u0085nel\u2028ls`,
      );
      expect(text).toContain(String.raw`File "<evil\x1b]0;pwned\x07\x1b[2J\ttab\x00nul>", line `);
      // The lone surrogate is shown as an escape, not as U+FFFD, which a real name may hold.
      expect(text).toContain(`${String.raw`in lone\udc80surrogate`}\n`);
    });
  }

  it("--json: valid JSON, no raw control character, and its strings are the names in escaped form (the lone surrogate as the text \\udc80)", () => {
    const run = corestack(["core", made.core, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const bad = RAW_CONTROL.exec(run.stdout);
    expect(bad, bad ? `raw U+${bad[0].codePointAt(0)!.toString(16)} at ${JSON.stringify(run.stdout.slice(bad.index - 30, bad.index + 10))}` : "").toBeNull();
    expect(run.stdout).not.toContain("\u2028");
    const json = JSON.parse(run.stdout) as JsonReport;
    const crashing = made.truth.threads.find((t) => t.crashing)!;
    const thread = json.threads.find((t) => t.tid === crashing.tid)!;
    expect(thread.frames.map((f) => [f.file, f.function, f.line])).toEqual(crashing.frames.map((f) => [escapedName(f.file), escapedName(f.function), f.line]));
    expect(thread.frames.map((f) => f.function)).toContain(EVIL_FUNCTION);
    expect(thread.frames.map((f) => f.function)).toContain(String.raw`lone\udc80surrogate`);
    // No lone surrogate in the parsed strings: a strict JSON parser would refuse the document.
    expect(json.threads.flatMap((t) => t.frames.flatMap((f) => [f.file, f.function])).filter((n) => /\p{Cs}/u.test(n))).toEqual([]);
    expect(thread.frames.map((f) => f.file)).toContain(EVIL_FILE);
  });
});

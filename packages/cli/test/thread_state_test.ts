// What each thread was doing beyond its frames, on real cores: the thread that received the fatal
// signal (listed first, marked, with the signal's si_code and sender), the exceptions threads
// were handling with their chains, the interpreter each thread runs in, and (--locals) frames'
// variables in pystack's shape. matrix_test.ts compares the JSON with each program's truth on
// every interpreter; these check the text output and the JSON fields by hand, on a few.
import { describe, expect, it } from "vitest";
import { makeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { interpreterFor, skipReason } from "./_expect_output.js";
import type { JsonReport, JsonThread } from "./_truth_compare.js";

const python27 = interpreterFor(2, 7);
const python312 = interpreterFor(3, 12);

/** The lines of the text output from a thread's header to the next blank line. */
function block(text: string, header: RegExp): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => header.test(line));
  expect(start, text).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf("", start);
  return lines.slice(start, end < 0 ? undefined : end);
}

describe.skipIf(!python312)("the crashing thread, exceptions, interpreters and variables (3.12)", () => {
  if (!python312) console.warn(`skipping: ${skipReason("CPython 3.12")}`);

  it("a worker that called abort(): listed first, marked with its signal; each thread's exception handled", async () => {
    const c = await makeCore(python312!, "thread_crash");
    const crashing = c.truth.threads.find((t) => t.crashing)!;
    const json = JSON.parse(corestack(["core", c.core, "--json"]).stdout) as JsonReport & { threads: JsonThread[] };
    expect(json.threads[0]!.tid).toBe(crashing.tid);
    expect(json.threads[0]!.crashed).toBe(true);
    expect(json.threads.filter((t) => t.crashed)).toHaveLength(1);
    const signal = json.source.process.signal as Record<string, unknown>;
    expect(signal).toMatchObject({ name: "SIGABRT", code: -6, codeName: "SI_TKILL", senderPid: c.truth.pid, tid: crashing.tid });
    expect(json.threads[0]!.exceptions?.handling).toMatchObject({ type: "KeyError", message: "'missing'" });
    expect(json.threads.find((t) => t.tid === c.truth.pid)!.exceptions?.handling).toMatchObject({ type: "ValueError", message: "main waits" });
    const text = corestack(["core", c.core]).stdout;
    const first = text.indexOf("Traceback for thread ");
    expect(text.slice(first)).toMatch(new RegExp(`^Traceback for thread ${crashing.tid} \\(crasher\\) \\[Has the GIL\\]`));
    expect(block(text, new RegExp(`^Traceback for thread ${crashing.tid} `)).slice(1, 3)).toEqual([
      `    Crashed: SIGABRT (SI_TKILL: sent by tkill() or tgkill(), as abort() and raise() do) from pid ${c.truth.pid}`,
      "    Handling: KeyError: 'missing'",
    ]);
    expect(text.match(/^ {4}Crashed: /gm)).toHaveLength(1);
  });

  it("a chain of exceptions: the cause, the context, a suppressed context; control characters escaped", async () => {
    const c = await makeCore(python312!, "chained_exceptions");
    const text = corestack(["core", c.core]).stdout;
    expect(block(text, new RegExp(`^Traceback for thread ${c.truth.pid} `)).slice(1, 5)).toEqual([
      expect.stringMatching(/^ {4}Crashed: SIGABRT /),
      "    Handling: ConfigError: bad config: \\x1b[31mred\\x1b[0m\\nsecond line",
      "      caused by (raise … from): KeyError: 'setting'",
      "      raised while handling: FileNotFoundError: (2, 'No such file')",
    ]);
    expect(block(text, /\(implicit\)/).slice(1, 3)).toEqual([
      "    Handling: RuntimeError: ('while handling the key error', 42)",
      "      raised while handling: KeyError: 'first'",
    ]);
    expect(block(text, /\(suppressed\)/).slice(1, 3)).toEqual(["    Handling: LookupError: nothing to see", expect.stringMatching(/^ {4}\(Python\)/)]);
    const json = JSON.parse(corestack(["core", c.core, "--json"]).stdout) as { threads: JsonThread[] };
    expect(json.threads[0]!.exceptions?.handling?.cause?.context?.type).toBe("FileNotFoundError");
    expect(json.threads[0]!.exceptions?.handling?.address).toMatch(/^0x[0-9a-f]+$/);
  });

  it("subinterpreters: each thread says which interpreter it runs in; JSON carries interpreter", async () => {
    const c = await makeCore(python312!, "subinterpreters");
    const json = JSON.parse(corestack(["core", c.core, "--json"]).stdout) as { threads: JsonThread[] };
    expect(json.threads.map((t) => t.interpreter).sort()).toEqual([0, 0, 0, 1, 2]);
    const text = corestack(["core", c.core]).stdout;
    expect(text.match(/^Traceback for thread \d+ .*\[In interpreter [012]\b/gm)).toHaveLength(5);
    expect(text).toMatch(/^Traceback for thread \d+ \(MainThread\) \[In interpreter 1\] \(most recent call last\):$/m);
    expect(text).toMatch(new RegExp(`^Traceback for thread ${c.truth.pid} \\(MainThread\\) \\[In interpreter 0, Has the GIL\\]`, "m"));
  });

  it("--locals: Arguments and Locals under each frame, values as repr() prints them, bounded and escaped", async () => {
    const c = await makeCore(python312!, "values");
    const run = corestack(["core", c.core, "--locals"]);
    expect(run.status, run.stderr).toBe(0);
    const frames = run.stdout.split("    (Python) File ");
    const containers = frames.find((frame) => frame.includes(", in containers\n"))!;
    expect(containers).toContain(
      "\n      Arguments:\n        numbers: [42, -42]\n        words: ['a', 'b']\n        rest: (1, 2)\n        options: {'flag': True}\n      Locals:\n",
    );
    expect(containers).toContain("\n        loop: [1, 2, [...]]\n");
    expect(containers).toContain("\n        nested: [[[[[...]]]]]\n");
    const texts = frames.find((frame) => frame.includes(", in texts\n"))!;
    expect(texts).toContain("\n        ansi: '\\x1b[31mred\\x1b[0m\\x1b]0;title\\x07'\n");
    expect(texts).toMatch(/\n {8}huge: 'x{200}'\.\.\.\n/);
    expect(run.stdout).not.toMatch(/\x1b/);
    const scalars = frames.find((frame) => frame.includes(", in scalars\n"))!;
    expect(scalars).toContain("\n        huge: <int of 4755 bits>\n");
    // Without --locals: no variables.
    expect(corestack(["core", c.core]).stdout).not.toContain("Locals:");
  });
});

describe.skipIf(!python27)("--locals on 2.7", () => {
  it("2.7's reprs: u'' unicode, 10L longs, set([])", async () => {
    const c = await makeCore(python27!, "values");
    const run = corestack(["core", c.core, "--locals", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { threads: JsonThread[] };
    const frames = json.threads[0]!.frames;
    const texts = frames.find((f) => f.function === "texts")!;
    expect(texts.locals?.["latin"]).toBe("u'na\\xefve'");
    expect(texts.locals?.["raw_bytes"]).toBe(`"bytes\\x00\\xff\\x80'"`);
    const scalars = frames.find((f) => f.function === "scalars")!;
    expect(scalars.locals?.["big"]).toBe("1267650600228229401496703205376L");
    const containers = frames.find((f) => f.function === "containers")!;
    expect(containers.locals?.["empty_set"]).toBe("set([])");
  });
});

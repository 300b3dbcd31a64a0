// `--native`, `--native-all`, `--native-last` end to end on real cores (the `threads` scenario):
// the Python frames are the same as without them, native frames surround them, the merge holds on
// 2.7 (one PyEval_EvalFrameEx per frame), 3.12 and 3.13/3.14 (one _PyEval_EvalFrameDefault per
// entry frame's group), and the default output does not change. gdb names the native frames where
// it is installed.
import { describe, expect, it } from "vitest";
import { coreAvailability, findInterpreters, makeCore, type Interpreter } from "../../../tools/testing/cores.js";
import { gdbBacktraces, gdbUnavailable } from "../../../tools/testing/builders.js";
import { corestack } from "./_cli.js";

interface JsonFrame {
  kind: "python" | "native";
  file?: string;
  function: string;
  line?: number;
  module?: string | null;
  address?: string;
  inlined?: true;
}

interface JsonThread {
  tid: number;
  interpreter: number | null;
  gil: string;
  frames: JsonFrame[];
  nativeError?: string;
  nativeEnd?: string;
}

const availability = coreAvailability();
/** One interpreter per version this test covers: 2.7, 3.12, 3.13, 3.14 (pyenv's first, then Debian's -dbg builds: they have symbols). */
const interpreters: Interpreter[] = (() => {
  if (!availability.ok) return [];
  const rank = (interpreter: Interpreter) => (interpreter.source === "pyenv" ? 2 : interpreter.id.endsWith("-dbg") ? 1 : 0);
  const all = [...findInterpreters()].sort((a, b) => rank(b) - rank(a));
  const chosen = new Map<string, Interpreter>();
  for (const interpreter of all) {
    const version = `${interpreter.major}.${interpreter.minor}`;
    if (["2.7", "3.12", "3.13", "3.14"].includes(version) && !chosen.has(version)) chosen.set(version, interpreter);
  }
  return [...chosen.values()];
})();

function threadsOf(args: string[]): JsonThread[] {
  const { status, stdout, stderr } = corestack(args);
  expect(status, stderr).toBe(0);
  return (JSON.parse(stdout) as { threads: JsonThread[] }).threads;
}

const pythonOnly = (frames: readonly JsonFrame[]) => frames.filter((frame) => frame.kind === "python");
const LIBC_INNERMOST = /^(__GI_)?(abort|raise|__pthread_kill\w*|pthread_kill\w*|__GI___pthread_kill)$/;

describe.skipIf(!availability.ok || interpreters.length === 0)("--native, --native-all, --native-last", () => {
  for (const interpreter of interpreters) {
    it(`${interpreter.id}: Python frames unchanged and in order, native frames around them, libc innermost on the crashing thread`, async () => {
      const c = await makeCore(interpreter, "threads");
      const plain = threadsOf(["core", c.core, "--json"]);
      const native = threadsOf(["core", c.core, "--json", "--native"]);
      expect(native.map((thread) => thread.tid)).toEqual(plain.map((thread) => thread.tid));
      for (const [index, thread] of native.entries()) {
        const without = plain[index]!;
        expect(pythonOnly(thread.frames), `thread ${thread.tid}`).toEqual(without.frames);
        const natives = thread.frames.filter((frame) => frame.kind === "native");
        expect(natives.length, `thread ${thread.tid}`).toBeGreaterThan(0);
        for (const frame of natives) {
          expect(frame.address).toMatch(/^0x[0-9a-f]+$/);
          expect(typeof frame.function).toBe("string");
        }
        // pyenv's and Debian's -dbg builds have symbols: every stack merges. Others (Debian's without -dbg) may not,
        // and then say why.
        if (interpreter.source === "pyenv" || interpreter.id.endsWith("-dbg")) expect(thread.nativeError, `thread ${thread.tid}`).toBeUndefined();
        if (thread.nativeError === undefined) {
          // Merged: native frames both before (outer) and after (inner) the Python frames.
          const first = thread.frames.findIndex((frame) => frame.kind === "python");
          expect(first, `thread ${thread.tid}`).toBeGreaterThan(0);
          expect(thread.frames[thread.frames.length - 1]!.kind, `thread ${thread.tid}`).toBe("native");
        } else {
          expect(thread.nativeError).toMatch(/frames/);
        }
      }
      const crashing = c.truth.threads.find((thread) => thread.crashing)!;
      const main = native.find((thread) => thread.tid === crashing.tid)!;
      // Merged, the last frame; else (native frames, then the Python frames) the last native one.
      const innermost = main.frames.filter((frame) => frame.kind === "native").at(-1)!;
      if (main.nativeError === undefined) expect(main.frames.at(-1)).toBe(innermost);
      expect(innermost.module ?? "").toMatch(/\/libc[.-]/);
      if (innermost.function !== "??") expect(innermost.function).toMatch(LIBC_INNERMOST);
      // The innermost named libc frame is one of abort's.
      const named = main.frames.filter((frame) => frame.kind === "native" && frame.function !== "??" && /\/libc[.-]/.test(frame.module ?? ""));
      expect(
        named.some((frame) => LIBC_INNERMOST.test(frame.function)),
        JSON.stringify(named.slice(-4)),
      ).toBe(true);
    });

    it(`${interpreter.id}: --native-last shows no native frame before the last Python frame`, async () => {
      const c = await makeCore(interpreter, "threads");
      const plain = threadsOf(["core", c.core, "--json"]);
      const last = threadsOf(["core", c.core, "--json", "--native-last"]);
      for (const [index, thread] of last.entries()) {
        expect(pythonOnly(thread.frames)).toEqual(plain[index]!.frames);
        const lastPython = thread.frames.map((frame) => frame.kind).lastIndexOf("python");
        expect(lastPython).toBe(plain[index]!.frames.length - 1);
        expect(thread.frames.slice(lastPython + 1).length, `thread ${thread.tid}`).toBeGreaterThan(0);
      }
    });

    it(`${interpreter.id}: --native-all adds the threads without Python; the default output is unchanged`, async () => {
      const c = await makeCore(interpreter, "threads");
      const plain = threadsOf(["core", c.core, "--json"]);
      const all = threadsOf(["core", c.core, "--json", "--native-all"]);
      for (const thread of plain) expect(all.some((other) => other.tid === thread.tid)).toBe(true);
      for (const thread of all.filter((other) => other.interpreter === null)) {
        expect(pythonOnly(thread.frames)).toEqual([]);
        expect(thread.frames.length).toBeGreaterThan(0);
      }
      // Same bytes as a second default run, and no native field anywhere.
      const again = corestack(["core", c.core, "--json"]);
      expect(again.stdout).not.toMatch(/"native"|nativeError|nativeEnd/);
      const text = corestack(["core", c.core]).stdout;
      expect(text).not.toContain("(C)");
      const nativeText = corestack(["core", c.core, "--native"]);
      expect(nativeText.status).toBe(0);
      expect(nativeText.stdout).toMatch(/^ {4}\(C\) (File ".*", line \d+, )?in \S.* \(.+\)$/m);
    });
  }

  for (const interpreter of interpreters) {
    // Which of the spinners waits and which drops the GIL at the crash is a race (2.7 especially).
    it(`${interpreter.id}: threads that spin wait for or drop the GIL (take_gil, drop_gil; 2.7: the GIL's lock) under --native, and the text says so`, async () => {
      const c = await makeCore(interpreter, "gil_waiting");
      const threads = threadsOf(["core", c.core, "--json", "--native"]);
      const crashing = c.truth.threads.find((thread) => thread.crashing)!;
      expect(threads.find((thread) => thread.tid === crashing.tid)!.gil).toBe("held");
      expect(threads.filter((thread) => thread.gil === "waiting" || thread.gil === "dropping").length).toBeGreaterThan(0);
      expect(corestack(["core", c.core, "--native"]).stdout).toMatch(/\[(Waiting for|Dropping) the GIL\]/);
      expect(corestack(["core", c.core]).stdout).not.toContain("Dropping the GIL");
    });
  }

  const gdbMissing = gdbUnavailable();
  const reference = interpreters.find((interpreter) => interpreter.source === "pyenv" && interpreter.major === 3 && interpreter.minor === 12);
  it.skipIf(gdbMissing !== undefined || reference === undefined)(
    "3.12: native function names are gdb's, with the evaluation-loop frames replaced",
    async () => {
      const c = await makeCore(reference!, "threads");
      const threads = threadsOf(["core", c.core, reference!.executable, "--json", "--native"]);
      const gdb = gdbBacktraces(reference!.executable, c.core).threads;
      for (const thread of threads) {
        const theirs = gdb.get(thread.tid);
        expect(theirs, `thread ${thread.tid} in gdb's output`).toBeDefined();
        const ours = thread.frames
          .filter((frame) => frame.kind === "native")
          .map((frame) => frame.function)
          .reverse();
        const expected = theirs!.filter((frame) => frame.name !== "_PyEval_EvalFrameDefault").map((frame) => frame.name ?? "??");
        expect(ours, `thread ${thread.tid}`).toEqual(expected);
      }
    },
  );
});

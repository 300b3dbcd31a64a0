// `--debug-dir` end to end on Debian's own interpreter: python3.11 of bookworm links libpython in
// statically and ships without .symtab, so without its separate debug file most of its native
// frames have no name. tools/testing/debian_debug_python.mjs provides Debian's python3.11-dbg (of
// the machine's interpreter's version, or with a copy of the interpreter of the version the
// archive has); with its usr/lib/debug given to --debug-dir, every thread merges and every native
// name equals gdb's (gdb given the same directory as its debug-file-directory), file:line too.
import { describe, expect, it } from "vitest";
import { CoreUnavailableError, coreAvailability, interpreterFromPath, makeCore } from "../../../tools/testing/cores.js";
import { debugPythonSkipReason, readProvidedDebugPython } from "../../../tools/testing/debian_debug_python.mjs";
import { compareWithGdb, corestackStacks, gdbBacktraces, gdbUnavailable, summary } from "../../unwind/test/_gdb.js";
import { corestack } from "./_cli.js";

interface JsonFrame {
  kind: "python" | "native";
  function: string;
  module?: string | null;
  file?: string;
  line?: number;
}

interface JsonThread {
  tid: number;
  frames: JsonFrame[];
  nativeError?: string;
  nativeEnd?: string;
}

const availability = coreAvailability();
const provided = readProvidedDebugPython();
const skip = !availability.ok ? availability.reason : provided === null ? debugPythonSkipReason() : undefined;
/** gdb and corestack search the provided directory first, then the machine's (libc's debug file). */
const directories = provided ? [provided.debugDir, "/usr/lib/debug"] : [];

function threadsOf(args: string[]): JsonThread[] {
  const { status, stdout, stderr } = corestack(args);
  expect(status, stderr).toBe(0);
  return (JSON.parse(stdout) as { threads: JsonThread[] }).threads;
}

async function threadsCore(context: { skip: (reason: string) => never }) {
  const interpreter = interpreterFromPath(provided!.python, { id: provided!.id });
  try {
    return await makeCore(interpreter, "threads");
  } catch (error) {
    if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
    throw error;
  }
}

const executableModule = (frame: JsonFrame) => frame.kind === "native" && (frame.module ?? "").endsWith(`/python${provided?.minor ?? ""}`);

describe.skipIf(skip !== undefined)(`--debug-dir with Debian's python3.11-dbg${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("without --debug-dir the interpreter's own frames are partly unnamed; with it, none is, and every thread merges", {
    timeout: 300_000,
  }, async (context) => {
    const made = await threadsCore(context);
    const without = threadsOf(["core", made.core, "--json", "--native"]);
    const unnamed = without.flatMap((thread) => thread.frames).filter((frame) => executableModule(frame) && frame.function === "??");
    expect(unnamed.length).toBeGreaterThan(0);

    const plain = threadsOf(["core", made.core, "--json"]);
    const withDir = threadsOf(["core", made.core, "--json", "--native", "--debug-dir", provided!.debugDir]);
    expect(withDir.map((thread) => thread.tid)).toEqual(plain.map((thread) => thread.tid));
    for (const [index, thread] of withDir.entries()) {
      expect(thread.nativeError, `thread ${thread.tid}`).toBeUndefined();
      expect(thread.nativeEnd, `thread ${thread.tid}`).toBeUndefined();
      // The Python frames replace the evaluation loop's: the same frames as without --native, between native ones.
      expect(thread.frames.filter((frame) => frame.kind === "python")).toEqual(plain[index]!.frames);
      expect(thread.frames.some((frame) => frame.kind === "native" && frame.function === "_PyEval_EvalFrameDefault")).toBe(false);
      expect(thread.frames[0]!.kind).toBe("native");
      expect(thread.frames.at(-1)!.kind).toBe("native");
      const executableFrames = thread.frames.filter(executableModule);
      expect(executableFrames.length, `thread ${thread.tid}`).toBeGreaterThan(0);
      for (const frame of executableFrames) {
        expect(frame.function, `thread ${thread.tid}`).not.toBe("??");
        // The debug file has the line programs: every frame of the interpreter has its file and
        // line, but `_start` (crt1.o, which has no debugging information: gdb shows none either).
        if (frame.function !== "_start") expect(frame.file, `thread ${thread.tid} ${frame.function}`).toBeDefined();
      }
    }
  });

  it.skipIf(gdbUnavailable() !== undefined)(
    "the native names (and file:line) equal gdb's with the same debug-file-directory",
    { timeout: 300_000 },
    async (context) => {
      const made = await threadsCore(context);
      const gdb = gdbBacktraces(made.executable, made.core, { debugDirectories: directories });
      // The library: every frame, the evaluation loop's included.
      const ours = corestackStacks(made.core, made.executable, { debugDirectories: directories });
      const comparison = compareWithGdb(ours.stacks, gdb.threads);
      console.log(summary(`${provided!.id} threads --debug-dir`, comparison));
      expect(comparison.threads).toBe(made.truth.threads.length);
      expect(comparison.mismatches).toEqual([]);
      expect(comparison.linesCompared).toBeGreaterThan(0);

      // The CLI: its native frames are gdb's, outermost first, without the evaluation-loop frames
      // (replaced by the Python frames).
      const cli = threadsOf(["core", made.core, "--json", "--native", "--debug-dir", provided!.debugDir]);
      for (const thread of cli) {
        const theirs = gdb.threads.get(thread.tid)!;
        const expected = theirs
          .map((frame) => frame.name ?? "??")
          .filter((name) => name !== "_PyEval_EvalFrameDefault")
          .reverse();
        const natives = thread.frames.filter((frame) => frame.kind === "native").map((frame) => frame.function);
        expect(natives, `thread ${thread.tid}`).toEqual(expected);
      }
    },
  );
});

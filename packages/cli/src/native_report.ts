import type { DetectedVersion, PythonFrame, PythonThread } from "@corestack/cpython";
import type { CoreTarget } from "@corestack/symbols";
import type { Demangler, NativeFrame, NativeStack } from "@corestack/unwind";
import type { NativeMode } from "./parse_arguments.js";
import type { NativeFrameReport, PythonFrameReport, ThreadReport } from "./report.js";

// `--native`, `--native-all`, `--native-last`: each thread's native stack (@corestack/unwind), its
// evaluation-loop frames replaced by the Python frames they ran. The unwinder is given as a module
// (`import("@corestack/unwind")`, loaded by main.ts only under these options), so that nothing of
// it is loaded or run by a default run; this file imports its types only.

/** The `@corestack/unwind` module. */
export type UnwindModule = typeof import("@corestack/unwind");

/** What `--native` needs: the mode, the unwinder's module, and where the demangler's `.wasm` is. */
export interface NativeOptions {
  readonly mode: NativeMode;
  readonly unwind: UnwindModule;
  /** The demangler's WebAssembly file (next to the bundle); undefined: resolved from the package. */
  readonly wasm?: string | undefined;
  /** Directories of separate debug files, searched before `/usr/lib/debug`. */
  readonly debugDirectories?: readonly string[] | undefined;
}

/** The functions whose native frames mark a thread's status. */
const TAKING_GIL = new Set(["take_gil"]);
const DROPPING_GIL = new Set(["drop_gil"]);
/** 2.7 has no take_gil: the GIL is a plain lock that these functions take and release directly. */
const GIL_USERS_27 = new Set([
  "PyEval_EvalFrameEx",
  "PyEval_RestoreThread",
  "PyEval_AcquireThread",
  "PyEval_AcquireLock",
  "PyEval_SaveThread",
  "PyEval_ReleaseThread",
  "PyEval_ReleaseLock",
]);
const COLLECTING = new Set([
  "gc_collect_main",
  "gc_collect_impl",
  "gc_collect_with_callback",
  "gc_collect_full",
  "gc_collect_young",
  "gc_collect_increment",
  "gc_collect_region",
  "_PyGC_Collect",
  "collect_with_callback",
  "collect_generations",
]);

/** The native function that runs Python frames: one call per frame ≤ 3.10, one per entry frame's group from 3.11. */
function evalLoopFunction(version: DetectedVersion): string {
  return version.major < 3 ? "PyEval_EvalFrameEx" : "_PyEval_EvalFrameDefault";
}

function nativeFrameReport(frame: NativeFrame): NativeFrameReport {
  const name = frame.function ?? (frame.signalTrampoline && !frame.inlined ? "<signal handler called>" : "??");
  return {
    kind: "native",
    function: name,
    module: frame.module ?? null,
    address: `0x${frame.pc.toString(16)}`,
    ...(frame.file !== undefined ? { file: frame.file } : {}),
    ...(frame.line !== undefined ? { line: frame.line } : {}),
    ...(frame.inlined ? { inlined: true as const } : {}),
  };
}

/**
 * The Python frames in groups, one per evaluation-loop call, innermost group first, each group
 * innermost frame first. ≤ 3.10 every frame is its own call; from 3.11 a group ends (outwards) at
 * an entry frame.
 */
function pythonGroups(version: DetectedVersion, analysed: readonly PythonFrame[], reported: readonly PythonFrameReport[]): PythonFrameReport[][] {
  const groups: PythonFrameReport[][] = [];
  const perFrame = version.major < 3 || (version.major === 3 && version.minor <= 10);
  let group: PythonFrameReport[] = [];
  for (let index = reported.length - 1; index >= 0; index--) {
    group.push(reported[index]!);
    if (perFrame || analysed[index]?.entry === true) {
      groups.push(group);
      group = [];
    }
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * A thread's frames, outermost first: the native stack with each evaluation-loop frame replaced
 * by its Python frames; when the counts disagree, the native frames then the Python frames, and
 * why. With `last`, only the native frames after (inner to) the last Python frame.
 */
function mergeFrames(
  version: DetectedVersion,
  stack: NativeStack,
  analysed: readonly PythonFrame[],
  reported: readonly PythonFrameReport[],
  last: boolean,
): { frames: (PythonFrameReport | NativeFrameReport)[]; error?: string } {
  const evalLoop = evalLoopFunction(version);
  const isEval = (frame: NativeFrame) => frame.function === evalLoop && !frame.inlined;
  const groups = pythonGroups(version, analysed, reported);
  const evalCount = stack.frames.filter(isEval).length;
  if (evalCount !== groups.length) {
    let error =
      reported.length === 0
        ? `the native stack has ${evalCount} ${evalLoop} frames, the thread no Python frame`
        : `the native stack has ${evalCount} ${evalLoop} frames, the Python stack ${groups.length} ${version.major === 3 && version.minor >= 11 ? "evaluation-loop calls (entry frames)" : "frames"}`;
    const unnamed = stack.frames.filter((frame) => frame.function === undefined && !frame.signalTrampoline).length;
    if (unnamed > 0) {
      error += `; ${unnamed} native frames have no name (no symbols or debugging information for them: give the directory of their separate debug files, which a distribution's -dbg or -dbgsym package installs, with --debug-dir DIR)`;
    }
    if (!last) return { frames: [...stack.frames.map(nativeFrameReport).reverse(), ...reported], error };
    // Only the native frames inner to the innermost evaluation-loop frame: what ran after the last Python frame.
    const firstEval = stack.frames.findIndex(isEval);
    const inner = firstEval < 0 ? stack.frames : stack.frames.slice(0, firstEval);
    return { frames: [...reported, ...inner.map(nativeFrameReport).reverse()], error };
  }
  const merged: (PythonFrameReport | NativeFrameReport)[] = [];
  let next = 0;
  for (const frame of stack.frames) {
    if (isEval(frame)) merged.push(...groups[next++]!);
    else merged.push(nativeFrameReport(frame));
  }
  merged.reverse();
  if (!last) return { frames: merged };
  let lastPython = -1;
  merged.forEach((frame, index) => {
    if (frame.kind === "python") lastPython = index;
  });
  return { frames: merged.filter((frame, index) => frame.kind === "python" || index > lastPython) };
}

/** The GIL and GC status the native frames show: `take_gil`, `drop_gil`, the collector's functions. */
function nativeStatus(version: DetectedVersion | undefined, thread: ThreadReport, stack: NativeStack): Pick<ThreadReport, "gil" | "gc"> {
  let gil = thread.gil;
  let gc = thread.gc;
  if (gil !== "held") {
    // The innermost of the two says what the thread was doing.
    const frames = stack.frames;
    for (const [index, frame] of frames.entries()) {
      if (frame.function === undefined) continue;
      if (version?.major === 2 && (frame.function === "PyThread_acquire_lock" || frame.function === "PyThread_release_lock")) {
        // The GIL's lock when its caller is one of the interpreter's GIL functions (not `lock.acquire()`).
        const caller = frames.slice(index + 1).find((other) => !other.inlined);
        if (caller?.function !== undefined && GIL_USERS_27.has(caller.function)) {
          gil = frame.function === "PyThread_acquire_lock" ? "waiting" : "dropping";
          break;
        }
        continue;
      }
      if (TAKING_GIL.has(frame.function)) {
        gil = "waiting";
        break;
      }
      if (DROPPING_GIL.has(frame.function)) {
        gil = "dropping";
        break;
      }
    }
  }
  if (!gc && stack.frames.some((frame) => frame.function !== undefined && COLLECTING.has(frame.function))) gc = true;
  return { gil, gc };
}

/** A stack end that is not the normal one, as the report says it. */
function stackEnd(stack: NativeStack): { nativeEnd: string } | Record<string, never> {
  const { reason, message } = stack.end;
  if (reason === "outermost" || reason === "main") return {};
  return { nativeEnd: message === "" ? reason : message };
}

/**
 * Adds native frames to a run's threads (`--native`, `--native-all`, `--native-last`). One unwinder
 * for the whole run; threads matched to the core's threads by OS thread id.
 * @param target the core's target (the one the Python analysis read).
 * @param version the Python version (which evaluation-loop function, which merge rule).
 * @param analysed the Python analysis' threads, in the order of `reported`.
 * @param reported the threads as the report has them.
 * @param options the mode and the unwinder's module.
 * @param warn receives the unwinder's warnings.
 * @returns the threads, with native frames; with `--native-all`, then the threads without a Python state.
 * @example
 * ```ts
 * addNativeFrames(target, analysis.version, analysis.threads, threads, { mode: { threads: "python", last: false }, unwind: await import("@corestack/unwind") }, warn);
 * ```
 */
export function addNativeFrames(
  target: CoreTarget,
  version: DetectedVersion,
  analysed: readonly PythonThread[],
  reported: readonly ThreadReport[],
  options: NativeOptions,
  warn: (message: string) => void,
): ThreadReport[] {
  const { unwind, mode } = options;
  let demangler: Demangler | null | undefined;
  const demangle = (name: string): string => {
    if (!unwind.isMangled(name)) return name;
    if (demangler === undefined) {
      try {
        demangler = unwind.Demangler.load(options.wasm !== undefined ? { wasm: options.wasm } : {});
      } catch (error) {
        demangler = null;
        warn(`C++ and Rust names stay mangled: the demangler did not load: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return demangler ? demangler.demangle(name) : name;
  };
  const unwinder = new unwind.NativeUnwinder(target, {
    debugDirectories: [...(options.debugDirectories ?? []), "/usr/lib/debug"],
    demangle,
    warn,
  });
  const coreThreads = new Map(target.threads().map((thread) => [thread.tid, thread]));
  const stacks = new Map<number, NativeStack>();
  const stackOf = (tid: number): NativeStack | undefined => {
    let stack = stacks.get(tid);
    if (stack === undefined) {
      const thread = coreThreads.get(tid);
      if (thread === undefined) return undefined;
      stack = unwinder.unwind(thread);
      stacks.set(tid, stack);
    }
    return stack;
  };
  const threads = reported.map((thread, index): ThreadReport => {
    const python = thread.frames.filter((frame): frame is PythonFrameReport => frame.kind === "python");
    const stack = thread.tid === null ? undefined : stackOf(thread.tid);
    if (stack === undefined) {
      const why = thread.tid === null ? "the thread's OS thread id is unknown" : `the core has no thread ${thread.tid}`;
      return { ...thread, nativeError: `no native stack: ${why}` };
    }
    const { frames, error } = mergeFrames(version, stack, analysed[index]?.frames ?? [], python, mode.last);
    const { frames: _frames, error: pythonError, ...head } = thread;
    return {
      ...head,
      ...nativeStatus(version, thread, stack),
      frames,
      ...(pythonError !== undefined ? { error: pythonError } : {}),
      ...(error !== undefined ? { nativeError: error } : {}),
      ...stackEnd(stack),
    };
  });
  if (mode.threads === "all") {
    const seen = new Set(reported.map((thread) => thread.tid));
    for (const thread of target.threads()) {
      if (seen.has(thread.tid)) continue;
      seen.add(thread.tid);
      const stack = stackOf(thread.tid)!;
      const base: ThreadReport = { tid: thread.tid, name: null, interpreter: null, gil: "none", gc: false, frames: [] };
      threads.push({ ...base, ...nativeStatus(version, base, stack), frames: stack.frames.map(nativeFrameReport).reverse(), ...stackEnd(stack) });
    }
  }
  return threads;
}

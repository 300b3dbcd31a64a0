import { PythonError } from "./python_error.js";
import type { PythonTarget } from "./python_target.js";
import { ObjectReader } from "./read_objects.js";
import { Reader } from "./_reader.js";
import { type DetectedVersion, detectVersion } from "./detect_version.js";
import { pythonSymbol } from "./_python_symbol.js";
import { chooseLayout } from "./_layout_choice.js";
import { findGilHolder, findInterpreters, findRuntime } from "./_runtime.js";
import { enumerateThreads } from "./_threads.js";
import { type WalkBudget, chaseFrames, walkFrames } from "./_frame_chains.js";

/** One Python frame. */
export interface PythonFrame {
  /** `co_filename`. */
  readonly file: string;
  /** `co_name`. */
  readonly function: string;
  /** `co_qualname` (3.11+). */
  readonly qualname?: string;
  /** The line being executed; `co_firstlineno` when the instruction has none. */
  readonly line: number;
  /** 0-based column of the instruction (3.11+), when the line table has it. */
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** Address of the code object. */
  readonly code: bigint;
}

/** One Python thread (a `PyThreadState`). */
export interface PythonThread {
  /** OS thread id, when known (`native_thread_id` 3.11+, else the pthread handle matched to a core thread). */
  readonly tid: number | null;
  /** The `thread_id` field: the pthread handle (`threading.get_ident()`). */
  readonly ident: bigint;
  /** The `threading` name (`Thread.name`), or null for a thread `threading` does not know. */
  readonly name: string | null;
  /** Address of the thread state. */
  readonly address: bigint;
  /** Interpreter id (0 for the main interpreter). */
  readonly interpreter: number;
  /** Whether this thread held the GIL. "none": it did not; telling waiting from running needs native stacks. */
  readonly gil: "held" | "none" | "unknown";
  /** Whether this thread was running a garbage collection. */
  readonly gc: boolean;
  /** Outermost first (most recent call last). */
  readonly frames: readonly PythonFrame[];
  /** Why the stack ends early, when it does: the frames before it are real, nothing after is shown. */
  readonly error?: { readonly message: string; readonly address: bigint };
}

/** The result of {@link analyse}. */
export interface PythonAnalysis {
  readonly version: DetectedVersion;
  /** Where the struct layout came from. */
  readonly layoutSource: "table" | "debug offsets";
  readonly threads: readonly PythonThread[];
  /** Problems that did not stop the analysis (a layout disagreement, an unreadable interpreter). */
  readonly warnings: readonly string[];
}

/** Options of {@link analyse}. */
export interface AnalyseOptions {
  /**
   * `auto` (default): the version's table, cross-checked with `_Py_DebugOffsets` when present;
   * `debug-offsets`: only `_Py_DebugOffsets` (3.13+); `no-table`: as if corestack had no table for
   * the version — what a version newer than corestack goes through, warning included (a test hook:
   * it proves the newest tables are not needed).
   */
  readonly layoutSource?: "auto" | "debug-offsets" | "no-table";
  /** Most frames read per thread (default 100 000). */
  readonly maxFrames?: number;
  /** Most threads read, all interpreters together (default 100 000). */
  readonly maxThreads?: number;
  /** Most frames read, all threads together (default {@link MAX_TOTAL_FRAMES}). */
  readonly maxTotalFrames?: number;
  /** Most line-table bytes decoded, all frames together (default {@link MAX_LINE_TABLE_WORK}). */
  readonly maxLineTableWork?: number;
}

/**
 * Most frames read in all threads together. Each limit of its own (threads, frames per thread)
 * is sane, but their product is not: 100 000 threads of 100 000 frames would be 10^10 frames.
 * A million is a thousand threads a thousand frames deep; measured on a real 3.12 core of 12
 * threads 100 000 frames deep: 1.2 M frames took 6.5 s, 1.3 GB of memory and 194 MB of JSON, so a
 * million keeps the output far from V8's 512 MiB string limit.
 */
export const MAX_TOTAL_FRAMES = 1_000_000;

/**
 * Most line-table bytes decoded in all frames together (a lookup scans its table from the start;
 * the same code object and instruction are decoded once). Real stacks decode a few megabytes; a
 * crafted core could make a million frames each scan a 4 MiB table.
 */
export const MAX_LINE_TABLE_WORK = 1 << 28;


/**
 * Finds the CPython interpreter in a target and reads every thread's Python stack.
 *
 * @param target memory, symbols and threads of the process.
 * @param options layout source and limits.
 * @returns the version, threads, and frames.
 * @throws {PythonError} when the target is not a Python process, its version has no layout, or
 *   its interpreter state cannot be found.
 * @example
 * ```ts
 * const { version, threads } = analyse(target);
 * for (const t of threads) console.log(t.tid, t.frames.at(-1)?.function);
 * ```
 */
export function analyse(target: PythonTarget, options: AnalyseOptions = {}): PythonAnalysis {
  const version = detectVersion(target);
  if (!version) {
    throw new PythonError("Not a Python process: no Py_Version, _PyRuntime, or libpython/python executable mapped", { code: "not-python" });
  }
  const warnings: string[] = [];
  const reader = new Reader(target);
  const runtime = findRuntime(target);
  // Py_DEBUG builds (and only they: Py_REF_DEBUG) define _Py_NegativeRefcount.
  const debugBuild = pythonSymbol(target, "_Py_NegativeRefcount") !== undefined;
  const { layout, source } = chooseLayout(reader, version, runtime, { ...options, debugBuild }, warnings);
  const objects = new ObjectReader(reader, layout);
  const interpreters = findInterpreters(target, reader, layout, runtime, warnings);
  const gilHolder = findGilHolder(target, reader, layout, runtime, interpreters);
  // First every interpreter's thread list, then every thread's frame chain (addresses only: see
  // chaseFrames), then the frames themselves: a frame two chains reach is known before either
  // thread's stack is printed.
  const found = enumerateThreads(target, objects, { runtime, interpreters, gilHolder, maxThreads: options.maxThreads ?? 100_000 }, warnings);
  // Shared by every thread and interpreter: what bounds the whole analysis, not one list.
  const budget: WalkBudget = {
    frames: options.maxTotalFrames ?? MAX_TOTAL_FRAMES,
    lineTableBytes: options.maxLineTableWork ?? MAX_LINE_TABLE_WORK,
    lines: new Map(),
  };
  const cuts = chaseFrames(reader, layout, found, { maxFrames: options.maxFrames ?? 100_000, budget });
  if (cuts.unread > 0) {
    warnings.push(
      `the frame limit of all threads together (${options.maxTotalFrames ?? MAX_TOTAL_FRAMES}) was reached: the threads after thread ${found[found.length - cuts.unread - 1]?.tid ?? "?"} are not read`,
    );
  }
  const threads: PythonThread[] = found.slice(0, found.length - cuts.unread).map((thread, index) => {
    const walked = walkFrames(reader, objects, layout, thread.address, { budget, cut: cuts.cuts[index] });
    return { ...thread, frames: walked.frames, ...(walked.error ? { error: walked.error } : {}) };
  });
  return { version, layoutSource: source, threads, warnings };
}

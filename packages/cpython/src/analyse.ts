import { PythonError } from "./python_error.js";
import type { PythonTarget } from "./python_target.js";
import { ObjectReader } from "./read_objects.js";
import { Reader } from "./_reader.js";
import { type DetectedVersion, detectVersion } from "./detect_version.js";
import { pythonSymbol } from "./_python_symbol.js";
import { chooseLayout } from "./_layout_choice.js";
import { findGilHolders, findInterpreters, findRuntime } from "./_runtime.js";
import { enumerateThreads } from "./_threads.js";
import { type WalkBudget, chaseFrames, walkFrames } from "./_frame_chains.js";
import { WalkError } from "./_reader.js";
import { hasObjectInternals } from "./read_objects.js";
import { MAX_REPR_WORK, ReprReader } from "./repr.js";
import { readLocals } from "./_frame_locals.js";
import { MAX_EXCEPTION_ITEMS, readThreadExceptions } from "./_exceptions.js";
import { type ScanRegion, type ScanResult, scanForInterpreter, versionFromMemory } from "./_exhaustive.js";
import { layoutFor } from "@corestack/cpython-layouts";

export type { ScanRegion } from "./_exhaustive.js";
export { MAX_SCAN_CANDIDATES } from "./_exhaustive.js";

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
  /**
   * With `locals`: the frame's bound variables, arguments first (cells and free variables by
   * their contents), each value a bounded repr; absent for a frame whose variables could not be read.
   */
  readonly locals?: readonly LocalVariable[];
  /** With `locals`: why the frame's variables could not be read. */
  readonly localsError?: string;
  /**
   * 3.11+: present (true) on the first frame a call of the evaluation loop
   * (`_PyEval_EvalFrameDefault`) ran — 3.11's `is_entry`, from 3.12 a frame whose previous frame
   * is the loop's C-stack shim. The frames from one entry frame (excluded) to the next (included),
   * innermost to outermost, are the frames of one native call of the loop. Absent ≤ 3.10, where
   * each frame is its own call.
   */
  readonly entry?: true;
}

/** One variable of a frame. */
export interface LocalVariable {
  /** The variable's name, escaped like every name. */
  readonly name: string;
  /**
   * Its value, as the interpreter's `repr()` prints it for `None`, `bool`, `int`, `float`, `str`,
   * `bytes` (2.7: `str`, `unicode`), `tuple`, `list`, `dict`, `set` and `frozenset`, bounded
   * (`...` marks what is left out); any other object `<TYPE object at 0xADDR>`; memory that
   * cannot be read `<unreadable object at 0xADDR>`.
   */
  readonly value: string;
  /** Whether it is one of the function's arguments (`*args` and `**kwargs` included). */
  readonly argument: boolean;
}

/** An exception object held by a thread. */
export interface PythonException {
  /** Its type's `tp_name`. */
  readonly type: string;
  /**
   * `str(exception)` as `BaseException` makes it from `args`: the text of one string argument
   * (escaped like a name), else the repr of the argument (of the tuple, for several); a
   * `KeyError`'s is its key's repr. Types with their own `__str__` are shown the same way.
   */
  readonly message: string;
  /** Address of the exception object. */
  readonly address: bigint;
  /** `__cause__` (`raise … from …`), when set. */
  readonly cause?: PythonException;
  /** `__context__` (raised while handling it), when set, not suppressed, and there is no cause. */
  readonly context?: PythonException;
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
  /**
   * Whether this thread held its interpreter's GIL, or waited for it ("waiting": 3.15+, whose
   * thread states say so). "none": neither, or (before 3.15) not held; telling waiting from
   * running there needs native stacks. "unknown": the GIL state could not be read.
   */
  readonly gil: "held" | "waiting" | "none" | "unknown";
  /** Whether this thread was running a garbage collection. */
  readonly gc: boolean;
  /**
   * The exception the thread was handling (what `sys.exc_info()` gave in it) and one it raised
   * and had not caught; absent when it held neither, or the layout does not describe exceptions
   * (read from `_Py_DebugOffsets` alone).
   */
  readonly exceptions?: { readonly handling?: PythonException; readonly raised?: PythonException };
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
  /** What the exhaustive scan found, when it ran (see {@link AnalyseOptions.exhaustive}). */
  readonly scan?: ScanSummary;
}

/** What the exhaustive scan did: how much it read and what it chose. */
export interface ScanSummary {
  /** Bytes of writable memory scanned. */
  readonly scannedBytes: number;
  /** The interpreter list's head it chose. */
  readonly interpreter: bigint;
  /** The runtime it found (3.7+), when it did. */
  readonly runtime: bigint | undefined;
  /** Candidates checked structurally. */
  readonly candidates: number;
}

/** The memory {@link AnalyseOptions.exhaustive} scans, and who hears of its progress. */
export interface ExhaustiveOptions {
  /** The process's dumped writable memory (a core's `PT_LOAD` segments with `PF_W`). */
  readonly regions: readonly ScanRegion[];
  /** Called after each MiB scanned with the bytes scanned so far and the total. */
  readonly progress?: (scanned: number, total: number) => void;
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
  /** Read every frame's variables and their values (`--locals`; default false). */
  readonly locals?: boolean;
  /** Most work for values' reprs, all frames together (default {@link MAX_REPR_WORK}). */
  readonly maxReprWork?: number;
  /**
   * When no symbol, section or debug offsets lead to the runtime, find the interpreter state by
   * scanning this memory (`--exhaustive`): aligned words that point at each other as an
   * interpreter's thread list and a thread state's interpreter do (and, 3.13+, `_Py_DebugOffsets`
   * cookies), each candidate then checked with the version's layout. Several that pass are told
   * apart by how many of the target's threads they hold, with a warning; a tie or none is a
   * {@link PythonError}. Not used when the files lead to the runtime.
   */
  readonly exhaustive?: ExhaustiveOptions;
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
  let version = detectVersion(target);
  const warnings: string[] = [];
  if (!version && options.exhaustive) {
    version = versionFromMemory(new Reader(target), options.exhaustive, warnings);
    if (!version) {
      throw new PythonError(
        "Not a Python process: no Py_Version, _PyRuntime, or libpython/python executable mapped, and no Python version string or _Py_DebugOffsets in its writable memory",
        { code: "not-python" },
      );
    }
  }
  if (!version) {
    throw new PythonError("Not a Python process: no Py_Version, _PyRuntime, or libpython/python executable mapped", { code: "not-python" });
  }
  const reader = new Reader(target);
  let runtime = findRuntime(target);
  let scan: ScanResult | undefined;
  if (options.exhaustive && runtime === undefined && !hasStaticRoot(target, version)) {
    scan = scanForInterpreter(target, reader, version, options.exhaustive, warnings);
    runtime = scan.runtime;
    if (scan.version) version = scan.version;
  }
  // Py_DEBUG builds (and only they: Py_REF_DEBUG) define _Py_NegativeRefcount.
  // Asked only when no debug offsets can tell; exported (PyAPI_FUNC), so `.dynsym` is enough.
  const isDebugBuild = () => pythonSymbol(target, "_Py_NegativeRefcount", { exported: true }) !== undefined;
  const { layout, source } = chooseLayout(reader, version, runtime, { ...options, isDebugBuild, machine: target.machine }, warnings);
  const objects = new ObjectReader(reader, layout);
  const interpreters = findInterpreters(target, reader, layout, runtime, warnings, scan?.head);
  const gilHolders = findGilHolders(target, reader, layout, runtime, interpreters, scan ? { holder: scan.staticGilHolder } : undefined);
  // First every interpreter's thread list, then every thread's frame chain (addresses only: see
  // chaseFrames), then the frames themselves: a frame two chains reach is known before either
  // thread's stack is printed.
  const found = enumerateThreads(target, objects, { runtime, interpreters, gilHolders, maxThreads: options.maxThreads ?? 100_000 }, warnings);
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
  // Values and exceptions are objects of every type: only a generated table describes them.
  const reprs = hasObjectInternals(objects) ? new ReprReader(objects, { maxWork: options.maxReprWork ?? MAX_REPR_WORK }) : undefined;
  if (options.locals && reprs === undefined) {
    warnings.push(`the values of local variables are not shown: the layout from ${source} does not describe objects (a generated table does)`);
  }
  const locals =
    options.locals && reprs !== undefined
      ? (frame: bigint, code: bigint) => {
          try {
            return { locals: readLocals(reprs, frame, code) };
          } catch (error) {
            if (!(error instanceof WalkError)) throw error;
            return { localsError: error.message };
          }
        }
      : undefined;
  // One budget of stack items for all threads, and one warning for all the threads whose
  // exceptions cannot be read (a crafted core can make that every one of 100 000 threads).
  const exceptionItems = { items: MAX_EXCEPTION_ITEMS };
  let unreadableExceptions = 0;
  const threads: PythonThread[] = found.slice(0, found.length - cuts.unread).map((thread, index) => {
    const walked = walkFrames(reader, objects, layout, thread.address, { budget, cut: cuts.cuts[index], locals });
    let exceptions: PythonThread["exceptions"];
    if (reprs !== undefined) {
      try {
        const held = readThreadExceptions(reprs, thread.address, exceptionItems);
        if (held.handling !== undefined || held.raised !== undefined) exceptions = held;
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        if (unreadableExceptions++ === 0) warnings.push(`thread ${thread.tid ?? "?"}: its exceptions cannot be read: ${error.message}`);
      }
    }
    return { ...thread, ...(exceptions ? { exceptions } : {}), frames: walked.frames, ...(walked.error ? { error: walked.error } : {}) };
  });
  if (unreadableExceptions > 1) warnings.push(`the exceptions of ${unreadableExceptions - 1} more threads cannot be read either`);
  if (reprs?.exhausted) {
    warnings.push(`the limit of work for values (${options.maxReprWork ?? MAX_REPR_WORK}) was reached: later values are not read`);
  }
  const summary: ScanSummary | undefined = scan && {
    scannedBytes: scan.scannedBytes,
    interpreter: scan.head,
    runtime: scan.runtime,
    candidates: scan.candidates,
  };
  return { version, layoutSource: source, threads, warnings, ...(summary ? { scan: summary } : {}) };
}

/** 2.7, 3.6: whether `interp_head` or `_PyThreadState_Current` has a symbol (then no scan is needed). */
function hasStaticRoot(target: PythonTarget, version: DetectedVersion): boolean {
  if (layoutFor(version.major, version.minor)?.models.runtime.kind !== "static") return false;
  return pythonSymbol(target, "interp_head") !== undefined || pythonSymbol(target, "_PyThreadState_Current") !== undefined;
}

import { type AnyPythonLayout, type PythonLayout, LayoutFormatError, layoutFor, layoutFromDebugOffsets } from "@corestack/cpython-layouts";
import { Reader, WalkError } from "./_reader.js";
import { type DetectedVersion, detectVersion } from "./detect_version.js";
import { linetable310Line, lnotabLine, locationTableEntry } from "./line_table.js";
import { PythonError } from "./python_error.js";
import type { PythonTarget } from "./python_target.js";
import { ObjectReader } from "./read_objects.js";
import { pythonSymbol } from "./_python_symbol.js";
import { readThreadNames } from "./thread_names.js";

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

/** Highest line number believed: no source file has 16 million lines; a larger one is corruption. */
const MAX_LINE = 1 << 24;
const MAX_INTERPRETERS = 1024;

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
  const runtimeSymbol = pythonSymbol(target, "_PyRuntime");
  let runtime = runtimeSymbol?.address;
  // Versions without a runtime state have neither the symbol nor the section: no version test needed.
  if (runtime === undefined) {
    for (const module of target.modules()) {
      const section = module.sectionAddress?.(".PyRuntime");
      if (section) {
        runtime = section.address;
        break;
      }
    }
  }
  // Py_DEBUG builds (and only they: Py_REF_DEBUG) define _Py_NegativeRefcount.
  const debugBuild = pythonSymbol(target, "_Py_NegativeRefcount") !== undefined;
  const { layout, source } = chooseLayout(reader, version, runtime, { ...options, debugBuild }, warnings);
  const objects = new ObjectReader(reader, layout);
  const interpreters = findInterpreters(target, reader, layout, runtime, warnings);
  const maxFrames = options.maxFrames ?? 100_000;
  const maxThreads = options.maxThreads ?? 100_000;
  // Shared by every thread and interpreter: what bounds the whole analysis, not one list.
  const budget: WalkBudget = {
    frames: options.maxTotalFrames ?? MAX_TOTAL_FRAMES,
    lineTableBytes: options.maxLineTableWork ?? MAX_LINE_TABLE_WORK,
    lines: new Map(),
  };
  const allThreads = new Set<bigint>();
  const threadsByFsBase = new Map<bigint, number>();
  for (const thread of target.threads()) {
    const fs = thread.registers.fs_base;
    if (fs !== undefined && fs !== 0n) threadsByFsBase.set(fs, thread.tid);
  }
  const gilHolder = findGilHolder(target, reader, layout, runtime, interpreters);
  // First every interpreter's thread list, then every thread's frame chain (addresses only: see
  // chaseFrames), then the frames themselves: a frame two chains reach is known before either
  // thread's stack is printed.
  const found: Omit<PythonThread, "frames" | "error">[] = [];
  for (const interp of interpreters) {
    let interpreterId = 0;
    if (layout.PyInterpreterState.id !== undefined) {
      try {
        interpreterId = Number(reader.i64(interp + BigInt(layout.PyInterpreterState.id), "interpreter id"));
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    const gcCollecting = isCollecting(target, reader, layout, runtime, interp);
    let tstate: bigint;
    try {
      tstate = reader.ptr(interp + BigInt(layout.models.threadList.head), "thread list");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      warnings.push(`interpreter ${interpreterId} at 0x${interp.toString(16)}: ${error.message}`);
      continue;
    }
    const names = readThreadNames(objects, interp, warnings);
    const seen = new Set<bigint>();
    while (tstate !== 0n && !seen.has(tstate) && allThreads.size < maxThreads) {
      if (allThreads.has(tstate)) {
        warnings.push(`the thread list of interpreter ${interpreterId} reaches thread state 0x${tstate.toString(16)} of another interpreter`);
        break;
      }
      seen.add(tstate);
      allThreads.add(tstate);
      let ident: bigint;
      let next: bigint;
      try {
        ident = reader.u64(tstate + BigInt(layout.PyThreadState.thread_id), "thread id");
        next = reader.ptr(tstate + BigInt(layout.PyThreadState.next), "next thread");
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        warnings.push(`thread list of interpreter ${interpreterId} ends early: ${error.message}`);
        break;
      }
      let tid: number | null = threadsByFsBase.get(ident) ?? null;
      if (layout.PyThreadState.native_thread_id !== undefined) {
        try {
          const native = Number(reader.i64(tstate + BigInt(layout.PyThreadState.native_thread_id), "native thread id"));
          if (native > 0) tid = native;
        } catch (error) {
          if (!(error instanceof WalkError)) throw error;
        }
      }
      const held = gilHolder.holder === undefined ? "unknown" : gilHolder.holder === tstate ? "held" : "none";
      found.push({
        tid,
        ident,
        name: names.get(ident) ?? null,
        address: tstate,
        interpreter: interpreterId,
        gil: held,
        gc: gcCollecting === true && held === "held",
      });
      tstate = next;
    }
    if (tstate !== 0n && seen.has(tstate)) warnings.push(`the thread list of interpreter ${interpreterId} loops back to 0x${tstate.toString(16)}`);
    else if (tstate !== 0n && allThreads.size >= maxThreads) warnings.push(`interpreter ${interpreterId}: more than ${maxThreads} threads, the rest not read`);
  }
  const cuts = chaseFrames(reader, layout, found, { maxFrames, budget });
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

function chooseLayout(
  reader: Reader,
  version: DetectedVersion,
  runtime: bigint | undefined,
  options: AnalyseOptions & { readonly debugBuild: boolean },
  warnings: string[],
): { layout: AnyPythonLayout; source: "table" | "debug offsets" } {
  let fromDebug: AnyPythonLayout | undefined;
  let debugProblem: string | undefined;
  const table = options.layoutSource === "no-table" ? undefined : layoutFor(version.major, version.minor);
  // A version with a table says whether its runtime starts with debug offsets; a newer one may.
  const runtimeModel = table?.models.runtime;
  const hasDebugOffsets = table === undefined || (runtimeModel?.kind === "runtime" && runtimeModel.debugOffsets);
  if (runtime !== undefined && hasDebugOffsets) {
    try {
      const header = reader.bytes(runtime, 16, "_Py_DebugOffsets");
      if (new TextDecoder().decode(header.subarray(0, 8)) === "xdebugpy") {
        fromDebug = layoutFromDebugOffsets(reader.bytes(runtime, 2048, "_Py_DebugOffsets"));
      }
    } catch (error) {
      if (!(error instanceof WalkError) && !LayoutFormatError.isInstance(error)) throw error;
      if (LayoutFormatError.isInstance(error) && error.code === "free_threaded") {
        // Objects and thread states of a free-threaded build have other headers: no table fits.
        throw new PythonError(
          `Python ${version.text} is a free-threaded build (Py_GIL_DISABLED, _Py_DebugOffsets.free_threaded set): corestack does not read free-threaded interpreters yet`,
          { code: "unsupported-version" },
        );
      }
      debugProblem = error.message;
      warnings.push(`_Py_DebugOffsets unreadable: ${error.message}`);
    }
  }
  if (options.layoutSource === "debug-offsets") {
    if (!fromDebug) throw new PythonError(`Python ${version.text}: no usable _Py_DebugOffsets in _PyRuntime`, { code: "unsupported-version" });
    return { layout: fromDebug, source: "debug offsets" };
  }
  if (table) {
    if (fromDebug) {
      const mismatches = compareLayouts(table, fromDebug);
      if (mismatches.length > 0) {
        // The interpreter describes itself: where it differs from the release headers (a debug
        // or custom build), its own description is the one to follow.
        warnings.push(
          `this Python ${version.text} build's layout differs from the ${table.source} (${mismatches.slice(0, 3).join("; ")}${mismatches.length > 3 ? `; ${mismatches.length - 3} more` : ""}): reading it from _Py_DebugOffsets (thread names unavailable)`,
        );
        return { layout: fromDebug, source: "debug offsets" };
      }
    } else if (options.debugBuild) {
      // Before 3.13 a debug build (Py_DEBUG, with Py_TRACE_REFS up to 3.7) has other object and
      // frame layouts than the release headers, and nothing in memory describes them.
      throw new PythonError(
        `Python ${version.text} is a debug build (Py_DEBUG): its struct layout differs from the release headers corestack's tables describe, and it has no _Py_DebugOffsets to read it from`,
        { code: "unsupported-version" },
      );
    }
    return { layout: table, source: "table" };
  }
  if (fromDebug) {
    warnings.push(
      `Python ${version.text} is newer than corestack's layout tables: its layout was read from the interpreter's own _Py_DebugOffsets (thread names unavailable)`,
    );
    return { layout: fromDebug, source: "debug offsets" };
  }
  const why = debugProblem === undefined ? "" : `, and its _Py_DebugOffsets cannot be used (${debugProblem})`;
  throw new PythonError(`Unsupported Python version ${version.text}: corestack has no struct layout for it${why}`, { code: "unsupported-version" });
}

function compareLayouts(table: PythonLayout, debug: AnyPythonLayout): string[] {
  const mismatches: string[] = [];
  const groups = ["PyThreadState", "PyInterpreterState", "_PyInterpreterFrame", "PyCodeObject", "_PyRuntimeState"] as const;
  for (const group of groups) {
    const a = (table as unknown as Record<string, Record<string, unknown> | undefined>)[group];
    const b = (debug as unknown as Record<string, Record<string, unknown> | undefined>)[group];
    if (!a || !b) continue;
    for (const [key, value] of Object.entries(b)) {
      if (typeof value === "number" && typeof a[key] === "number" && a[key] !== value) mismatches.push(`${group}.${key} ${String(a[key])} ≠ ${value}`);
    }
  }
  return mismatches;
}

function findInterpreters(
  target: PythonTarget,
  reader: Reader,
  layout: AnyPythonLayout,
  runtime: bigint | undefined,
  warnings: string[],
): bigint[] {
  let head: bigint | undefined;
  const model = layout.models.runtime;
  if (runtime !== undefined && model.kind === "runtime") {
    try {
      head = reader.ptr(runtime + BigInt(model.interpreters_head), "interpreters.head");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      throw new PythonError(`Cannot read the interpreter list: ${error.message}`, { code: "no-runtime", address: error.address });
    }
  } else {
    const interpHead = pythonSymbol(target, "interp_head");
    if (interpHead) {
      try {
        head = reader.ptr(interpHead.address, "interp_head");
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    if (head === undefined || head === 0n) {
      const current = pythonSymbol(target, "_PyThreadState_Current");
      if (current) {
        try {
          const tstate = reader.ptr(current.address, "_PyThreadState_Current");
          if (tstate !== 0n) head = reader.ptr(tstate + BigInt(layout.PyThreadState.interp), "thread's interpreter");
        } catch (error) {
          if (!(error instanceof WalkError)) throw error;
        }
      }
    }
  }
  if (runtime === undefined && head === undefined) {
    throw new PythonError(
      "Cannot find the Python runtime: no _PyRuntime, .PyRuntime section, interp_head or _PyThreadState_Current symbol (is the interpreter stripped?)",
      { code: "no-runtime" },
    );
  }
  if (head === undefined || head === 0n) {
    throw new PythonError("The Python runtime has no interpreter (not initialised yet, or already finalised)", { code: "no-runtime" });
  }
  const result: bigint[] = [];
  const seen = new Set<bigint>();
  let interp = head;
  while (interp !== 0n) {
    if (seen.has(interp)) {
      warnings.push(`the interpreter list loops back to 0x${interp.toString(16)}: read ${result.length} interpreters`);
      break;
    }
    if (result.length >= MAX_INTERPRETERS) {
      warnings.push(`more than ${MAX_INTERPRETERS} interpreters: the rest are not read`);
      break;
    }
    seen.add(interp);
    result.push(interp);
    try {
      interp = reader.ptr(interp + BigInt(layout.PyInterpreterState.next), "next interpreter");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      warnings.push(`the interpreter list ends early: ${error.message}`);
      break;
    }
  }
  return result;
}

function findGilHolder(
  target: PythonTarget,
  reader: Reader,
  layout: AnyPythonLayout,
  runtime: bigint | undefined,
  interpreters: readonly bigint[],
): { holder: bigint | undefined } {
  try {
    const gil = layout.models.gil;
    switch (gil.kind) {
      case "static": {
        const current = pythonSymbol(target, "_PyThreadState_Current");
        return { holder: current ? reader.ptr(current.address, "_PyThreadState_Current") : undefined };
      }
      case "runtime":
        if (runtime === undefined) return { holder: undefined };
        return { holder: reader.ptr(runtime + BigInt(gil.tstate_current), "gilstate.tstate_current") };
      case "interpreter": {
        // The GIL belongs to the main interpreter (interp->ceval.gil points to it). Without
        // interpreters.main (not in _Py_DebugOffsets): the main interpreter is the last of the list,
        // new ones are pushed at its head.
        const model = layout.models.runtime;
        if (runtime === undefined || model.kind !== "runtime") return { holder: undefined };
        const main = model.interpreters_main !== undefined ? reader.ptr(runtime + BigInt(model.interpreters_main), "interpreters.main") : interpreters.at(-1);
        if (main === undefined) return { holder: undefined };
        const state = reader.ptr(main + BigInt(gil.ceval_gil), "ceval.gil");
        const locked = reader.i32(state + BigInt(gil.locked), "gil.locked");
        const holder = reader.ptr(state + BigInt(gil.last_holder), "gil.last_holder");
        return { holder: locked !== 0 ? holder : 0n };
      }
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    return { holder: undefined };
  }
}

function isCollecting(target: PythonTarget, reader: Reader, layout: AnyPythonLayout, runtime: bigint | undefined, interp: bigint): boolean | undefined {
  try {
    const gc = layout.models.gc;
    switch (gc.kind) {
      case "interpreter":
        return reader.i32(interp + BigInt(gc.collecting), "gc.collecting") !== 0;
      case "runtime":
        return runtime === undefined ? undefined : reader.i32(runtime + BigInt(gc.collecting), "gc.collecting") !== 0;
      case "static": {
        const symbol = pythonSymbol(target, "collecting");
        return symbol ? reader.i32(symbol.address, "collecting") !== 0 : undefined;
      }
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    return undefined;
  }
}

interface CodeInfo {
  file: string;
  name: string;
  qualname: string | undefined;
  firstLine: number;
  table: Uint8Array;
  /** Bound of a valid `lasti`: bytecode bytes (≤ 3.9) or code units (3.10+). */
  codeSize: number;
}

const codeCache = new WeakMap<ObjectReader, Map<bigint, CodeInfo>>();

function readCode(objects: ObjectReader, code: bigint): CodeInfo {
  let cache = codeCache.get(objects);
  if (!cache) codeCache.set(objects, (cache = new Map()));
  const cached = cache.get(code);
  if (cached) return cached;
  const L = objects.layout;
  const r = objects.reader;
  objects.expectType(code, "code", "code object");
  const C = L.PyCodeObject;
  const file = objects.string(r.ptr(code + BigInt(C.co_filename), "co_filename"), "co_filename");
  const name = objects.string(r.ptr(code + BigInt(C.co_name), "co_name"), "co_name");
  const qualname = C.co_qualname !== undefined ? objects.string(r.ptr(code + BigInt(C.co_qualname), "co_qualname"), "co_qualname") : undefined;
  const firstLine = r.i32(code + BigInt(C.co_firstlineno), "co_firstlineno");
  if (firstLine < 0) throw new WalkError(`code object at 0x${code.toString(16)} has an implausible co_firstlineno ${firstLine}`, code);
  const model = L.models.code;
  const table = objects.bytes(r.ptr(code + BigInt(model.table), "line table"), "line table");
  // The bytecode's size bounds the instruction offset: co_code's bytes (lnotab: the offset counts
  // bytes; 3.10's linetable: 2-byte code units), or (locations) Py_SIZE(code), in code units.
  const bytecode = model.kind === "locations" ? code : r.ptr(code + BigInt(model.co_code), "co_code");
  const size = Number(r.i64(bytecode + BigInt(L.PyVarObject.ob_size), "bytecode size"));
  const codeSize = model.kind === "linetable" ? size / 2 : size;
  const info = { file, name, qualname, firstLine, table, codeSize };
  cache.set(code, info);
  return info;
}

function frameFromCode(objects: ObjectReader, code: bigint, info: CodeInfo, lasti: number): PythonFrame {
  const model = objects.layout.models.code;
  const base = { file: info.file, function: info.name, ...(info.qualname !== undefined ? { qualname: info.qualname } : {}), code };
  // A line table that walks below line 0 is corrupt: say so rather than print the number (-1 is "no line").
  const implausible = (line: number) => new WalkError(`line table of code object at 0x${code.toString(16)} gives line ${line}`, code);
  const checked = (line: number): number => {
    if (line > MAX_LINE) throw implausible(line);
    return line;
  };
  if (lasti < -1 || lasti > info.codeSize) {
    throw new WalkError(`instruction offset ${lasti} is outside code object at 0x${code.toString(16)} (size ${info.codeSize})`, code);
  }
  if (model.kind === "lnotab") {
    const line = lasti < 0 ? info.firstLine : lnotabLine(info.table, info.firstLine, lasti, model.signedLineSteps);
    if (line < 0) throw implausible(line);
    return { ...base, line: checked(line) };
  }
  if (model.kind === "linetable") {
    const line = lasti < 0 ? info.firstLine : linetable310Line(info.table, info.firstLine, lasti * 2);
    if (line < -1) throw implausible(line);
    return { ...base, line: checked(line < 0 ? info.firstLine : line) };
  }
  if (lasti < 0) return { ...base, line: checked(info.firstLine) };
  const location = locationTableEntry(info.table, info.firstLine, lasti);
  if (location.malformed) throw new WalkError(`malformed location table in code object at 0x${code.toString(16)}`, code);
  if (location.line < -1) throw implausible(location.line);
  if (location.line < 0) return { ...base, line: checked(info.firstLine) };
  return {
    ...base,
    line: checked(location.line),
    ...(location.column !== undefined ? { column: location.column } : {}),
    ...(location.endLine !== undefined ? { endLine: location.endLine } : {}),
    ...(location.endColumn !== undefined ? { endColumn: location.endColumn } : {}),
  };
}

/** What every thread's walk draws on: the frames and line-table bytes left, and lines decoded. */
interface WalkBudget {
  frames: number;
  lineTableBytes: number;
  /** Lines already decoded, by code object and instruction. */
  readonly lines: Map<string, PythonFrame>;
}

/** Where a thread's stack must end before it is decoded, and why. */
interface Cut {
  readonly frame: bigint;
  /** Its depth in the thread's chain (0: the innermost frame). */
  readonly depth: number;
  readonly message: string;
}

/** The frame a thread state's stack starts at (innermost). */
function topFrame(reader: Reader, layout: AnyPythonLayout, tstate: bigint): bigint {
  const frames = layout.models.frames;
  if (frames.kind === "frame_object") return reader.ptr(tstate + BigInt(frames.tstate_frame), "current frame");
  const start = frames.start;
  if (start.kind === "current_frame") return reader.ptr(tstate + BigInt(start.current_frame), "current frame");
  const cframe = reader.ptr(tstate + BigInt(start.cframe), "cframe");
  return cframe === 0n ? 0n : reader.ptr(cframe + BigInt(start.current_frame), "cframe.current_frame");
}

/** The frame that called `frame` (`f_back`, or `previous` from 3.11). */
function nextFrame(reader: Reader, layout: AnyPythonLayout, frame: bigint): bigint {
  const frames = layout.models.frames;
  return frames.kind === "frame_object"
    ? reader.ptr(frame + BigInt(frames.f_back), "f_back")
    : reader.ptr(frame + BigInt(frames.previous), "previous frame");
}

/**
 * Follows every thread's frame chain by its pointers alone, each frame once in all, and says where
 * each stack must end before its frames are decoded:
 * - at a frame another thread's chain reaches too — two threads cannot run one frame, so one of
 *   the chains is corrupt (or the core crafted), and which one cannot be told: both stacks end
 *   there, each naming the other thread. (Followed naively, 100 000 thread states sharing one
 *   100 000-frame chain would be 10^10 frames.)
 * - at the frame limit of all threads together; the threads after that one are not read;
 * - at a loop, and at the limit of one thread's frames.
 * A chain whose next pointer cannot be read is not cut here: decoding follows the same pointers
 * (topFrame, nextFrame), meets the same problem at the same frame, and says it.
 */
function chaseFrames(
  reader: Reader,
  layout: AnyPythonLayout,
  threads: readonly { readonly address: bigint; readonly tid: number | null }[],
  options: { maxFrames: number; budget: WalkBudget },
): { cuts: (Cut | undefined)[]; unread: number } {
  const { maxFrames, budget } = options;
  const cuts: (Cut | undefined)[] = [];
  /** Each frame chased: the first thread (index) whose chain reached it, and at what depth. */
  const reached = new Map<bigint, { thread: number; depth: number }>();
  const name = (index: number) => String(threads[index]?.tid ?? "?");
  const cutAt = (index: number, frame: bigint, depth: number, message: string) => {
    const existing = cuts[index];
    if (existing === undefined || depth < existing.depth) cuts[index] = { frame, depth, message };
  };
  for (let index = 0; index < threads.length; index++) {
    let frame: bigint;
    try {
      frame = topFrame(reader, layout, threads[index]!.address);
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      continue;
    }
    for (let depth = 0; frame !== 0n; depth++) {
      const first = reached.get(frame);
      if (first?.thread === index) {
        cutAt(index, frame, depth, "the frame chain loops");
        break;
      }
      // Every frame counts, printed or not (3.11+ shim frames owned by the C stack, 3.13+ frames
      // without code): a chain of them ends at the limit too.
      if (depth >= maxFrames) {
        cutAt(index, frame, depth, `more than ${maxFrames} frames`);
        break;
      }
      if (first !== undefined) {
        cutAt(index, frame, depth, `frame 0x${frame.toString(16)} is also on the stack of thread ${name(first.thread)}`);
        cutAt(first.thread, frame, first.depth, `frame 0x${frame.toString(16)} is also on the stack of thread ${name(index)}`);
        break;
      }
      if (budget.frames <= 0) {
        cutAt(index, frame, depth, "the frame limit of all threads together was reached");
        return { cuts, unread: threads.length - index - 1 };
      }
      budget.frames -= 1;
      reached.set(frame, { thread: index, depth });
      try {
        frame = nextFrame(reader, layout, frame);
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        break;
      }
    }
  }
  return { cuts, unread: 0 };
}

function walkFrames(
  reader: Reader,
  objects: ObjectReader,
  layout: AnyPythonLayout,
  tstate: bigint,
  options: { budget: WalkBudget; cut: Cut | undefined },
): { frames: PythonFrame[]; error?: { message: string; address: bigint } } {
  const { budget, cut } = options;
  const frames: PythonFrame[] = [];
  // The chain was followed already (chaseFrames), by the same pointers: it ends at 0, at an
  // unreadable pointer met again here, or at its cut (a loop, a limit, a frame of another
  // thread), found by depth: a loop's cut frame is also met once before, at a smaller depth.
  let depth = 0;
  const enter = (frame: bigint) => {
    if (cut !== undefined && depth === cut.depth) throw new WalkError(cut.message, frame);
    depth += 1;
  };
  const line = (code: bigint, info: CodeInfo, lasti: number): PythonFrame => {
    const key = `${code}:${lasti}`;
    const known = budget.lines.get(key);
    if (known) return known;
    if (budget.lineTableBytes < info.table.length) {
      throw new WalkError(`the line-table limit of all frames together was reached at code object 0x${code.toString(16)}`, code);
    }
    budget.lineTableBytes -= info.table.length;
    const result = frameFromCode(objects, code, info, lasti);
    budget.lines.set(key, result);
    return result;
  };
  let frame = 0n;
  const model = layout.models.frames;
  try {
    frame = topFrame(reader, layout, tstate);
    if (model.kind === "frame_object") {
      while (frame !== 0n) {
        enter(frame);
        objects.expectType(frame, "frame", "frame");
        const code = reader.ptr(frame + BigInt(model.f_code), "f_code");
        const info = readCode(objects, code);
        const lasti = reader.i32(frame + BigInt(model.f_lasti), "f_lasti");
        frames.push(line(code, info, lasti));
        frame = nextFrame(reader, layout, frame);
      }
    } else {
      const reference = model.reference;
      const untag = reference.kind === "tagged" ? ~BigInt(reference.tagBits) : ~0n;
      while (frame !== 0n) {
        enter(frame);
        const owner = reader.u8(frame + BigInt(model.owner), "frame owner");
        const next = nextFrame(reader, layout, frame);
        if (model.skipOwners.includes(owner)) {
          frame = next;
          continue;
        }
        const code = reader.ptr(frame + BigInt(model.executable), "frame code") & untag;
        // 3.13+: the executable is a code object or None; None frames are not Python frames
        // (anything else fails readCode's type check).
        if (reference.kind !== "code" && objects.typeName(code) === "NoneType") {
          frame = next;
          continue;
        }
        const info = readCode(objects, code);
        const instr = reader.ptr(frame + BigInt(model.instruction), "instruction pointer");
        const start = code + BigInt(model.co_code_adaptive);
        const lasti = Number((instr - start) / 2n);
        frames.push(line(code, info, lasti));
        frame = next;
      }
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    return { frames: frames.reverse(), error: { message: error.message, address: error.address } };
  }
  return { frames: frames.reverse() };
}

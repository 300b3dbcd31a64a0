import type { AnyPythonLayout } from "@corestack/cpython-layouts";
import { type Reader, WalkError } from "./_reader.js";
import type { PythonThread } from "./analyse.js";
import { isCollecting } from "./_runtime.js";
import type { PythonTarget } from "./python_target.js";
import type { ObjectReader } from "./read_objects.js";
import { readThreadNames } from "./thread_names.js";

// Every interpreter's thread states, with what they say of themselves (ids, name, GIL, GC), before
// any frame is read. Private to this package.

/** A thread found in a thread list; its frames are read later. @internal */
export type FoundThread = Omit<PythonThread, "frames" | "error">;

/**
 * Walks every interpreter's thread list, each thread state once in all (a list that loops, or
 * reaches another interpreter's threads, ends with a warning), up to `maxThreads` together.
 * @internal
 */
export function enumerateThreads(
  target: PythonTarget,
  objects: ObjectReader<AnyPythonLayout>,
  context: {
    readonly runtime: bigint | undefined;
    readonly interpreters: readonly bigint[];
    /** Per interpreter, the thread state holding its GIL (see findGilHolders). */
    readonly gilHolders: ReadonlyMap<bigint, bigint | undefined>;
    readonly maxThreads: number;
  },
  warnings: string[],
): FoundThread[] {
  const { runtime, interpreters, gilHolders, maxThreads } = context;
  const layout = objects.layout;
  const reader = objects.reader;
  const allThreads = new Set<bigint>();
  const threadOf = pthreadMatcher(target.threads());
  const found: FoundThread[] = [];
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
    const gilHolder = gilHolders.get(interp);
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
      let tid: number | null = threadOf(ident);
      if (layout.PyThreadState.native_thread_id !== undefined) {
        try {
          const native = Number(reader.i64(tstate + BigInt(layout.PyThreadState.native_thread_id), "native thread id"));
          if (native > 0) tid = native;
        } catch (error) {
          if (!(error instanceof WalkError)) throw error;
        }
      }
      const held = gilStatus(reader, layout, tstate, gilHolder);
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
  return found;
}

/**
 * Whether a thread holds its interpreter's GIL, waits for it (3.15+: the thread state's
 * `gil_requested`), or neither; "unknown" when the GIL state cannot be read. Before 3.15 nothing in
 * memory tells a waiting thread from one running without the GIL: both are "none".
 */
function gilStatus(reader: Reader, layout: AnyPythonLayout, tstate: bigint, holder: bigint | undefined): PythonThread["gil"] {
  if (holder === tstate) return "held";
  const model = layout.models.threadGil;
  if (model.kind === "gil_requested") {
    try {
      if (reader.i32(tstate + BigInt(model.gil_requested), "gil_requested") !== 0) return "waiting";
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
    }
  }
  return holder === undefined ? "unknown" : "none";
}

/**
 * The most bytes glibc's thread pointer on aarch64 lies above `pthread_self()`: there the thread
 * control block follows `struct pthread` (TLS_DTV_AT_TP), so the distance is
 * `sizeof(struct pthread)`, 0x740 in Debian 12's glibc 2.36 (its `pthread_self` is
 * `mrs x0, tpidr_el0; sub x0, x0, #0x740`) and under 0x800 in the versions since 2.17. Two threads'
 * control blocks are a thread stack apart, far more than this.
 */
const MAX_PTHREAD_SIZE = 0x1000n;

/**
 * Maps a thread state's `thread_id` (its `pthread_self()`) to the OS thread id of the thread whose
 * thread pointer register says so: x86-64's `fs_base` is `pthread_self()` itself (glibc's TCB is
 * the start of `struct pthread`, TLS_TCB_AT_TP); aarch64's `tpidr_el0` (from `NT_ARM_TLS`) is
 * `sizeof(struct pthread)` above it, a size that changes with glibc's version: the thread whose
 * `tpidr_el0` is the nearest above, within {@link MAX_PTHREAD_SIZE}. Which register a thread has
 * decides, never the machine running the analysis. @internal
 */
export function pthreadMatcher(
  threads: readonly { readonly tid: number; readonly registers: Readonly<Record<string, bigint>> }[],
): (ident: bigint) => number | null {
  const byFsBase = new Map<bigint, number>();
  const byTpidr: { pointer: bigint; tid: number }[] = [];
  for (const thread of threads) {
    const fs = thread.registers.fs_base;
    if (fs !== undefined && fs !== 0n) byFsBase.set(fs, thread.tid);
    const tpidr = thread.registers.tpidr_el0;
    if (tpidr !== undefined && tpidr !== 0n) byTpidr.push({ pointer: tpidr, tid: thread.tid });
  }
  byTpidr.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
  return (ident) => {
    const exact = byFsBase.get(ident);
    if (exact !== undefined) return exact;
    // The first thread pointer above ident (a binary search: a core may have 100 000 threads).
    let low = 0;
    let high = byTpidr.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (byTpidr[middle]!.pointer <= ident) low = middle + 1;
      else high = middle;
    }
    const above = byTpidr[low];
    return above !== undefined && above.pointer - ident <= MAX_PTHREAD_SIZE ? above.tid : null;
  };
}

import type { AnyPythonLayout } from "@corestack/cpython-layouts";
import { type Reader, StructHead, WalkError } from "./_reader.js";
import type { PythonFrame } from "./analyse.js";
import { type CodeInfo, frameFromCode, readCode } from "./_code_objects.js";
import type { ObjectReader } from "./read_objects.js";

// Thread states' frame chains: followed by pointers first (chaseFrames), then decoded
// (walkFrames). Private to this package.

/** What every thread's walk draws on: the frames and line-table bytes left, and lines decoded. */
export interface WalkBudget {
  frames: number;
  lineTableBytes: number;
  /** Lines already decoded, by code object and instruction. */
  readonly lines: Map<bigint, Map<number, PythonFrame>>;
}

/** Where a thread's stack must end before it is decoded, and why. */
export interface Cut {
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
  return frames.kind === "frame_object" ? reader.ptr(frame + BigInt(frames.f_back), "f_back") : reader.ptr(frame + BigInt(frames.previous), "previous frame");
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
/** @internal */
export function chaseFrames(
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

/** Decodes one thread's frames, outermost first, up to its cut. @internal */
export function walkFrames(
  reader: Reader,
  objects: ObjectReader,
  layout: AnyPythonLayout,
  tstate: bigint,
  options: {
    budget: WalkBudget;
    cut: Cut | undefined;
    /** Adds what a frame's variables hold (`--locals`), given the frame and its code object. */
    locals?: ((frame: bigint, code: bigint) => Pick<PythonFrame, "locals" | "localsError">) | undefined;
  },
): { frames: PythonFrame[]; error?: { message: string; address: bigint } } {
  const { budget, cut, locals } = options;
  // Lines are shared between frames (budget.lines); a frame with variables is its own object.
  const withLocals = (decoded: PythonFrame, frame: bigint, code: bigint): PythonFrame => (locals ? { ...decoded, ...locals(frame, code) } : decoded);
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
    // Keyed by code object, then offset: no key string made per frame (a 50 000-frame core made
    // 50 000 of them).
    let byOffset = budget.lines.get(code);
    const known = byOffset?.get(lasti);
    if (known) return known;
    if (budget.lineTableBytes < info.table.length) {
      throw new WalkError(`the line-table limit of all frames together was reached at code object 0x${code.toString(16)}`, code);
    }
    budget.lineTableBytes -= info.table.length;
    const result = frameFromCode(objects, code, info, lasti);
    if (byOffset === undefined) budget.lines.set(code, (byOffset = new Map()));
    byOffset.set(lasti, result);
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
        frames.push(withLocals(line(code, info, lasti), frame, code));
        frame = nextFrame(reader, layout, frame);
      }
    } else {
      const reference = model.reference;
      const untag = reference.kind === "tagged" ? ~BigInt(reference.tagBits) : ~0n;
      // 3.11: `is_entry` marks the first frame of each evaluation-loop call; from 3.12 the loop
      // pushes a shim frame (owned by the C stack / the interpreter, or without code) before it,
      // so the Python frame met just before a shim is an entry frame.
      const isEntry = layout._PyInterpreterFrame?.is_entry;
      const markEntry = () => {
        const last = frames[frames.length - 1];
        if (last !== undefined && last.entry !== true) frames[frames.length - 1] = { ...last, entry: true };
      };
      // A frame's fields in one read (StructHead): the furthest one read ends here.
      const headSize = Math.max(model.owner + 1, model.previous + 8, model.executable + 8, model.instruction + 8, isEntry === undefined ? 0 : isEntry + 1);
      while (frame !== 0n) {
        enter(frame);
        const head = new StructHead(reader, frame, headSize);
        const owner = head.u8(model.owner, "frame owner");
        const next = head.ptr(model.previous, "previous frame");
        if (model.skipOwners.includes(owner)) {
          markEntry();
          frame = next;
          continue;
        }
        const code = head.ptr(model.executable, "frame code") & untag;
        // 3.13+: the executable is a code object or None; None frames are not Python frames
        // (anything else fails readCode's type check).
        if (reference.kind !== "code" && objects.typeName(code) === "NoneType") {
          markEntry();
          frame = next;
          continue;
        }
        const info = readCode(objects, code);
        const instr = head.ptr(model.instruction, "instruction pointer");
        const start = code + BigInt(model.co_code_adaptive);
        const lasti = Number((instr - start) / 2n);
        const decoded = withLocals(line(code, info, lasti), frame, code);
        const entry = isEntry !== undefined && head.u8(isEntry, "is_entry") !== 0;
        frames.push(entry ? { ...decoded, entry: true } : decoded);
        frame = next;
      }
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    return { frames: frames.reverse(), error: { message: error.message, address: error.address } };
  }
  return { frames: frames.reverse() };
}

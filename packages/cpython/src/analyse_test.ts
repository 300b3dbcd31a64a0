import { layouts } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { MAX_LINE_TABLE_WORK, MAX_TOTAL_FRAMES, analyse } from "./analyse.js";
import { PythonError } from "./python_error.js";
import { TestMemory } from "./_test_memory.js";
import { TestObjects, runtime312, threadState312 } from "./_test_objects.js";

const L = layouts["3.12"];

/** Builds a minimal CPython 3.12 image: runtime → interpreter → threads → frames → code objects. */
function image(options: { frames: { file: string; name: string; firstLine: number; table: number[]; lasti: number }[]; threads?: number }) {
  const objects = new TestObjects(L);
  const m = objects.memory;
  const codeType = objects.type("code");
  const str = (text: string) => objects.str(text);
  const bytes = (data: number[]) => objects.bytes(data);
  const { interp } = runtime312(objects);
  const tstates: bigint[] = [];
  const frames: bigint[] = [];
  for (let t = 0; t < (options.threads ?? 1); t++) {
    const { tstate, cframe } = threadState312(objects, interp, t, tstates.at(-1));
    tstates.push(tstate);
    let previous = 0n;
    for (const f of options.frames) {
      const code = m.alloc(L.sizeof.PyCodeObject + 64);
      m.u64(code + BigInt(L.PyObject.ob_type), codeType);
      m.u64(code + BigInt(L.PyVarObject.ob_size), 32n); // Py_SIZE: code units after co_code_adaptive (the 64 spare bytes)
      m.u64(code + BigInt(L.PyCodeObject.co_filename), str(f.file));
      m.u64(code + BigInt(L.PyCodeObject.co_name), str(f.name));
      m.u64(code + BigInt(L.PyCodeObject.co_qualname!), str(f.name));
      m.u32(code + BigInt(L.PyCodeObject.co_firstlineno), f.firstLine);
      m.u64(code + BigInt(L.PyCodeObject.co_linetable!), bytes(f.table));
      const frame = m.alloc(L.sizeof._PyInterpreterFrame!);
      m.u64(frame + BigInt(L._PyInterpreterFrame.f_code!), code);
      m.u64(frame + BigInt(L._PyInterpreterFrame.previous), previous);
      m.u64(frame + BigInt(L._PyInterpreterFrame.prev_instr!), code + BigInt(L.PyCodeObject.co_code_adaptive!) + BigInt(f.lasti * 2));
      frames.push(frame);
      previous = frame;
    }
    m.u64(cframe + BigInt(L._PyCFrame!.current_frame), previous);
  }
  m.u64(interp + BigInt(L.PyInterpreterState.threads_head!), tstates[0]!);
  return { memory: m, tstates, frames };
}

// Location table: one entry "no column" (code 13) with line delta +1 covering 4 code units, then
// one with line delta +2 covering 4 more. 0xe8|3 = start bit, code 13, length 4; svarint(+1) = 2.
const TABLE = [0x80 | (13 << 3) | 3, 2, 0x80 | (13 << 3) | 3, 4];

describe("analyse() on a hand-built 3.12 image", () => {
  it("reads threads, frames (outermost first), files, names and lines", () => {
    const { memory } = image({
      threads: 2,
      frames: [
        { file: "/app/main.py", name: "<module>", firstLine: 1, table: TABLE, lasti: 1 },
        { file: "/app/lib.py", name: "work", firstLine: 10, table: TABLE, lasti: 5 },
      ],
    });
    const result = analyse(memory);
    expect(result.version.text).toBe("3.12.1");
    expect(result.threads.map((t) => t.tid)).toEqual([1000, 1001]);
    // The last frame pushed is the innermost: "work" was pushed second, so it is printed last.
    expect(result.threads[0]!.frames.map((f) => [f.file, f.function, f.line])).toEqual([
      ["/app/main.py", "<module>", 2],
      ["/app/lib.py", "work", 13],
    ]);
    expect(result.threads[0]!.error).toBeUndefined();
  });

  it("ends a thread's stack with an error at a frame chain cycle, keeping the other threads", () => {
    const { memory, frames } = image({
      threads: 2,
      frames: [
        { file: "/a.py", name: "f", firstLine: 1, table: TABLE, lasti: 0 },
        { file: "/a.py", name: "g", firstLine: 1, table: TABLE, lasti: 0 },
      ],
    });
    // First thread's outer frame points back to its inner frame: a loop.
    memory.u64(frames[0]! + BigInt(L._PyInterpreterFrame.previous), frames[1]!);
    const result = analyse(memory);
    expect(result.threads[0]!.error?.message).toMatch(/loops/);
    expect(result.threads[1]!.error).toBeUndefined();
    expect(result.threads[1]!.frames).toHaveLength(2);
  });

  it("does not print a frame whose code object is not a code object", () => {
    const { memory, frames } = image({ frames: [{ file: "/a.py", name: "f", firstLine: 1, table: TABLE, lasti: 0 }] });
    const bogus = memory.alloc(64);
    memory.u64(frames[0]! + BigInt(L._PyInterpreterFrame.f_code!), bogus);
    const result = analyse(memory);
    expect(result.threads[0]!.frames).toHaveLength(0);
    expect(result.threads[0]!.error?.message).toMatch(/NULL|cannot read|not a/);
  });

  it("ends the stack with an error, not a made-up line, at a malformed location table or a huge line", () => {
    const broken = image({ frames: [{ file: "/a.py", name: "f", firstLine: 1, table: [0x01, 0x02], lasti: 0 }] });
    expect(analyse(broken.memory).threads[0]!.error?.message).toMatch(/malformed location table/);
    const huge = image({ frames: [{ file: "/a.py", name: "f", firstLine: 1 << 25, table: TABLE, lasti: 0 }] });
    expect(analyse(huge.memory).threads[0]!.error?.message).toMatch(/gives line/);
  });

  it("reports a thread list that loops and a thread limit reached, keeping the threads read", () => {
    const { memory, tstates } = image({ threads: 3, frames: [{ file: "/a.py", name: "f", firstLine: 1, table: TABLE, lasti: 0 }] });
    memory.u64(tstates[2]! + BigInt(L.PyThreadState.next), tstates[0]!);
    const looped = analyse(memory);
    expect(looped.threads).toHaveLength(3);
    expect(looped.warnings.join("\n")).toMatch(/thread list of interpreter 0 loops back/);
    memory.u64(tstates[2]! + BigInt(L.PyThreadState.next), 0n);
    const limited = analyse(memory, { maxThreads: 2 });
    expect(limited.threads).toHaveLength(2);
    expect(limited.warnings.join("\n")).toMatch(/more than 2 threads/);
  });

  /** The address of the frame a thread state's stack starts at (3.12: through its _PyCFrame). */
  const topFrameSlot = (tstate: bigint, memory: TestMemory) => readU64(memory, tstate + BigInt(L.PyThreadState.cframe!)) + BigInt(L._PyCFrame!.current_frame);
  const readU64 = (memory: TestMemory, address: bigint) => new DataView(memory.read(address, 8).slice().buffer).getBigUint64(0, true);
  const FOUR = Array.from({ length: 4 }, (_, i) => ({ file: "/s.py", name: `f${i}`, firstLine: 1, table: TABLE, lasti: i }));

  it("ends every stack that reaches a frame another thread's stack reaches, naming that thread: each frame is read once", () => {
    // Crafted or corrupt: three thread states whose stacks are one chain. Followed naively,
    // 100 000 such threads over a 100 000-frame chain would make 10^10 frames. Which thread the
    // frame belongs to cannot be told, so no stack claims it.
    const { memory, tstates, frames } = image({ threads: 3, frames: FOUR });
    const top = frames[3]!; // thread 0's innermost frame
    for (const tstate of tstates.slice(1)) memory.u64(topFrameSlot(tstate, memory), top);
    const result = analyse(memory);
    expect(result.threads.map((t) => t.frames.length)).toEqual([0, 0, 0]);
    expect(result.threads.map((t) => t.error?.message)).toEqual(
      [1001, 1000, 1000].map((tid) => `frame 0x${top.toString(16)} is also on the stack of thread ${tid}`),
    );
  });

  for (const order of ["the corrupt thread first", "the corrupt thread second"] as const) {
    it(`ends both stacks where one chain joins the other (${order}), keeping the frames above the join`, () => {
      // Thread 0: f3 → f2 → f1 → f0; thread 1 (own frames g3 → g2 → g1 → g0) has g2's `previous`
      // pointing at f1. Whichever is walked first, neither prints the other's frames as its own.
      const { memory, tstates, frames } = image({ threads: 2, frames: FOUR });
      // The corrupt thread is thread 1 (tid 1001); the order says which is walked first.
      const [sound, corrupt] = [frames.slice(0, 4), frames.slice(4)];
      if (order === "the corrupt thread first") {
        const interp = readU64(memory, tstates[0]! + BigInt(L.PyThreadState.interp));
        memory.u64(interp + BigInt(L.PyInterpreterState.threads_head!), tstates[1]!);
        memory.u64(tstates[1]! + BigInt(L.PyThreadState.next), tstates[0]!);
        memory.u64(tstates[0]! + BigInt(L.PyThreadState.next), 0n);
      }
      const join = sound[1]!; // f1 of the sound thread
      memory.u64(corrupt[2]! + BigInt(L._PyInterpreterFrame.previous), join);
      const result = analyse(memory);
      expect(result.threads.map((t) => t.tid)).toEqual(order === "the corrupt thread first" ? [1001, 1000] : [1000, 1001]);
      const byTid = (tid: number) => result.threads.find((t) => t.tid === tid)!;
      // Both keep exactly the frames above the join: f3, f2 (printed outermost first).
      expect(byTid(1001).frames.map((f) => f.function)).toEqual(["f2", "f3"]);
      expect(byTid(1001).error?.message).toBe(`frame 0x${join.toString(16)} is also on the stack of thread 1000`);
      expect(byTid(1000).frames.map((f) => f.function)).toEqual(["f2", "f3"]);
      expect(byTid(1000).error?.message).toBe(`frame 0x${join.toString(16)} is also on the stack of thread 1001`);
    });
  }

  it("stops at the frame limit of all threads together: the thread it hits says so, the rest are not read, with a warning", () => {
    const { memory } = image({ threads: 3, frames: FOUR });
    const result = analyse(memory, { maxTotalFrames: 6 });
    expect(result.threads.map((t) => t.frames.length)).toEqual([4, 2]);
    expect(result.threads[1]!.error?.message).toBe("the frame limit of all threads together was reached");
    expect(result.warnings).toContain("the frame limit of all threads together (6) was reached: the threads after thread 1001 are not read");
    expect(MAX_TOTAL_FRAMES).toBe(1_000_000);
    const unlimited = analyse(memory);
    expect(unlimited.threads.map((t) => t.frames.length)).toEqual([4, 4, 4]);
  });

  it("decodes each code object and instruction once, and stops at the line-table limit of all frames together", () => {
    // Each frame of image() has a code object of its own, with the 4-byte TABLE.
    const { memory, frames } = image({ frames: FOUR });
    const limited = analyse(memory, { maxLineTableWork: 8 });
    // Innermost first: f3 and f2 are decoded (4 bytes each), f1 would pass the limit.
    expect(limited.threads[0]!.frames.map((f) => f.function)).toEqual(["f2", "f3"]);
    expect(limited.threads[0]!.error?.message).toMatch(/^the line-table limit of all frames together was reached at code object 0x/);
    // The same code object at the same instruction: decoded once, whatever the number of frames.
    const code = readU64(memory, frames[0]! + BigInt(L._PyInterpreterFrame.f_code!));
    const instruction = readU64(memory, frames[0]! + BigInt(L._PyInterpreterFrame.prev_instr!));
    for (const frame of frames) {
      memory.u64(frame + BigInt(L._PyInterpreterFrame.f_code!), code);
      memory.u64(frame + BigInt(L._PyInterpreterFrame.prev_instr!), instruction);
    }
    const recursion = analyse(memory, { maxLineTableWork: 4 });
    expect(recursion.threads[0]!.error).toBeUndefined();
    expect(recursion.threads[0]!.frames.map((f) => `${f.function}:${f.line}`)).toEqual(["f0:2", "f0:2", "f0:2", "f0:2"]);
    expect(MAX_LINE_TABLE_WORK).toBe(1 << 28);
  });

  it("reports a thread list that reaches another interpreter's thread state, and reads that thread once", () => {
    const { memory, tstates } = image({ threads: 2, frames: FOUR.slice(0, 1) });
    const runtime = memory.findSymbol("_PyRuntime")!.address;
    const first = readU64(memory, runtime + BigInt(L._PyRuntimeState!.interpreters_head));
    const second = memory.alloc(L.sizeof.PyInterpreterState);
    memory.u64(first + BigInt(L.PyInterpreterState.next), second);
    memory.u64(second + BigInt(L.PyInterpreterState.threads_head!), tstates[1]!);
    const result = analyse(memory);
    expect(result.threads).toHaveLength(2);
    expect(result.warnings).toContain(`the thread list of interpreter 0 reaches thread state 0x${tstates[1]!.toString(16)} of another interpreter`);
  });

  it("finds the runtime through a .PyRuntime section when no _PyRuntime symbol is exported", () => {
    const { memory } = image({ frames: [{ file: "/a.py", name: "f", firstLine: 1, table: TABLE, lasti: 0 }] });
    const runtime = memory.findSymbol("_PyRuntime")!.address;
    memory.forget("_PyRuntime");
    const module = memory.modules()[0] as { sectionAddress?: (name: string) => { address: bigint; size: number } | undefined };
    module.sectionAddress = (name) => (name === ".PyRuntime" ? { address: runtime, size: L.sizeof._PyRuntimeState! } : undefined);
    expect(analyse(memory).threads[0]!.frames.map((f) => f.function)).toEqual(["f"]);
  });

  it("stops at the frame limit with a visible error", () => {
    const { memory } = image({
      frames: Array.from({ length: 20 }, (_, i) => ({ file: "/r.py", name: `f${i}`, firstLine: 1, table: TABLE, lasti: 0 })),
    });
    const result = analyse(memory, { maxFrames: 5 });
    expect(result.threads[0]!.frames).toHaveLength(5);
    expect(result.threads[0]!.error?.message).toMatch(/more than 5 frames/);
  });

  it("names a version it has no layout for", () => {
    const { memory } = image({ frames: [] });
    const version = memory.findSymbol("Py_Version")!.address;
    memory.u32(version, 0x031000f0); // 3.16.0, and no _Py_DebugOffsets cookie in _PyRuntime
    expect(() => analyse(memory)).toThrowError(/Unsupported Python version 3\.16\.0/);
    memory.u32(version, 0x030500f0);
    expect(() => analyse(memory)).toThrowError(expect.objectContaining({ code: "unsupported-version" }));
  });

  it("refuses a debug build (Py_DEBUG) that has no _Py_DebugOffsets, naming it", () => {
    const { memory } = image({ frames: [] });
    expect(() => analyse(memory)).not.toThrow();
    // _Py_NegativeRefcount exists in Py_DEBUG (Py_REF_DEBUG) builds only.
    memory.symbol("_Py_NegativeRefcount", memory.alloc(16));
    expect(() => analyse(memory)).toThrowError(
      /^Python 3\.12\.\d+ is a debug build \(Py_DEBUG\): its struct layout differs from the release headers corestack's tables describe, and it has no _Py_DebugOffsets to read it from$/,
    );
    expect(() => analyse(memory)).toThrowError(expect.objectContaining({ code: "unsupported-version" }));
  });

  it("throws PythonError(not-python) when nothing looks like CPython", () => {
    const memory = new TestMemory();
    (memory.modules() as { path: string }[]).length = 0;
    expect(() => analyse(memory)).toThrowError(expect.objectContaining({ code: "not-python" }));
    try {
      analyse(memory);
    } catch (error) {
      expect(PythonError.isInstance(error)).toBe(true);
    }
  });
});

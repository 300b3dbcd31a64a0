import { DEBUG_OFFSETS_FIELDS, type DebugOffsetsLayout, layouts } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { analyse } from "./analyse.js";
import { TestMemory } from "./_test_memory.js";

// A CPython 3.15 process image whose _PyRuntime starts with a real-shaped _Py_DebugOffsets. The
// image's structs are laid out with the 3.15 table (that is what the process would have); the
// point is what analyse() reads them with. Given a later version number, it stands for a Python
// newer than every table whose debug offsets keep 3.15's struct.
const L = layouts["3.15"];

/** Offset of a `_Py_DebugOffsets` member ("thread_state.next") in the 3.15 struct. */
function memberAt(path: string): number {
  const [section = "", member] = path.split(".");
  const struct: DebugOffsetsLayout = L._Py_DebugOffsets;
  const value = struct[section];
  const offset = typeof value === "number" ? value : value?.[member ?? ""];
  if (offset === undefined) throw new Error(`no _Py_DebugOffsets.${path}`);
  return offset;
}

/** The value the 3.13 table gives to a field ("PyThreadState", "next"). */
function tableValue(group: string, field: string): number {
  const value = (L as unknown as Record<string, Record<string, number>>)[group]?.[field];
  if (value === undefined) throw new Error(`3.15 table has no ${group}.${field}`);
  return value;
}

// Location table: two "no column" entries of 4 code units, line +1 then +2 (see analyse_test.ts).
const TABLE = [0x80 | (13 << 3) | 3, 2, 0x80 | (13 << 3) | 3, 4];

/**
 * Two interpreters — a subinterpreter at the head of the list, the main one last, as CPython
 * links them — each with threads running two Python frames over a C-stack shim frame. The main
 * interpreter's GIL is held by its second thread; the subinterpreter has its own, free, GIL.
 */
function image(options: { hexversion: number; shimOwner: number; freeThreaded?: boolean }) {
  const m = new TestMemory();
  const type = (name: string) => {
    const t = m.alloc(L.sizeof.PyTypeObject);
    const n = m.alloc(name.length + 1);
    m.set(n, new TextEncoder().encode(name));
    m.u64(t + BigInt(L.PyTypeObject.tp_name), n);
    return t;
  };
  const types = { str: type("str"), bytes: type("bytes"), code: type("code"), none: type("NoneType") };
  const none = m.alloc(L.sizeof.PyObject);
  m.u64(none + BigInt(L.PyObject.ob_type), types.none);
  const str = (text: string) => {
    const o = m.alloc(L.sizeof.PyASCIIObject + text.length + 1);
    m.u64(o + BigInt(L.PyObject.ob_type), types.str);
    m.u64(o + BigInt(L.PyASCIIObject.length), BigInt(text.length));
    const s = L.PyASCIIObject_state;
    m.u32(o + BigInt(L.PyASCIIObject.state), (1 << s.kind.bit) | (1 << s.compact.bit) | (1 << s.ascii.bit));
    m.set(o + BigInt(L.sizeof.PyASCIIObject), new TextEncoder().encode(text));
    return o;
  };
  const bytes = (data: number[]) => {
    const o = m.alloc(L.PyBytesObject.ob_sval + data.length + 1);
    m.u64(o + BigInt(L.PyObject.ob_type), types.bytes);
    m.u64(o + BigInt(L.PyVarObject.ob_size), BigInt(data.length));
    m.set(o + BigInt(L.PyBytesObject.ob_sval), new Uint8Array(data));
    return o;
  };
  const code = (file: string, name: string, firstLine: number) => {
    const o = m.alloc(L.sizeof.PyCodeObject + 64);
    m.u64(o + BigInt(L.PyObject.ob_type), types.code);
    m.u64(o + BigInt(L.PyVarObject.ob_size), 32n);
    m.u64(o + BigInt(L.PyCodeObject.co_filename), str(file));
    m.u64(o + BigInt(L.PyCodeObject.co_name), str(name));
    m.u64(o + BigInt(L.PyCodeObject.co_qualname), str(name));
    m.u32(o + BigInt(L.PyCodeObject.co_firstlineno), firstLine);
    m.u64(o + BigInt(L.PyCodeObject.co_linetable), bytes(TABLE));
    return o;
  };
  const main = code("/app/main.py", "<module>", 1);
  const work = code("/app/lib.py", "work", 10);

  const runtime = m.alloc(L.sizeof._PyRuntimeState);
  m.symbol("_PyRuntime", runtime);
  const version = m.alloc(4);
  m.u32(version, options.hexversion);
  m.symbol("Py_Version", version);
  // _Py_DebugOffsets at the start of _PyRuntime, as CPython initialises it.
  m.set(runtime, new TextEncoder().encode("xdebugpy"));
  m.u64(runtime + BigInt(memberAt("version")), BigInt(options.hexversion));
  for (const { from, group, field, relativeTo } of DEBUG_OFFSETS_FIELDS) {
    let value = tableValue(group, field);
    if (relativeTo !== undefined) {
      const origin = DEBUG_OFFSETS_FIELDS.find((entry) => entry.from === relativeTo);
      value += tableValue(origin?.group ?? "", origin?.field ?? "");
    }
    m.u64(runtime + BigInt(memberAt(from)), BigInt(value));
  }
  // Sections corestack maps no field from (set_object, gen_object, …) still carry their size.
  for (const [section, members] of Object.entries(L._Py_DebugOffsets as DebugOffsetsLayout)) {
    const size = typeof members === "object" ? members["size"] : undefined;
    if (size !== undefined && !DEBUG_OFFSETS_FIELDS.some((entry) => entry.from === `${section}.size`)) m.u64(runtime + BigInt(size), 4096n);
  }
  if (options.freeThreaded) m.u64(runtime + BigInt(memberAt("free_threaded")), 1n);
  // No interpreters.main: it is not in _Py_DebugOffsets (a table reader would find the main one there).
  const interpreters: bigint[] = [];
  const tstates: bigint[] = [];
  for (const [id, tids] of [
    [1, [2001]],
    [0, [1000, 1001]],
  ] as const) {
    const interp = m.alloc(L.sizeof.PyInterpreterState);
    m.u64(interp + BigInt(L.PyInterpreterState.id), BigInt(id));
    m.u64(interp + BigInt(L.PyInterpreterState.ceval_gil), interp + BigInt(L.PyInterpreterState._gil));
    if (interpreters.length > 0) m.u64(interpreters.at(-1)! + BigInt(L.PyInterpreterState.next), interp);
    interpreters.push(interp);
    let previousThread = 0n;
    for (const tid of tids) {
      const tstate = m.alloc(L.sizeof.PyThreadState);
      m.u64(tstate + BigInt(L.PyThreadState.interp), interp);
      m.u64(tstate + BigInt(L.PyThreadState.native_thread_id), BigInt(tid));
      m.u64(tstate + BigInt(L.PyThreadState.thread_id), BigInt(0x7f0000 + tid));
      if (previousThread === 0n) m.u64(interp + BigInt(L.PyInterpreterState.threads_head), tstate);
      else m.u64(previousThread + BigInt(L.PyThreadState.next), tstate);
      previousThread = tstate;
      tstates.push(tstate);
      // The interpreter's entry frame first (outermost), which runs no code (f_executable None,
      // tagged as a _PyStackRef may be), then main, then work.
      const shim = m.alloc(L.sizeof._PyInterpreterFrame);
      m.u8(shim + BigInt(L._PyInterpreterFrame.owner), options.shimOwner);
      m.u64(shim + BigInt(L._PyInterpreterFrame.f_executable), none | 1n);
      let previous = shim;
      for (const [object, lasti] of [
        [main, 1],
        [work, 5],
      ] as const) {
        const frame = m.alloc(L.sizeof._PyInterpreterFrame);
        m.u64(frame + BigInt(L._PyInterpreterFrame.f_executable), object | 1n); // a deferred reference's tag
        m.u64(frame + BigInt(L._PyInterpreterFrame.previous), previous);
        m.u64(frame + BigInt(L._PyInterpreterFrame.instr_ptr), object + BigInt(L.PyCodeObject.co_code_adaptive) + BigInt(lasti * 2));
        previous = frame;
      }
      m.u64(tstate + BigInt(L.PyThreadState.current_frame), previous);
    }
  }
  m.u64(runtime + BigInt(L._PyRuntimeState.interpreters_head), interpreters[0]!);
  // The main interpreter's GIL is held by thread 1001; the subinterpreter's own GIL is free.
  const mainGil = interpreters[1]! + BigInt(L.PyInterpreterState._gil);
  m.u32(mainGil + BigInt(L._gil_runtime_state.locked), 1);
  m.u64(mainGil + BigInt(L._gil_runtime_state.last_holder), tstates[2]!);
  return { memory: m, runtime, interpreters };
}

const STACK = [
  ["/app/main.py", "<module>", 2],
  ["/app/lib.py", "work", 13],
];

describe("analyse() from _Py_DebugOffsets alone", () => {
  it("reads a 3.16 image, newer than every table, from its _Py_DebugOffsets: frames, GIL from the last interpreter, no names, one warning", () => {
    // No frame owners are known for 3.16: the entry frame is told apart by its None executable.
    const { memory } = image({ hexversion: 0x031000f0, shimOwner: 3 });
    const result = analyse(memory);
    expect(result.version.text).toBe("3.16.0");
    expect(result.layoutSource).toBe("debug offsets");
    expect(result.warnings).toEqual([
      "Python 3.16.0 is newer than corestack's layout tables: its layout was read from the interpreter's own _Py_DebugOffsets (thread names unavailable)",
    ]);
    expect(result.threads.map((t) => [t.tid, t.interpreter, t.gil, t.name])).toEqual([
      [2001, 1, "none", null],
      [1000, 0, "none", null],
      [1001, 0, "held", null],
    ]);
    for (const thread of result.threads) {
      expect(thread.error).toBeUndefined();
      expect(thread.frames.map((f) => [f.file, f.function, f.line])).toEqual(STACK);
    }
  });

  it("reads a 3.15 image the same way with layoutSource debug-offsets, without a warning", () => {
    const { memory } = image({ hexversion: 0x030f02f0, shimOwner: 3 });
    const result = analyse(memory, { layoutSource: "debug-offsets" });
    expect(result.layoutSource).toBe("debug offsets");
    expect(result.warnings).toEqual([]);
    expect(result.threads.map((t) => [t.tid, t.gil, t.name, t.frames.length])).toEqual([
      [2001, "none", null, 2],
      [1000, "none", null, 2],
      [1001, "held", null, 2],
    ]);
  });

  it("refuses a 3.16 whose _Py_DebugOffsets does not fit the newest known struct layout, naming the version", () => {
    const { memory, runtime } = image({ hexversion: 0x031000f0, shimOwner: 3 });
    memory.u64(runtime + BigInt(memberAt("thread_state.size")), 0n);
    expect(() => analyse(memory)).toThrowError(
      /^Unsupported Python version 3\.16\.0: corestack has no struct layout for it, and its _Py_DebugOffsets cannot be used \(Cannot read _Py_DebugOffsets of CPython 3\.16\.0 with the struct layout of 3\.15, the newest known: thread_state\.size .*; its layout differs\)$/,
    );
    expect(() => analyse(memory)).toThrowError(expect.objectContaining({ code: "unsupported-version" }));
  });

  it("reads a 3.15 image with its table, and follows the interpreter's own description where the two disagree", () => {
    const { memory, runtime } = image({ hexversion: 0x030f02f0, shimOwner: 3 });
    const agreed = analyse(memory);
    expect(agreed.layoutSource).toBe("table");
    expect(agreed.warnings).toEqual([]);
    expect(agreed.threads.map((t) => t.tid)).toEqual([2001, 1000, 1001]);
    // A build whose thread states keep native_thread_id elsewhere (as a custom or debug build may):
    // the debug offsets say where, and the thread ids written there are the ones read.
    const moved = tableValue("PyThreadState", "datastack_chunk");
    memory.u64(runtime + BigInt(memberAt("thread_state.native_thread_id")), BigInt(moved));
    memory.u64(runtime + BigInt(memberAt("thread_state.datastack_chunk")), BigInt(tableValue("PyThreadState", "native_thread_id")));
    const interps = analyse(memory).threads.map((t) => t.address);
    interps.forEach((tstate, i) => memory.u64(tstate + BigInt(moved), BigInt(5000 + i)));
    const result = analyse(memory);
    expect(result.layoutSource).toBe("debug offsets");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^this Python 3\.15\.2 build's layout differs from the CPython 3\.15\.\d+ headers \(PyThreadState\.native_thread_id \d+ ≠ \d+; PyThreadState\.datastack_chunk \d+ ≠ \d+\): reading it from _Py_DebugOffsets \(thread names unavailable\)$/,
    );
    expect(result.threads.map((t) => t.tid)).toEqual([5000, 5001, 5002]);
  });

  it("refuses a free-threaded build by its debug offsets' flag, naming it", () => {
    for (const hexversion of [0x030f02f0, 0x031000f0]) {
      const { memory } = image({ hexversion, shimOwner: 3, freeThreaded: true });
      expect(() => analyse(memory)).toThrowError(
        /is a free-threaded build \(Py_GIL_DISABLED, _Py_DebugOffsets\.free_threaded set\): corestack does not read free-threaded interpreters yet$/,
      );
      expect(() => analyse(memory)).toThrowError(expect.objectContaining({ code: "unsupported-version" }));
    }
  });
});

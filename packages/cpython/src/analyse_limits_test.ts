// Limits of analyse() against crafted cores: work must grow with what the core holds, not with a
// product of per-item limits over one shared object.
import { layouts } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { analyse } from "./analyse.js";
import type { PythonTarget } from "./python_target.js";
import { Reader } from "./_reader.js";
import { MAX_BYTES_READ, MAX_STRING_CHARACTERS, ObjectReader } from "./read_objects.js";
import { TestObjects, runtime312, threadState312 } from "./_test_objects.js";

const L = layouts["3.12"];
const I = L._PyInterpreterFrame;
// One location-table entry: no column, line +1, 4 code units.
const TABLE = [0x80 | (13 << 3) | 3, 2];

/** A 3.12 image: `threads` thread states, each with one Python frame, whose tops are given by `top`. */
function image(threads: number) {
  const objects = new TestObjects(L);
  const m = objects.memory;
  const { interp } = runtime312(objects);
  const tstates: bigint[] = [];
  const cframes: bigint[] = [];
  for (let t = 0; t < threads; t++) {
    const { tstate, cframe } = threadState312(objects, interp, t, tstates.at(-1));
    tstates.push(tstate);
    cframes.push(cframe);
  }
  m.u64(interp + BigInt(L.PyInterpreterState.threads_head!), tstates[0]!);
  /** A code object (with `str` objects given by address, or made from text). */
  const code = (file: bigint, name: bigint) => {
    const c = m.alloc(L.sizeof.PyCodeObject + 64);
    m.u64(c + BigInt(L.PyObject.ob_type), objects.type("code"));
    m.u64(c + BigInt(L.PyVarObject.ob_size), 32n);
    m.u64(c + BigInt(L.PyCodeObject.co_filename), file);
    m.u64(c + BigInt(L.PyCodeObject.co_name), name);
    m.u64(c + BigInt(L.PyCodeObject.co_qualname!), name);
    m.u32(c + BigInt(L.PyCodeObject.co_firstlineno), 1);
    m.u64(c + BigInt(L.PyCodeObject.co_linetable!), objects.bytes(TABLE));
    return c;
  };
  /** A Python frame running `c`, calling into `previous`. */
  const frame = (c: bigint, previous: bigint) => {
    const f = m.alloc(L.sizeof._PyInterpreterFrame!);
    m.u64(f + BigInt(I.f_code!), c);
    m.u64(f + BigInt(I.previous), previous);
    m.u64(f + BigInt(I.prev_instr!), c + BigInt(L.PyCodeObject.co_code_adaptive!));
    return f;
  };
  const setTop = (thread: number, f: bigint) => m.u64(cframes[thread]! + BigInt(L._PyCFrame!.current_frame), f);
  return { objects, memory: m, tstates, code, frame, setTop };
}

/** Counts the reads of a target. */
function counted(target: PythonTarget): { target: PythonTarget; reads: () => number } {
  let reads = 0;
  const wrapped: PythonTarget = {
    read: (address, length) => {
      reads++;
      return target.read(address, length);
    },
    findSymbol: (name, options) => target.findSymbol(name, options),
    modules: () => target.modules(),
    threads: () => target.threads(),
  };
  return { target: wrapped, reads: () => reads };
}

/** `count` shim frames owned by the C stack (FRAME_OWNED_BY_CSTACK), packed in one allocation, chained, the last calling `last`. */
function cstackChain(memory: ReturnType<typeof image>["memory"], count: number, last: bigint): bigint[] {
  const size = L.sizeof._PyInterpreterFrame!;
  const base = memory.alloc(count * size);
  const frames = Array.from({ length: count }, (_, i) => base + BigInt(i * size));
  for (let i = 0; i < count; i++) {
    memory.u8(frames[i]! + BigInt(I.owner), L.constants.FRAME_OWNED_BY_CSTACK!);
    memory.u64(frames[i]! + BigInt(I.previous), i + 1 < count ? frames[i + 1]! : last);
  }
  return frames;
}

describe("analyse() limits against crafted cores", () => {
  it("counts frames owned by the C stack against the frame limit of a thread", () => {
    // 3.11+ shim frames are skipped, not printed; a chain of them must still end at the limit
    // (the chase of every chain counts them), not run on as long as the chain does.
    const { memory, code, frame, setTop } = image(1);
    const python = frame(code(new TestObjects(L, memory).str("/a.py"), new TestObjects(L, memory).str("f")), 0n);
    const shims = cstackChain(memory, 3000, python);
    setTop(0, shims[0]!);
    const result = analyse(memory, { maxFrames: 1000 });
    expect(result.threads[0]!.frames).toHaveLength(0);
    expect(result.threads[0]!.error?.message).toBe("more than 1000 frames");
  });

  it("reads each frame of a long C-stack chain entered by many threads a bounded number of times", () => {
    // 20 threads entering one 20 000-frame chain of shim frames 1 000 apart: the chase stops each
    // at 1 000 frames (disjoint, so no sharing is seen); the walk must stop there too, not follow
    // the chain to its end from every thread (20 × 10 000 frames on average).
    const threads = 20;
    const { memory, setTop } = image(threads);
    const shims = cstackChain(memory, threads * 1000, 0n);
    for (let t = 0; t < threads; t++) setTop(t, shims[t * 1000]!);
    const { target, reads } = counted(memory);
    const result = analyse(target, { maxFrames: 1000 });
    // Every thread but the last (whose 1 000 frames end the chain) meets its limit.
    expect(result.threads.map((t) => t.error?.message)).toEqual([...Array.from({ length: threads - 1 }, () => "more than 1000 frames"), undefined]);
    // Two reads per shim frame in the chase and in the walk: about 4 × 20 000, not 200 000+.
    expect(reads()).toBeLessThan(threads * 1000 * 5);
  });
});

describe("analyse() against one string shared by many objects", () => {
  it("decodes a str that every code object names once, not once per code object", () => {
    // 500 frames, each with a code object of its own, all naming one 65 536-character str as
    // file, name and qualname. Decoded per code object that is 500 × 3 × 64 KiB read and kept;
    // at the 2 million frames a core may have, 400 GB.
    const { objects, memory, code, frame, setTop } = image(1);
    const long = objects.str("x".repeat(1 << 16));
    let previous = 0n;
    for (let i = 0; i < 500; i++) previous = frame(code(long, long), previous);
    setTop(0, previous);
    let bytesRead = 0;
    const target: PythonTarget = {
      read: (address, length) => {
        bytesRead += length;
        return memory.read(address, length);
      },
      findSymbol: (name) => memory.findSymbol(name),
      modules: () => memory.modules(),
      threads: () => memory.threads(),
    };
    const result = analyse(target);
    expect(result.threads[0]!.frames).toHaveLength(500);
    // Shown cut (names.ts): its first 4 096 characters and a mark.
    expect(result.threads[0]!.frames[0]!.file).toBe(`${"x".repeat(4096)}\\…[+${(1 << 16) - 4096} characters]`);
    expect(bytesRead).toBeLessThan(4 << 20);
  });
});

describe("ObjectReader.string() limit", () => {
  it("stops at the characters limit of all strings together with a WalkError naming it, and answers decoded strings still", () => {
    const objects = new TestObjects(L);
    const strings = ["a", "b", "c", "d"].map((c) => objects.str(c.repeat(10)));
    const reader = new ObjectReader(new Reader(objects.memory), L, { maxStringCharacters: 25 });
    expect(strings.slice(0, 3).map((s) => reader.string(s, "co_name"))).toEqual(["a", "b", "c"].map((c) => c.repeat(10)));
    expect(() => reader.string(strings[3]!, "co_name")).toThrowError(
      `the string limit of all objects together was reached at co_name 0x${strings[3]!.toString(16)}`,
    );
    expect(reader.string(strings[0]!, "co_name")).toBe("a".repeat(10));
    expect(MAX_STRING_CHARACTERS).toBe(1 << 26);
  });
});

describe("analyse() against one bytes object shared by many code objects", () => {
  it("reads a line table that every code object names once, not once per code object", () => {
    // 100 threads, each running a code object of its own, all with one 1 MiB line table (a read
    // spanning two segments of a core is a copy: 100 000 threads over 4 MiB would be 400 GB kept).
    const threads = 100;
    const { objects, memory, code, frame, setTop } = image(threads);
    const table = objects.bytes([...TABLE, ...new Array<number>((1 << 20) - TABLE.length).fill(0x80 | (13 << 3) | 3)]);
    const file = objects.str("/a.py");
    for (let t = 0; t < threads; t++) {
      const c = code(file, file);
      memory.u64(c + BigInt(L.PyCodeObject.co_linetable!), table);
      setTop(t, frame(c, 0n));
    }
    let bytesRead = 0;
    const target: PythonTarget = {
      read: (address, length) => {
        bytesRead += length;
        return memory.read(address, length).slice(); // as a core copies a range over two segments
      },
      findSymbol: (name) => memory.findSymbol(name),
      modules: () => memory.modules(),
      threads: () => memory.threads(),
    };
    const result = analyse(target);
    expect(result.threads.map((t) => t.frames.length)).toEqual(new Array(threads).fill(1));
    expect(bytesRead).toBeLessThan(8 << 20);
  });
});

describe("ObjectReader.bytes() limit", () => {
  it("stops at the bytes limit of all objects together with a WalkError naming it", () => {
    const objects = new TestObjects(L);
    const tables = [1, 2, 3].map((n) => objects.bytes(new Array<number>(10).fill(n)));
    const reader = new ObjectReader(new Reader(objects.memory), L, { maxBytes: 15 });
    expect(reader.bytes(tables[0]!, "line table")).toHaveLength(10);
    expect(reader.bytes(tables[1]!, "line table")).toHaveLength(10);
    expect(() => reader.bytes(tables[2]!, "line table")).toThrowError(
      `the bytes limit of all objects together was reached at line table 0x${tables[2]!.toString(16)}`,
    );
    expect(MAX_BYTES_READ).toBe(1 << 28);
  });
});

import { layouts } from "@corestack/cpython-layouts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_SCAN_CANDIDATES, analyse } from "./analyse.js";
import { PythonError } from "./python_error.js";
import { TestObjects, runtime312, threadState312 } from "./_test_objects.js";

const L = layouts["3.12"];

/**
 * A 3.12 image whose runtime no symbol names (as a stripped interpreter without section headers):
 * an interpreter with `threads` thread states, sys and builtins dicts, and the runtime that lists it.
 */
function hiddenImage(threads = 2) {
  const objects = new TestObjects(L);
  const m = objects.memory;
  const { runtime, interp } = runtime312(objects);
  m.forget("_PyRuntime");
  m.forget("Py_Version");
  m.u64(interp + BigInt(L.PyInterpreterState.sysdict), objects.dict([]));
  m.u64(interp + BigInt(L.PyInterpreterState.builtins), objects.dict([]));
  const tstates: bigint[] = [];
  for (let t = 0; t < threads; t++) {
    const { tstate } = threadState312(objects, interp, t, tstates.at(-1));
    if (tstates.length > 0) m.u64(tstate + BigInt(L.PyThreadState.prev!), tstates.at(-1)!);
    tstates.push(tstate);
  }
  m.u64(interp + BigInt(L.PyInterpreterState.threads_head!), tstates[0]!);
  return { objects, memory: m, runtime, interp, tstates };
}

describe("analyse() with exhaustive: the interpreter state found by scanning memory", () => {
  it("without it: a no-runtime PythonError that says a scan may help", () => {
    const { memory } = hiddenImage();
    let caught: unknown;
    try {
      analyse(memory);
    } catch (error) {
      caught = error;
    }
    expect(PythonError.isInstance(caught) && caught.code === "no-runtime" && caught.scannable).toBe(true);
  });

  it("finds the interpreter, its threads and the runtime, and the micro version from the version string", () => {
    const { memory, runtime, interp } = hiddenImage(3);
    const version = memory.alloc(64);
    memory.set(version, new TextEncoder().encode("3.12.7 (main, Jan  1 2030, 00:00:00) [GCC]\0"));
    const progress: [number, number][] = [];
    const result = analyse(memory, { exhaustive: { regions: memory.scanRegions(), progress: (scanned, total) => progress.push([scanned, total]) } });
    expect(result.threads.map((t) => t.tid)).toEqual([1000, 1001, 1002]);
    expect(result.scan?.interpreter).toBe(interp);
    expect(result.scan?.runtime).toBe(runtime);
    expect(result.version.text).toBe("3.12.7");
    expect(result.version.from).toBe("version string");
    expect(result.warnings).toEqual([]);
    expect(progress.at(-1)).toEqual([result.scan!.scannedBytes, result.scan!.scannedBytes]);
  });

  it("refuses an interpreter whose thread list does not link back, naming why", () => {
    const { memory, tstates } = hiddenImage(2);
    memory.u64(tstates[1]! + BigInt(L.PyThreadState.prev!), 0n);
    expect(() => analyse(memory, { exhaustive: { regions: memory.scanRegions() } })).toThrow(
      new RegExp(
        `^The exhaustive scan of [\\d.]+ MiB of writable memory found no valid Python 3\\.12 interpreter state \\(1 candidates checked; rejected: 0x[0-9a-f]+: thread state 0x${tstates[1]!.toString(16)} does not link back to 0x${tstates[0]!.toString(16)}\\)$`,
      ),
    );
  });

  it("refuses a candidate whose sysdict is not a dict", () => {
    const { memory, objects, interp } = hiddenImage(1);
    memory.u64(interp + BigInt(L.PyInterpreterState.sysdict), objects.str("not a dict"));
    expect(() => analyse(memory, { exhaustive: { regions: memory.scanRegions() } })).toThrow(
      /rejected: 0x[0-9a-f]+: sysdict at 0x[0-9a-f]+ is a 'str', not a 'dict'\)$/,
    );
  });

  it("checks at most MAX_SCAN_CANDIDATES candidates, and says so", () => {
    const { memory, interp: real } = hiddenImage(1);
    // Pairs of words that point at each other as interp->threads.head and tstate->interp do,
    // with nothing else of an interpreter: one more than the limit, none valid.
    const head = L.models.threadList.head;
    const back = L.PyThreadState.interp;
    const count = MAX_SCAN_CANDIDATES + 1;
    const block = memory.alloc(count * 32 + head + 64);
    for (let k = 0; k < count; k++) {
      const interp = block + BigInt(k * 32);
      const tstate = interp + BigInt(head + 8 - back);
      memory.u64(interp + BigInt(head), tstate);
      memory.u64(tstate + BigInt(back), interp);
    }
    // The real interpreter lies below the block: it is among the candidates checked, and found.
    const result = analyse(memory, { exhaustive: { regions: memory.scanRegions() } });
    expect(result.scan?.interpreter).toBe(real);
    expect(result.scan?.candidates).toBe(MAX_SCAN_CANDIDATES);
    expect(result.warnings).toContain(`the exhaustive scan found more than ${MAX_SCAN_CANDIDATES} interpreter-state candidates: the others were not checked`);
  });

  it("refuses two interpreter states that cannot be told apart", () => {
    const { objects, memory, interp, tstates } = hiddenImage(1);
    // A copy of the interpreter's checked fields with a copy of its thread state.
    const decoy = memory.alloc(L.sizeof.PyInterpreterState);
    const { tstate } = threadState312(objects, decoy, 0);
    memory.u64(decoy + BigInt(L.PyInterpreterState.threads_head!), tstate);
    memory.u64(decoy + BigInt(L.PyInterpreterState.sysdict), objects.dict([]));
    memory.u64(decoy + BigInt(L.PyInterpreterState.builtins), objects.dict([]));
    expect(tstates).toHaveLength(1);
    expect(() => analyse(memory, { exhaustive: { regions: memory.scanRegions() } })).toThrow(
      new RegExp(
        `^The exhaustive scan found 2 interpreter states that pass every check and cannot be told apart \\(at (0x${interp.toString(16)}, 0x${decoy.toString(16)}|0x${decoy.toString(16)}, 0x${interp.toString(16)})\\): refusing to guess$`,
      ),
    );
  });

  it("learns the version from memory when no file names it (a program embedding CPython), the most frequent winning", () => {
    const { memory, interp } = hiddenImage(1);
    (memory.modules()[0] as { path: string }).path = "/opt/app/host_app";
    expect(() => analyse(memory)).toThrow(/^Not a Python process: /);
    const strings = ["3.12.4 (main, Jan  1 2030) [GCC]", "3.12.4 (main, Jan  1 2030) [GCC]", "3.12.9 (a decoy)"];
    for (const text of strings) memory.set(memory.alloc(64), new TextEncoder().encode(`${text}\0`));
    const result = analyse(memory, { exhaustive: { regions: memory.scanRegions() } });
    expect(result.version).toMatchObject({ text: "3.12.4", from: "version string" });
    expect(result.scan?.interpreter).toBe(interp);
    expect(result.warnings).toEqual(["no file of the process names its Python version, and memory holds several (3.12.4, 3.12.9): taking 3.12.4"]);
    const none = hiddenImage(1).memory;
    (none.modules()[0] as { path: string }).path = "/opt/app/host_app";
    expect(() => analyse(none, { exhaustive: { regions: none.scanRegions() } })).toThrow(
      /and no Python version string or _Py_DebugOffsets in its writable memory$/,
    );
  });

  it("finds the runtime whose list starts with an interpreter without a thread state (a new subinterpreter)", () => {
    const { objects, memory, runtime, interp } = hiddenImage(2);
    const idle = memory.alloc(L.sizeof.PyInterpreterState);
    memory.u64(idle + BigInt(L.PyInterpreterState.next), interp);
    memory.u64(idle + BigInt(L.PyInterpreterState.id!), 1n);
    memory.u64(runtime + BigInt(L._PyRuntimeState!.interpreters_head), idle);
    expect(objects.layout).toBe(L);
    const result = analyse(memory, { exhaustive: { regions: memory.scanRegions() } });
    expect(result.scan?.runtime).toBe(runtime);
    expect(result.scan?.interpreter).toBe(idle);
    expect(result.threads.map((t) => t.tid)).toEqual([1000, 1001]);
    expect(result.warnings).toEqual([]);
  });

  it("leaves out an interpreter state whose next leads into the runtime's list but that the list does not hold, and says so", () => {
    const { objects, memory, runtime, interp } = hiddenImage(2);
    const decoy = memory.alloc(L.sizeof.PyInterpreterState);
    const { tstate } = threadState312(objects, decoy, 7);
    memory.u64(decoy + BigInt(L.PyInterpreterState.threads_head!), tstate);
    memory.u64(decoy + BigInt(L.PyInterpreterState.sysdict), objects.dict([]));
    memory.u64(decoy + BigInt(L.PyInterpreterState.builtins), objects.dict([]));
    memory.u64(decoy + BigInt(L.PyInterpreterState.next), interp);
    const result = analyse(memory, { exhaustive: { regions: memory.scanRegions() } });
    expect(result.scan?.runtime).toBe(runtime);
    expect(result.scan?.interpreter).toBe(interp);
    expect(result.threads.map((t) => t.tid)).toEqual([1000, 1001]);
    expect(result.warnings).toEqual([
      `interpreter states that lead into the runtime's interpreter list but are not in it are not shown: 0x${decoy.toString(16)}`,
    ]);
  });

  it("gives threads or a PythonError on random corruption of the image, never another error", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), fc.nat(400), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { minLength: 1, maxLength: 12 }), (patches) => {
        const { memory, interp, runtime, tstates } = hiddenImage(3);
        // Words of the interpreter, the runtime and the thread states overwritten, some with
        // pointers to each other (what makes candidates), some with anything.
        const bases = [interp, runtime, ...tstates];
        for (const [which, offset, value] of patches) {
          const base = bases[which % bases.length]!;
          const pointer = value % 3n === 0n ? bases[Number(value % BigInt(bases.length))]! + (value % 64n) * 8n : value;
          try {
            memory.u64(base + BigInt(offset & ~7), pointer);
          } catch {
            // outside the allocation: nothing to corrupt
          }
        }
        try {
          const result = analyse(memory, { exhaustive: { regions: memory.scanRegions() } });
          expect(result.threads.length).toBeLessThanOrEqual(1024);
        } catch (error) {
          expect(PythonError.isInstance(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

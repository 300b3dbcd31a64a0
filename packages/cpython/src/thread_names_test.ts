import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader } from "./_reader.js";
import { type AttributeStorage, TestObjects } from "./_test_objects.js";
import { ObjectReader } from "./read_objects.js";
import { readThreadNames } from "./thread_names.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

/**
 * An interpreter whose `sys.modules` holds a few modules and `threading`, whose `_active` maps
 * each ident to a Thread named as given.
 */
function interpreter(layout: PythonLayout, threads: ReadonlyArray<readonly [bigint, string]>, storage: AttributeStorage) {
  const build = new TestObjects(layout);
  const nameKey = layout.version.major === 2 ? "_Thread__name" : "_name";
  const active = build.dict(
    threads.map(([ident, name]) => {
      const { object } = build.instance(
        "Thread",
        [
          ["_target", build.str("f")],
          [nameKey, build.str(name)],
          ["_ident", build.int(ident)],
        ],
        storage,
      );
      return [build.int(ident), object] as const;
    }),
  );
  const globals = build.dict([
    [build.str("__name__"), build.str("threading")],
    [build.str("_active_limbo_lock"), build.str("lock")],
    [build.str("_active"), active],
  ]);
  const modules = build.dict([
    [build.str("sys"), build.module(build.dict([]))],
    [build.str("threadinG"), build.module(build.dict([]))],
    [build.str("threading"), build.module(globals)],
  ]);
  const interp = build.memory.alloc(layout.sizeof.PyInterpreterState);
  const modulesOffset = layout.PyInterpreterState.imports_modules ?? layout.PyInterpreterState.modules!;
  build.memory.u64(interp + BigInt(modulesOffset), modules);
  const objects = new ObjectReader(new Reader(build.memory), layout);
  return { build, objects, interp, active, globals, modules, modulesOffset };
}

const THREADS = [
  [0x7f00_1234_5700n, "MainThread"],
  [0x7f00_1234_6800n, "Thread-1 (worker)"],
  [(1n << 64n) - 4096n, "queue getter #4"],
] as const;

describe.each(VERSIONS)("readThreadNames() on %s", (_version, layout) => {
  const storages: AttributeStorage[] = layout.constants.Py_TPFLAGS_MANAGED_DICT === undefined ? ["dictoffset"] : ["dictoffset", "managed-dict", "values"];
  for (const storage of storages) {
    it(`maps each ident in threading._active to its Thread's name (${storage})`, () => {
      const { objects, interp } = interpreter(layout, THREADS, storage);
      const warnings: string[] = [];
      const names = readThreadNames(objects, interp, warnings);
      expect(warnings).toEqual([]);
      expect([...names.entries()].sort()).toEqual(THREADS.map(([ident, name]) => [ident, name]).sort());
    });
  }

  it("gives no names and no warning when threading was never imported or sys.modules is NULL", () => {
    const { build, objects, interp, modulesOffset } = interpreter(layout, THREADS, "dictoffset");
    const warnings: string[] = [];
    build.memory.u64(interp + BigInt(modulesOffset), build.dict([[build.str("sys"), build.module(build.dict([]))]]));
    expect(readThreadNames(objects, interp, warnings).size).toBe(0);
    build.memory.u64(interp + BigInt(modulesOffset), 0n);
    expect(readThreadNames(objects, interp, warnings).size).toBe(0);
    expect(warnings).toEqual([]);
  });

  it("gives no names and one warning when sys.modules, threading or _active is not what it claims", () => {
    const { build, objects, interp, modulesOffset } = interpreter(layout, THREADS, "dictoffset");
    const m = build.memory;
    const cases: Array<() => void> = [
      () => m.u64(interp + BigInt(modulesOffset), build.str("not a dict")),
      () => m.u64(interp + BigInt(modulesOffset), 0xdead_0000n),
      () => m.u64(interp + BigInt(modulesOffset), build.dict([[build.str("threading"), build.str("not a module")]])),
      () => m.u64(interp + BigInt(modulesOffset), build.dict([[build.str("threading"), build.module(build.dict([[build.str("_active"), build.int(3n)]]))]])),
    ];
    for (const breakIt of cases) {
      breakIt();
      const warnings: string[] = [];
      expect(readThreadNames(objects, interp, warnings).size).toBe(0);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^thread names of the interpreter at 0x/);
    }
  });

  it("keeps the other threads' names when one Thread is unreadable", () => {
    const { build, objects, interp, modulesOffset } = interpreter(layout, [], "dictoffset");
    const nameKey = layout.version.major === 2 ? "_Thread__name" : "_name";
    const { object } = build.instance("Thread", [[nameKey, build.str(THREADS[1][1])]], "dictoffset");
    const active = build.dict([
      [build.int(THREADS[0][0]), 0xdead_0000n], // not in memory
      [build.int(THREADS[1][0]), object],
    ]);
    const globals = build.dict([[build.str("_active"), active]]);
    build.memory.u64(interp + BigInt(modulesOffset), build.dict([[build.str("threading"), build.module(globals)]]));
    const warnings: string[] = [];
    const names = readThreadNames(objects, interp, warnings);
    expect([...names.entries()]).toEqual([[THREADS[1][0], THREADS[1][1]]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/1 unreadable/);
  });
});

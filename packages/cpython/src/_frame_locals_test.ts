import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader, WalkError } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { MAX_LOCALS, readLocals } from "./_frame_locals.js";
import { ObjectReader } from "./read_objects.js";
import { ReprReader } from "./repr.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

/** A cell holding `content` (0n: empty). */
function cell(build: TestObjects, content: bigint): bigint {
  const L = build.layout;
  const o = build.object(build.type("cell"), L.PyCellObject.ob_ref + 8);
  build.memory.u64(o + BigInt(L.PyCellObject.ob_ref), content);
  return o;
}

/**
 * A code object and a frame of the version's kind whose variables are: `a` (an argument, 1), `b`
 * (a local that inner functions use: a cell holding 2), `unbound` (NULL), `free` (a free
 * variable: a cell holding 'f').
 */
function frameWithVariables(build: TestObjects, tagged = 0n): { frame: bigint; code: bigint } {
  const L = build.layout;
  const m = build.memory;
  const model = L.models.locals;
  const code = build.object(build.type("code"), L.sizeof.PyCodeObject);
  m.u32(code + BigInt(model.arguments.co_argcount), 1);
  m.u32(code + BigInt(model.arguments.co_flags), 0);
  const names = (list: string[]) => build.tuple(list.map((name) => build.str(name)));
  const one = build.int(1n);
  const two = build.int(2n);
  const text = build.str("f");
  if (model.kind === "frame_object") {
    m.u32(code + BigInt(model.co_nlocals), 3);
    m.u64(code + BigInt(model.co_varnames), names(["a", "b", "unbound"]));
    m.u64(code + BigInt(model.co_cellvars), names(["b"]));
    m.u64(code + BigInt(model.co_freevars), names(["free"]));
    const frame = build.object(build.type("frame"), model.f_localsplus + 5 * 8);
    // b is a cell: its own slot is NULL (3.x) or its first value (2.7); the cell has its value.
    [one, build.int(99n), 0n, cell(build, two), cell(build, text)].forEach((value, i) => m.u64(frame + BigInt(model.f_localsplus + i * 8), value));
    return { frame, code };
  }
  m.u32(code + BigInt(model.co_nlocalsplus), 4);
  m.u64(code + BigInt(model.co_localsplusnames), names(["a", "b", "unbound", "free"]));
  const local = L.constants.CO_FAST_LOCAL!;
  m.u64(code + BigInt(model.co_localspluskinds), build.bytes([local, local | model.CO_FAST_CELL, local, model.CO_FAST_FREE]));
  const frame = m.alloc(model.localsplus + 4 * 8);
  [one, cell(build, two), 0n, cell(build, text)].forEach((value, i) => m.u64(frame + BigInt(model.localsplus + i * 8), value === 0n ? tagged : value | tagged));
  return { frame, code };
}

describe.each(VERSIONS)("readLocals() on %s", (_version, layout) => {
  const setup = (maxWork?: number) => {
    const build = new TestObjects(layout);
    const objects = new ObjectReader(new Reader(build.memory), layout);
    return { build, reprs: new ReprReader(objects, maxWork === undefined ? {} : { maxWork }) };
  };

  it("reads bound variables, arguments first, cells and free variables by their contents", () => {
    const { build, reprs } = setup();
    const { frame, code } = frameWithVariables(build);
    expect(readLocals(reprs, frame, code)).toEqual([
      { name: "a", value: "1", argument: true },
      { name: "b", value: "2", argument: false },
      { name: "free", value: "'f'", argument: false },
    ]);
  });

  it.skipIf(layout.models.locals.kind !== "localsplus" || layout.models.locals.reference.kind !== "tagged")(
    "clears the tag bits of 3.14+ _PyStackRef slots (NULL is the tag alone)",
    () => {
      const { build, reprs } = setup();
      const { frame, code } = frameWithVariables(build, 1n);
      expect(readLocals(reprs, frame, code).map((v) => v.name)).toEqual(["a", "b", "free"]);
    },
  );

  it(`refuses a code object with more than ${MAX_LOCALS} names without reading them`, () => {
    const { build, reprs } = setup();
    const { frame, code } = frameWithVariables(build);
    const model = layout.models.locals;
    const tuple = build.tuple([]);
    build.memory.u64(tuple + BigInt(layout.PyVarObject.ob_size), BigInt(MAX_LOCALS + 1));
    build.memory.u64(code + BigInt(model.kind === "frame_object" ? model.co_varnames : model.co_localsplusnames), tuple);
    expect(() => readLocals(reprs, frame, code)).toThrow(/has an implausible 65537 names/);
  });

  it("stops when the work of all values is used up", () => {
    const { build, reprs } = setup(2);
    const { frame, code } = frameWithVariables(build);
    expect(() => readLocals(reprs, frame, code)).toThrow(WalkError);
    expect(() => readLocals(reprs, frame, code)).toThrow("the limit of values read was reached");
  });
});

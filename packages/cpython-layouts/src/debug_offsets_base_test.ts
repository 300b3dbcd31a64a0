import { describe, expect, test } from "vitest";
import { compactUnicodeLayout, debugOffsetsBase } from "./debug_offsets_base.js";
import type { PythonLayout } from "./layout.js";
import { layouts } from "./layouts.js";

describe("documented base", () => {
  // The hand-maintained facts must be what the generator measured wherever a table has them.
  const withDebugOffsets = (Object.values(layouts) as PythonLayout[]).filter((table) => table._Py_DebugOffsets !== undefined);

  test("there is a 3.13+ table to check the base against", () => {
    expect(withDebugOffsets.map((table) => `${table.version.major}.${table.version.minor}`)).toContain("3.13");
  });

  for (const table of withDebugOffsets) {
    test(`debugOffsetsBase() agrees with the generated ${table.version.major}.${table.version.minor} table`, () => {
      const base = debugOffsetsBase(table.version);
      expect(base.pointerSize).toBe(table.pointerSize);
      const frames = table.models.frames;
      expect(frames.kind).toBe("interpreter_frame");
      if (frames.kind === "interpreter_frame") expect(base.executableReference).toEqual(frames.reference);
      expect(base.sizeof).toEqual({ PyObject: table.sizeof.PyObject, PyVarObject: table.sizeof.PyVarObject });
      expect(base.PyObject).toEqual(table.PyObject);
      expect(base.PyVarObject).toEqual(table.PyVarObject);
      expect(base.PyASCIIObject_state).toEqual(table.PyASCIIObject_state);
      const owners = Object.fromEntries(Object.entries(table.constants).filter(([name]) => name.startsWith("FRAME_OWNED_BY_")));
      expect(base.constants).toEqual(owners);
    });
  }

  test("debugOffsetsBase()'s object header and string bits already held in 3.12", () => {
    const base = debugOffsetsBase({ major: 3, minor: 13 });
    const table = layouts["3.12"];
    expect(base.PyObject).toEqual(table.PyObject);
    expect(base.PyVarObject).toEqual(table.PyVarObject);
    expect(base.PyASCIIObject_state).toEqual(table.PyASCIIObject_state);
  });

  test("compactUnicodeLayout() gives what follows PyASCIIObject in the 3.12 and 3.13 tables", () => {
    for (const table of [layouts["3.12"], layouts["3.13"]]) {
      const derived = compactUnicodeLayout(table.sizeof.PyASCIIObject);
      expect(derived.sizeof).toBe(table.sizeof.PyCompactUnicodeObject);
      expect({ utf8_length: derived.utf8_length, utf8: derived.utf8 }).toEqual(table.PyCompactUnicodeObject);
      expect(derived.data).toBe(table.PyUnicodeObject.data);
      expect(derived.sizeofUnicodeObject).toBe(table.sizeof.PyUnicodeObject);
    }
  });

  test("debugOffsetsBase() keys the frame owners by version: 3.14 renumbered them, 3.15 dropped CSTACK, later ones are unknown", () => {
    expect(debugOffsetsBase({ major: 3, minor: 14 }).constants).toEqual({
      FRAME_OWNED_BY_THREAD: 0,
      FRAME_OWNED_BY_GENERATOR: 1,
      FRAME_OWNED_BY_FRAME_OBJECT: 2,
      FRAME_OWNED_BY_INTERPRETER: 3,
      FRAME_OWNED_BY_CSTACK: 4,
    });
    expect(debugOffsetsBase({ major: 3, minor: 15 }).constants).toEqual({
      FRAME_OWNED_BY_THREAD: 0,
      FRAME_OWNED_BY_GENERATOR: 1,
      FRAME_OWNED_BY_FRAME_OBJECT: 2,
      FRAME_OWNED_BY_INTERPRETER: 3,
    });
    expect(debugOffsetsBase({ major: 3, minor: 16 }).constants).toEqual({});
    expect(debugOffsetsBase({ major: 3, minor: 16 }).PyObject).toEqual(layouts["3.15"].PyObject);
  });

  test("debugOffsetsBase() describes 3.13+ only", () => {
    expect(() => debugOffsetsBase({ major: 3, minor: 12 })).toThrow(RangeError);
    expect(() => debugOffsetsBase({ major: 2, minor: 7 })).toThrow(/describes CPython 3\.13\+, not 2\.7/);
  });
});

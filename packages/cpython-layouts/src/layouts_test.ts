import { describe, expect, test } from "vitest";
import type { BitField, PythonLayout } from "./layout.js";
import { layoutFor, layouts } from "./layouts.js";

const entries = Object.entries(layouts) as Array<[string, PythonLayout]>;

/** Whether `layout` is at least `major.minor`. */
function atLeast(layout: PythonLayout, major: number, minor: number): boolean {
  return layout.version.major * 100 + layout.version.minor >= major * 100 + minor;
}

/** Groups of offsets (not sizeof, constants, bitfields or the debug offsets struct). */
function offsetGroups(layout: PythonLayout): Array<[string, Record<string, number>]> {
  const skip = new Set(["version", "source", "models", "pointerSize", "sizeof", "constants", "_Py_DebugOffsets"]);
  return Object.entries(layout).filter(
    (entry): entry is [string, Record<string, number>] =>
      !skip.has(entry[0]) && typeof entry[1] === "object" && Object.values(entry[1]).every((v) => typeof v === "number"),
  );
}

/**
 * Members whose declaration order is the same in every version that has them; offsets along each
 * chain must increase.
 */
const ORDERED: Array<[group: string, fields: string[]]> = [
  ["PyObject", ["ob_refcnt", "ob_type"]],
  ["PyThreadState", ["prev", "next", "interp", "frame", "thread_id", "native_thread_id", "datastack_chunk"]],
  ["PyThreadState", ["interp", "_status", "cframe", "thread_id"]],
  ["PyThreadState", ["interp", "_status", "current_frame", "thread_id"]],
  ["_PyRuntimeState", ["debug_offsets", "finalizing", "interpreters_head", "interpreters_main", "gc", "ceval_gil"]],
  ["_PyRuntimeState", ["_finalizing", "interpreters_head", "interpreters_main", "ceval_gil", "gilstate_tstate_current"]],
  ["PyInterpreterState", ["next", "tstate_head", "id", "modules", "sysdict", "builtins"]],
  ["PyInterpreterState", ["sysdict", "builtins", "imports_modules", "_gil"]],
  ["PyFrameObject", ["f_back", "f_code", "f_trace", "f_lasti", "f_lineno", "f_localsplus"]],
  ["_PyInterpreterFrame", ["previous", "prev_instr", "stacktop", "owner", "localsplus"]],
  ["_PyInterpreterFrame", ["f_executable", "previous", "instr_ptr", "stacktop", "owner", "localsplus"]],
  ["_PyInterpreterFrame", ["f_code", "frame_obj", "prev_instr"]],
  ["_PyInterpreterFrame", ["f_executable", "frame_obj", "instr_ptr"]],
  ["_PyCFrame", ["current_frame", "previous"]],
  ["PyCodeObject", ["co_argcount", "co_posonlyargcount", "co_kwonlyargcount"]],
  ["PyCodeObject", ["co_code", "co_varnames", "co_freevars", "co_cellvars", "co_filename", "co_name", "co_lnotab"]],
  ["PyCodeObject", ["co_filename", "co_name", "co_linetable"]],
  ["PyCodeObject", ["co_localsplusnames", "co_localspluskinds", "co_filename", "co_name", "co_qualname", "co_linetable", "co_code_adaptive"]],
  ["_gil_runtime_state", ["last_holder", "locked"]],
  ["PyASCIIObject", ["length", "hash", "state", "wstr"]],
  ["PyCompactUnicodeObject", ["utf8_length", "utf8", "wstr_length"]],
  ["PyStringObject", ["ob_shash", "ob_sstate", "ob_sval"]],
  ["PyBytesObject", ["ob_shash", "ob_sval"]],
  ["PyListObject", ["ob_item", "allocated"]],
  ["PyLongObject", ["long_value_lv_tag", "long_value_ob_digit"]],
  ["PyDictObject", ["ma_fill", "ma_used", "ma_mask", "ma_table"]],
  ["PyDictObject", ["ma_used", "ma_keys", "ma_values"]],
  ["PyTypeObject", ["tp_name", "tp_basicsize", "tp_flags", "tp_dictoffset"]],
  ["_dictkeysobject", ["dk_refcnt", "dk_size", "dk_usable", "dk_nentries", "dk_indices"]],
  ["_dictkeysobject", ["dk_refcnt", "dk_log2_size", "dk_log2_index_bytes", "dk_kind", "dk_usable", "dk_nentries", "dk_indices"]],
  ["PyDictEntry", ["me_hash", "me_key", "me_value"]],
  ["PyDictKeyEntry", ["me_hash", "me_key", "me_value"]],
  ["PyDictUnicodeEntry", ["me_key", "me_value"]],
  ["PyDictValues", ["capacity", "size", "embedded", "valid", "values"]],
  ["PyThreadState", ["interp", "curexc_type", "curexc_value", "exc_type", "exc_value", "thread_id"]],
  ["PyThreadState", ["interp", "_status", "gil_requested", "current_frame", "current_exception", "exc_info", "thread_id"]],
  ["_PyErr_StackItem", ["exc_type", "exc_value", "previous_item"]],
  ["PySetObject", ["fill", "used", "mask", "table"]],
  ["PyBaseExceptionObject", ["args", "traceback", "context", "cause", "suppress_context"]],
];

/** Pointer members: 8-byte aligned. */
const POINTERS: Array<[group: string, fields: string[]]> = [
  ["PyObject", ["ob_type"]],
  ["PyTypeObject", ["tp_name"]],
  ["_PyRuntimeState", ["interpreters_head", "interpreters_main", "gilstate_tstate_current", "finalizing", "_finalizing"]],
  ["PyInterpreterState", ["next", "tstate_head", "threads_head", "ceval_gil", "modules", "imports_modules", "sysdict", "builtins"]],
  ["PyThreadState", ["prev", "next", "interp", "frame", "cframe", "current_frame", "datastack_chunk"]],
  ["_PyCFrame", ["current_frame", "previous"]],
  ["PyFrameObject", ["f_back", "f_code", "f_trace", "f_localsplus"]],
  ["_PyInterpreterFrame", ["f_code", "f_executable", "previous", "frame_obj", "prev_instr", "instr_ptr", "localsplus"]],
  [
    "PyCodeObject",
    [
      "co_code",
      "co_varnames",
      "co_freevars",
      "co_cellvars",
      "co_localsplusnames",
      "co_localspluskinds",
      "co_filename",
      "co_name",
      "co_qualname",
      "co_lnotab",
      "co_linetable",
    ],
  ],
  ["_gil_runtime_state", ["last_holder"]],
  ["PyTupleObject", ["ob_item"]],
  ["PyListObject", ["ob_item"]],
  ["PyDictObject", ["ma_keys", "ma_values", "ma_table"]],
  ["PyHeapTypeObject", ["ht_cached_keys"]],
  ["PyModuleObject", ["md_dict"]],
  ["PyDictEntry", ["me_key", "me_value"]],
  ["PyDictKeyEntry", ["me_key", "me_value"]],
  ["PyDictUnicodeEntry", ["me_key", "me_value"]],
  ["PyDictValues", ["values"]],
  ["_dictkeysobject", ["dk_indices"]],
  ["PyThreadState", ["curexc_type", "curexc_value", "current_exception", "exc_type", "exc_value", "exc_info"]],
  ["_PyErr_StackItem", ["exc_type", "exc_value", "previous_item"]],
  ["PyCellObject", ["ob_ref"]],
  ["PySetObject", ["table"]],
  ["PyBaseExceptionObject", ["args", "traceback", "context", "cause"]],
];

describe("layouts", () => {
  test("layouts has 2.7 and 3.6–3.15, each keyed by its own version", () => {
    expect(Object.keys(layouts)).toEqual(["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]);
    for (const [key, layout] of entries) {
      expect(`${layout.version.major}.${layout.version.minor}`).toBe(key);
      expect(layout.source).toMatch(new RegExp(`^CPython ${key.replace(".", "\\.")}\\.\\d+ headers$`));
      expect(layout.pointerSize).toBe(8);
    }
  });

  test("layoutFor() returns the table of a supported version and undefined otherwise", () => {
    expect(layoutFor(3, 12)).toBe(layouts["3.12"]);
    expect(layoutFor(2, 7)).toBe(layouts["2.7"]);
    expect(layoutFor(3, 5)).toBeUndefined();
    expect(layoutFor(3, 15)).toBe(layouts["3.15"]);
    expect(layoutFor(3, 16)).toBeUndefined();
    expect(layoutFor(2, 6)).toBeUndefined();
    expect(layoutFor(Number.NaN, 1)).toBeUndefined();
    expect(layoutFor(3.1, 2)).toBeUndefined();
  });

  test("layouts has the frame model and struct groups each version should have", () => {
    for (const [, layout] of entries) {
      const modern = atLeast(layout, 3, 11);
      expect(layout.models.frames.kind).toBe(modern ? "interpreter_frame" : "frame_object");
      if (layout.models.frames.kind === "frame_object") {
        expect(layout.PyFrameObject?.f_back).toBeGreaterThan(0);
        expect(layout.PyThreadState.frame).toBeDefined();
      } else {
        expect(layout._PyInterpreterFrame?.owner).toBeGreaterThan(0);
        expect(layout.PyCodeObject.co_code_adaptive).toBeDefined();
        expect(layout.PyThreadState.native_thread_id).toBeDefined();
        const hasCFrame = !atLeast(layout, 3, 13);
        expect(layout._PyCFrame !== undefined).toBe(hasCFrame);
        expect(layout.PyThreadState.cframe !== undefined).toBe(hasCFrame);
        expect(layout.PyThreadState.current_frame !== undefined).toBe(!hasCFrame);
      }
      expect(layout._PyRuntimeState !== undefined).toBe(atLeast(layout, 3, 7));
      expect(layout._gil_runtime_state !== undefined).toBe(atLeast(layout, 3, 7));
      expect(layout._gc_runtime_state !== undefined).toBe(atLeast(layout, 3, 7));
      expect(layout.PyInterpreterState.id !== undefined).toBe(atLeast(layout, 3, 7));
      expect(layout._Py_DebugOffsets !== undefined).toBe(atLeast(layout, 3, 13));
      expect(layout._PyRuntimeState?.gilstate_tstate_current !== undefined).toBe(atLeast(layout, 3, 7) && !atLeast(layout, 3, 12));
      // Where the GIL and the GC state live.
      const gilInRuntime = layout._PyRuntimeState?.ceval_gil !== undefined;
      const gilInInterpreter = layout.PyInterpreterState._gil !== undefined;
      expect(gilInRuntime && gilInInterpreter).toBe(false);
      expect(gilInRuntime || gilInInterpreter).toBe(atLeast(layout, 3, 7));
      const gcInRuntime = layout._PyRuntimeState?.gc !== undefined;
      const gcInInterpreter = layout.PyInterpreterState.gc !== undefined;
      expect(gcInRuntime && gcInInterpreter).toBe(false);
      expect(gcInRuntime || gcInInterpreter).toBe(atLeast(layout, 3, 7));
      // One spelling of each renamed member.
      const interp = layout.PyInterpreterState;
      expect([interp.tstate_head, interp.threads_head].filter((v) => v !== undefined)).toHaveLength(1);
      expect([interp.modules, interp.imports_modules].filter((v) => v !== undefined)).toHaveLength(1);
      const code = layout.PyCodeObject;
      expect([code.co_lnotab, code.co_linetable].filter((v) => v !== undefined)).toHaveLength(1);
      expect([code.co_varnames, code.co_localsplusnames].filter((v) => v !== undefined)).toHaveLength(1);
      const long = layout.PyLongObject;
      expect([long.ob_digit, long.long_value_ob_digit].filter((v) => v !== undefined)).toHaveLength(1);
    }
  });

  test.each(entries)("layouts[%s] offsets are inside their structs, distinct, and aligned", (_key, layout) => {
    const sizes = layout.sizeof as unknown as Record<string, number | undefined>;
    for (const [group, fields] of offsetGroups(layout)) {
      const size = sizes[group];
      const values = Object.values(fields);
      expect(new Set(values).size, `${group} has two fields at one offset`).toBe(values.length);
      for (const [field, offset] of Object.entries(fields)) {
        expect(Number.isSafeInteger(offset) && offset >= 0, `${group}.${field}`).toBe(true);
        if (size !== undefined) expect(offset, `${group}.${field} < sizeof(${group})`).toBeLessThan(size);
        // Object structs start with a PyObject header.
        if (group.startsWith("Py") && group.endsWith("Object") && group !== "PyObject" && group !== "PyVarObject") {
          expect(offset, `${group}.${field} after the object header`).toBeGreaterThanOrEqual(layout.sizeof.PyObject);
        }
      }
    }
    for (const [group, fields] of POINTERS) {
      const values = (layout as unknown as Record<string, Record<string, number | undefined> | undefined>)[group];
      for (const field of fields) {
        const offset = values?.[field];
        if (offset !== undefined) expect(offset % 8, `${group}.${field} is pointer-aligned`).toBe(0);
      }
    }
    for (const size of Object.values(sizes)) {
      if (size !== undefined) expect(size).toBeGreaterThan(0);
    }
    expect(layout.sizeof.PyVarObject).toBe(layout.PyVarObject.ob_size + 8);
  });

  test.each(entries)("layouts[%s] offsets follow declaration order", (_key, layout) => {
    const groups = layout as unknown as Record<string, Record<string, number | undefined> | undefined>;
    for (const [group, fields] of ORDERED) {
      const present = fields
        .map((field) => [field, groups[group]?.[field]] as const)
        .filter((entry): entry is readonly [string, number] => entry[1] !== undefined);
      for (let i = 1; i < present.length; i += 1) {
        const [before, beforeOffset] = present[i - 1] as readonly [string, number];
        const [after, afterOffset] = present[i] as readonly [string, number];
        expect(beforeOffset, `${group}.${before} before ${group}.${after}`).toBeLessThan(afterOffset);
      }
    }
  });

  test.each(entries)("layouts[%s] trailing arrays end their structs", (_key, layout) => {
    const s = layout.sizeof;
    expect(layout.PyTupleObject.ob_item).toBe(s.PyTupleObject - 8);
    if (layout.models.frames.kind === "frame_object") {
      expect(layout.PyFrameObject?.f_localsplus).toBe((s.PyFrameObject ?? 0) - 8);
    } else {
      expect(layout._PyInterpreterFrame?.localsplus).toBe((s._PyInterpreterFrame ?? 0) - 8);
      expect(s.PyCodeObject - (layout.PyCodeObject.co_code_adaptive ?? 0)).toBeLessThanOrEqual(8);
    }
    const digit = layout.PyLongObject.ob_digit ?? layout.PyLongObject.long_value_ob_digit ?? 0;
    expect(digit + s.digit).toBeLessThanOrEqual(s.PyLongObject);
    expect(s.digit * 8).toBeGreaterThanOrEqual(layout.constants.PyLong_SHIFT);
  });

  test.each(entries.filter(([, layout]) => layout.PyASCIIObject_state !== undefined))(
    "layouts[%s] string state bits do not overlap and match unicodeobject.h",
    (_key, layout) => {
      const state = layout.PyASCIIObject_state as unknown as Record<string, BitField>;
      let used = 0;
      for (const [name, field] of Object.entries(state)) {
        const mask = ((1 << field.width) - 1) << field.bit;
        expect(used & mask, `${name} overlaps`).toBe(0);
        expect(field.bit + field.width).toBeLessThanOrEqual(32);
        used |= mask;
      }
      // Include/cpython/unicodeobject.h documents this order for every 3.x so far.
      expect(state["interned"]).toEqual({ bit: 0, width: 2 });
      expect(state["kind"]).toEqual({ bit: 2, width: 3 });
      expect(state["compact"]).toEqual({ bit: 5, width: 1 });
      expect(state["ascii"]).toEqual({ bit: 6, width: 1 });
      expect(layout.sizeof.PyCompactUnicodeObject).toBeGreaterThan(layout.sizeof.PyASCIIObject ?? 0);
    },
  );

  test.each(entries.filter(([, layout]) => layout.models.frames.kind === "interpreter_frame"))(
    "layouts[%s] frame owner constants are distinct",
    (_key, layout) => {
      const c = layout.constants;
      const owners = [
        c.FRAME_OWNED_BY_THREAD,
        c.FRAME_OWNED_BY_GENERATOR,
        c.FRAME_OWNED_BY_FRAME_OBJECT,
        c.FRAME_OWNED_BY_INTERPRETER,
        c.FRAME_OWNED_BY_CSTACK,
      ];
      const defined = owners.filter((v) => v !== undefined);
      expect(new Set(defined).size).toBe(defined.length);
      // 3.12 added CSTACK, 3.14 INTERPRETER, 3.15 dropped CSTACK.
      const expected = atLeast(layout, 3, 15) ? 4 : atLeast(layout, 3, 14) ? 5 : atLeast(layout, 3, 12) ? 4 : 3;
      expect(defined.length).toBe(expected);
    },
  );

  test.each(entries)("layouts[%s] reading models repeat their groups' measured offsets", (_key, layout) => {
    // The generator derives the models from the same probe; this catches a hand edit of either.
    const g = layout as unknown as Record<string, Record<string, number | undefined> | undefined>;
    const m = layout.models;
    const offset = (group: string, field: string) => g[group]?.[field];
    expect(m.threadList.head).toBe(offset("PyInterpreterState", m.threadList.kind));
    if (m.runtime.kind === "runtime") {
      expect(m.runtime.interpreters_head).toBe(offset("_PyRuntimeState", "interpreters_head"));
      expect(m.runtime.interpreters_main).toBe(offset("_PyRuntimeState", "interpreters_main"));
      expect(m.runtime.debugOffsets).toBe(layout._Py_DebugOffsets !== undefined);
    } else {
      expect(layout._PyRuntimeState).toBeUndefined();
    }
    const f = m.frames;
    if (f.kind === "frame_object") {
      expect([f.tstate_frame, f.f_back, f.f_code, f.f_lasti]).toEqual([
        offset("PyThreadState", "frame"),
        offset("PyFrameObject", "f_back"),
        offset("PyFrameObject", "f_code"),
        offset("PyFrameObject", "f_lasti"),
      ]);
    } else {
      if (f.start.kind === "cframe") {
        expect([f.start.cframe, f.start.current_frame]).toEqual([offset("PyThreadState", "cframe"), offset("_PyCFrame", "current_frame")]);
      } else {
        expect(f.start.current_frame).toBe(offset("PyThreadState", "current_frame"));
      }
      expect(f.previous).toBe(offset("_PyInterpreterFrame", "previous"));
      expect(f.executable).toBe(offset("_PyInterpreterFrame", f.reference.kind === "code" ? "f_code" : "f_executable"));
      expect(f.instruction).toBe(offset("_PyInterpreterFrame", "instr_ptr") ?? offset("_PyInterpreterFrame", "prev_instr"));
      expect(f.owner).toBe(offset("_PyInterpreterFrame", "owner"));
      expect(f.co_code_adaptive).toBe(offset("PyCodeObject", "co_code_adaptive"));
      const c = layout.constants;
      expect([...f.skipOwners].sort()).toEqual([c.FRAME_OWNED_BY_CSTACK, c.FRAME_OWNED_BY_INTERPRETER].filter((v) => v !== undefined).sort());
      if (f.reference.kind === "tagged") expect(f.reference.tagBits).toBe(offset("constants", "Py_TAG_BITS"));
    }
    const code = m.code;
    expect(code.table).toBe(offset("PyCodeObject", code.kind === "lnotab" ? "co_lnotab" : "co_linetable"));
    if (code.kind !== "locations") expect(code.co_code).toBe(offset("PyCodeObject", "co_code"));
    if (code.kind === "lnotab") expect(code.signedLineSteps).toBe(layout.version.major === 3);
    const gil = m.gil;
    if (gil.kind === "runtime") expect(gil.tstate_current).toBe(offset("_PyRuntimeState", "gilstate_tstate_current"));
    if (gil.kind === "interpreter") {
      expect([gil.ceval_gil, gil.locked, gil.last_holder]).toEqual([
        offset("PyInterpreterState", "ceval_gil"),
        offset("_gil_runtime_state", "locked"),
        offset("_gil_runtime_state", "last_holder"),
      ]);
    }
    const gc = m.gc;
    const collecting = offset("_gc_runtime_state", "collecting") ?? 0;
    if (gc.kind === "interpreter") expect(gc.collecting).toBe((offset("PyInterpreterState", "gc") ?? NaN) + collecting);
    if (gc.kind === "runtime") expect(gc.collecting).toBe((offset("_PyRuntimeState", "gc") ?? NaN) + collecting);
    if (m.threadGil.kind === "gil_requested") expect(m.threadGil.gil_requested).toBe(offset("PyThreadState", "gil_requested"));
    else expect(offset("PyThreadState", "gil_requested")).toBeUndefined();
    // Objects: locals, exceptions, sets.
    const c = layout.constants;
    const locals = m.locals;
    const args = locals.arguments;
    expect([args.co_argcount, args.co_kwonlyargcount, args.co_flags, args.CO_VARARGS, args.CO_VARKEYWORDS]).toEqual([
      offset("PyCodeObject", "co_argcount"),
      offset("PyCodeObject", "co_kwonlyargcount"),
      offset("PyCodeObject", "co_flags"),
      c.CO_VARARGS,
      c.CO_VARKEYWORDS,
    ]);
    expect(locals.cell_ob_ref).toBe(offset("PyCellObject", "ob_ref"));
    if (locals.kind === "frame_object") {
      expect([locals.f_localsplus, locals.co_nlocals, locals.co_varnames, locals.co_cellvars, locals.co_freevars]).toEqual([
        offset("PyFrameObject", "f_localsplus"),
        offset("PyCodeObject", "co_nlocals"),
        offset("PyCodeObject", "co_varnames"),
        offset("PyCodeObject", "co_cellvars"),
        offset("PyCodeObject", "co_freevars"),
      ]);
    } else {
      expect([locals.localsplus, locals.co_nlocalsplus, locals.co_localsplusnames, locals.co_localspluskinds]).toEqual([
        offset("_PyInterpreterFrame", "localsplus"),
        offset("PyCodeObject", "co_nlocalsplus"),
        offset("PyCodeObject", "co_localsplusnames"),
        offset("PyCodeObject", "co_localspluskinds"),
      ]);
      expect([locals.CO_FAST_CELL, locals.CO_FAST_FREE, locals.CO_FAST_HIDDEN]).toEqual([c.CO_FAST_CELL, c.CO_FAST_FREE, c.CO_FAST_HIDDEN]);
      // localsplus and f_executable became _PyStackRefs together (3.14).
      expect(locals.reference).toEqual(f.kind === "interpreter_frame" && f.reference.kind === "tagged" ? f.reference : { kind: "object" });
    }
    const handled = m.handledException;
    if (handled.kind === "thread_state") {
      expect(handled.exc_value).toBe(offset("PyThreadState", "exc_value"));
    } else {
      expect([handled.exc_info, handled.exc_value, handled.previous_item]).toEqual([
        offset("PyThreadState", "exc_info"),
        offset("_PyErr_StackItem", "exc_value"),
        offset("_PyErr_StackItem", "previous_item"),
      ]);
    }
    const raised = m.raisedException;
    if (raised.kind === "curexc") {
      expect([raised.curexc_type, raised.curexc_value]).toEqual([offset("PyThreadState", "curexc_type"), offset("PyThreadState", "curexc_value")]);
    } else {
      expect(raised.current_exception).toBe(offset("PyThreadState", "current_exception"));
    }
    const exception = m.exceptionObject;
    expect(exception.args).toBe(offset("PyBaseExceptionObject", "args"));
    if (exception.kind === "chained") {
      expect([exception.cause, exception.context, exception.suppress_context]).toEqual([
        offset("PyBaseExceptionObject", "cause"),
        offset("PyBaseExceptionObject", "context"),
        offset("PyBaseExceptionObject", "suppress_context"),
      ]);
    }
    expect([m.sets.used, m.sets.mask, m.sets.table, m.sets.entry.size, m.sets.entry.key]).toEqual([
      offset("PySetObject", "used"),
      offset("PySetObject", "mask"),
      offset("PySetObject", "table"),
      layout.sizeof.setentry,
      offset("setentry", "key"),
    ]);
    expect(m.reprStyle).toBe(layout.version.major === 2 ? "python2" : "python3");
  });

  test("the reading models tell the versions apart as their headers do", () => {
    const kinds = Object.fromEntries(
      entries.map(([key, l]) => {
        const f = l.models.frames;
        const start = f.kind === "interpreter_frame" ? f.start.kind : "frame";
        const reference = f.kind === "interpreter_frame" ? f.reference.kind : "-";
        return [
          key,
          [l.models.threadList.kind, l.models.runtime.kind, f.kind, start, reference, l.models.code.kind, l.models.gil.kind, l.models.gc.kind].join(" "),
        ];
      }),
    );
    const objectKinds = Object.fromEntries(
      entries.map(([key, l]) => {
        const m = l.models;
        const reference = m.locals.kind === "localsplus" ? m.locals.reference.kind : "-";
        return [
          key,
          [m.threadGil.kind, m.locals.kind, reference, m.handledException.kind, m.raisedException.kind, m.exceptionObject.kind, m.reprStyle].join(" "),
        ];
      }),
    );
    expect(objectKinds["2.7"]).toBe("none frame_object - thread_state curexc args python2");
    expect(objectKinds["3.6"]).toBe("none frame_object - thread_state curexc chained python3");
    expect(objectKinds["3.7"]).toBe("none frame_object - stack_items curexc chained python3");
    expect(objectKinds["3.10"]).toBe("none frame_object - stack_items curexc chained python3");
    expect(objectKinds["3.11"]).toBe("none localsplus object stack_items curexc chained python3");
    expect(objectKinds["3.12"]).toBe("none localsplus object stack_items current_exception chained python3");
    expect(objectKinds["3.13"]).toBe("none localsplus object stack_items current_exception chained python3");
    expect(objectKinds["3.14"]).toBe("none localsplus tagged stack_items current_exception chained python3");
    expect(objectKinds["3.15"]).toBe("gil_requested localsplus tagged stack_items current_exception chained python3");
    expect(kinds["2.7"]).toBe("tstate_head static frame_object frame - lnotab static static");
    expect(kinds["3.6"]).toBe("tstate_head static frame_object frame - lnotab static static");
    expect(kinds["3.7"]).toBe("tstate_head runtime frame_object frame - lnotab runtime runtime");
    expect(kinds["3.9"]).toBe("tstate_head runtime frame_object frame - lnotab runtime interpreter");
    expect(kinds["3.10"]).toBe("tstate_head runtime frame_object frame - linetable runtime interpreter");
    expect(kinds["3.11"]).toBe("threads_head runtime interpreter_frame cframe code locations runtime interpreter");
    expect(kinds["3.12"]).toBe("threads_head runtime interpreter_frame cframe code locations interpreter interpreter");
    expect(kinds["3.13"]).toBe("threads_head runtime interpreter_frame current_frame object locations interpreter interpreter");
    expect(kinds["3.14"]).toBe("threads_head runtime interpreter_frame current_frame tagged locations interpreter interpreter");
    expect(kinds["3.15"]).toBe("threads_head runtime interpreter_frame current_frame tagged locations interpreter interpreter");
  });

  test.each(entries.filter(([, layout]) => layout._Py_DebugOffsets !== undefined))(
    "layouts[%s] _Py_DebugOffsets members are consecutive uint64_t after the cookie",
    (_key, layout) => {
      const struct = layout._Py_DebugOffsets;
      const offsets = Object.values(struct ?? {}).flatMap((v) => (typeof v === "number" ? [v] : Object.values(v)));
      expect(offsets[0]).toBe(0);
      offsets.forEach((offset, i) => expect(offset).toBe(i * 8));
      expect(layout.sizeof._Py_DebugOffsets).toBe(offsets.length * 8);
      expect(layout._PyRuntimeState?.debug_offsets).toBe(0);
    },
  );
});

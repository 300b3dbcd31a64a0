import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { findInterpreter } from "../../../tools/layouts/matrix.mjs";
import { DEBUG_OFFSETS_COOKIE, DEBUG_OFFSETS_FIELDS, decodeDebugOffsets, layoutFromDebugOffsets } from "./debug_offsets.js";
import { debugOffsetsBase } from "./debug_offsets_base.js";
import type { DebugOffsetsLayout, PythonLayoutFromDebugOffsets } from "./layout.js";
import { LayoutFormatError } from "./layout_format_error.js";
import { layouts } from "./layouts.js";

const v3_13 = layouts["3.13"];
const struct: DebugOffsetsLayout = v3_13._Py_DebugOffsets;
const size = v3_13.sizeof._Py_DebugOffsets;

/** Offset of a member of `_Py_DebugOffsets` ("thread_state.prev") in the 3.13 struct. */
function at(path: string): number {
  const [section, member] = path.split(".");
  const value = struct[section ?? ""];
  const offset = typeof value === "number" ? value : value?.[member ?? ""];
  if (offset === undefined) throw new Error(`no ${path}`);
  return offset;
}

/** The value the 3.13 table gives to a `PythonLayout` field. */
function tableValue(group: string, field: string): number | undefined {
  const values = (v3_13 as unknown as Record<string, Record<string, number> | undefined>)[group];
  return values?.[field];
}

/**
 * `_Py_DebugOffsets` bytes as CPython 3.13.0 would write them, built from the generated table
 * (the inverse of layoutFromDebugOffsets), so error paths are tested without an interpreter.
 */
function synthesize(littleEndian = true): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(DEBUG_OFFSETS_COOKIE), 0);
  view.setBigUint64(at("version"), 0x030d00f0n, littleEndian);
  for (const { from, group, field, relativeTo } of DEBUG_OFFSETS_FIELDS) {
    let value = tableValue(group, field);
    if (value === undefined) throw new Error(`3.13 table has no ${group}.${field}`);
    if (relativeTo !== undefined) {
      const base = DEBUG_OFFSETS_FIELDS.find((entry) => entry.from === relativeTo);
      value += tableValue(base?.group ?? "", base?.field ?? "") ?? 0;
    }
    view.setBigUint64(at(from), BigInt(value), littleEndian);
  }
  return bytes;
}

/** Every leaf of a layout as `"group.field"` (`"PyASCIIObject_state.kind.bit"`) → value. */
function leaves(value: unknown, prefix = ""): Map<string, unknown> {
  const result = new Map<string, unknown>();
  if (typeof value !== "object" || value === null) {
    result.set(prefix, value);
    return result;
  }
  for (const [key, item] of Object.entries(value)) {
    for (const [path, leaf] of leaves(item, prefix === "" ? key : `${prefix}.${key}`)) result.set(path, leaf);
  }
  return result;
}

/**
 * The fields a layout from the debug offsets may have: the mapped members, the documented base
 * (and what it derives from `asciiobject_size`), the struct layout it was read with. Nothing of
 * the generated table beyond `_Py_DebugOffsets`.
 */
function allowedFields(version: { major: number; minor: number }): Set<string> {
  return new Set([
    ...DEBUG_OFFSETS_FIELDS.map(({ group, field }) => `${group}.${field}`),
    ...leaves(debugOffsetsBase(version)).keys(),
    "sizeof.PyCompactUnicodeObject",
    "PyCompactUnicodeObject.utf8_length",
    "PyCompactUnicodeObject.utf8",
    "PyUnicodeObject.data",
    "sizeof._Py_DebugOffsets",
    ...[...leaves(struct).keys()].map((path) => `_Py_DebugOffsets.${path}`),
    "version.major",
    "version.minor",
    "source",
  ]);
}

/**
 * The cross-check: every field of a layout read from 3.13 debug offsets equals the generated 3.13
 * table (the documented base included), and it has no field the debug offsets and the base do not
 * give.
 */
function expectAgreesWithTable(layout: PythonLayoutFromDebugOffsets): void {
  const table = leaves(v3_13);
  const got = leaves(layout);
  const allowed = allowedFields(layout.version);
  for (const [path, value] of got) {
    if (path.startsWith("models.")) continue; // derived from the fields, compared whole below
    expect(allowed.has(path), `${path} is neither in the debug offsets nor in the documented base`).toBe(true);
    if (path !== "source") expect(value, path).toBe(table.get(path));
  }
  expect(got.size).toBeGreaterThan(80);
  // The reading models are the table's, but for interpreters.main, which the debug offsets lack.
  // The objects' models (ints, dicts, attributes, thread names) need what only a table has.
  const { interpreters_main: _main, ...runtime } = v3_13.models.runtime;
  const {
    ints: _i,
    dicts: _d,
    managedDict: _m,
    threadName: _t,
    locals: _l,
    handledException: _h,
    raisedException: _r,
    exceptionObject: _e,
    sets: _s,
    reprStyle: _p,
    ...reading
  } = v3_13.models;
  expect(layout.models).toEqual({ ...reading, runtime });
}

function setU64(bytes: Uint8Array, path: string, value: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigUint64(at(path), value, true);
  return copy;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (LayoutFormatError.isInstance(error)) return error.code;
    throw error;
  }
  return "no error";
}

/** The first sizeof(_Py_DebugOffsets) bytes of the running interpreter's _PyRuntime. */
const READ_RUNTIME = `
import ctypes, sys
address = ctypes.addressof(ctypes.c_char.in_dll(ctypes.pythonapi, "_PyRuntime"))
print(ctypes.string_at(address, int(sys.argv[1])).hex())
print(sys.hexversion)
`;

const python313 = findInterpreter("3.13");

let runtimeBlob: Promise<{ bytes: Uint8Array; hexversion: number }> | undefined;
/** The first sizeof(_Py_DebugOffsets) bytes of python3.13's own _PyRuntime, read once. */
function realBlob(): Promise<{ bytes: Uint8Array; hexversion: number }> {
  runtimeBlob ??= promisify(execFile)(python313 as string, ["-c", READ_RUNTIME, String(size)]).then(({ stdout }) => {
    const [hex = "", hexversion = ""] = stdout.trim().split("\n");
    return { bytes: Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16)), hexversion: Number(hexversion) };
  });
  return runtimeBlob;
}

/** 3.13 bytes to test with: python3.13's real _PyRuntime when installed, and synthesized ones always. */
async function blobs(): Promise<Array<[string, Uint8Array]>> {
  const result: Array<[string, Uint8Array]> = [["synthesized", synthesize()]];
  if (python313 !== undefined) result.push([`${python313}'s _PyRuntime`, (await realBlob()).bytes]);
  return result;
}

/**
 * A CPython whose `_Py_DebugOffsets` gained a member: `extra` inserted after `section.member`,
 * everything after it moved by 8 bytes (3.14 inserts `interpreter_state.threads_main` there).
 */
function insertMember(bytes: Uint8Array, after: string, extra: bigint): Uint8Array {
  const end = at(after) + 8;
  const grown = new Uint8Array(bytes.length + 8);
  grown.set(bytes.subarray(0, end));
  new DataView(grown.buffer).setBigUint64(end, extra, true);
  grown.set(bytes.subarray(end), end + 8);
  return grown;
}

/**
 * `debug_offsets.js` as it would be if 3.13 were the newest table: the real tables up to 3.13, so
 * a 3.14 read from 3.13-shaped bytes is "newer than every table" (the mechanism a future version
 * goes through), whatever tables the package has since gained.
 */
async function withTablesUpTo313<T>(run: (module: typeof import("./debug_offsets.js")) => Promise<T> | T): Promise<T> {
  const upTo313 = Object.fromEntries(Object.entries(layouts).filter(([, table]) => table.version.major === 2 || table.version.minor <= 13));
  vi.resetModules();
  vi.doMock("./layouts.js", () => ({ layouts: upTo313, layoutFor: () => undefined }));
  try {
    return await run(await import("./debug_offsets.js"));
  } finally {
    vi.doUnmock("./layouts.js");
    vi.resetModules();
  }
}

/** The first sizeof(_Py_DebugOffsets) bytes of an interpreter's own _PyRuntime. */
async function runtimeOf(python: string, bytes: number): Promise<{ bytes: Uint8Array; hexversion: number }> {
  const { stdout } = await promisify(execFile)(python, ["-c", READ_RUNTIME, String(bytes)]);
  const [hex = "", hexversion = ""] = stdout.trim().split("\n");
  return { bytes: Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16)), hexversion: Number(hexversion) };
}

describe("debug offsets of the versions after 3.13", () => {
  // Each table is cross-checked with its interpreter's own description of itself.
  for (const version of ["3.14", "3.15"] as const) {
    const python = findInterpreter(version);
    const table = layouts[version];
    test.skipIf(python === undefined)(
      `layoutFromDebugOffsets() agrees with layouts["${version}"] on every field it gives, from the _PyRuntime of ${python ?? `python${version} (not provided: run node tools/testing/debian_pythons.mjs ${version})`}`,
      async () => {
        const { bytes, hexversion } = await runtimeOf(python as string, table.sizeof._Py_DebugOffsets);
        const decoded = decodeDebugOffsets(bytes);
        expect(decoded.version).toBe(hexversion);
        expect(decoded["free_threaded"]).toBe(0);
        const layout = layoutFromDebugOffsets(bytes);
        const groups = table as unknown as Record<string, Record<string, number>>;
        const got = layout as unknown as Record<string, Record<string, number>>;
        for (const { group, field } of DEBUG_OFFSETS_FIELDS) {
          expect(got[group]?.[field], `${version}: ${group}.${field}`).toBe(groups[group]?.[field]);
        }
        const { interpreters_main: _main, ...runtime } = table.models.runtime;
        const {
          ints: _i,
          dicts: _d,
          managedDict: _m,
          threadName: _t,
          locals: _l,
          handledException: _h,
          raisedException: _r,
          exceptionObject: _e,
          sets: _s,
          reprStyle: _p,
          ...reading
        } = table.models;
        expect(layout.models).toEqual({ ...reading, runtime });
        expect(layout.constants).toEqual(Object.fromEntries(Object.entries(table.constants).filter(([name]) => name.startsWith("FRAME_OWNED_BY_"))));
      },
    );
  }
});

describe("debug offsets", () => {
  test.skipIf(python313 === undefined)(
    `layoutFromDebugOffsets() agrees with layouts["3.13"] on every field it gives, from the _PyRuntime of ${python313 ?? "python3.13 (absent: set CORESTACK_PYTHON_3_13)"}`,
    async () => {
      const { bytes, hexversion } = await realBlob();
      expect(bytes.length).toBe(size);

      const decoded = decodeDebugOffsets(bytes);
      expect(decoded.cookie).toBe("xdebugpy");
      expect(decoded.version).toBe(hexversion);
      expect(decoded["free_threaded"]).toBe(0);

      // Every member the debug offsets carry that the table has too.
      let compared = 0;
      for (const { from, group, field, relativeTo } of DEBUG_OFFSETS_FIELDS) {
        const [section = "", member = ""] = from.split(".");
        let value = (decoded[section] as Record<string, number>)[member] as number;
        if (relativeTo !== undefined) {
          const [baseSection = "", baseMember = ""] = relativeTo.split(".");
          value -= (decoded[baseSection] as Record<string, number>)[baseMember] as number;
        }
        expect(value, `${from} = ${group}.${field}`).toBe(tableValue(group, field));
        compared += 1;
      }
      expect(compared).toBeGreaterThan(60);

      const layout = layoutFromDebugOffsets(bytes);
      expectAgreesWithTable(layout);
      expect(layout.source).toMatch(/^_Py_DebugOffsets of CPython 3\.13\.\d+ \(0x030d00f0\); the rest from the documented base$/);
    },
  );

  test("layoutFromDebugOffsets() maps every _Py_DebugOffsets member it knows to a field of the 3.13 table", () => {
    const members = Object.entries(struct).flatMap(([section, value]) =>
      typeof value === "number" ? [] : Object.keys(value).map((member) => `${section}.${member}`),
    );
    const mapped = new Set(DEBUG_OFFSETS_FIELDS.map((entry) => entry.from));
    // Members with no PythonLayout field, on purpose.
    const unmapped = members.filter((member) => !mapped.has(member));
    expect(unmapped).toEqual(["interpreter_state.gil_runtime_state_enabled", "type_object.tp_repr"]);
    for (const { group, field } of DEBUG_OFFSETS_FIELDS) expect(tableValue(group, field), `${group}.${field}`).toBeDefined();
  });

  test("layoutFromDebugOffsets() reads synthesized 3.13 bytes in both byte orders", () => {
    const little = layoutFromDebugOffsets(synthesize(true));
    const big = layoutFromDebugOffsets(synthesize(false), false);
    expect(big).toEqual(little);
    expectAgreesWithTable(little);
  });

  test("layoutFromDebugOffsets() builds the same layout when the tables hold nothing but the _Py_DebugOffsets struct layout", async () => {
    // A copy of the table map whose 3.13 entry keeps only what is per-version knowledge of the
    // debug offsets themselves: the struct's member offsets and size. Every other table is gone.
    const stripped = {
      "3.13": {
        version: v3_13.version,
        source: "the _Py_DebugOffsets struct layout of CPython 3.13.0 only",
        sizeof: { _Py_DebugOffsets: size },
        _Py_DebugOffsets: struct,
      },
    };
    vi.resetModules();
    vi.doMock("./layouts.js", () => ({ layouts: stripped, layoutFor: () => undefined }));
    try {
      const isolated = await import("./debug_offsets.js");
      expect(isolated.layoutFromDebugOffsets).not.toBe(layoutFromDebugOffsets);
      expect(Object.keys((await import("./layouts.js")).layouts)).toEqual(["3.13"]);
      for (const [name, bytes] of await blobs()) {
        const { source: _a, ...withoutTables } = isolated.layoutFromDebugOffsets(bytes);
        const { source: _b, ...withTables } = layoutFromDebugOffsets(bytes);
        expect(withoutTables, name).toEqual(withTables);
        const newer = isolated.layoutFromDebugOffsets(setU64(bytes, "version", 0x030e00f0n));
        expect(newer.version, name).toEqual({ major: 3, minor: 14 });
      }
    } finally {
      vi.doUnmock("./layouts.js");
      vi.resetModules();
    }
  });

  test("layoutFromDebugOffsets() takes carried fields from the bytes, the rest from the documented base", () => {
    const bytes = setU64(synthesize(), "thread_state.native_thread_id", 168n);
    const layout = layoutFromDebugOffsets(bytes);
    expect(layout.PyThreadState.native_thread_id).toBe(168);
    expect(v3_13.PyThreadState.native_thread_id).toBe(160); // the table is not modified
    expect(layout.PyASCIIObject_state).toEqual(debugOffsetsBase({ major: 3, minor: 13 }).PyASCIIObject_state);
    expect(layout.constants).toEqual({ FRAME_OWNED_BY_THREAD: 0, FRAME_OWNED_BY_GENERATOR: 1, FRAME_OWNED_BY_FRAME_OBJECT: 2, FRAME_OWNED_BY_CSTACK: 3 });
    expect(layout.PyCompactUnicodeObject).toEqual({ utf8_length: 40, utf8: 48 });
    expect(layout.PyUnicodeObject).toEqual({ data: 56 });
    // What neither the debug offsets nor the base give is absent, not borrowed from the table.
    expect(layout._PyRuntimeState.interpreters_main).toBeUndefined();
    expect(layout.PyModuleObject).toBeUndefined();
    expect(layout._dictkeysobject).toBeUndefined();
    expect(layout.PyDictObject.ma_used).toBeUndefined();
    expect(layout.PyTypeObject.tp_dictoffset).toBeUndefined();
    expect(layout.constants.PyLong_SHIFT).toBeUndefined();
    expect(layout._PyInterpreterFrame.frame_obj).toBeUndefined();
  });

  test("layoutFromDebugOffsets() refuses 3.13 debug offsets that contradict the documented base", () => {
    for (const [path, value] of [
      ["pyobject.ob_type", 0n],
      ["pyobject.size", 24n],
      ["tuple_object.ob_size", 24n],
      ["unicode_object.size", 72n],
    ] as const) {
      const bytes = setU64(synthesize(), path, value);
      if (path === "tuple_object.ob_size") {
        for (const other of ["list_object.ob_size", "bytes_object.ob_size"]) new DataView(bytes.buffer).setBigUint64(at(other), value, true);
      }
      expect(
        codeOf(() => layoutFromDebugOffsets(bytes)),
        path,
      ).toBe("inconsistent");
      expect(() => layoutFromDebugOffsets(bytes)).toThrow(/the documented base/);
    }
  });

  test("layoutFromDebugOffsets() reads a 3.14.0 with no table through the 3.13 _Py_DebugOffsets struct layout", async () => {
    const blobsOf313 = await blobs();
    await withTablesUpTo313(({ layoutFromDebugOffsets }) => {
      for (const [name, bytes] of blobsOf313) {
        const as313 = layoutFromDebugOffsets(bytes);
        const as314 = layoutFromDebugOffsets(setU64(bytes, "version", 0x030e00f0n));
        expect(as314.version, name).toEqual({ major: 3, minor: 14 });
        expect(as314.source).toBe(
          "_Py_DebugOffsets of CPython 3.14.0 (0x030e00f0), read with the struct layout of 3.13, the newest known; the rest from the documented base",
        );
        // Every field the debug offsets carry is what the same bytes say for 3.13.
        const fields313 = leaves(as313);
        for (const { group, field } of DEBUG_OFFSETS_FIELDS)
          expect(leaves(as314).get(`${group}.${field}`), `${name}: ${group}.${field}`).toBe(fields313.get(`${group}.${field}`));
        // The base is 3.14's: its frame owners were renumbered.
        expect(as314.constants).toEqual({
          FRAME_OWNED_BY_THREAD: 0,
          FRAME_OWNED_BY_GENERATOR: 1,
          FRAME_OWNED_BY_FRAME_OBJECT: 2,
          FRAME_OWNED_BY_INTERPRETER: 3,
          FRAME_OWNED_BY_CSTACK: 4,
        });
        const { version: _a, source: _b, constants: _c, models: models314, ...rest314 } = as314;
        const { version: _d, source: _e, constants: _f, models: models313, ...rest313 } = as313;
        expect(rest314).toEqual(rest313);
        // 3.14's executable is a tagged _PyStackRef; its shim frames are owned by the C stack or the interpreter.
        expect(models314.frames.reference).toEqual({ kind: "tagged", tagBits: 3 });
        expect([...models314.frames.skipOwners].sort()).toEqual([3, 4]);
        expect({ ...models314.frames, reference: undefined, skipOwners: undefined }).toEqual({
          ...models313.frames,
          reference: undefined,
          skipOwners: undefined,
        });
        // A later version still decodes (same checks), with no frame owners known.
        expect(layoutFromDebugOffsets(setU64(bytes, "version", 0x031000a1n)).constants).toEqual({});
      }
    });
  });

  test("decodeDebugOffsets() refuses a version with no table whose _Py_DebugOffsets does not fit the newest struct layout", async () => {
    const blobsOf313 = await blobs();
    await withTablesUpTo313(({ decodeDebugOffsets, layoutFromDebugOffsets }) => {
      for (const [name, bytes] of blobsOf313) {
        const v314 = setU64(bytes, "version", 0x030e00f0n);
        const refusals: Array<[string, Uint8Array]> = [
          ["a section without a size", setU64(v314, "thread_state.size", 0n)],
          ["a member outside its section", setU64(v314, "code_object.size", 64n)],
          // 3.14 inserts interpreter_state.threads_main after threads_head: every later member moves.
          ["a member inserted", insertMember(v314, "interpreter_state.threads_head", 7352n)],
          ["a value too large for an offset", setU64(v314, "gc.collecting", 1n << 40n)],
        ];
        for (const [what, refused] of refusals) {
          expect(
            codeOf(() => decodeDebugOffsets(refused)),
            `${name}: ${what}`,
          ).toBe("unsupported-version");
          expect(() => layoutFromDebugOffsets(refused), `${name}: ${what}`).toThrow(
            /^Cannot read _Py_DebugOffsets of CPython 3\.14\.0 with the struct layout of 3\.13, the newest known: .*; its layout differs$/,
          );
        }
        // Consistent sizes, but a member contradicts the documented base: the struct moved too.
        const contradicting = setU64(v314, "pyobject.ob_type", 0n);
        expect(
          codeOf(() => layoutFromDebugOffsets(contradicting)),
          name,
        ).toBe("unsupported-version");
        expect(() => layoutFromDebugOffsets(contradicting)).toThrow(/3\.14\.0 with the struct layout of 3\.13.*pyobject\.ob_type.*its layout differs/);
        // The same defects in a 3.13 (its own struct layout) keep their own codes.
        expect(codeOf(() => decodeDebugOffsets(setU64(bytes, "code_object.size", 64n)))).toBe("implausible-offset");
        expect(codeOf(() => layoutFromDebugOffsets(setU64(bytes, "pyobject.ob_type", 0n)))).toBe("inconsistent");
      }
    });
  });

  test("decodeDebugOffsets() rejects a wrong cookie", () => {
    const bytes = synthesize();
    bytes[0] = 0x58;
    expect(codeOf(() => decodeDebugOffsets(bytes))).toBe("bad-cookie");
    expect(() => decodeDebugOffsets(bytes)).toThrow(/cookie is "Xdebugpy", not "xdebugpy"/);
  });

  test("decodeDebugOffsets() rejects truncated bytes", () => {
    expect(codeOf(() => decodeDebugOffsets(synthesize().subarray(0, 15)))).toBe("truncated");
    expect(codeOf(() => decodeDebugOffsets(synthesize().subarray(0, size - 1)))).toBe("truncated");
    expect(() => decodeDebugOffsets(synthesize().subarray(0, 100))).toThrow(/100 of 584 bytes given/);
  });

  test("decodeDebugOffsets() rejects versions without a known _Py_DebugOffsets layout", async () => {
    // 3.12 had none; 4.0 is not a 3.x newer than the tables; the upper half of the version must be 0.
    for (const version of [0x030c01f0n, 0x030600f0n, 0x040000f0n, 0x1_030d00f0n]) {
      expect(codeOf(() => decodeDebugOffsets(setU64(synthesize(), "version", version)))).toBe("unsupported-version");
    }
    expect(() => decodeDebugOffsets(setU64(synthesize(), "version", 0x030c01f0n))).toThrow(/version 0x30c01f0/);
    // A 3.x newer than every table decodes with the newest struct layout, its sizes being consistent.
    await withTablesUpTo313(({ decodeDebugOffsets }) => {
      expect(decodeDebugOffsets(setU64(synthesize(), "version", 0x030e00f0n)).version).toBe(0x030e00f0);
    });
    // With its own table, 3.14 is decoded with its own struct: 3.13-shaped bytes do not fit it.
    expect(codeOf(() => decodeDebugOffsets(setU64(synthesize(), "version", 0x030e00f0n)))).toBe("truncated");
    // Another 3.13 patch release or pre-release is fine.
    expect(decodeDebugOffsets(setU64(synthesize(), "version", 0x030d05f0n)).version).toBe(0x030d05f0);
    expect(layoutFromDebugOffsets(setU64(synthesize(), "version", 0x030d00c1n)).source).toMatch(/^_Py_DebugOffsets of CPython 3\.13\.0rc1 /);
  });

  test("decodeDebugOffsets() rejects offsets outside their struct", () => {
    const outside = setU64(synthesize(), "thread_state.native_thread_id", 4096n);
    expect(codeOf(() => decodeDebugOffsets(outside))).toBe("implausible-offset");
    expect(() => decodeDebugOffsets(outside)).toThrow(/thread_state\.native_thread_id at offset 0xc8: 4096 is not inside the 304-byte struct/);
    const huge = setU64(synthesize(), "runtime_state.size", 1n << 40n);
    expect(codeOf(() => decodeDebugOffsets(huge))).toBe("implausible-offset");
  });

  test("layoutFromDebugOffsets() rejects free-threaded builds and inconsistent members", () => {
    expect(codeOf(() => layoutFromDebugOffsets(setU64(synthesize(), "free_threaded", 1n)))).toBe("free-threaded");
    expect(codeOf(() => layoutFromDebugOffsets(setU64(synthesize(), "list_object.ob_size", 8n)))).toBe("inconsistent");
    const lockedFirst = setU64(synthesize(), "interpreter_state.gil_runtime_state_locked", 8n);
    expect(codeOf(() => layoutFromDebugOffsets(lockedFirst))).toBe("implausible-offset");
  });

  test("decodeDebugOffsets() needs a Uint8Array", () => {
    expect(() => decodeDebugOffsets([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });

  test("layoutFromDebugOffsets() returns a layout or throws LayoutFormatError for any bytes", () => {
    const valid = synthesize();
    const mutated = fc.array(fc.tuple(fc.nat({ max: size - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).chain((edits) =>
      fc.nat({ max: size + 8 }).map((length) => {
        const bytes = new Uint8Array(length);
        bytes.set(valid.subarray(0, Math.min(length, size)));
        for (const [offset, value] of edits) if (offset < length) bytes[offset] = value;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 700 })), fc.boolean(), (bytes, littleEndian) => {
        try {
          const layout = layoutFromDebugOffsets(bytes, littleEndian);
          expect(layout.version.major).toBe(3);
          expect(layout.version.minor).toBeGreaterThanOrEqual(13);
        } catch (error) {
          if (!LayoutFormatError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { findInterpreter } from "../../../tools/layouts/matrix.mjs";
import {
  DEBUG_OFFSETS_COOKIE,
  DEBUG_OFFSETS_FIELDS,
  decodeDebugOffsets,
  layoutFromDebugOffsets,
} from "./debug_offsets.js";
import type { DebugOffsetsLayout } from "./layout.js";
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

describe("debug offsets", () => {
  test.skipIf(python313 === undefined)(
    `layoutFromDebugOffsets() agrees with layouts["3.13"] on the _PyRuntime of ${python313 ?? "python3.13 (absent: set CORESTACK_PYTHON_3_13)"}`,
    async () => {
      const { stdout } = await promisify(execFile)(python313 as string, ["-c", READ_RUNTIME, String(size)]);
      const [hex = "", hexversion = ""] = stdout.trim().split("\n");
      const bytes = Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
      expect(bytes.length).toBe(size);

      const decoded = decodeDebugOffsets(bytes);
      expect(decoded.cookie).toBe("xdebugpy");
      expect(decoded.version).toBe(Number(hexversion));
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
      const { source, ...rest } = layout;
      const { source: _tableSource, ...table } = v3_13;
      expect(rest).toEqual(table);
      expect(source).toMatch(/^_Py_DebugOffsets of CPython 3\.13\.\d+ \(0x030d00f0\)/);
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
    const { source: _a, ...table } = v3_13;
    const { source: _b, ...little } = layoutFromDebugOffsets(synthesize(true));
    const { source: _c, ...big } = layoutFromDebugOffsets(synthesize(false), false);
    expect(little).toEqual(table);
    expect(big).toEqual(table);
  });

  test("layoutFromDebugOffsets() takes carried fields from the bytes, the rest from the table", () => {
    const bytes = setU64(synthesize(), "thread_state.native_thread_id", 168n);
    const layout = layoutFromDebugOffsets(bytes);
    expect(layout.PyThreadState.native_thread_id).toBe(168);
    expect(layout.PyASCIIObject_state).toEqual(v3_13.PyASCIIObject_state);
    expect(layout.constants).toEqual(v3_13.constants);
    expect(v3_13.PyThreadState.native_thread_id).toBe(160); // the table is not modified
  });

  test("decodeDebugOffsets() rejects a wrong cookie", () => {
    const bytes = synthesize();
    bytes[0] = 0x58;
    expect(codeOf(() => decodeDebugOffsets(bytes))).toBe("bad_cookie");
    expect(() => decodeDebugOffsets(bytes)).toThrow(/cookie is "Xdebugpy", not "xdebugpy"/);
  });

  test("decodeDebugOffsets() rejects truncated bytes", () => {
    expect(codeOf(() => decodeDebugOffsets(synthesize().subarray(0, 15)))).toBe("truncated");
    expect(codeOf(() => decodeDebugOffsets(synthesize().subarray(0, size - 1)))).toBe("truncated");
    expect(() => decodeDebugOffsets(synthesize().subarray(0, 100))).toThrow(/100 of 584 bytes given/);
  });

  test("decodeDebugOffsets() rejects versions without a known _Py_DebugOffsets layout", () => {
    for (const version of [0x030c01f0n, 0x030e00f0n, 0x040000f0n, 0x1_030d00f0n]) {
      expect(codeOf(() => decodeDebugOffsets(setU64(synthesize(), "version", version)))).toBe("unsupported_version");
    }
    expect(() => decodeDebugOffsets(setU64(synthesize(), "version", 0x030e00f0n))).toThrow(/version 0x30e00f0/);
    // Another 3.13 patch release or pre-release is fine.
    expect(decodeDebugOffsets(setU64(synthesize(), "version", 0x030d05f0n)).version).toBe(0x030d05f0);
    expect(layoutFromDebugOffsets(setU64(synthesize(), "version", 0x030d00c1n)).source).toMatch(/^_Py_DebugOffsets of CPython 3\.13\.0rc1 /);
  });

  test("decodeDebugOffsets() rejects offsets outside their struct", () => {
    const outside = setU64(synthesize(), "thread_state.native_thread_id", 4096n);
    expect(codeOf(() => decodeDebugOffsets(outside))).toBe("implausible_offset");
    expect(() => decodeDebugOffsets(outside)).toThrow(/thread_state\.native_thread_id at offset 0xc8: 4096 is not inside the 304-byte struct/);
    const huge = setU64(synthesize(), "runtime_state.size", 1n << 40n);
    expect(codeOf(() => decodeDebugOffsets(huge))).toBe("implausible_offset");
  });

  test("layoutFromDebugOffsets() rejects free-threaded builds and inconsistent members", () => {
    expect(codeOf(() => layoutFromDebugOffsets(setU64(synthesize(), "free_threaded", 1n)))).toBe("free_threaded");
    expect(codeOf(() => layoutFromDebugOffsets(setU64(synthesize(), "list_object.ob_size", 8n)))).toBe("inconsistent");
    const lockedFirst = setU64(synthesize(), "interpreter_state.gil_runtime_state_locked", 8n);
    expect(codeOf(() => layoutFromDebugOffsets(lockedFirst))).toBe("implausible_offset");
  });

  test("decodeDebugOffsets() needs a Uint8Array", () => {
    expect(() => decodeDebugOffsets([1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });

  test("layoutFromDebugOffsets() returns a layout or throws LayoutFormatError for any bytes", () => {
    const valid = synthesize();
    const mutated = fc
      .array(fc.tuple(fc.nat({ max: size - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
      .chain((edits) =>
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
          expect(layout.version).toEqual({ major: 3, minor: 13 });
        } catch (error) {
          if (!LayoutFormatError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { compactUnicodeLayout, debugOffsetsBase } from "./debug_offsets_base.js";
import type { DebugOffsetsLayout, PythonLayout, PythonLayoutFromDebugOffsets, PythonVersion } from "./layout.js";
import { LayoutFormatError } from "./layout_format_error.js";
import { type LayoutVersion, layouts } from "./layouts.js";

/** The value of `_Py_DebugOffsets.cookie`. */
export const DEBUG_OFFSETS_COOKIE = "xdebugpy";

/**
 * Where `cookie` and `version` sit. Every `_Py_DebugOffsets` so far starts with them (3.13, and
 * 3.14 keeps them), so they are read before knowing which version's struct layout applies.
 */
const COOKIE_OFFSET = 0;
const VERSION_OFFSET = 8;
const PREFIX_SIZE = 16;

/** No CPython struct is 16 MiB; a larger "offset" means the bytes are not debug offsets. */
const MAX_OFFSET = 0x100_0000;

/**
 * `_Py_DebugOffsets` as read from memory: `cookie`, `version` (`PY_VERSION_HEX`, e.g.
 * `0x030d00f0` for 3.13.0), `free_threaded`, and one object per section (`thread_state`,
 * `interpreter_frame`, …) mapping each member to its value, as the C struct names them.
 */
export interface DebugOffsets {
  /** `"xdebugpy"`. */
  readonly cookie: string;
  /** `PY_VERSION_HEX`: major `<< 24`, minor `<< 16`, micro `<< 8`, release level `<< 4`, serial. */
  readonly version: number;
  /** Other scalar members (`free_threaded`) and the sections. */
  readonly [member: string]: string | number | Readonly<Record<string, number>>;
}

/** A `_Py_DebugOffsets` struct layout: the one of a generated table (3.13+). */
interface KnownStruct {
  /** The minor version whose headers it was generated from. */
  readonly version: PythonVersion;
  /** Member offsets. */
  readonly layout: DebugOffsetsLayout;
  /** `sizeof(_Py_DebugOffsets)`. */
  readonly size: number;
}

/**
 * The struct layout to decode `_Py_DebugOffsets` of a version with: its own (`exact`), or for a
 * 3.x newer than every table, the newest known (`exact: false`), whose reading is then validated.
 * Only the `_Py_DebugOffsets` member offsets of the tables are used, nothing else of them.
 */
function structFor(rawVersion: bigint): { readonly struct: KnownStruct; readonly exact: boolean } | undefined {
  if (rawVersion >> 32n !== 0n) return undefined;
  const major = Number(rawVersion >> 24n);
  const minor = Number((rawVersion >> 16n) & 0xffn);
  // Newest first, by the registry's keys ("major.minor"): a table is read only when needed (the
  // CLI's bundle makes each at its first use).
  const versions = Object.keys(layouts)
    .map((key) => ({ key: key as LayoutVersion, version: versionOfKey(key) }))
    .sort((a, b) => compare(b.version, a.version));
  const structOf = (key: LayoutVersion): KnownStruct | undefined => {
    const table: PythonLayout = layouts[key];
    const layout = table._Py_DebugOffsets;
    const size = table.sizeof._Py_DebugOffsets;
    return layout === undefined || size === undefined ? undefined : { version: table.version, layout, size };
  };
  const version = { major, minor };
  const exact = versions.find((entry) => compare(entry.version, version) === 0);
  if (exact !== undefined) {
    const struct = structOf(exact.key);
    return struct === undefined ? undefined : { struct, exact: true };
  }
  const newestTable = versions[0]?.version;
  if (newestTable === undefined || compare(version, newestTable) <= 0) return undefined;
  for (const { key } of versions) {
    const struct = structOf(key);
    if (struct !== undefined) return major === struct.version.major ? { struct, exact: false } : undefined;
  }
  return undefined;
}

/** The version of a key of {@link layouts}, e.g. `{ major: 3, minor: 12 }` for `"3.12"`. */
function versionOfKey(key: string): PythonVersion {
  const [major, minor] = key.split(".");
  return { major: Number(major), minor: Number(minor) };
}

function compare(a: PythonVersion, b: PythonVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

/** What {@link decode} found: the values, and the struct layout they were read with. */
interface Decoded {
  readonly values: DebugOffsets;
  readonly struct: KnownStruct;
  /** False when the version is newer than every table and the newest struct layout was assumed. */
  readonly exact: boolean;
}

/**
 * Decodes the `_Py_DebugOffsets` struct that starts `_PyRuntime` in CPython 3.13+. The struct's
 * own layout changes between minor versions: the version field picks it from the generated table
 * of that version (`layouts["3.13"]._Py_DebugOffsets`, only that member of the table). A 3.x
 * newer than every table is read with the newest struct layout known, if what it reads is
 * consistent: every section's `size` is set and every member lies inside it; otherwise the
 * struct evidently changed, and the version is refused (`unsupported-version`).
 *
 * @param bytes at least the first `sizeof(_Py_DebugOffsets)` bytes of `_PyRuntime`
 *   (`layouts["3.13"].sizeof._Py_DebugOffsets`, 584 for 3.13).
 * @param littleEndian byte order of the target; `true` for x86-64 and aarch64.
 * @returns every member's value.
 * @throws {LayoutFormatError} `truncated`, `bad-cookie`, `unsupported-version` (no struct layout
 *   for the version, or a newer version whose struct evidently differs from the newest known), or
 *   `implausible-offset` (a value outside its section's `size`, or over 16 MiB).
 * @throws {TypeError} when `bytes` is not a `Uint8Array`.
 *
 * @example
 * ```ts
 * import { decodeDebugOffsets } from "@corestack/cpython-layouts";
 *
 * declare const runtimeBytes: Uint8Array; // read from the address of `_PyRuntime`
 * const offsets = decodeDebugOffsets(runtimeBytes);
 * console.log(offsets.version.toString(16)); // "30d00f0"
 * console.log(offsets["thread_state"]); // { size: 304, prev: 0, next: 8, … }
 * ```
 */
export function decodeDebugOffsets(bytes: Uint8Array, littleEndian = true): DebugOffsets {
  return decode(bytes, littleEndian).values;
}

function decode(bytes: Uint8Array, littleEndian: boolean): Decoded {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decodeDebugOffsets() needs a Uint8Array");
  requireBytes(bytes, PREFIX_SIZE, "the _Py_DebugOffsets cookie and version");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cookie = String.fromCharCode(...bytes.subarray(COOKIE_OFFSET, COOKIE_OFFSET + 8));
  if (cookie !== DEBUG_OFFSETS_COOKIE) {
    throw new LayoutFormatError(`Cannot read _Py_DebugOffsets at offset 0x0: cookie is ${JSON.stringify(cookie)}, not "${DEBUG_OFFSETS_COOKIE}"`, {
      offset: COOKIE_OFFSET,
      code: "bad-cookie",
    });
  }
  const rawVersion = view.getBigUint64(VERSION_OFFSET, littleEndian);
  const version = Number(rawVersion & 0xffff_ffffn);
  const chosen = structFor(rawVersion);
  if (chosen === undefined) {
    throw new LayoutFormatError(
      `Cannot read _Py_DebugOffsets: version 0x${rawVersion.toString(16)} at offset 0x${VERSION_OFFSET.toString(16)} ` +
        `is not a version with a known _Py_DebugOffsets layout`,
      { offset: VERSION_OFFSET, code: "unsupported-version" },
    );
  }
  const { struct, exact } = chosen;
  const assumed =
    `_Py_DebugOffsets of CPython ${formatVersionHex(version)} with the struct layout of ` + `${struct.version.major}.${struct.version.minor}, the newest known`;
  // A newer version read with an assumed struct layout: any implausible value means the layout differs.
  const fail = (message: string, offset: number, code: "implausible-offset"): never => {
    if (exact) throw new LayoutFormatError(`Cannot read _Py_DebugOffsets.${message}`, { offset, code });
    throw new LayoutFormatError(`Cannot read ${assumed}: ${message}; its layout differs`, { offset, code: "unsupported-version" });
  };
  requireBytes(bytes, struct.size, exact ? `_Py_DebugOffsets of ${formatVersionHex(version)}` : assumed);

  const read = (offset: number, name: string): number => {
    const value = view.getBigUint64(offset, littleEndian);
    if (value > BigInt(MAX_OFFSET)) {
      fail(`${name} at offset 0x${offset.toString(16)}: 0x${value.toString(16)} is too large`, offset, "implausible-offset");
    }
    return Number(value);
  };

  const decoded: Record<string, string | number | Readonly<Record<string, number>>> = { cookie, version };
  for (const [member, at] of Object.entries(struct.layout)) {
    if (member === "cookie" || member === "version") continue;
    if (typeof at === "number") {
      decoded[member] = read(at, member);
      continue;
    }
    const section: Record<string, number> = {};
    for (const [field, fieldAt] of Object.entries(at)) section[field] = read(fieldAt, `${member}.${field}`);
    const size = section["size"];
    if (!exact && size === 0) {
      const offset = at["size"] ?? 0;
      fail(`${member}.size at offset 0x${offset.toString(16)}: 0 is not the size of a struct`, offset, "implausible-offset");
    }
    if (size !== undefined && size > 0) {
      for (const [field, value] of Object.entries(section)) {
        // `*_size` members (`asciiobject_size`, 3.15's `gc.generation_stats_size`) are sizes, not offsets.
        if (field !== "size" && !field.endsWith("_size") && value >= size) {
          const offset = at[field] ?? 0;
          fail(`${member}.${field} at offset 0x${offset.toString(16)}: ${value} is not inside the ${size}-byte struct`, offset, "implausible-offset");
        }
      }
    }
    decoded[member] = section;
  }
  return { values: decoded as DebugOffsets, struct, exact };
}

/**
 * How `_Py_DebugOffsets` members map to `PythonLayout` fields: `[section.member, group, field]`,
 * and for offsets into an embedded struct, the member they are relative to.
 */
const MAPPING: ReadonlyArray<readonly [from: string, group: string, field: string, relativeTo?: string]> = [
  ["runtime_state.size", "sizeof", "_PyRuntimeState"],
  ["runtime_state.finalizing", "_PyRuntimeState", "_finalizing"],
  ["runtime_state.interpreters_head", "_PyRuntimeState", "interpreters_head"],
  ["interpreter_state.size", "sizeof", "PyInterpreterState"],
  ["interpreter_state.id", "PyInterpreterState", "id"],
  ["interpreter_state.next", "PyInterpreterState", "next"],
  ["interpreter_state.threads_head", "PyInterpreterState", "threads_head"],
  ["interpreter_state.gc", "PyInterpreterState", "gc"],
  ["interpreter_state.imports_modules", "PyInterpreterState", "imports_modules"],
  ["interpreter_state.sysdict", "PyInterpreterState", "sysdict"],
  ["interpreter_state.builtins", "PyInterpreterState", "builtins"],
  ["interpreter_state.ceval_gil", "PyInterpreterState", "ceval_gil"],
  ["interpreter_state.gil_runtime_state", "PyInterpreterState", "_gil"],
  ["interpreter_state.gil_runtime_state_locked", "_gil_runtime_state", "locked", "interpreter_state.gil_runtime_state"],
  ["interpreter_state.gil_runtime_state_holder", "_gil_runtime_state", "last_holder", "interpreter_state.gil_runtime_state"],
  ["thread_state.size", "sizeof", "PyThreadState"],
  ["thread_state.prev", "PyThreadState", "prev"],
  ["thread_state.next", "PyThreadState", "next"],
  ["thread_state.interp", "PyThreadState", "interp"],
  ["thread_state.current_frame", "PyThreadState", "current_frame"],
  ["thread_state.thread_id", "PyThreadState", "thread_id"],
  ["thread_state.native_thread_id", "PyThreadState", "native_thread_id"],
  ["thread_state.datastack_chunk", "PyThreadState", "datastack_chunk"],
  ["thread_state.status", "PyThreadState", "_status"],
  ["interpreter_frame.size", "sizeof", "_PyInterpreterFrame"],
  ["interpreter_frame.previous", "_PyInterpreterFrame", "previous"],
  ["interpreter_frame.executable", "_PyInterpreterFrame", "f_executable"],
  ["interpreter_frame.instr_ptr", "_PyInterpreterFrame", "instr_ptr"],
  ["interpreter_frame.localsplus", "_PyInterpreterFrame", "localsplus"],
  ["interpreter_frame.owner", "_PyInterpreterFrame", "owner"],
  ["code_object.size", "sizeof", "PyCodeObject"],
  ["code_object.filename", "PyCodeObject", "co_filename"],
  ["code_object.name", "PyCodeObject", "co_name"],
  ["code_object.qualname", "PyCodeObject", "co_qualname"],
  ["code_object.linetable", "PyCodeObject", "co_linetable"],
  ["code_object.firstlineno", "PyCodeObject", "co_firstlineno"],
  ["code_object.argcount", "PyCodeObject", "co_argcount"],
  ["code_object.localsplusnames", "PyCodeObject", "co_localsplusnames"],
  ["code_object.localspluskinds", "PyCodeObject", "co_localspluskinds"],
  ["code_object.co_code_adaptive", "PyCodeObject", "co_code_adaptive"],
  ["pyobject.size", "sizeof", "PyObject"],
  ["pyobject.ob_type", "PyObject", "ob_type"],
  ["type_object.size", "sizeof", "PyTypeObject"],
  ["type_object.tp_name", "PyTypeObject", "tp_name"],
  ["type_object.tp_flags", "PyTypeObject", "tp_flags"],
  ["tuple_object.size", "sizeof", "PyTupleObject"],
  ["tuple_object.ob_item", "PyTupleObject", "ob_item"],
  ["tuple_object.ob_size", "PyVarObject", "ob_size"],
  ["list_object.size", "sizeof", "PyListObject"],
  ["list_object.ob_item", "PyListObject", "ob_item"],
  ["list_object.ob_size", "PyVarObject", "ob_size"],
  ["dict_object.size", "sizeof", "PyDictObject"],
  ["dict_object.ma_keys", "PyDictObject", "ma_keys"],
  ["dict_object.ma_values", "PyDictObject", "ma_values"],
  ["float_object.size", "sizeof", "PyFloatObject"],
  ["float_object.ob_fval", "PyFloatObject", "ob_fval"],
  ["long_object.size", "sizeof", "PyLongObject"],
  ["long_object.lv_tag", "PyLongObject", "long_value_lv_tag"],
  ["long_object.ob_digit", "PyLongObject", "long_value_ob_digit"],
  ["bytes_object.size", "sizeof", "PyBytesObject"],
  ["bytes_object.ob_size", "PyVarObject", "ob_size"],
  ["bytes_object.ob_sval", "PyBytesObject", "ob_sval"],
  ["unicode_object.size", "sizeof", "PyUnicodeObject"],
  ["unicode_object.state", "PyASCIIObject", "state"],
  ["unicode_object.length", "PyASCIIObject", "length"],
  ["unicode_object.asciiobject_size", "sizeof", "PyASCIIObject"],
  ["gc.size", "sizeof", "_gc_runtime_state"],
  ["gc.collecting", "_gc_runtime_state", "collecting"],
];

/**
 * The `PythonLayout` fields that a `_Py_DebugOffsets` member determines, as
 * `{ from: "thread_state.native_thread_id", group: "PyThreadState", field: "native_thread_id" }`;
 * members relative to an embedded struct name it in `relativeTo`. Members not listed
 * (`tp_repr`, `gil_runtime_state_enabled`) have no field.
 *
 * @example
 * ```ts
 * import { DEBUG_OFFSETS_FIELDS } from "@corestack/cpython-layouts";
 *
 * DEBUG_OFFSETS_FIELDS.find((entry) => entry.from === "code_object.qualname");
 * // { from: "code_object.qualname", group: "PyCodeObject", field: "co_qualname" }
 * ```
 */
export const DEBUG_OFFSETS_FIELDS: ReadonlyArray<{
  readonly from: string;
  readonly group: string;
  readonly field: string;
  readonly relativeTo?: string;
}> = /* @__PURE__ */ MAPPING.map(([from, group, field, relativeTo]) =>
  relativeTo === undefined ? { from, group, field } : { from, group, field, relativeTo },
);
// Marked pure so that a bundle that never reads the table (the CLI's) leaves it out: built at load, it
// cost every start ~0.33 M instructions and 14 KB of young generation (packages/cli/README.md).

/**
 * Builds a layout from the `_Py_DebugOffsets` of a running or dumped CPython 3.13+ and nothing
 * else: every field the debug offsets carry (thread, interpreter, frame and code offsets, GIL and
 * GC state, object headers) comes from the bytes, and the few stable facts they do not carry
 * (`PyObject`'s header, the `PyASCIIObject.state` bits, what follows `PyASCIIObject`, the frame
 * owners, the frame model) from the documented base, {@link debugOffsetsBase}. No generated table
 * is consulted beyond the `_Py_DebugOffsets` struct layout itself, so this reads a build whose
 * layout differs from the headers corestack was generated from, and a 3.x newer than every table
 * whose `_Py_DebugOffsets` still has the newest known struct layout (see
 * {@link decodeDebugOffsets}). The fields neither source has are absent: see
 * {@link PythonLayoutFromDebugOffsets}.
 *
 * @param bytes at least the first `sizeof(_Py_DebugOffsets)` bytes of `_PyRuntime`.
 * @param littleEndian byte order of the target; `true` for x86-64 and aarch64.
 * @returns the layout; `source` says it came from debug offsets.
 * @throws {LayoutFormatError} as {@link decodeDebugOffsets} does, and `free_threaded` for a
 *   `Py_GIL_DISABLED` build, `inconsistent` when two members that describe one field disagree
 *   (`tuple_object.ob_size` and `list_object.ob_size`) or a member disagrees with the documented
 *   base (`pyobject.ob_type` is not 8); for a version newer than every table, any such
 *   disagreement is `unsupported-version`: its struct layout evidently differs.
 * @throws {TypeError} when `bytes` is not a `Uint8Array`.
 *
 * @example
 * ```ts
 * import { layoutFromDebugOffsets } from "@corestack/cpython-layouts";
 *
 * declare const runtimeBytes: Uint8Array; // read from the address of `_PyRuntime`
 * const layout = layoutFromDebugOffsets(runtimeBytes);
 * console.log(layout.version, layout.PyThreadState.native_thread_id); // { major: 3, minor: 13 } 160
 * ```
 */
export function layoutFromDebugOffsets(bytes: Uint8Array, littleEndian = true): PythonLayoutFromDebugOffsets {
  const { values: decoded, struct, exact } = decode(bytes, littleEndian);
  const version = decoded.version;
  const pythonVersion = { major: version >>> 24, minor: (version >>> 16) & 0xff };
  const structLayout = struct.layout;
  const structName = `${struct.version.major}.${struct.version.minor}`;
  const fail = (message: string, offset: number, code: "implausible-offset" | "inconsistent"): never => {
    if (exact) throw new LayoutFormatError(`Cannot use _Py_DebugOffsets.${message}`, { offset, code });
    throw new LayoutFormatError(
      `Cannot use _Py_DebugOffsets of CPython ${formatVersionHex(version)} with the struct layout of ${structName}, ` +
        `the newest known: ${message}; its layout differs`,
      { offset, code: "unsupported-version" },
    );
  };
  if (typeof decoded["free_threaded"] === "number" && decoded["free_threaded"] !== 0) {
    throw new LayoutFormatError(
      `Cannot use _Py_DebugOffsets of ${formatVersionHex(version)}: a free-threaded build (free_threaded at offset ` +
        `0x${offsetOf(structLayout, "free_threaded").toString(16)}), whose object layout corestack does not know`,
      { offset: offsetOf(structLayout, "free_threaded"), code: "free-threaded" },
    );
  }

  const base = debugOffsetsBase(pythonVersion);
  const groups: Record<string, Record<string, number>> = {};
  const assigned = new Map<string, { value: number; from: string }>();
  // `from`: a member ("tuple_object.ob_size"), or the documented base (a label starting "the documented base").
  const BASE = "the documented base";
  const assign = (group: string, field: string, value: number, from: string): void => {
    const key = `${group}.${field}`;
    const earlier = assigned.get(key);
    if (earlier !== undefined && earlier.value !== value) {
      const [member, other] = from.startsWith(BASE) ? [earlier, { value, from }] : [{ value, from }, earlier];
      const offset = offsetOf(structLayout, member.from);
      const says = other.from.startsWith(BASE) ? other.from : `_Py_DebugOffsets.${other.from}`;
      const message = `${member.from} at offset 0x${offset.toString(16)}: it says ${key} is ${member.value}, ${says} says ${other.value}`;
      fail(message, offset, "inconsistent");
    }
    assigned.set(key, { value, from });
    (groups[group] ??= {})[field] = value;
  };
  // The base first: a member that describes the same field must agree with it.
  assign("sizeof", "PyObject", base.sizeof.PyObject, BASE);
  assign("sizeof", "PyVarObject", base.sizeof.PyVarObject, BASE);
  assign("PyObject", "ob_refcnt", base.PyObject.ob_refcnt, BASE);
  assign("PyObject", "ob_type", base.PyObject.ob_type, BASE);
  assign("PyVarObject", "ob_size", base.PyVarObject.ob_size, BASE);
  for (const [from, group, field, relativeTo] of MAPPING) {
    let value = lookup(decoded, from);
    if (value === undefined) {
      throw new LayoutFormatError(`Cannot use _Py_DebugOffsets of ${formatVersionHex(version)}: the struct layout of ${structName} has no ${from}`, {
        offset: 0,
        code: "unsupported-version",
      });
    }
    if (relativeTo !== undefined) {
      const origin = lookup(decoded, relativeTo) ?? 0;
      value -= origin;
      if (value < 0) {
        const offset = offsetOf(structLayout, from);
        fail(`${from} at offset 0x${offset.toString(16)}: it is before ${relativeTo}`, offset, "implausible-offset");
      }
    }
    assign(group, field, value, from);
  }
  // What follows PyASCIIObject, from its size; sizeof(PyUnicodeObject) is carried and must agree.
  const unicode = compactUnicodeLayout(groups["sizeof"]?.["PyASCIIObject"] ?? 0);
  assign("sizeof", "PyUnicodeObject", unicode.sizeofUnicodeObject, `${BASE} (unicode_object.asciiobject_size + 24)`);
  assign("sizeof", "PyCompactUnicodeObject", unicode.sizeof, BASE);
  assign("PyCompactUnicodeObject", "utf8_length", unicode.utf8_length, BASE);
  assign("PyCompactUnicodeObject", "utf8", unicode.utf8, BASE);
  assign("PyUnicodeObject", "data", unicode.data, BASE);

  const read = exact ? "" : `, read with the struct layout of ${structName}, the newest known`;
  const field = (group: string, key: string): number => {
    const value = groups[group]?.[key];
    if (value === undefined) throw new Error(`layoutFromDebugOffsets: ${group}.${key} was not assigned`); // MAPPING lists every one
    return value;
  };
  const owners = base.constants;
  // 3.15 added `holds_gil` and `gil_requested` to thread_state; earlier structs do not have them.
  const gilRequested = lookup(decoded, "thread_state.gil_requested");
  const models: PythonLayoutFromDebugOffsets["models"] = {
    threadList: { kind: "threads_head", head: field("PyInterpreterState", "threads_head") },
    runtime: { kind: "runtime", interpreters_head: field("_PyRuntimeState", "interpreters_head"), debugOffsets: true },
    frames: {
      kind: "interpreter_frame",
      start: { kind: "current_frame", current_frame: field("PyThreadState", "current_frame") },
      previous: field("_PyInterpreterFrame", "previous"),
      executable: field("_PyInterpreterFrame", "f_executable"),
      reference: base.executableReference,
      instruction: field("_PyInterpreterFrame", "instr_ptr"),
      owner: field("_PyInterpreterFrame", "owner"),
      skipOwners: [owners.FRAME_OWNED_BY_CSTACK, owners.FRAME_OWNED_BY_INTERPRETER].filter((owner) => owner !== undefined),
      co_code_adaptive: field("PyCodeObject", "co_code_adaptive"),
    },
    code: { kind: "locations", table: field("PyCodeObject", "co_linetable") },
    gil: {
      kind: "interpreter",
      ceval_gil: field("PyInterpreterState", "ceval_gil"),
      locked: field("_gil_runtime_state", "locked"),
      last_holder: field("_gil_runtime_state", "last_holder"),
    },
    gc: { kind: "interpreter", collecting: field("PyInterpreterState", "gc") + field("_gc_runtime_state", "collecting") },
    threadGil: gilRequested === undefined ? { kind: "none" } : { kind: "gil_requested", gil_requested: gilRequested },
    text: {
      kind: "pep393",
      length: field("PyASCIIObject", "length"),
      state: field("PyASCIIObject", "state"),
      stateBits: { kind: base.PyASCIIObject_state.kind, compact: base.PyASCIIObject_state.compact, ascii: base.PyASCIIObject_state.ascii },
      asciiData: field("sizeof", "PyASCIIObject"),
      compactData: field("sizeof", "PyCompactUnicodeObject"),
      data: field("PyUnicodeObject", "data"),
      ob_sval: field("PyBytesObject", "ob_sval"),
    },
  };
  return {
    ...groups,
    version: pythonVersion,
    source: `_Py_DebugOffsets of CPython ${formatVersionHex(version)} (0x${version.toString(16).padStart(8, "0")})${read}; the rest from the documented base`,
    models,
    pointerSize: base.pointerSize,
    sizeof: { ...groups["sizeof"], _Py_DebugOffsets: struct.size },
    PyASCIIObject_state: base.PyASCIIObject_state,
    constants: { ...base.constants },
    _Py_DebugOffsets: structLayout,
  } as unknown as PythonLayoutFromDebugOffsets;
}

function requireBytes(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length < length) {
    throw new LayoutFormatError(`Cannot read ${what} at offset 0x0: ${bytes.length} of ${length} bytes given`, { offset: bytes.length, code: "truncated" });
  }
}

function lookup(decoded: DebugOffsets, path: string): number | undefined {
  const [section, member] = path.split(".");
  const value = decoded[section ?? ""];
  if (member === undefined) return typeof value === "number" ? value : undefined;
  return typeof value === "object" ? value[member] : undefined;
}

function offsetOf(structLayout: DebugOffsetsLayout, path: string): number {
  const [section, member] = path.split(".");
  const value = structLayout[section ?? ""];
  if (typeof value === "number") return value;
  return (member === undefined ? undefined : value?.[member]) ?? 0;
}

const RELEASE_LEVELS: Readonly<Record<number, string>> = { 0xa: "a", 0xb: "b", 0xc: "rc" };

/** `0x030d00f0` → `"3.13.0"`, `0x030e00a2` → `"3.14.0a2"`. */
function formatVersionHex(version: number): string {
  const level = (version >>> 4) & 0xf;
  const serial = version & 0xf;
  const suffix = level === 0xf ? "" : `${RELEASE_LEVELS[level] ?? `?${level}`}${serial}`;
  return `${version >>> 24}.${(version >>> 16) & 0xff}.${(version >>> 8) & 0xff}${suffix}`;
}

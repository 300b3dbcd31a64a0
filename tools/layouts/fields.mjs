// @ts-check
// What the layout generator measures, per CPython version. This list is the review surface: one
// line per field, in the order the fields are declared in CPython's headers, with the versions
// in which the field exists. `generate.mjs` turns it into a C probe for one interpreter.
//
// Version ranges: "all", "2.7", "3.6+", "3.7-3.11" (inclusive). When a new CPython version
// renames or removes a field, the probe fails to compile and names the field: close its range
// here and, if the field moved, add the new spelling with the new range.

/**
 * @typedef {{ major: number, minor: number }} Version
 * @typedef {{ kind: "sizeof", group: "sizeof", key: string, type: string, range: string }} SizeofSpec
 * @typedef {{ kind: "offset", group: string, key: string, type: string, member: string, range: string }} OffsetSpec
 * @typedef {{ kind: "constant", group: "constants", key: string, expression: string, range: string, hex: boolean }} ConstantSpec
 * @typedef {{ kind: "bits", group: string, key: string, type: string, member: string, range: string }} BitsSpec
 * @typedef {SizeofSpec | OffsetSpec | ConstantSpec | BitsSpec} FieldSpec
 */

/**
 * `sizeof(type)`, reported as `sizeof.<key>`.
 * @param {string} type C type
 * @param {string} range versions
 * @param {string} [key] defaults to the type without `struct `
 * @returns {SizeofSpec}
 */
function size(type, range, key = type.replace(/^struct /, "")) {
  return { kind: "sizeof", group: "sizeof", key, type, range };
}

/**
 * Offsets of members of one struct, reported as `<group>.<key>` where the group is the struct's
 * name and the key is the member designator with dots replaced by underscores
 * (`interpreters.head` → `interpreters_head`, as `_Py_DebugOffsets` spells them).
 * @param {string} type C type
 * @param {Array<[member: string, range: string]>} members
 * @returns {OffsetSpec[]}
 */
function struct(type, members) {
  const group = type.replace(/^struct /, "");
  return members.map(([member, range]) => ({
    kind: "offset",
    group,
    key: member.replaceAll(".", "_"),
    type,
    member,
    range,
  }));
}

/**
 * A compile-time constant (macro or enum value), reported as `constants.<name>`. `expression`
 * measures it where the headers have no macro of that name (default: the name itself).
 * @param {string} name
 * @param {string} range
 * @param {string} [expression] C expression of the value
 * @returns {ConstantSpec}
 */
function constant(name, range, expression = name) {
  return { kind: "constant", group: "constants", key: name, expression, range, hex: name.startsWith("Py_TPFLAGS_") };
}

/**
 * A C expression giving where an inline accessor of `pycore_object.h` puts its result, relative
 * to an object whose type has `flags`: measured on a fake object in the probe, so the number
 * comes from the header's own code even where it has no macro for it.
 * @param {string} accessor e.g. `_PyObject_DictOrValuesPointer`
 * @param {string} flags e.g. `Py_TPFLAGS_MANAGED_DICT`
 * @returns {string}
 */
function accessorOffset(accessor, flags) {
  return (
    `({ static PyTypeObject t; static PyObject o[4]; t.tp_flags = ${flags}; Py_SET_TYPE(&o[3], &t);` +
    ` (long long)((char *)${accessor}(&o[3]) - (char *)&o[3]); })`
  );
}

/**
 * Bit positions of the members of a bitfield struct, found by setting each member to all ones in
 * a zeroed object and looking at which bits changed. Reported as `<group>.<key>.bit|width`.
 * @param {string} type C type holding the bitfield struct
 * @param {string} field the bitfield struct member (`state`)
 * @param {Array<[member: string, range: string]>} members
 * @returns {BitsSpec[]}
 */
function bits(type, field, members) {
  return members.map(([member, range]) => ({
    kind: "bits",
    group: `${type}_${field}`,
    key: member,
    type,
    member: `${field}.${member}`,
    range,
  }));
}

/** @type {FieldSpec[]} */
export const FIELDS = [
  size("PyObject", "all"),
  size("PyVarObject", "all"),
  size("PyTypeObject", "all"),
  size("_PyRuntimeState", "3.7+"),
  size("PyInterpreterState", "all"),
  size("PyThreadState", "all"),
  size("_PyCFrame", "3.11-3.12"),
  size("PyFrameObject", "all-3.10"),
  size("_PyInterpreterFrame", "3.11+"),
  size("PyCodeObject", "all"),
  size("struct _gil_runtime_state", "3.7+"),
  size("struct _gc_runtime_state", "3.7+"),
  size("PyASCIIObject", "3.6+"),
  size("PyCompactUnicodeObject", "3.6+"),
  size("PyUnicodeObject", "all"),
  size("Py_UNICODE", "2.7"),
  size("PyStringObject", "2.7"),
  size("PyBytesObject", "3.6+"),
  size("PyTupleObject", "all"),
  size("PyListObject", "all"),
  size("PyIntObject", "2.7"),
  size("PyLongObject", "all"),
  size("digit", "all"),
  size("PyFloatObject", "all"),
  size("setentry", "all"),
  size("PyDictObject", "all"),
  size("PyDictEntry", "2.7"),
  size("PyDictKeyEntry", "3.6+"),
  size("PyDictUnicodeEntry", "3.11+"),
  size("PyModuleObject", "all"),
  size("_Py_DebugOffsets", "3.13+"),

  ...struct("PyObject", [
    ["ob_refcnt", "all"],
    ["ob_type", "all"],
  ]),
  ...struct("PyVarObject", [["ob_size", "all"]]),
  ...struct("PyTypeObject", [
    ["tp_name", "all"],
    ["tp_basicsize", "all"],
    ["tp_flags", "all"],
    ["tp_dictoffset", "all"],
  ]),
  ...struct("PyHeapTypeObject", [["ht_cached_keys", "3.6+"]]),

  ...struct("_PyRuntimeState", [
    ["debug_offsets", "3.13+"],
    ["finalizing", "3.7-3.8"],
    ["_finalizing", "3.9+"],
    ["interpreters.head", "3.7+"],
    ["interpreters.main", "3.7+"],
    ["gc", "3.7-3.8"],
    ["ceval.gil", "3.7-3.11"],
    ["gilstate.tstate_current", "3.7-3.11"],
  ]),

  ...struct("PyInterpreterState", [
    ["next", "all"],
    ["tstate_head", "all-3.10"],
    ["threads.head", "3.11+"],
    ["id", "3.7+"],
    ["ceval.gil", "3.12+"],
    ["gc", "3.9+"],
    ["modules", "all-3.11"],
    ["imports.modules", "3.12+"],
    ["sysdict", "all"],
    ["builtins", "all"],
    ["_gil", "3.12+"],
  ]),

  ...struct("PyThreadState", [
    ["prev", "3.6+"],
    ["next", "all"],
    ["interp", "all"],
    ["_status", "3.12+"],
    ["gil_requested", "3.15+"],
    ["frame", "all-3.10"],
    ["cframe", "3.11-3.12"],
    ["current_frame", "3.13+"],
    ["curexc_type", "all-3.11"],
    ["curexc_value", "all-3.11"],
    ["current_exception", "3.12+"],
    ["exc_type", "all-3.6"],
    ["exc_value", "all-3.6"],
    ["exc_info", "3.7+"],
    ["thread_id", "all"],
    ["native_thread_id", "3.11+"],
    ["datastack_chunk", "3.11+"],
  ]),
  ...struct("_PyErr_StackItem", [
    ["exc_type", "3.7-3.10"],
    ["exc_value", "3.7+"],
    ["previous_item", "3.7+"],
  ]),

  ...struct("_PyCFrame", [
    ["current_frame", "3.11-3.12"],
    ["previous", "3.11-3.12"],
  ]),

  ...struct("PyFrameObject", [
    ["f_back", "all-3.10"],
    ["f_code", "all-3.10"],
    ["f_trace", "all-3.10"],
    ["f_lasti", "all-3.10"],
    ["f_lineno", "all-3.10"],
    ["f_localsplus", "all-3.10"],
  ]),

  ...struct("_PyInterpreterFrame", [
    ["f_code", "3.11-3.12"],
    ["f_executable", "3.13+"],
    ["previous", "3.11+"],
    ["frame_obj", "3.11+"],
    ["prev_instr", "3.11-3.12"],
    ["instr_ptr", "3.13+"],
    ["stacktop", "3.11-3.13"],
    ["is_entry", "3.11"],
    ["owner", "3.11+"],
    ["localsplus", "3.11+"],
  ]),

  ...struct("PyCodeObject", [
    ["co_flags", "3.11+"],
    ["co_argcount", "all"],
    ["co_posonlyargcount", "3.8+"],
    ["co_kwonlyargcount", "3.6+"],
    ["co_nlocals", "all"],
    ["co_stacksize", "all"],
    ["co_flags", "all-3.10"],
    ["co_firstlineno", "3.6+"],
    ["co_nlocalsplus", "3.11+"],
    ["co_code", "all-3.10"],
    ["co_varnames", "all-3.10"],
    ["co_freevars", "all-3.10"],
    ["co_cellvars", "all-3.10"],
    ["co_localsplusnames", "3.11+"],
    ["co_localspluskinds", "3.11+"],
    ["co_filename", "all"],
    ["co_name", "all"],
    ["co_qualname", "3.11+"],
    ["co_firstlineno", "2.7"],
    ["co_lnotab", "all-3.9"],
    ["co_linetable", "3.10+"],
    ["co_code_adaptive", "3.11+"],
  ]),

  ...struct("struct _gil_runtime_state", [
    ["last_holder", "3.7+"],
    ["locked", "3.7+"],
  ]),
  ...struct("struct _gc_runtime_state", [["collecting", "3.7+"]]),

  ...struct("PyASCIIObject", [
    ["length", "3.6+"],
    ["hash", "3.6+"],
    ["state", "3.6+"],
    ["wstr", "3.6-3.11"],
  ]),
  ...bits("PyASCIIObject", "state", [
    ["interned", "3.6+"],
    ["kind", "3.6+"],
    ["compact", "3.6+"],
    ["ascii", "3.6+"],
    ["ready", "3.6-3.11"],
    ["statically_allocated", "3.12+"],
  ]),
  ...struct("PyCompactUnicodeObject", [
    ["utf8_length", "3.6+"],
    ["utf8", "3.6+"],
    ["wstr_length", "3.6-3.11"],
  ]),
  ...struct("PyUnicodeObject", [
    ["length", "2.7"],
    ["str", "2.7"],
    ["data", "3.6+"],
  ]),
  ...struct("PyStringObject", [
    ["ob_shash", "2.7"],
    ["ob_sstate", "2.7"],
    ["ob_sval", "2.7"],
  ]),
  ...struct("PyBytesObject", [
    ["ob_shash", "3.6+"],
    ["ob_sval", "3.6+"],
  ]),
  ...struct("PyTupleObject", [["ob_item", "all"]]),
  ...struct("PyListObject", [
    ["ob_item", "all"],
    ["allocated", "all"],
  ]),
  ...struct("PyIntObject", [["ob_ival", "2.7"]]),
  ...struct("PyLongObject", [
    ["ob_digit", "all-3.11"],
    ["long_value.lv_tag", "3.12+"],
    ["long_value.ob_digit", "3.12+"],
  ]),
  ...struct("PyFloatObject", [["ob_fval", "all"]]),
  ...struct("PyCellObject", [["ob_ref", "all"]]),
  ...struct("PySetObject", [
    ["fill", "all"],
    ["used", "all"],
    ["mask", "all"],
    ["table", "all"],
  ]),
  ...struct("setentry", [
    ["key", "all"],
    ["hash", "all"],
  ]),
  ...struct("PyBaseExceptionObject", [
    ["args", "all"],
    ["traceback", "3.6+"],
    ["context", "3.6+"],
    ["cause", "3.6+"],
    ["suppress_context", "3.6+"],
  ]),
  ...struct("PyDictObject", [
    ["ma_fill", "2.7"],
    ["ma_used", "all"],
    ["ma_mask", "2.7"],
    ["ma_table", "2.7"],
    ["ma_keys", "3.6+"],
    ["ma_values", "3.6+"],
  ]),
  ...struct("PyDictEntry", [
    ["me_hash", "2.7"],
    ["me_key", "2.7"],
    ["me_value", "2.7"],
  ]),
  ...struct("struct _dictkeysobject", [
    ["dk_refcnt", "3.6+"],
    ["dk_size", "3.6-3.10"],
    ["dk_log2_size", "3.11+"],
    ["dk_log2_index_bytes", "3.11+"],
    ["dk_kind", "3.11+"],
    ["dk_usable", "3.6+"],
    ["dk_nentries", "3.6+"],
    ["dk_indices", "3.6+"],
  ]),
  ...struct("PyDictKeyEntry", [
    ["me_hash", "3.6+"],
    ["me_key", "3.6+"],
    ["me_value", "3.6+"],
  ]),
  ...struct("PyDictUnicodeEntry", [
    ["me_key", "3.11+"],
    ["me_value", "3.11+"],
  ]),
  ...struct("PyDictValues", [
    ["capacity", "3.13+"],
    ["size", "3.13+"],
    ["embedded", "3.13+"],
    ["valid", "3.13+"],
    ["values", "3.11+"],
  ]),
  ...struct("PyModuleObject", [["md_dict", "all"]]),

  constant("PyLong_SHIFT", "all"),
  constant("_PyLong_NON_SIZE_BITS", "3.12+"),
  constant("Py_UNICODE_SIZE", "2.7"),
  constant("FRAME_OWNED_BY_THREAD", "3.11+"),
  constant("FRAME_OWNED_BY_GENERATOR", "3.11+"),
  constant("FRAME_OWNED_BY_FRAME_OBJECT", "3.11+"),
  constant("FRAME_OWNED_BY_INTERPRETER", "3.14+"),
  constant("FRAME_OWNED_BY_CSTACK", "3.12-3.14"),
  constant("Py_TAG_BITS", "3.14+"),
  constant("CO_VARARGS", "all"),
  constant("CO_VARKEYWORDS", "all"),
  constant("CO_FAST_HIDDEN", "3.12+"),
  constant("CO_FAST_LOCAL", "3.11+"),
  constant("CO_FAST_CELL", "3.11+"),
  constant("CO_FAST_FREE", "3.11+"),
  constant("DICT_KEYS_GENERAL", "3.11+"),
  constant("DICT_KEYS_UNICODE", "3.11+"),
  constant("DICT_KEYS_SPLIT", "3.11+"),
  constant("MANAGED_DICT_OFFSET", "3.11"),
  constant("MANAGED_DICT_OFFSET", "3.12", accessorOffset("_PyObject_DictOrValuesPointer", "Py_TPFLAGS_MANAGED_DICT")),
  constant("MANAGED_DICT_OFFSET", "3.13+"),
  constant("MANAGED_VALUES_OFFSET", "3.11", accessorOffset("_PyObject_ValuesPointer", "Py_TPFLAGS_MANAGED_DICT")),
  constant("Py_TPFLAGS_INLINE_VALUES", "3.13+"),
  constant("Py_TPFLAGS_MANAGED_DICT", "3.11+"),
  constant("Py_TPFLAGS_HEAPTYPE", "all"),
  constant("Py_TPFLAGS_INT_SUBCLASS", "2.7"),
  constant("Py_TPFLAGS_LONG_SUBCLASS", "all"),
  constant("Py_TPFLAGS_LIST_SUBCLASS", "all"),
  constant("Py_TPFLAGS_TUPLE_SUBCLASS", "all"),
  constant("Py_TPFLAGS_STRING_SUBCLASS", "2.7"),
  constant("Py_TPFLAGS_BYTES_SUBCLASS", "3.6+"),
  constant("Py_TPFLAGS_UNICODE_SUBCLASS", "all"),
  constant("Py_TPFLAGS_DICT_SUBCLASS", "all"),
  constant("Py_TPFLAGS_BASE_EXC_SUBCLASS", "all"),
  constant("Py_TPFLAGS_TYPE_SUBCLASS", "all"),
];

/**
 * Headers the probe includes, after `Python.h`, per version. Internal headers (`pycore_*.h`,
 * and 3.7's `internal/*.h`) need `Py_BUILD_CORE`, which the probe defines for 3.7+.
 * @type {Array<[range: string, headers: string[]]>}
 */
export const HEADERS = [
  ["all-3.10", ["frameobject.h"]],
  ["all-3.10", ["code.h"]],
  ["all-3.10", ["longintrepr.h"]],
  ["3.7", ["internal/pystate.h"]],
  ["3.8", ["internal/pycore_pystate.h"]],
  ["3.9-3.10", ["internal/pycore_interp.h", "internal/pycore_runtime.h"]],
  ["3.11+", ["internal/pycore_interp.h", "internal/pycore_runtime.h", "internal/pycore_frame.h", "internal/pycore_code.h"]],
  ["3.10+", ["internal/pycore_moduleobject.h"]],
  ["3.11+", ["internal/pycore_dict.h", "internal/pycore_object.h"]],
];

/**
 * Structs that some versions keep out of their installed headers, declared for the probe exactly
 * as those versions' sources declare them (member types, names and order; only what `offsetof`
 * and `sizeof` depend on). Each was checked against the DWARF of a pyenv build of every version in
 * its range (`gdb -batch -ex 'ptype /o struct _dictkeysobject' libpython3.X.so`); a version whose
 * headers declare the struct must not be in the range (the probe then fails to compile).
 * @type {Array<[range: string, source: string, from: string]>}
 */
export const PRIVATE_STRUCTS = [
  [
    "3.6-3.10",
    `typedef struct {
  Py_hash_t me_hash;
  PyObject *me_key;
  PyObject *me_value;
} PyDictKeyEntry;
struct _dictkeysobject {
  Py_ssize_t dk_refcnt;
  Py_ssize_t dk_size;
  void *dk_lookup; /* dict_lookup_func */
  Py_ssize_t dk_usable;
  Py_ssize_t dk_nentries;
  char dk_indices[];
};`,
    "Objects/dict-common.h",
  ],
  [
    "2.7",
    `typedef struct {
  PyObject_HEAD
  PyObject *md_dict;
} PyModuleObject;`,
    "Objects/moduleobject.c",
  ],
  [
    "3.6-3.9",
    `typedef struct {
  PyObject_HEAD
  PyObject *md_dict;
  struct PyModuleDef *md_def;
  void *md_state;
  PyObject *md_weaklist;
  PyObject *md_name;
} PyModuleObject;`,
    "Objects/moduleobject.c",
  ],
];

/**
 * Parses a version range.
 * @param {string} range `all`, `2.7`, `3.6+`, `3.7-3.11`, `all-3.10`
 * @returns {(version: Version) => boolean}
 */
export function parseRange(range) {
  const key = (/** @type {Version} */ v) => v.major * 1000 + v.minor;
  const parse = (/** @type {string} */ text) => {
    const match = /^(\d+)\.(\d+)$/.exec(text);
    if (match === null) throw new Error(`bad version "${text}" in range "${range}"`);
    return key({ major: Number(match[1]), minor: Number(match[2]) });
  };
  if (range === "all") return () => true;
  if (range.endsWith("+")) {
    const from = parse(range.slice(0, -1));
    return (v) => key(v) >= from;
  }
  const dash = range.indexOf("-");
  if (dash >= 0) {
    const fromText = range.slice(0, dash);
    const from = fromText === "all" ? 0 : parse(fromText);
    const to = parse(range.slice(dash + 1));
    return (v) => key(v) >= from && key(v) <= to;
  }
  const only = parse(range);
  return (v) => key(v) === only;
}

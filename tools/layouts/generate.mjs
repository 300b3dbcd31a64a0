#!/usr/bin/env node
// @ts-check
// Generates packages/cpython-layouts/src/vX_Y.ts from an installed interpreter's own headers.
//
//   node tools/layouts/generate.mjs --python ~/.pyenv/versions/3.12.1/bin/python3.12
//   node tools/layouts/generate.mjs                 # one interpreter per version of matrix.mjs
//   node tools/layouts/generate.mjs --check         # compare with the committed files, write nothing
//
// For each interpreter: ask it (once) for its version and include directory, write a C probe that
// includes its headers (with Py_BUILD_CORE for the internal ones) and prints offsetof/sizeof of
// every field listed in fields.mjs as JSON, compile it with gcc, run it, and render the table.
// Structs a version keeps out of its installed headers come from fields.mjs PRIVATE_STRUCTS.
// Nothing is linked against libpython: the probe only uses compile-time facts (and the headers'
// static inline accessors, for offsets that have no macro).
//
// A table shares with the previous version of matrix.mjs every group (`PyObject`, `sizeof`,
// `constants`…) whose keys, values and key order are unchanged: it is written as that table's
// object (`PyObject: v3_12.PyObject`), and a header comment lists the groups that changed. The
// previous table is taken as it stands after the run: the probe of this run when that version is
// probed too, else its committed file (read back by parseTable). A version that is not probed
// keeps the values its committed file resolves to, and is re-rendered only so that its
// references follow a regenerated previous table; so `--python PATH` regenerates one version
// alone without changing the values of any other.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FIELDS, HEADERS, PRIVATE_STRUCTS, parseRange } from "./fields.mjs";
import { MATRIX, findInterpreter, versionKey } from "./matrix.mjs";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const ROOT = resolve(here, "../..");

/** Where the generated tables go. */
export const OUT_DIR = join(ROOT, "packages/cpython-layouts/src");

/**
 * @typedef {import("./fields.mjs").Version} Version
 * @typedef {{
 *   python: string,
 *   version: Version & { micro: number },
 *   include: string,
 *   debug: boolean,
 *   freeThreaded: boolean,
 *   pointerSize: number,
 *   defines: string[],
 * }} Interpreter
 * @typedef {Record<string, unknown>} Layout
 */

// Runs under Python 2.7 and 3.x alike.
const DESCRIBE = `
import json, re, struct, sys, sysconfig
v = sys.version_info
print(json.dumps({
    "defines": sorted(set(re.findall(r"-D(_Py_\\w+(?:=\\S*)?)", sysconfig.get_config_var("PY_CORE_CFLAGS") or ""))),
    "version": {"major": v[0], "minor": v[1], "micro": v[2]},
    "include": sysconfig.get_paths()["include"],
    "debug": bool(sysconfig.get_config_var("Py_DEBUG")) or hasattr(sys, "gettotalrefcount"),
    "freeThreaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "pointerSize": struct.calcsize("P"),
}))
`;

/**
 * Asks an interpreter for its version and header directory.
 * @param {string} python path of the interpreter executable
 * @param {{ launcher?: string[] }} [options] `launcher`: the command that runs it (an emulator), if not run directly
 * @returns {Promise<Interpreter>}
 */
export async function describeInterpreter(python, options = {}) {
  // An interpreter of another machine runs under its emulator (`[qemu, "-L", root]`).
  const [command, ...prefix] = [...(options.launcher ?? []), python];
  const { stdout } = await run(/** @type {string} */ (command), [...prefix, "-c", DESCRIBE]);
  const info = JSON.parse(stdout);
  const include = info.include;
  if (!existsSync(join(include, "Python.h"))) {
    throw new Error(`${python}: no Python.h in ${include} (install the interpreter's headers, e.g. pythonX.Y-dev)`);
  }
  if (info.debug) throw new Error(`${python}: debug build (Py_DEBUG); the tables describe release builds`);
  if (info.freeThreaded) throw new Error(`${python}: free-threaded build (Py_GIL_DISABLED) is not supported yet`);
  if (info.pointerSize !== 8) throw new Error(`${python}: ${info.pointerSize * 8}-bit build; the tables describe 64-bit builds`);
  return { python, ...info };
}

/**
 * The fields of fields.mjs that exist in a version.
 * @param {Version} version
 */
export function fieldsFor(version) {
  return FIELDS.filter((field) => parseRange(field.range)(version));
}

/**
 * Parses `typedef struct _Py_DebugOffsets { ... } _Py_DebugOffsets;` from pycore_runtime.h into
 * member designators (`runtime_state.interpreters_head`), in declaration order.
 * @param {string} header text of pycore_runtime.h
 * @returns {string[]}
 */
export function parseDebugOffsets(header) {
  const start = header.indexOf("typedef struct _Py_DebugOffsets {");
  const end = header.indexOf("} _Py_DebugOffsets;", start);
  if (start < 0 || end < 0) throw new Error("cannot find the _Py_DebugOffsets struct in its header");
  const body = header
    .slice(header.indexOf("{", start) + 1, end)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
  if (/^\s*#/m.test(body)) throw new Error("_Py_DebugOffsets has preprocessor conditionals: teach parseDebugOffsets");
  const tokens = body.match(/[A-Za-z_]\w*|\d+|[{}[\];]/g) ?? [];
  let index = 0;
  /** @returns {string[]} */
  const members = (/** @type {string} */ prefix) => {
    /** @type {string[]} */
    const out = [];
    while (index < tokens.length && tokens[index] !== "}") {
      if (tokens[index] === "struct") {
        index += 1;
        if (tokens[index] !== "{") index += 1; // tag
        if (tokens[index] !== "{") throw new Error(`_Py_DebugOffsets: unexpected "${tokens[index]}"`);
        index += 1;
        const inner = members("");
        index += 1; // "}"
        const name = tokens[index];
        index += 2; // name ";"
        out.push(...inner.map((member) => `${prefix}${name}.${member}`));
        continue;
      }
      const statement = [];
      while (tokens[index] !== ";") statement.push(tokens[index++]);
      index += 1;
      const bracket = statement.indexOf("[");
      const name = bracket >= 0 ? statement[bracket - 1] : statement.at(-1);
      const type = statement.slice(0, bracket >= 0 ? bracket - 1 : -1).join(" ");
      if (name === "cookie") {
        if (type !== "char" || statement[bracket + 1] !== "8") throw new Error("_Py_DebugOffsets.cookie is not char[8]");
      } else if (type !== "uint64_t" && type !== "size_t") {
        throw new Error(`_Py_DebugOffsets.${prefix}${name} is ${type}, not uint64_t: teach the decoder`);
      }
      out.push(`${prefix}${name}`);
    }
    return out;
  };
  return members("");
}

/**
 * Writes the C probe for one interpreter.
 * @param {Interpreter} interpreter
 * @returns {Promise<string>} C source
 */
export async function probeSource(interpreter) {
  const { version } = interpreter;
  const headers = HEADERS.filter(([range]) => parseRange(range)(version)).flatMap(([, list]) => list);
  const core = version.major > 3 || (version.major === 3 && version.minor >= 7);
  const lines = [
    `/* Layout probe for CPython ${version.major}.${version.minor}.${version.micro}, written by tools/layouts/generate.mjs. */`,
    ...(core ? ["#define Py_BUILD_CORE 1"] : []),
    '#include "Python.h"',
    ...headers.map((header) => `#include "${header}"`),
    ...PRIVATE_STRUCTS.filter(([range]) => parseRange(range)(version)).flatMap(([, source, from]) => [
      `/* As ${from} of CPython ${version.major}.${version.minor} declares it (tools/layouts/fields.mjs PRIVATE_STRUCTS). */`,
      source,
    ]),
    "#include <stddef.h>",
    "#include <stdio.h>",
    "#include <stdlib.h>",
    "#include <string.h>",
    "",
    "static int emitted = 0;",
    "static void emit(const char *key, long long value) {",
    '  printf("%s\\n  \\"%s\\": %lld", emitted++ ? "," : "{", key, value);',
    "}",
    "/* The bits a member set to all ones occupies in the little-endian word at p. */",
    "static void emit_bits(const char *key, const void *p, size_t n) {",
    "  unsigned long long mask = 0;",
    "  char name[256];",
    "  int bit, width;",
    "  for (size_t i = 0; i < n && i < 8; i++) mask |= (unsigned long long)((const unsigned char *)p)[i] << (8 * i);",
    "  bit = mask ? __builtin_ctzll(mask) : 0;",
    "  width = __builtin_popcountll(mask);",
    "  if (mask == 0 || (mask >> bit) != (width == 64 ? ~0ULL : (1ULL << width) - 1)) {",
    '    fprintf(stderr, "%s: bits are not contiguous (mask %llx)\\n", key, mask);',
    "    exit(1);",
    "  }",
    '  snprintf(name, sizeof name, "%s.bit", key); emit(name, bit);',
    '  snprintf(name, sizeof name, "%s.width", key); emit(name, width);',
    "}",
    "",
    "int main(void) {",
    "  volatile unsigned int ones = ~0u;",
  ];
  const seen = new Set();
  for (const field of fieldsFor(version)) {
    const key = `${field.group}.${field.key}`;
    if (seen.has(key)) throw new Error(`${key} is listed twice for ${version.major}.${version.minor}: overlapping ranges in fields.mjs`);
    seen.add(key);
    switch (field.kind) {
      case "sizeof":
        lines.push(`  emit("${key}", (long long)sizeof(${field.type}));`);
        break;
      case "offset":
        lines.push(`  emit("${key}", (long long)offsetof(${field.type}, ${field.member}));`);
        break;
      case "constant":
        lines.push(`  emit("${key}", (long long)(${field.expression}));`);
        break;
      case "bits": {
        const [outer] = field.member.split(".");
        lines.push(`  { ${field.type} o; memset(&o, 0, sizeof o); o.${field.member} = ones;` + ` emit_bits("${key}", &o.${outer}, sizeof o.${outer}); }`);
        break;
      }
    }
  }
  if (headers.some((header) => header.endsWith("pycore_runtime.h")) && parseRange("3.13+")(version)) {
    // 3.13 declares _Py_DebugOffsets in pycore_runtime.h; 3.14 moved it to pycore_debug_offsets.h.
    const own = join(interpreter.include, "internal/pycore_debug_offsets.h");
    const declaring = existsSync(own) ? own : join(interpreter.include, "internal/pycore_runtime.h");
    for (const member of parseDebugOffsets(await readFile(declaring, "utf8"))) {
      lines.push(`  emit("_Py_DebugOffsets.${member}", (long long)offsetof(_Py_DebugOffsets, ${member}));`);
    }
  }
  lines.push('  printf("\\n}\\n");', "  return 0;", "}", "");
  return lines.join("\n");
}

/**
 * Compiles and runs the probe; returns its flat `{ "group.key": value }` output.
 * @param {Interpreter} interpreter
 * @param {{ cc?: string; env?: NodeJS.ProcessEnv; compileArgs?: string[]; launcher?: string[] }} [options] for an
 *   interpreter of another machine: its cross compiler (`cc`, with `env` and extra `compileArgs`
 *   such as `-static`), and the emulator that runs the probe (`launcher`)
 * @returns {Promise<Record<string, number>>}
 */
export async function runProbe(interpreter, options = {}) {
  const cc = options.cc ?? process.env.CC ?? "gcc";
  const directory = await mkdtemp(join(tmpdir(), "corestack-layout-"));
  try {
    const source = join(directory, "probe.c");
    const binary = join(directory, "probe");
    await writeFile(source, await probeSource(interpreter));
    const include = interpreter.include;
    try {
      // The parent directory too: Debian's pyconfig.h includes <x86_64-linux-gnu/pythonX.Y/pyconfig.h>.
      // The build's own internal options (`_Py_TIER2`, `_Py_JIT`: Debian builds 3.14+ with the JIT)
      // change internal structs, so the probe sees them as the interpreter's core was compiled.
      const defines = interpreter.defines.map((define) => `-D${define}`);
      const args = [
        "-std=gnu11",
        "-O0",
        "-w",
        ...defines,
        "-I",
        include,
        "-I",
        join(include, "internal"),
        "-I",
        dirname(include),
        ...(options.compileArgs ?? []),
        source,
        "-o",
        binary,
      ];
      await run(cc, args, options.env ? { env: options.env } : {});
    } catch (error) {
      const stderr = /** @type {{ stderr?: string }} */ (error).stderr ?? String(error);
      throw new Error(`probe for ${interpreter.python} does not compile:\n${stderr.slice(0, 4000)}`);
    }
    const [command, ...prefix] = [...(options.launcher ?? []), binary];
    const { stdout } = await run(/** @type {string} */ (command), prefix);
    return JSON.parse(stdout);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Turns the probe's flat output into the nested `PythonLayout` object (plain data).
 * @param {Interpreter} interpreter
 * @param {Record<string, number>} flat
 * @returns {Layout}
 */
export function toLayout(interpreter, flat) {
  const { major, minor, micro } = interpreter.version;
  /** @type {Record<string, any>} */
  const layout = {
    version: { major, minor },
    source: `CPython ${major}.${minor}.${micro} headers`,
    pointerSize: interpreter.pointerSize,
  };
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split(".");
    let node = layout;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[/** @type {string} */ (parts.at(-1))] = value;
  }
  // constants and the debug offsets last, for reading order.
  for (const key of ["constants", "_Py_DebugOffsets"]) {
    if (key in layout) {
      const value = layout[key];
      delete layout[key];
      layout[key] = value;
    }
  }
  layout.models = readingModels(interpreter.version, layout);
  return layout;
}

/**
 * The reading models of a table (packages/cpython-layouts/src/models.ts): which thread list,
 * frame chain, line table, GIL and GC state a version has, with the offsets each needs, decided
 * by which fields the headers have. Version numbers appear here only where the headers do not
 * tell (the sign of 2.7's line steps); this is where version knowledge lives, so that readers
 * never test a version.
 * @param {Version} version
 * @param {Layout} layout the measured groups
 * @returns {Record<string, unknown>}
 */
export function readingModels(version, layout) {
  const tag = `${version.major}.${version.minor}`;
  /** @param {string} group @param {string} key */
  const has = (group, key) => typeof (/** @type {Record<string, any>} */ (layout)[group]?.[key]) === "number";
  /** @param {string} group @param {string} key @returns {number} */
  const at = (group, key) => {
    if (!has(group, key)) throw new Error(`${tag}: the reading models need ${group}.${key}, which the probe did not measure (fields.mjs)`);
    return /** @type {Record<string, any>} */ (layout)[group][key];
  };
  /**
   * A bit field of PyASCIIObject.state (3.x), as the probe measured it.
   * @param {string} name
   * @returns {{ bit: number; width: number }}
   */
  const stateBit = (name) => {
    const field = /** @type {Record<string, any>} */ (layout).PyASCIIObject_state?.[name];
    if (typeof field?.bit !== "number" || typeof field?.width !== "number") {
      throw new Error(`${tag}: the reading models need PyASCIIObject_state.${name}, which the probe did not measure (fields.mjs)`);
    }
    return field;
  };
  const threadList = has("PyInterpreterState", "threads_head")
    ? { kind: "threads_head", head: at("PyInterpreterState", "threads_head") }
    : { kind: "tstate_head", head: at("PyInterpreterState", "tstate_head") };
  const runtime =
    "_PyRuntimeState" in layout
      ? {
          kind: "runtime",
          interpreters_head: at("_PyRuntimeState", "interpreters_head"),
          interpreters_main: at("_PyRuntimeState", "interpreters_main"),
          debugOffsets: "_Py_DebugOffsets" in layout,
        }
      : { kind: "static" };
  /** @type {Record<string, unknown>} */
  let frames;
  if (has("PyThreadState", "frame")) {
    frames = {
      kind: "frame_object",
      tstate_frame: at("PyThreadState", "frame"),
      f_back: at("PyFrameObject", "f_back"),
      f_code: at("PyFrameObject", "f_code"),
      f_lasti: at("PyFrameObject", "f_lasti"),
    };
  } else {
    const start = has("PyThreadState", "current_frame")
      ? { kind: "current_frame", current_frame: at("PyThreadState", "current_frame") }
      : { kind: "cframe", cframe: at("PyThreadState", "cframe"), current_frame: at("_PyCFrame", "current_frame") };
    const plain = has("_PyInterpreterFrame", "f_code");
    const reference = plain
      ? { kind: "code" }
      : has("constants", "Py_TAG_BITS")
        ? { kind: "tagged", tagBits: at("constants", "Py_TAG_BITS") }
        : { kind: "object" };
    frames = {
      kind: "interpreter_frame",
      start,
      previous: at("_PyInterpreterFrame", "previous"),
      executable: plain ? at("_PyInterpreterFrame", "f_code") : at("_PyInterpreterFrame", "f_executable"),
      reference,
      instruction: has("_PyInterpreterFrame", "instr_ptr") ? at("_PyInterpreterFrame", "instr_ptr") : at("_PyInterpreterFrame", "prev_instr"),
      owner: at("_PyInterpreterFrame", "owner"),
      skipOwners: ["FRAME_OWNED_BY_CSTACK", "FRAME_OWNED_BY_INTERPRETER"].filter((key) => has("constants", key)).map((key) => at("constants", key)),
      co_code_adaptive: at("PyCodeObject", "co_code_adaptive"),
    };
  }
  const code = has("PyCodeObject", "co_code_adaptive")
    ? { kind: "locations", table: at("PyCodeObject", "co_linetable") }
    : has("PyCodeObject", "co_linetable")
      ? { kind: "linetable", table: at("PyCodeObject", "co_linetable"), co_code: at("PyCodeObject", "co_code") }
      : {
          kind: "lnotab",
          table: at("PyCodeObject", "co_lnotab"),
          // 2.7's line steps are unsigned bytes; 3.6 made them signed (bpo-26107).
          signedLineSteps: version.major >= 3,
          co_code: at("PyCodeObject", "co_code"),
        };
  const gil = has("_PyRuntimeState", "gilstate_tstate_current")
    ? { kind: "runtime", tstate_current: at("_PyRuntimeState", "gilstate_tstate_current") }
    : has("PyInterpreterState", "ceval_gil")
      ? {
          kind: "interpreter",
          ceval_gil: at("PyInterpreterState", "ceval_gil"),
          locked: at("_gil_runtime_state", "locked"),
          last_holder: at("_gil_runtime_state", "last_holder"),
        }
      : { kind: "static" };
  const gc = has("PyInterpreterState", "gc")
    ? { kind: "interpreter", collecting: at("PyInterpreterState", "gc") + at("_gc_runtime_state", "collecting") }
    : has("_PyRuntimeState", "gc")
      ? { kind: "runtime", collecting: at("_PyRuntimeState", "gc") + at("_gc_runtime_state", "collecting") }
      : { kind: "static" };
  const text =
    version.major === 2
      ? {
          kind: "string_and_unicode",
          ob_sval: at("PyStringObject", "ob_sval"),
          unicode_length: at("PyUnicodeObject", "length"),
          unicode_str: at("PyUnicodeObject", "str"),
          unicodeWidth: at("sizeof", "Py_UNICODE"),
        }
      : {
          kind: "pep393",
          length: at("PyASCIIObject", "length"),
          state: at("PyASCIIObject", "state"),
          stateBits: { kind: stateBit("kind"), compact: stateBit("compact"), ascii: stateBit("ascii") },
          asciiData: at("sizeof", "PyASCIIObject"),
          compactData: at("sizeof", "PyCompactUnicodeObject"),
          data: at("PyUnicodeObject", "data"),
          ob_sval: at("PyBytesObject", "ob_sval"),
        };
  const ints = has("PyIntObject", "ob_ival")
    ? { kind: "int_and_long", ob_ival: at("PyIntObject", "ob_ival"), ob_digit: at("PyLongObject", "ob_digit") }
    : has("PyLongObject", "long_value_lv_tag")
      ? {
          kind: "lv_tag",
          lv_tag: at("PyLongObject", "long_value_lv_tag"),
          ob_digit: at("PyLongObject", "long_value_ob_digit"),
          nonSizeBits: at("constants", "_PyLong_NON_SIZE_BITS"),
        }
      : { kind: "ob_size", ob_digit: at("PyLongObject", "ob_digit") };
  /** @param {string} group */
  const entry = (group) => ({ size: at("sizeof", group), me_key: at(group, "me_key"), me_value: at(group, "me_value") });
  /** @type {Record<string, unknown>} */
  let dicts;
  if (has("PyDictObject", "ma_table")) {
    dicts = {
      kind: "table",
      ma_used: at("PyDictObject", "ma_used"),
      ma_mask: at("PyDictObject", "ma_mask"),
      ma_table: at("PyDictObject", "ma_table"),
      entry: entry("PyDictEntry"),
    };
  } else {
    const keys = has("_dictkeysobject", "dk_size")
      ? {
          kind: "dk_size",
          dk_size: at("_dictkeysobject", "dk_size"),
          dk_nentries: at("_dictkeysobject", "dk_nentries"),
          dk_indices: at("_dictkeysobject", "dk_indices"),
          entry: entry("PyDictKeyEntry"),
        }
      : {
          kind: "dk_log2",
          dk_log2_size: at("_dictkeysobject", "dk_log2_size"),
          dk_log2_index_bytes: at("_dictkeysobject", "dk_log2_index_bytes"),
          dk_kind: at("_dictkeysobject", "dk_kind"),
          dk_nentries: at("_dictkeysobject", "dk_nentries"),
          dk_indices: at("_dictkeysobject", "dk_indices"),
          general: at("constants", "DICT_KEYS_GENERAL"),
          unicodeKinds: [at("constants", "DICT_KEYS_UNICODE"), at("constants", "DICT_KEYS_SPLIT")],
          generalEntry: entry("PyDictKeyEntry"),
          unicodeEntry: entry("PyDictUnicodeEntry"),
        };
    const values = has("PyDictValues", "values")
      ? {
          kind: "dict_values",
          values: at("PyDictValues", "values"),
          ...(has("PyDictValues", "capacity") ? { capacity: at("PyDictValues", "capacity") } : {}),
        }
      : { kind: "array" };
    dicts = {
      kind: "keys",
      ma_used: at("PyDictObject", "ma_used"),
      ma_keys: at("PyDictObject", "ma_keys"),
      ma_values: at("PyDictObject", "ma_values"),
      keys,
      values,
    };
  }
  /** @type {Record<string, unknown>} */
  let managedDict = { kind: "none" };
  if (has("constants", "Py_TPFLAGS_MANAGED_DICT")) {
    const flag = at("constants", "Py_TPFLAGS_MANAGED_DICT");
    const cached = at("PyHeapTypeObject", "ht_cached_keys");
    const dict = at("constants", "MANAGED_DICT_OFFSET");
    if (has("constants", "MANAGED_VALUES_OFFSET")) {
      managedDict = { kind: "dict_and_values", flag, dict, values: at("constants", "MANAGED_VALUES_OFFSET"), ht_cached_keys: cached };
    } else if (has("constants", "Py_TPFLAGS_INLINE_VALUES")) {
      managedDict = {
        kind: "inline_values",
        flag,
        dict,
        inlineFlag: at("constants", "Py_TPFLAGS_INLINE_VALUES"),
        valid: at("PyDictValues", "valid"),
        ht_cached_keys: cached,
      };
    } else {
      // 3.12: measured from _PyObject_DictOrValuesPointer() (fields.mjs).
      managedDict = { kind: "dict_or_values", flag, dict, ht_cached_keys: cached };
    }
  }
  // 2.7's Thread keeps its name in the private, so mangled, __name.
  const threadName = version.major === 2 ? "_Thread__name" : "_name";
  const threadGil = has("PyThreadState", "gil_requested") ? { kind: "gil_requested", gil_requested: at("PyThreadState", "gil_requested") } : { kind: "none" };
  const argumentsModel = {
    co_argcount: at("PyCodeObject", "co_argcount"),
    ...(has("PyCodeObject", "co_kwonlyargcount") ? { co_kwonlyargcount: at("PyCodeObject", "co_kwonlyargcount") } : {}),
    co_flags: at("PyCodeObject", "co_flags"),
    CO_VARARGS: at("constants", "CO_VARARGS"),
    CO_VARKEYWORDS: at("constants", "CO_VARKEYWORDS"),
  };
  const locals = has("PyFrameObject", "f_localsplus")
    ? {
        kind: "frame_object",
        f_localsplus: at("PyFrameObject", "f_localsplus"),
        co_nlocals: at("PyCodeObject", "co_nlocals"),
        co_varnames: at("PyCodeObject", "co_varnames"),
        co_cellvars: at("PyCodeObject", "co_cellvars"),
        co_freevars: at("PyCodeObject", "co_freevars"),
        arguments: argumentsModel,
        cell_ob_ref: at("PyCellObject", "ob_ref"),
      }
    : {
        kind: "localsplus",
        localsplus: at("_PyInterpreterFrame", "localsplus"),
        co_nlocalsplus: at("PyCodeObject", "co_nlocalsplus"),
        co_localsplusnames: at("PyCodeObject", "co_localsplusnames"),
        co_localspluskinds: at("PyCodeObject", "co_localspluskinds"),
        arguments: argumentsModel,
        CO_FAST_CELL: at("constants", "CO_FAST_CELL"),
        CO_FAST_FREE: at("constants", "CO_FAST_FREE"),
        ...(has("constants", "CO_FAST_HIDDEN") ? { CO_FAST_HIDDEN: at("constants", "CO_FAST_HIDDEN") } : {}),
        // 3.14 made localsplus _PyStackRefs, as it did f_executable.
        reference: has("constants", "Py_TAG_BITS") ? { kind: "tagged", tagBits: at("constants", "Py_TAG_BITS") } : { kind: "object" },
        cell_ob_ref: at("PyCellObject", "ob_ref"),
      };
  const handledException = has("PyThreadState", "exc_info")
    ? {
        kind: "stack_items",
        exc_info: at("PyThreadState", "exc_info"),
        exc_value: at("_PyErr_StackItem", "exc_value"),
        previous_item: at("_PyErr_StackItem", "previous_item"),
      }
    : { kind: "thread_state", exc_value: at("PyThreadState", "exc_value") };
  const raisedException = has("PyThreadState", "current_exception")
    ? { kind: "current_exception", current_exception: at("PyThreadState", "current_exception") }
    : { kind: "curexc", curexc_type: at("PyThreadState", "curexc_type"), curexc_value: at("PyThreadState", "curexc_value") };
  const exceptionObject = has("PyBaseExceptionObject", "cause")
    ? {
        kind: "chained",
        args: at("PyBaseExceptionObject", "args"),
        cause: at("PyBaseExceptionObject", "cause"),
        context: at("PyBaseExceptionObject", "context"),
        suppress_context: at("PyBaseExceptionObject", "suppress_context"),
      }
    : { kind: "args", args: at("PyBaseExceptionObject", "args") };
  const sets = {
    used: at("PySetObject", "used"),
    mask: at("PySetObject", "mask"),
    table: at("PySetObject", "table"),
    entry: { size: at("sizeof", "setentry"), key: at("setentry", "key") },
  };
  // The headers do not say how repr() prints; 3.0 changed it (str/bytes, no L suffix, {1} sets).
  const reprStyle = version.major === 2 ? "python2" : "python3";
  return {
    threadList,
    runtime,
    frames,
    code,
    gil,
    gc,
    threadGil,
    text,
    ints,
    dicts,
    managedDict,
    threadName,
    locals,
    handledException,
    raisedException,
    exceptionObject,
    sets,
    reprStyle,
  };
}

/**
 * Probes one interpreter: its description and its layout.
 * @param {string} python path of the interpreter executable
 * @param {{ cc?: string }} [options]
 * @returns {Promise<{ interpreter: Interpreter, layout: Layout }>}
 */
export async function probeLayout(python, options = {}) {
  const interpreter = await describeInterpreter(python);
  const flat = await runProbe(interpreter, options);
  return { interpreter, layout: toLayout(interpreter, flat) };
}

/**
 * The exported name and file of a version's table: `v3_12`, `v3_12.ts`.
 * @param {Version} version
 */
export function tableName(version) {
  return `v${version.major}_${version.minor}`;
}

const HEX_KEYS = new Set(FIELDS.filter((field) => field.kind === "constant" && field.hex).map((field) => field.key));

/**
 * A value as TypeScript source: numbers (hex for the constants fields.mjs marks so), strings,
 * arrays, and objects, whose groups the previous table has unchanged become references to it.
 * @param {unknown} value
 * @param {string} indent
 * @param {string} [key] the value's key in its object.
 * @param {{ value: unknown; path: string; table: string; used: Set<string> }} [previous] the same place in the
 *   previous table (`value` there, `path` to it from the top of table `table`); `used` collects the tables referenced.
 * @returns {string}
 */
function renderValue(value, indent, key = "", previous = undefined) {
  if (typeof value === "number") return HEX_KEYS.has(key) ? `0x${value.toString(16)}` : String(value);
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => renderValue(item, indent, key)).join(", ")}]`;
  const entries = Object.entries(/** @type {Record<string, unknown>} */ (value));
  const flat = entries.every(([, v]) => typeof v !== "object" || (Array.isArray(v) && v.length === 0));
  if (flat && entries.length <= 2) {
    return `{ ${entries.map(([k, v]) => `${renderKey(k)}: ${renderValue(v, indent, k)}`).join(", ")} }`;
  }
  const inner = `${indent}  `;
  const before = /** @type {Record<string, unknown> | undefined} */ (previous?.value);
  return `{\n${entries
    .map(([k, v]) => {
      const was = before?.[k];
      // A nested object of more than two members that the previous table has unchanged at the
      // same place is written as a reference to it, as whole groups are.
      if (previous !== undefined && isSharable(v) && sameGroup(v, was)) {
        previous.used.add(previous.table);
        return `${inner}${renderKey(k)}: ${previous.path}${pathPart(k)},\n`;
      }
      const below = previous === undefined ? undefined : { ...previous, value: was, path: `${previous.path}${pathPart(k)}` };
      return `${inner}${renderKey(k)}: ${renderValue(v, inner, k, below)},\n`;
    })
    .join("")}${indent}}`;
}

/** Whether a nested value is worth a reference: an object (not an array) of more than two members. */
function isSharable(/** @type {unknown} */ value) {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length > 2;
}

/** `.key`, or `["key"]` for a key that is not an identifier. */
function pathPart(/** @type {string} */ key) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** @param {string} key */
function renderKey(key) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Top-level keys written inline in every table (scalars, and `version`, which always differs). */
const OWN_KEYS = new Set(["version", "source", "pointerSize"]);

/**
 * The groups of a table (`PyObject`, `sizeof`, `constants`, `PyASCIIObject_state`…): its
 * object-valued top-level keys other than `version`, in table order.
 * @param {Layout} layout
 * @returns {string[]}
 */
export function groupNames(layout) {
  return Object.keys(layout).filter((key) => !OWN_KEYS.has(key) && typeof layout[key] === "object" && layout[key] !== null);
}

/**
 * Whether two groups are the same: same keys, same values, same key order (what decides whether
 * a table can share the previous version's object).
 * @param {unknown} a
 * @param {unknown} b
 */
function sameGroup(a, b) {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * How a table differs from the previous version's, group by group.
 * @param {Layout} layout
 * @param {Layout | undefined} previous
 */
export function compareGroups(layout, previous) {
  const groups = groupNames(layout);
  const before = previous === undefined ? [] : groupNames(previous);
  return {
    shared: groups.filter((group) => previous !== undefined && sameGroup(layout[group], previous[group])),
    changed: groups.filter((group) => before.includes(group) && !sameGroup(layout[group], previous?.[group])),
    added: groups.filter((group) => !before.includes(group)),
    removed: before.filter((group) => !groups.includes(group)),
  };
}

/**
 * `// label: a, b, c` wrapped at 100 columns.
 * @param {string} label
 * @param {string[]} names
 * @returns {string[]}
 */
function listComment(label, names) {
  const lines = [];
  let line = `// ${label}:`;
  for (const [index, name] of names.entries()) {
    const word = ` ${name}${index < names.length - 1 ? "," : ""}`;
    if (line.length + word.length > 100) {
      lines.push(line);
      line = `//  `;
    }
    line += word;
  }
  if (names.length === 0) line += " none";
  lines.push(`${line}.`);
  return lines;
}

/**
 * Renders a version's table as a TypeScript module. Every group identical (same keys, values
 * and key order) to the same group of `previous`, the previous version's table, is written as a
 * reference to that table's object (`PyObject: v3_12.PyObject`); the others are written out, and
 * a header comment lists them. Without `previous` (the oldest version) every group is written out.
 * @param {Layout} layout
 * @param {Layout} [previous] the previous version's table, as its committed file resolves
 * @returns {string}
 */
export function renderLayout(layout, previous) {
  const version = /** @type {Version} */ (layout["version"]);
  const { major, minor } = version;
  const source = /** @type {string} */ (layout["source"]);
  const name = tableName(version);
  const { shared, changed, added, removed } = compareGroups(layout, previous);
  /** @type {string[]} */
  const summary = [];
  let body;
  let referenced = false;
  if (previous === undefined) {
    summary.push("// The oldest table: every group is written out.");
    body = renderValue(layout, "");
  } else {
    const before = /** @type {Version} */ (previous["version"]);
    const since = `${before.major}.${before.minor}`;
    const previousName = tableName(before);
    summary.push(...listComment(`Changed since ${since}`, changed));
    if (added.length > 0) summary.push(...listComment(`New in ${major}.${minor}`, added));
    if (removed.length > 0) summary.push(...listComment(`Gone since ${since}`, removed));
    summary.push(shared.length > 0 ? `// Every other group is ${since}'s own object (\`${previousName}.<group>\`).` : `// No group is shared with ${since}.`);
    /** @type {Set<string>} */
    const used = new Set();
    const entries = Object.entries(layout).map(([key, value]) =>
      shared.includes(key)
        ? `  ${renderKey(key)}: ${previousName}${pathPart(key)},\n`
        : `  ${renderKey(key)}: ${renderValue(value, "  ", key, { value: previous[key], path: `${previousName}${pathPart(key)}`, table: previousName, used })},\n`,
    );
    body = `{\n${entries.join("")}}`;
    referenced = shared.length > 0 || used.size > 0;
  }
  const previousVersion = /** @type {Version | undefined} */ (previous?.["version"]);
  return [
    `// generated by tools/layouts/generate.mjs from ${source} — do not edit by hand.`,
    "// Regenerate with `node tools/layouts/generate.mjs --python PATH`; see the package README.",
    ...summary,
    'import type { PythonLayout } from "./layout.js";',
    ...(previousVersion !== undefined && referenced ? [`import { ${tableName(previousVersion)} } from "./${tableName(previousVersion)}.js";`] : []),
    "",
    "/**",
    ` * Struct layout of CPython ${major}.${minor} (64-bit, release build), measured with \`offsetof\`/\`sizeof\``,
    ` * against the ${source}. Offsets and sizes are in bytes.`,
    " *",
    " * @example",
    " * ```ts",
    ` * import { layouts } from "@corestack/cpython-layouts";`,
    ` * const offset = layouts["${major}.${minor}"].PyThreadState.thread_id;`,
    " * ```",
    " */",
    `export const ${name} = ${body} as const satisfies PythonLayout;`,
    "",
  ].join("\n");
}

/**
 * Renders `packages/cpython-layouts/src/layouts.ts`, the registry of the tables: one import and
 * one entry per version of the matrix, oldest first. Written by the generator with the tables, so
 * a new version is registered by the same command that generates its table.
 * @param {readonly string[]} versions `"3.14"`…, oldest first
 * @returns {string}
 */
export function renderRegistry(versions) {
  const names = versions.map((version) => {
    const [major, minor] = version.split(".").map(Number);
    return { version, name: tableName({ major: /** @type {number} */ (major), minor: /** @type {number} */ (minor) }) };
  });
  const first = versions[0];
  const last = versions.at(-1);
  return [
    "// generated by tools/layouts/generate.mjs with the tables — do not edit by hand.",
    'import type { PythonLayout } from "./layout.js";',
    ...names.map(({ name }) => `import { ${name} } from "./${name}.js";`),
    "",
    "/**",
    ' * Every supported version\'s layout, keyed `"major.minor"`. Each table is generated from that',
    " * version's headers by `tools/layouts/generate.mjs`, which also writes this registry.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { layouts } from "@corestack/cpython-layouts";',
    " *",
    ' * const layout = layouts["3.11"];',
    " * console.log(layout.PyThreadState.native_thread_id); // 160",
    ` * console.log(Object.keys(layouts)); // ["${first}", …, "${last}"]`,
    " * ```",
    " */",
    "export const layouts: {",
    ...names.map(({ version, name }) => `  readonly "${version}": typeof ${name};`),
    "} = {",
    ...names.map(({ version, name }) => `  "${version}": ${name},`),
    "};",
    "",
    `/** A key of {@link layouts}: \`"${first}"\` … \`"${last}"\`. */`,
    "export type LayoutVersion = keyof typeof layouts;",
    "",
    "/**",
    " * Looks up the layout of a CPython minor version.",
    " *",
    " * @param major 2 or 3.",
    " * @param minor the minor version, e.g. 12 for 3.12.",
    " * @returns the layout, or `undefined` when the version is not supported.",
    " *",
    " * @example",
    " * ```ts",
    ' * import { layoutFor } from "@corestack/cpython-layouts";',
    " *",
    " * layoutFor(3, 12)?.PyInterpreterState.threads_head; // 72",
    " * layoutFor(3, 5); // undefined",
    " * ```",
    " */",
    "export function layoutFor(major: number, minor: number): PythonLayout | undefined {",
    "  const key = `${major}.${minor}`;",
    "  return Object.hasOwn(layouts, key) ? layouts[key as LayoutVersion] : undefined;",
    "}",
    "",
  ].join("\n");
}

/**
 * The text of matrix.mjs with `MATRIX` set to `versions`.
 * @param {string} text the current matrix.mjs
 * @param {readonly string[]} versions
 */
export function renderMatrix(text, versions) {
  const line = /^export const MATRIX = \[[^\]]*\];$/m;
  if (!line.test(text)) throw new Error("tools/layouts/matrix.mjs: no `export const MATRIX = [...];` line");
  return text.replace(line, `export const MATRIX = [${versions.map((version) => JSON.stringify(version)).join(", ")}];`);
}

/**
 * Reads back a table this generator wrote: the object literal of `export const vX_Y = {…}`, with
 * references `vA_B.group` resolved from `tables` (the tables already read, by name). Accepts only
 * what renderLayout writes (numbers, strings, nested objects, such references), so anything else
 * in the file is an error rather than a guess.
 * @param {string} text the file
 * @param {Map<string, Layout>} tables
 * @param {string} file for messages
 * @returns {{ name: string, layout: Layout }}
 */
export function parseTable(text, tables, file) {
  const head = /^export const (v\d+_\d+) = /m.exec(text);
  if (head === null) throw new Error(`${file}: no "export const vX_Y = " table`);
  const name = /** @type {string} */ (head[1]);
  const tokens =
    text
      .slice(head.index + head[0].length)
      .match(/"(?:[^"\\]|\\.)*"|-?0x[0-9a-f]+|-?\d+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])*|[{}:,;]|\S/g) ?? [];
  let index = 0;
  const fail = (/** @type {string} */ what) => new Error(`${file}: ${what} at token ${index} ("${tokens[index]}")`);
  /** @returns {unknown} */
  const value = () => {
    const token = tokens[index++];
    if (token === undefined) throw fail("unexpected end");
    if (token === "{") {
      /** @type {Record<string, unknown>} */
      const object = {};
      while (tokens[index] !== "}") {
        const key = tokens[index++];
        if (key === undefined || !(key.startsWith('"') || /^[A-Za-z_$][\w$]*$/.test(key))) throw fail("expected a key");
        if (tokens[index++] !== ":") throw fail('expected ":"');
        object[key.startsWith('"') ? JSON.parse(key) : key] = value();
        if (tokens[index] === ",") index += 1;
        else if (tokens[index] !== "}") throw fail('expected "," or "}"');
      }
      index += 1;
      return object;
    }
    if (token === "[") {
      const array = [];
      while (tokens[index] !== "]") {
        array.push(value());
        if (tokens[index] === ",") index += 1;
        else if (tokens[index] !== "]") throw fail('expected "," or "]"');
      }
      index += 1;
      return array;
    }
    if (token === "true" || token === "false") return token === "true";
    if (token.startsWith('"')) return JSON.parse(token);
    if (/^-?0x/.test(token)) return (token.startsWith("-") ? -1 : 1) * Number.parseInt(token.replace("-", ""), 16);
    if (/^-?\d+$/.test(token)) return Number(token);
    const reference = /^(v\d+_\d+)((?:\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])+)$/.exec(token);
    if (reference !== null) {
      /** @type {unknown} */
      let target = tables.get(/** @type {string} */ (reference[1]));
      for (const part of /** @type {string} */ (reference[2]).match(/\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\]/g) ?? []) {
        const key = part.startsWith(".") ? part.slice(1) : JSON.parse(part.slice(1, -1));
        if (typeof target !== "object" || target === null || !(key in target)) throw fail(`unknown reference`);
        target = /** @type {Record<string, unknown>} */ (target)[key];
      }
      if (target === undefined) throw fail(`unknown reference`);
      if (!new RegExp(`^import \\{ ${reference[1]} \\} from "\\./${reference[1]}\\.js";$`, "m").test(text)) {
        throw fail(`${reference[1]} is not imported`);
      }
      return target;
    }
    index -= 1;
    throw fail("unexpected token");
  };
  const layout = /** @type {Layout} */ (value());
  if (tokens.slice(index, index + 4).join(" ") !== "as const satisfies PythonLayout") throw fail("expected the closing as const satisfies PythonLayout");
  return { name, layout };
}

/**
 * The committed tables of the matrix's versions, oldest first, each resolved (references to the
 * previous table followed). A version without a file is missing from the map.
 * @param {string} directory
 * @returns {Promise<Map<string, { text: string, layout: Layout }>>}
 */
export async function readCommitted(directory = OUT_DIR, matrix = MATRIX) {
  /** @type {Map<string, Layout>} */
  const byName = new Map();
  /** @type {Map<string, { text: string, layout: Layout }>} */
  const out = new Map();
  for (const version of matrix) {
    const [major, minor] = version.split(".").map(Number);
    const name = tableName({ major: /** @type {number} */ (major), minor: /** @type {number} */ (minor) });
    const file = join(directory, `${name}.ts`);
    if (!existsSync(file)) continue;
    const text = await readFile(file, "utf8");
    const parsed = parseTable(text, byName, relative(process.cwd(), file));
    if (parsed.name !== name) throw new Error(`${file}: exports ${parsed.name}, not ${name}`);
    byName.set(name, parsed.layout);
    out.set(version, { text, layout: parsed.layout });
  }
  return out;
}

/**
 * The previous version of the matrix, or undefined for the oldest.
 * @param {Version} version
 * @returns {string | undefined}
 */
export function previousVersion(version, matrix = MATRIX) {
  const index = matrix.indexOf(`${version.major}.${version.minor}`);
  if (index < 0) throw new Error(`${version.major}.${version.minor} is not in tools/layouts/matrix.mjs MATRIX`);
  return matrix[index - 1];
}

async function main() {
  const args = process.argv.slice(2);
  /** @type {string[]} */
  const pythons = [];
  let outDir = OUT_DIR;
  let check = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === "--python") pythons.push(/** @type {string} */ (args[++i]));
    else if (arg === "--out") outDir = resolve(/** @type {string} */ (args[++i]));
    else if (arg === "--check") check = true;
    else if (arg === "--") continue;
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: node tools/layouts/generate.mjs [--python PATH]... [--out DIR] [--check]");
      return;
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (pythons.length === 0) {
    for (const version of MATRIX) {
      const python = findInterpreter(version);
      if (python === undefined) console.log(`${version}: no interpreter found, skipped`);
      else pythons.push(python);
    }
  }
  if (pythons.length === 0) throw new Error("no interpreters: pass --python PATH");
  const results = await Promise.all(pythons.map((python) => probeLayout(python)));
  /** @type {Map<string, { interpreter: Interpreter, layout: Layout }>} */
  const probed = new Map();
  // A version not yet in the matrix joins it: the one command that adds a version.
  const matrix = [...MATRIX];
  for (const result of results) {
    const { major, minor } = result.interpreter.version;
    const version = `${major}.${minor}`;
    if (!matrix.includes(version)) {
      if (check) throw new Error(`${version} is not in tools/layouts/matrix.mjs MATRIX (run without --check to add it)`);
      matrix.push(version);
      matrix.sort((a, b) => versionKey(a) - versionKey(b));
    }
    if (probed.has(version)) throw new Error(`two interpreters for ${version}: pass one with --python`);
    probed.set(version, result);
  }
  // Walk the matrix oldest first. A probed version gets its probe; any other version keeps the
  // values of its committed file. Each is rendered against the previous version's table as it
  // stands after this run, so a version regenerated alone shares with the committed previous
  // table, and the later committed tables are re-rendered (same values) to follow it.
  const committed = await readCommitted(outDir, matrix);
  let stale = 0;
  /** @type {Layout | undefined} */
  let previous;
  for (const version of matrix) {
    const probe = probed.get(version);
    const old = committed.get(version);
    const layout = probe?.layout ?? old?.layout;
    if (layout === undefined) {
      previous = undefined;
      continue;
    }
    const text = renderLayout(layout, previous);
    previous = layout;
    const file = join(outDir, `${tableName(/** @type {Version} */ (layout["version"]))}.ts`);
    const name = relative(process.cwd(), file);
    const from = probe === undefined ? "its committed values, to follow the previous table" : probe.interpreter.python;
    if (old?.text === text) {
      if (probe !== undefined) console.log(`${name}: up to date (${from})`);
    } else if (check) {
      stale += 1;
      console.log(`${name}: differs from what ${from} gives`);
    } else {
      await writeFile(file, text);
      console.log(`${name}: ${old === undefined ? "created" : "updated"} from ${from}`);
    }
  }
  // The registry (layouts.ts) and the matrix follow the tables.
  const outputs = [
    { file: join(outDir, "layouts.ts"), text: renderRegistry(matrix.filter((version) => probed.has(version) || committed.has(version))) },
    { file: join(here, "matrix.mjs"), text: renderMatrix(await readFile(join(here, "matrix.mjs"), "utf8"), matrix) },
  ];
  for (const { file, text } of outputs) {
    const name = relative(process.cwd(), file);
    const old = existsSync(file) ? await readFile(file, "utf8") : undefined;
    if (old === text) continue;
    if (check) {
      stale += 1;
      console.log(`${name}: differs from what the generator writes`);
    } else {
      await writeFile(file, text);
      console.log(`${name}: ${old === undefined ? "created" : "updated"}`);
    }
  }
  if (stale > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

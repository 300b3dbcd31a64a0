// The committed tables must be what the generator gives for each installed interpreter, so they
// cannot drift from the headers (nor be edited by hand). Interpreters: tools/layouts/matrix.mjs.
// A table shares every group that did not change with the previous version's table
// (`PyObject: v3_12.PyObject`): values are compared as the modules resolve them, and the text of
// each file as the generator renders it from those values and the previous committed table.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { PRIVATE_STRUCTS, parseRange } from "../../../tools/layouts/fields.mjs";
import { OUT_DIR, probeLayout, readCommitted, renderLayout, tableName } from "../../../tools/layouts/generate.mjs";
import { findInterpreter, MATRIX } from "../../../tools/layouts/matrix.mjs";
import { layouts } from "./layouts.js";

const hasCompiler = spawnSync(process.env["CC"] ?? "gcc", ["--version"]).status === 0;
const hasGdb = spawnSync("gdb", ["--version"]).status === 0;

/** The ELF file holding an interpreter's runtime: its shared libpython, else the executable. */
function runtimeFile(python: string): string {
  const script =
    "import os, sys, sysconfig\n" +
    "lib = os.path.join(sysconfig.get_config_var('LIBDIR') or '', sysconfig.get_config_var('LDLIBRARY') or '')\n" +
    "print(lib if lib.endswith('.so') and os.path.exists(lib) else os.path.realpath(sys.executable))";
  return spawnSync(python, ["-c", script], { encoding: "utf8" }).stdout.trim();
}

/** Member offsets of a struct as the file's DWARF describes it (`ptype /o`), or undefined without debug info. */
function dwarfOffsets(file: string, type: string): Map<string, number> | undefined {
  const run = spawnSync("gdb", ["-batch", "-nx", "-ex", `ptype /o ${type}`, file], { encoding: "utf8" });
  if (!/type = /.test(run.stdout)) return undefined;
  const offsets = new Map<string, number>();
  for (const line of run.stdout.split("\n")) {
    // "/*     16      |       8 */    PyObject *md_dict;" — top-level members only (4 spaces of indent).
    const match = /^\/\*\s+(\d+)\s+\|\s+\d+ \*\/ {4}(?! )(.*);$/.exec(line);
    const name = match?.[2] === undefined ? undefined : /(\w+)(\[\d*\])?$/.exec(match[2])?.[1];
    if (match && name !== undefined) offsets.set(name, Number(match[1]));
  }
  return offsets;
}

/**
 * The detached debug information of an interpreter's executable, found by its build-id under the
 * interpreter's own prefix (the Debian builds that tools/testing/debian_pythons.mjs provides with
 * their `-dbg` packages) or the machine's `/usr/lib/debug`; undefined when there is none.
 */
function detachedDebugInfo(python: string): string | undefined {
  const executable = realpathSync(python);
  const notes = spawnSync("readelf", ["-n", executable], { encoding: "utf8" }).stdout;
  const id = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1];
  if (id === undefined) return undefined;
  const relative = join(".build-id", id.slice(0, 2), `${id.slice(2)}.debug`);
  const prefix = dirname(dirname(dirname(executable))); // PREFIX/usr/bin/python3.X
  return [join(prefix, "usr/lib/debug", relative), join("/usr/lib/debug", relative)].find((file) => existsSync(file));
}

/** Top-level member offsets and total size of each struct, as one gdb run reads them from DWARF. */
function dwarfStructs(file: string, types: readonly string[]): Map<string, { members: Map<string, number>; size: number }> {
  const commands = types.flatMap((type) => ["-ex", `echo @@${type}\\n`, "-ex", `ptype /o ${type}`]);
  const run = spawnSync("gdb", ["-batch", "-nx", "-ex", "set max-value-size unlimited", ...commands, file], { encoding: "utf8" });
  const result = new Map<string, { members: Map<string, number>; size: number }>();
  for (const block of run.stdout.split(/^@@/m).slice(1)) {
    const type = block.slice(0, block.indexOf("\n"));
    if (!/type = /.test(block)) continue; // not in this file's DWARF
    const members = new Map<string, number>();
    for (const line of block.split("\n")) {
      const match = /^\/\*\s+(\d+)(?::\s*\d+)?\s+\|\s+\d+ \*\/ {4}(?! )(.*);$/.exec(line);
      const name = match?.[2] === undefined ? undefined : /(\w+)(\[\d*\])?$/.exec(match[2])?.[1];
      if (match && name !== undefined) members.set(name, Number(match[1]));
    }
    // Nested structs print their own totals first; the outer struct's is the last.
    const size = Number([...block.matchAll(/total size \(bytes\):\s+(\d+)/g)].at(-1)?.[1] ?? NaN);
    result.set(type, { members, size });
  }
  return result;
}

describe("generated tables", () => {
  test("every version of the test matrix has a table and the other way round", () => {
    expect(Object.keys(layouts)).toEqual(MATRIX);
  });

  /** The committed table of the version before `version` in the matrix (undefined for the oldest). */
  const previousTable = (version: string) => {
    const before = MATRIX[MATRIX.indexOf(version) - 1];
    return before === undefined ? undefined : layouts[before as keyof typeof layouts];
  };

  // Without interpreters: each file is what the generator writes for its own values, so a shared
  // group cannot be spelled out by hand (nor a changed one left as a reference), and the
  // "Changed since" header lists exactly the groups that differ from the previous version.
  test.each(MATRIX)("%s: the file is rendered from its values and the previous table", async (version) => {
    const committed = layouts[version as keyof typeof layouts];
    const file = await readFile(join(OUT_DIR, `${tableName(committed.version)}.ts`), "utf8");
    expect(file).toBe(renderLayout(committed, previousTable(version)));
  });

  test("every group left as in the previous version is that version's own object", () => {
    for (const [index, version] of MATRIX.entries()) {
      const before = MATRIX[index - 1];
      if (before === undefined) continue;
      const table = layouts[version as keyof typeof layouts] as unknown as Record<string, unknown>;
      const previous = layouts[before as keyof typeof layouts] as unknown as Record<string, unknown>;
      for (const [group, value] of Object.entries(table)) {
        if (typeof value !== "object" || group === "version") continue;
        const same = JSON.stringify(value) === JSON.stringify(previous[group]);
        expect(value === previous[group], `${version} ${group}`).toBe(same);
      }
    }
  });

  test("the generator reads the committed files back as the modules resolve them", async () => {
    const committed = await readCommitted();
    expect([...committed.keys()]).toEqual(MATRIX);
    for (const [version, { layout }] of committed) expect(layout, version).toEqual(layouts[version as keyof typeof layouts]);
  });

  for (const version of MATRIX) {
    const python = findInterpreter(version);
    const skip = python === undefined || !hasCompiler;
    const name = skip
      ? `layouts["${version}"] is not checked: ${hasCompiler ? `no interpreter (set CORESTACK_PYTHON_${version.replace(".", "_")})` : "no C compiler"}`
      : `layouts["${version}"] matches the probe of ${python}`;
    test(name, { concurrent: true, skip }, async () => {
      const { interpreter, layout } = await probeLayout(python as string);
      const committed = layouts[version as keyof typeof layouts];
      const { source: _probedSource, ...probed } = layout;
      const { source: _committedSource, ...expected } = committed;
      expect(probed).toEqual(expected);
      // Same patch release: the file is byte for byte what the generator writes, given the
      // previous version's committed table (whose values its own test checks).
      if (committed.source === layout["source"]) {
        const file = await readFile(join(OUT_DIR, `${tableName(interpreter.version)}.ts`), "utf8");
        expect(file).toBe(renderLayout(layout, previousTable(version)));
      }
    });
  }

  // A stripped distribution build's tables are checked against the DWARF of its detached debug
  // information (Debian's -dbg packages hold it for the release executable): the struct members
  // of every group that names a C struct, and the struct's size.
  for (const version of MATRIX) {
    const python = findInterpreter(version);
    const debug = python === undefined ? undefined : detachedDebugInfo(python);
    const skip = debug === undefined || !hasGdb;
    const name = skip
      ? `layouts["${version}"] is not checked against detached DWARF: ${!hasGdb ? "no gdb" : python === undefined ? "no interpreter" : `${python} has no detached debug information`}`
      : `layouts["${version}"] matches the DWARF of ${python}'s detached debug information`;
    test(name, { concurrent: true, skip }, () => {
      const table = layouts[version as keyof typeof layouts] as unknown as Record<string, Record<string, number> | undefined>;
      const sizes = table["sizeof"] ?? {};
      const structs: Array<[group: string, type: string]> = [
        ["PyThreadState", "struct _ts"],
        ["PyInterpreterState", "struct _is"],
        ["_PyRuntimeState", "struct pyruntimestate"],
        ["_PyInterpreterFrame", "struct _PyInterpreterFrame"],
        ["PyCodeObject", "PyCodeObject"],
        ["PyASCIIObject", "PyASCIIObject"],
        ["PyCompactUnicodeObject", "PyCompactUnicodeObject"],
        ["PyUnicodeObject", "PyUnicodeObject"],
        ["PyBytesObject", "PyBytesObject"],
        ["PyTupleObject", "PyTupleObject"],
        ["PyListObject", "PyListObject"],
        ["PyFloatObject", "PyFloatObject"],
        ["PyDictObject", "PyDictObject"],
        ["PyDictKeyEntry", "PyDictKeyEntry"],
        ["PyDictUnicodeEntry", "PyDictUnicodeEntry"],
        ["PyModuleObject", "PyModuleObject"],
        ["PyTypeObject", "PyTypeObject"],
      ];
      const dwarf = dwarfStructs(
        debug as string,
        structs.map(([, type]) => type),
      );
      let compared = 0;
      for (const [group, type] of structs) {
        const found = dwarf.get(type);
        expect(found, `${type} in the DWARF`).toBeDefined();
        if (found === undefined) continue;
        const size = sizes[group];
        if (size !== undefined) {
          expect(found.size, `sizeof(${type})`).toBe(size);
          compared += 1;
        }
        // Members named as in C; nested designators (threads_head) are not top-level members.
        for (const [field, offset] of Object.entries(table[group] ?? {})) {
          const member = found.members.get(field);
          if (member === undefined) continue;
          expect(member, `${type}.${field}`).toBe(offset);
          compared += 1;
        }
      }
      expect(compared).toBeGreaterThan(60);
    });
  }

  // The structs fields.mjs declares for versions that keep them private must match the real ones.
  for (const version of MATRIX) {
    const [major, minor] = version.split(".").map(Number) as [number, number];
    const structs = PRIVATE_STRUCTS.filter(([range]) => parseRange(range)({ major, minor }));
    if (structs.length === 0) continue;
    const python = findInterpreter(version);
    const skip = python === undefined || !hasGdb;
    const name = skip
      ? `PRIVATE_STRUCTS of ${version} are not checked: ${hasGdb ? "no interpreter" : "no gdb"}`
      : `PRIVATE_STRUCTS of ${version} match the DWARF of ${python}'s runtime, when it has debug info`;
    test(name, { concurrent: true, skip }, () => {
      const file = runtimeFile(python as string);
      const table = layouts[version as keyof typeof layouts] as unknown as Record<string, Record<string, number> | undefined>;
      for (const [, source] of structs) {
        const types = [...source.matchAll(/struct (\w+) \{/g)].map((m) => `struct ${m[1]}`);
        types.push(...[...source.matchAll(/\} (\w+);/g)].map((m) => m[1] as string));
        for (const type of types) {
          const dwarf = dwarfOffsets(file, type);
          if (dwarf === undefined) return; // a build without debug info: nothing to compare
          const group = table[type.replace(/^struct /, "")] ?? {};
          expect(Object.keys(group).length, `${type} has fields in the table`).toBeGreaterThan(0);
          for (const [field, offset] of Object.entries(group)) expect(dwarf.get(field), `${type}.${field}`).toBe(offset);
        }
      }
    });
  }
});

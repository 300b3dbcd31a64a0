// The committed tables must be what the generator gives for each installed interpreter, so they
// cannot drift from the headers (nor be edited by hand). Interpreters: tools/layouts/matrix.mjs.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OUT_DIR, probeLayout, renderLayout, tableName } from "../../../tools/layouts/generate.mjs";
import { findInterpreter, MATRIX } from "../../../tools/layouts/matrix.mjs";
import { layouts } from "./layouts.js";

const hasCompiler = spawnSync(process.env["CC"] ?? "gcc", ["--version"]).status === 0;

describe("generated tables", () => {
  test("every version of the test matrix has a table and the other way round", () => {
    expect(Object.keys(layouts)).toEqual(MATRIX);
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
      // Same patch release: the file is byte for byte what the generator writes.
      if (committed.source === layout["source"]) {
        const file = await readFile(join(OUT_DIR, `${tableName(interpreter.version)}.ts`), "utf8");
        expect(file).toBe(renderLayout(layout, interpreter));
      }
    });
  }
});

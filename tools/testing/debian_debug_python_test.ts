// tools/testing/debian_debug_python.mjs: what it left in its cache is consistent (the interpreter
// runs, the debug file carries its build-id), and its build-id reader agrees with readelf's.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { debugPythonSkipReason, elfBuildId, readProvidedDebugPython } from "./debian_debug_python.mjs";

const readelf = spawnSync("readelf", ["--version"]).status === 0;

describe("debian_debug_python.mjs", () => {
  for (const file of ["/usr/bin/python3.11", process.execPath]) {
    it.skipIf(!existsSync(file) || !readelf)(`elfBuildId() reads the build-id readelf -n prints (${file})${readelf ? "" : " (skipped: no readelf)"}`, () => {
      const notes = spawnSync("readelf", ["-n", file], { encoding: "utf8" }).stdout;
      const id = /Build ID: ([0-9a-f]+)/.exec(notes)?.[1] ?? null;
      expect(elfBuildId(file)).toBe(id);
    });
  }

  const provided = readProvidedDebugPython();
  it.skipIf(provided === null)(`the provided python3.11-dbg fits its interpreter${provided === null ? ` (skipped: ${debugPythonSkipReason()})` : ""}`, () => {
    const { python, debugFile, debugDir, buildId: id, matchesMachine } = provided!;
    expect(elfBuildId(python)).toBe(id);
    expect(elfBuildId(debugFile)).toBe(id);
    expect(debugFile).toBe(`${debugDir}/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`);
    if (matchesMachine) expect(python).toMatch(/^\/usr\/bin\/python3\.11$/);
    const run = spawnSync(python, ["-c", "import sys, threading, queue; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    expect(run.stdout.trim(), run.stderr).toBe("3.11");
  });
});

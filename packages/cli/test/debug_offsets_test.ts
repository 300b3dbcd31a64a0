import { describe, expect, it } from "vitest";
import { type Interpreter, coreAvailability, findInterpreters, makeCore, scenariosFor } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectNoStackTrace } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

// 3.13+ keeps the struct offsets a debugger needs in _Py_DebugOffsets at the start of _PyRuntime.
// With CORESTACK_LAYOUT_SOURCE=debug-offsets, corestack takes the layout from there only (plus the
// documented base of cpython-layouts, never a generated table), as it does for a Python newer than
// its tables: the whole matrix must still equal the truth. Thread names need dict internals the
// debug offsets do not describe: in this mode they are null, and only here is the name check skipped.
const interpreters: Interpreter[] = coreAvailability().ok ? findInterpreters().filter((i) => i.major > 3 || (i.major === 3 && i.minor >= 13)) : [];

describe.skipIf(interpreters.length === 0)("CORESTACK_LAYOUT_SOURCE=debug-offsets: the 3.13+ matrix from _Py_DebugOffsets alone", () => {
  if (interpreters.length === 0) console.warn("skipping the debug-offsets matrix: no CPython 3.13+ (or no core files) on this machine");
  for (const interpreter of interpreters) {
    describe(interpreter.id, () => {
      it("without the variable, --verbose says the layout came from the table (the control case)", async () => {
        const c = await makeCore(interpreter, "simple");
        const run = corestack(["core", c.core, "--verbose"], { CORESTACK_LAYOUT_SOURCE: "" });
        expect(run.status, run.stderr).toBe(0);
        expect(run.stderr).toMatch(/^Python \S+ \(version from .+, layout from table\)$/m);
      });

      for (const scenario of scenariosFor(interpreter).filter((s) => s.mode === "crash")) {
        it(`${scenario.name}: equals the truth, and --verbose says the layout came from debug offsets`, async () => {
          const c = await makeCore(interpreter, scenario);
          const run = corestack(["core", c.core, "--json", "--verbose"], { CORESTACK_LAYOUT_SOURCE: "debug-offsets" });
          expect(run.status, run.stderr).toBe(0);
          expect(run.stderr).toMatch(
            new RegExp(`^Python ${c.truth.python_version.replaceAll(".", "\\.")} \\(version from .+, layout from debug offsets\\)$`, "m"),
          );
          expect(run.stderr).not.toMatch(/^warning:/m);
          expectNoStackTrace(run.stderr);
          const json = JSON.parse(run.stdout) as JsonReport;
          expectMatchesTruth(c, json, { names: false });
          expect(
            json.threads.map((t) => t.name ?? null),
            "no thread names from _Py_DebugOffsets alone",
          ).toEqual(json.threads.map(() => null));
        });
      }
    });
  }
});

// A Python newer than corestack: 3.14 and 3.15 as if their tables did not exist
// (CORESTACK_LAYOUT_SOURCE=no-table, a test hook). The run goes the way a version released after
// this corestack goes: one warning naming the version, the layout from the interpreter itself,
// and stacks equal to the truth.
const newest: Interpreter[] = interpreters.filter((i) => i.major === 3 && i.minor >= 14);

describe.skipIf(newest.length === 0)("newer than corestack: 3.14 and 3.15 with their tables switched off", () => {
  if (newest.length === 0) console.warn("skipping the newer-than-corestack matrix: no CPython 3.14+ provided (node tools/testing/debian_pythons.mjs)");
  for (const interpreter of newest) {
    for (const scenario of scenariosFor(interpreter).filter((s) => s.mode === "crash")) {
      it(`${interpreter.id} ${scenario.name}: equals the truth, with one warning naming the version`, async () => {
        const c = await makeCore(interpreter, scenario);
        const run = corestack(["core", c.core, "--json"], { CORESTACK_LAYOUT_SOURCE: "no-table" });
        expect(run.status, run.stderr).toBe(0);
        const warnings = run.stderr.split("\n").filter((line) => line.startsWith("warning:"));
        const version = c.truth.python_version.replaceAll(".", "\\.");
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(
          new RegExp(
            `^warning: Python ${version} is newer than corestack's layout tables: its layout was read from the interpreter's own _Py_DebugOffsets \\(thread names unavailable\\)$`,
          ),
        );
        expectNoStackTrace(run.stderr);
        const json = JSON.parse(run.stdout) as JsonReport;
        expectMatchesTruth(c, json, { names: false });
      });
    }
  }
});

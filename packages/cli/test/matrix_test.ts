import { describe, expect, it } from "vitest";
import {
  DEBIAN_PYTHON_MINORS,
  type Interpreter,
  coreAvailability,
  debianPythonSkipReason,
  findInterpreters,
  makeCore,
  scenariosFor,
} from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectMatchesTruth } from "./_truth_compare.js";

const availability = coreAvailability();
const interpreters = availability.ok ? findInterpreters() : [];

describe.skipIf(!availability.ok)("interpreter matrix: corestack core --json equals the truth each program recorded", () => {
  if (!availability.ok) console.warn(`skipping the interpreter matrix: ${availability.reason}`);
  // Debian's newer builds come from tools/testing/debian_pythons.mjs: one missing is a visible skip.
  for (const minor of DEBIAN_PYTHON_MINORS) {
    const reason = debianPythonSkipReason(minor);
    if (reason !== null) it.skip(reason, () => {});
  }
  for (const interpreter of interpreters as Interpreter[]) {
    describe(interpreter.id, () => {
      for (const scenario of scenariosFor(interpreter).filter((s) => s.mode === "crash")) {
        it(`${scenario.name}`, async () => {
          const c = await makeCore(interpreter, scenario);
          // --locals: every frame's variables are compared with the reprs the program recorded.
          const { status, stdout, stderr } = corestack(["core", c.core, "--json", "--locals"]);
          expect(stderr, stderr).toBe("");
          expect(status).toBe(0);
          expectMatchesTruth(c, JSON.parse(stdout));
        });
      }
    });
  }
});

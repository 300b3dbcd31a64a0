import { describe, expect, it } from "vitest";
import { type CoreCase, type Interpreter, coreAvailability, findInterpreters, makeCore, scenariosFor } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectNamesMatchTruth } from "./_truth_names.js";

interface JsonFrame {
  kind: string;
  file: string;
  function: string;
  line: number;
  column?: number;
}
interface JsonThread {
  tid: number | null;
  name: string | null;
  frames: JsonFrame[];
  error?: string;
}

const availability = coreAvailability();
const interpreters = availability.ok ? findInterpreters() : [];

/** The same check for a core whatever made it: corestack's JSON equals the scenario's own truth. */
export function expectMatchesTruth(c: CoreCase, json: { threads: JsonThread[]; python: { version: string } | null }): void {
  expect(json.python?.version.startsWith(`${c.interpreter.major}.${c.interpreter.minor}`)).toBe(true);
  const byTid = new Map(json.threads.map((t) => [t.tid, t]));
  for (const truthThread of c.truth.threads) {
    const thread = byTid.get(truthThread.tid);
    expect(thread, `thread ${truthThread.tid} (${truthThread.name}) missing`).toBeDefined();
    expect(thread!.error).toBeUndefined();
    const got = thread!.frames.map((f) => `${f.file}:${f.line} ${f.function}`);
    const want = truthThread.frames.map((f) => `${f.file}:${f.line} ${f.function}`);
    expect(got, `thread ${truthThread.tid} (${truthThread.name})`).toEqual(want);
  }
  expect(new Set(json.threads.map((t) => t.tid))).toEqual(new Set(c.truth.threads.map((t) => t.tid)));
  expectNamesMatchTruth(c, json);
}

describe.skipIf(!availability.ok)("interpreter matrix: corestack core --json equals the truth each program recorded", () => {
  if (!availability.ok) console.warn(`skipping the interpreter matrix: ${availability.reason}`);
  for (const interpreter of interpreters as Interpreter[]) {
    describe(interpreter.id, () => {
      for (const scenario of scenariosFor(interpreter).filter((s) => s.mode === "crash")) {
        it(`${scenario.name}`, async () => {
          const c = await makeCore(interpreter, scenario);
          const { status, stdout, stderr } = corestack(["core", c.core, "--json"]);
          expect(stderr, stderr).toBe("");
          expect(status).toBe(0);
          expectMatchesTruth(c, JSON.parse(stdout));
        });
      }
    });
  }
});

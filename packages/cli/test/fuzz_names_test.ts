// The fuzzer's grafting mutations (tools/fuzz/fuzz_lib.mjs: "name" and "mappings"), each form
// once, on real cores: every run is analysed or refused cleanly — never a crash, a hang, raw
// format or control characters, a lone surrogate in the JSON, a name longer than a cut one, or
// exit 0 for a stack that is not whole — and the grafts do reach the output.
import { describe, expect, it } from "vitest";
import { coreAvailability, findInterpreters } from "../../../tools/testing/cores.js";
import { replay } from "../../../tools/fuzz/fuzz_lib.mjs";
import { CLI } from "./_cli.js";

const availability = coreAvailability();
const interpreters = availability.ok ? findInterpreters() : [];

const FORMS = ["cf", "surrogate", "controls", "lookalike", "long", "liar", "bytes"] as const;

const CASES = [
  { interpreter: "pyenv-2.7.18", version: "2.7", scenario: "simple" },
  { interpreter: "pyenv-3.12.1", version: "3.12", scenario: "threads" },
  { interpreter: "pyenv-3.13.0", version: "3.13", scenario: "recursion" },
] as const;

for (const c of CASES) {
  const here = interpreters.some((i) => `${i.major}.${i.minor}` === c.version);
  describe.skipIf(!here)(`fuzz grafts on ${c.interpreter}/${c.scenario}`, () => {
    for (const form of FORMS) {
      it(`a ${form} co_name and co_filename: analysed or refused cleanly, in both modes`, { timeout: 120_000 }, async () => {
        const mutations = [
          { kind: "name", at: { area: "name", field: "co_name", index: 3 }, text: { form, seed: 11 } },
          { kind: "name", at: { area: "name", field: "co_filename", index: 5 }, text: { form, seed: 12 } },
        ];
        for (const mode of ["json", "text"] as const) {
          const outcome = await replay({ case: c, mode, mutations }, { cli: CLI });
          expect(["analysed", "refusal"], `${mode}: ${outcome.class}: ${outcome.reason}\n${outcome.stderr}`).toContain(outcome.class);
          // A lying length makes the stack incomplete (exit 1); every other form is a whole stack.
          expect(outcome.status, outcome.stderr).toBe(form === "liar" ? 1 : 0);
        }
      });
    }

    it("an NT_FILE note blown up past MAX_FILE_MAPPINGS: analysed, quickly, with the cut said", { timeout: 120_000 }, async () => {
      const mutations = [{ kind: "mappings", extra: 262_145, order: "random", paths: "one-char", place: "fresh", first: "real", seed: 3 }];
      // A run killed at the time limit is classed "hang": the limit marks a hang (minutes before the
      // cut), it is not a speed check (speed is measured in benchmarks).
      const outcome = await replay({ case: c, mode: "json", mutations }, { cli: CLI, timeoutMs: 20_000 });
      expect(outcome.class, `${outcome.reason}\n${outcome.stderr}`).toBe("analysed");
      expect(outcome.stderr).toMatch(/^warning: NT_FILE note at offset 0x[0-9a-f]+ lists \d+ mappings, more than the 262144 a process can have/m);
    });
  });
}

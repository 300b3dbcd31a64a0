// Pythons as users really have them: interpreters with every symbol table stripped, and programs
// that are not `python` but embed CPython (tools/testing/variants.mjs). The stacks must be the
// truth the scenario recorded, exactly as for the interpreters of the matrix.
import { describe, expect, it } from "vitest";
import { type Interpreter, CoreUnavailableError, coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
import { embeddedInterpreter, hasSymtab, strippedInterpreter } from "../../../tools/testing/variants.mjs";
import { corestack } from "./_cli.js";
import { skipReason } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

/** The versions the issue names, and the newest Python of the matrix. */
const WANTED = ["2.7", "3.8", "3.11", "3.12", "3.13"];
const all = coreAvailability().ok ? findInterpreters() : [];
const newest = all.filter((i) => i.source === "debian" && !i.id.endsWith("-dbg")).at(-1);
const pyenv = WANTED.map((minor) => all.find((i) => `${i.major}.${i.minor}` === minor && i.libpython !== null));
for (const [index, found] of pyenv.entries()) {
  if (!found) console.warn(`skipping stripped and embedded ${WANTED[index]}: ${skipReason(`CPython ${WANTED[index]} with a shared libpython`)}`);
}
if (!newest) console.warn(`skipping the newest Python (a Debian build): ${skipReason("Debian CPython build (tools/testing/debian_pythons.mjs)")}`);

function analysed(core: string): JsonReport & { source: { executable: string | null } } {
  const run = corestack(["core", core, "--json"]);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr, run.stderr).toBe("");
  return JSON.parse(run.stdout) as JsonReport & { source: { executable: string | null } };
}

/** Runs `make`, skipping (with its reason) when this machine cannot build or dump. */
async function orSkip<T>(context: { skip: (reason: string) => void }, make: () => Promise<T> | T): Promise<T | undefined> {
  try {
    return await make();
  } catch (error) {
    if (CoreUnavailableError.isInstance(error)) {
      context.skip(error.message);
      return undefined;
    }
    throw error;
  }
}

describe.each(pyenv.filter((i): i is Interpreter => i !== undefined).map((i) => [i.id, i] as const))("%s", (_id, interpreter) => {
  it("stripped (strip --strip-all on the executable and libpython): the truth's stacks", async (context) => {
    const stripped = await orSkip(context, () => strippedInterpreter(interpreter));
    if (!stripped) return;
    expect(hasSymtab(stripped.executable)).toBe(false);
    expect(hasSymtab(stripped.libpython)).toBe(false);
    const made = await stripped.run(() => makeCore(stripped.interpreter, "threads"));
    const json = analysed(made.core);
    expect(json.source.executable).toBe(stripped.executable);
    expectMatchesTruth(made, json);
  }, 180_000);

  for (const strip of [false, true]) {
    it(`embedded in a C program (host_app, shared libpython${strip ? ", the program stripped" : ""}): the truth's stacks`, async (context) => {
      const embedded = await orSkip(context, () => embeddedInterpreter(interpreter, { strip }));
      if (!embedded) return;
      expect(embedded.linkage).toBe("shared");
      if (strip) expect(hasSymtab(embedded.program)).toBe(false);
      const made = await makeCore(embedded.interpreter, "threads");
      const json = analysed(made.core);
      expect(json.source.executable).toBe(embedded.program);
      expectMatchesTruth(made, json);
    }, 180_000);
  }
});

describe.skipIf(newest === undefined)(`the newest Python of the matrix (${newest?.id ?? "a Debian build"}): static libpython, non-PIE`, () => {
  it("as Debian ships it (stripped): the truth's stacks", async () => {
    expect(hasSymtab(newest!.executable)).toBe(false);
    const made = await makeCore(newest!, "threads");
    expectMatchesTruth(made, analysed(made.core));
  }, 180_000);

  for (const strip of [false, true]) {
    it(`embedded, statically linked${strip ? ", stripped: no symbol at all, only the .PyRuntime section" : ""}: the truth's stacks`, async (context) => {
      const embedded = await orSkip(context, () => embeddedInterpreter(newest!, { strip }));
      if (!embedded) return;
      expect(embedded.linkage).toBe("static");
      if (strip) expect(hasSymtab(embedded.program)).toBe(false);
      const made = await makeCore(embedded.interpreter, "threads");
      const json = analysed(made.core);
      expect(json.source.executable).toBe(embedded.program);
      expectMatchesTruth(made, json);
    }, 180_000);
  }
});

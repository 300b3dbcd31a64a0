import { expect } from "vitest";
import type { Truth } from "../../../tools/testing/cores.js";
import { escapedName } from "./_escaped_name.js";

/**
 * Every thread the truth names (its `threading` name) has that name in corestack's JSON; threads
 * the truth does not name are not checked (corestack may still know them).
 * @param c the scenario's truth (a `CoreCase` fits).
 * @param json corestack's `--json` output.
 */
export function expectNamesMatchTruth(
  c: { readonly truth: Truth },
  json: { threads: ReadonlyArray<{ tid: number | null; interpreter?: number; name?: string | null }> },
): void {
  // By OS thread id and interpreter: a thread that entered a subinterpreter has a thread state,
  // and a name, in each.
  const key = (thread: { tid: number | null; interpreter?: number }) => `${thread.tid}/${thread.interpreter ?? 0}`;
  const byKey = new Map(json.threads.map((t) => [key(t), t]));
  for (const truthThread of c.truth.threads) {
    if (truthThread.name === null) continue;
    expect(byKey.get(key(truthThread))?.name, `name of thread ${key(truthThread)}`).toBe(escapedName(truthThread.name));
  }
}

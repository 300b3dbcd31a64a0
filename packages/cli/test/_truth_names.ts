import { expect } from "vitest";
import type { Truth } from "../../../tools/testing/cores.js";

/**
 * Every thread the truth names (its `threading` name) has that name in corestack's JSON; threads
 * the truth does not name are not checked (corestack may still know them).
 * @param c the scenario's truth (a `CoreCase` fits).
 * @param json corestack's `--json` output.
 */
export function expectNamesMatchTruth(c: { readonly truth: Truth }, json: { threads: ReadonlyArray<{ tid: number | null; name?: string | null }> }): void {
  const byTid = new Map(json.threads.map((t) => [t.tid, t]));
  for (const truthThread of c.truth.threads) {
    if (truthThread.name === null) continue;
    expect(byTid.get(truthThread.tid)?.name, `name of thread ${truthThread.tid}`).toBe(truthThread.name);
  }
}

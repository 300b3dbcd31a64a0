import { expect } from "vitest";
import type { Truth } from "../../../tools/testing/cores.js";
import { expectNamesMatchTruth } from "./_truth_names.js";

/** A frame of `corestack core --json`. */
export interface JsonFrame {
  readonly kind: string;
  readonly file: string;
  readonly function: string;
  readonly line: number;
  readonly column?: number;
}

/** A thread of `corestack core --json`. */
export interface JsonThread {
  readonly tid: number | null;
  readonly name?: string | null;
  readonly gil?: string;
  readonly frames: readonly JsonFrame[];
  readonly error?: string;
}

/** The parts of `corestack core --json` the end-to-end tests read. */
export interface JsonReport {
  readonly schema: number;
  readonly source: {
    readonly kind: string;
    readonly path: string;
    readonly executable: string | null;
    readonly executableFoundBy: string | null;
    readonly process: {
      readonly pid: number | null;
      readonly executableName: string | null;
      readonly arguments: string | null;
      readonly signal: { readonly number: number; readonly name: string } | null;
      readonly threadCount: number;
    };
  };
  readonly python: { readonly version: string } | null;
  readonly threads: readonly JsonThread[];
  readonly warnings: readonly string[];
}

/**
 * corestack's JSON equals the truth the scenario recorded: the same threads (by OS thread id),
 * each with the same frames (file, line, function), outermost first, none incomplete.
 * (The same check as matrix_test.ts's, for cores made outside the matrix: a relocated
 * interpreter, another layout source. It takes only what it reads, so a core made by hand fits.)
 * @param c the interpreter's version and the scenario's truth.
 * @param json corestack's parsed `--json` output.
 * @param options `names: false` skips the thread names, for a run that cannot know them (the
 *   layout from `_Py_DebugOffsets` alone, which does not describe dicts); every other run checks them.
 */
export function expectMatchesTruth(
  c: { readonly truth: Truth },
  json: Pick<JsonReport, "threads" | "python">,
  options: { readonly names?: boolean } = {},
): void {
  expect(json.python?.version).toBe(c.truth.python_version);
  const byTid = new Map(json.threads.map((t) => [t.tid, t]));
  for (const truthThread of c.truth.threads) {
    const thread = byTid.get(truthThread.tid);
    expect(thread, `thread ${truthThread.tid} (${truthThread.name}) missing`).toBeDefined();
    expect(thread!.error).toBeUndefined();
    // Columns (3.11+) are compared where the truth has them: the interpreter's own co_positions().
    const got = thread!.frames.map((f, i) => `${f.file}:${f.line}${truthThread.frames[i]?.column != null ? `:${f.column}` : ""} ${f.function}`);
    const want = truthThread.frames.map((f) => `${f.file}:${f.line}${f.column != null ? `:${f.column}` : ""} ${f.function}`);
    expect(got, `thread ${truthThread.tid} (${truthThread.name})`).toEqual(want);
  }
  expect(new Set(json.threads.map((t) => t.tid))).toEqual(new Set(c.truth.threads.map((t) => t.tid)));
  if (options.names !== false) expectNamesMatchTruth(c, json);
}

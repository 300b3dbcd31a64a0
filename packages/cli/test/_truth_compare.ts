import { expect } from "vitest";
import type { Truth, TruthException, TruthThread } from "../../../tools/testing/cores.js";
import { escapedName } from "./_escaped_name.js";
import { expectNamesMatchTruth } from "./_truth_names.js";

/** A frame of `corestack core --json`. */
export interface JsonFrame {
  readonly kind: string;
  readonly file: string;
  readonly function: string;
  readonly line: number;
  readonly column?: number;
  /** With `--locals`. */
  readonly arguments?: Readonly<Record<string, string>>;
  readonly locals?: Readonly<Record<string, string>>;
  readonly localsError?: string;
}

/** An exception of `corestack core --json`. */
export interface JsonException {
  readonly type: string;
  readonly message: string;
  readonly address: string;
  readonly cause?: JsonException;
  readonly context?: JsonException;
}

/** A thread of `corestack core --json`. */
export interface JsonThread {
  readonly tid: number | null;
  readonly name?: string | null;
  readonly interpreter?: number;
  readonly gil?: string;
  readonly gc?: boolean;
  readonly crashed?: boolean;
  readonly exceptions?: { readonly handling?: JsonException; readonly raised?: JsonException };
  readonly frames: readonly JsonFrame[];
  readonly error?: string;
}

/** A thread's key: its OS thread id and interpreter (a thread has a thread state in each interpreter it entered). */
export function threadKey(thread: { readonly tid: number | null; readonly interpreter?: number }): string {
  return `${thread.tid}/${thread.interpreter ?? 0}`;
}

/** An exception as corestack shows one the truth recorded: the message escaped like a name. */
function shownException(exception: TruthException): unknown {
  return {
    type: exception.type,
    message: exception.text ? escapedName(exception.message) : exception.message,
    ...(exception.cause ? { cause: shownException(exception.cause) } : {}),
    ...(exception.context ? { context: shownException(exception.context) } : {}),
  };
}

/** An exception of corestack's JSON without its address, to compare with the truth. */
function withoutAddress(exception: JsonException | undefined): unknown {
  if (exception === undefined) return null;
  return {
    type: exception.type,
    message: exception.message,
    ...(exception.cause ? { cause: withoutAddress(exception.cause) } : {}),
    ...(exception.context ? { context: withoutAddress(exception.context) } : {}),
  };
}

/**
 * What the truth (format 2) says of a thread beyond its frames equals corestack's JSON: GIL (a
 * thread the truth says waits for it may be shown waiting or not: only 3.15 thread states say
 * so, and only the one that asked the holder to drop it), GC state, the exception handled (where
 * the thread recorded it, and corestack can read objects), and with `--locals` every frame's
 * arguments and locals.
 */
function expectStateMatchesTruth(truthThread: TruthThread, thread: JsonThread, objects: boolean): void {
  const what = `thread ${threadKey(truthThread)} (${truthThread.name})`;
  if (truthThread.gil !== undefined) {
    if (truthThread.gil === "waiting") expect(["waiting", "none"], `${what} GIL`).toContain(thread.gil);
    else expect(thread.gil, `${what} GIL`).toBe(truthThread.gil);
  }
  if (truthThread.gc !== undefined) expect(thread.gc, `${what} collecting`).toBe(truthThread.gc);
  if (objects && truthThread.handling !== undefined) {
    const want = truthThread.handling === null ? null : shownException(truthThread.handling);
    expect(withoutAddress(thread.exceptions?.handling), `${what} handling`).toEqual(want);
  }
  truthThread.frames.forEach((truthFrame, index) => {
    const frame = thread.frames[index];
    if (frame?.arguments === undefined || truthFrame.arguments === undefined) return;
    const where = `${what} frame ${index} (${truthFrame.function})`;
    expect(frame.localsError, where).toBeUndefined();
    // Names as corestack gives them: escaped (a variable's name is an identifier: it never changes).
    const named = (variables: Readonly<Record<string, string>> | undefined) =>
      Object.fromEntries(Object.entries(variables ?? {}).map(([name, value]) => [escapedName(name), value]));
    expect(frame.arguments, `${where} arguments`).toEqual(named(truthFrame.arguments));
    expect(frame.locals, `${where} locals`).toEqual(named(truthFrame.locals));
  });
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
 * @param options `names: false` skips the thread names and the exceptions, for a run that cannot
 *   know them (the layout from `_Py_DebugOffsets` alone, which does not describe dicts or
 *   exceptions); every other run checks them. Frames' variables are compared when the run had
 *   `--locals`; GIL, GC state and the crashing thread always (truth format 2).
 */
export function expectMatchesTruth(
  c: { readonly truth: Truth },
  json: Pick<JsonReport, "threads" | "python">,
  options: { readonly names?: boolean } = {},
): void {
  expect(json.python?.version).toBe(c.truth.python_version);
  const byKey = new Map(json.threads.map((t) => [threadKey(t), t]));
  for (const truthThread of c.truth.threads) {
    const thread = byKey.get(threadKey(truthThread));
    expect(thread, `thread ${threadKey(truthThread)} (${truthThread.name}) missing`).toBeDefined();
    expect(thread!.error).toBeUndefined();
    // Columns (3.11+) are compared where the truth has them: the interpreter's own co_positions().
    const got = thread!.frames.map((f, i) => `${f.file}:${f.line}${truthThread.frames[i]?.column != null ? `:${f.column}` : ""} ${f.function}`);
    // Names as corestack gives them: escaped (a backslash doubled, a lone surrogate as \uHHHH, long ones cut).
    const want = truthThread.frames.map((f) => `${escapedName(f.file)}:${f.line}${f.column != null ? `:${f.column}` : ""} ${escapedName(f.function)}`);
    expect(got, `thread ${truthThread.tid} (${truthThread.name})`).toEqual(want);
    expectStateMatchesTruth(truthThread, thread!, options.names !== false);
  }
  expect(new Set(json.threads.map(threadKey))).toEqual(new Set(c.truth.threads.map(threadKey)));
  // A kernel core of a process that aborted: the thread that called abort() received SIGABRT, is
  // marked, and comes first.
  if (c.truth.end === "abort" && c.truth.format >= 2) {
    const crashing = c.truth.threads.find((t) => t.crashing)!;
    expect(json.threads.filter((t) => t.crashed === true).map(threadKey)).toEqual([threadKey(crashing)]);
    expect(threadKey(json.threads[0]!)).toBe(threadKey(crashing));
  }
  if (options.names !== false) expectNamesMatchTruth(c, json);
}

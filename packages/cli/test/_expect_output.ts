import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import { type Interpreter, coreAvailability, findInterpreters } from "../../../tools/testing/cores.js";
import { ENTRY, NODE } from "./_cli.js";

/** What one run of the built CLI did. */
export interface TimedRun {
  /** Exit code; -1 when killed (timeout or signal). */
  readonly status: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the built `corestack` like `corestack()` in _cli.ts (NO_COLOR=1 unless `env` says
 * otherwise), killed after `timeoutMs`.
 * @param args the arguments.
 * @param options extra environment, and the time limit (default 20 s).
 * @returns exit code, signal, output and duration.
 */
export function corestackTimed(args: readonly string[], options: { readonly env?: Record<string, string>; readonly timeoutMs?: number } = {}): TimedRun {
  const started = performance.now();
  const result = spawnSync(NODE, [ENTRY, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    maxBuffer: 256 << 20,
    timeout: options.timeoutMs ?? 20_000,
    killSignal: "SIGKILL",
  });
  return {
    status: result.status ?? -1,
    signal: result.signal,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    ms: performance.now() - started,
  };
}

/** No JavaScript stack trace ("    at fn (file:line:col)") and no "internal error" in stderr. */
export function expectNoStackTrace(stderr: string): void {
  expect(stderr, stderr).not.toMatch(/^\s+at .+/m);
  expect(stderr, stderr).not.toMatch(/internal error/);
  expect(stderr, stderr).not.toMatch(/^\w*Error: /m);
}

/**
 * stderr holds exactly one error line, starting `corestack: `, and no stack trace; the other
 * lines may only be warnings (`warning: …`) or the error's hint (`Run 'corestack --help' …`,
 * `Point corestack at them …`, `Nothing in the interpreter's files leads … --exhaustive …`).
 * @param stderr the run's stderr.
 * @returns the error line without its `corestack: ` prefix.
 */
export function expectOneErrorLine(stderr: string): string {
  expectNoStackTrace(stderr);
  const lines = stderr.split("\n").filter((line) => line !== "");
  const errors = lines.filter((line) => line.startsWith("corestack: "));
  expect(errors, stderr).toHaveLength(1);
  for (const line of lines) {
    if (line.startsWith("corestack: ") || line.startsWith("warning: ")) continue;
    expect(line, `unexpected stderr line in:\n${stderr}`).toMatch(/^(Run 'corestack --help'|Point corestack at |Nothing in the interpreter's files leads)/);
  }
  return errors[0]!.slice("corestack: ".length);
}

/**
 * The interpreter of this minor version the tests prefer: a pyenv build with a shared libpython
 * (what the relocation and open-once tests need), else any.
 * @param major e.g. 3.
 * @param minor e.g. 12.
 * @returns the interpreter, or undefined when this machine has none (or makes no cores).
 */
export function interpreterFor(major: number, minor: number): Interpreter | undefined {
  if (!coreAvailability().ok) return undefined;
  const candidates = findInterpreters().filter((i) => i.major === major && i.minor === minor);
  return candidates.find((i) => i.source === "pyenv" && i.libpython !== null) ?? candidates.find((i) => i.libpython !== null) ?? candidates[0];
}

/** Why a test that needs `what` is skipped: core availability first, then the interpreter. */
export function skipReason(what: string): string {
  const availability = coreAvailability();
  return availability.ok ? `no ${what} on this machine` : (availability.reason ?? "no core files on this machine");
}

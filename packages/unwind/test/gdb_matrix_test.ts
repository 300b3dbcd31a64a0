// Every thread of real cores compared with gdb's `thread apply all bt`: the `threads` and
// `ctypes_callback` scenarios under every interpreter of the matrix, and the C program of
// tools/testing (3 threads, abort). Function names in order wherever gdb names a frame, and
// file:line wherever both have them.
import { appendFileSync, mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CoreUnavailableError,
  REPO_ROOT,
  coreAvailability,
  findInterpreters,
  makeCore,
  makeNativeCore,
  scenarioApplies,
} from "../../../tools/testing/cores.js";
import { compareWithGdb, corestackStacks, gdbBacktraces, gdbUnavailable, summary } from "./_gdb.js";

const available = coreAvailability();
const noGdb = gdbUnavailable();
const LOG = `${REPO_ROOT}/.cache/unwind/gdb_matrix.log`;

function log(line: string): void {
  mkdirSync(`${REPO_ROOT}/.cache/unwind`, { recursive: true });
  appendFileSync(LOG, `${line}\n`);
  console.log(line);
}

describe.skipIf(!available.ok || noGdb !== undefined)("native stacks equal gdb's on real cores", () => {
  it("the C program of tools/testing (3 threads, abort)", { timeout: 300_000 }, async (context) => {
    let made;
    try {
      made = await makeNativeCore();
    } catch (error) {
      if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
      throw error;
    }
    const ours = corestackStacks(made.core, made.executable);
    const gdb = gdbBacktraces(made.executable, made.core);
    const comparison = compareWithGdb(ours.stacks, gdb.threads);
    log(summary("native threads_abort", comparison));
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.threads).toBe(3);
  });

  for (const interpreter of findInterpreters()) {
    for (const scenario of ["threads", "ctypes_callback"]) {
      if (!scenarioApplies(scenario, interpreter)) continue;
      it(`${interpreter.id} ${scenario}`, { timeout: 300_000 }, async (context) => {
        let made;
        try {
          made = await makeCore(interpreter, scenario);
        } catch (error) {
          if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
          throw error;
        }
        const ours = corestackStacks(made.core, made.executable);
        const gdb = gdbBacktraces(made.executable, made.core);
        const comparison = compareWithGdb(ours.stacks, gdb.threads);
        log(`${summary(`${interpreter.id} ${scenario}`, comparison)}; corestack ${ours.ms.toFixed(0)} ms in-process, gdb ${gdb.wallMs.toFixed(0)} ms wall`);
        for (const line of comparison.mismatches.slice(0, 20)) log(`  ${line}`);
        expect(comparison.threads).toBe(made.truth.threads.length);
        // Names and frame counts equal gdb's exactly; lines at 95% at least (gdb's line-table
        // reader keeps rows by rules this reproduces only in part: see the README).
        expect(comparison.namesMatched).toBe(comparison.namesCompared);
        expect(comparison.lengthDifferences).toBe(0);
        expect(comparison.linesMatched).toBeGreaterThanOrEqual(Math.floor(comparison.linesCompared * 0.95));
      });
    }
  }
});

/**
 * Real core files of real CPython processes, with their ground truth, for corestack's tests.
 *
 * The implementation is `core_maker.mjs` (shared with the `make_core.mjs` CLI); this file gives
 * tests one typed entry point. See tools/testing/README.md.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from "vitest";
 * import { coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
 *
 * const available = coreAvailability();
 * describe.skipIf(!available.ok)("threads scenario", () => {
 *   for (const interpreter of findInterpreters()) {
 *     it(`reads every thread of ${interpreter.id}`, async () => {
 *       const { core, executable, truth } = await makeCore(interpreter, "threads");
 *       // run corestack on `core` (+ `executable`) and compare with truth.threads
 *       expect(truth.threads.length).toBe(5);
 *     });
 *   }
 * });
 * ```
 * @module
 */

export {
  ARM64_PYTHON_MINOR,
  CoreUnavailableError,
  DEBIAN_PYTHON_MINORS,
  REPO_ROOT,
  SCENARIOS,
  SCENARIO_DIR,
  arm64Interpreter,
  arm64PythonSkipReason,
  cacheRoot,
  clearCoreCache,
  coreAvailability,
  debianPythonSkipReason,
  findInterpreters,
  gcoreAvailability,
  getScenario,
  interpreterFromPath,
  makeCore,
  makeGcore,
  makeNativeCore,
  scenarioApplies,
  scenariosFor,
  startLive,
  truthProblems,
} from "./core_maker.mjs";

export type {
  Availability,
  CoreCase,
  Interpreter,
  LiveProcess,
  MakeCoreOptions,
  NativeCoreCase,
  NativeTruth,
  ProvidedArm64Python,
  Scenario,
  Truth,
  TruthException,
  TruthFrame,
  TruthThread,
} from "./core_maker.mjs";

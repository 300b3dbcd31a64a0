#!/usr/bin/env node
// @ts-check
// Makes a real core file of a real Python process, plus its truth.json. Same code as the tests
// (core_maker.mjs). Run `node tools/testing/make_core.mjs --help`.

import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import {
  CoreUnavailableError,
  SCENARIOS,
  cacheRoot,
  clearCoreCache,
  coreAvailability,
  findInterpreters,
  gcoreAvailability,
  interpreterFromPath,
  makeCore,
  makeGcore,
  makeNativeCore,
  scenarioApplies,
} from "./core_maker.mjs";

const HELP = `Usage: node tools/testing/make_core.mjs [options]

Runs a scenario from tools/testing/scenarios under a Python interpreter until it aborts, and
prints where its core file and truth.json are.

  --python PATH     interpreter to run (default: python3 on PATH, else the first one found)
  --scenario NAME   scenario (default: threads); see --list
  --out DIR         write core, truth.json, case.json, run.log into DIR (default: the cache,
                    ${path.relative(process.cwd(), cacheRoot()) || "."}/<interpreter>/<scenario>-<hash>/)
  --gcore           dump with gdb's gcore instead of the kernel (any scenario; default idle)
  --native          the non-Python core: a C program with 3 threads that aborts
  --refresh         regenerate even if cached
  --json            print the case as JSON
  --list            list scenarios and interpreters, and whether this machine makes cores
  --clear-cache     delete ${cacheRoot()}
  -h, --help        this text

Exit codes: 0 made; 1 the scenario failed; 2 usage error; 3 this machine cannot make cores.`;

/**
 * Prints `make_core: message` and exits with `code`.
 * @param {number} code
 * @param {string} message
 * @returns {never}
 */
function fail(code, message) {
  process.stderr.write(`make_core: ${message}\n`);
  process.exit(code);
}

/**
 * The interpreter at pythonPath, under its findInterpreters() id when it is one of those (shared cache).
 * @param {string} pythonPath
 */
function resolveInterpreter(pythonPath) {
  const interpreter = interpreterFromPath(pythonPath);
  const known = findInterpreters().find((candidate) => candidate.executable === interpreter.executable);
  return known ?? interpreter;
}

function defaultInterpreter() {
  for (const directory of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, "python3");
    if (!fs.existsSync(candidate)) continue;
    try {
      return resolveInterpreter(candidate);
    } catch {
      // a pyenv shim without a selected version, or not CPython: keep looking
    }
  }
  const [first] = findInterpreters();
  if (!first) fail(3, "no CPython found: pass --python PATH");
  return first;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      python: { type: "string" },
      scenario: { type: "string" },
      out: { type: "string" },
      gcore: { type: "boolean" },
      native: { type: "boolean" },
      refresh: { type: "boolean" },
      json: { type: "boolean" },
      list: { type: "boolean" },
      "clear-cache": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail(2, `${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
}

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

if (values["clear-cache"]) {
  clearCoreCache();
  process.stdout.write(`removed ${cacheRoot()}\n`);
  process.exit(0);
}

if (values.list) {
  const interpreters = findInterpreters();
  process.stdout.write("scenarios:\n");
  for (const scenario of SCENARIOS) {
    const versions = interpreters.filter((interpreter) => scenarioApplies(scenario, interpreter)).map((i) => i.id);
    process.stdout.write(
      `  ${scenario.name.padEnd(16)} python ${scenario.minPython.join(".")}+ ${scenario.mode === "hang" ? "(hangs) " : ""}${scenario.summary}\n`,
    );
    process.stdout.write(`  ${"".padEnd(16)} here: ${versions.join(" ") || "(no interpreter)"}\n`);
  }
  process.stdout.write("interpreters:\n");
  for (const interpreter of interpreters) {
    process.stdout.write(`  ${interpreter.id.padEnd(16)} ${interpreter.path}${interpreter.libpython ? "" : " (static libpython)"}\n`);
  }
  const kernel = coreAvailability();
  const gdb = gcoreAvailability();
  process.stdout.write(`kernel cores: ${kernel.ok ? "yes" : `no: ${kernel.reason}`}\n`);
  process.stdout.write(`gcore cores: ${gdb.ok ? "yes" : `no: ${gdb.reason}`}\n`);
  process.exit(0);
}

const options = { force: true, ...(values.refresh ? { refresh: true } : {}), ...(values.out ? { outDir: values.out } : {}) };

try {
  if (values.native) {
    if (values.out) fail(2, "--native keeps its core in the cache; --out is not supported with it");
    const made = await makeNativeCore(options);
    if (values.json) process.stdout.write(`${JSON.stringify(made, null, 1)}\n`);
    else process.stdout.write(`core:       ${made.core}\nexecutable: ${made.executable}\ntruth:      ${made.truthPath}\n`);
    process.exit(0);
  }
  const interpreter = values.python ? resolveInterpreter(values.python) : defaultInterpreter();
  const scenario = values.scenario ?? (values.gcore ? "idle" : "threads");
  const made = values.gcore ? await makeGcore(interpreter, scenario, options) : await makeCore(interpreter, scenario, options);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(made, null, 1)}\n`);
  } else {
    const crashing = made.truth.threads.find((thread) => thread.crashing);
    process.stdout.write(
      [
        `scenario:   ${made.scenario.name} under ${interpreter.id} (${interpreter.path}), ${made.method} core of pid ${made.pid}`,
        `core:       ${made.core} (${(fs.statSync(made.core).size / 1048576).toFixed(1)} MiB)`,
        `executable: ${made.executable}`,
        `truth:      ${made.truthPath} (${made.truth.threads.length} threads; crashing thread: ${crashing?.frames.map((f) => f.function).join(" > ")})`,
        `try:        corestack core ${made.core} ${made.executable}`,
        "",
      ].join("\n"),
    );
  }
} catch (error) {
  if (CoreUnavailableError.isInstance(error)) fail(3, error.message);
  if (error instanceof RangeError) fail(2, error.message);
  fail(1, error instanceof Error ? error.message : String(error));
}

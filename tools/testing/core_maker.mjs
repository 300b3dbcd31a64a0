// @ts-check
// Real core files of real Python processes, with their ground truth: the one implementation behind
// tools/testing/cores.ts (tests) and tools/testing/make_core.mjs (humans). Plain Node ESM, no build
// step; checked JavaScript (JSDoc types, which cores.ts re-exports). Linux only: the kernel (or gdb)
// writes the cores.
//
// A scenario (tools/testing/scenarios/*.py) builds a Python stack and calls _truth.crash(), which
// writes truth.json (every thread's Python frames) and aborts on the same source line. This module
// runs it under `ulimit -c unlimited`, collects the core the kernel wrote, and caches both under
// <repo>/.cache/cores/<interpreter id>/<scenario>-<hash>/.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { which } from "./_which.mjs";
import {
  DEBIAN_PYTHON_MINORS,
  DebianPythonsError,
  debianPythonsCacheDir,
  listProvidedDebianPythons,
  provideDebianPython,
  readDebianPythonsStatus,
} from "./debian_pythons.mjs";

import { ARM64_PYTHON_MINOR, arm64CacheDir, arm64PythonMissing, provideArm64Python, readProvidedArm64Python } from "./arm64_python.mjs";

export { DEBIAN_PYTHON_MINORS, DebianPythonsError, debianPythonsCacheDir, listProvidedDebianPythons, provideDebianPython };
export { ARM64_PYTHON_MINOR, arm64CacheDir, provideArm64Python };

/** @typedef {import("./debian_pythons.mjs").ProvidedDebianPython} ProvidedDebianPython */
/** @typedef {import("./arm64_python.mjs").ProvidedArm64Python} ProvidedArm64Python */

/**
 * A CPython found on this machine.
 * @typedef {object} Interpreter
 * @property {string} id Stable, path-safe: "pyenv-3.12.1", "debian-3.11" (/usr/bin/python3.11), "debian-3.14.10" and
 *   "debian-3.14.10-dbg" (Debian's builds provided by debian_pythons.mjs), "env-3.9.18", "path-3.12.1". Names the cache
 *   directory.
 * @property {string} path What is run (may be a symlink: pyenv's bin/python).
 * @property {string} executable realpath of sys.executable: the ELF file the core maps; pass it to
 *   `corestack core CORE EXECUTABLE`.
 * @property {string} version "3.12.1"
 * @property {number} major
 * @property {number} minor
 * @property {number} micro
 * @property {number} hexversion
 * @property {string | null} libpython The libpython the interpreter maps (--enable-shared builds), or null (static: the
 *   executable holds the runtime).
 * @property {"pyenv" | "debian" | "system" | "env" | "path" | "qemu"} source
 * @property {{ readonly machine: "aarch64"; readonly qemu: string; readonly version: string; readonly root: string }} [emulator]
 *   An interpreter of another machine, run under qemu-user (arm64Interpreter()): `path` is run as `qemu -L root path`;
 *   its cores come from qemu ("qemu" method) and have no NT_FILE note; pass `--lib-search-root root` to read them.
 */

/**
 * One Python frame, as `sys._current_frames()` saw it.
 * @typedef {object} TruthFrame
 * @property {string} file `co_filename` ("<string>" for `python -c`).
 * @property {string} function `co_name`.
 * @property {string | null} qualname `co_qualname` (in the code object from 3.11; null before).
 * @property {number} line `f_lineno`: the line being executed (a call's line for callers).
 * @property {number} first_line `co_firstlineno`.
 * @property {number | null} column 3.11+: 0-based start column (UTF-8 bytes, as `co_positions()`) of the current
 *   instruction's expression; for the crashing thread's crash()/hang() frame, the column of the call that ends the
 *   process. null before 3.11.
 * @property {Readonly<Record<string, string>>} [arguments] Format 2: the frame's bound arguments, name →
 *   `_truth.safe_repr(value)` (the bounded repr corestack prints); absent in format 1.
 * @property {Readonly<Record<string, string>>} [locals] Format 2: its other bound variables (cells and free variables
 *   by content), name → repr.
 */

/**
 * An exception as the truth records it (format 2): `str()` from its args, and its chain.
 * @typedef {object} TruthException
 * @property {string} type Its type's `tp_name`.
 * @property {string} message `str(exception)` as `BaseException` makes it from `args` (a `KeyError`: its key's repr).
 * @property {boolean} [text] The message is a string argument's text (corestack escapes it like a name), not a repr.
 * @property {TruthException} [cause]
 * @property {TruthException} [context]
 */

/**
 * One thread of the truth.
 * @typedef {object} TruthThread
 * @property {number | null} tid OS thread id (what NT_PRSTATUS holds; == pid for the main thread). null only if
 *   unknowable.
 * @property {number} ident `threading.get_ident()` (the pthread_t).
 * @property {string | null} name `threading` name ("MainThread", "Thread-1 (_thread_main)"…), null for threads
 *   threading never saw.
 * @property {boolean} main
 * @property {boolean} crashing The thread that called crash()/hang() (its first NT_PRSTATUS note for a kernel core).
 * @property {readonly TruthFrame[]} frames Outermost first, most recent call last. For the crashing thread the last is
 *   crash()/hang().
 * @property {number} [interpreter] Format 2: the interpreter the thread state belongs to (0: the main one).
 * @property {"held" | "waiting" | "none"} [gil] Format 2: "held" for the crashing thread (it ends the process from a C
 *   call that keeps the GIL), "waiting" for a thread that declared `_truth.wants_gil()`, else "none".
 * @property {boolean} [gc] Format 2: the crashing thread called `crash(collecting=True)` (from inside a collection).
 * @property {TruthException | null} [handling] Format 2: the exception the thread was handling (`sys.exc_info()`,
 *   recorded by the thread itself in `ready()` or `crash()`), null for none; absent when the thread never recorded it.
 */

/**
 * The truth.json a scenario writes right before it aborts (tools/testing/scenarios/_truth.py).
 * @typedef {object} Truth
 * @property {1 | 2} format 1, or 2 (with variables, exceptions, GIL, GC and interpreter per thread: see TruthThread).
 * @property {string | null} scenario
 * @property {string} python_version sys.version_info as "X.Y.Z".
 * @property {number} hexversion
 * @property {string} implementation
 * @property {string} executable sys.executable (may be a symlink).
 * @property {number} pid
 * @property {readonly string[]} argv
 * @property {"abort" | "stop" | "hang"} end How the process ended: "abort" (SIGABRT), "stop" (SIGSTOP, then gcore),
 *   "hang" (sleeps after READY).
 * @property {boolean} stable Two consecutive snapshots were identical and every worker had called ready().
 * @property {readonly TruthThread[]} threads Main thread first, then by OS thread id.
 */

/**
 * A scenario of tools/testing/scenarios, from the header comments of its file.
 * @typedef {object} Scenario
 * @property {string} name File name without ".py": "threads".
 * @property {string} file Absolute path of the .py file.
 * @property {string} summary
 * @property {readonly [number, number]} minPython Oldest Python it runs on ("# min-python: 3.6"), as [major, minor].
 * @property {readonly [number, number] | null} maxPython
 * @property {"script" | "command"} runAs "script": `python FILE`; "command": `python -c "<FILE's text>"` (frames' file
 *   "<string>").
 * @property {"crash" | "hang"} mode "crash": calls _truth.crash(); "hang": calls _truth.hang() (READY, then sleeps
 *   forever).
 * @property {readonly string[]} expect Function names the crashing thread must show, outermost first (a subsequence).
 * @property {number} expectThreads Number of threads in the truth.
 * @property {readonly string[]} expectAnywhere Function names some thread must show.
 */

/**
 * A core made by makeCore() or makeGcore(), with its truth.
 * @typedef {object} CoreCase
 * @property {string} core Absolute path of the core file.
 * @property {Truth} truth
 * @property {string} truthPath
 * @property {string} executable The interpreter's real executable (pass it as EXECUTABLE).
 * @property {string} cwd The case directory (core, truth.json, case.json, run.log). The run itself happened in a
 *   temporary sibling.
 * @property {Interpreter} interpreter
 * @property {Scenario} scenario
 * @property {"kernel" | "gcore" | "qemu"} method "kernel": the kernel dumped the aborting process; "gcore": gdb dumped
 *   the stopped/sleeping one; "qemu": qemu-user dumped its guest.
 * @property {number} pid
 */

/**
 * Options of makeCore() and makeGcore().
 * @typedef {object} MakeCoreOptions
 * @property {boolean} [refresh] Regenerate even when cached.
 * @property {number} [timeoutMs] Per run; default 60 000.
 * @property {string} [outDir] Write core/truth.json/case.json/run.log into this directory instead of the cache (the
 *   CLI's --out).
 * @property {boolean} [force] Try even when coreAvailability() says no (the CLI does): apport may still write ./core,
 *   and with systemd-coredump the core is fetched with `coredumpctl dump PID`. Fails with CoreUnavailableError if not.
 */

/**
 * The truth.json of the native (non-Python) program.
 * @typedef {object} NativeTruth
 * @property {1} format
 * @property {number} pid
 * @property {readonly number[]} tids main thread first.
 */

/**
 * A core of the native (non-Python) program (makeNativeCore()).
 * @typedef {object} NativeCoreCase
 * @property {string} core
 * @property {string} executable The compiled C program (tools/testing/native/threads_abort.c).
 * @property {string} cwd
 * @property {NativeTruth} truth
 * @property {string} truthPath
 */

/**
 * A live scenario process holding still (startLive()).
 * @typedef {object} LiveProcess
 * @property {number} pid
 * @property {Truth} truth
 * @property {string} cwd A temporary directory (removed by kill()).
 * @property {string} executable
 * @property {Interpreter} interpreter
 * @property {Scenario} scenario
 * @property {boolean} stopped true: a crash scenario stopped by SIGSTOP where it would abort; false: a hang scenario
 *   sleeping.
 * @property {() => Promise<void>} kill SIGKILL, wait, remove cwd.
 */

/**
 * Whether this machine can make a kind of core.
 * @typedef {object} Availability
 * @property {boolean} ok
 * @property {string} [reason] Why not, and what to do about it.
 */

/**
 * What the provider of Debian's builds left in its cache, and why the others are missing (debianPythonsStatus()).
 * @typedef {object} DebianPythonsStatus
 * @property {string} cacheDir $CORESTACK_PYTHONS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/pythons.
 * @property {boolean} ran The provider ran with this cache (its status.json exists).
 * @property {readonly ProvidedDebianPython[]} provided
 * @property {Readonly<Record<string, { readonly reason: string; readonly failed: boolean }>>} missing For each of
 *   DEBIAN_PYTHON_MINORS not provided: why, on one line. `failed`: the provider broke (a test should fail); otherwise it
 *   never ran or the suites were unreachable (tests skip).
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Bump to invalidate every cached core (when this file changes what a run produces). */
const MAKER_VERSION = 2;

export const SCENARIO_DIR = path.join(HERE, "scenarios");
export const REPO_ROOT = path.resolve(HERE, "..", "..");
const NATIVE_SOURCE = path.join(HERE, "native", "threads_abort.c");

const ERROR_MARKER = Symbol.for("corestack.error.CoreUnavailableError");

/**
 * This machine cannot make the requested core (core_pattern is a pipe, core size limit 0, no gdb,
 * ptrace refused, no gcc…). Tests turn it into a skip with `error.message` as the reason.
 * A scenario that misbehaves (exits instead of aborting, times out) throws a plain Error instead.
 */
export class CoreUnavailableError extends Error {
  /**
   * @param {"core_pattern" | "no_core" | "gdb" | "ptrace" | "gcc" | "strip" | "python-config" | (string & {})} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "CoreUnavailableError";
    /** What is missing: "core_pattern", "no_core", "gdb", "ptrace", "gcc", "strip" (binutils), "python-config". */
    this.code = code;
    Object.defineProperty(this, ERROR_MARKER, { value: true });
  }

  /** @param {unknown} value @returns {value is CoreUnavailableError} */
  static isInstance(value) {
    return typeof value === "object" && value !== null && /** @type {Record<symbol, unknown>} */ (value)[ERROR_MARKER] === true;
  }
}

// ---------------------------------------------------------------------------------------------
// Paths and small helpers

/** Root of the core cache: $CORESTACK_CORE_CACHE, else <repo>/.cache/cores. @returns {string} */
export function cacheRoot() {
  const fromEnvironment = process.env["CORESTACK_CORE_CACHE"];
  return fromEnvironment ? path.resolve(fromEnvironment) : path.join(REPO_ROOT, ".cache", "cores");
}

/** Removes every cached core, truth, interpreter probe and native build. */
export function clearCoreCache() {
  fs.rmSync(cacheRoot(), { recursive: true, force: true });
}

/**
 * Array.isArray() as a plain test: its type guard would turn a value typed as a readonly array into any[].
 * @param {unknown} value
 * @returns {boolean} not `value is any[]`.
 */
function isArray(value) {
  return Array.isArray(value);
}

/** @param {string} file */
function readTrimmed(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
}

/** @param {string} text @param {number} [lines] */
function tail(text, lines = 15) {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** @param {number} ms @returns {Promise<void>} */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** @param {string} file @param {string} text */
function writeFileAtomic(file, text) {
  const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

/**
 * Environment for scenario runs: no PYTHON* from the caller, UTF-8, no bytecode in the repo.
 * @param {Record<string, string>} extra
 */
function scenarioEnvironment(extra) {
  /** @type {Record<string, string>} */
  const environment = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("PYTHON") || key.startsWith("CORESTACK_")) continue;
    environment[key] = value;
  }
  Object.assign(environment, {
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
    LC_ALL: "C.UTF-8",
    LANG: "C.UTF-8",
  });
  return Object.assign(environment, extra);
}

// ---------------------------------------------------------------------------------------------
// Scenarios: parsed from the header comments of tools/testing/scenarios/*.py

/** @param {string} text */
function parseVersion(text) {
  const match = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`bad Python version "${text}" in a scenario header (want "3.6")`);
  return /** @type {[number, number]} */ ([Number(match[1]), Number(match[2])]);
}

/** @param {string | undefined} text */
function parseList(text) {
  return text
    ? text
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean)
    : [];
}

/** @param {string} file @returns {Scenario} */
function parseScenario(file) {
  const text = fs.readFileSync(path.join(SCENARIO_DIR, file), "utf8");
  /** @type {Record<string, string>} */
  const header = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("#")) break;
    const match = /^#\s*([a-z][a-z-]*):\s*(.*)$/.exec(line);
    // Both groups always take part in a match.
    if (match) header[/** @type {string} */ (match[1])] = /** @type {string} */ (match[2]).trim();
  }
  const name = file.replace(/\.py$/, "");
  const runAs = header["run-as"] ?? "script";
  const mode = header["mode"] ?? "crash";
  if (runAs !== "script" && runAs !== "command") throw new Error(`${file}: run-as must be script or command`);
  if (mode !== "crash" && mode !== "hang") throw new Error(`${file}: mode must be crash or hang`);
  const threads = header["expect-threads"];
  return Object.freeze({
    name,
    file: path.join(SCENARIO_DIR, file),
    summary: header["summary"] ?? "",
    minPython: parseVersion(header["min-python"] ?? "2.7"),
    maxPython: header["max-python"] ? parseVersion(header["max-python"]) : null,
    runAs,
    mode,
    expect: Object.freeze(parseList(header["expect"])),
    expectThreads: threads ? Number(threads) : 1,
    expectAnywhere: Object.freeze(parseList(header["expect-anywhere"])),
  });
}

function loadScenarios() {
  return Object.freeze(
    fs
      .readdirSync(SCENARIO_DIR)
      .filter((file) => file.endsWith(".py") && !file.startsWith("_"))
      .sort()
      .map(parseScenario),
  );
}

/** Every scenario in tools/testing/scenarios (files not starting with "_"), sorted by name. */
export const SCENARIOS = loadScenarios();

/**
 * The scenario of that name (or of that scenario's name).
 * @param {string | { readonly name: string }} nameOrScenario
 * @returns {Scenario}
 * @throws {RangeError} no such scenario
 */
export function getScenario(nameOrScenario) {
  const name = typeof nameOrScenario === "string" ? nameOrScenario : nameOrScenario.name;
  const found = SCENARIOS.find((scenario) => scenario.name === name);
  if (!found) {
    throw new RangeError(`Unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  }
  return found;
}

/** @param {readonly [number, number]} a @param {readonly [number, number]} b */
function compareVersions(a, b) {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * Whether the scenario can run on this interpreter (its min-python/max-python headers).
 * @param {string | Scenario} scenario
 * @param {Interpreter} interpreter
 * @returns {boolean}
 */
export function scenarioApplies(scenario, interpreter) {
  const resolved = getScenario(scenario);
  const version = /** @type {[number, number]} */ ([interpreter.major, interpreter.minor]);
  if (compareVersions(version, resolved.minPython) < 0) return false;
  return resolved.maxPython === null || compareVersions(version, resolved.maxPython) <= 0;
}

/**
 * The scenarios that run on this interpreter.
 * @param {Interpreter} interpreter
 * @returns {Scenario[]}
 */
export function scenariosFor(interpreter) {
  return SCENARIOS.filter((scenario) => scenarioApplies(scenario, interpreter));
}

/** Source bytes a scenario's result depends on: the file and every shared "_*" helper. @param {Scenario} scenario */
function scenarioDigest(scenario) {
  const hash = createHash("sha256");
  hash.update(`corestack-core-maker ${MAKER_VERSION}\n`);
  const helpers = fs
    .readdirSync(SCENARIO_DIR)
    .filter((file) => file.startsWith("_") && file.endsWith(".py"))
    .sort();
  for (const file of [path.basename(scenario.file), ...helpers]) {
    hash.update(`${file}\n`);
    hash.update(fs.readFileSync(path.join(SCENARIO_DIR, file)));
  }
  return hash;
}

// ---------------------------------------------------------------------------------------------
// Interpreters

const PROBE = [
  "import json, os, platform, sys",
  "maps = open('/proc/self/maps').read().split('\\n')",
  "lib = [l.split()[-1] for l in maps if 'libpython' in l and '/' in l]",
  "print(json.dumps({'version': '%d.%d.%d' % tuple(sys.version_info[:3]), 'hexversion': sys.hexversion,",
  "  'implementation': platform.python_implementation(), 'executable': sys.executable,",
  "  'realpath': os.path.realpath(sys.executable), 'libpython': lib[0] if lib else None}))",
].join("\n");

/** @param {string} file */
function isElf(file) {
  try {
    const handle = fs.openSync(file, "r");
    try {
      const magic = Buffer.alloc(4);
      fs.readSync(handle, magic, 0, 4, 0);
      return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      fs.closeSync(handle);
    }
  } catch {
    return false;
  }
}

/**
 * What PROBE prints about an interpreter.
 * @typedef {{ version: string; hexversion: number; implementation: string; executable: string; realpath: string; libpython: string | null }} ProbeInfo
 */

/** @type {Map<string, ProbeInfo | null>} */
const probeMemo = new Map();

/**
 * Runs the interpreter once (cached on disk by path, size and mtime) to learn its version.
 * @param {string} pythonPath
 * @returns {ProbeInfo | null} null when it does not run (or prints no JSON).
 */
function probe(pythonPath) {
  let stat;
  try {
    stat = fs.statSync(pythonPath);
  } catch {
    return null;
  }
  const stamp = `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
  const memoKey = `${pythonPath}\0${stamp}`;
  if (probeMemo.has(memoKey)) return /** @type {ProbeInfo | null} */ (probeMemo.get(memoKey));
  const cacheFile = path.join(cacheRoot(), "interpreters.json");
  /** @type {Record<string, { stamp: string; info: ProbeInfo } | undefined>} */
  let cache = {};
  try {
    cache = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
  } catch {
    // no cache yet
  }
  const cached = cache[pythonPath];
  if (cached && cached.stamp === stamp) {
    probeMemo.set(memoKey, cached.info);
    return cached.info;
  }
  const result = spawnSync(pythonPath, ["-c", PROBE], {
    encoding: "utf8",
    timeout: 20_000,
    env: scenarioEnvironment({}),
  });
  /** @type {ProbeInfo | null} */
  let info = null;
  if (result.status === 0) {
    try {
      info = JSON.parse(result.stdout.trim().split("\n").pop() ?? "");
    } catch {
      info = null;
    }
  }
  probeMemo.set(memoKey, info);
  if (info) {
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      /** @type {Record<string, { stamp: string; info: ProbeInfo }>} */
      let latest = {};
      try {
        latest = JSON.parse(fs.readFileSync(cacheFile, "utf8"));
      } catch {
        // first writer
      }
      writeFileAtomic(cacheFile, JSON.stringify({ ...latest, [pythonPath]: { stamp, info } }, null, 1));
    } catch {
      // the cache is an optimisation
    }
  }
  return info;
}

/**
 * Describes the interpreter at pythonPath (runs it once, cached).
 * @param {string} pythonPath
 * @param {{ readonly id?: string; readonly source?: Interpreter["source"] }} [options]
 * @returns {Interpreter}
 * @throws {Error} not a runnable interpreter, or not CPython
 */
export function interpreterFromPath(pythonPath, options = {}) {
  let absolute = path.resolve(pythonPath);
  let info = probe(absolute);
  if (!info) throw new Error(`${pythonPath}: not a runnable Python interpreter`);
  if (!isElf(absolute) && info.executable && isElf(info.executable)) {
    // A wrapper script (pyenv shim…): run the interpreter it ends up executing, so that the
    // scenario's pid is the one that dumps core.
    absolute = info.executable;
    info = probe(absolute) ?? info;
  }
  if (info.implementation !== "CPython") throw new Error(`${pythonPath}: ${info.implementation}, not CPython`);
  // The probe prints the version as "%d.%d.%d".
  const [major, minor, micro] = /** @type {[number, number, number]} */ (info.version.split(".").map(Number));
  const source = options.source ?? "path";
  return Object.freeze({
    id: options.id ?? `${source}-${info.version}`,
    path: absolute,
    executable: info.realpath,
    version: info.version,
    major,
    minor,
    micro,
    hexversion: info.hexversion,
    libpython: info.libpython,
    source,
  });
}

/**
 * Every CPython on this machine worth testing: `$PYENV_ROOT/versions/* /bin/python` (default
 * ~/.pyenv), the distribution's /usr/bin/pythonX.Y, and Debian's newer builds that
 * tools/testing/debian_pythons.mjs left in its cache ("debian-3.14.10", "debian-3.14.10-dbg"; the
 * cache only, no network); or exactly the interpreters listed in $CORESTACK_PYTHONS (paths
 * separated by ":"). Sorted by version; non-CPython skipped.
 * @returns {Interpreter[]}
 */
export function findInterpreters() {
  /** @type {{ path: string; id?: string; source: Interpreter["source"] }[]} */
  const candidates = [];
  const listed = process.env["CORESTACK_PYTHONS"];
  if (listed) {
    for (const entry of listed.split(path.delimiter).filter(Boolean)) candidates.push({ path: entry, source: "env" });
  } else {
    const pyenvRoot = process.env["PYENV_ROOT"] || path.join(os.homedir(), ".pyenv");
    /** @type {string[]} */
    let versions = [];
    try {
      versions = fs.readdirSync(path.join(pyenvRoot, "versions"));
    } catch {
      // no pyenv
    }
    for (const version of versions) {
      const candidate = path.join(pyenvRoot, "versions", version, "bin", "python");
      if (fs.existsSync(candidate)) candidates.push({ path: candidate, id: `pyenv-${version}`, source: "pyenv" });
    }
    const distribution = fs.existsSync("/etc/debian_version") ? "debian" : "system";
    /** @type {string[]} */
    let system = [];
    try {
      system = fs.readdirSync("/usr/bin").filter((name) => /^python\d\.\d+$/.test(name));
    } catch {
      // no /usr/bin
    }
    for (const name of system) {
      candidates.push({ path: path.join("/usr/bin", name), id: `${distribution}-${name.slice(6)}`, source: distribution === "debian" ? "debian" : "system" });
    }
    // Debian's newer builds that tools/testing/debian_pythons.mjs left in its cache (read from the
    // cache only: discovery never reaches the network).
    for (const provided of listProvidedDebianPythons()) {
      candidates.push({ path: provided.python, id: provided.id, source: "debian" });
      if (provided.dbg) candidates.push({ path: provided.dbg.python, id: provided.dbg.id, source: "debian" });
    }
  }
  /** @type {Interpreter[]} */
  const found = [];
  const ids = new Set();
  for (const candidate of candidates) {
    let interpreter;
    try {
      interpreter = interpreterFromPath(candidate.path, candidate);
    } catch {
      continue;
    }
    let id = interpreter.id;
    for (let index = 2; ids.has(id); index++) id = `${interpreter.id}-${index}`;
    ids.add(id);
    found.push(id === interpreter.id ? interpreter : Object.freeze({ ...interpreter, id }));
  }
  /** @type {Partial<Record<Interpreter["source"], number>>} */
  const rank = { pyenv: 0, debian: 1, system: 1, env: 0, path: 2 };
  return found.sort((a, b) => a.major - b.major || a.minor - b.minor || a.micro - b.micro || (rank[a.source] ?? 3) - (rank[b.source] ?? 3));
}

/**
 * Which of Debian's newer builds (DEBIAN_PYTHON_MINORS: 3.13, 3.14, 3.15) the provider
 * (tools/testing/debian_pythons.mjs) left in its cache, and why each other one is missing: never
 * run here, the suites were unreachable (its status.json says why), or it failed (`failed`: a test
 * should fail, not skip). Reads the cache only.
 * @returns {DebianPythonsStatus}
 */
export function debianPythonsStatus() {
  const cacheDir = debianPythonsCacheDir();
  const provided = listProvidedDebianPythons(cacheDir);
  const status = readDebianPythonsStatus(cacheDir);
  /** @type {Record<string, { reason: string; failed: boolean }>} */
  const missing = {};
  const command = (/** @type {string} */ minor) => `node tools/testing/debian_pythons.mjs ${minor}`;
  for (const minor of DEBIAN_PYTHON_MINORS) {
    if (provided.some((build) => build.minor === minor)) continue;
    const last = status?.versions[minor];
    if (!last) {
      missing[minor] = {
        reason: status
          ? `the provider has not been run for ${minor} (\`${command(minor)}\`)`
          : `the provider has not run with the cache ${cacheDir} (\`${command(minor)}\`)`,
        failed: false,
      };
    } else if (!last.ok) {
      missing[minor] = { reason: `${(last.reason ?? "unknown").split("\n")[0]} (${last.at})`, failed: !last.unreachable };
    } else {
      missing[minor] = { reason: `provided on ${last.at} but no longer in ${path.join(cacheDir, minor)} (\`${command(minor)}\`)`, failed: false };
    }
  }
  return { cacheDir, ran: status !== null, provided, missing };
}

/**
 * Why a test needing Debian's build of `minor` (with its -dbg interpreter when `dbg`) must skip,
 * as "Debian 3.14 not provided: <reason>"; null when it is in the cache.
 * @param {string} minor
 * @param {{ dbg?: boolean }} [options]
 * @returns {string | null}
 */
export function debianPythonSkipReason(minor, options = {}) {
  const status = debianPythonsStatus();
  const found = status.provided.find((build) => build.minor === minor);
  if (found) {
    if (options.dbg && !found.dbg) return `Debian ${minor} provided without its -dbg build (\`node tools/testing/debian_pythons.mjs --dbg ${minor}\`)`;
    return null;
  }
  const missing = status.missing[minor];
  return `Debian ${minor} not provided: ${missing?.reason ?? `not one of ${DEBIAN_PYTHON_MINORS.join(", ")}`}`;
}

/**
 * Debian's arm64 python3.11 run under qemu-user (tools/testing/arm64_python.mjs), as an
 * Interpreter that makeCore() runs scenarios under (method "qemu": qemu's own core of the guest,
 * which has no NT_FILE note); null when not provided (see arm64PythonSkipReason()). Reads the
 * provider's cache only: no network, no process. Not in findInterpreters(): its cores need
 * `--lib-search-root` (emulator.root) to find their libraries.
 * @returns {Interpreter | null}
 */
export function arm64Interpreter() {
  const provided = readProvidedArm64Python();
  if (!provided) return null;
  const [major, minor, micro] = provided.version.split(".").map(Number);
  return Object.freeze({
    id: provided.id,
    path: provided.python,
    executable: fs.realpathSync(provided.python),
    version: provided.version,
    major: /** @type {number} */ (major),
    minor: /** @type {number} */ (minor),
    micro: /** @type {number} */ (micro),
    hexversion: ((major ?? 0) << 24) | ((minor ?? 0) << 16) | ((micro ?? 0) << 8) | 0xf0,
    libpython: null,
    source: /** @type {const} */ ("qemu"),
    emulator: Object.freeze({ machine: /** @type {const} */ ("aarch64"), qemu: provided.qemu, version: provided.qemuVersion, root: provided.root }),
  });
}

/**
 * Why a test needing the arm64 Python under qemu must skip ("arm64 Python 3.11 under qemu not
 * provided: …"), or null when it is provided. `failed` when the provider broke: fail, not skip.
 * @returns {{ reason: string; failed: boolean } | null}
 */
export function arm64PythonSkipReason() {
  return arm64PythonMissing();
}

// ---------------------------------------------------------------------------------------------
// Can this machine make cores?

/** @type {Availability | undefined} */
let availabilityMemo;

/**
 * Whether the kernel will write core files where makeCore() looks for them: Linux,
 * kernel.core_pattern not a pipe, a hard core-size limit that `ulimit -c unlimited` can lift.
 * Quick (two small reads and one `bash -c`), memoised per process.
 * @returns {Availability}
 */
export function coreAvailability() {
  if (availabilityMemo) return availabilityMemo;
  availabilityMemo = computeCoreAvailability();
  return availabilityMemo;
}

function computeCoreAvailability() {
  const platform = process.platform;
  const pattern = platform === "linux" ? readTrimmed("/proc/sys/kernel/core_pattern") : null;
  let hardLimit = null;
  if (platform === "linux" && pattern !== null && !pattern.startsWith("|")) {
    const limits = spawnSync("bash", ["-c", "ulimit -Hc"], { encoding: "utf8" });
    hardLimit = limits.error || limits.status !== 0 ? `error: ${limits.error?.message ?? limits.stderr}` : limits.stdout.trim();
  }
  return _coreAvailabilityFrom({
    platform,
    pattern,
    hardLimit,
    gcore: pattern?.startsWith("|") ? gcoreAvailability() : { ok: true },
    writable: (directory) => {
      try {
        fs.accessSync(directory, fs.constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  });
}

/**
 * The decision behind coreAvailability(), from the facts it reads (exported for tests).
 * @param {{ platform: string; pattern: string | null; hardLimit: string | null; gcore: Availability; writable: (directory: string) => boolean }} facts
 * @returns {Availability}
 */
export function _coreAvailabilityFrom(facts) {
  const { platform, pattern, hardLimit, gcore } = facts;
  const gdbHint = `or use makeGcore() / \`make_core.mjs --gcore\` (gdb's gcore: ${gcore.ok ? "available here" : `unavailable here: ${gcore.reason}`})`;
  if (platform !== "linux") return { ok: false, reason: `core dumps are made on Linux only (this is ${platform})` };
  if (pattern === null) return { ok: false, reason: "cannot read /proc/sys/kernel/core_pattern" };
  if (pattern.startsWith("|")) {
    return {
      ok: false,
      reason:
        `kernel.core_pattern is a pipe (${pattern}): the kernel hands cores to that program ` +
        "(systemd-coredump, apport…), not to a file in the working directory. For files, run " +
        "`sudo sysctl -w kernel.core_pattern=core` (restore it later with " +
        `\`sudo sysctl -w kernel.core_pattern='${pattern}'\`); or fetch a core by hand with ` +
        `\`coredumpctl dump PID --output=core\`; ${gdbHint}.`,
    };
  }
  if (hardLimit === null || hardLimit.startsWith("error")) {
    return { ok: false, reason: `cannot read the core size limit with bash (\`ulimit -Hc\`): ${hardLimit}` };
  }
  if (hardLimit !== "unlimited") {
    const blocks = Number(hardLimit);
    if (blocks === 0) {
      return {
        ok: false,
        reason:
          "the hard core size limit is 0 (`ulimit -Hc`), so no process can dump core: raise it " +
          "(/etc/security/limits.conf `* hard core unlimited`, `prlimit --core=unlimited --pid $$`, " +
          `or \`docker run --ulimit core=-1\`), ${gdbHint}.`,
      };
    }
    if (!(blocks >= 1024 * 1024)) {
      return {
        ok: false,
        reason: `the hard core size limit is ${hardLimit} KiB (\`ulimit -Hc\`): cores would be truncated; raise it to unlimited, ${gdbHint}.`,
      };
    }
  }
  const directory = pattern.includes("/") ? path.dirname(pattern) : null;
  if (directory && !directory.includes("%") && path.isAbsolute(directory) && !facts.writable(directory)) {
    return {
      ok: false,
      reason: `kernel.core_pattern (${pattern}) writes cores to ${directory}, which this user cannot write: run \`sudo sysctl -w kernel.core_pattern=core\`, ${gdbHint}.`,
    };
  }
  return { ok: true };
}

/** @type {(Availability & { gdb?: string }) | undefined} */
let gcoreMemo;

/**
 * Whether makeGcore() can work: gdb on PATH, and Yama's ptrace_scope lets it attach.
 * @returns {Availability & { gdb?: string }} `gdb`: its path, when ok.
 */
export function gcoreAvailability() {
  if (gcoreMemo) return gcoreMemo;
  gcoreMemo = (() => {
    if (process.platform !== "linux") return { ok: false, reason: "gcore cores are made on Linux only" };
    const gdb = which("gdb");
    if (!gdb) return { ok: false, reason: "gdb is not installed (apt-get install gdb / dnf install gdb)" };
    const scope = readTrimmed("/proc/sys/kernel/yama/ptrace_scope") ?? "0";
    if (scope === "3") return { ok: false, reason: "kernel.yama.ptrace_scope is 3: no process may ptrace another until reboot" };
    if (scope === "2" && process.getuid?.() !== 0) {
      return { ok: false, reason: "kernel.yama.ptrace_scope is 2: only root may attach gdb; run `sudo sysctl -w kernel.yama.ptrace_scope=1`" };
    }
    // Scope 1 (attach to descendants only) is fine: the scenario calls prctl(PR_SET_PTRACER_ANY).
    return { ok: true, gdb };
  })();
  return gcoreMemo;
}

// ---------------------------------------------------------------------------------------------
// Running a scenario

/**
 * Which file names the kernel gives the core of pid under this core_pattern basename (exported for tests).
 * @param {string} pattern @param {number} pid @param {boolean} usesPid
 * @returns {{ regExp: RegExp; hasPid: boolean }} `hasPid`: the pattern names the pid (%p).
 */
export function _coreFileRegExp(pattern, pid, usesPid) {
  let source = "";
  let hasPid = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = /** @type {string} */ (pattern[index]); // index < pattern.length
    if (char !== "%") {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      continue;
    }
    const specifier = pattern[++index];
    if (specifier === "%") source += "%";
    else if (specifier === "p") {
      source += String(pid);
      hasPid = true;
    } else if ("PiIugsdt".includes(specifier ?? "")) source += "\\d+";
    else source += ".+";
  }
  if (usesPid && !hasPid) source += `(?:\\.${pid})?`;
  return { regExp: new RegExp(`^${source}$`), hasPid };
}

/**
 * Where did the kernel put the core of pid, if anywhere? Moves it to destination.
 * @param {{ cwd: string; pid: number; startedAt: number; destination: string }} run
 * @returns {Promise<boolean>} whether a core was found.
 */
async function collectKernelCore({ cwd, pid, startedAt, destination }) {
  const pattern = readTrimmed("/proc/sys/kernel/core_pattern") ?? "core";
  const usesPid = readTrimmed("/proc/sys/kernel/core_uses_pid") === "1";
  /** @type {string[]} */
  const directories = [];
  let regExp = /^core(?:\.\d+)?$/;
  let hasPid = false;
  if (pattern.startsWith("|")) {
    directories.push(cwd); // apport still writes ./core for programs it does not handle
  } else {
    const absolute = path.isAbsolute(pattern);
    const directory = absolute ? path.dirname(pattern) : path.join(cwd, path.dirname(pattern));
    ({ regExp, hasPid } = _coreFileRegExp(path.basename(pattern), pid, usesPid));
    directories.push(directory.includes("%") ? cwd : directory);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    for (const directory of directories) {
      /** @type {string[]} */
      let names = [];
      try {
        names = fs.readdirSync(directory);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!regExp.test(name)) continue;
        const file = path.join(directory, name);
        const stat = fs.statSync(file);
        if (!stat.isFile() || (!hasPid && directory !== cwd && stat.mtimeMs < startedAt - 1000)) continue;
        moveFile(file, destination);
        return true;
      }
    }
    if (pattern.startsWith("|") && pattern.includes("systemd-coredump") && which("coredumpctl")) {
      const dumped = spawnSync("coredumpctl", ["--no-pager", "dump", String(pid), `--output=${destination}`], { encoding: "utf8", timeout: 30_000 });
      if (dumped.status === 0 && fs.existsSync(destination) && fs.statSync(destination).size > 0) return true;
    }
    if (!pattern.startsWith("|") && directories.includes(cwd) && attempt > 2) break;
    await sleep(250);
  }
  return false;
}

/**
 * The guest's core that qemu-user wrote (`qemu_<program>_<date>-<time>_<pid>.core` in the working
 * directory), moved to destination. qemu then dies of the same signal, and the kernel dumps qemu
 * itself too (a core of the x86-64 emulator, hundreds of MiB): the kernel's file is removed when
 * it landed in the run's own directory.
 * @param {string} cwd @param {number} pid @param {string} destination
 */
function collectQemuCore(cwd, pid, destination) {
  const names = fs.readdirSync(cwd);
  const guest = names.find((name) => name.startsWith("qemu_") && name.endsWith(`_${pid}.core`));
  const { regExp } = _coreFileRegExp(
    path.basename(readTrimmed("/proc/sys/kernel/core_pattern") ?? "core"),
    pid,
    readTrimmed("/proc/sys/kernel/core_uses_pid") === "1",
  );
  for (const name of names) if (name !== guest && regExp.test(name)) fs.rmSync(path.join(cwd, name), { force: true });
  if (guest === undefined) return false;
  moveFile(path.join(cwd, guest), destination);
  // qemu writes thread stacks in full, zeros included: holes again, as in a kernel core (52 MiB → 9 MiB on disk for threads).
  const fallocate = which("fallocate");
  if (fallocate) spawnSync(fallocate, ["--dig-holes", destination], { timeout: 60_000 });
  return true;
}

/** @param {string} from @param {string} to */
function moveFile(from, to) {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EXDEV") throw error;
    fs.copyFileSync(from, to);
    fs.unlinkSync(from);
  }
}

/** @param {number} pid */
function processState(pid) {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
}

/**
 * After READY the main thread still returns from _truth's bookkeeping into time.sleep(); wait
 * until it sleeps (state S twice in a row: nothing else can block it then; the other threads
 * hold no lock it needs), so that a dump shows hang() at the truth's line.
 * @param {number} pid @param {number} timeoutMs
 * @returns {Promise<boolean>} false when it ended, or did not sleep within timeoutMs.
 */
async function waitAsleep(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let sleeping = 0;
  while (sleeping < 2) {
    if (Date.now() > deadline) return false;
    await sleep(10);
    const state = processState(pid);
    if (state === null) return false;
    sleeping = state === "S" ? sleeping + 1 : 0;
  }
  return true;
}

/**
 * A scenario process being run (startScenario()).
 * @typedef {object} ScenarioRun
 * @property {import("node:child_process").ChildProcessByStdio<null, import("node:stream").Readable, import("node:stream").Readable>} child
 * @property {string} stdout What it printed so far.
 * @property {string} stderr
 * @property {Promise<unknown>} readyPromise Resolves when it printed READY.
 * @property {Promise<{ code: number | null; signal: NodeJS.Signals | null }>} exit Resolves when it ended.
 */

/**
 * Starts the scenario in cwd. `end`: "abort" (crash scenarios abort themselves), "stop" (crash
 * scenarios SIGSTOP themselves after writing the truth, for gcore).
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {string} cwd @param {"abort" | "stop"} end
 * @returns {ScenarioRun}
 */
function startScenario(interpreter, scenario, cwd, end) {
  const args = scenario.runAs === "command" ? ["-c", fs.readFileSync(scenario.file, "utf8")] : [scenario.file];
  /** @type {Record<string, string>} */
  const extra = {
    CORESTACK_TRUTH: path.join(cwd, "truth.json"),
    CORESTACK_SCENARIO: scenario.name,
    CORESTACK_END: end,
  };
  if (scenario.runAs === "command") extra.PYTHONPATH = SCENARIO_DIR;
  const script = 'ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -Hc)"; exec "$@"';
  // An emulated interpreter runs under qemu-user, its files from the emulator's root (-L).
  const program = interpreter.emulator ? [interpreter.emulator.qemu, "-L", interpreter.emulator.root, interpreter.path] : [interpreter.path];
  const child = spawn("bash", ["-c", script, "corestack-scenario", ...program, ...args], {
    cwd,
    env: scenarioEnvironment(extra),
    stdio: ["ignore", "pipe", "pipe"],
  });
  /** @type {(value?: unknown) => void} */
  let onReady = () => {};
  /** @type {ScenarioRun} */
  const run = {
    child,
    stdout: "",
    stderr: "",
    readyPromise: new Promise((resolve) => (onReady = resolve)),
    exit: new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal }));
    }),
  };
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (run.stderr += chunk));
  child.stdout.on("data", (chunk) => {
    run.stdout += chunk;
    if (/^READY$/m.test(run.stdout)) onReady();
  });
  return run;
}

/**
 * "SCENARIO under ID (PATH) WHAT", and the end of what the run printed.
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {{ stdout: string; stderr: string }} run @param {string} what
 */
function describeRun(interpreter, scenario, run, what) {
  const output = tail([run.stdout, run.stderr].filter(Boolean).join("\n"));
  return `${scenario.name} under ${interpreter.id} (${interpreter.path}) ${what}${output ? `:\n${output}` : ""}`;
}

/** @template T @param {Promise<T>} promise @param {number} ms @returns {Promise<T | "timeout">} */
function withTimeout(promise, ms) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  /** @type {Promise<"timeout">} */
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(/** @type {const} */ ("timeout")), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Kernel core: run the scenario in dir until SIGABRT; leaves dir/core and dir/truth.json.
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {string} dir @param {number} timeoutMs
 * @returns {Promise<{ pid: number; method: "kernel" | "qemu" }>}
 */
async function runKernelCore(interpreter, scenario, dir, timeoutMs) {
  const startedAt = Date.now();
  const run = startScenario(interpreter, scenario, dir, "abort");
  if (scenario.mode === "hang") {
    const ready = await withTimeout(Promise.race([run.readyPromise, run.exit]), timeoutMs);
    if (ready === "timeout" || typeof ready === "object") {
      run.child.kill("SIGKILL");
      await run.exit;
      throw new Error(describeRun(interpreter, scenario, run, ready === "timeout" ? "never printed READY" : "exited before READY"));
    }
    if (!(await waitAsleep(/** @type {number} */ (run.child.pid), timeoutMs))) {
      run.child.kill("SIGKILL");
      await run.exit;
      throw new Error(describeRun(interpreter, scenario, run, "printed READY but never went to sleep"));
    }
    run.child.kill("SIGABRT");
  }
  const exit = await withTimeout(run.exit, timeoutMs);
  if (exit === "timeout") {
    run.child.kill("SIGKILL");
    await run.exit;
    throw new Error(describeRun(interpreter, scenario, run, `did not end within ${timeoutMs} ms`));
  }
  if (exit.signal !== "SIGABRT") {
    throw new Error(describeRun(interpreter, scenario, run, `ended with ${exit.signal ?? `exit code ${exit.code}`}, not SIGABRT`));
  }
  const pid = /** @type {number} */ (run.child.pid);
  if (interpreter.emulator) {
    if (!collectQemuCore(dir, pid, path.join(dir, "core"))) {
      throw new CoreUnavailableError("no_core", `${scenario.name} under ${interpreter.id} aborted (pid ${pid}) but qemu wrote no qemu_*_${pid}.core in ${dir}`);
    }
    fs.writeFileSync(path.join(dir, "run.log"), `${run.stdout}${run.stderr}`);
    return { pid, method: "qemu" };
  }
  const found = await collectKernelCore({ cwd: dir, pid, startedAt, destination: path.join(dir, "core") });
  if (!found) {
    const availability = coreAvailability();
    const pattern = readTrimmed("/proc/sys/kernel/core_pattern");
    throw new CoreUnavailableError(
      "no_core",
      `${scenario.name} under ${interpreter.id} aborted (pid ${pid}) but no core file appeared in ${dir}: ` +
        `kernel.core_pattern is "${pattern}", core_uses_pid ${readTrimmed("/proc/sys/kernel/core_uses_pid")}, ` +
        `hard limit \`ulimit -Hc\` ${spawnSync("bash", ["-c", "ulimit -Hc"], { encoding: "utf8" }).stdout.trim()}` +
        (availability.ok ? "" : `. ${availability.reason}`),
    );
  }
  fs.writeFileSync(path.join(dir, "run.log"), `${run.stdout}${run.stderr}`);
  return { pid, method: "kernel" };
}

/**
 * Starts the scenario and waits until it holds still with its truth written: READY printed (hang
 * scenarios) or stopped by its own SIGSTOP (crash scenarios run with CORESTACK_END=stop).
 * On failure the process is killed.
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {string} cwd @param {number} timeoutMs
 * @returns {Promise<{ run: ScenarioRun; pid: number; kill: () => Promise<void> }>}
 */
async function startHeld(interpreter, scenario, cwd, timeoutMs) {
  const run = startScenario(interpreter, scenario, cwd, "stop");
  const pid = /** @type {number} */ (run.child.pid);
  /** @type {{ code: number | null; signal: string | null } | null} */
  let exited = null;
  run.exit.then(
    (exit) => (exited = exit),
    () => {},
  );
  try {
    const deadline = Date.now() + timeoutMs;
    if (scenario.mode === "hang") {
      const ready = await withTimeout(Promise.race([run.readyPromise, run.exit]), timeoutMs);
      if (ready === "timeout" || typeof ready === "object") {
        throw new Error(describeRun(interpreter, scenario, run, ready === "timeout" ? "never printed READY" : "exited before READY"));
      }
      if (!(await waitAsleep(pid, timeoutMs))) throw new Error(describeRun(interpreter, scenario, run, "printed READY but never went to sleep"));
    } else {
      while (processState(pid) !== "T") {
        if (exited) throw new Error(describeRun(interpreter, scenario, run, "exited instead of stopping itself"));
        if (Date.now() > deadline) throw new Error(describeRun(interpreter, scenario, run, `did not stop within ${timeoutMs} ms`));
        await sleep(20);
      }
    }
  } catch (error) {
    if (!exited) run.child.kill("SIGKILL");
    await run.exit.catch(() => {});
    throw error;
  }
  const kill = async () => {
    if (!exited) run.child.kill("SIGKILL");
    await run.exit.catch(() => {});
  };
  return { run, pid, kill };
}

/**
 * A live Python process holding still: "idle" (default; sleeps after READY) or any crash
 * scenario stopped by SIGSTOP where it would have aborted. For live-process tests
 * (`corestack remote PID`). Call kill() when done (it also runs when the test process exits).
 * @param {Interpreter} interpreter
 * @param {string | Scenario} [scenario]
 * @param {{ readonly timeoutMs?: number }} [options]
 * @returns {Promise<LiveProcess>}
 */
export async function startLive(interpreter, scenario = "idle", options = {}) {
  const resolved = getScenario(scenario);
  if (!scenarioApplies(resolved, interpreter)) throw new RangeError(`Scenario ${resolved.name} does not run on ${interpreter.id}`);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), `corestack-live-${resolved.name}-`));
  /** @type {Awaited<ReturnType<typeof startHeld>>} */
  let held;
  try {
    held = await startHeld(interpreter, resolved, cwd, options.timeoutMs ?? 60_000);
  } catch (error) {
    fs.rmSync(cwd, { recursive: true, force: true });
    throw error;
  }
  const { pid, run } = held;
  const onExit = () => run.child.kill("SIGKILL");
  process.once("exit", onExit);
  return {
    pid,
    truth: /** @type {Truth} */ (JSON.parse(fs.readFileSync(path.join(cwd, "truth.json"), "utf8"))),
    cwd,
    executable: interpreter.executable,
    interpreter,
    scenario: resolved,
    stopped: resolved.mode === "crash",
    async kill() {
      process.removeListener("exit", onExit);
      await held.kill();
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

/**
 * gdb core: run the scenario until it is stopped (crash) or READY (hang), then gcore it.
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {string} dir @param {number} timeoutMs
 * @returns {Promise<{ pid: number; method: "gcore" }>}
 */
async function runGcore(interpreter, scenario, dir, timeoutMs) {
  const availability = gcoreAvailability();
  if (!availability.ok) throw new CoreUnavailableError("gdb", availability.reason ?? "gdb unavailable");
  const { run, pid, kill } = await startHeld(interpreter, scenario, dir, timeoutMs);
  try {
    const core = path.join(dir, "core");
    const gdb = spawnSync(
      /** @type {string} */ (availability.gdb),
      ["-batch", "-nx", "-iex", "set auto-load off", "-iex", "set debuginfod enabled off", "-p", String(pid), "-ex", `gcore ${core}`],
      { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, DEBUGINFOD_URLS: "" } },
    );
    if (!fs.existsSync(core) || fs.statSync(core).size === 0) {
      const output = tail(`${gdb.stdout ?? ""}${gdb.stderr ?? ""}${gdb.error ? `\n${gdb.error.message}` : ""}`);
      const ptrace = /ptrace|Operation not permitted/i.test(output);
      throw new CoreUnavailableError(
        ptrace ? "ptrace" : "gdb",
        `gdb could not gcore ${scenario.name} under ${interpreter.id} (pid ${pid})` +
          (ptrace ? " (ptrace refused: in a container add --cap-add=SYS_PTRACE; check kernel.yama.ptrace_scope)" : "") +
          `:\n${output}`,
      );
    }
    // gdb writes every mapping in full, zeros included (a thread's 64 MiB malloc arena reserve):
    // turn zero blocks back into holes, as in a kernel core (300 MiB → 7 MiB on disk).
    const fallocate = which("fallocate");
    if (fallocate) spawnSync(fallocate, ["--dig-holes", core], { timeout: timeoutMs });
    fs.writeFileSync(path.join(dir, "run.log"), `${run.stdout}${run.stderr}\n--- gdb\n${gdb.stdout ?? ""}${gdb.stderr ?? ""}`);
  } finally {
    await kill();
  }
  return { pid, method: "gcore" };
}

// ---------------------------------------------------------------------------------------------
// Cache

/** @type {Map<string, Promise<CoreCase>>} */
const inFlight = new Map();
/** @type {Set<string>} */
const swept = new Set();

/** Removes temporary directories an interrupted run left behind (older than 10 minutes). @param {string} parent */
function sweep(parent) {
  if (swept.has(parent)) return;
  swept.add(parent);
  /** @type {string[]} */
  let names = [];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.includes(".tmp-")) continue;
    const full = path.join(parent, name);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > 10 * 60_000) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // someone else swept it
    }
  }
}

/**
 * Runs build(tmp) in a fresh temporary directory next to dir, then renames it to dir atomically.
 * If another process published dir first, its result wins and ours is discarded.
 * @param {string} dir @param {boolean} refresh @param {(tmp: string) => Promise<void>} build
 */
async function publish(dir, refresh, build) {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  sweep(parent);
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    await build(tmp);
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  try {
    if (refresh) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (error) {
    const code = /** @type {NodeJS.ErrnoException} */ (error).code;
    fs.rmSync(tmp, { recursive: true, force: true });
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

/**
 * The case cached in dir (its case.json, core and truth.json), or null.
 * @param {string} dir @param {Interpreter} interpreter @param {Scenario} scenario
 * @returns {CoreCase | null}
 */
function readCase(dir, interpreter, scenario) {
  /** @type {{ method: CoreCase["method"]; pid: number }} */
  let metadata;
  try {
    metadata = JSON.parse(fs.readFileSync(path.join(dir, "case.json"), "utf8"));
  } catch {
    return null;
  }
  const core = path.join(dir, "core");
  const truthPath = path.join(dir, "truth.json");
  if (!fs.existsSync(core) || !fs.existsSync(truthPath)) return null;
  return {
    core,
    truth: /** @type {Truth} */ (JSON.parse(fs.readFileSync(truthPath, "utf8"))),
    truthPath,
    executable: interpreter.executable,
    cwd: dir,
    interpreter,
    scenario,
    method: metadata.method,
    pid: metadata.pid,
  };
}

/**
 * The hash that names a case's directory: the scenario's sources, the method and the interpreter's identity.
 * @param {Interpreter} interpreter @param {Scenario} scenario @param {"kernel" | "gcore"} method
 */
function caseKey(interpreter, scenario, method) {
  const hash = scenarioDigest(scenario);
  let stamp = "";
  try {
    const stat = fs.statSync(interpreter.executable);
    stamp = `${stat.size}:${stat.mtimeMs}`;
  } catch {
    // vanished interpreter: the run will say so
  }
  hash.update(`\n${method}\n${interpreter.path}\n${interpreter.executable}\n${interpreter.version}\n${stamp}\n`);
  if (interpreter.emulator) hash.update(`${interpreter.emulator.qemu}\n${interpreter.emulator.version}\n${interpreter.emulator.root}\n`);
  return hash.digest("hex").slice(0, 12);
}

/**
 * makeCore() and makeGcore(): the cached case, else a new one (one run per directory at a time in this process).
 * @param {Interpreter} interpreter @param {string | Scenario} scenarioOrName @param {MakeCoreOptions} options
 * @param {"kernel" | "gcore"} method
 * @returns {Promise<CoreCase>}
 */
async function makeCase(interpreter, scenarioOrName, options, method) {
  const scenario = getScenario(scenarioOrName);
  if (!scenarioApplies(scenario, interpreter)) {
    throw new RangeError(
      `Scenario ${scenario.name} needs Python ${scenario.minPython.join(".")}` +
        (scenario.maxPython ? `–${scenario.maxPython.join(".")}` : "+") +
        `; ${interpreter.id} is ${interpreter.version}`,
    );
  }
  if (interpreter.emulator && method !== "kernel")
    throw new RangeError(`${interpreter.id} runs under qemu-user: only makeCore() (qemu's own core), not ${method}`);
  // qemu-user emulates every instruction: a scenario takes 1–4 s here, where the machine's own take under 1 s.
  const timeoutMs = options.timeoutMs ?? (interpreter.emulator ? 300_000 : 60_000);
  const label = method === "gcore" ? `${scenario.name}-gcore` : scenario.name;
  const dir = options.outDir ? path.resolve(options.outDir) : path.join(cacheRoot(), interpreter.id, `${label}-${caseKey(interpreter, scenario, method)}`);
  const refresh = Boolean(options.refresh || options.outDir);
  if (!refresh) {
    const hit = readCase(dir, interpreter, scenario);
    if (hit) return hit;
  }
  // qemu-user writes the guest's core itself: kernel.core_pattern does not matter to it.
  if (!options.force && method === "kernel" && !interpreter.emulator) {
    const availability = coreAvailability();
    if (!availability.ok) throw new CoreUnavailableError("core_pattern", availability.reason ?? "cores unavailable");
  }
  const pending = inFlight.get(dir);
  if (pending && !refresh) return pending;
  const promise = (async () => {
    const build = async (/** @type {string} */ target) => {
      const startedAt = Date.now();
      const result =
        method === "gcore" ? await runGcore(interpreter, scenario, target, timeoutMs) : await runKernelCore(interpreter, scenario, target, timeoutMs);
      const metadata = {
        format: MAKER_VERSION,
        scenario: scenario.name,
        interpreter,
        executable: interpreter.executable,
        method: result.method,
        pid: result.pid,
        ranIn: target,
        durationMs: Date.now() - startedAt,
        coreBytes: fs.statSync(path.join(target, "core")).size,
        created: new Date().toISOString(),
      };
      fs.writeFileSync(path.join(target, "case.json"), `${JSON.stringify(metadata, null, 1)}\n`);
    };
    if (options.outDir) {
      fs.mkdirSync(dir, { recursive: true });
      for (const name of ["core", "truth.json", "case.json", "run.log"]) fs.rmSync(path.join(dir, name), { force: true });
      await build(dir);
    } else {
      await publish(dir, refresh, build);
    }
    const made = readCase(dir, interpreter, scenario);
    if (!made) throw new Error(`${dir}: core case vanished right after it was made`);
    return made;
  })();
  inFlight.set(dir, promise);
  try {
    return await promise;
  } finally {
    inFlight.delete(dir);
  }
}

/**
 * A kernel core of the scenario under the interpreter, with its truth. Cached by scenario
 * sources + interpreter; generated on a miss (a fraction of a second to a few seconds).
 * @throws {CoreUnavailableError} when this machine does not write core files (tests skip)
 * @throws {RangeError} unknown scenario, or one that needs another Python version
 * @throws {Error} the scenario misbehaved (did not abort, timed out)
 * @param {Interpreter} interpreter
 * @param {string | Scenario} scenario
 * @param {MakeCoreOptions} [options]
 * @returns {Promise<CoreCase>}
 */
export function makeCore(interpreter, scenario, options = {}) {
  return makeCase(interpreter, scenario, options, "kernel");
}

/**
 * A core written by gdb's gcore: of the "idle" scenario (default; sleeping after READY) or of any
 * crash scenario run with CORESTACK_END=stop (it SIGSTOPs itself where it would abort). The
 * process is killed afterwards.
 * @throws {CoreUnavailableError} no gdb, or ptrace refused
 * @param {Interpreter} interpreter
 * @param {string | Scenario} [scenario]
 * @param {MakeCoreOptions} [options]
 * @returns {Promise<CoreCase>}
 */
export function makeGcore(interpreter, scenario = "idle", options = {}) {
  return makeCase(interpreter, scenario, options, "gcore");
}

/**
 * A core of a small C program (not Python): main + 2 threads, abort(). Built with gcc into the cache.
 * @throws {CoreUnavailableError} no gcc, or no core files on this machine
 * @param {{ readonly refresh?: boolean; readonly force?: boolean }} [options]
 * @returns {Promise<NativeCoreCase>}
 */
export async function makeNativeCore(options = {}) {
  const source = fs.readFileSync(NATIVE_SOURCE);
  const key = createHash("sha256").update(`${MAKER_VERSION}\n`).update(source).digest("hex").slice(0, 12);
  const root = path.join(cacheRoot(), "native");
  const binaryDir = path.join(root, `build-${key}`);
  const executable = path.join(binaryDir, "threads_abort");
  if (!fs.existsSync(executable)) {
    const gcc = which("gcc") ?? which("cc");
    if (!gcc) throw new CoreUnavailableError("gcc", "gcc is not installed: cannot build the native (non-Python) test program");
    await publish(binaryDir, false, async (tmp) => {
      const built = spawnSync(gcc, ["-g", "-O0", "-pthread", "-o", path.join(tmp, "threads_abort"), NATIVE_SOURCE], { encoding: "utf8" });
      if (built.status !== 0) throw new Error(`gcc failed to build ${NATIVE_SOURCE}:\n${tail(`${built.stdout}${built.stderr}`)}`);
    });
  }
  const dir = path.join(root, `threads_abort-${key}`);
  /** @returns {NativeCoreCase | null} */
  const read = () => {
    const core = path.join(dir, "core");
    const truthPath = path.join(dir, "truth.json");
    if (!fs.existsSync(core) || !fs.existsSync(truthPath)) return null;
    return { core, executable, cwd: dir, truth: /** @type {NativeTruth} */ (JSON.parse(fs.readFileSync(truthPath, "utf8"))), truthPath };
  };
  if (!options.refresh) {
    const hit = read();
    if (hit) return hit;
  }
  const availability = coreAvailability();
  if (!availability.ok && !options.force) throw new CoreUnavailableError("core_pattern", availability.reason ?? "cores unavailable");
  await publish(dir, Boolean(options.refresh), async (tmp) => {
    const startedAt = Date.now();
    const script = 'ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -Hc)"; exec "$@"';
    const child = spawn("bash", ["-c", script, "corestack-native", executable], {
      cwd: tmp,
      env: { ...process.env, CORESTACK_TRUTH: path.join(tmp, "truth.json") },
      stdio: "ignore",
    });
    /** @type {{ code: number | null; signal: NodeJS.Signals | null }} */
    const exit = await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    if (exit.signal !== "SIGABRT") throw new Error(`${executable} ended with ${exit.signal ?? `exit code ${exit.code}`}, not SIGABRT`);
    const found = await collectKernelCore({ cwd: tmp, pid: /** @type {number} */ (child.pid), startedAt, destination: path.join(tmp, "core") });
    if (!found) throw new CoreUnavailableError("no_core", `${executable} aborted but no core file appeared in ${tmp}`);
  });
  const made = read();
  if (!made) throw new Error(`${dir}: native core vanished right after it was made`);
  return made;
}

// ---------------------------------------------------------------------------------------------
// Checking a truth against its scenario's promises

/**
 * Problems with a truth, as sentences (empty when it keeps the scenario's header promises:
 * `expect` functions in order in the crashing thread, `expect-threads` threads with distinct
 * OS thread ids, `expect-anywhere` functions in some thread, crash()/hang() innermost).
 * @param {Truth} truth
 * @param {string | Scenario} scenario
 * @param {Interpreter} [interpreter] when given, the truth's Python version must be its.
 * @returns {string[]}
 */
export function truthProblems(truth, scenario, interpreter) {
  const resolved = getScenario(scenario);
  /** @type {string[]} */
  const problems = [];
  // A truth is read from JSON: check its shape before trusting its type.
  if (!truth || typeof truth !== "object" || !isArray(truth.threads)) return ["truth has no threads array"];
  if (interpreter && truth.python_version !== interpreter.version) {
    problems.push(`python_version ${truth.python_version}, interpreter is ${interpreter.version}`);
  }
  if (!Number.isInteger(truth.pid) || truth.pid <= 0) problems.push(`bad pid ${truth.pid}`);
  if (!truth.stable) problems.push("the snapshot was not stable (threads kept moving, or a worker never called ready())");
  if (truth.threads.length !== resolved.expectThreads) {
    problems.push(`${truth.threads.length} threads, expected ${resolved.expectThreads}`);
  }
  const tids = truth.threads.map((thread) => thread.tid);
  if (tids.some((tid) => tid === null || !Number.isInteger(tid) || tid <= 0)) problems.push(`missing OS thread ids: ${JSON.stringify(tids)}`);
  // A thread that entered a subinterpreter has a thread state in each: one OS thread id per interpreter.
  const keys = truth.threads.map((thread) => `${thread.tid}/${thread.interpreter ?? 0}`);
  if (new Set(keys).size !== keys.length) problems.push(`duplicate OS thread ids: ${JSON.stringify(tids)}`);
  const mains = truth.threads.filter((thread) => thread.main);
  if (mains.length !== 1) problems.push(`${mains.length} main threads`);
  else {
    const main = /** @type {TruthThread} */ (mains[0]); // exactly one
    if (main.tid !== truth.pid) problems.push(`main thread tid ${main.tid} is not the pid ${truth.pid}`);
  }
  const crashing = truth.threads.filter((thread) => thread.crashing);
  if (crashing.length !== 1) {
    problems.push(`${crashing.length} crashing threads`);
    return problems;
  }
  const frames = /** @type {TruthThread} */ (crashing[0]).frames; // exactly one
  for (const thread of truth.threads) {
    for (const frame of thread.frames) {
      if (typeof frame.file !== "string" || typeof frame.function !== "string" || !Number.isInteger(frame.line)) {
        problems.push(`malformed frame ${JSON.stringify(frame)} in thread ${thread.tid}`);
      }
    }
  }
  const innermost = resolved.mode === "hang" ? "hang" : "crash";
  if (frames.at(-1)?.function !== innermost) problems.push(`innermost frame is ${frames.at(-1)?.function}, not ${innermost}`);
  let position = 0;
  const names = frames.map((frame) => frame.function);
  for (const expected of resolved.expect) {
    const found = names.indexOf(expected, position);
    if (found < 0) {
      problems.push(`crashing thread lacks ${expected} (after position ${position}) in ${names.slice(0, 30).join(" > ")}`);
      break;
    }
    position = found + 1;
  }
  const everywhere = new Set(truth.threads.flatMap((thread) => thread.frames.map((frame) => frame.function)));
  for (const expected of resolved.expectAnywhere) {
    if (!everywhere.has(expected)) problems.push(`no thread runs ${expected}`);
  }
  return problems;
}

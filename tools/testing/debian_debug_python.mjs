#!/usr/bin/env node
// @ts-check
// The separate debug file of Debian's own interpreter (`/usr/bin/python3.11` on bookworm: libpython
// linked in statically, no .symtab), for the `--debug-dir` tests of corestack: `node
// tools/testing/debian_debug_python.mjs --help`. Plain Node ESM, no dependencies.
//
// Debian ships the interpreter's debugging information in pythonX.Y-dbg, under
// usr/lib/debug/.build-id/. Its version must be the interpreter's: the build-ids must agree. So it
//   1. reads the installed version of pythonX.Y-minimal (the package of /usr/bin/pythonX.Y) from dpkg;
//   2. runs apt with a PRIVATE state (debian_pythons.mjs' PrivateApt: its own sources, lists and
//      caches under the cache directory; the machine's apt state is never written) over the
//      machine's own Debian sources (the archive and its security archive, with their keyrings);
//   3. when the archive still offers pythonX.Y-dbg at the installed version, downloads it alone:
//      the interpreter is the machine's; otherwise (a point release replaced it) downloads
//      pythonX.Y-dbg with the interpreter of that same version (pythonX.Y-minimal,
//      libpythonX.Y-minimal, libpythonX.Y-stdlib), extracts them side by side, and the interpreter is
//      that copy (same suite as the machine: it runs with the machine's libraries, sys.prefix from
//      its own location);
//   4. extracts with `dpkg-deb -x`, checks that the interpreter runs and that the debug directory
//      holds the file of its build-id, and only then writes the marker CACHE/X.Y/.provided.json.
//
// CACHE is $CORESTACK_DEBUG_PYTHON_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/debug-python.
// A provided version costs one stat and one read on later calls; tests read the cache only.

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { which } from "./_which.mjs";
import {
  DebianPythonsError,
  NETWORK_TROUBLE,
  PrivateApt,
  lockCache,
  machineDebianSources,
  policy,
  pythonEnvironment,
  runTool as run,
  tail,
  writeFileAtomic,
} from "./debian_pythons.mjs";
import { corestackCacheDir, readCacheRecord } from "./_cache_dir.mjs";

/** The interpreter this provides by default: the machine's python3.11 (bookworm's). */
export const DEFAULT_DEBUG_PYTHON_MINOR = "3.11";

const MARKER = ".provided.json";
const STATUS = "status.json";
const FORMAT = 1;

/**
 * What the provider leaves in its cache (the marker `.provided.json`).
 * @typedef {object} ProvidedDebugPython
 * @property {number} format
 * @property {string} minor
 * @property {string} id An interpreter id for the core maker: `debian-3.11.2` (the machine's) or
 *   `debian-3.11.2-6-deb12u9` (a copy).
 * @property {string} python The interpreter whose debug file is provided: the machine's `/usr/bin/pythonX.Y`, or the
 *   copy in the cache.
 * @property {string} version
 * @property {string} debianVersion
 * @property {string} machineVersion The installed version of pythonX.Y-minimal.
 * @property {boolean} matchesMachine Whether `python` is the machine's interpreter (the archive had its version).
 * @property {string} buildId
 * @property {string} debugDir The directory to give `--debug-dir` (`…/usr/lib/debug`).
 * @property {string} debugFile The interpreter's debug file, `debugDir/.build-id/xx/rest.debug`.
 * @property {string} dir
 * @property {string[]} packages
 * @property {string} provided
 */

/** Where it lives: $CORESTACK_DEBUG_PYTHON_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/debug-python. */
export function debugPythonCacheDir() {
  return corestackCacheDir("CORESTACK_DEBUG_PYTHON_CACHE", "debug-python");
}

/** @param {string} minor */
function checkMinor(minor) {
  if (!/^3\.\d+$/.test(minor)) throw new RangeError(`"${minor}" is not a Python minor version like 3.11`);
}

/**
 * The GNU build-id of an ELF file (its PT_NOTE segments), as lowercase hex, or null.
 * @param {string} file
 * @returns {string | null}
 */
export function elfBuildId(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return null; // ELF64 little-endian only
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  for (let index = 0; index < phnum; index++) {
    const header = phoff + index * phentsize;
    if (header + 56 > bytes.length || bytes.readUInt32LE(header) !== 4) continue; // PT_NOTE
    const offset = Number(bytes.readBigUInt64LE(header + 8));
    const end = Math.min(bytes.length, offset + Number(bytes.readBigUInt64LE(header + 32)));
    for (let at = offset; at + 12 <= end; ) {
      const namesz = bytes.readUInt32LE(at);
      const descsz = bytes.readUInt32LE(at + 4);
      const type = bytes.readUInt32LE(at + 8);
      const name = at + 12;
      const desc = name + ((namesz + 3) & ~3);
      if (desc + descsz > end) break;
      if (type === 3 && namesz === 4 && bytes.toString("latin1", name, name + 3) === "GNU") return bytes.toString("hex", desc, desc + descsz);
      at = desc + ((descsz + 3) & ~3);
    }
  }
  return null;
}

/**
 * The provided debug directory of `minor` according to its marker, or null (no network, no process).
 * @param {string} [minor]
 * @param {string} [cacheDir]
 * @returns {ProvidedDebugPython | null}
 */
export function readProvidedDebugPython(minor = DEFAULT_DEBUG_PYTHON_MINOR, cacheDir = debugPythonCacheDir()) {
  const dir = path.join(cacheDir, minor);
  const marker = /** @type {ProvidedDebugPython | null} */ (readCacheRecord(path.join(dir, MARKER), FORMAT));
  if (!marker || marker.minor !== minor || marker.dir !== dir) return null;
  if (!fs.existsSync(marker.python) || !fs.existsSync(marker.debugFile)) return null;
  // The machine's interpreter may have been upgraded since: its build-id must still be the one provided for.
  if (marker.matchesMachine) {
    try {
      if (elfBuildId(marker.python) !== marker.buildId) return null;
    } catch {
      return null;
    }
  }
  return marker;
}

/**
 * Why `minor` is not provided (the last run's failure, or that it never ran), or null when it is.
 * Reads the cache only.
 * @param {string} [minor]
 * @param {string} [cacheDir]
 * @returns {string | null}
 */
export function debugPythonSkipReason(minor = DEFAULT_DEBUG_PYTHON_MINOR, cacheDir = debugPythonCacheDir()) {
  if (readProvidedDebugPython(minor, cacheDir)) return null;
  const status = /** @type {{ versions?: Record<string, { ok: boolean; unreachable: boolean; reason: string | null; at: string } | undefined> } | null} */ (
    readCacheRecord(path.join(cacheDir, STATUS), FORMAT)
  );
  const outcome = status?.versions?.[minor];
  const how = `node tools/testing/debian_debug_python.mjs${minor === DEFAULT_DEBUG_PYTHON_MINOR ? "" : ` ${minor}`}`;
  if (outcome && !outcome.ok) return `python${minor}-dbg not provided (${outcome.at}): ${String(outcome.reason).split("\n")[0]}`;
  return `python${minor}-dbg not provided: run \`${how}\``;
}

/** @param {string} cacheDir @param {string} minor @param {{ ok: boolean; unreachable: boolean; reason: string | null }} outcome */
function recordStatus(cacheDir, minor, outcome) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const previous = /** @type {{ versions?: Record<string, unknown> } | null} */ (readCacheRecord(path.join(cacheDir, STATUS), FORMAT))?.versions ?? {};
  const versions = { ...previous, [minor]: { ...outcome, at: new Date().toISOString() } };
  writeFileAtomic(path.join(cacheDir, STATUS), `${JSON.stringify({ format: FORMAT, versions }, null, 1)}\n`);
}

/** Installed version of a package, or null. @param {string} name */
function installedVersion(name) {
  const result = run("dpkg-query", ["-W", "-f", "${Status}\t${Version}", name]);
  if (result.status !== 0) return null;
  const [status, version] = result.stdout.split("\t");
  return status?.endsWith(" installed") && version ? version : null;
}

/** Orders two Debian versions with dpkg (true when a > b). @param {string} a @param {string} b */
function newer(a, b) {
  return run("dpkg", ["--compare-versions", a, "gt", b]).status === 0;
}

/**
 * @param {string} cacheDir @param {string} minor
 * @returns {ProvidedDebugPython}
 */
function provideUnlocked(cacheDir, minor) {
  for (const tool of ["apt-get", "apt-cache", "dpkg-deb", "dpkg-query"]) {
    if (!which(tool)) throw new DebianPythonsError(`${tool} is needed (a Debian machine)`, { unreachable: true });
  }
  const machinePython = `/usr/bin/python${minor}`;
  const machineVersion = installedVersion(`python${minor}-minimal`);
  if (!machineVersion || !fs.existsSync(machinePython)) {
    throw new DebianPythonsError(`python${minor}-minimal is not installed by dpkg here (no Debian ${machinePython})`, { unreachable: true });
  }
  const architecture = run("dpkg", ["--print-architecture"]).stdout.trim();
  // The machine's Debian archives (…/debian and …/debian-security), main only.
  const sources = machineDebianSources().filter((source) => {
    let segments;
    try {
      segments = new URL(source.uri).pathname.split("/");
    } catch {
      return false;
    }
    return (segments.includes("debian") || segments.includes("debian-security")) && source.components.includes("main");
  });
  if (sources.length === 0)
    throw new DebianPythonsError("no Debian archive in this machine's apt sources (a `deb` entry with a …/debian/ URI and component main)", {
      unreachable: true,
    });
  const apt = new PrivateApt(path.join(cacheDir, "apt"), architecture);
  fs.writeFileSync(apt.log, "");
  apt.writeSourceList(sources);
  const updated = apt.run("apt-get", ["update"]);
  const lists = fs.readdirSync(apt.lists).filter((name) => name.endsWith("_Packages") || /_Packages\.(lz4|gz|xz)$/.test(name));
  if (lists.length === 0) {
    throw new DebianPythonsError(`the machine's Debian archives are unreachable (log: ${apt.log}):\n${tail(updated.output, 6)}`, { unreachable: true });
  }
  /** @type {[string, string, string, string]} */
  const names = [`python${minor}-dbg`, `python${minor}-minimal`, `libpython${minor}-minimal`, `libpython${minor}-stdlib`];
  const table = policy(apt, names);
  const offered = (/** @type {string} */ name) => (table.get(name) ?? []).map((entry) => entry.version);
  const dbgVersions = offered(names[0]);
  if (dbgVersions.length === 0) throw new DebianPythonsError(`the machine's Debian archives offer no python${minor}-dbg`, { unreachable: true });
  const matchesMachine = dbgVersions.includes(machineVersion);
  let debianVersion = machineVersion;
  if (!matchesMachine) {
    // The archive replaced the installed build: take the newest version all four packages have.
    const common = dbgVersions.filter((version) => names.every((name) => offered(name).includes(version)));
    if (common.length === 0) throw new DebianPythonsError(`no version of ${names.join(", ")} is offered for all of them`, { unreachable: true });
    debianVersion = common.reduce((best, version) => (newer(version, best) ? version : best));
  }
  const wanted = matchesMachine ? [`${names[0]}=${machineVersion}`] : names.map((name) => `${name}=${debianVersion}`);

  const dir = path.join(cacheDir, minor);
  const download = fs.mkdtempSync(path.join(cacheDir, `.download-${minor}-`));
  /** @type {string[]} */
  let packages = [];
  try {
    const fetched = apt.run("apt-get", ["download", ...wanted], download);
    if (fetched.status !== 0)
      throw new DebianPythonsError(`apt-get download failed:\n${tail(fetched.output)}`, { unreachable: NETWORK_TROUBLE.test(fetched.output) });
    const debs = fs
      .readdirSync(download)
      .filter((name) => name.endsWith(".deb"))
      .sort();
    packages = debs.map((deb) => deb.replace(/\.deb$/, "").split("_")).map(([name, version]) => `${name}=${decodeURIComponent(version ?? "")}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const deb of debs) {
      const extracted = run("dpkg-deb", ["-x", path.join(download, deb), dir]);
      if (extracted.status !== 0) throw new DebianPythonsError(`dpkg-deb -x ${deb} failed:\n${tail(extracted.output)}`);
    }
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }

  const python = matchesMachine ? fs.realpathSync(machinePython) : path.join(dir, "usr", "bin", `python${minor}`);
  const check = run(python, ["-c", "import sys, threading, queue; print('%d.%d.%d' % sys.version_info[:3]); print(sys.prefix)"], {
    env: pythonEnvironment(),
    timeoutMs: 60_000,
  });
  if (check.status !== 0) throw new DebianPythonsError(`${python} does not run:\n${tail(check.output)}`);
  const [version = "", prefix = ""] = check.stdout.trim().split("\n");
  if (!version.startsWith(`${minor}.`)) throw new DebianPythonsError(`${python} is Python ${version}, not ${minor}`);
  if (!matchesMachine && prefix !== path.join(dir, "usr")) throw new DebianPythonsError(`${python}: sys.prefix is ${prefix}, not ${path.join(dir, "usr")}`);
  const buildId = elfBuildId(python);
  if (!buildId) throw new DebianPythonsError(`${python} has no build-id`);
  const debugDir = path.join(dir, "usr", "lib", "debug");
  const debugFile = path.join(debugDir, ".build-id", buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
  if (!fs.existsSync(debugFile))
    throw new DebianPythonsError(`python${minor}-dbg ${debianVersion} has no debug file for ${python} (build-id ${buildId}): expected ${debugFile}`);
  if (elfBuildId(debugFile) !== buildId) throw new DebianPythonsError(`${debugFile} does not carry the build-id ${buildId}`);
  /** @type {ProvidedDebugPython} */
  const provided = {
    format: FORMAT,
    minor,
    id: matchesMachine ? `debian-${version}` : `debian-${debianVersion.replace(/[^A-Za-z0-9.-]/g, "-")}`,
    python,
    version,
    debianVersion,
    machineVersion,
    matchesMachine,
    buildId,
    debugDir,
    debugFile,
    dir,
    packages,
    provided: new Date().toISOString(),
  };
  writeFileAtomic(path.join(dir, MARKER), `${JSON.stringify(provided, null, 1)}\n`);
  return provided;
}

/**
 * Debian's pythonX.Y-dbg for the machine's interpreter (or, when the archive no longer has the
 * installed version, for a copy of the interpreter of the version it has): from the cache when a
 * marker says it is there, else downloaded, extracted and checked. `cached` says which.
 * @param {{ minor?: string; refresh?: boolean; cacheDir?: string }} [options]
 * @returns {Promise<ProvidedDebugPython & { cached: boolean }>}
 * @throws {DebianPythonsError} `unreachable` when the archive or the packages cannot be had here
 */
export async function provideDebugPython(options = {}) {
  const minor = options.minor ?? DEFAULT_DEBUG_PYTHON_MINOR;
  checkMinor(minor);
  const cacheDir = options.cacheDir ?? debugPythonCacheDir();
  if (!options.refresh) {
    const hit = readProvidedDebugPython(minor, cacheDir);
    if (hit) return { ...hit, cached: true };
  }
  const release = await lockCache(cacheDir);
  try {
    const hit = options.refresh ? null : readProvidedDebugPython(minor, cacheDir);
    if (hit) return { ...hit, cached: true };
    try {
      const provided = provideUnlocked(cacheDir, minor);
      recordStatus(cacheDir, minor, { ok: true, unreachable: false, reason: null });
      return { ...provided, cached: false };
    } catch (error) {
      const unreachable = DebianPythonsError.isInstance(error) && error.unreachable;
      recordStatus(cacheDir, minor, { ok: false, unreachable, reason: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  } finally {
    release();
  }
}

const HELP = `Usage: node tools/testing/debian_debug_python.mjs [--refresh] [--list] [VERSION]

Provides Debian's pythonVERSION-dbg (default ${DEFAULT_DEBUG_PYTHON_MINOR}: the machine's /usr/bin/python${DEFAULT_DEBUG_PYTHON_MINOR}) in
${debugPythonCacheDir()}/VERSION/
($CORESTACK_DEBUG_PYTHON_CACHE, else \${XDG_CACHE_HOME:-~/.cache}/corestack/debug-python), for corestack's
--debug-dir tests. apt runs with a private state there, over this machine's Debian sources. When the
archive no longer offers the installed version, the interpreter of the version it offers is
provided with it (that copy is then the interpreter to run).

  --refresh   provide again even when cached
  --list      print what the cache holds (no network)
  -h, --help  this text

Prints: the interpreter, the debug directory (give it to --debug-dir), and whether the interpreter is
the machine's. Exit codes: 0 provided; 1 failed; 2 usage; 3 cannot be provided here (the message says why).`;

/** @param {ProvidedDebugPython} provided */
function describe(provided) {
  return `${provided.id} ${provided.python}\ndebug-dir ${provided.debugDir}\n${provided.matchesMachine ? "the machine's interpreter" : `a copy of Debian's ${provided.debianVersion} (the machine has ${provided.machineVersion}, which the archive no longer offers)`}`;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { refresh: { type: "boolean" }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    process.stderr.write(`debian_debug_python: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const minor = positionals[0] ?? DEFAULT_DEBUG_PYTHON_MINOR;
  try {
    checkMinor(minor);
  } catch (error) {
    process.stderr.write(`debian_debug_python: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.list) {
    const provided = readProvidedDebugPython(minor);
    process.stdout.write(provided ? `${describe(provided)}\n` : `${debugPythonSkipReason(minor)}\n`);
    return 0;
  }
  try {
    const provided = await provideDebugPython({ minor, refresh: Boolean(values.refresh) });
    process.stdout.write(`${describe(provided)}\n`);
    return 0;
  } catch (error) {
    const unreachable = DebianPythonsError.isInstance(error) && error.unreachable;
    process.stderr.write(
      `debian_debug_python: python${minor}-dbg ${unreachable ? "not provided" : "failed"}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return unreachable ? 3 : 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

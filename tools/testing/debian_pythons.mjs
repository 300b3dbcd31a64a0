#!/usr/bin/env node
// @ts-check
// Debian's newer CPython builds (3.13, 3.14, 3.15 from sid/experimental), runnable on this machine
// for corestack's core tests: `node tools/testing/debian_pythons.mjs --help`. Plain Node ESM, no
// dependencies; core_maker.mjs reads what this provides (the cache only, never the network).
//
// For each Python minor version it
//   1. runs apt with a PRIVATE state (its own sources file, lists, caches, preferences and an
//      empty dpkg status, all under the cache directory), so the machine's apt lists and
//      configuration are never written; the archive address (URIs) and keyring (Signed-By) are
//      read from the machine's own Debian sources;
//   2. downloads (`apt-get download`) the interpreter, its -dev headers, optionally its -dbg build,
//      the suite's glibc and the shared libraries they depend on (the Depends closure, stopping at
//      packages that are not shared libraries);
//   3. extracts every .deb (`dpkg-deb -x`) into CACHE/X.Y/ and points the interpreter(s) at that
//      glibc with patchelf (PT_INTERP → CACHE/X.Y/usr/lib/TRIPLET/ld-linux…, DT_RPATH → CACHE/X.Y/
//      usr/lib/TRIPLET); sys.prefix is then computed from the executable's own location;
//   4. checks that `python -c 'import sys, threading, ctypes'` runs and maps no library from
//      outside CACHE/X.Y, and only then writes the marker CACHE/X.Y/.provided.json.
//
// CACHE is $CORESTACK_PYTHONS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/pythons (outside
// the repository: several hundred MiB). A provided version costs one stat on later calls.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { corestackCacheDir, readCacheRecord } from "./_cache_dir.mjs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { which } from "./_which.mjs";

/** The versions provided by default, and the Debian suites each is taken from (first wins). */
export const DEBIAN_PYTHON_MINORS = Object.freeze(["3.13", "3.14", "3.15"]);

/** @type {Readonly<Record<string, readonly string[]>>} */
const SUITES_BY_MINOR = Object.freeze({
  3.13: Object.freeze(["sid"]),
  3.14: Object.freeze(["sid"]),
  // experimental when it has a newer build; sid anyway for everything else (libc6, libraries).
  3.15: Object.freeze(["experimental", "sid"]),
});

/** dpkg architecture → multiarch triplet and dynamic loader. */
const ARCHITECTURES = Object.freeze({
  amd64: { triplet: "x86_64-linux-gnu", loader: "ld-linux-x86-64.so.2" },
  arm64: { triplet: "aarch64-linux-gnu", loader: "ld-linux-aarch64.so.1" },
});

const MARKER = ".provided.json";
const STATUS = "status.json";
const FORMAT = 1;

const ERROR_MARKER = Symbol.for("corestack.error.DebianPythonsError");

/**
 * Providing failed. `unreachable` is true when the Debian suites could not be reached or verified
 * (no network, no Debian archive in the machine's apt sources, no apt on this machine…): the CLI
 * exits 3 and tests skip. Otherwise something is broken (exit 1, tests fail).
 */
export class DebianPythonsError extends Error {
  /** @param {string} message @param {{ unreachable?: boolean }} [options] */
  constructor(message, options = {}) {
    super(message);
    this.name = "DebianPythonsError";
    this.unreachable = Boolean(options.unreachable);
    Object.defineProperty(this, ERROR_MARKER, { value: true });
  }

  /** @param {unknown} value @returns {value is DebianPythonsError} */
  static isInstance(value) {
    return typeof value === "object" && value !== null && /** @type {any} */ (value)[ERROR_MARKER] === true;
  }
}

/**
 * One of Debian's newer CPython builds, as its marker `.provided.json` describes it. core_maker.mjs's
 * findInterpreters() lists `python` as `id` and the debug build as `dbg.id`.
 * @typedef {object} ProvidedDebianPython
 * @property {number} format
 * @property {string} minor "3.14"
 * @property {string} id "debian-3.14.10": the findInterpreters() id.
 * @property {string} version "3.14.10"
 * @property {string} debianVersion The Debian package version: "3.14.10-1".
 * @property {string} suite The suite it came from: "sid" or "experimental".
 * @property {string} dir The build's root: CACHE/3.14 (usr/bin, usr/lib, usr/include… of the extracted packages).
 * @property {string} python CACHE/3.14/usr/bin/python3.14: non-PIE, static libpython, stripped (with .gnu_debuglink).
 * @property {string} include The -dev headers: CACHE/3.14/usr/include/python3.14 (internal/pycore_*.h included).
 * @property {{ id: string; python: string; include: string | null } | null} dbg The -dbg build when provided with
 *   --dbg: the debug interpreter (python3.14d: Py_DEBUG, not stripped) and its headers; the detached debug info of
 *   `python` is then under CACHE/3.14/usr/lib/debug/.build-id/.
 * @property {string[]} packages "name=version" of every package extracted.
 * @property {string} archive The archive URI (from this machine's apt sources).
 * @property {string} patchelf Which patchelf pointed the interpreters at the build's own glibc.
 * @property {string} provided ISO time it was provided.
 * @property {number} seconds How long providing it took.
 */

// ---------------------------------------------------------------------------------------------
// Cache

/** Where the builds live: $CORESTACK_PYTHONS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/pythons. */
export function debianPythonsCacheDir() {
  return corestackCacheDir("CORESTACK_PYTHONS_CACHE", "pythons");
}

/** @param {string} minor */
function checkMinor(minor) {
  if (!/^3\.\d+$/.test(minor)) throw new RangeError(`"${minor}" is not a Python minor version like 3.14`);
  if (!SUITES_BY_MINOR[minor]) {
    throw new RangeError(`Python ${minor}: no Debian suite known for it (known: ${Object.keys(SUITES_BY_MINOR).join(", ")})`);
  }
}

/**
 * The provided build of one minor version according to its marker, or null (no network, no process).
 * @param {string} minor
 * @param {string} [cacheDir]
 * @returns {ProvidedDebianPython | null}
 */
export function readProvidedDebianPython(minor, cacheDir = debianPythonsCacheDir()) {
  const dir = path.join(cacheDir, minor);
  const marker = /** @type {ProvidedDebianPython | null} */ (readCacheRecord(path.join(dir, MARKER), FORMAT));
  if (!marker || marker.minor !== minor || marker.dir !== dir) return null;
  // The interpreters were patched for this directory: a moved cache needs providing again.
  if (!fs.existsSync(marker.python) || (marker.dbg && !fs.existsSync(marker.dbg.python))) return null;
  return marker;
}

/**
 * Every build in the cache with its marker (reads the cache only: no network, no process), by version.
 * @param {string} [cacheDir]
 * @returns {ProvidedDebianPython[]}
 */
export function listProvidedDebianPythons(cacheDir = debianPythonsCacheDir()) {
  let names = [];
  try {
    names = fs.readdirSync(cacheDir).filter((name) => /^\d+\.\d+$/.test(name));
  } catch {
    return [];
  }
  return names
    .map((minor) => readProvidedDebianPython(minor, cacheDir))
    .filter((provided) => provided !== null)
    .sort((a, b) => Number(a.minor.split(".")[1]) - Number(b.minor.split(".")[1]));
}

/**
 * What the last runs of the provider said per minor version (status.json; written on success and
 * failure alike), or null when it never ran with this cache directory.
 * @param {string} [cacheDir]
 * @returns {{ format: number; versions: Record<string, { ok: boolean; unreachable: boolean; reason: string | null; dbg: boolean; at: string }> } | null}
 */
export function readDebianPythonsStatus(cacheDir = debianPythonsCacheDir()) {
  const status =
    /** @type {{ format: number; versions: Record<string, { ok: boolean; unreachable: boolean; reason: string | null; dbg: boolean; at: string }> } | null} */ (
      readCacheRecord(path.join(cacheDir, STATUS), FORMAT)
    );
  return status && typeof status.versions === "object" && status.versions !== null ? status : null;
}

/**
 * @param {string} cacheDir
 * @param {Record<string, { ok: boolean; unreachable: boolean; reason: string | null; dbg: boolean }>} outcomes
 */
function recordStatus(cacheDir, outcomes) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const previous = readDebianPythonsStatus(cacheDir);
  const at = new Date().toISOString();
  /** @type {Record<string, any>} */
  const versions = { ...(previous?.versions ?? {}) };
  for (const [minor, outcome] of Object.entries(outcomes)) versions[minor] = { ...outcome, at };
  writeFileAtomic(path.join(cacheDir, STATUS), `${JSON.stringify({ format: FORMAT, versions }, null, 1)}\n`);
}

/** @param {string} file @param {string} text */
export function writeFileAtomic(file, text) {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One provider at a time per cache directory (a lock file holding the pid; a dead holder's lock is taken over).
 * @param {string} cacheDir
 * @returns {Promise<() => void>} release
 */
export async function lockCache(cacheDir) {
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = path.join(cacheDir, ".lock");
  for (let waited = 0; ; waited += 500) {
    try {
      const handle = fs.openSync(lock, "wx");
      fs.writeSync(handle, String(process.pid));
      fs.closeSync(handle);
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
    }
    const holder = Number(fs.readFileSync(lock, "utf8").trim() || "0");
    let alive = false;
    try {
      if (holder > 0) alive = process.kill(holder, 0);
    } catch (error) {
      alive = /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
    }
    if (!alive) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (waited === 0) process.stderr.write(`debian_pythons: waiting for pid ${holder} (${lock})\n`);
    if (waited > 30 * 60_000) throw new DebianPythonsError(`${lock} has been held by pid ${holder} for 30 minutes`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------
// Running tools

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs?: number }} [options]
 */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    cwd: options.cwd,
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 20 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { status: result.status, signal: result.signal, error: result.error, stdout: result.stdout ?? "", output };
}

/** @param {string} text */
export function tail(text, lines = 12) {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export const NETWORK_TROUBLE =
  /Could not resolve|Temporary failure resolving|Could not connect|Connection failed|Connection timed out|Connection refused|Unable to connect|Network is unreachable|No route to host|Failed to fetch .*(?:InRelease|Release)/;
const SIGNATURE_TROUBLE = /NO_PUBKEY|EXPKEYSIG|is not signed|signatures couldn't be verified|Signed-By|OpenPGP signature verification failed|GPG error/;

/**
 * Capture group `index` of a match, where the pattern does not make that group optional (so it
 * is there whenever the pattern matched).
 * @param {RegExpExecArray} match
 * @param {number} index
 * @returns {string}
 */
function captured(match, index) {
  return /** @type {string} */ (match[index]);
}

/** The first reason apt gave for a failed fetch, on one line. @param {string} output */
export function aptCause(output) {
  for (const line of output.split("\n")) {
    const fetch = /Failed to fetch \S+\s+(.+)$/.exec(line);
    if (fetch) return captured(fetch, 1).trim();
    const gpg = /GPG error: \S+ \S+ \S+: (.+)$/.exec(line);
    if (gpg) return captured(gpg, 1).trim();
  }
  return (
    output
      .split("\n")
      .find((line) => /^E: /.test(line))
      ?.slice(3) ?? "apt-get update gave no index"
  );
}

// ---------------------------------------------------------------------------------------------
// The machine's Debian archive (read from its apt sources, never written)

/**
 * @typedef {{ uri: string; signedBy: string | null; suites: string[]; components: string[]; file: string }} DebianSource
 */

/** @param {string} text @param {string} file @returns {DebianSource[]} */
function parseDeb822(text, file) {
  /** @type {DebianSource[]} */
  const found = [];
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    /** @type {Record<string, string>} */
    const fields = {};
    let last = "";
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#")) continue;
      if (/^[ \t]/.test(line) && last) {
        fields[last] += `\n${line}`;
        continue;
      }
      const match = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/.exec(line);
      if (!match) continue;
      last = captured(match, 1).toLowerCase();
      fields[last] = captured(match, 2);
    }
    if (!fields["uris"] || !(fields["types"] ?? "").split(/\s+/).includes("deb")) continue;
    if (/^(no|false|0)$/i.test((fields["enabled"] ?? "yes").trim())) continue;
    const suites = (fields["suites"] ?? "").split(/\s+/).filter(Boolean);
    const components = (fields["components"] ?? "").split(/\s+/).filter(Boolean);
    const signedBy = fields["signed-by"]?.trim() ? fields["signed-by"] : null;
    for (const uri of fields["uris"].split(/\s+/).filter(Boolean)) found.push({ uri, signedBy, suites, components, file });
  }
  return found;
}

/** @param {string} text @param {string} file @returns {DebianSource[]} */
function parseOneLine(text, file) {
  /** @type {DebianSource[]} */
  const found = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const match = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const options = match[1] ?? "";
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(options)?.[1] ?? null;
    found.push({ uri: captured(match, 2), signedBy, suites: [captured(match, 3)], components: captured(match, 4).split(/\s+/).filter(Boolean), file });
  }
  return found;
}

/** The machine's apt source files (where apt-config says they are). */
function machineSourceFiles() {
  let list = "/etc/apt/sources.list";
  let parts = "/etc/apt/sources.list.d";
  const config = run("apt-config", ["shell", "LIST", "Dir::Etc::sourcelist/f", "PARTS", "Dir::Etc::sourceparts/d"]);
  if (config.status === 0) {
    list = /LIST='([^']*)'/.exec(config.stdout)?.[1] || list;
    parts = /PARTS='([^']*)'/.exec(config.stdout)?.[1] || parts;
  }
  const files = [list];
  try {
    for (const name of fs.readdirSync(parts).sort()) {
      if (name.endsWith(".sources") || name.endsWith(".list")) files.push(path.join(parts, name));
    }
  } catch {
    // no parts directory
  }
  return files;
}

/**
 * Every `deb` entry of this machine's apt sources (its files as apt-config names them), parsed.
 * @returns {DebianSource[]}
 */
export function machineDebianSources() {
  /** @type {DebianSource[]} */
  const sources = [];
  for (const file of machineSourceFiles()) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    sources.push(...(file.endsWith(".sources") ? parseDeb822(text, file) : parseOneLine(text, file)));
  }
  return sources;
}

/**
 * The Debian archive this machine's apt uses: a `deb` entry whose URI has a path segment "debian"
 * (not debian-security, -ports, -debug), with component main and a plain suite (no "-updates").
 * @returns {DebianSource}
 */
export function machineDebianArchive() {
  const files = machineSourceFiles();
  /** @type {DebianSource[]} */
  const sources = [];
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    sources.push(...(file.endsWith(".sources") ? parseDeb822(text, file) : parseOneLine(text, file)));
  }
  const debian = sources.filter((source) => {
    let segments;
    try {
      segments = new URL(source.uri).pathname.split("/");
    } catch {
      return false;
    }
    return segments.includes("debian") && source.components.includes("main") && source.suites.some((suite) => !suite.includes("-") && !suite.includes("/"));
  });
  const chosen = debian[0];
  if (!chosen) {
    throw new DebianPythonsError(
      `no Debian archive in this machine's apt sources (${files.join(", ")}): looked for a \`deb\` entry with a …/debian/ URI and component main`,
      { unreachable: true },
    );
  }
  return chosen;
}

// ---------------------------------------------------------------------------------------------
// Private apt

/**
 * apt with everything it writes or reads about packages under root: its own sources, lists, caches,
 * preferences and an empty dpkg status. The machine's apt.conf still applies (proxies).
 */
export class PrivateApt {
  /**
   * @param {string} root
   * @param {string} architecture
   */
  constructor(root, architecture) {
    this.root = root;
    this.architecture = architecture;
    this.sourcesFile = path.join(root, "debian.sources");
    this.lists = path.join(root, "state", "lists");
    this.empty = path.join(root, "empty.d");
    for (const directory of [path.join(this.lists, "partial"), path.join(root, "cache", "archives", "partial"), this.empty]) {
      fs.mkdirSync(directory, { recursive: true });
    }
    for (const file of [path.join(root, "state", "status"), path.join(root, "preferences")]) {
      if (!fs.existsSync(file)) fs.writeFileSync(file, "");
    }
    this.log = path.join(root, "apt.log");
  }

  get options() {
    const root = this.root;
    return [
      `Dir::State=${path.join(root, "state")}`,
      `Dir::State::Lists=${this.lists}`,
      `Dir::State::status=${path.join(root, "state", "status")}`,
      `Dir::Cache=${path.join(root, "cache")}`,
      `Dir::Cache::archives=${path.join(root, "cache", "archives")}`,
      `Dir::Etc::SourceList=${this.sourcesFile}`,
      `Dir::Etc::SourceParts=${this.empty}`,
      `Dir::Etc::Preferences=${path.join(root, "preferences")}`,
      `Dir::Etc::PreferencesParts=${this.empty}`,
      `APT::Architecture=${this.architecture}`,
      `APT::Architectures=${this.architecture}`,
      "Acquire::Languages=none",
      "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false",
      "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
      "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false",
      "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false",
      "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false",
      "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false",
    ].flatMap((option) => ["-o", option]);
  }

  /**
   * @param {{ uri: string; suites: string[]; signedBy: string | null }} source
   */
  writeSources(source) {
    this.writeSourceList([source]);
  }

  /**
   * Several sources in one file (one stanza each).
   * @param {{ uri: string; suites: string[]; signedBy: string | null }[]} sources
   */
  writeSourceList(sources) {
    const stanzas = sources.map((source) => {
      const lines = ["Types: deb", `URIs: ${source.uri}`, `Suites: ${source.suites.join(" ")}`, "Components: main", `Architectures: ${this.architecture}`];
      if (source.signedBy) lines.push(`Signed-By: ${source.signedBy}`);
      return lines.join("\n");
    });
    fs.writeFileSync(this.sourcesFile, `# written by corestack's tools/testing (private apt state)\n${stanzas.join("\n\n")}\n`);
  }

  /** @param {"apt-get" | "apt-cache"} tool @param {string[]} args @param {string} [cwd] */
  run(tool, args, cwd) {
    const result = run(tool, ["-q", ...this.options, ...args], { cwd, env: { ...process.env, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" } });
    fs.appendFileSync(this.log, `$ ${tool} ${args.join(" ")}\n${result.output}\n`);
    if (result.error) {
      throw new DebianPythonsError(`${tool} could not run: ${result.error.message}`, { unreachable: /ENOENT/.test(result.error.message) });
    }
    return result;
  }

  /**
   * `apt-get update` into the private lists; checks each suite's index arrived.
   * @param {string[]} suites
   * @returns {{ missing: string[]; signature: boolean; output: string }}
   */
  update(suites) {
    const result = this.run("apt-get", ["update"]);
    const output = result.output;
    /** @type {string[]} */
    const missing = [];
    /** @type {string[]} */
    let names = [];
    try {
      names = fs.readdirSync(this.lists);
    } catch {
      // nothing arrived
    }
    const failures = output.split("\n").filter((line) => /^Err:|Failed to fetch|GPG error|is not signed|NO_PUBKEY|EXPKEYSIG|verification failed/.test(line));
    let signature = false;
    for (const suite of suites) {
      const failed = failures.filter((line) => line.includes(` ${suite} `) || line.includes(`/dists/${suite}/`));
      const arrived = names.some((name) => name.includes(`_dists_${suite}_main_binary-${this.architecture}_Packages`));
      if (arrived && failed.length === 0) continue;
      missing.push(suite);
      signature ||= failed.some((line) => SIGNATURE_TROUBLE.test(line)) && !failed.some((line) => NETWORK_TROUBLE.test(line));
    }
    return { missing, signature, output };
  }
}

/**
 * A keyring that can verify sid when the machine's cannot (its debian-archive-keyring predates the
 * key sid is signed with): the newest debian-archive-keyring .deb of the machine's own suites,
 * fetched with a second private state and verified with the machine's keyring.
 * @param {string} cacheDir @param {string} architecture @param {DebianSource} archive
 */
function newerArchiveKeyring(cacheDir, architecture, archive) {
  const apt = new PrivateApt(path.join(cacheDir, "apt-host"), architecture);
  const suites = archive.suites.filter((suite) => !suite.includes("/"));
  apt.writeSources({ uri: archive.uri, suites, signedBy: archive.signedBy });
  const updated = apt.update(suites);
  if (updated.missing.length === suites.length) {
    throw new DebianPythonsError(
      `sid's signatures could not be verified with ${archive.signedBy ?? "apt's trusted keys"}, and ${suites.join(" ")} could not be updated to fetch a newer keyring: ${aptCause(updated.output)} (log: ${apt.log})\n${tail(updated.output)}`,
      { unreachable: true },
    );
  }
  const into = path.join(cacheDir, "keyring");
  const download = fs.mkdtempSync(path.join(cacheDir, ".keyring-"));
  try {
    const fetched = apt.run("apt-get", ["download", "debian-archive-keyring"], download);
    const deb = fs.readdirSync(download).find((name) => name.endsWith(".deb"));
    if (fetched.status !== 0 || !deb)
      throw new DebianPythonsError(`apt-get download debian-archive-keyring failed:\n${tail(fetched.output)}`, { unreachable: true });
    fs.rmSync(into, { recursive: true, force: true });
    const extracted = run("dpkg-deb", ["-x", path.join(download, deb), into]);
    if (extracted.status !== 0) throw new DebianPythonsError(`dpkg-deb -x ${deb} failed:\n${tail(extracted.output)}`);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
  const keyring = path.join(into, "usr", "share", "keyrings", "debian-archive-keyring.gpg");
  if (!fs.existsSync(keyring)) throw new DebianPythonsError(`${keyring} is not in the debian-archive-keyring package`);
  return keyring;
}

/**
 * Private apt state with fresh lists of the suites the minors need (one update per process).
 * @param {string} cacheDir @param {string[]} minors
 */
function prepareApt(cacheDir, minors) {
  if (!which("apt-get") || !which("dpkg-deb")) {
    throw new DebianPythonsError("apt-get and dpkg-deb are needed (a Debian-based machine)", { unreachable: true });
  }
  const architecture = run("dpkg", ["--print-architecture"]).stdout.trim();
  const arch = /** @type {Record<string, { triplet: string; loader: string }>} */ (ARCHITECTURES)[architecture];
  if (!arch)
    throw new DebianPythonsError(`architecture "${architecture}" is not supported (only ${Object.keys(ARCHITECTURES).join(", ")})`, { unreachable: true });
  const archive = machineDebianArchive();
  const suites = [...new Set(["sid", ...minors.flatMap((minor) => SUITES_BY_MINOR[minor] ?? [])])];
  const apt = new PrivateApt(path.join(cacheDir, "apt"), architecture);
  fs.writeFileSync(apt.log, "");
  apt.writeSources({ uri: archive.uri, suites, signedBy: archive.signedBy });
  let updated = apt.update(suites);
  let keyring = archive.signedBy ?? "(apt's trusted keys)";
  if (updated.missing.length > 0 && updated.signature) {
    // The machine's keyring may predate the key sid is signed with: take its suite's newest one.
    keyring = newerArchiveKeyring(cacheDir, architecture, archive);
    apt.writeSources({ uri: archive.uri, suites, signedBy: keyring });
    updated = apt.update(suites);
  }
  if (updated.missing.includes("sid")) {
    const why = updated.signature ? `their signatures could not be verified with ${keyring}` : "the download failed";
    throw new DebianPythonsError(
      `the Debian suites are unreachable: ${why}: ${aptCause(updated.output)} (${archive.uri} ${suites.join(" ")}, from ${archive.file}; log: ${apt.log})\n${tail(updated.output, 6)}`,
      { unreachable: true },
    );
  }
  return { apt, archive, arch, architecture, suites: suites.filter((suite) => !updated.missing.includes(suite)), keyring };
}

/**
 * Versions of packages per suite, from `apt-cache policy` (highest first).
 * @param {PrivateApt} apt @param {string[]} packages
 * @returns {Map<string, { version: string; suites: string[] }[]>}
 */
export function policy(apt, packages) {
  const result = apt.run("apt-cache", ["policy", ...packages]);
  /** @type {Map<string, { version: string; suites: string[] }[]>} */
  const table = new Map();
  /** @type {{ version: string; suites: string[] }[] | undefined} */
  let versions;
  /** @type {{ version: string; suites: string[] } | undefined} */
  let current;
  for (const line of result.stdout.split("\n")) {
    const name = /^(\S+):$/.exec(line);
    if (name) {
      versions = [];
      current = undefined;
      table.set(captured(name, 1), versions);
      continue;
    }
    const version = /^ {5}(?:\*\*\* )?(\S+) -?\d+$/.exec(line);
    if (version && versions) {
      current = { version: captured(version, 1), suites: [] };
      versions.push(current);
      continue;
    }
    const origin = /^ {8}-?\d+ \S+ (\S+) \S+ Packages$/.exec(line);
    if (origin && current) current.suites.push(/** @type {string} */ (captured(origin, 1).split("/")[0])); // split() gives at least one part
  }
  return table;
}

/**
 * The Depends/PreDepends closure of the roots, following only shared-library packages.
 * @param {PrivateApt} apt @param {string[]} roots "name=version"
 * @returns {string[]}
 */
export function libraryClosure(apt, roots) {
  const result = apt.run("apt-cache", [
    "depends",
    "--recurse",
    "--no-recommends",
    "--no-suggests",
    "--no-conflicts",
    "--no-breaks",
    "--no-replaces",
    "--no-enhances",
    ...roots,
  ]);
  if (result.status !== 0) throw new DebianPythonsError(`apt-cache depends ${roots.join(" ")} failed:\n${tail(result.output)}`);
  /** @type {Map<string, string[]>} */
  const graph = new Map();
  /** @type {string[] | undefined} */
  let edges;
  /** @type {{ name: string; virtual: boolean; providers: string[] }[]} */
  let group = [];
  let groupOpen = false;
  const closeGroup = () => {
    if (!edges || group.length === 0) return;
    const real = group.find((alternative) => !alternative.virtual);
    const chosen = real?.name ?? group.flatMap((alternative) => alternative.providers)[0];
    if (chosen) edges.push(chosen);
    group = [];
  };
  for (const line of result.stdout.split("\n")) {
    if (/^\S/.test(line)) {
      closeGroup();
      edges = [];
      if (!graph.has(line.trim())) graph.set(line.trim(), edges);
      groupOpen = false;
      continue;
    }
    const dependency = /^ ([ |])(Depends|PreDepends): (\S+)/.exec(line);
    if (dependency) {
      if (!groupOpen) closeGroup();
      const name = captured(dependency, 3);
      group.push({ name: name.replace(/^<|>$/g, ""), virtual: name.startsWith("<"), providers: [] });
      groupOpen = dependency[1] === "|";
      continue;
    }
    const provider = /^ {4}(\S+)$/.exec(line);
    if (provider && group.length > 0) {
      /** @type {{ providers: string[] }} */ (group[group.length - 1]).providers.push(captured(provider, 1));
      continue;
    }
    // another kind of relation ends the group
    if (/^ [ |]\S/.test(line) && !groupOpen) closeGroup();
  }
  closeGroup();
  const rootNames = roots.map((root) => /** @type {string} */ (root.split("=")[0])); // split() gives at least one part
  const needed = new Set(rootNames);
  const queue = [...rootNames];
  while (queue.length > 0) {
    const name = /** @type {string} */ (queue.shift());
    for (const dependency of graph.get(name) ?? []) {
      if (needed.has(dependency) || !isSharedLibraryPackage(dependency)) continue;
      needed.add(dependency);
      queue.push(dependency);
    }
  }
  return [...needed].filter((name) => !rootNames.includes(name)).sort();
}

/** Packages that ship shared libraries a process may map (not headers, tools, data, documentation). @param {string} name */
function isSharedLibraryPackage(name) {
  return (name.startsWith("lib") || name === "zlib1g") && !/-(dev|bin|data|common|doc|utils|tools|dbg)$/.test(name);
}

// ---------------------------------------------------------------------------------------------
// patchelf

/**
 * patchelf, as a command prefix: sid's (with its libstdc++), downloaded with the private state
 * into CACHE/tools/patchelf once and run through the sid loader of the build being patched, so it
 * needs nothing from the machine and is the same patchelf everywhere (not the machine's, whose
 * version decides whether these non-PIE executables survive: see provideUnlocked()).
 * @param {{ apt: PrivateApt; arch: { triplet: string; loader: string } }} context
 * @param {string} cacheDir
 * @param {string} dir a build directory holding sid's glibc
 * @returns {{ command: string[]; noSort: boolean; description: string }}
 */
function findPatchelf(context, cacheDir, dir) {
  const tools = path.join(cacheDir, "tools", "patchelf");
  const binary = path.join(tools, "usr", "bin", "patchelf");
  if (!fs.existsSync(path.join(tools, ".ok"))) {
    fs.rmSync(tools, { recursive: true, force: true });
    fs.mkdirSync(tools, { recursive: true });
    const download = fs.mkdtempSync(path.join(cacheDir, ".patchelf-"));
    try {
      const fetched = context.apt.run("apt-get", ["download", "patchelf/sid", "libstdc++6/sid"], download);
      const debs = fs.readdirSync(download).filter((name) => name.endsWith(".deb"));
      if (fetched.status !== 0 || debs.length < 2) {
        throw new DebianPythonsError(`apt-get download patchelf failed:\n${tail(fetched.output)}`, { unreachable: NETWORK_TROUBLE.test(fetched.output) });
      }
      for (const deb of debs) {
        const extracted = run("dpkg-deb", ["-x", path.join(download, deb), tools]);
        if (extracted.status !== 0) throw new DebianPythonsError(`dpkg-deb -x ${deb} failed:\n${tail(extracted.output)}`);
      }
    } finally {
      fs.rmSync(download, { recursive: true, force: true });
    }
    fs.writeFileSync(path.join(tools, ".ok"), "");
  }
  const libraries = [path.join(dir, "usr", "lib", context.arch.triplet), path.join(tools, "usr", "lib", context.arch.triplet)];
  const command = [path.join(dir, "usr", "lib", context.arch.triplet, context.arch.loader), "--library-path", libraries.join(":"), binary];
  const [program, ...prefix] = command;
  const version = run(/** @type {string} */ (program), [...prefix, "--version"]);
  if (version.status !== 0) throw new DebianPythonsError(`patchelf (${command.join(" ")}) does not run:\n${tail(version.output)}`);
  const help = run(/** @type {string} */ (program), [...prefix, "--help"]);
  return { command, noSort: help.output.includes("--no-sort"), description: `${version.stdout.trim()} (sid's, in ${tools})` };
}

// ---------------------------------------------------------------------------------------------
// Providing one version

/** Rewrites absolute symlinks inside dir (/etc/python3.14/sitecustomize.py…) to point inside dir. @param {string} dir */
export function relativizeSymlinks(dir) {
  /** @type {string[]} */
  const stack = [dir];
  while (stack.length > 0) {
    const current = /** @type {string} */ (stack.pop());
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isSymbolicLink()) {
        const target = fs.readlinkSync(full);
        if (!path.isAbsolute(target)) continue;
        fs.unlinkSync(full);
        fs.symlinkSync(path.relative(path.dirname(full), path.join(dir, target)) || ".", full);
      }
    }
  }
}

const CHECK = String.raw`
import sys, threading, ctypes
import importlib.util, json, os
for name in ("_ssl", "_hashlib", "_sqlite3", "_decimal", "_lzma", "_bz2", "_zstd", "zlib", "_ctypes", "pyexpat", "_uuid", "_asyncio"):
    if importlib.util.find_spec(name) is not None:
        __import__(name)
libraries = set()
for line in open("/proc/self/maps"):
    fields = line.split(None, 5)
    if len(fields) == 6 and fields[5].startswith("/") and ".so" in fields[5]:
        libraries.add(fields[5].strip())
print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "prefix": sys.prefix,
    "executable": sys.executable, "libraries": sorted(libraries), "abiflags": getattr(sys, "abiflags", "")}))
`;

/** Environment for running a provided interpreter: nothing PYTHON* from the caller. */
function pythonEnvironment() {
  /** @type {NodeJS.ProcessEnv} */
  const environment = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PYTHON")) environment[key] = value;
  return { ...environment, LC_ALL: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" };
}

/**
 * @param {string} python @param {string} dir @param {string} minor @param {string} patchelf
 * @returns {string} the full version
 */
function checkInterpreter(python, dir, minor, patchelf) {
  const result = run(python, ["-c", CHECK], { env: pythonEnvironment(), timeoutMs: 120_000 });
  if (result.status !== 0) {
    const crashed = result.signal ? ` (killed by ${result.signal}${result.signal === "SIGSEGV" ? `: did ${patchelf} break its ELF layout?` : ""})` : "";
    throw new DebianPythonsError(`${python} -c 'import sys, threading, ctypes' failed${crashed}:\n${tail(result.output)}`);
  }
  let facts;
  try {
    facts = JSON.parse(result.stdout.trim().split("\n").pop() ?? "");
  } catch {
    throw new DebianPythonsError(`${python}: unexpected output:\n${tail(result.output)}`);
  }
  if (!facts.version.startsWith(`${minor}.`)) throw new DebianPythonsError(`${python} is Python ${facts.version}, not ${minor}`);
  if (facts.prefix !== path.join(dir, "usr")) throw new DebianPythonsError(`${python}: sys.prefix is ${facts.prefix}, not ${path.join(dir, "usr")}`);
  const outside = facts.libraries.filter((/** @type {string} */ library) => !library.startsWith(`${dir}/`));
  if (outside.length > 0) throw new DebianPythonsError(`${python} maps libraries from outside ${dir}: ${outside.join(", ")}`);
  return facts.version;
}

/**
 * @param {ReturnType<typeof prepareApt>} context
 * @param {string} cacheDir @param {string} minor @param {{ dbg: boolean }} options
 * @returns {ProvidedDebianPython}
 */
function provideUnlocked(context, cacheDir, minor, options) {
  const startedAt = Date.now();
  const { apt, arch } = context;
  const allowed = (SUITES_BY_MINOR[minor] ?? []).filter((suite) => context.suites.includes(suite));
  const roots = [
    `python${minor}`,
    `python${minor}-minimal`,
    `libpython${minor}-minimal`,
    `libpython${minor}-stdlib`,
    `libpython${minor}`,
    `libpython${minor}-dev`,
    `python${minor}-dev`,
  ];
  if (options.dbg) roots.push(`python${minor}-dbg`, `libpython${minor}-dbg`);
  const table = policy(apt, roots);
  /** @type {string[]} */
  const pinned = [];
  let suite = "";
  for (const name of roots) {
    const offered = (table.get(name) ?? []).find((entry) => entry.suites.some((where) => allowed.includes(where)));
    if (!offered) {
      // Not having the package is the suite's state, not a broken provider: report it like a miss.
      throw new DebianPythonsError(`${allowed.join("/") || "no reachable suite"} offers no ${name} (suites reached: ${context.suites.join(" ")})`, {
        unreachable: true,
      });
    }
    if (name === `python${minor}`) suite = allowed.find((where) => offered.suites.includes(where)) ?? "";
    pinned.push(`${name}=${offered.version}`);
  }
  // pinned[0] is `python3.X=VERSION`, as pushed above.
  const debianVersion = /** @type {string} */ (/** @type {string} */ (pinned[0]).split("=")[1]);
  const libraries = libraryClosure(apt, [...pinned, "libc6"]);
  const wanted = [...pinned, ...["libc6", ...libraries.filter((name) => name !== "libc6")]];

  const dir = path.join(cacheDir, minor);
  /** @type {string[]} */
  let fetchedPackages = [];
  const download = fs.mkdtempSync(path.join(cacheDir, `.download-${minor}-`));
  try {
    const fetched = apt.run("apt-get", ["download", ...wanted], download);
    if (fetched.status !== 0) {
      throw new DebianPythonsError(`apt-get download failed:\n${tail(fetched.output)}`, { unreachable: NETWORK_TROUBLE.test(fetched.output) });
    }
    const debs = fs.readdirSync(download).filter((name) => name.endsWith(".deb"));
    // name_version_arch.deb (the epoch's ":" is "%3a"): what was actually fetched, for the marker.
    fetchedPackages = debs
      .map((deb) => deb.replace(/\.deb$/, "").split("_"))
      .map(([name, version]) => `${name}=${decodeURIComponent(version ?? "")}`)
      .sort();
    fs.rmSync(path.join(dir, MARKER), { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const deb of debs.sort()) {
      const extracted = run("dpkg-deb", ["-x", path.join(download, deb), dir]);
      if (extracted.status !== 0) throw new DebianPythonsError(`dpkg-deb -x ${deb} failed:\n${tail(extracted.output)}`);
    }
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
  relativizeSymlinks(dir);

  const libraryDir = path.join(dir, "usr", "lib", arch.triplet);
  const libraryDirs = [libraryDir, path.join(dir, "lib", arch.triplet)];
  const loader = path.join(libraryDir, arch.loader);
  if (!fs.existsSync(loader)) throw new DebianPythonsError(`${loader} is missing after extracting libc6`);
  const python = path.join(dir, "usr", "bin", `python${minor}`);
  /** @type {string | null} */
  let dbgPython = null;
  if (options.dbg) {
    const candidates = [`python${minor}d`, `python${minor}-dbg`].map((name) => path.join(dir, "usr", "bin", name)).filter((file) => fs.existsSync(file));
    if (candidates.length === 0)
      throw new DebianPythonsError(`python${minor}-dbg installed no python${minor}d or python${minor}-dbg in ${path.join(dir, "usr", "bin")}`);
    dbgPython = fs.realpathSync(/** @type {string} */ (candidates[0]));
  }
  const patchelf = findPatchelf(context, cacheDir, dir);
  for (const executable of [python, ...(dbgPython ? [dbgPython] : [])]) {
    if (!fs.existsSync(executable)) throw new DebianPythonsError(`${executable} is missing after extraction`);
    // --force-rpath: DT_RPATH (not DT_RUNPATH) also applies to the libraries extension modules
    // load (libssl for _ssl…), so none comes from the machine's /lib. --no-sort: these are non-PIE
    // executables; patchelf 0.18 puts the moved .dynamic/.dynstr in a new writable PT_LOAD below
    // the old first one, which still overlaps it, and sorting the program headers maps the old
    // read-only one last: ld.so then faults writing DT_DEBUG into .dynamic. Unsorted, the new
    // segment is mapped last (same file offsets, so the overlap maps the same bytes).
    const args = [...(patchelf.noSort ? ["--no-sort"] : []), "--set-interpreter", loader, "--force-rpath", "--set-rpath", libraryDirs.join(":"), executable];
    const [program, ...prefix] = patchelf.command;
    const patched = run(/** @type {string} */ (program), [...prefix, ...args]);
    if (patched.status !== 0) throw new DebianPythonsError(`patchelf ${args.join(" ")} failed:\n${tail(patched.output)}`);
  }
  const version = checkInterpreter(python, dir, minor, patchelf.description);
  if (dbgPython) checkInterpreter(dbgPython, dir, minor, patchelf.description);
  const include = path.join(dir, "usr", "include", `python${minor}`);
  if (!fs.existsSync(path.join(include, "internal", "pycore_frame.h"))) {
    throw new DebianPythonsError(`${include}/internal/pycore_frame.h is missing: the -dev packages did not bring the internal headers`);
  }
  const dbgInclude = path.join(dir, "usr", "include", `python${minor}d`);
  /** @type {ProvidedDebianPython} */
  const provided = {
    format: FORMAT,
    minor,
    id: `debian-${version}`,
    version,
    debianVersion,
    suite,
    dir,
    python,
    include,
    dbg: dbgPython ? { id: `debian-${version}-dbg`, python: dbgPython, include: fs.existsSync(dbgInclude) ? dbgInclude : null } : null,
    packages: fetchedPackages,
    archive: context.archive.uri,
    patchelf: patchelf.description,
    provided: new Date().toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
  writeFileAtomic(path.join(dir, MARKER), `${JSON.stringify(provided, null, 1)}\n`);
  return provided;
}

/**
 * A runnable Debian build of Python `minor` ("3.13", "3.14", "3.15"): from the cache when a
 * marker says it is there (with its -dbg build if `dbg`) — no process, no network — else
 * downloaded, extracted, patched and checked (under a minute on a fast network). `cached` says which.
 * @param {string} minor
 * @param {{ dbg?: boolean; refresh?: boolean; cacheDir?: string }} [options]
 * @returns {Promise<ProvidedDebianPython & { cached: boolean }>}
 * @throws {DebianPythonsError} `unreachable` when the suites cannot be reached
 */
export async function provideDebianPython(minor, options = {}) {
  const [outcome] = await provideEach([minor], options);
  if (!outcome || "error" in outcome) throw outcome?.error ?? new Error("nothing provided");
  return outcome.provided;
}

/**
 * Provides each version (one private `apt-get update` for all of them), one outcome per version.
 * @param {string[]} minors
 * @param {{ dbg?: boolean; refresh?: boolean; cacheDir?: string }} [options]
 * @returns {Promise<({ minor: string; provided: ProvidedDebianPython & { cached: boolean } } | { minor: string; error: unknown; everyVersion: boolean })[]>}
 */
export async function provideEach(minors, options = {}) {
  const cacheDir = options.cacheDir ?? debianPythonsCacheDir();
  const dbg = Boolean(options.dbg);
  for (const minor of minors) checkMinor(minor);
  /** @param {string} minor */
  const cachedOne = (minor) => {
    if (options.refresh) return null;
    const provided = readProvidedDebianPython(minor, cacheDir);
    return provided && (!dbg || provided.dbg) ? { ...provided, cached: true } : null;
  };
  const hits = minors.map(cachedOne);
  if (hits.every((hit) => hit !== null)) {
    return minors.map((minor, index) => ({ minor, provided: /** @type {ProvidedDebianPython & { cached: boolean }} */ (hits[index]) }));
  }
  const release = await lockCache(cacheDir);
  try {
    /** @type {ReturnType<typeof prepareApt> | undefined} */
    let context;
    /** @type {unknown} */
    let unreachable;
    /** @type {({ minor: string; provided: ProvidedDebianPython & { cached: boolean } } | { minor: string; error: unknown; everyVersion: boolean })[]} */
    const outcomes = [];
    for (const minor of minors) {
      // Another process may have provided it while we waited for the lock.
      const hit = hits[minors.indexOf(minor)] ?? cachedOne(minor);
      if (hit) {
        outcomes.push({ minor, provided: hit });
        continue;
      }
      if (unreachable) {
        outcomes.push({ minor, error: unreachable, everyVersion: true });
        continue;
      }
      try {
        context ??= prepareApt(cacheDir, minors);
        outcomes.push({ minor, provided: { ...provideUnlocked(context, cacheDir, minor, { dbg }), cached: false } });
      } catch (error) {
        // Failing before any version's own work (no apt, no Debian archive, suites unreachable)
        // fails every version the same way.
        const everyVersion = !context && DebianPythonsError.isInstance(error) && error.unreachable;
        if (everyVersion) unreachable = error;
        outcomes.push({ minor, error, everyVersion });
      }
    }
    return outcomes;
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const HELP = `Usage: node tools/testing/debian_pythons.mjs [--dbg] [--refresh] [VERSION…]

Provides Debian's CPython builds (default: ${DEBIAN_PYTHON_MINORS.join(" ")}; from sid, 3.15 from experimental
when it has a newer build) as runnable interpreters for corestack's core tests, in
${debianPythonsCacheDir()}/VERSION/
($CORESTACK_PYTHONS_CACHE, else \${XDG_CACHE_HOME:-~/.cache}/corestack/pythons). apt runs with a private
state there; the archive and its keyring come from this machine's apt sources. Cached builds cost
no network and no process.

  --dbg       also the -dbg packages (the debug interpreter pythonX.Yd, and the detached debug
              info of the normal one under usr/lib/debug/.build-id)
  --refresh   provide again even when cached
  --list      print what the cache holds (no network) and the last runs' failures
  -h, --help  this text

Prints one line per interpreter: its id (debian-FULL.VERSION, -dbg for the debug build) and path.
Exit codes: 0 provided; 1 failed; 2 usage; 3 the Debian suites are unreachable (the message says why).`;

/** @param {ProvidedDebianPython} provided */
function lines(provided) {
  return [`${provided.id} ${provided.python}`, ...(provided.dbg ? [`${provided.dbg.id} ${provided.dbg.python}`] : [])];
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        dbg: { type: "boolean" },
        refresh: { type: "boolean" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    process.stderr.write(`debian_pythons: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cacheDir = debianPythonsCacheDir();
  if (values.list) {
    for (const provided of listProvidedDebianPythons(cacheDir)) process.stdout.write(`${lines(provided).join("\n")}\n`);
    for (const [minor, outcome] of Object.entries(readDebianPythonsStatus(cacheDir)?.versions ?? {})) {
      if (!outcome.ok) process.stdout.write(`${minor}: not provided (${outcome.at}): ${outcome.reason}\n`);
    }
    return 0;
  }
  const minors = positionals.length > 0 ? positionals : [...DEBIAN_PYTHON_MINORS];
  for (const minor of minors) {
    try {
      checkMinor(minor);
    } catch (error) {
      process.stderr.write(`debian_pythons: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  let exitCode = 0;
  /** @type {Record<string, { ok: boolean; unreachable: boolean; reason: string | null; dbg: boolean }>} */
  const outcomes = {};
  /** @type {string[]} */
  const unreachable = [];
  let unreachableReason = "";
  let everyVersion = "";
  for (const outcome of await provideEach(minors, { dbg: Boolean(values.dbg), refresh: Boolean(values.refresh), cacheDir })) {
    if ("provided" in outcome) {
      process.stdout.write(`${lines(outcome.provided).join("\n")}\n`);
      outcomes[outcome.minor] = { ok: true, unreachable: false, reason: null, dbg: outcome.provided.dbg !== null };
      continue;
    }
    const { error } = outcome;
    if (outcome.everyVersion) everyVersion = error instanceof Error ? error.message : String(error);
    const isUnreachable = DebianPythonsError.isInstance(error) && error.unreachable;
    const message = error instanceof Error ? error.message : String(error);
    outcomes[outcome.minor] = { ok: false, unreachable: isUnreachable, reason: message, dbg: Boolean(values.dbg) };
    if (isUnreachable && (unreachableReason === "" || unreachableReason === message)) {
      // Every version needs the same suites: one line for all of them.
      unreachable.push(outcome.minor);
      unreachableReason = message;
      continue;
    }
    process.stderr.write(`debian_pythons: ${outcome.minor} ${isUnreachable ? "not provided" : "failed"}: ${message}\n`);
    exitCode = isUnreachable ? Math.max(exitCode, 3) : 1;
  }
  if (everyVersion) {
    // The other versions could not have been provided either: say why for them too (not "never run").
    for (const minor of DEBIAN_PYTHON_MINORS) {
      if (outcomes[minor] || readProvidedDebianPython(minor, cacheDir)) continue;
      outcomes[minor] = { ok: false, unreachable: true, reason: everyVersion, dbg: false };
      unreachable.push(minor);
    }
  }
  if (unreachable.length > 0) {
    process.stderr.write(`debian_pythons: ${unreachable.join(" ")} not provided: ${unreachableReason.split("\n")[0]}\n`);
    if (exitCode === 0) exitCode = 3;
  }
  try {
    recordStatus(cacheDir, outcomes);
  } catch (error) {
    process.stderr.write(`debian_pythons: could not write ${path.join(cacheDir, STATUS)}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

// For the other providers of tools/testing (debian_debug_python.mjs): the private apt state and
// the helpers around it.
export { run as runTool, pythonEnvironment };

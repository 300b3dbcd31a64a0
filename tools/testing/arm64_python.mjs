#!/usr/bin/env node
// @ts-check
// Debian's arm64 CPython 3.11 run under qemu-user, for corestack's tests of cores from another
// machine: `node tools/testing/arm64_python.mjs --help`. Plain Node ESM, no dependencies; a sibling
// of debian_pythons.mjs, whose private-apt helpers it uses. core_maker.mjs reads what this provides
// (the cache only, never the network).
//
// It
//   1. runs apt with a PRIVATE state (as debian_pythons.mjs does: its own sources file, lists,
//      caches, preferences and an empty dpkg status under the cache directory) for the machine's own
//      Debian suite, once for arm64 and once for the machine's architecture;
//   2. downloads the arm64 interpreter (python3.11, -minimal, libpython3.11-minimal/-stdlib), the
//      suite's libc6 and the shared libraries they depend on, and extracts them into one directory,
//      ROOT (a sysroot: ROOT/usr/bin/python3.11, ROOT/lib/aarch64-linux-gnu/libc.so.6…);
//   3. downloads the machine's qemu-user-static and keeps only its qemu-aarch64-static;
//   4. checks that `qemu-aarch64-static -L ROOT ROOT/usr/bin/python3.11 -c 'import threading,
//      ctypes'` runs and maps only files of ROOT, and only then writes the marker .provided.json.
//
// qemu opens the program by its path here (ROOT/usr/bin/python3.11: sys.executable, AT_EXECFN and
// the stdlib's file names are ROOT's); the guest's loader opens the libraries by their Debian paths
// (/lib/aarch64-linux-gnu/libc.so.6), which `-L ROOT` redirects: the core's link map names those,
// and `corestack core --lib-search-root ROOT` finds them. qemu-user writes the guest's own core
// (qemu_<program>_<date>-<time>_<pid>.core in the working directory) when the guest dies of a
// signal; that core has no NT_FILE note.
//
// CACHE is $CORESTACK_ARM64_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/arm64 (outside the
// repository: ~60 MiB). A provided build costs one file read on later calls.

import * as fs from "node:fs";
import { corestackCacheDir, readCacheRecord } from "./_cache_dir.mjs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { which } from "./_which.mjs";
import {
  DebianPythonsError,
  NETWORK_TROUBLE,
  PrivateApt,
  aptCause,
  libraryClosure,
  lockCache,
  machineDebianArchive,
  policy,
  relativizeSymlinks,
  run,
  tail,
  writeFileAtomic,
} from "./debian_pythons.mjs";

/** The Python minor version provided: the one of the machine's Debian suite (bookworm: 3.11). */
export const ARM64_PYTHON_MINOR = "3.11";

const GUEST_TRIPLET = "aarch64-linux-gnu";
const MARKER = ".provided.json";
const STATUS = "status.json";
const FORMAT = 1;

/**
 * What the provider leaves in its cache (the marker `.provided.json`): Debian's arm64 Python and qemu-aarch64-static.
 * @typedef {object} ProvidedArm64Python
 * @property {number} format
 * @property {string} id "qemu-aarch64-debian-3.11.2"
 * @property {string} minor
 * @property {string} version
 * @property {string} debianVersion
 * @property {string} suite
 * @property {string} dir
 * @property {string} root The arm64 sysroot (pass it as --lib-search-root).
 * @property {string} python root/usr/bin/python3.11
 * @property {string} qemu
 * @property {string} qemuVersion
 * @property {string[]} packages
 * @property {string} archive
 * @property {string} provided
 * @property {number} seconds
 */

/** Where the build lives: $CORESTACK_ARM64_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/arm64. */
export function arm64CacheDir() {
  return corestackCacheDir("CORESTACK_ARM64_CACHE", "arm64");
}

/**
 * The provided build according to its marker, or null (no network, no process).
 * @param {string} [cacheDir]
 * @returns {ProvidedArm64Python | null}
 */
export function readProvidedArm64Python(cacheDir = arm64CacheDir()) {
  const marker = /** @type {ProvidedArm64Python | null} */ (readCacheRecord(path.join(cacheDir, MARKER), FORMAT));
  if (!marker || marker.dir !== cacheDir) return null;
  if (!fs.existsSync(marker.python) || !fs.existsSync(marker.qemu)) return null;
  return marker;
}

/**
 * What the last run of the provider said (status.json), or null when it never ran with this cache.
 * @param {string} [cacheDir]
 * @returns {{ ok: boolean; unreachable: boolean; reason: string | null; at: string } | null}
 */
export function readArm64PythonStatus(cacheDir = arm64CacheDir()) {
  const status = /** @type {{ format: number; last: { ok: boolean; unreachable: boolean; reason: string | null; at: string } } | null} */ (
    readCacheRecord(path.join(cacheDir, STATUS), FORMAT)
  );
  return status?.last ?? null;
}

/**
 * Why a test needing the arm64 build must skip, or null when it is provided. `failed` is true when
 * the provider broke (rather than could not reach the archive): a test should fail then.
 * @param {string} [cacheDir]
 * @returns {{ reason: string; failed: boolean } | null}
 */
export function arm64PythonMissing(cacheDir = arm64CacheDir()) {
  if (readProvidedArm64Python(cacheDir)) return null;
  const command = "`node tools/testing/arm64_python.mjs`";
  const last = readArm64PythonStatus(cacheDir);
  if (!last)
    return {
      reason: `arm64 Python ${ARM64_PYTHON_MINOR} under qemu not provided: the provider has not run with the cache ${cacheDir} (${command})`,
      failed: false,
    };
  if (last.ok) return { reason: `arm64 Python ${ARM64_PYTHON_MINOR} was provided on ${last.at} but is no longer in ${cacheDir} (${command})`, failed: false };
  return {
    reason: `arm64 Python ${ARM64_PYTHON_MINOR} under qemu not provided: ${(last.reason ?? "unknown").split("\n")[0]} (${last.at})`,
    failed: !last.unreachable,
  };
}

/** @param {string} cacheDir @param {{ ok: boolean; unreachable: boolean; reason: string | null }} outcome */
function recordStatus(cacheDir, outcome) {
  fs.mkdirSync(cacheDir, { recursive: true });
  writeFileAtomic(path.join(cacheDir, STATUS), `${JSON.stringify({ format: FORMAT, last: { ...outcome, at: new Date().toISOString() } }, null, 1)}\n`);
}

/** The plain suites (bookworm, not bookworm-updates) of the machine's Debian archive. @param {{ suites: string[] }} archive */
function plainSuites(archive) {
  return archive.suites.filter((suite) => !suite.includes("-") && !suite.includes("/"));
}

/**
 * A private apt for `architecture` with fresh lists of the machine's own suite.
 * @param {string} cacheDir @param {string} architecture @param {import("./debian_pythons.mjs").DebianSource} archive
 */
function updatedApt(cacheDir, architecture, archive) {
  const suites = plainSuites(archive);
  const apt = new PrivateApt(path.join(cacheDir, `apt-${architecture}`), architecture);
  fs.writeFileSync(apt.log, "");
  apt.writeSources({ uri: archive.uri, suites, signedBy: archive.signedBy });
  const updated = apt.update(suites);
  if (updated.missing.length === suites.length) {
    throw new DebianPythonsError(
      `the Debian suite ${suites.join(" ")} is unreachable for ${architecture}: ${aptCause(updated.output)} (${archive.uri}, from ${archive.file}; log: ${apt.log})`,
      { unreachable: true },
    );
  }
  return { apt, suite: /** @type {string} */ (suites.find((suite) => !updated.missing.includes(suite))) };
}

/**
 * Downloads packages into a temporary directory and extracts each into `into`.
 * @param {PrivateApt} apt @param {string[]} packages @param {string} cacheDir @param {string} into
 * @returns {string[]} "name=version" of what was fetched
 */
function downloadAndExtract(apt, packages, cacheDir, into) {
  const download = fs.mkdtempSync(path.join(cacheDir, ".download-"));
  try {
    const fetched = apt.run("apt-get", ["download", ...packages], download);
    if (fetched.status !== 0) {
      throw new DebianPythonsError(`apt-get download failed:\n${tail(fetched.output)}`, { unreachable: NETWORK_TROUBLE.test(fetched.output) });
    }
    const debs = fs
      .readdirSync(download)
      .filter((name) => name.endsWith(".deb"))
      .sort();
    for (const deb of debs) {
      const extracted = run("dpkg-deb", ["-x", path.join(download, deb), into]);
      if (extracted.status !== 0) throw new DebianPythonsError(`dpkg-deb -x ${deb} failed:\n${tail(extracted.output)}`);
    }
    return debs.map((deb) => deb.replace(/\.deb$/, "").split("_")).map(([name, version]) => `${name}=${decodeURIComponent(version ?? "")}`);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
}

const CHECK = String.raw`
import sys, threading, ctypes, queue, json, os
libraries = set()
for line in open("/proc/self/maps"):
    fields = line.split(None, 5)
    if len(fields) == 6 and fields[5].startswith("/"):
        libraries.add(fields[5].strip())
import platform
print(json.dumps({"version": "%d.%d.%d" % sys.version_info[:3], "prefix": sys.prefix, "machine": platform.machine(),
    "executable": sys.executable, "libraries": sorted(libraries)}))
`;

/**
 * Runs the guest interpreter under qemu once and checks what it says of itself. It is run by its
 * path in ROOT (qemu cannot open the guest's /usr/bin/python3.11: it opens the program by the host
 * path), so sys.executable and sys.prefix are ROOT's; the libraries the guest's loader opens by
 * their Debian paths (/lib/aarch64-linux-gnu/…) are ROOT's through `-L ROOT`.
 * @param {string} qemu @param {string} root @returns {string} the full Python version
 */
function checkGuest(qemu, root) {
  const python = path.join(root, "usr", "bin", `python${ARM64_PYTHON_MINOR}`);
  /** @type {NodeJS.ProcessEnv} */
  const environment = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PYTHON") && !key.startsWith("QEMU_")) environment[key] = value;
  const result = run(qemu, ["-L", root, python, "-c", CHECK], { env: { ...environment, LC_ALL: "C.UTF-8", PYTHONDONTWRITEBYTECODE: "1" }, timeoutMs: 180_000 });
  if (result.status !== 0)
    throw new DebianPythonsError(
      `${qemu} -L ${root} ${python} -c 'import threading, ctypes' failed${result.signal ? ` (${result.signal})` : ""}:\n${tail(result.output)}`,
    );
  /** @type {{ version: string; prefix: string; machine: string; executable: string; libraries: string[] }} */
  let facts;
  try {
    facts = JSON.parse(result.stdout.trim().split("\n").pop() ?? "");
  } catch {
    throw new DebianPythonsError(`${python} under qemu: unexpected output:\n${tail(result.output)}`);
  }
  if (facts.machine !== "aarch64") throw new DebianPythonsError(`${python} under qemu says its machine is ${facts.machine}, not aarch64`);
  if (!String(facts.version).startsWith(`${ARM64_PYTHON_MINOR}.`))
    throw new DebianPythonsError(`${python} is Python ${facts.version}, not ${ARM64_PYTHON_MINOR}`);
  if (facts.prefix !== path.join(root, "usr"))
    throw new DebianPythonsError(`${python} under qemu: sys.prefix is ${facts.prefix}, not ${path.join(root, "usr")}`);
  // qemu's /proc/self/maps shows the files it opened by their paths on this machine: all in ROOT.
  const outside = facts.libraries.filter((file) => /\.so/.test(file) && !file.startsWith(`${root}/`));
  if (outside.length > 0) throw new DebianPythonsError(`${python} under qemu maps libraries from outside ${root}: ${outside.join(", ")}`);
  return facts.version;
}

/** @param {string} cacheDir @returns {ProvidedArm64Python} */
function provideUnlocked(cacheDir) {
  const startedAt = Date.now();
  if (!which("apt-get") || !which("dpkg-deb")) throw new DebianPythonsError("apt-get and dpkg-deb are needed (a Debian-based machine)", { unreachable: true });
  const hostArchitecture = run("dpkg", ["--print-architecture"]).stdout.trim();
  const archive = machineDebianArchive();
  const guest = updatedApt(cacheDir, "arm64", archive);
  const minor = ARM64_PYTHON_MINOR;
  const roots = [`python${minor}`, `python${minor}-minimal`, `libpython${minor}-minimal`, `libpython${minor}-stdlib`];
  const table = policy(guest.apt, roots);
  const pinned = roots.map((name) => {
    const offered = table.get(name)?.[0];
    if (!offered) throw new DebianPythonsError(`${guest.suite} offers no ${name} for arm64`, { unreachable: true });
    return `${name}=${offered.version}`;
  });
  const libraries = libraryClosure(guest.apt, [...pinned, "libc6"]);
  const wanted = [...pinned, "libc6", ...libraries.filter((name) => name !== "libc6")];

  const root = path.join(cacheDir, "root");
  fs.rmSync(path.join(cacheDir, MARKER), { force: true });
  const partialRoot = fs.mkdtempSync(path.join(cacheDir, ".root-"));
  let packages;
  try {
    packages = downloadAndExtract(guest.apt, wanted, cacheDir, partialRoot);
    relativizeSymlinks(partialRoot);
    fs.rmSync(root, { recursive: true, force: true });
    fs.renameSync(partialRoot, root);
  } catch (error) {
    fs.rmSync(partialRoot, { recursive: true, force: true });
    throw error;
  }
  for (const file of [`usr/bin/python${minor}`, `lib/ld-linux-aarch64.so.1`, `lib/${GUEST_TRIPLET}/libc.so.6`]) {
    if (!fs.existsSync(path.join(root, file))) throw new DebianPythonsError(`${path.join(root, file)} is missing after extraction`);
  }

  const qemuDir = path.join(cacheDir, "qemu");
  const qemu = path.join(qemuDir, "qemu-aarch64-static");
  const host = updatedApt(cacheDir, hostArchitecture, archive);
  const extracted = fs.mkdtempSync(path.join(cacheDir, ".qemu-"));
  let qemuPackage;
  try {
    [qemuPackage] = downloadAndExtract(host.apt, ["qemu-user-static"], cacheDir, extracted);
    const binary = path.join(extracted, "usr", "bin", "qemu-aarch64-static");
    if (!fs.existsSync(binary)) throw new DebianPythonsError("qemu-user-static has no usr/bin/qemu-aarch64-static");
    fs.mkdirSync(qemuDir, { recursive: true });
    fs.copyFileSync(binary, `${qemu}.partial`);
    fs.chmodSync(`${qemu}.partial`, 0o755);
    fs.renameSync(`${qemu}.partial`, qemu);
  } finally {
    fs.rmSync(extracted, { recursive: true, force: true });
  }
  const qemuVersion = run(qemu, ["--version"]).stdout.split("\n")[0]?.trim() ?? "";
  const version = checkGuest(qemu, root);
  /** @type {ProvidedArm64Python} */
  const provided = {
    format: FORMAT,
    id: `qemu-aarch64-debian-${version}`,
    minor,
    version,
    debianVersion: /** @type {string} */ (pinned[0]).split("=")[1] ?? "",
    suite: guest.suite,
    dir: cacheDir,
    root,
    python: path.join(root, "usr", "bin", `python${minor}`),
    qemu,
    qemuVersion,
    packages: [...packages, ...(qemuPackage ? [qemuPackage] : [])].sort(),
    archive: archive.uri,
    provided: new Date().toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
  writeFileAtomic(path.join(cacheDir, MARKER), `${JSON.stringify(provided, null, 1)}\n`);
  return provided;
}

/**
 * The arm64 Python and qemu: from the cache when the marker says they are there (no process, no
 * network), else downloaded, extracted and checked (about a minute on a fast network).
 * @param {{ refresh?: boolean; cacheDir?: string }} [options]
 * @returns {Promise<ProvidedArm64Python & { cached: boolean }>}
 * @throws {DebianPythonsError} `unreachable` when the archive cannot be reached
 */
export async function provideArm64Python(options = {}) {
  const cacheDir = options.cacheDir ?? arm64CacheDir();
  if (!options.refresh) {
    const hit = readProvidedArm64Python(cacheDir);
    if (hit) return { ...hit, cached: true };
  }
  const release = await lockCache(cacheDir);
  try {
    const hit = options.refresh ? null : readProvidedArm64Python(cacheDir);
    if (hit) return { ...hit, cached: true };
    try {
      const provided = provideUnlocked(cacheDir);
      recordStatus(cacheDir, { ok: true, unreachable: false, reason: null });
      return { ...provided, cached: false };
    } catch (error) {
      const unreachable = DebianPythonsError.isInstance(error) && error.unreachable;
      recordStatus(cacheDir, { ok: false, unreachable, reason: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  } finally {
    release();
  }
}

/**
 * What provideArm64Toolchain() leaves in its cache (the marker `toolchain/.provided.json`).
 * @typedef {object} ProvidedArm64Toolchain
 * @property {number} format
 * @property {string} gcc Debian's aarch64-linux-gnu-gcc-12, run from the cache.
 * @property {string} libraryPath Its binutils' own shared libraries (LD_LIBRARY_PATH).
 * @property {string} include The arm64 Python headers (ROOT/usr/include/python3.11).
 * @property {string[]} packages
 * @property {string} provided
 */

/** The cross compiler's packages (for the machine's architecture) and the arm64 headers of the Python. */
const CROSS_PACKAGES = [
  "gcc-12-aarch64-linux-gnu",
  "cpp-12-aarch64-linux-gnu",
  "binutils-aarch64-linux-gnu",
  "libgcc-12-dev-arm64-cross",
  "libc6-dev-arm64-cross",
  "linux-libc-dev-arm64-cross",
  "libc6-arm64-cross",
  "gcc-12-cross-base",
];

/** @param {string} [cacheDir] @returns {ProvidedArm64Toolchain | null} */
export function readProvidedArm64Toolchain(cacheDir = arm64CacheDir()) {
  const marker = /** @type {ProvidedArm64Toolchain | null} */ (readCacheRecord(path.join(cacheDir, "toolchain", MARKER), FORMAT));
  return marker && typeof marker.include === "string" && fs.existsSync(marker.gcc) && fs.existsSync(path.join(marker.include, "Python.h")) ? marker : null;
}

/**
 * What tools/layouts/generate_machine.mjs needs to probe the arm64 build's struct layout: Debian's
 * cross compiler (aarch64-linux-gnu-gcc-12 and its binutils, extracted into CACHE/toolchain and run
 * from there) and the arm64 libpython3.11-dev headers (into ROOT, beside the interpreter). Checked by
 * compiling a static program and running it under qemu. Cached like the interpreter.
 * @param {{ refresh?: boolean; cacheDir?: string }} [options]
 * @returns {Promise<{ python: ProvidedArm64Python; toolchain: ProvidedArm64Toolchain }>}
 */
export async function provideArm64Toolchain(options = {}) {
  const cacheDir = options.cacheDir ?? arm64CacheDir();
  const python = await provideArm64Python({ cacheDir });
  const cached = options.refresh ? null : readProvidedArm64Toolchain(cacheDir);
  if (cached) return { python, toolchain: cached };
  const release = await lockCache(cacheDir);
  try {
    const dir = path.join(cacheDir, "toolchain");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const archive = machineDebianArchive();
    const host = updatedApt(cacheDir, run("dpkg", ["--print-architecture"]).stdout.trim(), archive);
    const packages = downloadAndExtract(host.apt, CROSS_PACKAGES, cacheDir, dir);
    const guest = updatedApt(cacheDir, "arm64", archive);
    const dev = downloadAndExtract(guest.apt, [`libpython${ARM64_PYTHON_MINOR}-dev`], cacheDir, python.root);
    relativizeSymlinks(dir);
    const gcc = path.join(dir, "usr", "bin", "aarch64-linux-gnu-gcc-12");
    // binutils' own libraries (libbfd-…-arm64.so) are extracted with it, not installed.
    const libraryDir = fs
      .readdirSync(path.join(dir, "usr", "lib"))
      .find((name) => /-linux-gnu$/.test(name) && fs.readdirSync(path.join(dir, "usr", "lib", name)).some((file) => file.startsWith("libbfd-")));
    if (libraryDir === undefined) throw new DebianPythonsError(`binutils-aarch64-linux-gnu brought no libbfd into ${path.join(dir, "usr", "lib")}`);
    const libraryPath = path.join(dir, "usr", "lib", libraryDir);
    const include = path.join(python.root, "usr", "include", `python${ARM64_PYTHON_MINOR}`);
    const work = fs.mkdtempSync(path.join(cacheDir, ".check-"));
    try {
      fs.writeFileSync(
        path.join(work, "check.c"),
        '#include <pthread.h>\n#include <stdio.h>\nint main(void) { printf("%zu\\n", sizeof(pthread_mutex_t)); return 0; }\n',
      );
      const compiled = run(gcc, ["-static", path.join(work, "check.c"), "-o", path.join(work, "check")], {
        env: { ...process.env, LD_LIBRARY_PATH: libraryPath },
      });
      if (compiled.status !== 0) throw new DebianPythonsError(`${gcc} cannot build a static program:\n${tail(compiled.output)}`);
      const ran = run(python.qemu, [path.join(work, "check")]);
      if (ran.status !== 0 || !/^\d+$/.test(ran.stdout.trim()))
        throw new DebianPythonsError(`the cross-compiled check does not run under qemu:\n${tail(ran.output)}`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    if (!fs.existsSync(path.join(include, "Python.h")))
      throw new DebianPythonsError(`${include}/Python.h is missing after extracting libpython${ARM64_PYTHON_MINOR}-dev`);
    /** @type {ProvidedArm64Toolchain} */
    const toolchain = { format: FORMAT, gcc, libraryPath, include, packages: [...packages, ...dev].sort(), provided: new Date().toISOString() };
    writeFileAtomic(path.join(dir, MARKER), `${JSON.stringify(toolchain, null, 1)}\n`);
    return { python, toolchain };
  } finally {
    release();
  }
}

const HELP = `Usage: node tools/testing/arm64_python.mjs [--refresh] [--list] [--toolchain]

Provides Debian's arm64 CPython ${ARM64_PYTHON_MINOR} (of this machine's Debian suite) and qemu-aarch64-static, for
corestack's tests of aarch64 cores, in
${arm64CacheDir()}/
($CORESTACK_ARM64_CACHE, else \${XDG_CACHE_HOME:-~/.cache}/corestack/arm64): root/ is the arm64 sysroot,
qemu/qemu-aarch64-static the emulator. apt runs with a private state there; the archive and its keyring
come from this machine's apt sources. A cached build costs no network and no process.

  --refresh   provide again even when cached
  --list      print what the cache holds (no network), or why it holds nothing
  --toolchain also the cross compiler and the arm64 Python headers (for tools/layouts/generate_machine.mjs)
  -h, --help  this text

Prints: ID QEMU -L ROOT PYTHON
Exit codes: 0 provided; 1 failed; 2 usage; 3 the Debian archive is unreachable (the message says why).`;

/** @param {ProvidedArm64Python} provided */
function line(provided) {
  return `${provided.id} ${provided.qemu} -L ${provided.root} ${provided.python}`;
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { refresh: { type: "boolean" }, list: { type: "boolean" }, toolchain: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    process.stderr.write(`arm64_python: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.list) {
    const provided = readProvidedArm64Python();
    process.stdout.write(`${provided ? line(provided) : arm64PythonMissing()?.reason}\n`);
    return 0;
  }
  try {
    process.stdout.write(`${line(await provideArm64Python({ refresh: Boolean(values.refresh) }))}\n`);
    if (values.toolchain) process.stdout.write(`toolchain ${(await provideArm64Toolchain({ refresh: Boolean(values.refresh) })).toolchain.gcc}\n`);
    return 0;
  } catch (error) {
    const unreachable = DebianPythonsError.isInstance(error) && error.unreachable;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`arm64_python: ${unreachable ? "not provided" : "failed"}: ${unreachable ? message.split("\n")[0] : message}\n`);
    return unreachable ? 3 : 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}

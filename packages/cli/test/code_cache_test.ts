// The published command (dist/corestack.cjs) and V8's code cache it keeps (src/code_cache.ts): the
// cache changes nothing but speed. Whatever state the cache file is in — missing, truncated, of
// another Node, of another bundle, corrupt, rejected by V8, unwritable, written by several runs at
// once — the output is the output of the unbundled build, and a cache file left behind is whole.
// Runs `NODE` of _cli.ts (node_versions_test.ts runs this file under each Node major).
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeCache, type CodeCacheKey, checksumFunction, decodeCodeCache, fileIdentity } from "../src/code_cache.js";
import { makeCore } from "../../../tools/testing/cores.js";
import { BUNDLED_CLI, CLI, NODE } from "./_cli.js";
import { interpreterFor, skipReason } from "./_expect_output.js";

const python312 = interpreterFor(3, 12);
const BUNDLE_NAME = "corestack_bundle.js";
const checksum = checksumFunction()!;
/** process.version, process.versions.v8 and process.arch of NODE. */
const [nodeVersion, v8Version, arch] = spawnSync(NODE, ["-p", "`${process.version} ${process.versions.v8} ${process.arch}`"], { encoding: "utf8" })
  .stdout.trim()
  .split(" ") as [string, string, string];

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `NODE [nodeOptions] launcher args` with the cache in `cacheHome` (undefined: XDG_CACHE_HOME and HOME unset). */
function launch(
  launcher: string,
  args: readonly string[],
  cacheHome: string | undefined,
  options: { env?: Record<string, string>; nodeOptions?: string[] } = {},
): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", CORESTACK_CODE_CACHE: undefined, ...options.env };
  if (cacheHome === undefined) {
    delete env.XDG_CACHE_HOME;
    delete env.HOME;
  } else env.XDG_CACHE_HOME = cacheHome;
  const result = spawnSync(NODE, [...(options.nodeOptions ?? []), launcher, ...args], { encoding: "utf8", env, maxBuffer: 64 << 20, timeout: 120_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The files of a cache home's code-cache directory. */
function cacheFiles(cacheHome: string): string[] {
  try {
    return readdirSync(join(cacheHome, "corestack", "code-cache")).map((name) => join(cacheHome, "corestack", "code-cache", name));
  } catch {
    return [];
  }
}

/** The one cache file of a cache home (and no temporary file beside it). */
function onlyCacheFile(cacheHome: string): string {
  const files = cacheFiles(cacheHome);
  expect(files, "one cache file, no temporary file left").toHaveLength(1);
  expect(files[0]).toMatch(/\.bin$/);
  return files[0]!;
}

/** The bundle's checksum build.mjs put in a launcher. */
function builtChecksum(launcher: string): string {
  const found = /sourceChecksum: "([0-9a-f]{16})"/.exec(readFileSync(launcher, "utf8"));
  expect(found, `${launcher} carries the bundle's checksum`).not.toBeNull();
  return found![1]!;
}

/** Decodes a cache file as `launcher` of `bundle` under NODE would, or fails the test. */
function validCache(file: string, bundle: string, launcher = BUNDLED_CLI): CodeCache {
  const source = readFileSync(bundle);
  const key: CodeCacheKey = {
    node: nodeVersion,
    v8: v8Version,
    arch,
    sourceLength: source.length,
    sourceChecksum: builtChecksum(launcher),
    sourceFile: fileIdentity(statSync(bundle, { bigint: true })),
  };
  const cache = decodeCodeCache(readFileSync(file), key, checksum);
  expect(cache, `${file} is not a whole cache file of ${bundle} for Node ${nodeVersion}`).toBeDefined();
  return cache!;
}

let scratch = "";
let homes = 0;
/** A new, empty cache home. */
function freshHome(): string {
  const home = join(scratch, `home-${++homes}`);
  mkdirSync(home);
  return home;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-code-cache-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!python312)(`dist/corestack.cjs and its code cache (Node ${nodeVersion})`, () => {
  if (!python312) console.warn(`skipping the code cache tests: ${skipReason("CPython 3.12")}`);
  let core = "";
  let text = "";
  let json = "";

  beforeAll(async () => {
    core = (await makeCore(python312!, "threads")).core;
    // The reference: the unbundled build, which has no cache.
    const reference = (args: string[]) => {
      const result = spawnSync(NODE, [CLI, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20 });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    };
    text = reference(["core", core]);
    json = reference(["core", "--json", core]);
  }, 300_000);

  it("writes the cache after the first core run, uses it unchanged after, and completes it for the other output mode", () => {
    const home = freshHome();
    for (const args of [["--version"], ["core", core, "--help"], ["core", "-V"], ["core"], ["core", core, "--no-such-option"]]) {
      launch(BUNDLED_CLI, args, home);
      expect(cacheFiles(home), `${args.join(" ")}: analyses nothing, writes no cache`).toEqual([]);
    }
    const first = launch(BUNDLED_CLI, ["core", core], home);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(text);
    const file = onlyCacheFile(home);
    expect(validCache(file, BUNDLED_CLI.replace(/corestack\.cjs$/, BUNDLE_NAME)).modes).toBe(1);
    const written = readFileSync(file);
    const second = launch(BUNDLED_CLI, ["core", core], home);
    expect(second.stdout).toBe(text);
    expect(readFileSync(file).equals(written), "a cache that matched is not rewritten").toBe(true);
    const jsonRun = launch(BUNDLED_CLI, ["core", "--json", core], home);
    expect(jsonRun.status, jsonRun.stderr).toBe(0);
    expect(jsonRun.stdout).toBe(json);
    expect(validCache(onlyCacheFile(home), BUNDLED_CLI.replace(/corestack\.cjs$/, BUNDLE_NAME)).modes, "text and json").toBe(3);
    const completed = readFileSync(file);
    expect(launch(BUNDLED_CLI, ["core", "--json", core], home).stdout).toBe(json);
    expect(launch(BUNDLED_CLI, ["core", core], home).stdout).toBe(text);
    expect(readFileSync(file).equals(completed)).toBe(true);
  });

  it("loads none of the Node modules it avoids at start (node:module and with it the ES module loader, the stream modules, zlib, crypto, workers)", () => {
    const home = freshHome();
    for (const args of [
      ["core", core],
      ["core", "--json", core],
      ["core", core],
    ]) {
      const run = launch(BUNDLED_CLI, args, home, { env: { NODE_DEBUG: "module" } });
      expect(run.status, run.stderr).toBe(0);
      // Node 20 logs "node:vm", Node 22 and later "vm".
      const builtins = new Set([...run.stderr.matchAll(/load built-in module (?:node:)?(\S+)/g)].map((match) => match[1]));
      // Not vacuous: the modules it does load are logged.
      expect(builtins, run.stderr.slice(0, 2000)).toContain("vm");
      for (const avoided of ["module", "tty", "net", "stream", "zlib", "crypto", "worker_threads", "perf_hooks", "util"]) {
        expect(builtins.has(avoided), `${args.join(" ")} loaded node:${avoided}`).toBe(false);
      }
    }
  });

  it("writes no cache with CORESTACK_CODE_CACHE=0, nor without a home, and prints the same", () => {
    const home = freshHome();
    const off = launch(BUNDLED_CLI, ["core", core], home, { env: { CORESTACK_CODE_CACHE: "0" } });
    expect(off.stdout).toBe(text);
    expect(cacheFiles(home)).toEqual([]);
    const homeless = launch(BUNDLED_CLI, ["core", core], undefined);
    expect(homeless.status, homeless.stderr).toBe(0);
    expect(homeless.stdout).toBe(text);
  });

  describe("a stale or corrupt cache file is ignored and rewritten", () => {
    /** A home with a valid cache (text and json), and its file. */
    function warmed(): { home: string; file: string } {
      const home = freshHome();
      launch(BUNDLED_CLI, ["core", core], home);
      launch(BUNDLED_CLI, ["core", "--json", core], home);
      return { home, file: onlyCacheFile(home) };
    }
    const damages: { name: string; damage: (bytes: Buffer) => Buffer }[] = [
      { name: "truncated to half", damage: (bytes) => bytes.subarray(0, bytes.length >> 1) },
      { name: "truncated inside the header", damage: (bytes) => bytes.subarray(0, 30) },
      { name: "empty", damage: () => Buffer.alloc(0) },
      {
        name: "one bit of V8's data flipped",
        damage: (bytes) => {
          bytes[bytes.length - 1000]! ^= 0x04;
          return bytes;
        },
      },
      { name: "made by another Node version", damage: (bytes) => Buffer.from(bytes.toString("latin1").replace(` ${nodeVersion} `, " v19.0.0 "), "latin1") },
      { name: "made by another V8", damage: (bytes) => Buffer.from(bytes.toString("latin1").replace(` ${v8Version} `, " 1.2.3 "), "latin1") },
      {
        name: "made for another bundle (another checksum)",
        damage: (bytes) => Buffer.from(bytes.toString("latin1").replace(/^((?:\S+ ){6})[0-9a-f]{16}/, "$10000000000000000"), "latin1"),
      },
      {
        name: "made for another file of the bundle (another inode, size or time)",
        damage: (bytes) => Buffer.from(bytes.toString("latin1").replace(/^((?:\S+ ){7})(\d+):/, "$11$2:"), "latin1"),
      },
      { name: "not a cache file at all", damage: () => Buffer.from("#!/bin/sh\nrm -rf /\n") },
    ];
    for (const { name, damage } of damages) {
      it(name, () => {
        const { home, file } = warmed();
        writeFileSync(file, damage(readFileSync(file)));
        const result = launch(BUNDLED_CLI, ["core", core], home);
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toBe(text);
        expect(result.stderr).toBe("");
        expect(validCache(onlyCacheFile(home), BUNDLED_CLI.replace(/corestack\.cjs$/, BUNDLE_NAME)).modes).toBe(1);
      });
    }

    it("rejected by V8 (the process runs with other V8 flags): rewritten, the same output", () => {
      const { home, file } = warmed();
      const before = readFileSync(file);
      const flagged = launch(BUNDLED_CLI, ["core", core], home, { nodeOptions: ["--no-flush-bytecode"] });
      expect(flagged.status, flagged.stderr).toBe(0);
      expect(flagged.stdout).toBe(text);
      expect(readFileSync(onlyCacheFile(home)).equals(before), "V8 rejected the cache: it is rewritten for these flags").toBe(false);
      expect(launch(BUNDLED_CLI, ["core", core], home).stdout).toBe(text);
    });

    it("the bundle changed, even to one of the same length: the new code runs, and the cache is rewritten", () => {
      // A copy of the launcher and the bundle (no node_modules beside it: the pread fallback).
      const dist = join(scratch, "changed", "dist");
      mkdirSync(dist, { recursive: true });
      copyFileSync(BUNDLED_CLI, join(dist, "corestack.cjs"));
      const bundle = join(dist, BUNDLE_NAME);
      copyFileSync(BUNDLED_CLI.replace(/corestack\.cjs$/, BUNDLE_NAME), bundle);
      const launcher = join(dist, "corestack.cjs");
      const home = freshHome();
      expect(launch(launcher, ["core", core], home).stdout).toBe(text);
      const file = onlyCacheFile(home);
      validCache(file, bundle, launcher);
      // Same length, other text: V8 checks the source's length only, so a cache of the old bundle
      // would print the old heading.
      const source = readFileSync(bundle, "latin1");
      expect(source).toContain("`Traceback for thread");
      writeFileSync(bundle, source.replaceAll("`Traceback for thread", "`TRACEBACK for thread"), "latin1");
      expect(statSync(bundle).size).toBe(source.length);
      const changed = launch(launcher, ["core", core], home);
      expect(changed.status, changed.stderr).toBe(0);
      expect(changed.stdout).toBe(text.replaceAll("Traceback for thread", "TRACEBACK for thread"));
      validCache(onlyCacheFile(home), bundle, launcher);
      // And longer: a line appended.
      writeFileSync(bundle, `${readFileSync(bundle, "latin1")}\n// changed\n`, "latin1");
      expect(launch(launcher, ["core", core], home).stdout).toBe(text.replaceAll("Traceback for thread", "TRACEBACK for thread"));
      validCache(onlyCacheFile(home), bundle, launcher);
    });
  });

  it("an unwritable cache directory changes nothing but speed", () => {
    // A regular file where the cache directory would be: no mkdir succeeds there, even as root.
    const blocked = join(scratch, "blocked");
    writeFileSync(blocked, "a file, not a directory");
    for (const args of [
      ["core", core],
      ["core", "--json", core],
    ]) {
      const result = launch(BUNDLED_CLI, args, blocked);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe(args.includes("--json") ? json : text);
    }
    expect(readFileSync(blocked, "utf8")).toBe("a file, not a directory");
  });

  it("runs at the same time never leave a torn file: every output right, one whole cache file, no temporary file", async () => {
    const home = freshHome();
    const once = (args: string[]) =>
      new Promise<Run>((resolve) => {
        const child = spawn(NODE, [BUNDLED_CLI, ...args], { env: { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: home } });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
      });
    for (let round = 0; round < 3; round++) {
      // Cold in the first round, then mixed modes (a json run rewrites a text-only cache).
      const batch = Array.from({ length: 6 }, (_, index) => (index % 2 === 0 ? ["core", core] : ["core", "--json", core]));
      const results = await Promise.all(batch.map(once));
      results.forEach((result, index) => {
        expect(result.status, result.stderr).toBe(0);
        expect(result.stdout).toBe(batch[index]!.includes("--json") ? json : text);
      });
      validCache(onlyCacheFile(home), BUNDLED_CLI.replace(/corestack\.cjs$/, BUNDLE_NAME));
    }
  }, 120_000);
});

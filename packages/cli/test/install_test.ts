// The CLI as users install it: `pnpm pack` of packages/cli (the launcher dist/corestack.cjs and the
// bundle dist/corestack_bundle.js, see build.mjs), then `npm install -g --prefix <tmp> <tarball>`,
// which fetches `@riaskov/mmap-io` from the npm registry and compiles its addon. Needs the registry
// (skipped with a message when it cannot be reached) and `pnpm build` (run by `pnpm test`). Takes
// ~15 s, most of it npm.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { CODE_CACHE_FORMAT } from "../src/code_cache.js";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(PACKAGE_DIR, "dist", "corestack.cjs");
const packageJson = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as { name: string; version: string };
/** node, npm and pnpm for the child processes: the node running the tests first. */
const PATH = [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter);

/** The installed command, and its code cache directory (XDG_CACHE_HOME) inside the test's temporary directory. */
let bin = "";
let cacheHome: string | undefined;

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
): SpawnSyncReturns<string> {
  // Only the installed command: node-gyp (npm install) keeps Node's headers under XDG_CACHE_HOME too.
  const cache = command === bin && cacheHome !== undefined ? { XDG_CACHE_HOME: cacheHome } : {};
  return spawnSync(command, args, {
    cwd: options.cwd ?? PACKAGE_DIR,
    encoding: "utf8",
    env: { ...process.env, PATH, NO_COLOR: "1", ...cache, ...options.env },
    timeout: options.timeout ?? 60_000,
    maxBuffer: 64 << 20,
  });
}

function output(result: SpawnSyncReturns<string>): string {
  return `exit ${result.status}${result.error ? ` (${result.error.message})` : ""}\n${result.stdout}\n${result.stderr}`.trim();
}

/** Why the registry cannot be used, or undefined when `npm ping` answers. */
function registryProblem(): string | undefined {
  const ping = run("npm", ["ping", "--fetch-timeout=15000", "--fetch-retries=0"], { timeout: 40_000 });
  return ping.status === 0 ? undefined : `npm registry unreachable (npm ping: ${output(ping).split("\n").slice(0, 3).join(" ")})`;
}

const skip = !existsSync(BUNDLE) ? `${BUNDLE} is missing: run pnpm build` : registryProblem();
if (skip) console.warn(`skipping the install test: ${skip}`);
const cores = coreAvailability();

describe.skipIf(skip !== undefined)("the packed CLI installed with npm install -g", () => {
  let temporary: string;
  let tarball: string;
  let prefix: string;
  let installed: string;

  beforeAll(() => {
    temporary = mkdtempSync(join(tmpdir(), "corestack-install-"));
    const packed = run("pnpm", ["pack", "--pack-destination", temporary], { timeout: 120_000 });
    expect(packed.status, output(packed)).toBe(0);
    const tarballs = readdirSync(temporary).filter((name) => name.endsWith(".tgz"));
    expect(tarballs).toHaveLength(1);
    tarball = join(temporary, tarballs[0]!);
    prefix = join(temporary, "prefix");
    // With --prefix, npm would read its global npmrc from <prefix>/etc/npmrc and so lose this
    // machine's (registry, proxy, cafile): keep it. The addon compiles with node-gyp (~5 s).
    const globalconfig = run("npm", ["config", "get", "globalconfig"]).stdout.trim();
    const keepConfig = globalconfig && existsSync(globalconfig) ? ["--globalconfig", globalconfig] : [];
    const install = run("npm", ["install", "-g", "--prefix", prefix, ...keepConfig, "--no-audit", "--no-fund", "--loglevel=error", tarball], {
      cwd: temporary,
      timeout: 180_000,
    });
    expect(install.status, output(install)).toBe(0);
    bin = join(prefix, "bin", "corestack");
    cacheHome = join(temporary, "cache");
    installed = join(prefix, "lib", "node_modules", ...packageJson.name.split("/"));
  }, 300_000);

  afterAll(() => {
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  });

  it("packs only the launcher, the bundle, the decoders' script, the native script and the demangler's wasm (for --native), package.json and README.md, with no workspace: specifiers left", () => {
    const listing = run("tar", ["-tzf", tarball]);
    expect(listing.status, output(listing)).toBe(0);
    expect(listing.stdout.trim().split("\n").sort()).toEqual([
      "package/README.md",
      "package/dist/corestack.cjs",
      "package/dist/corestack_bundle.js",
      "package/dist/corestack_decompress.js",
      "package/dist/corestack_native.js",
      "package/dist/index_bg.wasm",
      "package/package.json",
    ]);
    const manifest = run("tar", ["-xzOf", tarball, "package/package.json"]);
    expect(manifest.stdout).not.toContain("workspace:");
    const bundled = JSON.parse(manifest.stdout) as { bin: Record<string, string>; dependencies?: object; optionalDependencies?: Record<string, string> };
    expect(bundled.bin).toEqual({ corestack: "./dist/corestack.cjs" });
    expect(bundled.dependencies ?? {}).toEqual({});
    expect(Object.keys(bundled.optionalDependencies ?? {})).toEqual(["@riaskov/mmap-io"]);
  });

  it("installs a corestack command that prints its version", () => {
    const result = run(bin, ["--version"]);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toBe(`corestack ${packageJson.version}\n`);
    expect(result.stderr).toBe("");
  });

  it("prints the usage with --help, as its README shows it", () => {
    const result = run(bin, ["--help"]);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toMatch(/^Usage: corestack core /);
    expect(result.stdout).toContain("Exit codes:");
    const readme = readFileSync(join(installed, "README.md"), "utf8");
    expect(readme, "README.md's usage block is not `corestack --help`: copy it again").toContain(`\`\`\`\n${result.stdout}\`\`\``);
  });

  it("compiled the native mmap binding at install", () => {
    expect(existsSync(join(installed, "node_modules", "@riaskov", "mmap-io", "build", "Release", "mmap_io.node"))).toBe(true);
  });

  describe.skipIf(!cores.ok)("on a real core", () => {
    let core: string;
    let expected: string;

    beforeAll(async () => {
      const interpreter = findInterpreters()[0];
      expect(interpreter, "no Python interpreter found").toBeDefined();
      core = (await makeCore(interpreter!, "simple")).core;
      // The workspace's unbundled build: the installed bundle must print exactly the same.
      const reference = corestack(["core", core]);
      expect(reference.status, reference.stderr).toBe(0);
      expected = reference.stdout;
    }, 300_000);

    // NODE_DEBUG=module makes Node's CommonJS loader log each require(): the addon is required
    // (with createRequire) only by the mmap backend.
    const loadsAddon = (stderr: string) => /MODULE \d+: load "[^"]*mmap_io\.node"/.test(stderr);

    it("prints the Python traceback of every thread, through the native mmap binding", () => {
      const result = run(bin, ["core", core], { env: { NODE_DEBUG: "module" } });
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toContain("Traceback for thread");
      expect(result.stdout).toBe(expected);
      expect(loadsAddon(result.stderr), "mmap_io.node was not loaded").toBe(true);
    });

    it("keeps V8's code cache of the bundle in XDG_CACHE_HOME after a core run, and prints the same with it", () => {
      const directory = join(cacheHome!, "corestack", "code-cache");
      const files = readdirSync(directory).filter((name) => name.endsWith(".bin"));
      expect(files, directory).toHaveLength(1);
      expect(readFileSync(join(directory, files[0]!), "latin1")).toMatch(new RegExp(`^corestack-code-cache ${CODE_CACHE_FORMAT} `));
      const again = run(bin, ["core", core]);
      expect(again.status, output(again)).toBe(0);
      expect(again.stdout).toBe(expected);
    });

    it("prints native frames with --native, from the unwinder script beside the bundle, as the workspace build does", () => {
      const result = run(bin, ["core", "--native", core]);
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toMatch(/^ {4}\(C\) .* in \w+/m);
      expect(result.stdout).toBe(corestack(["core", "--native", core]).stdout);
    });

    it("reads a gzip-compressed core with the decoders' script beside the bundle, as the workspace build does", () => {
      const compressed = join(temporary, "core.gz");
      writeFileSync(compressed, gzipSync(readFileSync(core), { level: 1 }));
      const result = run(bin, ["core", compressed]);
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toContain("Traceback for thread");
      expect(result.stdout).toBe(corestack(["core", compressed]).stdout);
    });

    it("prints the same with --json as the workspace build", () => {
      const result = run(bin, ["core", "--json", core]);
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toBe(corestack(["core", "--json", core]).stdout);
      expect((JSON.parse(result.stdout) as { schema: number }).schema).toBe(1);
    });

    it("reads through the pread fallback with CORESTACK_NO_MMAP=1", () => {
      const result = run(bin, ["core", core], { env: { CORESTACK_NO_MMAP: "1", NODE_DEBUG: "module" } });
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toBe(expected);
      expect(loadsAddon(result.stderr)).toBe(false);
    });

    it("still works when the native binding is missing (as when it failed to compile)", () => {
      const build = join(installed, "node_modules", "@riaskov", "mmap-io", "build");
      const hidden = `${build}.hidden`;
      renameSync(build, hidden);
      try {
        const result = run(bin, ["core", core], { env: { NODE_DEBUG: "module" } });
        expect(result.status, output(result)).toBe(0);
        expect(result.stdout).toContain("Traceback for thread");
        expect(result.stdout).toBe(expected);
        expect(loadsAddon(result.stderr)).toBe(false);
      } finally {
        renameSync(hidden, build);
      }
    });
  });
});

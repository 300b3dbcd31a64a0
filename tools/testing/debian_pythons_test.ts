// Debian's newer CPython builds (tools/testing/debian_pythons.mjs): what the provider left in its
// cache runs, is the build its id says, and is the kind of executable corestack must handle. The
// provider itself runs before the tests (.ci/run, or by hand); these tests never reach the network:
// a version not provided skips saying why, a provider that failed (not merely offline) fails here.
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEBIAN_PYTHON_MINORS,
  type ProvidedDebianPython,
  debianPythonSkipReason,
  debianPythonsStatus,
  findInterpreters,
  provideDebianPython,
} from "./core_maker.mjs";

const status = debianPythonsStatus();
const hasReadelf = spawnSync("readelf", ["--version"]).status === 0;

function providedFor(minor: string): ProvidedDebianPython | undefined {
  return status.provided.find((build) => build.minor === minor);
}

/** Runs an interpreter as the scenarios do: no PYTHON* from the caller. */
function runPython(python: string, code: string): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("PYTHON")) env[key] = value;
  return spawnSync(python, ["-c", code], { encoding: "utf8", timeout: 60_000, env: { ...env, LC_ALL: "C.UTF-8" } });
}

function readelf(flags: string, file: string): string {
  const result = spawnSync("readelf", ["-W", flags, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const CHECK = "import sys, threading, ctypes; print('%d.%d.%d' % sys.version_info[:3], sys.prefix, hasattr(sys, 'gettotalrefcount'))";

describe("Debian's newer CPython builds (debian_pythons.mjs)", () => {
  it("the last provider run did not fail (unreachable suites are a skip, not a failure)", (context) => {
    if (!status.ran) return context.skip(`the provider has not run with the cache ${status.cacheDir} (node tools/testing/debian_pythons.mjs)`);
    const failed = Object.entries(status.missing).filter(([, missing]) => missing.failed);
    expect(failed.map(([minor, missing]) => `${minor}: ${missing.reason}`)).toEqual([]);
  });

  for (const minor of DEBIAN_PYTHON_MINORS) {
    describe(`Debian ${minor}`, () => {
      it(`${minor}: a cached provision is idempotent: no process, marker untouched`, async (context) => {
        const provided = providedFor(minor);
        if (!provided) return context.skip(debianPythonSkipReason(minor) ?? "");
        const marker = path.join(provided.dir, ".provided.json");
        const before = fs.statSync(marker).mtimeMs;
        // With no PATH, apt-get, dpkg-deb or patchelf could not even start: the cached path must not need them.
        const savedPath = process.env["PATH"];
        process.env["PATH"] = path.join(os.tmpdir(), "corestack-no-such-directory");
        let again;
        try {
          again = await provideDebianPython(minor, { dbg: provided.dbg !== null });
        } finally {
          process.env["PATH"] = savedPath;
        }
        expect(again.cached).toBe(true);
        expect(again.python).toBe(provided.python);
        expect(again.id).toBe(provided.id);
        expect(fs.statSync(marker).mtimeMs).toBe(before);
      });

      it(`${minor}: runs import sys, threading, ctypes and is the version its id says; findInterpreters() lists it`, (context) => {
        const provided = providedFor(minor);
        if (!provided) return context.skip(debianPythonSkipReason(minor) ?? "");
        expect(provided.id).toBe(`debian-${provided.version}`);
        expect(provided.version.startsWith(`${minor}.`)).toBe(true);
        const builds = [{ id: provided.id, python: provided.python, debug: false }];
        if (provided.dbg) builds.push({ id: provided.dbg.id, python: provided.dbg.python, debug: true });
        const interpreters = findInterpreters();
        for (const build of builds) {
          const result = runPython(build.python, CHECK);
          expect(result.status, `${build.python}: ${result.stderr}`).toBe(0);
          // sys.prefix is computed from the executable's own location: no PYTHONHOME, no pyvenv.cfg.
          expect(result.stdout.trim()).toBe(`${provided.version} ${path.join(provided.dir, "usr")} ${build.debug ? "True" : "False"}`);
          const listed = interpreters.find((interpreter) => interpreter.id === build.id);
          expect(listed, `findInterpreters() has ${build.id}`).toBeDefined();
          expect(listed?.executable).toBe(fs.realpathSync(build.python));
          expect(listed?.version).toBe(provided.version);
          expect(listed?.source).toBe("debian");
          expect(listed?.libpython).toBeNull();
        }
      });

      it(`${minor}: non-PIE, static libpython, stripped with .gnu_debuglink, on its own glibc (readelf)`, (context) => {
        const provided = providedFor(minor);
        if (!provided) return context.skip(debianPythonSkipReason(minor) ?? "");
        if (!hasReadelf) return context.skip("readelf is not installed (binutils)");
        const ownLibraries = path.join(provided.dir, "usr", "lib");
        expect(readelf("-h", provided.python)).toMatch(/Type:\s+EXEC /);
        const sections = readelf("-S", provided.python);
        expect(sections).toContain(" .PyRuntime ");
        expect(sections).toContain(" .gnu_debuglink ");
        expect(sections).not.toContain(" .symtab ");
        expect(sections).not.toContain(" .debug_info ");
        const dynamic = readelf("-d", provided.python);
        expect(dynamic).not.toMatch(/NEEDED.*libpython/);
        // DT_RPATH, not DT_RUNPATH: it also applies to what extension modules load (libssl for _ssl…).
        expect(dynamic).toMatch(/\(RPATH\)/);
        expect(dynamic).toContain(`Library rpath: [${ownLibraries}/`);
        expect(readelf("-l", provided.python)).toContain(`[Requesting program interpreter: ${ownLibraries}/`);
        expect(fs.existsSync(path.join(provided.include, "internal", "pycore_frame.h"))).toBe(true);
      });
    });
  }

  it("3.14 -dbg: a Py_DEBUG interpreter with its symbols, and the detached debug info of the normal one", (context) => {
    const skip = debianPythonSkipReason("3.14", { dbg: true });
    if (skip) return context.skip(skip);
    if (!hasReadelf) return context.skip("readelf is not installed (binutils)");
    const provided = providedFor("3.14") as ProvidedDebianPython;
    const dbg = provided.dbg as NonNullable<ProvidedDebianPython["dbg"]>;
    expect(dbg.id).toBe(`${provided.id}-dbg`);
    expect(readelf("-h", dbg.python)).toMatch(/Type:\s+EXEC /);
    const sections = readelf("-S", dbg.python);
    expect(sections).toContain(" .PyRuntime ");
    expect(sections).toContain(" .symtab ");
    expect(sections).toContain(" .debug_info ");
    const buildId = /Build ID: ([0-9a-f]+)/.exec(readelf("-n", provided.python))?.[1] ?? "";
    expect(buildId).toMatch(/^[0-9a-f]{40}$/);
    const detached = path.join(provided.dir, "usr", "lib", "debug", ".build-id", buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
    expect(fs.existsSync(detached), detached).toBe(true);
  });
});

describe("debianPythonsStatus() and the skip reasons (a scratch cache, no network)", () => {
  const saved = process.env["CORESTACK_PYTHONS_CACHE"];
  afterEach(() => {
    if (saved === undefined) delete process.env["CORESTACK_PYTHONS_CACHE"];
    else process.env["CORESTACK_PYTHONS_CACHE"] = saved;
  });

  function scratch(statusJson?: unknown): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "corestack-pythons-"));
    if (statusJson) fs.writeFileSync(path.join(dir, "status.json"), JSON.stringify(statusJson));
    process.env["CORESTACK_PYTHONS_CACHE"] = dir;
    return dir;
  }

  it("says the provider never ran, with the command to run", () => {
    const dir = scratch();
    try {
      const answer = debianPythonsStatus();
      expect(answer.ran).toBe(false);
      expect(answer.provided).toEqual([]);
      expect(Object.keys(answer.missing).sort()).toEqual([...DEBIAN_PYTHON_MINORS].sort());
      expect(debianPythonSkipReason("3.14")).toBe(
        `Debian 3.14 not provided: the provider has not run with the cache ${dir} (\`node tools/testing/debian_pythons.mjs 3.14\`)`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes on why the suites were unreachable (a skip) and tells a broken provider apart (a failure)", () => {
    const at = "2026-01-01T00:00:00.000Z";
    const dir = scratch({
      format: 1,
      versions: {
        "3.13": {
          ok: false,
          unreachable: true,
          reason: "the Debian suites are unreachable: the download failed: Could not resolve 'deb.debian.org'\nmore",
          dbg: false,
          at,
        },
        "3.15": { ok: false, unreachable: false, reason: "patchelf failed", dbg: false, at },
      },
    });
    try {
      const answer = debianPythonsStatus();
      expect(answer.ran).toBe(true);
      expect(answer.missing["3.13"]).toEqual({
        reason: `the Debian suites are unreachable: the download failed: Could not resolve 'deb.debian.org' (${at})`,
        failed: false,
      });
      expect(answer.missing["3.15"]).toEqual({ reason: `patchelf failed (${at})`, failed: true });
      expect(answer.missing["3.14"]?.reason).toContain("has not been run for 3.14");
      expect(debianPythonSkipReason("3.13")).toMatch(/^Debian 3\.13 not provided: the Debian suites are unreachable: .*Could not resolve/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

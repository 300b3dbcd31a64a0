import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findInterpreters } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectNoStackTrace, expectOneErrorLine, interpreterFor, skipReason } from "./_expect_output.js";
import { type RelocatedCore, relocatedCore } from "./_relocated_python.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);
const usable = python312?.libpython != null;

/** The GNU build-id of an ELF file, as readelf prints it, or undefined. */
function buildId(file: string): string | undefined {
  const result = spawnSync("readelf", ["-n", file], { encoding: "utf8" });
  return /Build ID: ([0-9a-f]+)/.exec(result.stdout ?? "")?.[1];
}

describe.skipIf(!usable)("a core whose interpreter has moved since it ran (3.12, shared libpython)", () => {
  if (!usable) console.warn(`skipping relocation: ${skipReason("CPython 3.12 with a shared libpython")}`);
  let moved: RelocatedCore;
  let ranExecutable: string;
  let ranLibpython: string;
  let scratch = "";
  beforeAll(async () => {
    moved = await relocatedCore(python312!, "threads");
    if (moved.ms > 0) console.info(`relocation: copied ${python312!.id} and made its core in ${Math.round(moved.ms)} ms (cached for next time)`);
    ranExecutable = join(moved.ranFrom, moved.executableName);
    ranLibpython = join(moved.ranFrom, moved.libpythonName);
    scratch = mkdtempSync(join(tmpdir(), "corestack-relocation-"));
  }, 300_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("(the setup) the process ran from A, which is gone; its stdlib frames are A's; the tree is in B now", () => {
    expect(existsSync(moved.ranFrom)).toBe(false);
    expect(existsSync(join(moved.movedTo, moved.executableName))).toBe(true);
    expect(existsSync(join(moved.movedTo, moved.libpythonName))).toBe(true);
    const files = moved.truth.threads.flatMap((t) => t.frames.map((f) => f.file));
    expect(
      files.some((file) => file.startsWith(`${moved.ranFrom}/lib/`)),
      files.join("\n"),
    ).toBe(true);
  });

  it("without search options: exit 3, the error names the missing files and suggests --lib-search-path / --lib-search-root", () => {
    const run = corestack(["core", moved.core]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toBe("");
    const error = expectOneErrorLine(run.stderr);
    expect(error).toContain(ranLibpython);
    expect(error).toContain(ranExecutable);
    // Each path is tried once (the executable is both the detected EXECUTABLE and a recorded path).
    expect(error).not.toContain(`${ranExecutable}, ${ranExecutable}`);
    expect(run.stderr).toContain("--lib-search-path");
    expect(run.stderr).toContain("--lib-search-root");
  });

  const searches: { name: string; args: (b: string) => string[] }[] = [
    { name: "--lib-search-root B", args: (b) => ["--lib-search-root", b] },
    { name: "--lib-search-path B/bin:B/lib", args: (b) => ["--lib-search-path", `${b}/bin:${b}/lib`] },
    { name: "--lib-search-path B/bin --lib-search-path B/lib", args: (b) => ["--lib-search-path", `${b}/bin`, "--lib-search-path", `${b}/lib`] },
  ];
  for (const { name, args } of searches) {
    it(`${name}: exit 0, the files found in B, the stacks equal the truth`, () => {
      const b = moved.movedTo;
      const run = corestack(["core", moved.core, "--json", "--verbose", ...args(b)]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain(`using ${join(b, moved.libpythonName)} for ${ranLibpython}`);
      expect(run.stderr).toContain(`using ${join(b, moved.executableName)} for ${ranExecutable}`);
      expect(run.stderr).not.toMatch(/^warning:/m);
      expectMatchesTruth(moved, JSON.parse(run.stdout) as JsonReport);
    });
  }

  it("the executable found but libpython still missing (--lib-search-path B/bin): exit 3 naming libpython, no stack trace", () => {
    const run = corestack(["core", moved.core, "--lib-search-path", `${moved.movedTo}/bin`]);
    expect(run.status, run.stderr).toBe(3);
    expectNoStackTrace(run.stderr);
    expect(expectOneErrorLine(run.stderr)).toContain(basename(moved.libpythonName));
  });

  const other = findInterpreters().find((i) => i.libpython !== null && i.minor !== python312?.minor && buildId(i.libpython) !== undefined);
  it.skipIf(!other)("another interpreter's libpython under the recorded name: a warning naming both build-ids, never an internal error", () => {
    const expected = buildId(join(moved.movedTo, moved.libpythonName));
    const wrong = buildId(other!.libpython!);
    expect(expected).toBeDefined();
    expect(wrong).toBeDefined();
    expect(wrong).not.toBe(expected);
    const impostor = join(scratch, "impostor");
    rmSync(impostor, { recursive: true, force: true });
    symlinkSync(other!.libpython!, join(scratch, basename(moved.libpythonName)));
    const run = corestack(["core", moved.core, "--lib-search-path", `${moved.movedTo}/bin:${scratch}`]);
    expect(run.stderr).toMatch(
      new RegExp(
        `^warning: ${join(scratch, basename(moved.libpythonName)).replaceAll(".", "\\.")} is not the file the process had mapped: its build-id is ${wrong}, the core's is ${expected}$`,
        "m",
      ),
    );
    expect([0, 1, 3], run.stderr).toContain(run.status);
    expectNoStackTrace(run.stderr);
  });
});

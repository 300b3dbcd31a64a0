// Files that change while corestack reads them, and files whose size is not their length
// (issue 9, items 1–3): always exit 3 with one line naming the file, or a skipped library with a
// warning; never SIGBUS (exit 135, nothing said) nor an internal error (exit 4).
//
// Deterministic: CORESTACK_TEST_PAUSE_AFTER_OPEN=FILE makes the CLI stop right after it opened
// (and mapped) FILE and wait for a byte on stdin; the test truncates FILE meanwhile, then lets it go on.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, makeCore } from "../../../tools/testing/cores.js";
import { CLI, corestack } from "./_cli.js";
import { expectOneErrorLine, interpreterFor, skipReason } from "./_expect_output.js";
import { type RelocatedCore, relocatedCore } from "./_relocated_python.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);
const usable = python312?.libpython != null;
const SYSFS = "/sys/kernel/mm/transparent_hugepage/enabled";
const BACKENDS = [
  { name: "mmap", env: {} as Record<string, string> },
  { name: "pread (CORESTACK_NO_MMAP=1)", env: { CORESTACK_NO_MMAP: "1" } as Record<string, string> },
];
const PAUSED = "corestack-test: paused after opening ";

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-file-changed-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * Runs the built CLI with `args`, pausing it right after it opens `pauseAt`; `whilePaused` runs
 * then, and the CLI goes on when it returns.
 * @returns exit code, signal, stdout, stderr without the pause line, and whether it paused.
 */
function runPaused(
  args: readonly string[],
  env: Record<string, string>,
  pauseAt: string,
  whilePaused: () => void,
): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; paused: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env, CORESTACK_TEST_PAUSE_AFTER_OPEN: pauseAt },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let paused = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => {
      stderr += data.toString();
      if (!paused && stderr.includes(`${PAUSED}${pauseAt}\n`)) {
        paused = true;
        try {
          whilePaused();
        } catch (error) {
          reject(error as Error);
        }
        child.stdin.end("\n");
      }
    });
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (!paused) child.stdin.destroy();
      resolve({ status, signal, stdout, stderr: stderr.replace(`${PAUSED}${pauseAt}\n`, ""), paused });
    });
  });
}

/** `… changed while it was read (it is now shorter): it had SIZE bytes when opened, 4096 now; reading offset 0x… failed` */
function changedLine(path: string, size: number): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${escaped} changed while it was read \\(it is now shorter\\): it had ${size} bytes when opened, 4096 now; reading offset 0x[0-9a-f]+ failed$`,
  );
}

describe.skipIf(!python312)("a core truncated while corestack reads it (3.12)", () => {
  if (!python312) console.warn(`skipping: ${skipReason("CPython 3.12")}`);
  let made: CoreCase;
  beforeAll(async () => {
    made = await makeCore(python312!, "threads");
  }, 300_000);

  for (const backend of BACKENDS) {
    it(`${backend.name}: exit 3, one line naming the core, its size when opened and now`, async () => {
      const copy = join(scratch, `core-${backend.env.CORESTACK_NO_MMAP ? "pread" : "mmap"}`);
      copyFileSync(made.core, copy);
      const size = statSync(copy).size;
      // Without the pause, the same run reads the whole core: exit 0.
      expect(corestack(["core", copy, "--json"], backend.env).status).toBe(0);
      const run = await runPaused(["core", copy], backend.env, copy, () => truncateSync(copy, 4096));
      expect(run.paused, run.stderr).toBe(true);
      expect(run.signal, run.stderr).toBeNull();
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(run.stderr.split("\n").filter((line) => line !== "")).toHaveLength(1);
      expect(expectOneErrorLine(run.stderr)).toMatch(changedLine(copy, size));
    });
  }
});

describe.skipIf(!usable)("a library truncated after corestack opened it (3.12, shared libpython)", () => {
  if (!usable) console.warn(`skipping: ${skipReason("CPython 3.12 with a shared libpython")}`);
  let moved: RelocatedCore;
  beforeAll(async () => {
    moved = await relocatedCore(python312!, "threads");
  }, 300_000);

  for (const backend of BACKENDS) {
    it(`${backend.name}: exit 3, one line naming the library`, async () => {
      const lib = join(scratch, `lib-${backend.env.CORESTACK_NO_MMAP ? "pread" : "mmap"}`);
      mkdirSync(lib, { recursive: true });
      const libpython = join(lib, basename(moved.libpythonName));
      copyFileSync(join(moved.movedTo, moved.libpythonName), libpython);
      const size = statSync(libpython).size;
      const args = ["core", moved.core, join(moved.movedTo, moved.executableName), "--lib-search-path", lib];
      expect(corestack([...args, "--json"], backend.env).status).toBe(0);
      const run = await runPaused(args, backend.env, libpython, () => truncateSync(libpython, 4096));
      expect(run.paused, run.stderr).toBe(true);
      expect(run.signal, run.stderr).toBeNull();
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(expectOneErrorLine(run.stderr)).toMatch(changedLine(libpython, size));
    });
  }
});

describe.skipIf(!existsSync(SYSFS))("a sysfs file (its size says 4096, it holds a few bytes)", () => {
  for (const backend of BACKENDS) {
    it(`${backend.name}: as CORE, exit 3, one line saying what it is`, () => {
      const run = corestack(["core", SYSFS], backend.env);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(expectOneErrorLine(run.stderr)).toBe(`Not a regular file: ${SYSFS} (a file of sysfs, whose size is not its length)`);
    });

    it.skipIf(!python312)(
      `${backend.name}: as EXECUTABLE (of a real core), exit 3, one line saying what it is`,
      async () => {
        const made = await makeCore(python312!, "threads");
        const run = corestack(["core", made.core, SYSFS], backend.env);
        expect(run.status, run.stderr).toBe(3);
        expect(run.stdout).toBe("");
        expect(expectOneErrorLine(run.stderr)).toBe(`Not a regular file: ${SYSFS} (the EXECUTABLE argument) (a file of sysfs, whose size is not its length)`);
      },
      300_000,
    );
  }

  describe.skipIf(!usable)("reached as libpython through a symlink under --lib-search-root", () => {
    let moved: RelocatedCore;
    beforeAll(async () => {
      moved = await relocatedCore(python312!, "threads");
    }, 300_000);

    for (const backend of BACKENDS) {
      it(`${backend.name}: skipped with a warning; the real copy further on is used, the stacks equal the truth`, () => {
        const root = join(scratch, `root-${backend.env.CORESTACK_NO_MMAP ? "pread" : "mmap"}`);
        // The candidate tried first: ROOT + the recorded path, a symlink to sysfs.
        const decoy = join(root, moved.ranFrom, moved.libpythonName);
        mkdirSync(join(decoy, ".."), { recursive: true });
        symlinkSync(SYSFS, decoy);
        // Found later by name under the root: the real file.
        mkdirSync(join(root, "z"), { recursive: true });
        symlinkSync(join(moved.movedTo, moved.libpythonName), join(root, "z", basename(moved.libpythonName)));
        const run = corestack(["core", moved.core, join(moved.movedTo, moved.executableName), "--lib-search-root", root, "--json"], backend.env);
        expect(run.status, run.stderr).toBe(0);
        const warning = `${decoy} is not used: a file of sysfs, whose size is not its length`;
        expect(run.stderr.split("\n")).toContain(`warning: ${warning}`);
        const json = JSON.parse(run.stdout) as JsonReport & { warnings: string[] };
        expect(json.warnings).toContain(warning);
        expectMatchesTruth(moved, json);
      });
    }
  });
});

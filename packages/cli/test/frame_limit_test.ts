// The frame limit of all threads together, on a real core at its real value: a CPython 3.12
// process whose 11 threads each recurse 95 000 frames deep (1.05 million frames; 3.12 runs
// Python-to-Python calls without C recursion, so this takes a second). Each thread is under its
// own limit (100 000); together they pass MAX_TOTAL_FRAMES. corestack must say so, stay within
// memory and V8's string limit, and print valid output. The core (~250 MB) is made in a temporary
// directory and removed: it is too large to cache.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_TOTAL_FRAMES } from "@corestack/cpython";
import { coreAvailability } from "../../../tools/testing/cores.js";
import { CLI } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";

const python312 = interpreterFor(3, 12);
const availability = coreAvailability();
const THREADS = 11;
const DEPTH = 95_000;

const PROGRAM = `
import os, sys, threading, time
sys.setrecursionlimit(1_000_000)
ready = threading.Barrier(${THREADS} + 1)
def down(n):
    if n == 0:
        ready.wait()
        time.sleep(1000)
    return down(n - 1)
for i in range(${THREADS}):
    threading.Thread(target=down, args=(${DEPTH},), daemon=True).start()
ready.wait()
time.sleep(0.5)
os.abort()
`;

describe.skipIf(!python312 || !availability.ok)("the frame limit of all threads together, on a real core", () => {
  const directory = mkdtempSync(join(tmpdir(), "corestack-deep-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(`11 threads of 95 000 frames: about ${MAX_TOTAL_FRAMES} frames printed, the thread at the limit marked, the rest named in a warning, exit 1`, () => {
    writeFileSync(join(directory, "deep.py"), PROGRAM);
    const made = spawnSync("bash", ["-c", `ulimit -c unlimited && exec "$0" deep.py`, python312!.executable], {
      cwd: directory,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(made.signal ?? made.status, made.stderr).toBe("SIGABRT");
    const run = spawnSync(process.execPath, [CLI, "core", join(directory, "core"), "--json"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      maxBuffer: 1 << 29,
      timeout: 120_000,
    });
    expect(run.status, run.stderr.slice(0, 2000)).toBe(1);
    const report = JSON.parse(run.stdout) as { threads: { tid: number; frames: { function: string }[]; error?: string }[] };
    const total = report.threads.reduce((sum, thread) => sum + thread.frames.length, 0);
    expect(total).toBeLessThanOrEqual(MAX_TOTAL_FRAMES);
    expect(total).toBeGreaterThan(MAX_TOTAL_FRAMES - DEPTH - 100);
    const limited = report.threads.filter((thread) => thread.error?.startsWith("the frame limit of all threads together was reached"));
    expect(limited).toHaveLength(1);
    // The threads read in full are what the program made: DEPTH + 1 calls of down() each.
    const full = report.threads.filter((t) => t.error === undefined && t.frames.some((f) => f.function === "down"));
    expect(full.length).toBeGreaterThanOrEqual(Math.floor(MAX_TOTAL_FRAMES / DEPTH) - 1);
    for (const thread of full) expect(thread.frames.filter((f) => f.function === "down")).toHaveLength(DEPTH + 1);
    expect(run.stderr).toMatch(/^warning: the frame limit of all threads together \(1000000\) was reached: the threads after thread \d+ are not read$/m);
    expect(run.stderr).toMatch(/^corestack: 1 of \d+ threads could not be read completely: \d+$/m);
  }, 300_000);
});

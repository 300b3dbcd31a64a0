import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreFile } from "@corestack/elf";
import { mmapStatus, openFile } from "@corestack/mmap";
import { CoreTarget } from "@corestack/symbols";
import { describe, expect, it } from "vitest";
import { makeCore } from "../../../tools/testing/cores.js";
import { CLI, corestack } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);
const strace = spawnSync("strace", ["-V"]).status === 0;

/**
 * The `pread64` calls a CLI run makes on `file`, from `strace -f -y` (which prints each
 * descriptor's path), and the run's exit code.
 */
function preadsOf(file: string, args: readonly string[], env: Record<string, string>): { status: number | null; preads: number; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "corestack-big-core-"));
  try {
    const log = join(dir, "strace.log");
    const run = spawnSync("strace", ["-f", "-y", "-qq", "-e", "trace=pread64", "-o", log, process.execPath, CLI, ...args], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ...env },
      maxBuffer: 256 << 20,
      timeout: 300_000,
    });
    const preads = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => line.includes(`pread64(`) && line.includes(`<${file}>`)).length;
    return { status: run.status, preads, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!python312)("a core larger than 3 GiB (sparse on disk)", () => {
  it("is read right past 2 GiB into the file, with the mmap backend and with the pread fallback", async () => {
    const made = await makeCore(python312!, "big_core");
    expect(statSync(made.core).size).toBeGreaterThan(3 * 2 ** 30);
    // Not vacuous: the interpreter's runtime state lies past 2 GiB into the core file, where
    // upstream's mmap binding cannot map (its offsets are C ints) and reads went through the page
    // cache. The patched binding maps it: the bytes are a view of its (1 GiB, or last) window.
    const core = new CoreFile(openFile(made.core));
    const runtime = new CoreTarget(core).findSymbol("_PyRuntime")!;
    expect(core.segmentAt(runtime.address)!.offset).toBeGreaterThan(2 ** 31);
    expect(mmapStatus().maxMappedOffset, mmapStatus().summary).toBeGreaterThan(statSync(made.core).size);
    const offset = core.segmentAt(runtime.address)!.offset + Number(runtime.address - core.segmentAt(runtime.address)!.start);
    const windowStart = Math.floor(offset / 2 ** 30) * 2 ** 30;
    const view = core.read(runtime.address, 8);
    expect(view.buffer.byteLength, "a view of the mapped window, not of a 64 KiB page read with pread").toBe(
      Math.min(2 ** 30, statSync(made.core).size - windowStart),
    );
    expect(view.byteOffset).toBe(offset - windowStart);
    for (const env of [{}, { CORESTACK_NO_MMAP: "1" }]) {
      const run = corestack(["core", made.core, "--json"], env);
      expect(run.status, run.stderr).toBe(0);
      expectMatchesTruth(made, JSON.parse(run.stdout) as JsonReport);
    }
  });

  it.skipIf(!strace)("is read with no pread of the core under mmap (strace), and with preads under CORESTACK_NO_MMAP=1", async () => {
    const made = await makeCore(python312!, "big_core");
    const mapped = preadsOf(made.core, ["core", made.core, "--json"], {});
    expect(mapped.status, mapped.stderr).toBe(0);
    expect(mapped.preads).toBe(0);
    // The check sees preads when there are some.
    const read = preadsOf(made.core, ["core", made.core, "--json"], { CORESTACK_NO_MMAP: "1" });
    expect(read.status, read.stderr).toBe(0);
    expect(read.preads).toBeGreaterThan(10);
  });
});

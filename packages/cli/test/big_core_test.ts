import { statSync } from "node:fs";
import { CoreFile } from "@corestack/elf";
import { openFile } from "@corestack/mmap";
import { CoreTarget } from "@corestack/symbols";
import { describe, expect, it } from "vitest";
import { makeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { interpreterFor } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);

describe.skipIf(!python312)("a core larger than 3 GiB (sparse on disk)", () => {
  it("is read right past 2 GiB into the file, with the mmap backend and with the pread fallback", async () => {
    const made = await makeCore(python312!, "big_core");
    expect(statSync(made.core).size).toBeGreaterThan(3 * 2 ** 30);
    // Not vacuous: the interpreter's runtime state lies past 2 GiB into the core file, where the
    // mmap binding cannot map (its offsets are C ints) and reads go through the page cache.
    const core = new CoreFile(openFile(made.core));
    const runtime = new CoreTarget(core).findSymbol("_PyRuntime")!;
    expect(core.segmentAt(runtime.address)!.offset).toBeGreaterThan(2 ** 31);
    for (const env of [{}, { CORESTACK_NO_MMAP: "1" }]) {
      const run = corestack(["core", made.core, "--json"], env);
      expect(run.status, run.stderr).toBe(0);
      expectMatchesTruth(made, JSON.parse(run.stdout) as JsonReport);
    }
  });
});

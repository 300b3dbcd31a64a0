// The thread names of a 3.11+ process are found by looking `sys.modules['threading']` and
// `threading._active` up as CPython does (the key's SipHash-1-3 under the process's
// `_Py_HashSecret` picks the slot) instead of reading the dicts item by item: the same names from
// far fewer reads. Without the secret (hidden here) the item-by-item reading gives them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CoreFile, bufferSource } from "@corestack/elf";
import { CoreTarget } from "@corestack/symbols";
import { type PythonTarget, analyse } from "@corestack/cpython";
import { makeCore } from "../../../tools/testing/cores.js";
import { interpreterFor, skipReason } from "./_expect_output.js";

/** A target that counts its reads, and hides `_Py_HashSecret` when asked. */
function counting(target: CoreTarget, hideSecret: boolean): { target: PythonTarget; reads: () => number } {
  let reads = 0;
  const wrapped: PythonTarget = {
    read: (address, length) => {
      reads += 1;
      return target.read(address, length);
    },
    findSymbol: (name, options) => (hideSecret && name === "_Py_HashSecret" ? undefined : target.findSymbol(name, options)),
    modules: () => target.modules(),
    threads: () => target.threads(),
    machine: target.machine,
  };
  return { target: wrapped, reads: () => reads };
}

for (const minor of [11, 12, 13, 14, 15]) {
  const python = interpreterFor(3, minor);
  describe.skipIf(!python)(`CPython 3.${minor}: thread names by hash lookup`, () => {
    if (!python) console.warn(`skipping the 3.${minor} dict lookup test: ${skipReason(`CPython 3.${minor}`)}`);
    it("names the same threads as the item-by-item reading, with fewer reads", async () => {
      const c = await makeCore(python!, "threads");
      const run = (hideSecret: boolean) => {
        const core = new CoreFile(bufferSource(readFileSync(c.core)));
        const { target, reads } = counting(new CoreTarget(core, { executable: c.executable }), hideSecret);
        const names = analyse(target).threads.map((thread) => thread.name);
        return { names, reads: reads() };
      };
      const byHash = run(false);
      const byItems = run(true);
      expect(byHash.names.filter((name) => name !== null).length, "threads named").toBe(byHash.names.length);
      expect(byHash.names).toEqual(byItems.names);
      // sys.modules holds dozens of modules before 'threading', threading.__dict__ over a hundred
      // names before '_active': each compared key is a read the lookup by hash does not make.
      expect(byItems.reads - byHash.reads, `${byItems.reads} reads item by item, ${byHash.reads} by hash`).toBeGreaterThan(50);
    }, 300_000);
  });
}

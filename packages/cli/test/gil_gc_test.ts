import { describe, expect, it } from "vitest";
import { coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";

const availability = coreAvailability();
const interpreters = availability.ok ? findInterpreters() : [];

interface JsonThread {
  tid: number;
  gil: string;
  gc: boolean;
}

describe.skipIf(!availability.ok)("GIL and garbage-collector state per thread", () => {
  for (const interpreter of interpreters) {
    it(`${interpreter.id}: only the crashing thread holds the GIL; nobody is collecting`, async () => {
      const c = await makeCore(interpreter, "threads");
      const { status, stdout } = corestack(["core", c.core, "--json"]);
      expect(status).toBe(0);
      const threads = JSON.parse(stdout).threads as JsonThread[];
      const crashing = c.truth.threads.find((t) => t.crashing)!;
      for (const thread of threads) {
        expect(thread.gil, `thread ${thread.tid}`).toBe(thread.tid === crashing.tid ? "held" : "none");
        expect(thread.gc).toBe(false);
      }
      const text = corestack(["core", c.core]).stdout;
      expect(text).toContain(`Traceback for thread ${crashing.tid}`);
      expect(text.match(/\[Has the GIL\]/g)).toHaveLength(1);
    });

    it(`${interpreter.id}: a crash inside a collection marks the thread as collecting`, async () => {
      const c = await makeCore(interpreter, "gc_callback");
      const { status, stdout } = corestack(["core", c.core, "--json"]);
      expect(status).toBe(0);
      const threads = JSON.parse(stdout).threads as JsonThread[];
      const crashing = c.truth.threads.find((t) => t.crashing)!;
      const thread = threads.find((t) => t.tid === crashing.tid)!;
      expect(thread.gil).toBe("held");
      expect(thread.gc).toBe(true);
      expect(corestack(["core", c.core]).stdout).toContain("[Has the GIL, Garbage collecting]");
    });
  }
});

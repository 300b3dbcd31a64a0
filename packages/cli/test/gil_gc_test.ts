import { describe, expect, it } from "vitest";
import { layoutFor } from "@corestack/cpython-layouts";
import { coreAvailability, findInterpreters, makeCore, scenarioApplies } from "../../../tools/testing/cores.js";
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

    for (const scenario of ["gc_del", "gc_hook"]) {
      it.skipIf(!scenarioApplies(scenario, interpreter))(`${interpreter.id}: a crash in a collection (${scenario}) marks only that thread`, async () => {
        const c = await makeCore(interpreter, scenario);
        const { status, stdout } = corestack(["core", c.core, "--json"]);
        expect(status).toBe(0);
        const threads = JSON.parse(stdout).threads as JsonThread[];
        const crashing = c.truth.threads.find((t) => t.crashing)!;
        for (const thread of threads) expect(thread.gc, `thread ${thread.tid}`).toBe(thread.tid === crashing.tid);
        expect(corestack(["core", c.core]).stdout.match(/\[Has the GIL, Garbage collecting\]/g)).toHaveLength(1);
      });
    }

    // Only 3.15+ thread states say a thread waits for the GIL (gil_requested: set by the waiter
    // that asked the holder to drop it). Two threads spin; the crashing one holds the GIL.
    const waitingKnown = layoutFor(interpreter.major, interpreter.minor)?.models.threadGil.kind === "gil_requested";
    it(`${interpreter.id}: threads that spin wait for the GIL the crashing thread holds: ${waitingKnown ? "one says so" : "nothing in memory says so"}`, async () => {
      const c = await makeCore(interpreter, "gil_waiting");
      const { status, stdout } = corestack(["core", c.core, "--json"]);
      expect(status).toBe(0);
      const threads = JSON.parse(stdout).threads as (JsonThread & { name: string })[];
      const spinners = threads.filter((t) => t.name.startsWith("spinner-"));
      expect(spinners).toHaveLength(2);
      for (const thread of threads) {
        if (thread.name === "MainThread") expect(thread.gil).toBe("held");
        else if (!thread.name.startsWith("spinner-")) expect(thread.gil, thread.name).toBe("none");
      }
      const waiting = spinners.filter((t) => t.gil === "waiting");
      if (waitingKnown) {
        expect(waiting.length).toBeGreaterThanOrEqual(1);
        expect(corestack(["core", c.core]).stdout).toContain(`(${waiting[0]!.name}) [Waiting for the GIL] (most recent call last):`);
      } else {
        expect(waiting).toHaveLength(0);
      }
    });
  }
});

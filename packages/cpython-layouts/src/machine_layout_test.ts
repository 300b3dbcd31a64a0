// layoutForMachine(): a version's table as another machine's build lays it out, from the values
// tools/layouts/generate_machine.mjs probed from that machine's own build (machines.ts).
import { describe, expect, it } from "vitest";
import { layoutFor } from "./layouts.js";
import { TABLE_MACHINE, layoutForMachine } from "./machine_layout.js";
import { machineLayoutDifferences } from "./machines.js";

describe("layoutForMachine()", () => {
  it("x86_64 (the tables' own) and an unnamed machine get the table itself", () => {
    expect(TABLE_MACHINE).toBe("x86_64");
    expect(layoutForMachine(3, 11, "x86_64")).toEqual({ layout: layoutFor(3, 11), probed: true });
    expect(layoutForMachine(3, 11, undefined)?.layout).toBe(layoutFor(3, 11));
    expect(layoutForMachine(3, 5, "aarch64")).toBeUndefined();
  });

  it("aarch64 3.11: the GIL holder 16 bytes further (two 48-byte pthread_mutex_t before it), the rest the table's", () => {
    const table = layoutFor(3, 11)!;
    const arm = layoutForMachine(3, 11, "aarch64")!;
    expect(arm.probed).toBe(true);
    expect(table.models.gil).toEqual({ kind: "runtime", tstate_current: 576 });
    expect(arm.layout.models.gil).toEqual({ kind: "runtime", tstate_current: 592 });
    expect(arm.layout._PyRuntimeState?.gilstate_tstate_current).toBe(592);
    expect(arm.layout.PyThreadState).toEqual(table.PyThreadState);
    expect(arm.layout.models.frames).toEqual(table.models.frames);
    expect(arm.layout.models.frames).toBeDefined();
    // The same object each time, and the table itself unchanged.
    expect(layoutForMachine(3, 11, "aarch64")!.layout).toBe(arm.layout);
    expect(layoutFor(3, 11)!._PyRuntimeState?.gilstate_tstate_current).toBe(576);
    expect(Object.isFrozen(arm.layout.models)).toBe(true);
  });

  it("a machine or version nobody probed: the table, said not to be probed", () => {
    expect(Object.keys(machineLayoutDifferences)).toEqual(["aarch64"]);
    expect(layoutForMachine(3, 12, "aarch64")).toEqual({ layout: layoutFor(3, 12), probed: false });
    expect(layoutForMachine(3, 11, "riscv64")).toEqual({ layout: layoutFor(3, 11), probed: false });
  });
});

// readThreadNames() against crafted cores: one name shared by every entry of threading._active.
import { layouts } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { ObjectReader } from "./read_objects.js";
import type { PythonTarget } from "./python_target.js";
import { readThreadNames } from "./thread_names.js";

const L = layouts["3.12"];

describe("readThreadNames() limits", () => {
  it("decodes a name shared by every Thread once, not once per _active entry", () => {
    // 1 024 idents, one Thread whose _name is a 65 536-character str: decoded per entry that is
    // 64 MiB read and 1 024 strings of 64 KiB kept; at the 65 536 entries read, 4 GiB.
    const build = new TestObjects(L);
    const name = build.str("n".repeat(1 << 16));
    const { object: thread } = build.instance("Thread", [["_name", name]], "dictoffset");
    const entries = Array.from({ length: 1024 }, (_, i) => [build.int(BigInt(0x7f0000 + i)), thread] as const);
    const active = build.dict(entries);
    const globals = build.dict([[build.str("_active"), active]]);
    const modules = build.dict([[build.str("threading"), build.module(globals)]]);
    const interp = build.memory.alloc(L.sizeof.PyInterpreterState);
    build.memory.u64(interp + BigInt(L.PyInterpreterState.imports_modules!), modules);
    let bytesRead = 0;
    const memory = build.memory;
    const target: PythonTarget = {
      read: (address, length) => {
        bytesRead += length;
        return memory.read(address, length);
      },
      findSymbol: (symbol) => memory.findSymbol(symbol),
      modules: () => memory.modules(),
      threads: () => memory.threads(),
    };
    const warnings: string[] = [];
    const names = readThreadNames(new ObjectReader(new Reader(target), L), interp, warnings);
    expect(warnings).toEqual([]);
    expect(names.size).toBe(1024);
    // Shown cut (names.ts): its first 4 096 characters and a mark.
    expect(names.get(0x7f0000n)).toBe(`${"n".repeat(4096)}\\…[+${(1 << 16) - 4096} characters]`);
    expect(bytesRead).toBeLessThan(8 << 20);
  });
});

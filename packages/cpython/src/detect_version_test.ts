import { describe, expect, test } from "vitest";
import { MAX_VERSION_SCAN_BYTES, detectVersion } from "./detect_version.js";
import type { PythonTarget, TargetModule } from "./python_target.js";
import { TestMemory } from "./_test_memory.js";

/** A TestMemory whose only module is `path`, with the sections given (as a stripped file keeps them). */
function target(memory: TestMemory, path: string, sections: Record<string, { address: bigint; size: number }>): PythonTarget {
  const module: TargetModule = { path, sectionAddress: (name) => sections[name] };
  return {
    read: (address, length) => memory.read(address, length),
    findSymbol: (name) => memory.findSymbol(name),
    modules: () => [module],
    threads: () => [],
  };
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe("detectVersion() without symbols", () => {
  test("finds the micro version in the buffer Py_GetVersion() filled, in a stripped libpython's .bss", () => {
    const memory = new TestMemory();
    const bss = memory.alloc(200_000);
    // Past the first 64 KiB chunk, at a 32-byte aligned address, as gcc places the static array.
    memory.set(bss + 112_928n, ascii("2.7.18 (default, May  9 2026, 07:29:50) \n[GCC 12.2.0]\0"));
    const found = detectVersion(target(memory, "/opt/lib/libpython2.7.so.1.0", { ".bss": { address: bss, size: 200_000 } }));
    expect(found).toMatchObject({ major: 2, minor: 7, micro: 18, text: "2.7.18", from: "version string" });
  });

  test("a buffer across two scanned chunks is found whole", () => {
    const memory = new TestMemory();
    const data = memory.alloc(140_000);
    memory.set(data + 65_528n, ascii("3.8.18 (default, Jan  1 2024, 00:00:00)\0"));
    expect(detectVersion(target(memory, "/opt/lib/libpython3.8.so.1.0", { ".data": { address: data, size: 140_000 } }))?.text).toBe("3.8.18");
  });

  test("text of another version, unaligned text and text without its ' (' are not the buffer: the file name's X.Y stays", () => {
    const memory = new TestMemory();
    const bss = memory.alloc(4096);
    memory.set(bss + 64n, ascii("3.9.18 (main, …)\0"));
    memory.set(bss + 260n, ascii("2.7.18 (default)\0"));
    memory.set(bss + 512n, ascii("2.7.18\0"));
    const found = detectVersion(target(memory, "/opt/lib/libpython2.7.so.1.0", { ".bss": { address: bss, size: 4096 } }));
    expect(found).toMatchObject({ text: "2.7", micro: undefined, from: "file name" });
  });

  test("memory the core lacks is skipped, and the scan stops at MAX_VERSION_SCAN_BYTES", () => {
    const memory = new TestMemory();
    // A 1 GiB .bss of which nothing was dumped: at most 16 MiB are tried, each chunk failing at once.
    const scanned = target(memory, "/opt/lib/libpython3.10.so.1.0", { ".bss": { address: 0x7000_0000_0000n, size: 1 << 30 } });
    let asked = 0;
    const found = detectVersion({
      ...scanned,
      read: (address, length) => {
        asked += length;
        return scanned.read(address, length);
      },
    });
    expect(found?.text).toBe("3.10");
    // The bytes asked for, not the time taken: the budget, plus the 64 bytes each chunk overlaps the next.
    expect(asked).toBeGreaterThan(0);
    expect(asked).toBeLessThanOrEqual(MAX_VERSION_SCAN_BYTES * 1.01);
  });

  test("reads _Py_DebugOffsets at the .PyRuntime section of a stripped program that is not named python", () => {
    const memory = new TestMemory();
    const runtime = memory.alloc(4096);
    memory.set(runtime, ascii("xdebugpy"));
    memory.u64(runtime + 8n, 0x030f02f0n);
    const found = detectVersion(target(memory, "/srv/bin/host_app", { ".PyRuntime": { address: runtime, size: 4096 } }));
    expect(found).toMatchObject({ major: 3, minor: 15, micro: 2, text: "3.15.2", from: "debug offsets" });
  });

  test("a stripped program not named python, with a .PyRuntime section of 3.11 (no _Py_DebugOffsets): the version string in its .bss", () => {
    const memory = new TestMemory();
    const runtime = memory.alloc(4096);
    const bss = memory.alloc(100_000);
    // Not the buffer: unaligned, another version without " (", and a library's version text.
    memory.set(bss + 1_001n, ascii("3.12.1 (main, …)\0"));
    memory.set(bss + 2_048n, ascii("3.40.1\0"));
    memory.set(bss + 70_016n, ascii("3.11.2 (main, Mar 13 2023, 12:18:29) [GCC 12.2.0]\0"));
    const sections = { ".PyRuntime": { address: runtime, size: 4096 }, ".bss": { address: bss, size: 100_000 } };
    expect(detectVersion(target(memory, "/srv/bin/host_app", sections))).toMatchObject({
      major: 3,
      minor: 11,
      micro: 2,
      text: "3.11.2",
      from: "version string",
    });
    // Without the .PyRuntime section nothing says the program is Python: the same memory is not scanned.
    expect(detectVersion(target(memory, "/srv/bin/host_app", { ".bss": sections[".bss"] }))).toBeUndefined();
  });

  test("a .PyRuntime section without _Py_DebugOffsets and no version string anywhere: not a version", () => {
    const memory = new TestMemory();
    const runtime = memory.alloc(4096);
    const bss = memory.alloc(4096);
    memory.set(bss + 64n, ascii("version 3.11.2\0"));
    const sections = { ".PyRuntime": { address: runtime, size: 4096 }, ".bss": { address: bss, size: 4096 } };
    expect(detectVersion(target(memory, "/srv/bin/host_app", sections))).toBeUndefined();
  });

  test("a program with neither symbols, a .PyRuntime section nor a Python file name is not Python", () => {
    const memory = new TestMemory();
    expect(detectVersion(target(memory, "/srv/bin/host_app", {}))).toBeUndefined();
  });
});

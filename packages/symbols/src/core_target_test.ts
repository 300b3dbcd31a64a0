import { describe, expect, it } from "vitest";
import { CoreFile } from "@corestack/elf";
import { openFile } from "@corestack/mmap";
import { coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
import { CoreTarget } from "./core_target.js";

const availability = coreAvailability();
const wanted = new Set(["2.7", "3.8", "3.12", "3.13"]);
const interpreters = availability.ok ? findInterpreters().filter((i) => wanted.has(`${i.major}.${i.minor}`) || i.source === "debian") : [];

describe.skipIf(interpreters.length === 0)("CoreTarget on real cores", () => {
  for (const interpreter of interpreters) {
    it(`${interpreter.id}: the link map agrees with the module map, biases included`, async () => {
      const c = await makeCore(interpreter, "threads");
      const target = new CoreTarget(new CoreFile(openFile(c.core)));
      const { entries, problems } = target.checkLinkMap();
      expect(problems).toEqual([]);
      // executable, vdso, libc, ld.so at least; libpython too for --enable-shared builds
      expect(entries.length).toBeGreaterThanOrEqual(4);
      const withModules = entries.filter((e) => target.moduleAt(e.dynamic));
      expect(withModules.length).toBe(entries.length - 1); // all but the vDSO
      if (interpreter.libpython) {
        const lib = entries.find((e) => e.name.endsWith(interpreter.libpython!.split("/").pop()!));
        expect(lib).toBeDefined();
        expect(target.moduleAt(lib!.dynamic)!.bias).toBe(lib!.bias);
      }
    });

    it(`${interpreter.id}: symbols resolve to run-time addresses whose bytes are what the files say`, async () => {
      const c = await makeCore(interpreter, "simple");
      const target = new CoreTarget(new CoreFile(openFile(c.core)));
      const prefer = (m: { path: string }) => /python/.test(m.path);
      // Py_GetVersion is a function in every version: its first bytes in memory (from the core or
      // from the file's non-dumped text pages) equal its bytes in the file at its link-time address.
      const symbol = target.findSymbol("Py_GetVersion", { prefer });
      expect(symbol).toBeDefined();
      const module = symbol!.module;
      const fromMemory = target.read(symbol!.address, 16);
      const load = module.elf!.programHeaders.find(
        (p) => p.p_type === 1 && p.p_vaddr <= symbol!.address - module.bias! && symbol!.address - module.bias! < p.p_vaddr + p.p_memsz,
      )!;
      const fileOffset = Number(symbol!.address - module.bias! - load.p_vaddr) + load.p_offset;
      expect(Buffer.from(fromMemory)).toEqual(Buffer.from(module.source()!.bytes(fileOffset, 16)));
      const at = target.symbolAt(symbol!.address + 3n);
      expect(at?.name).toBe("Py_GetVersion");
      expect(at?.offset).toBe(3n);
    });
  }

  it("reports a missing file once, naming every path tried", async () => {
    const interpreter = interpreters[0]!;
    const c = await makeCore(interpreter, "simple");
    const target = new CoreTarget(new CoreFile(openFile(c.core)), {
      open: (path) => {
        if (path.includes("python")) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
        return openFile(path);
      },
      searchPath: ["/nonexistent/dir"],
    });
    const python = target.modules().find((m) => /python/.test(m.path))!;
    expect(python.elf).toBeUndefined();
    expect(python.error?.code).toBe("file-not-found");
    expect(python.error?.message).toContain("/nonexistent/dir/");
    expect(target.findSymbol("_PyRuntime", { prefer: (m) => /python/.test(m.path), only: true })).toBeUndefined();
  });
});

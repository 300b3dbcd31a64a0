// Why a module's file could not be used, named (issue 9, item 9): a file that is there but may not
// be read was "Cannot find …: tried …" without a reason, sending the user looking for a file they
// have. And the module map of a core of many mappings is built without sorting them again.
import { CoreFile, MAX_FILE_MAPPINGS, bufferSource } from "@corestack/elf";
import { NT_FILE, NT_PRSTATUS } from "@corestack/elf/constants";
import { describe, expect, it } from "vitest";
import { buildCore, fileNote, prStatus } from "../../../tools/testing/builders.js";
import { CoreTarget } from "./core_target.js";

const coreOf = (mappings: { start: bigint; end: bigint; pageOffset?: bigint; path: string }[]) =>
  new CoreFile(
    bufferSource(
      buildCore({
        notes: [
          { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
          { name: "CORE", type: NT_FILE, desc: fileNote(mappings) },
        ],
      }),
    ),
  );

const failing = (codes: Record<string, { code?: string; message: string }>) => (path: string) => {
  const failure = codes[path] ?? { code: "ENOENT", message: `ENOENT: no such file or directory, open '${path}'` };
  throw Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
};

describe("Module: why a file could not be opened", () => {
  it("names permission denied, not a regular file, and any other system error; a missing path is the path alone", () => {
    const core = coreOf([{ start: 0x40_0000n, end: 0x40_1000n, path: "/opt/py/libpython3.12.so.1.0" }]);
    const open = failing({
      "/opt/py/libpython3.12.so.1.0": { code: "EACCES", message: "EACCES: permission denied, open '/opt/py/libpython3.12.so.1.0'" },
      "/a/libpython3.12.so.1.0": { code: "EISDIR", message: "EISDIR: illegal operation on a directory" },
      "/b/libpython3.12.so.1.0": { code: "EIO", message: "EIO: i/o error, open '/b/libpython3.12.so.1.0'" },
    });
    const target = new CoreTarget(core, { open, searchPath: ["/a", "/b", "/c"] });
    expect(target.modules()[0]!.error?.message).toBe(
      "Cannot find /opt/py/libpython3.12.so.1.0: tried /opt/py/libpython3.12.so.1.0 (permission denied), /a/libpython3.12.so.1.0 (not a regular file), " +
        "/b/libpython3.12.so.1.0 (EIO: i/o error, open '/b/libpython3.12.so.1.0'), /c/libpython3.12.so.1.0",
    );
  });
});

describe("CoreTarget over the most mappings a core may give", () => {
  it("finds the module of every mapping (taken from the core's sorted list, not sorted again)", () => {
    const count = MAX_FILE_MAPPINGS;
    const mappings = Array.from({ length: count }, (_, i) => ({
      start: 0x1000_0000n + BigInt(i) * 0x2000n,
      end: 0x1000_0000n + BigInt(i) * 0x2000n + 0x1000n,
      pageOffset: BigInt(i >> 3),
      path: `/nonexistent/lib${i % 8}.so`,
    }));
    const core = coreOf(mappings);
    // A quadratic pass over this many mappings would take hours: the test's timeout is the guard.
    const target = new CoreTarget(core, { open: failing({}) });
    expect(target.modules()).toHaveLength(8);
    let wrong = 0;
    for (let i = 0; i < count; i += 97) if (target.moduleAt(mappings[i]!.start + 8n)?.path !== mappings[i]!.path) wrong++;
    expect(wrong).toBe(0);
    expect(target.moduleAt(0x1000_0000n + 0x1800n)).toBeUndefined();
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileLocator } from "./locate_file.js";

const root = mkdtempSync(join(tmpdir(), "corestack-locate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
// root/a/libx.so, root/b/c/libx.so, root/b/liby.so, and 20 other files in root/many.
for (const path of ["a/libx.so", "b/c/libx.so", "b/liby.so", ...Array.from({ length: 20 }, (_, i) => `many/f${i}`)]) {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), "");
}

describe("fileLocator()", () => {
  it("gives the recorded path, the search path, then every file of that name under the root, with no warning", () => {
    const warnings: string[] = [];
    const locate = fileLocator({ searchPath: ["/opt/lib"], searchRoot: root, warn: (m) => warnings.push(m) });
    expect(locate("/usr/lib/libx.so (deleted)")).toEqual([
      "/usr/lib/libx.so",
      "/opt/lib/libx.so",
      join(root, "/usr/lib/libx.so"),
      join(root, "a/libx.so"),
      join(root, "b/c/libx.so"),
    ]);
    expect(warnings).toEqual([]);
  });

  it("stops indexing a root at its limit and says so, once", () => {
    const warnings: string[] = [];
    const locate = fileLocator({ searchRoot: root, warn: (m) => warnings.push(m), maxIndexedFiles: 10 });
    locate("/usr/lib/libx.so");
    locate("/usr/lib/liby.so");
    expect(warnings).toEqual([`the search root ${root} holds more than 10 files and directories: the rest are not searched`]);
  });
});

// The patched binding records the Node ABI it was built for next to the addon: under another
// Node, loading is refused from that record, without loading the addon (a dlopen that fails after
// ~75 ms). Simulated: the record says ABI 1.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { FileCache } from "./file_cache.js";
import { mmapStatus } from "./mmap_status.js";
import { temporaryDirectory } from "./_test_util.js";

const required: string[] = [];

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const readFileSync = ((path: unknown, ...rest: unknown[]) =>
    String(path).endsWith("mmap_io.abi.json")
      ? JSON.stringify({ addon: "mmap_io.node", modules: "1", platform: process.platform, arch: process.arch, node: "v0.1.0" })
      : (actual.readFileSync as (...args: unknown[]) => unknown)(path, ...rest)) as typeof actual.readFileSync;
  return { ...actual, readFileSync, default: { ...actual, readFileSync } };
});

vi.mock("node:module", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:module")>();
  return {
    ...actual,
    createRequire: (from: string) => {
      const real = actual.createRequire(from);
      const counting = (id: string): unknown => {
        required.push(id);
        return real(id);
      };
      return Object.assign(counting, { resolve: real.resolve, cache: real.cache, main: real.main, extensions: real.extensions });
    },
  };
});

const directory = temporaryDirectory();
const path = join(directory.path, "file.bin");
writeFileSync(path, "abi");
const files = new FileCache();
afterAll(() => {
  files.closeAll();
  directory.remove();
});

test("an addon built for another Node ABI is not loaded, and the reason names both ABIs", () => {
  const dlopen = vi.spyOn(process, "dlopen");
  const status = mmapStatus();
  expect(status.bindingLoaded).toBe(false);
  expect(status.bindingError).toBe(
    `cannot load @riaskov/mmap-io: its addon was built for Node ABI 1 (Node v0.1.0), this is Node ${process.version} ` +
      `(ABI ${process.versions.modules}); rebuild it with this Node: pnpm rebuild @riaskov/mmap-io`,
  );
  expect(status.summary).toBe(`pread (${status.bindingError})`);
  // Told from the record: neither the addon nor the package entry was loaded.
  expect(required.filter((id) => id.endsWith(".node") || id === "@riaskov/mmap-io")).toEqual([]);
  expect(dlopen).not.toHaveBeenCalled();
  dlopen.mockRestore();
  expect(files.open(path).backend).toBe("pread");
});

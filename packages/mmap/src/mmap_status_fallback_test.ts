// The binding cannot load here: process.dlopen (how the addon is loaded) and the require() of
// node:module's createRequire (the fallbacks) fail, as they do where the addon was never built.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { FileCache } from "./file_cache.js";
import { MmapError } from "./mmap_error.js";
import { mmapAvailable, mmapStatus } from "./mmap_status.js";
import { temporaryDirectory } from "./_test_util.js";

vi.mock("node:module", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:module")>();
  return {
    ...actual,
    createRequire: (from: string) => {
      const real = actual.createRequire(from);
      const broken = (id: string): never => {
        throw new Error(`simulated: could not load ${id}`);
      };
      return Object.assign(broken, { resolve: real.resolve, cache: real.cache, main: real.main, extensions: real.extensions });
    },
  };
});

vi.spyOn(process, "dlopen").mockImplementation((_module: object, filename: string) => {
  throw new Error(`simulated: could not load ${filename}`);
});

const directory = temporaryDirectory();
const path = join(directory.path, "file.bin");
writeFileSync(path, "fallback");
const files = new FileCache();
afterAll(() => {
  files.closeAll();
  directory.remove();
});

test("mmapStatus() reports pread and the load error when the binding cannot load", () => {
  expect(mmapAvailable()).toBe(false);
  const status = mmapStatus();
  expect(status.backend).toBe("pread");
  expect(status.bindingLoaded).toBe(false);
  expect(status.bindingError).toMatch(/^cannot load @riaskov\/mmap-io: .*simulated: could not load .*@riaskov\/mmap-io/);
  expect(status.summary).toBe(`pread (${status.bindingError})`);
});

test("FileCache.open() falls back to pread when the binding cannot load", () => {
  const file = files.open(path);
  expect(file.backend).toBe("pread");
  expect(Buffer.from(file.bytes(0, 8)).toString()).toBe("fallback");
});

test("FileCache.open() with backend mmap throws MmapError binding-unavailable", () => {
  let caught: unknown;
  try {
    files.open(path, { backend: "mmap" });
  } catch (error) {
    caught = error;
  }
  expect(MmapError.isInstance(caught) && caught.code).toBe("binding-unavailable");
});

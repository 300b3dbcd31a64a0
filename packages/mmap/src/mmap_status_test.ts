import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { FileCache } from "./file_cache.js";
import { mmapAvailable, mmapStatus } from "./mmap_status.js";
import { temporaryDirectory } from "./_test_util.js";

const directory = temporaryDirectory();
const path = join(directory.path, "file.bin");
writeFileSync(path, "corestack");
const files = new FileCache();
const saved = process.env["CORESTACK_NO_MMAP"];

afterEach(() => {
  files.closeAll();
  if (saved === undefined) delete process.env["CORESTACK_NO_MMAP"];
  else process.env["CORESTACK_NO_MMAP"] = saved;
});
afterAll(() => directory.remove());

test("mmapAvailable() is true where @riaskov/mmap-io is built (it is in this workspace)", () => {
  expect(mmapAvailable(), mmapStatus().summary).toBe(true);
});

test("mmapStatus() reports mmap with the binding's version when nothing disables it", () => {
  delete process.env["CORESTACK_NO_MMAP"];
  const status = mmapStatus();
  expect(status.backend).toBe("mmap");
  expect(status.bindingLoaded).toBe(true);
  expect(status.disabledByEnv).toBe(false);
  expect(status.binding).toMatch(/^@riaskov\/mmap-io@\d+\.\d+\.\d+$/);
  expect(status.bindingError).toBeUndefined();
  expect(status.summary).toMatch(/^mmap \(@riaskov\/mmap-io@/);
  expect(files.open(path).backend).toBe("mmap");
});

test("CORESTACK_NO_MMAP=1 makes backend auto read on demand, and mmapStatus() says why", () => {
  process.env["CORESTACK_NO_MMAP"] = "1";
  const status = mmapStatus();
  expect(status.backend).toBe("pread");
  expect(status.disabledByEnv).toBe(true);
  expect(status.bindingLoaded).toBe(true);
  expect(status.summary).toBe("pread (CORESTACK_NO_MMAP=1)");
  const file = files.open(path);
  expect(file.backend).toBe("pread");
  expect(Buffer.from(file.bytes(0, 9)).toString()).toBe("corestack");
  // An explicit backend wins over the variable.
  expect(files.open(path, { backend: "mmap" }).backend).toBe("mmap");
});

test("CORESTACK_NO_MMAP set to 0 or empty does not disable mmap", () => {
  for (const value of ["0", ""]) {
    process.env["CORESTACK_NO_MMAP"] = value;
    expect(mmapStatus().backend).toBe("mmap");
    expect(files.open(path).backend).toBe("mmap");
  }
});

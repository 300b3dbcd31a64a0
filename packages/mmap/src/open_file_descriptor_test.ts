import { closeSync, fstatSync, mkdirSync, openSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileCache } from "./file_cache.js";
import type { Backend } from "./mapped_file.js";
import { MmapError } from "./mmap_error.js";
import { closeAllFiles, openFile, openFileDescriptor } from "./open_file.js";
import { openDescriptors, temporaryDirectory, writeRandomFile } from "./_test_util.js";

const directory = temporaryDirectory();
const backends: readonly Backend[] = ["mmap", "pread"];
afterAll(() => {
  closeAllFiles();
  directory.remove();
});

/** A descriptor of a file that no longer has a name, holding `bytes`. */
function unlinkedFile(name: string, bytes: Uint8Array): number {
  const path = join(directory.path, name);
  writeFileSync(path, bytes);
  const fd = openSync(path, "r");
  unlinkSync(path);
  return fd;
}

describe.each(backends)("openFileDescriptor() with backend %s", (backend) => {
  test("reads an unlinked file through its descriptor, under the name it is given", () => {
    const expected = writeRandomFile(join(directory.path, `source-${backend}`), 300_000, 7);
    const fd = unlinkedFile(`gone-${backend}`, expected);
    const file = openFileDescriptor(fd, "core.zst (decompressed)", { backend });
    expect(file.path).toBe("core.zst (decompressed)");
    expect(file.backend).toBe(backend);
    expect(file.size).toBe(expected.length);
    expect(Buffer.compare(file.bytes(1000, 5000), expected.subarray(1000, 6000))).toBe(0);
    expect(Buffer.compare(file.bytes(expected.length - 10, 10), expected.subarray(expected.length - 10))).toBe(0);
    expect(() => file.bytes(expected.length, 1)).toThrow(RangeError);
    file.close();
    // The file owned the descriptor: closing the file closed it.
    expect(() => fstatSync(fd)).toThrow();
  });

  test("a file larger than the window is read in windows, the descriptor kept until closed", () => {
    const expected = writeRandomFile(join(directory.path, `large-${backend}`), 3 * 65536 + 17, 11);
    const fd = unlinkedFile(`large-gone-${backend}`, expected);
    const file = new FileCache().openDescriptor(fd, "large", { backend, windowSize: 65536 });
    expect(Buffer.compare(file.bytes(65530, 20), expected.subarray(65530, 65550))).toBe(0);
    expect(Buffer.compare(file.bytes(3 * 65536, 17), expected.subarray(3 * 65536))).toBe(0);
    file.close();
    expect(() => fstatSync(fd)).toThrow();
  });
});

describe("openFileDescriptor()", () => {
  test("closeAllFiles() closes it with the files opened by path", () => {
    const fd = unlinkedFile("closed-by-all", new Uint8Array([1, 2, 3]));
    const file = openFileDescriptor(fd, "closed-by-all");
    closeAllFiles();
    expect(file.closed).toBe(true);
  });

  test("a descriptor of a file open already gives the same object, and is closed", () => {
    const path = join(directory.path, "twice");
    writeFileSync(path, "twice");
    const files = new FileCache();
    const byPath = files.open(path);
    const fd = openSync(path, "r");
    expect(files.openDescriptor(fd, "twice again")).toBe(byPath);
    expect(() => fstatSync(fd)).toThrow();
    files.closeAll();
  });

  test("a descriptor of a directory is refused with not-a-file, and stays the caller's", () => {
    const path = join(directory.path, "a-directory");
    mkdirSync(path);
    const fd = openSync(path, "r");
    try {
      const error = (() => {
        try {
          new FileCache().openDescriptor(fd, "a directory");
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(MmapError.isInstance(error) && error.code).toBe("not-a-file");
      expect(fstatSync(fd).isDirectory()).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  test("invalid descriptors and names are TypeErrors", () => {
    const files = new FileCache();
    expect(() => files.openDescriptor(-1, "x")).toThrow(TypeError);
    expect(() => files.openDescriptor(1.5, "x")).toThrow(TypeError);
    expect(() => files.openDescriptor(0, "")).toThrow(TypeError);
  });

  test("opening by path is untouched: the same path still gives one object", () => {
    const path = join(directory.path, "by-path");
    writeFileSync(path, "by path");
    const before = openDescriptors(path);
    expect(openFile(path)).toBe(openFile(path));
    expect(openDescriptors(path)).toBe(before);
  });
});

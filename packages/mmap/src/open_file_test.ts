import { existsSync, linkSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeAllFiles, openFile } from "./open_file.js";
import type { Backend } from "./mapped_file.js";
import { mappedBytes, openDescriptors, temporaryDirectory, writeRandomFile } from "./_test_util.js";

const directory = temporaryDirectory();
const generated = join(directory.path, "random.bin");
const python = "/usr/bin/python3.11";
const backends: readonly Backend[] = ["mmap", "pread"];

beforeAll(() => {
  writeRandomFile(generated, 3 * 1024 * 1024 + 123, 0xc0ffee);
});
afterAll(() => {
  closeAllFiles();
  directory.remove();
});

describe.each(backends)("openFile() with backend %s", (backend) => {
  const files = existsSync(python) ? [generated, python] : [generated];

  test.each(files)("bytes() equals readFileSync() for random ranges of %s", (path) => {
    const expected = readFileSync(path);
    const file = openFile(path, { backend });
    expect(file.backend).toBe(backend);
    expect(file.size).toBe(expected.length);
    fc.assert(
      fc.property(fc.nat(expected.length), fc.nat(256 * 1024), (offset, wanted) => {
        const length = Math.min(wanted, expected.length - offset);
        const view = file.bytes(offset, length);
        expect(view.length).toBe(length);
        expect(Buffer.compare(view, expected.subarray(offset, offset + length))).toBe(0);
      }),
      { numRuns: 400 },
    );
    // Both ends of the file.
    expect(Buffer.compare(file.bytes(0, 64), expected.subarray(0, 64))).toBe(0);
    expect(Buffer.compare(file.bytes(expected.length - 64, 64), expected.subarray(-64))).toBe(0);
    expect(file.bytes(expected.length, 0).length).toBe(0);
  });

  test("bytes() throws a RangeError outside the file, and only then", () => {
    const file = openFile(generated, { backend });
    const size = file.size;
    for (const [offset, length] of [
      [size, 1],
      [size - 1, 2],
      [0, size + 1],
      [-1, 1],
      [0, -1],
      [1.5, 1],
      [0, 0.5],
      [Number.NaN, 1],
      [0, Number.POSITIVE_INFINITY],
      [Number.MAX_SAFE_INTEGER, 1],
    ] as const) {
      expect(() => file.bytes(offset, length), `bytes(${offset}, ${length})`).toThrow(RangeError);
    }
    fc.assert(
      fc.property(fc.integer({ min: -10, max: size + 10 }), fc.integer({ min: -10, max: 70_000 }), (offset, length) => {
        const inside = offset >= 0 && length >= 0 && offset + length <= size;
        if (inside) expect(file.bytes(offset, length).length).toBe(length);
        else expect(() => file.bytes(offset, length)).toThrow(RangeError);
      }),
      { numRuns: 300 },
    );
  });

  test("an empty file has size 0, reads 0 bytes, maps nothing and keeps no descriptor", () => {
    const empty = join(directory.path, `empty-${backend}`);
    writeFileSync(empty, "");
    const file = openFile(empty, { backend });
    expect(file.size).toBe(0);
    expect(file.bytes(0, 0).length).toBe(0);
    expect(() => file.bytes(0, 1)).toThrow(RangeError);
    expect(mappedBytes(empty)).toBe(0);
    expect(openDescriptors(empty)).toBe(0);
    file.close();
  });

  test("openFile() returns the same object for the same path and for other paths to the same file", () => {
    const first = openFile(generated, { backend });
    expect(openFile(generated, { backend })).toBe(first);
    expect(openFile(join(directory.path, ".", "random.bin"), { backend })).toBe(first);
    const symlink = join(directory.path, `symlink-${backend}`);
    const hardlink = join(directory.path, `hardlink-${backend}`);
    symlinkSync(generated, symlink);
    linkSync(generated, hardlink);
    expect(openFile(symlink, { backend })).toBe(first);
    expect(openFile(hardlink, { backend })).toBe(first);
    // The other paths' descriptors were closed at once: only pread keeps one, for the first path.
    expect(openDescriptors(generated)).toBe(backend === "pread" ? 1 : 0);
  });
});

test("openFile() gives each backend its own object", () => {
  const mapped = openFile(generated, { backend: "mmap" });
  const read = openFile(generated, { backend: "pread" });
  expect(mapped).not.toBe(read);
  expect(Buffer.compare(mapped.bytes(1000, 5000), read.bytes(1000, 5000))).toBe(0);
});

test("closeAllFiles() closes every file, and the next openFile() opens it again", () => {
  const before = openFile(generated);
  closeAllFiles();
  expect(before.closed).toBe(true);
  expect(() => before.bytes(0, 1)).toThrow(TypeError);
  const after = openFile(generated);
  expect(after).not.toBe(before);
  expect(Buffer.compare(after.bytes(0, 4), readFileSync(generated).subarray(0, 4))).toBe(0);
});

test("a mapped file is not counted as V8 external memory (no garbage collections started by mapping a core)", () => {
  // The patched binding (2) maps into a SharedArrayBuffer: V8 counts the bytes of an ArrayBuffer
  // over memory it does not own as external memory and collects garbage when they grow; it does
  // not count a shared backing store. A sparse file: nothing is read, only mapped.
  const path = join(directory.path, "sparse-64m.bin");
  writeFileSync(path, "");
  truncateSync(path, 64 << 20);
  const before = getHeapStatistics().external_memory;
  const file = openFile(path, { backend: "mmap" });
  expect(file.backend).toBe("mmap");
  expect(file.bytes((64 << 20) - 16, 16)).toEqual(new Uint8Array(16));
  expect(getHeapStatistics().external_memory - before).toBeLessThan(1 << 20);
  file.close();
});

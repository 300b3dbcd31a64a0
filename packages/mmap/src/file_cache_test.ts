import { closeSync, openSync, writeSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { FileCache } from "./file_cache.js";
import { MmapError } from "./mmap_error.js";
import { mmapStatus } from "./mmap_status.js";
import { mappedBytes, openDescriptors, temporaryDirectory, writeRandomFile, writeSparseFile } from "./_test_util.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const directory = temporaryDirectory();
const oneMiB = join(directory.path, "one-mib.bin");
let expected: Uint8Array;
const caches: FileCache[] = [];

function cache(): FileCache {
  const files = new FileCache();
  caches.push(files);
  return files;
}

beforeAll(() => {
  expected = writeRandomFile(oneMiB, MiB, 42);
});
afterEach(() => {
  for (const files of caches.splice(0)) files.closeAll();
});
afterAll(() => directory.remove());

describe("FileCache.open() with the mmap backend", () => {
  // The binding cannot unmap: a closed file's mappings go when they are garbage collected. So
  // mapped sizes are measured as growth from before the open.
  test("maps a small file whole and closes its descriptor right away", () => {
    const before = mappedBytes(oneMiB);
    const file = cache().open(oneMiB, { backend: "mmap" });
    expect(file.backend).toBe("mmap");
    expect(openDescriptors(oneMiB)).toBe(0);
    expect(mappedBytes(oneMiB) - before).toBe(MiB);
  });

  test("bytes() returns views that share the mapping's memory (zero-copy)", () => {
    const file = cache().open(oneMiB, { backend: "mmap" });
    const first = file.bytes(100, 16);
    const second = file.bytes(100, 16);
    expect(first).not.toBe(second);
    expect(first.buffer).toBe(second.buffer);
    // The ArrayBuffer is the whole mapping, not a copy of 16 bytes.
    expect(first.buffer.byteLength).toBe(MiB);
    expect(first.byteOffset).toBe(100);
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
  });

  test("views show the file's bytes as they are now: it is a mapping, not a copy", () => {
    const path = join(directory.path, "changing.bin");
    writeRandomFile(path, 64 * KiB, 7);
    const view = cache().open(path, { backend: "mmap" }).bytes(4096, 4);
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.from("CORE"), 0, 4, 4096);
    closeSync(fd);
    expect(Buffer.from(view).toString("latin1")).toBe("CORE");
  });

  test("maps a file larger than the window size window by window, on first touch", () => {
    const windowSize = 64 * KiB;
    const before = mappedBytes(oneMiB);
    const file = cache().open(oneMiB, { backend: "mmap", windowSize });
    expect(mappedBytes(oneMiB) - before).toBe(0);
    expect(openDescriptors(oneMiB)).toBe(1);
    const view = file.bytes(3 * windowSize + 10, 5);
    expect(mappedBytes(oneMiB) - before).toBe(windowSize);
    expect(view.buffer.byteLength).toBe(windowSize);
    expect(view.byteOffset).toBe(10);
    expect(Buffer.compare(view, expected.subarray(3 * windowSize + 10, 3 * windowSize + 15))).toBe(0);
    // Touch every window: all mapped, then the descriptor is closed.
    for (let offset = 0; offset < MiB; offset += windowSize) file.bytes(offset, 1);
    expect(mappedBytes(oneMiB) - before).toBe(MiB);
    expect(openDescriptors(oneMiB)).toBe(0);
  });

  test("a read that straddles windows returns the right bytes, copied", () => {
    const windowSize = 64 * KiB;
    const file = cache().open(oneMiB, { backend: "mmap", windowSize });
    for (let boundary = windowSize; boundary < MiB; boundary += windowSize) {
      const view = file.bytes(boundary - 3, 7);
      expect(Buffer.compare(view, expected.subarray(boundary - 3, boundary + 4))).toBe(0);
      expect(view.buffer.byteLength).toBe(7);
    }
    // Across three and more windows, and the whole file.
    expect(Buffer.compare(file.bytes(windowSize - 1, 2 * windowSize + 2), expected.subarray(windowSize - 1, 3 * windowSize + 1))).toBe(0);
    expect(Buffer.compare(file.bytes(0, MiB), expected)).toBe(0);
    fc.assert(
      fc.property(fc.nat(MiB), fc.nat(3 * windowSize), (offset, wanted) => {
        const length = Math.min(wanted, MiB - offset);
        expect(Buffer.compare(file.bytes(offset, length), expected.subarray(offset, offset + length))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test("rejects a window size that is not a multiple of 64 KiB or is too large", () => {
    const files = cache();
    // Too large: past what the binding maps (2 GiB − 64 KiB upstream, the largest Buffer patched).
    const tooLarge = mmapStatus().maxWindowSize + 64 * KiB;
    expect(tooLarge).toBeGreaterThan(mmapStatus().bindingPatched ? 2 * GiB : GiB);
    for (const windowSize of [0, 4096, 64 * KiB + 1, -64 * KiB, tooLarge, 2 ** 53, Number.NaN]) {
      expect(() => files.open(oneMiB, { windowSize }), `windowSize ${windowSize}`).toThrow(RangeError);
    }
  });
});

describe("FileCache.open() with the pread backend", () => {
  test("keeps the descriptor open until close() and maps nothing", () => {
    const before = mappedBytes(oneMiB);
    const file = cache().open(oneMiB, { backend: "pread" });
    expect(file.backend).toBe("pread");
    file.bytes(0, 100);
    expect(mappedBytes(oneMiB) - before).toBe(0);
    expect(openDescriptors(oneMiB)).toBe(1);
    file.close();
    expect(openDescriptors(oneMiB)).toBe(0);
  });

  test("returns views into one cached page, and copies for ranges across pages", () => {
    const file = cache().open(oneMiB, { backend: "pread", cachePageSize: 4096 });
    const first = file.bytes(4096 + 10, 20);
    const second = file.bytes(4096 + 100, 20);
    expect(first.buffer).toBe(second.buffer);
    expect(first.buffer.byteLength).toBe(4096);
    const across = file.bytes(4096 - 2, 4);
    expect(across.buffer.byteLength).toBe(4);
    expect(Buffer.compare(across, expected.subarray(4094, 4098))).toBe(0);
  });

  test("stays correct when the LRU cache evicts pages, and old views stay intact", () => {
    const file = cache().open(oneMiB, { backend: "pread", cachePageSize: 4096, cachePages: 4 });
    const early = file.bytes(0, 64);
    fc.assert(
      fc.property(fc.nat(MiB), fc.nat(10_000), (offset, wanted) => {
        const length = Math.min(wanted, MiB - offset);
        expect(Buffer.compare(file.bytes(offset, length), expected.subarray(offset, offset + length))).toBe(0);
      }),
      { numRuns: 500 },
    );
    expect(Buffer.compare(early, expected.subarray(0, 64))).toBe(0);
  });

  test("bytes() throws MmapError short-read when the file shrank after open", () => {
    const path = join(directory.path, "shrinking.bin");
    writeRandomFile(path, 256 * KiB, 3);
    const file = cache().open(path, { backend: "pread" });
    writeRandomFile(path, 1000, 3);
    let caught: unknown;
    try {
      file.bytes(200 * KiB, 10);
    } catch (error) {
      caught = error;
    }
    expect(MmapError.isInstance(caught) && caught.code).toBe("short-read");
  });
});

describe("FileCache", () => {
  test("closeAll() closes every file and empties the cache", () => {
    const files = cache();
    const other = join(directory.path, "other.bin");
    writeRandomFile(other, 1000, 9);
    const a = files.open(oneMiB);
    const b = files.open(other, { backend: "pread" });
    expect(files.count).toBe(2);
    files.closeAll();
    expect(files.count).toBe(0);
    expect(a.closed && b.closed).toBe(true);
    expect(() => a.bytes(0, 1)).toThrow(TypeError);
    expect(() => b.bytes(0, 1)).toThrow(TypeError);
    expect(openDescriptors(other)).toBe(0);
    expect(files.open(oneMiB)).not.toBe(a);
  });

  test("close() of one file removes it from its cache only", () => {
    const files = cache();
    const a = files.open(oneMiB);
    a.close();
    a.close();
    expect(files.count).toBe(0);
    const b = files.open(oneMiB);
    expect(b).not.toBe(a);
    expect(files.open(oneMiB)).toBe(b);
  });

  test("two caches do not share files", () => {
    expect(cache().open(oneMiB)).not.toBe(cache().open(oneMiB));
  });

  test("open() throws Node's ENOENT for a missing file and MmapError not-a-file for a device", () => {
    const files = cache();
    expect(() => files.open(join(directory.path, "missing"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    expect(() => files.open(directory.path)).toThrow(expect.objectContaining({ code: "not-a-file" }));
    expect(() => files.open("")).toThrow(TypeError);
    expect(() => files.open("/dev/null")).toThrow(expect.objectContaining({ code: "not-a-file" }));
    expect(openDescriptors(directory.path)).toBe(0);
  });
});

describe("FileCache.open() on a sparse 5 GiB file", () => {
  const huge = join(directory.path, "sparse-5gib.bin");
  const marks = new Map<number, string>([
    [12_345, "low bytes at 12345"],
    [GiB - 4, "across the first 1 GiB window"],
    [2 * GiB - 6, "across 2 GiB, where the binding stops mapping"],
    [4 * GiB + 12_345, "above 4 GiB"],
    [4 * GiB + 12_345 + 70_000, "further above 4 GiB"],
    [5 * GiB - 9, "last byte"],
  ]);

  beforeAll(() => writeSparseFile(huge, 5 * GiB, marks));
  afterAll(() => unlinkSync(huge));

  test.each(["mmap", "pread"] as const)("bytes() finds the bytes written at every offset (backend %s, default window)", (backend) => {
    const file = cache().open(huge, { backend });
    expect(file.size).toBe(5 * GiB);
    for (const [offset, text] of marks) {
      expect(Buffer.from(file.bytes(offset, text.length)).toString("latin1"), `at ${offset}`).toBe(text);
    }
    expect(file.bytes(3 * GiB, 8)).toEqual(new Uint8Array(8));
    expect(() => file.bytes(5 * GiB - 1, 2)).toThrow(RangeError);
  });

  test("windows past the binding's offset limit are read on demand, the rest is mapped", () => {
    const before = mappedBytes(huge);
    const file = cache().open(huge, { backend: "mmap" });
    const limit = mmapStatus().maxMappedOffset;
    const low = file.bytes(12_345, 4);
    expect(low.buffer.byteLength).toBe(GiB); // a view of the first 1 GiB window
    const high = file.bytes(4 * GiB + 12_345, 4);
    // Mapped when the binding can map past 4 GiB, else a 64 KiB cached page.
    expect(high.buffer.byteLength).toBe(limit >= 5 * GiB ? GiB : 64 * KiB);
    expect(mappedBytes(huge) - before).toBe(limit >= 5 * GiB ? 2 * GiB : GiB);
  });

  test("bytes() finds them with 64 KiB windows too", () => {
    const file = cache().open(huge, { backend: "mmap", windowSize: 64 * KiB });
    for (const [offset, text] of marks) {
      expect(Buffer.from(file.bytes(offset, text.length)).toString("latin1"), `at ${offset}`).toBe(text);
    }
  });
});

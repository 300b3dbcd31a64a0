// A file that changes while it is read: shrinks under a mapping (SIGBUS, caught by the patched
// binding's handler), shrinks under pread, or is a kernel file whose size is not its length.
import { existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { FileCache, onRefusedFile } from "./file_cache.js";
import { MmapError } from "./mmap_error.js";
import { mmapStatus } from "./mmap_status.js";
import { mapLimits, MAX_MAP_OFFSET, type Binding } from "./_binding.js";
import { runChild, temporaryDirectory, writeRandomFile } from "./_test_util.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const directory = temporaryDirectory();
const files = new FileCache();
afterAll(() => {
  files.closeAll();
  directory.remove();
});

/** A child that opens argv[2] with the mmap backend, truncates it, then reads past the new end. */
const TRUNCATE_THEN_READ = `
import { truncateSync, unlinkSync } from "node:fs";
import { openFile, mmapStatus } from "./mod.ts";
const [path, windowSize, truncateTo, readAt, remove] = process.argv.slice(2);
const file = openFile(path, { backend: "mmap", windowSize: Number(windowSize) });
if (file.backend !== "mmap" || !mmapStatus().guarded) throw new Error("not a guarded mapping: " + mmapStatus().summary);
const before = file.bytes(0, 16)[3];
truncateSync(path, Number(truncateTo));
if (remove === "remove") unlinkSync(path);
console.log("first page still reads", before === file.bytes(0, 16)[3]);
const view = file.bytes(Number(readAt), 16);
console.log("not reached", view[0]);
`;

// The workspace installs the patched binding (patches/@riaskov__mmap-io@1.4.3.patch): no skip, so that an
// unpatched binding (a process killed by SIGBUS) fails here.
describe("a mapped file that shrinks (patched binding: SIGBUS guard)", () => {
  test("reading past the new end prints one line naming the file and exits with code 3", () => {
    const path = join(directory.path, "shrinks.bin");
    writeRandomFile(path, MiB, 1);
    const run = runChild(directory.path, TRUNCATE_THEN_READ, [path, String(64 * MiB), "4096", "500000"]);
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toBe("first page still reads true\n");
    expect(run.stderr).toBe(
      `corestack: ${path} changed while it was read (it is now shorter): it had ${MiB} bytes when opened, 4096 now; reading offset 0x7a120 failed\n`,
    );
  });

  test("the same for a window mapped after the file shrank, and for a file removed too", () => {
    const path = join(directory.path, "windows.bin");
    writeRandomFile(path, MiB, 2);
    // 64 KiB windows: the window at 0xe0000 is mapped after the truncation, then read.
    const windowed = runChild(directory.path, TRUNCATE_THEN_READ, [path, String(64 * KiB), String(100 * KiB), String(0xe0010)]);
    expect(windowed.status, windowed.stderr).toBe(3);
    expect(windowed.stderr).toBe(
      `corestack: ${path} changed while it was read (it is now shorter): it had ${MiB} bytes when opened, ${100 * KiB} now; reading offset 0xe0010 failed\n`,
    );
    writeRandomFile(path, MiB, 3);
    const removed = runChild(directory.path, TRUNCATE_THEN_READ, [path, String(64 * MiB), "4096", "8192", "remove"]);
    expect(removed.status, removed.stderr).toBe(3);
    expect(removed.stderr).toBe(
      `corestack: ${path} changed while it was read (it is now shorter): it had ${MiB} bytes when opened; reading offset 0x2000 failed\n`,
    );
  });

  test("a file name with a newline stays on one line", () => {
    const path = join(directory.path, "two\nlines.bin");
    writeRandomFile(path, 256 * KiB, 4);
    const run = runChild(directory.path, TRUNCATE_THEN_READ, [path, String(64 * MiB), "4096", "8192"]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stderr).toBe(
      `corestack: ${directory.path}/two\\x0alines.bin changed while it was read (it is now shorter): it had ${256 * KiB} bytes when opened, 4096 now; reading offset 0x2000 failed\n`,
    );
  });

  test("a SIGBUS outside the guarded mappings still ends the process by the signal", () => {
    const path = join(directory.path, "guarded.bin");
    writeRandomFile(path, 64 * KiB, 5);
    const run = runChild(
      directory.path,
      `import { openFile } from "./mod.ts";
       openFile(process.argv[2], { backend: "mmap" }).bytes(0, 1);
       process.kill(process.pid, "SIGBUS");
       setTimeout(() => console.log("survived"), 1000);`,
      [path],
    );
    expect(run.signal).toBe("SIGBUS");
    expect(run.stdout).toBe("");
  });
});

describe("a file that shrinks under the pread backend", () => {
  test("the read that comes back empty throws MmapError short-read naming the file and both sizes", () => {
    const path = join(directory.path, "pread-shrinks.bin");
    const bytes = writeRandomFile(path, MiB, 6);
    const file = files.open(path, { backend: "pread" });
    expect(file.bytes(0, 8)).toEqual(bytes.subarray(0, 8));
    truncateSync(path, 70_000);
    let caught: unknown;
    try {
      file.bytes(500_000, 16);
    } catch (error) {
      caught = error;
    }
    expect(MmapError.isInstance(caught) && caught.code).toBe("short-read");
    expect((caught as MmapError).message).toBe(
      `${path} changed while it was read (it is now shorter): it had ${MiB} bytes when opened, 70000 now; reading offset 0x70000 failed`,
    );
    expect((caught as MmapError).path).toBe(path);
    // A page cut by the new end: the offset named is where the bytes stop.
    expect(() => file.bytes(65_536 + 10, 8)).toThrow(
      `${path} changed while it was read (it is now shorter): it had ${MiB} bytes when opened, 70000 now; reading offset 0x11170 failed`,
    );
  });
});

describe("files of kernel file systems are refused at open, whatever the backend", () => {
  const sysfs = "/sys/kernel/mm/transparent_hugepage/enabled";
  test.each(["auto", "mmap", "pread"] as const)("backend %s: a sysfs and a procfs file throw kernel-file", (backend) => {
    const files = new FileCache();
    const refused: MmapError[] = [];
    const stop = onRefusedFile((error) => refused.push(error));
    try {
      const procfs = "/proc/self/status";
      expect(readFileSync(procfs).length).toBeGreaterThan(0); // it holds bytes; its size says 0
      expect(() => files.open(procfs, { backend })).toThrow(expect.objectContaining({ code: "kernel-file", fileSystem: "procfs", path: procfs }));
      if (existsSync(sysfs)) {
        expect(() => files.open(sysfs, { backend })).toThrow(`Cannot map ${sysfs}: a file of sysfs, whose size (4096 bytes) is not its length`);
      }
    } finally {
      stop();
    }
    expect(refused.map((error) => error.fileSystem)).toEqual(existsSync(sysfs) ? ["procfs", "sysfs"] : ["procfs"]);
    expect(files.count).toBe(0);
  });

  test("onRefusedFile() hears directories too, and not after it is stopped", () => {
    const heard: string[] = [];
    const stop = onRefusedFile((error) => heard.push(error.code));
    expect(() => files.open(directory.path)).toThrow(MmapError);
    stop();
    expect(() => files.open("/proc/self/status")).toThrow(MmapError);
    expect(heard).toEqual(["not-a-file"]);
  });
});

describe("the binding's limits", () => {
  const upstream = { map: () => new Uint8Array(0), PROT_READ: 1, MAP_PRIVATE: 2 } satisfies Binding;

  test("upstream's binding (no CORESTACK_PATCH) keeps the C int limits and has no guard", () => {
    expect(mapLimits(upstream)).toEqual({ maxOffset: MAX_MAP_OFFSET, maxLength: 0x7fff_ffff, guarded: false });
  });

  test("the patched binding maps any safe offset and says so in mmapStatus()", () => {
    const patched = { ...upstream, CORESTACK_PATCH: 1, MAX_MAP_SIZE: 2 ** 32, MAX_MAP_OFFSET: 2 ** 53 - 1, setFaultExit: () => true };
    expect(mapLimits(patched)).toEqual({ maxOffset: Number.MAX_SAFE_INTEGER, maxLength: 2 ** 32, guarded: true });
    const status = mmapStatus();
    expect(status.bindingPatched, status.summary).toBe(true);
    expect(status.maxMappedOffset).toBe(Number.MAX_SAFE_INTEGER);
    expect(status.summary).toMatch(/^mmap \(@riaskov\/mmap-io@1\.4\.3 with corestack's patch: 64-bit offsets, SIGBUS guard\)$/);
  });
});

// Helpers for this package's tests. Not part of the public API (and not published).
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Makes a fresh temporary directory; `remove()` deletes it with its files. */
export function temporaryDirectory(): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "corestack-mmap-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Writes `length` pseudo-random bytes to `path` and returns them. */
export function writeRandomFile(path: string, length: number, seed: number): Uint8Array {
  const bytes = pseudoRandomBytes(length, seed);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Makes a sparse file of `size` bytes (no disk used) holding `marks` (offset → text). */
export function writeSparseFile(path: string, size: number, marks: ReadonlyMap<number, string>): void {
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, size);
    for (const [offset, text] of marks) writeSync(fd, Buffer.from(text, "latin1"), 0, text.length, offset);
  } finally {
    closeSync(fd);
  }
}

/** How many bytes of `path` this process has mapped, from /proc/self/maps. */
export function mappedBytes(path: string): number {
  let total = 0;
  for (const line of readFileSync("/proc/self/maps", "latin1").split("\n")) {
    const fields = line.split(/\s+/);
    if (fields[5] !== path) continue;
    const [start, end] = (fields[0] ?? "").split("-").map((hex) => Number.parseInt(hex, 16));
    if (start !== undefined && end !== undefined) total += end - start;
  }
  return total;
}

/** How many descriptors of this process are open on `path`, from /proc/self/fd. */
export function openDescriptors(path: string): number {
  let count = 0;
  for (const name of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === path) count++;
    } catch {
      // The descriptor readdir itself used is gone by now.
    }
  }
  return count;
}

// Helpers for this package's tests. Not part of the public API (and not published).
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildSync } from "esbuild";

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

const SOURCE_DIRECTORY = fileURLToPath(new URL(".", import.meta.url));

/**
 * Runs `script` (TypeScript, an ES module that may import this package's sources, e.g.
 * `import { openFile } from "./mod.ts"`) in a child Node process, with `args` as
 * `process.argv.slice(2)`. For what a test process must survive: a process that exits from a
 * signal handler. The sources are bundled with esbuild (no build needed); the binding is loaded
 * from this package's node_modules, as in the tests themselves.
 */
export function runChild(
  directory: string,
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const bundle = buildSync({
    stdin: { contents: script, resolveDir: SOURCE_DIRECTORY, loader: "ts", sourcefile: "child.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    external: ["@riaskov/mmap-io"],
    // _binding.ts must find the binding from this package (import.meta.dirname first, then
    // createRequire(import.meta.url)).
    define: {
      "import.meta.url": JSON.stringify(pathToFileURL(join(SOURCE_DIRECTORY, "_binding.ts")).href),
      "import.meta.dirname": JSON.stringify(dirname(join(SOURCE_DIRECTORY, "_binding.ts"))),
    },
    logLevel: "silent",
  });
  const file = join(directory, `child-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, bundle.outputFiles[0]?.text ?? "");
  const result = spawnSync(process.execPath, [file, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  rmSync(file, { force: true });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

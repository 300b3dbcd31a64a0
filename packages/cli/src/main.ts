#!/usr/bin/env node
// The `corestack` command: `run()` with the process's arguments, output and environment.
//
// Output goes straight to file descriptors 1 and 2 with `writeSync`, not through
// `process.stdout`/`process.stderr`: those getters load Node's stream modules (and `net`, `tty`),
// ~2 ms of every start for one synchronous write (README.md, "Performance").
import { existsSync, fstatSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { run, wantsNative } from "./run.js";

/** Sleeps `milliseconds` (a blocking wait: the process has nothing else to do meanwhile). */
function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/**
 * A function that writes all of a text to `fd`, synchronously. A reader that went away (`EPIPE`,
 * as with `corestack … | head`) ends the writing quietly; a non-blocking descriptor that is full
 * (`EAGAIN`) is waited for.
 */
function writer(fd: number): (text: string) => void {
  let closed = false;
  return (text) => {
    if (closed || text.length === 0) return;
    const bytes = Buffer.from(text, "utf8");
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(fd, bytes, done, bytes.length - done);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === "EAGAIN") sleep(1);
        else if (code === "EPIPE") {
          closed = true;
          return;
        } else throw error;
      }
    }
  };
}

/**
 * Whether `fd` is a terminal. Only a character device can be one; the memory devices (major
 * number 1: `/dev/null`, `/dev/zero`…) never are. Only for another character device is `node:tty`
 * loaded (it loads Node's streams) to ask the kernel.
 */
function isTerminal(fd: number): boolean {
  try {
    // BigInt stats, as everywhere in a run: each kind of Stats object compiles its own Node code.
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isCharacterDevice()) return false;
    if (stat.rdev < 1n << 32n && (stat.rdev >> 8n) % 4096n === 1n) return false;
    const tty = createRequire(import.meta.url)("node:tty") as typeof import("node:tty");
    return tty.isatty(fd);
  } catch {
    return false;
  }
}

const argv = process.argv.slice(2);
const io = {
  stdout: writer(1),
  stderr: writer(2),
  // Asked only when the colour depends on it (text output, no --color/--no-color, no NO_COLOR/FORCE_COLOR).
  get stdoutIsTTY() {
    return isTerminal(1);
  },
  // Asked only under --exhaustive (its progress bar).
  get stderrIsTTY() {
    return isTerminal(2);
  },
  env: process.env,
};
if (wantsNative(argv)) {
  // --native and kin only: the unwinder is loaded (and, in the bundle, initialised) here, never by
  // a default run. The demangler's .wasm is next to this file (build.mjs copies it to dist/); from
  // the sources it is resolved from its package.
  const wasm = new URL("index_bg.wasm", import.meta.url);
  // The exit code is set only when the promise settles: the launcher lets Node finish the run.
  import("@corestack/unwind").then(
    (unwind) => {
      process.exitCode = run(argv, io, { unwind, wasm: wasm.protocol === "file:" && existsSync(wasm) ? fileURLToPath(wasm) : undefined });
    },
    (error: unknown) => {
      io.stderr(`corestack: internal error: the native unwinder did not load: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 4;
    },
  );
} else {
  // Set before this module's code returns: the launcher ends the process then (launcher.ts).
  process.exitCode = run(argv, io);
}

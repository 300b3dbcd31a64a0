// A test hook: pause right after a given file is opened (and mapped), so that a test can change
// the file between the open and the reads, deterministically. Private to this package.
import { readSync, writeSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The environment variable naming the file to pause after. Tests only: with it set, the process
 * writes `corestack-test: paused after opening PATH` to stderr once that file is opened, then
 * waits for one byte (or the end) on stdin.
 */
export const PAUSE_VARIABLE = "CORESTACK_TEST_PAUSE_AFTER_OPEN";

/** Pauses when `absolute` is the file named by {@linkcode PAUSE_VARIABLE}; else returns at once. */
export function pauseAfterOpen(absolute: string): void {
  const wanted = process.env[PAUSE_VARIABLE];
  if (wanted === undefined || wanted === "" || resolve(wanted) !== absolute) return;
  writeSync(2, `corestack-test: paused after opening ${absolute}\n`);
  const byte = new Uint8Array(1);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      readSync(0, byte, 0, 1, null);
      return; // a byte, or the end of stdin
    } catch (error) {
      // stdin in non-blocking mode: wait and try again.
      if ((error as { code?: unknown }).code !== "EAGAIN") return;
      Atomics.wait(sleeper, 0, 0, 10);
    }
  }
}

// Benchmark: 100k random reads of 8–64 bytes from a 2 GiB sparse file, through the backend that
// `openFile()` picks (set CORESTACK_NO_MMAP=1 for the pread fallback). Run by `pnpm bench`
// (tools/bench.sh), which compiles it with tsconfig.bench.json and runs it under `strace -c -f`.
//
//   node mmap_bench.js create FILE        make the 2 GiB sparse file with data across it
//   node mmap_bench.js read FILE [READS [PASSES]]  time READS (default 100000) random reads,
//                                                  PASSES times (default 2) over the same offsets
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";
import { closeAllFiles, mmapStatus, openFile, type ByteSource } from "./mod.js";

const FILE_SIZE = 2 * 1024 ** 3;
const CHUNK = 64 * 1024;
const CHUNK_EVERY = 16 * 1024 ** 2;

/** xorshift32: the same offsets for both backends. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function create(path: string): void {
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, FILE_SIZE);
    const next = random(1);
    const chunk = new Uint8Array(CHUNK);
    for (let offset = 0; offset < FILE_SIZE; offset += CHUNK_EVERY) {
      for (let index = 0; index < CHUNK; index++) chunk[index] = (next() * 256) | 0;
      writeSync(fd, chunk, 0, CHUNK, offset);
    }
  } finally {
    closeSync(fd);
  }
}

/** One pass of `reads` random reads (the same offsets every pass); returns [milliseconds, checksum]. */
function pass(file: ByteSource, reads: number): [number, number] {
  const next = random(2);
  let checksum = 0;
  const started = process.hrtime.bigint();
  for (let count = 0; count < reads; count++) {
    const length = 8 + Math.floor(next() * 57);
    const offset = Math.floor(next() * (file.size - length));
    const bytes = file.bytes(offset, length);
    checksum = (checksum + (bytes[0] ?? 0) + (bytes[length - 1] ?? 0) * 3) % 1_000_000_007;
  }
  return [Number(process.hrtime.bigint() - started) / 1e6, checksum];
}

function read(path: string, reads: number, passes: number): void {
  const started = process.hrtime.bigint();
  const file = openFile(path);
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  // First pass: every read may touch a page this process has not touched yet (a page fault with
  // mmap). Second pass, same offsets: with mmap, only the cost of bytes() itself.
  const [firstMs, checksum] = pass(file, reads);
  const [secondMs, again] = passes > 1 ? pass(file, reads) : [0, checksum];
  if (again !== checksum) throw new Error(`checksums differ between passes: ${checksum} ${again}`);
  closeAllFiles();
  const perRead = (ms: number): number => (reads === 0 ? 0 : Math.round((ms * 1e6) / reads));
  console.log(
    JSON.stringify({
      backend: file.backend,
      status: mmapStatus().summary,
      reads,
      openMs: Number(openMs.toFixed(3)),
      firstPassMs: Number(firstMs.toFixed(1)),
      firstPassNsPerRead: perRead(firstMs),
      secondPassMs: Number(secondMs.toFixed(1)),
      secondPassNsPerRead: perRead(secondMs),
      checksum,
    }),
  );
}

const [command, path, count, passes] = process.argv.slice(2);
if (command === "create" && path !== undefined) create(path);
else if (command === "read" && path !== undefined) {
  read(path, count === undefined ? 100_000 : Number(count), passes === undefined ? 2 : Number(passes));
} else {
  console.error("usage: node mmap_bench.js create FILE | read FILE [READS [PASSES]]");
  process.exitCode = 2;
}

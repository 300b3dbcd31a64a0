// gzip through Node's own zlib (native, ~3 times faster than a JavaScript inflate), although
// `corestack core` runs synchronously: zlib has no synchronous streaming API (gunzipSync() needs
// the whole output in memory), so a worker thread runs a zlib stream and this thread waits for
// its output with Atomics.wait(), taking messages with receiveMessageOnPort(). Private to this
// package.
import { createRequire } from "node:module";
import { CompressedDataError } from "./_compressed_input.js";

type WorkerThreads = typeof import("node:worker_threads");

/**
 * The worker: plain JavaScript evaluated as a script (`eval: true`), so that it needs no file of
 * its own beside the bundle. It writes each chunk it receives into a gunzip stream and posts the
 * output, the input it consumed, the end or the error, bumping the shared counter and waking the
 * main thread after each message.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const zlib = require("node:zlib");
const { port, signal } = workerData;
const post = (message, transfer) => {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
// A copy of exactly the output (zlib's Buffers are views of larger ones), moved, not cloned.
gunzip.on("data", (data) => {
  const copy = new Uint8Array(data);
  post({ data: copy }, [copy.buffer]);
});
process.on("uncaughtException", (error) => post({ error: String(error && error.message), code: "worker" }));
gunzip.on("end", () => {
  post({ end: true });
  port.close();
});
gunzip.on("error", (error) => {
  post({ error: String(error.message), code: String(error.code || "") });
  port.close();
});
port.on("message", (message) => {
  if (message.chunk) gunzip.write(message.chunk, () => post({ consumed: message.chunk.byteLength }));
  else if (message.end) gunzip.end();
});
`;

/** How many input chunks may wait in the worker: enough to keep it busy, little memory. */
const IN_FLIGHT = 4;

/**
 * Decompresses gzip data (one or more members) with Node's zlib in a worker thread, feeding it
 * `chunks` and handing its output to `sink` in order, synchronously.
 * @param chunks the compressed data in order (views are copied into the messages).
 * @param sink receives decompressed chunks.
 * @param progress called as input is consumed, with the total consumed.
 * @throws {CompressedDataError} when zlib reports corrupt (`Z_DATA_ERROR`…) or truncated (`Z_BUF_ERROR`) data.
 * @internal
 */
export function gunzipChunks(chunks: Iterable<Uint8Array>, sink: (chunk: Uint8Array) => void, progress: (consumed: number) => void): void {
  const threads = createRequire(import.meta.url)("node:worker_threads") as WorkerThreads;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new threads.MessageChannel();
  const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { port: port2, signal }, transferList: [port2] });
  worker.unref();
  let consumed = 0;
  let inFlight = 0;
  let ended = false;
  let seen = 0;
  /** Takes every message waiting; true when the stream ended. */
  const drain = (): boolean => {
    for (let message = threads.receiveMessageOnPort(port1); message !== undefined; message = threads.receiveMessageOnPort(port1)) {
      const value = message.message as { data?: Uint8Array; consumed?: number; end?: true; error?: string; code?: string };
      if (value.data !== undefined) sink(value.data);
      else if (value.consumed !== undefined) {
        consumed += value.consumed;
        inFlight--;
        progress(consumed);
      } else if (value.end) ended = true;
      else if (value.error !== undefined) {
        // zlib: Z_BUF_ERROR is "unexpected end of file"; anything else is damage.
        throw new CompressedDataError(`${value.error} (${value.code})`, consumed, { truncated: value.code === "Z_BUF_ERROR" });
      }
    }
    return ended;
  };
  /** Waits for the worker's next message(s) (or a second, to stay responsive to nothing in particular). */
  const wait = (): void => {
    Atomics.wait(signal, 0, seen, 1000);
    seen = Atomics.load(signal, 0);
  };
  try {
    for (const chunk of chunks) {
      while (inFlight >= IN_FLIGHT) {
        wait();
        drain();
      }
      // A copy of the range only: cloning a view of the mapped file would copy all of it.
      const copy = chunk.slice();
      port1.postMessage({ chunk: copy }, [copy.buffer]);
      inFlight++;
      drain();
    }
    port1.postMessage({ end: true });
    while (!drain()) wait();
  } finally {
    port1.close();
    void worker.terminate();
  }
}

// @ts-check
// A worker of the DWARF fuzzer (fuzz_dwarf_lib.mjs): loads the corpus once, then runs the inputs it
// is sent, one at a time, and answers with their class. A hang is the parent's business: it
// terminates a worker that does not answer in time.
import { parentPort, workerData } from "node:worker_threads";
import { builtPackages, exercise, loadCorpusFile } from "./fuzz_dwarf_lib.mjs";

/** @typedef {import("./fuzz_dwarf_lib.mjs").CorpusEntry} CorpusEntry */
/** @typedef {import("./fuzz_dwarf_lib.mjs").DwarfFuzzInput} DwarfFuzzInput */

if (!parentPort) throw new Error("fuzz_dwarf_worker.mjs runs as a worker thread of fuzz_dwarf_lib.mjs");
const port = parentPort;

try {
  const packages = await builtPackages();
  /** @type {Map<string, CorpusEntry>} */
  const corpus = new Map();
  for (const file of /** @type {{ files: string[] }} */ (workerData).files) corpus.set(file, await loadCorpusFile(file, packages));
  port.on("message", (/** @type {DwarfFuzzInput} */ input) => {
    try {
      const entry = corpus.get(input.file);
      if (!entry) throw new Error(`${input.file} is not in the corpus of this worker`);
      port.postMessage(exercise(packages, entry, input));
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const where =
        error instanceof Error
          ? (error.stack ?? "")
              .split("\n")
              .find((line) => /^\s+at /.test(line))
              ?.trim()
          : undefined;
      port.postMessage({ class: "crash", reason: text, stack: where ?? "" });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) });
}

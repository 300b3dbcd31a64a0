// A worker of the DWARF fuzzer (fuzz_dwarf_lib.mjs): loads the corpus once, then runs the inputs it
// is sent, one at a time, and answers with their class. A hang is the parent's business: it
// terminates a worker that does not answer in time.
import { parentPort, workerData } from "node:worker_threads";
import { builtPackages, exercise, loadCorpusFile } from "./fuzz_dwarf_lib.mjs";

try {
  const packages = await builtPackages();
  const corpus = new Map();
  for (const file of workerData.files) corpus.set(file, await loadCorpusFile(file, packages));
  parentPort.on("message", (input) => {
    try {
      parentPort.postMessage(exercise(packages, corpus.get(input.file), input));
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const where =
        error instanceof Error
          ? (error.stack ?? "")
              .split("\n")
              .find((line) => /^\s+at /.test(line))
              ?.trim()
          : undefined;
      parentPort.postMessage({ class: "crash", reason: text, stack: where ?? "" });
    }
  });
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) });
}

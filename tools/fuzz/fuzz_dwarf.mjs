#!/usr/bin/env node
// @ts-check
// Mutation fuzzer of @corestack/dwarf: see tools/fuzz/README.md ("DWARF").
//
//   node tools/fuzz/fuzz_dwarf.mjs                       # 500 inputs, seed 1
//   node tools/fuzz/fuzz_dwarf.mjs --runs 20000 --seed 7 # a longer run
//   node tools/fuzz/fuzz_dwarf.mjs --replay tools/fuzz/findings/dwarf/crash-….json
//
// Exit status: 0 when no crash or hang was found (or every replay was clean), 1 otherwise, 2 on usage.

import { commandLine } from "./fuzz_lib.mjs";
import { formatDwarfSummary, replayDwarf, runDwarfBatch, summariseDwarf } from "./fuzz_dwarf_lib.mjs";

const USAGE = `Usage: node tools/fuzz/fuzz_dwarf.mjs [options]
       node tools/fuzz/fuzz_dwarf.mjs --replay FILE [FILE...]

Options:
  --seed N          seed of the input sequence (default 1)
  --runs N          number of inputs (default 500)
  --time-budget S   stop starting inputs after S seconds
  --workers N       worker threads (default 2)
  --timeout S       per-input time limit; beyond it the input is a hang (default 10)
  --files LIST      comma-separated ELF files (default: libpython 3.12, 2.7, 3.13, /usr/bin/python3.11, libc)
  --no-save         do not write reproducers to tools/fuzz/findings/dwarf/
  --replay          replay reproducers and print their classification now
`;

const { values, positionals, number } = commandLine(USAGE, {
  seed: { type: "string" },
  runs: { type: "string" },
  "time-budget": { type: "string" },
  workers: { type: "string" },
  timeout: { type: "string" },
  files: { type: "string" },
  "no-save": { type: "boolean" },
  replay: { type: "boolean" },
});
const timeoutMs = number("timeout", 10) * 1000;

if (values.replay) {
  if (positionals.length === 0) {
    process.stderr.write(`--replay needs reproducer files\n${USAGE}`);
    process.exit(2);
  }
  const outcomes = await replayDwarf(positionals, { timeoutMs });
  for (const o of outcomes) process.stdout.write(`${o.class.padEnd(8)} ${o.path}${o.reason ? `: ${o.reason}` : ""}\n`);
  process.exit(outcomes.some((o) => o.class === "crash" || o.class === "hang") ? 1 : 0);
}

const started = performance.now();
const { results, files } = await runDwarfBatch({
  seed: number("seed", 1),
  runs: number("runs", 500),
  workers: Math.max(1, Math.floor(number("workers", 2))),
  timeoutMs,
  ...(values["time-budget"] !== undefined ? { timeBudgetMs: number("time-budget", 0) * 1000 } : {}),
  ...(values.files ? { files: values.files.split(",") } : {}),
  save: !values["no-save"],
  onResult: (r) => {
    if (r.class === "crash" || r.class === "hang")
      process.stderr.write(`${r.class}: input ${r.index} (${r.target} of ${r.file}): ${r.reason}${r.saved ? ` → ${r.saved}` : ""}\n`);
  },
});
const summary = summariseDwarf(results);
process.stdout.write(`files: ${files.join(", ")}\n${formatDwarfSummary(summary)}\n${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(summary.totals.crash + summary.totals.hang > 0 ? 1 : 0);

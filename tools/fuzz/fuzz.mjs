#!/usr/bin/env node
// @ts-check
// Mutation fuzzer of `corestack core`: see tools/fuzz/README.md.
//
//   node tools/fuzz/fuzz.mjs                      # 200 inputs, seed 1
//   node tools/fuzz/fuzz.mjs --runs 2000 --seed 7 # a longer run
//   node tools/fuzz/fuzz.mjs --time-budget 600    # as many as fit in 10 minutes
//   node tools/fuzz/fuzz.mjs --replay tools/fuzz/findings/crash-….json
//
// Exit status: 0 when no crash or hang was found (or every replay was clean), 1 otherwise, 2 on usage.

import path from "node:path";
import { DEFAULT_CASES, commandLine, defaultCli, formatSummary, replay, runBatch } from "./fuzz_lib.mjs";

const USAGE = `Usage: node tools/fuzz/fuzz.mjs [options]
       node tools/fuzz/fuzz.mjs --replay FILE [FILE...]

Options:
  --seed N          seed of the input sequence (default 1)
  --runs N          number of inputs (default 200)
  --time-budget S   stop starting inputs after S seconds
  --workers N       CLI processes at a time, 1 or 2 (default 2)
  --timeout S       per-input time limit; beyond it the input is a hang (default 20)
  --text-share P    share of inputs run in text mode instead of --json (default 0.2)
  --cases LIST      comma-separated INTERPRETER/SCENARIO (default: ${DEFAULT_CASES.map((c) => `${c.interpreter}/${c.scenario}`).join(",")})
  --cli PATH        the corestack entry to run (default: the one packages/cli/test/_cli.ts names)
  --no-save         do not write reproducers to tools/fuzz/findings/
  --no-hot          do not aim mutations at the memory the analysis reads (uniform over segments)
  --native          run every input with --native (native frames merged with the Python ones)
  --replay FILE     replay reproducers and print their classification now
  --mode json|text  with --replay: override the reproducer's mode
`;

const { values, positionals, number } = commandLine(USAGE, {
  seed: { type: "string" },
  runs: { type: "string" },
  "time-budget": { type: "string" },
  workers: { type: "string" },
  timeout: { type: "string" },
  "text-share": { type: "string" },
  cases: { type: "string" },
  cli: { type: "string" },
  "no-save": { type: "boolean" },
  "no-hot": { type: "boolean" },
  native: { type: "boolean" },
  replay: { type: "boolean" },
  mode: { type: "string" },
});
const mode = values.mode;
if (mode !== undefined && mode !== "json" && mode !== "text") {
  process.stderr.write(`--mode wants json or text, not ${JSON.stringify(mode)}\n${USAGE}`);
  process.exit(2);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130)); // runs the scratch clean-up
const cli = values.cli ? path.resolve(values.cli) : defaultCli();
const timeoutMs = number("timeout", 20) * 1000;
/** @param {string} line */
const log = (line) => process.stderr.write(`${line}\n`);

if (values.replay) {
  if (positionals.length === 0) {
    process.stderr.write(`--replay needs reproducer files\n${USAGE}`);
    process.exit(2);
  }
  let bad = 0;
  for (const file of positionals) {
    const outcome = await replay(path.resolve(file), { cli, timeoutMs, ...(mode ? { mode } : {}) });
    const clean = outcome.class === "analysed" || outcome.class === "refusal";
    if (!clean) bad++;
    console.log(`${file}: ${outcome.class} (exit ${outcome.status ?? outcome.signal}, ${outcome.elapsedMs} ms) ${outcome.reason}`);
    if (!clean)
      console.log(
        outcome.stderr
          .split("\n")
          .slice(0, 20)
          .map((l) => `  | ${l}`)
          .join("\n"),
      );
  }
  process.exit(bad > 0 ? 1 : 0);
}

let cases;
if (values.cases) {
  cases = values.cases.split(",").map((entry) => {
    const [interpreter, scenario] = entry.split("/");
    const known = DEFAULT_CASES.find((c) => c.interpreter === interpreter);
    const version = known?.version ?? /(\d+\.\d+)/.exec(interpreter ?? "")?.[1] ?? "";
    if (!interpreter || !scenario) {
      process.stderr.write(`--cases wants INTERPRETER/SCENARIO, not ${JSON.stringify(entry)}\n`);
      process.exit(2);
    }
    return { interpreter, version, scenario };
  });
}

const seed = number("seed", 1);
const runs = number("runs", 200);
log(`corestack fuzz: seed ${seed}, ${runs} runs, cli ${path.relative(process.cwd(), cli) || cli}`);
const batch = await runBatch({
  seed,
  runs,
  ...(values["time-budget"] !== undefined ? { timeBudgetS: number("time-budget", 0) } : {}),
  workers: number("workers", 2),
  timeoutMs,
  textShare: number("text-share", 0.2),
  cli,
  ...(cases ? { cases } : {}),
  save: !values["no-save"],
  hot: !values["no-hot"],
  native: values.native === true,
  log,
});
console.log(`\n${batch.runs} inputs in ${(batch.elapsedMs / 1000).toFixed(1)} s (seed ${seed})\n`);
console.log(formatSummary(batch.summary));
process.exit(batch.summary.total.crash + batch.summary.total.hang > 0 ? 1 : 0);

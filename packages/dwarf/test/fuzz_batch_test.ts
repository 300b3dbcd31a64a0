// The fixed-seed batch of tools/fuzz/fuzz_dwarf.mjs that CI runs on every change: mutated CFI,
// debugging information and line programs of the real libraries the test cores map, each run
// through every API of the built package in a worker with a time limit. And the replay of every
// reproducer the DWARF fuzzer ever saved (tools/fuzz/findings/dwarf/): a finding stays a test.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DWARF_FINDINGS_DIR, defaultFiles, formatDwarfSummary, replayDwarf, runDwarfBatch, summariseDwarf } from "../../../tools/fuzz/fuzz_dwarf_lib.mjs";

const files = defaultFiles();

describe.skipIf(files.length === 0)("tools/fuzz/fuzz_dwarf.mjs, CI batch", () => {
  it("400 mutated inputs of seed 1: 0 crashes, 0 hangs, and the error paths are reached", async () => {
    const { results } = await runDwarfBatch({ seed: 1, runs: 400, workers: 2, timeoutMs: 20_000, save: false });
    const summary = summariseDwarf(results);
    console.log(formatDwarfSummary(summary));
    const bad = results.filter((r) => r.class === "crash" || r.class === "hang");
    expect(bad.map((r) => `${r.class} ${r.target} ${r.file} input ${r.index}: ${r.reason}`)).toEqual([]);
    expect(summary.inputs).toBe(400);
    // Mutations that never reach a check would make this batch prove nothing.
    expect(summary.totals.refused).toBeGreaterThan(100);
    for (const target of ["cfi", "info", "line"] as const) {
      const hasTarget = results.some((r) => r.target === target);
      if (hasTarget)
        expect(
          results.some((r) => r.target === target && r.class === "refused"),
          `${target} refusals`,
        ).toBe(true);
    }
  }, 180_000);

  const findings = existsSync(DWARF_FINDINGS_DIR)
    ? readdirSync(DWARF_FINDINGS_DIR)
        .filter((name) => name.endsWith(".json"))
        .sort()
    : [];
  it.skipIf(findings.length === 0)(
    `every saved DWARF reproducer (${findings.length}) is now read or refused cleanly`,
    async () => {
      const outcomes = await replayDwarf(
        findings.map((name) => join(DWARF_FINDINGS_DIR, name)),
        { timeoutMs: 20_000 },
      );
      expect(outcomes.filter((o) => o.class === "crash" || o.class === "hang")).toEqual([]);
    },
    180_000,
  );
});

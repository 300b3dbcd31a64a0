import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defaultExclude, defineConfig } from "vitest/config";

const ROOT = fileURLToPath(new URL(".", import.meta.url));

/** Every test file of the workspace: beside the code, in a package's `test/`, and in `tools/`. */
const ALL_TESTS = ["packages/*/src/**/*_test.ts", "packages/*/test/**/*_test.ts", "tools/**/*_test.ts"];

/** A test that imports from the repository's `tools/` uses real cores, real interpreters or a fuzzer (but for the hand-built images of `tools/testing/builders.ts`). */
const USES_TOOLS = /["'](?:\.\.\/)+tools\/(?!testing\/builders\.js)/;

/**
 * The fast tier (project "unit", `pnpm test:unit`): the tests beside the code,
 * `packages/<name>/src/**\/*_test.ts`, except
 * - `*_fuzz_test.ts`: mutated real inputs (sections of compiled programs and libraries), hundreds
 *   of runs each;
 * - tests that import from `tools/`: real cores made by `tools/testing`, the interpreters and the
 *   layout probe of `tools/layouts`, the fuzzers of `tools/fuzz`.
 * What stays reads bytes the test builds, small programs compiled on the spot, and files of this
 * machine.
 *
 * Everything else is project "e2e": `packages/<name>/test/` (the built CLI end to end, real cores,
 * comparisons with binutils on real libraries, packing, fuzz batches), `tools/**`, and the two
 * kinds above. The split is read from file names and imports when the config loads, so a new test
 * lands in its tier without a list to keep.
 */
function unitTests(): string[] {
  const files: string[] = [];
  for (const name of readdirSync(`${ROOT}packages`)) {
    let entries: string[];
    try {
      entries = readdirSync(`${ROOT}packages/${name}/src`, { recursive: true, encoding: "utf8" });
    } catch (error) {
      // A directory under packages/ without src/ (or a stray file) holds no unit tests.
      const code = (error as { code?: string }).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.endsWith("_test.ts") || entry.endsWith("_fuzz_test.ts") || entry.split("/").includes("node_modules")) continue;
      const path = `packages/${name}/src/${entry}`;
      if (!USES_TOOLS.test(readFileSync(`${ROOT}${path}`, "utf8"))) files.push(path);
    }
  }
  return files.sort();
}

const UNIT_TESTS = unitTests();

// One config for the whole workspace. Workspace packages resolve to their TypeScript sources
// through the "@corestack/source" export condition, so unit tests need no build; end-to-end
// tests run the built CLI (`pnpm test` builds first). `vitest run` runs both projects (the whole
// suite); `vitest run --project unit` the fast tier.
export default defineConfig({
  resolve: { conditions: ["@corestack/source"] },
  ssr: { resolve: { conditions: ["@corestack/source"], externalConditions: ["@corestack/source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "unit", include: UNIT_TESTS } },
      { extends: true, test: { name: "e2e", include: ALL_TESTS, exclude: [...defaultExclude, ...UNIT_TESTS] } },
    ],
    // CI asks for a JSON report to print "N passed, N failed" (vitest prints no such line).
    ...(process.env.CORESTACK_VITEST_JSON ? { reporters: ["default", "json"], outputFile: { json: process.env.CORESTACK_VITEST_JSON } } : {}),
  },
});

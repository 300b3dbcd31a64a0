import { defineConfig } from "vitest/config";

// One config for the whole workspace. Workspace packages resolve to their TypeScript sources
// through the "@corestack/source" export condition, so unit tests need no build; end-to-end
// tests run the built CLI (`pnpm test` builds first).
export default defineConfig({
  resolve: { conditions: ["@corestack/source"] },
  ssr: { resolve: { conditions: ["@corestack/source"], externalConditions: ["@corestack/source"] } },
  test: {
    include: ["packages/*/src/**/*_test.ts", "packages/*/test/**/*_test.ts", "tools/**/*_test.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: "forks",
    // CI asks for a JSON report to print "N passed, N failed" (vitest prints no such line).
    ...(process.env.CORESTACK_VITEST_JSON
      ? { reporters: ["default", "json"], outputFile: { json: process.env.CORESTACK_VITEST_JSON } }
      : {}),
  },
});

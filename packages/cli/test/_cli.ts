import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI entry (tests run after `pnpm build`): the unbundled tsc output. */
export const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** The published entry (build.mjs): the launcher, which runs dist/corestack_bundle.js with V8's code cache. */
export const BUNDLED_CLI = fileURLToPath(new URL("../dist/corestack.cjs", import.meta.url));

/**
 * The node that runs the CLI in these tests: `$CORESTACK_TEST_NODE` when set (node_versions_test.ts
 * runs suites under each supported Node major this way), else the node running the tests.
 */
export const NODE = process.env.CORESTACK_TEST_NODE || process.execPath;

/**
 * The entry these tests run: `$CORESTACK_TEST_CLI` — "bundle" for {@link BUNDLED_CLI}, or the
 * absolute path of another installed launcher (node_versions_test.ts: one whose mmap binding is
 * built for `$CORESTACK_TEST_NODE`) — else {@link CLI}.
 */
export const ENTRY = ((setting) => (setting === "bundle" ? BUNDLED_CLI : setting?.startsWith("/") ? setting : CLI))(process.env.CORESTACK_TEST_CLI);

/** Runs the built `corestack` ({@link NODE} {@link ENTRY}) with arguments; returns exit code and output. */
export function corestack(args: readonly string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(NODE, [ENTRY, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    maxBuffer: 256 << 20,
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI entry (tests run after `pnpm build`). */
export const CLI = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Runs the built `corestack` with arguments; returns exit code and output. */
export function corestack(args: readonly string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    maxBuffer: 256 << 20,
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

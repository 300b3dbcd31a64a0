// Test helper: builds small programs at test time (gcc, g++, rustc) into .cache/unwind/programs/
// and runs them under `ulimit -c unlimited` in a fresh directory to collect the kernel's core.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../tools/testing/cores.js";

export const PROGRAMS_ROOT = join(REPO_ROOT, ".cache", "unwind", "programs");

/** Whether a command runs here. */
export function hasCommand(command: string, args: string[] = ["--version"]): boolean {
  return spawnSync(command, args, { encoding: "utf8" }).status === 0;
}

/** Why cores cannot be collected from the working directory, or undefined when they can. */
export function plainCorePatternProblem(): string | undefined {
  const pattern = readFileSync("/proc/sys/kernel/core_pattern", "utf8").trim();
  return pattern === "core" || pattern === "core.%p"
    ? undefined
    : `kernel.core_pattern is ${JSON.stringify(pattern)}, not "core": these tests collect the core from the working directory`;
}

/**
 * Builds (once, cached by the sources and the command) into a directory and returns it.
 * @param name a label for the directory.
 * @param sources file name → text, written into the directory.
 * @param commands each [program, ...args], run in the directory.
 */
export function build(name: string, sources: Record<string, string>, commands: string[][]): string {
  const key = createHash("sha256").update(JSON.stringify({ sources, commands })).digest("hex").slice(0, 12);
  const directory = join(PROGRAMS_ROOT, `${name}-${key}`);
  if (existsSync(join(directory, ".built"))) return directory;
  mkdirSync(PROGRAMS_ROOT, { recursive: true });
  const temporary = mkdtempSync(join(PROGRAMS_ROOT, `.${name}-`));
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(temporary, file), text);
  for (const [program, ...args] of commands) {
    const run = spawnSync(program!, args, { cwd: temporary, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${program} ${args.join(" ")} failed:\n${run.stdout}${run.stderr}`);
  }
  writeFileSync(join(temporary, ".built"), "");
  try {
    renameSync(temporary, directory);
  } catch {
    rmSync(temporary, { recursive: true, force: true }); // another worker built it first
  }
  return directory;
}

/**
 * Runs a command that must die of a signal and dump core, in a new directory under `directory`.
 * @returns the core's path.
 */
export function crash(directory: string, command: string[], env: Record<string, string> = {}): string {
  const run = mkdtempSync(join(directory, "run-"));
  const script = 'ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -Hc)"; exec "$@"';
  const result = spawnSync("bash", ["-c", script, "crash", ...command], { cwd: run, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  if (result.signal === null)
    throw new Error(`${command.join(" ")} exited with ${result.status} instead of dying of a signal:\n${result.stdout}${result.stderr}`);
  for (let attempt = 0; attempt < 40; attempt++) {
    const found = readdirSync(run).find((file) => /^core(\.\d+)?$/.test(file));
    if (found) return join(run, found);
    spawnSync("sleep", ["0.05"]);
  }
  throw new Error(`${command.join(" ")} died of ${result.signal} but left no core in ${run}`);
}

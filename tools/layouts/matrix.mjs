// @ts-check
// The interpreters the layout tests run against: one per supported minor version. The generator
// adds a version here (and to packages/cpython-layouts/src/layouts.ts) when it first probes it.

import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { readProvidedDebianPython } from "../testing/debian_pythons.mjs";

/** Minor versions with a table, oldest first. */
export const MATRIX = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"];

/**
 * A sortable number for `"3.14"`.
 * @param {string} version
 */
export function versionKey(version) {
  const [major, minor] = version.split(".").map(Number);
  return (major ?? 0) * 1000 + (minor ?? 0);
}

/**
 * Finds an interpreter of a minor version: `$CORESTACK_PYTHON_3_13` (dots as underscores) if set,
 * else the newest `$PYENV_ROOT/versions/3.13.*` (default `~/.pyenv`), else the Debian build that
 * `tools/testing/debian_pythons.mjs` provided (3.14, 3.15: its `-dev` headers come with it).
 * Headers must be installed.
 * @param {string} version "3.13"
 * @returns {string | undefined} path of the executable
 */
export function findInterpreter(version) {
  const fromEnvironment = process.env[`CORESTACK_PYTHON_${version.replace(".", "_")}`];
  if (fromEnvironment) return fromEnvironment;
  const root = join(process.env.PYENV_ROOT ?? join(homedir(), ".pyenv"), "versions");
  const debian = () => readProvidedDebianPython(version)?.python;
  if (!existsSync(root)) return debian();
  const candidates = readdirSync(root)
    .map((entry) => ({ entry, match: new RegExp(`^${version.replace(".", "\\.")}\\.(\\d+)$`).exec(entry) }))
    .filter(({ match }) => match !== null)
    .sort((a, b) => Number(b.match?.[1]) - Number(a.match?.[1]));
  for (const { entry } of candidates) {
    const python = join(root, entry, "bin", `python${version}`);
    if (existsSync(python)) return python;
  }
  return debian();
}

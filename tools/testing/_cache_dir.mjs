// @ts-check
// Where the test tools cache what they provide, outside the repository.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A cache directory of the test tools: `$VARIABLE` when set, else
 * `${XDG_CACHE_HOME:-~/.cache}/corestack/NAME`.
 * @param {string} variable the environment variable that overrides it (CORESTACK_…_CACHE).
 * @param {string} name the directory under corestack/.
 * @returns {string} an absolute path.
 */
export function corestackCacheDir(variable, name) {
  const explicit = process.env[variable];
  if (explicit) return path.resolve(explicit);
  const xdg = process.env["XDG_CACHE_HOME"];
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache");
  return path.join(base, "corestack", name);
}

/**
 * A JSON record a provider keeps in its cache directory (its marker `.provided.json`, its
 * `status.json`): the parsed object when the file exists, parses and has this `format`; else null
 * (the provider never ran there, the file is damaged, or of another layout).
 * @param {string} file
 * @param {number} format
 * @returns {({ format: number } & Record<string, unknown>) | null} to be cast to the record's type by the caller.
 */
export function readCacheRecord(file, format) {
  let record;
  try {
    record = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  return typeof record === "object" && record !== null && record.format === format ? record : null;
}

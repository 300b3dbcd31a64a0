// @ts-check
// Where the test tools cache what they provide, outside the repository.
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

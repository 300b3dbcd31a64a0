// @ts-check
// The test tools' one PATH lookup. Private to tools/testing.
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The first executable file named `name` on `PATH`, like `command -v`, without running a shell.
 * @param {string} name
 * @returns {string | null}
 */
export function which(name) {
  for (const directory of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

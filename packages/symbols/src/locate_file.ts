import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

/** Where to look for a module's file besides the path the process recorded. */
export interface LocateOptions {
  /** Directories searched by file name (`--lib-search-path A:B`). */
  readonly searchPath?: readonly string[];
  /** A directory tree searched by file name (`--lib-search-root DIR`). */
  readonly searchRoot?: string;
  /** Receives a warning when the search root holds more files than are indexed. */
  readonly warn?: (message: string) => void;
}

/** The most files and directories indexed under a search root; the rest are not searched, and that is said. */
export const MAX_INDEXED_FILES = 200_000;

/**
 * Candidate paths for a file the process had mapped, best first: the recorded path, then the
 * same file name in each search-path directory, then every file of that name under the search
 * root. The root is walked once per process (lazily, on first use) and indexed by file name.
 *
 * @example
 * ```ts
 * const locate = fileLocator({ searchRoot: "/sysroot" });
 * locate("/usr/lib/libpython3.12.so.1.0"); // ["/usr/lib/libpython3.12.so.1.0", "/sysroot/usr/lib/…"]
 * ```
 * @param options the search path and root, where warnings go, and (for tests) a lower file limit.
 * @returns a function from recorded path to candidate paths.
 */
export function fileLocator(options: LocateOptions & { readonly maxIndexedFiles?: number } = {}): (recorded: string) => string[] {
  const limit = options.maxIndexedFiles ?? MAX_INDEXED_FILES;
  const warn = options.warn ?? (() => {});
  let index: Map<string, string[]> | undefined;
  const indexRoot = (root: string): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    const stack = [root];
    let count = 0;
    let stopped = false;
    while (stack.length > 0 && !stopped) {
      const dir = stack.pop()!;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        // Directories count too: a tree of empty directories is walked no further than one of files.
        if (count++ >= limit) {
          stopped = true;
          warn(`the search root ${root} holds more than ${limit} files and directories: the rest are not searched`);
          break;
        }
        const path = join(dir, entry.name);
        if (entry.isDirectory()) stack.push(path);
        else if (entry.isFile() || entry.isSymbolicLink()) {
          let list = map.get(entry.name);
          if (!list) map.set(entry.name, (list = []));
          list.push(path);
        }
      }
    }
    for (const list of map.values()) list.sort();
    return map;
  };
  return (recorded: string): string[] => {
    const clean = recorded.endsWith(" (deleted)") ? recorded.slice(0, -" (deleted)".length) : recorded;
    const name = basename(clean);
    const result = [clean];
    for (const dir of options.searchPath ?? []) if (dir) result.push(join(dir, name));
    if (options.searchRoot) {
      result.push(join(options.searchRoot, clean));
      index ??= indexRoot(options.searchRoot);
      result.push(...(index.get(name) ?? []));
    }
    return [...new Set(result)];
  };
}

import type { CoreFile, FileMapping } from "@corestack/elf";
import { compareBigints } from "./_search.js";

/** A file mapped in the process: its path as recorded and every mapping of it. */
export interface ModuleMappings {
  /** The path the process had mapped (from `NT_FILE`). */
  readonly path: string;
  /** Lowest mapped address. */
  readonly start: bigint;
  /** Address after the highest mapped byte. */
  readonly end: bigint;
  /** Mappings of this file in address order. */
  readonly mappings: readonly FileMapping[];
}

/** Paths that are never ELF files of the process (devices, anonymous shared memory, deleted files). */
function ignored(path: string): boolean {
  return path === "" || path.startsWith("/dev/") || path.startsWith("/memfd:") || path.startsWith("/SYSV") || path.startsWith("[");
}

/**
 * Groups a core's `NT_FILE` mappings by file, in address order of each file's first mapping.
 * Only files mapped from offset 0 (where an ELF header would be) are candidates for modules.
 *
 * @param core a parsed core.
 * @returns one entry per mapped file that could be an ELF module.
 * @example
 * ```ts
 * for (const module of moduleMappings(core)) console.log(module.path, module.start);
 * ```
 */
export function moduleMappings(core: CoreFile): ModuleMappings[] {
  const byPath = new Map<string, FileMapping[]>();
  for (const mapping of core.mappings) {
    if (ignored(mapping.path)) continue;
    let list = byPath.get(mapping.path);
    if (!list) byPath.set(mapping.path, (list = []));
    list.push(mapping);
  }
  const result: ModuleMappings[] = [];
  for (const [path, mappings] of byPath) {
    if (!mappings.some((m) => m.fileOffset === 0n)) continue;
    let start = mappings[0]!.start;
    let end = mappings[0]!.end;
    for (const m of mappings) {
      if (m.start < start) start = m.start;
      if (m.end > end) end = m.end;
    }
    result.push({ path, start, end, mappings });
  }
  return result.sort((a, b) => compareBigints(a.start, b.start));
}

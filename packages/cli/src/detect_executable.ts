import type { ByteSource, CoreFile } from "@corestack/elf";

/** The executable chosen for a core, and how. */
export interface DetectedExecutable {
  readonly path: string;
  /** `argument`: named by the user; `execfn`: the core's `AT_EXECFN`; `mapping`: the first ELF file mapped. */
  readonly how: "argument" | "execfn" | "mapping";
}

/**
 * Whether the file is an ELF file of the core's machine (`e_machine`, in the file's byte order):
 * an aarch64 core's `AT_EXECFN` may name /usr/bin/python3.11, this machine's own x86-64 one.
 */
function isElfFor(open: (path: string) => ByteSource, path: string, core: CoreFile): boolean {
  try {
    const source = open(path);
    if (source.size < 20) return false;
    const header = source.bytes(0, 20);
    if (!(header[0] === 0x7f && header[1] === 0x45 && header[2] === 0x4c && header[3] === 0x46)) return false;
    const machine = header[5] === 2 ? (header[18]! << 8) | header[19]! : header[18]! | (header[19]! << 8);
    return machine === core.elf.header.e_machine;
  } catch {
    return false;
  }
}

function mappedElf(core: CoreFile, start: bigint): boolean {
  // Most mappings' first page is not dumped: asking first is a binary search, where a failed read
  // builds an error (a crafted core lists 262 144 mappings).
  if (core.segmentAt(start) === undefined) return false;
  try {
    const magic = core.read(start, 4);
    return magic[0] === 0x7f && magic[1] === 0x45 && magic[2] === 0x4c && magic[3] === 0x46;
  } catch {
    return false;
  }
}

/**
 * Finds the executable that produced a core: the user's choice; else `AT_EXECFN` when it names
 * an ELF file of the core's machine on this machine; else (a `#!` script, or a path that is gone) the first file mapped
 * at offset 0 whose first page in the core is an ELF header.
 *
 * @param core the core.
 * @param options the user's EXECUTABLE argument and a file opener (files stay open for reuse).
 * @returns the path and how it was found, or undefined when nothing fits.
 * @example
 * ```ts
 * detectExecutable(core, { open: openFile })?.path; // "/usr/bin/python3.11"
 * ```
 */
export function detectExecutable(
  core: CoreFile,
  options: { executable?: string | undefined; open: (path: string) => ByteSource },
): DetectedExecutable | undefined {
  if (options.executable !== undefined) return { path: options.executable, how: "argument" };
  const execfn = core.execfn();
  if (execfn && isElfFor(options.open, execfn, core)) return { path: execfn, how: "execfn" };
  for (const mapping of core.mappings) {
    if (mapping.fileOffset !== 0n || mapping.path.startsWith("/dev/") || mapping.path.startsWith("/memfd:")) continue;
    if (mappedElf(core, mapping.start)) return { path: mapping.path, how: "mapping" };
  }
  return undefined;
}

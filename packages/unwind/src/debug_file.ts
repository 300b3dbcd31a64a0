import { type ByteSource, ElfFile, ElfFormatError, buildId, buildIdHex, debugLink, debugLinkCrc32 } from "@corestack/elf";

/** Where gdb and the distributions put separate debug files (Debian's `*-dbg`/`*-dbgsym` packages). */
export const DEFAULT_DEBUG_DIRECTORIES: readonly string[] = ["/usr/lib/debug"];

/** Options of {@link findDebugFile}. */
export interface DebugFileOptions {
  /**
   * Global debug directories, searched in order (gdb's `debug-file-directory`): by build-id,
   * `DIR/.build-id/xx/rest.debug`, then by debug link, `DIR/<directory of the file>/<link>` and
   * `DIR/<link>`.
   * Default {@link DEFAULT_DEBUG_DIRECTORIES}.
   */
  readonly debugDirectories?: readonly string[] | undefined;
  /** Opens a file as bytes (throws when it cannot); the unwinder passes `@corestack/mmap`'s `openFile`. */
  readonly open: (path: string) => ByteSource;
}

/** A separate debug file found for an ELF file. */
export interface DebugFile {
  /** Where it was found. */
  readonly path: string;
  readonly elf: ElfFile;
  /** How: its build-id path, or the `.gnu_debuglink` name (checked by build-id or CRC). */
  readonly how: "build-id" | "debuglink";
}

/** What {@link findDebugFile} found, and every path it tried. */
export interface DebugFileSearch {
  readonly file: DebugFile | undefined;
  /** Each candidate path, with why it was not used when it existed (`… (build-id …)`). */
  readonly tried: readonly string[];
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

function join(...parts: string[]): string {
  return parts
    .filter((part) => part !== "")
    .join("/")
    .replace(/\/{2,}/g, "/");
}

function idOf(elf: ElfFile): string | undefined {
  try {
    const id = buildId(elf);
    return id ? buildIdHex(id) : undefined;
  } catch (error) {
    if (ElfFormatError.isInstance(error)) return undefined;
    throw error;
  }
}

/**
 * Finds the separate debug file of an ELF file, as gdb does: first by build-id under each debug
 * directory (`/usr/lib/debug/.build-id/ab/cdef….debug`, the candidate's own build-id must match),
 * then by `.gnu_debuglink` next to the file, in its `.debug/` subdirectory, and under each debug
 * directory followed by the file's directory, then directly under each debug directory (a candidate must have the same build-id, or when
 * either has none, the CRC-32 the link records).
 *
 * @param elf the file whose debug file is wanted.
 * @param path where that file is (for the debug-link directories); undefined for an image read
 *   from memory (the vDSO), which is looked up by build-id only.
 * @param options the debug directories and how to open files.
 * @returns the debug file, or undefined, and the paths tried. A candidate that cannot be opened
 *   or parsed, and a malformed `.gnu_debuglink`, are skipped: bad input never throws.
 * @example
 * ```ts
 * const { file } = findDebugFile(libc, "/lib/x86_64-linux-gnu/libc.so.6", { open: openFile });
 * file?.path; // "/usr/lib/debug/.build-id/93/ac61ec5a8eb1396f9fbd350e3169a558528a40.debug"
 * ```
 */
export function findDebugFile(elf: ElfFile, path: string | undefined, options: DebugFileOptions): DebugFileSearch {
  const directories = options.debugDirectories ?? DEFAULT_DEBUG_DIRECTORIES;
  const tried: string[] = [];
  const id = idOf(elf);
  const attempt = (candidate: string, check: (file: ElfFile, source: ByteSource) => string | undefined): ElfFile | undefined => {
    let source: ByteSource;
    try {
      source = options.open(candidate);
    } catch {
      // A probe: not there, not readable, not a regular file — not this one.
      tried.push(candidate);
      return undefined;
    }
    let file: ElfFile;
    try {
      file = new ElfFile(source);
    } catch (error) {
      if (!ElfFormatError.isInstance(error)) throw error;
      tried.push(`${candidate} (not an ELF file)`);
      return undefined;
    }
    const problem = check(file, source);
    if (problem !== undefined) {
      tried.push(`${candidate} (${problem})`);
      return undefined;
    }
    return file;
  };

  if (id !== undefined && id.length > 2) {
    for (const directory of directories) {
      const candidate = join(directory, ".build-id", id.slice(0, 2), `${id.slice(2)}.debug`);
      const found = attempt(candidate, (file) => {
        const other = idOf(file);
        return other === id ? undefined : `build-id ${other ?? "none"}`;
      });
      if (found) return { file: { path: candidate, elf: found, how: "build-id" }, tried };
    }
  }

  let link: { file: string; crc: number } | undefined;
  try {
    link = debugLink(elf);
  } catch (error) {
    if (!ElfFormatError.isInstance(error)) throw error;
    link = undefined;
  }
  if (link === undefined || link.file === "" || link.file.includes("/")) return { file: undefined, tried };
  const name = link.file;
  const crc = link.crc;
  const candidates: string[] = [];
  if (path !== undefined) {
    const directory = directoryOf(path);
    candidates.push(join(directory, name), join(directory, ".debug", name));
    for (const root of directories) candidates.push(join(root, directory, name), join(root, name));
  } else {
    for (const root of directories) candidates.push(join(root, name));
  }
  for (const candidate of [...new Set(candidates)]) {
    if (path !== undefined && candidate === path) continue;
    const found = attempt(candidate, (file, source) => {
      const other = idOf(file);
      if (id !== undefined && other !== undefined) return other === id ? undefined : `build-id ${other}`;
      const actual = debugLinkCrc32(source.bytes(0, source.size));
      return actual === crc ? undefined : `CRC 0x${actual.toString(16)}, the link says 0x${crc.toString(16)}`;
    });
    if (found) return { file: { path: candidate, elf: found, how: "debuglink" }, tried };
  }
  return { file: undefined, tried };
}

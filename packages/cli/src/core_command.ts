import { resolve } from "node:path";
import { type ByteSource, CoreFile, ElfFormatError } from "@corestack/elf";
import { type MappedFile, MmapError, mmapStatus, onRefusedFile, openFile } from "@corestack/mmap";
import { CliError, EXIT } from "./cli_error.js";
import { describeCore } from "./core_report.js";
import { compressionOf } from "./compression.js";
import { decompressCore } from "./decompress.js";
import { detectExecutable } from "./detect_executable.js";
import type { NativeOptions } from "./native_report.js";
import type { Report, ThreadReport } from "./report.js";
import { type ExhaustiveSetting, analysePython } from "./python_report.js";

/** Options of {@link runCore}, from the command line. */
export interface CoreOptions {
  readonly core: string;
  readonly executable: string | undefined;
  readonly libSearchPath: readonly string[];
  readonly libSearchRoot: string | undefined;
  readonly verbose: boolean;
  /** Read each frame's source line (text output); `--json` has no use for them. */
  readonly sourceLines?: boolean;
  /** Read each frame's variables and their values (`--locals`). */
  readonly locals?: boolean;
  /** `--native` and kin: the mode and the unwinder's module. */
  readonly native?: NativeOptions | undefined;
  /** `--exhaustive`, with the progress bar's callback on a TTY. */
  readonly exhaustive?: ExhaustiveSetting | undefined;
  /** Receives warnings and verbose notes (written to stderr by the caller). */
  readonly note: (message: string) => void;
}

/** Opens a file named on the command line; `what` ("", " (the EXECUTABLE argument)") ends the error messages. */
function openInput(path: string, what = ""): ByteSource {
  try {
    return openFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new CliError(`No such file: ${path}${what}`, { exitCode: EXIT.input, cause: error });
    if (code === "EACCES") throw new CliError(`Permission denied: ${path}${what}`, { exitCode: EXIT.input, cause: error });
    if (code === "EISDIR" || code === "not-a-file") throw new CliError(`Not a regular file: ${path}${what}`, { exitCode: EXIT.input, cause: error });
    if (MmapError.isInstance(error) && error.code === "kernel-file") {
      throw new CliError(`Not a regular file: ${path}${what} (a file of ${error.fileSystem ?? "a kernel file system"}, whose size is not its length)`, {
        exitCode: EXIT.input,
        cause: error,
      });
    }
    throw new CliError(`Cannot open ${path}${what}: ${error instanceof Error ? error.message : String(error)}`, { exitCode: EXIT.input, cause: error });
  }
}

/** The user's EXECUTABLE must be an ELF file we can open (it stays open: the module map reuses it). */
function checkExecutable(path: string): void {
  const source = openInput(path, " (the EXECUTABLE argument)");
  const magic = source.size >= 4 ? source.bytes(0, 4) : undefined;
  if (magic?.[0] !== 0x7f || magic[1] !== 0x45 || magic[2] !== 0x4c || magic[3] !== 0x46) {
    throw new CliError(`${path} (the EXECUTABLE argument) is not an ELF file`, { exitCode: EXIT.input });
  }
}

/**
 * The threads with the one that received the fatal signal first, marked `crashed`; unchanged when
 * no thread did (a core made on demand) or it runs no Python (a native thread).
 */
function crashedFirst(threads: readonly ThreadReport[], tid: number | null): readonly ThreadReport[] {
  if (tid === null) return threads;
  // A thread running in a subinterpreter has a thread state in each interpreter it entered, all
  // with its tid: the one it ran in holds that interpreter's GIL (it was calling abort(), or
  // faulting, with it); else the first.
  const held = threads.findIndex((thread) => thread.tid === tid && thread.gil === "held");
  const at = held >= 0 ? held : threads.findIndex((thread) => thread.tid === tid);
  if (at < 0) return threads;
  // `crashed` before the frames, where a reader of the JSON looks first.
  const { frames, error, ...head } = threads[at]!;
  const crashed: ThreadReport = { ...head, crashed: true, frames, ...(error !== undefined ? { error } : {}) };
  return [crashed, ...threads.slice(0, at), ...threads.slice(at + 1)];
}

/** A sentence when the core file is shorter than its program headers say, else undefined. */
function truncation(core: CoreFile): string | undefined {
  const size = core.elf.source.size;
  let needed = 0;
  for (const header of core.elf.programHeaders) if (header.p_filesz > 0) needed = Math.max(needed, header.p_offset + header.p_filesz);
  if (needed <= size) return undefined;
  return `the core file is truncated: it has ${size} bytes, its program headers describe ${needed}; the memory past its end is missing`;
}

function openCore(path: string, note: (message: string) => void): CoreFile {
  let source: ByteSource = openInput(path);
  // A compressed core (gzip, zstd, lz4, xz: by its first bytes, whatever its name) is
  // decompressed once into an unnamed temporary file, which is then read like any core.
  const compression = compressionOf(source.bytes(0, Math.min(6, source.size)));
  if (compression === "bzip2") {
    throw new CliError(`${path} is a bzip2-compressed file, which corestack does not decompress: bunzip2 it first`, { exitCode: EXIT.input });
  }
  if (compression !== undefined) source = decompressCore(source as MappedFile, path, compression, { note });
  try {
    return new CoreFile(source);
  } catch (error) {
    if (ElfFormatError.isInstance(error)) {
      throw new CliError(`${path} is not a usable core file: ${error.message}`, { exitCode: EXIT.input, cause: error });
    }
    throw error;
  }
}

/**
 * Analyses a core file: process information, then Python threads and frames.
 * @param options paths and search options.
 * @returns the report, and whether every thread was read completely.
 * @throws {CliError} when the input is unusable (exit code 3).
 * @example
 * ```ts
 * const { report } = runCore({ core: "core", executable: undefined, libSearchPath: [], libSearchRoot: undefined, verbose: false, note: console.error });
 * ```
 */
export function runCore(options: CoreOptions): { report: Report; complete: boolean } {
  // A library candidate of sysfs or procfs (e.g. a symlink under --lib-search-root) is refused by
  // openFile and skipped by the search: say so. The CORE and EXECUTABLE arguments get an error instead.
  const named = new Set([resolve(options.core), ...(options.executable === undefined ? [] : [resolve(options.executable)])]);
  const skipped: string[] = [];
  const stop = onRefusedFile((error) => {
    if (error.code !== "kernel-file" || named.has(error.path)) return;
    const fileSystem = error.fileSystem ?? "a kernel file system";
    const warning = `${error.path} is not used: a file of ${fileSystem}, whose size is not its length`;
    if (skipped.includes(warning)) return;
    skipped.push(warning);
    options.note(`warning: ${error.path} is not used: a file of ${fileSystem}, whose size is not its length`);
  });
  try {
    const { report, complete } = runCoreFiles(options);
    return { report: skipped.length === 0 ? report : { ...report, warnings: [...skipped, ...report.warnings] }, complete };
  } catch (error) {
    // A file that shrank while it was read (pread backend; the mmap backend's SIGBUS guard exits
    // with the same line): the input is unusable, not a bug.
    if (MmapError.isInstance(error) && error.code === "short-read") {
      throw new CliError(error.message, { exitCode: EXIT.input, cause: error });
    }
    throw error;
  } finally {
    stop();
  }
}

function runCoreFiles(options: CoreOptions): { report: Report; complete: boolean } {
  const core = openCore(options.core, options.note);
  // After the first open, so the status says what the core is actually read with.
  if (options.verbose) options.note(`reading files with ${mmapStatus().summary}`);
  for (const warning of core.warnings) options.note(`warning: ${warning}`);
  const truncated = truncation(core);
  if (!truncated) return analyseCore(core, options);
  options.note(`warning: ${truncated}`);
  try {
    return analyseCore(core, options);
  } catch (error) {
    // Whatever went wrong, the missing tail is the likely reason: say it on the same line.
    if (!CliError.isInstance(error)) throw error;
    throw new CliError(`${error.message} (${truncated})`, { exitCode: error.exitCode, ...(error.hint ? { hint: error.hint } : {}), cause: error });
  }
}

function analyseCore(core: CoreFile, options: CoreOptions): { report: Report; complete: boolean } {
  if (options.executable !== undefined) checkExecutable(options.executable);
  if (core.threads.length === 0) {
    throw new CliError(`${options.core} is not a usable core file: it has no NT_PRSTATUS note (no threads)`, { exitCode: EXIT.input });
  }
  const executable = detectExecutable(core, { executable: options.executable, open: (path) => openFile(path) });
  const processInfo = describeCore(core);
  // Test hooks, not options: `debug-offsets` reads 3.13+ from _Py_DebugOffsets only, `no-table`
  // reads a version as if corestack had no table for it (as a newer one is read).
  const hook = process.env.CORESTACK_LAYOUT_SOURCE;
  const layoutSource = hook === "debug-offsets" || hook === "no-table" ? hook : "auto";
  const python = analysePython(core, { ...options, executable: executable?.path, layoutSource });
  const report: Report = {
    schema: 1,
    source: {
      kind: "core",
      path: options.core,
      executable: executable?.path ?? null,
      executableFoundBy: executable?.how ?? null,
      process: processInfo,
    },
    python: python.version ? { version: python.version } : null,
    threads: crashedFirst(python.threads, processInfo.signal?.tid ?? null),
    warnings: python.warnings,
  };
  return { report, complete: python.threads.every((t) => t.error === undefined) };
}

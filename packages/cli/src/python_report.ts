import { MmapError, openFile } from "@corestack/mmap";
import type { CoreFile } from "@corestack/elf";
import { AT_ENTRY, PF_W } from "@corestack/elf/constants";
import { type PythonException, type PythonThread, type ScanRegion, PythonError, analyse, isPythonModule, unescapeName } from "@corestack/cpython";
import { CoreTarget } from "@corestack/symbols";
import { CliError, EXIT } from "./cli_error.js";
import { type NativeOptions, addNativeFrames } from "./native_report.js";
import type { ExceptionReport, PythonFrameReport, ThreadReport } from "./report.js";

/** `T` with its properties writable: a report object filled in by assignment. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What the Python analysis adds to a report. */
export interface PythonPart {
  readonly version: string | null;
  readonly threads: readonly ThreadReport[];
  readonly warnings: readonly string[];
}

/** Options of {@link analysePython}. */
export interface PythonOptions {
  readonly executable: string | undefined;
  readonly libSearchPath: readonly string[];
  readonly libSearchRoot: string | undefined;
  readonly note: (message: string) => void;
  /** `debug-offsets` reads the layout from `_Py_DebugOffsets` only (3.13+); set by `CORESTACK_LAYOUT_SOURCE`. */
  readonly layoutSource?: "auto" | "debug-offsets" | "no-table";
  /** Read each frame's source line (default true); off for `--json`. */
  readonly sourceLines?: boolean;
  /** Read each frame's variables and their values (`--locals`). */
  readonly locals?: boolean;
  /** `--native`, `--native-all`, `--native-last`: add native frames (the unwinder's module is in it). */
  readonly native?: NativeOptions | undefined;
  /** `--exhaustive`: scan the core's writable memory when nothing in the files leads to the runtime. */
  readonly exhaustive?: ExhaustiveSetting | undefined;
}

/** `--exhaustive`, and the progress bar's callback when stderr is a terminal. */
export interface ExhaustiveSetting {
  readonly progress?: ((scanned: number, total: number) => void) | undefined;
}

/**
 * The core's dumped writable memory (`PT_LOAD` with `PF_W`), read through the core's byte source
 * (views of the mapped file, no copy). A region is marked `python` when the Python executable or
 * libpython maps it (its data), or when it is the anonymous mapping right after such a one (its
 * bss): where the runtime and the interpreter's globals are.
 */
function scanRegions(core: CoreFile): ScanRegion[] {
  const source = core.elf.source;
  const mappings = core.mappings;
  const regions: ScanRegion[] = [];
  let previousPythonEnd: bigint | undefined;
  // Both lists are in address order: one walk (a crafted core can have 10^5 of each).
  let next = 0;
  for (const segment of core.segments) {
    while (next < mappings.length && mappings[next]!.end <= segment.start) next++;
    const candidate = mappings[next];
    const mapped = candidate !== undefined && candidate.start <= segment.start ? candidate : undefined;
    const isPython = mapped !== undefined ? isPythonModule({ path: mapped.path }) : segment.start === previousPythonEnd;
    previousPythonEnd = isPython ? segment.mappedEnd : undefined;
    if ((segment.flags & PF_W) === 0 || segment.end <= segment.start) continue;
    const offset = segment.offset;
    regions.push({
      address: segment.start,
      size: Number(segment.end - segment.start),
      bytes: (at, length) => source.bytes(offset + at, length),
      python: isPython,
    });
  }
  return regions;
}

/** An exception of the analysis as the report shows it: its address in hex. */
function exceptionReport(exception: PythonException): ExceptionReport {
  return {
    type: exception.type,
    message: exception.message,
    address: `0x${exception.address.toString(16)}`,
    ...(exception.cause ? { cause: exceptionReport(exception.cause) } : {}),
    ...(exception.context ? { context: exceptionReport(exception.context) } : {}),
  };
}

/**
 * The most missing files the error names (a process has one or two: the executable and
 * libpython); a crafted core can map a million paths named like Python, which made an 80 MB line.
 */
const MAX_NAMED_FILES = 8;

/** A source file's bytes, and where its lines start as far as they were looked for. */
interface SourceFile {
  readonly bytes: Uint8Array;
  /** The bytes as Latin-1 text (a character per byte, so offsets are the same): searched for newlines. */
  readonly text: string;
  /**
   * `marks[k]`: the offset of line k × {@link LINE_MARK_STRIDE} + 1 (past the end: the file's length
   * + 1), found up to the furthest line asked for; a line is reached from the mark before it.
   */
  readonly marks: number[];
  /** `blocks[k]`: the Latin-1 lines from mark k on, up to {@link LINE_MARK_STRIDE} of them, split when first asked for. */
  readonly blocks: string[][];
  /** The lines found so far, by number: a big core asks for the same few lines thousands of times. */
  readonly lines: Map<number, string | undefined>;
}

/** Lines between two kept line offsets of a source file: a few offsets kept, not one per line. */
const LINE_MARK_STRIDE = 64;

/**
 * {@link LINE_MARK_STRIDE} lines, matched from `lastIndex` (sticky): one match from one mark to
 * the next, where a newline search per line made a call per line (~2 000 calls on the 5-thread core,
 * 5 M instructions of its 155 M).
 */
const SKIP_LINES = new RegExp(`(?:[^\\n]*\\n){${LINE_MARK_STRIDE}}`, "y");
/** A character of a Latin-1 line that is not ASCII: the line's bytes are then decoded as UTF-8. */
const NOT_ASCII = /[^\x00-\x7f]/;

const UTF8 = new TextDecoder("utf-8");

/**
 * Reads source lines, each file once and through a memory map like every other file, for the text
 * output: a line is found in the file's bytes read as Latin-1 text (a character per byte), by
 * matching {@link LINE_MARK_STRIDE} lines at a time up to the block that holds it and splitting that
 * block, and only a line that is not ASCII is decoded from its bytes (UTF-8 never has a 0x0a byte
 * inside a character, so the lines are those of the decoded text split at "\n").
 */
export function sourceLines(): (file: string, line: number) => string | undefined {
  const files = new Map<string, SourceFile | null>();
  return (name, line) => {
    // The name is in escaped form: a path only when it is whole (not cut, nothing lost).
    const file = unescapeName(name);
    if (file === undefined || !file.startsWith("/") || !(line >= 1)) return undefined;
    let source = files.get(file);
    if (source === undefined) {
      try {
        // A name from the process may be a device or a FIFO (/dev/zero, /dev/stdin): openFile()
        // refuses all but regular files. Not huge ones either.
        const mapped = openFile(file);
        if (mapped.size > 16 << 20) source = null;
        else {
          const bytes = mapped.bytes(0, mapped.size);
          const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
          source = { bytes, text, marks: [0], blocks: [], lines: new Map() };
        }
      } catch (error) {
        // Refused by openFile(), or what the system said (missing, unreadable): no lines.
        if (!MmapError.isInstance(error) && typeof (error as { code?: unknown } | undefined)?.code !== "string") throw error;
        source = null;
      }
      files.set(file, source);
    }
    if (source === null) return undefined;
    const known = source.lines.get(line);
    if (known !== undefined || source.lines.has(line)) return known;
    const text = findLine(source, line);
    source.lines.set(line, text);
    return text;
  };
}

/** Line `line` (1-based) of `source`, trimmed; `undefined` when it is empty or past the end. */
function findLine(source: SourceFile, line: number): string | undefined {
  const { bytes, text, marks, blocks } = source;
  const mark = Math.floor((line - 1) / LINE_MARK_STRIDE);
  while (marks.length <= mark && marks[marks.length - 1]! <= text.length) {
    SKIP_LINES.lastIndex = marks[marks.length - 1]!;
    // Fewer lines left than a stride: the next mark is past the end.
    marks.push(SKIP_LINES.test(text) ? SKIP_LINES.lastIndex : text.length + 1);
  }
  if (mark >= marks.length || marks[mark]! > text.length) return undefined;
  const block = (blocks[mark] ??= text.substring(marks[mark]!).split("\n", LINE_MARK_STRIDE));
  const index = (line - 1) % LINE_MARK_STRIDE;
  let found = block[index];
  if (found === undefined) return undefined;
  // UTF-8 never has a 0x0a byte inside a character: the line's bytes are those of its Latin-1 text.
  if (NOT_ASCII.test(found)) {
    let start = marks[mark]!;
    for (let at = 0; at < index; at++) start += block[at]!.length + 1;
    found = UTF8.decode(bytes.subarray(start, start + found.length));
  }
  const trimmed = found.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Finds the Python interpreter in a core and reads every thread's stack.
 * @param core the core.
 * @param options the executable, search options, and a sink for notes.
 * @returns the version, threads, and warnings.
 * @throws {CliError} (exit 3) when the process is not Python, its files are missing, or the version is unsupported.
 * @example
 * ```ts
 * analysePython(core, { executable: "/usr/bin/python3.11", libSearchPath: [], libSearchRoot: undefined, note: console.error });
 * ```
 */
export function analysePython(core: CoreFile, options: PythonOptions): PythonPart {
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.note(`warning: ${message}`);
  };
  const target = new CoreTarget(core, {
    searchPath: options.libSearchPath,
    ...(options.libSearchRoot !== undefined ? { searchRoot: options.libSearchRoot } : {}),
    ...(options.executable !== undefined ? { executable: options.executable } : {}),
    warn,
  });
  if (target.moduleSource === "link-map") options.note("the core has no NT_FILE note: the module map is built from the dynamic linker's list");
  for (const problem of target.checkLinkMap().problems) warn(problem);
  const pythonModules = target.modules().filter(isPythonModule);
  const missingFiles = (cause?: unknown) => {
    const missing = pythonModules.filter((m) => m.elf === undefined);
    const named = missing
      .slice(0, MAX_NAMED_FILES)
      .map((m) => m.error?.message ?? m.path)
      .join("; ");
    const more = missing.length > MAX_NAMED_FILES ? `; and ${missing.length - MAX_NAMED_FILES} more` : "";
    return new CliError(`Cannot read the Python interpreter's files. ${named}${more}`, {
      exitCode: EXIT.input,
      hint: "Point corestack at them with --lib-search-path DIR[:DIR] or --lib-search-root DIR, or pass the executable as the second argument.",
      cause,
    });
  };
  if (pythonModules.length > 0 && pythonModules.every((m) => m.elf === undefined)) throw missingFiles();
  for (const module of pythonModules) if (module.elf) options.note(`using ${module.resolvedPath} for ${module.path}`);
  if (options.executable !== undefined) {
    // The module map tries the executable first, and moves on when its build-id is not the core's.
    const entry = core.auxvValue(AT_ENTRY);
    const main = entry === undefined ? undefined : target.moduleAt(entry);
    if (main?.elf && main.resolvedPath !== options.executable && main.path !== options.executable) {
      warn(`${options.executable} is not the executable the process ran (${main.path}); using ${main.resolvedPath} instead`);
    }
  }
  let analysis;
  // Not `performance.now()`: the global loads node:perf_hooks on first use (~2 ms of start-up).
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const started = now();
  // When the first pass ended: its speed is what --verbose reports (and `pnpm bench` reads).
  let scanEnded = started;
  const progress = options.exhaustive?.progress;
  const onProgress = (scanned: number, total: number) => {
    if (scanned >= total) scanEnded = now();
    progress?.(scanned, total);
  };
  try {
    analysis = analyse(target, {
      layoutSource: options.layoutSource ?? "auto",
      locals: options.locals === true,
      ...(options.exhaustive ? { exhaustive: { regions: scanRegions(core), progress: onProgress } } : {}),
    });
  } catch (error) {
    if (PythonError.isInstance(error)) {
      // Some of its files are missing (libpython, when only the executable was found): that is why.
      if (pythonModules.some((m) => m.elf === undefined)) throw missingFiles(error);
      const what =
        error.code === "not-python" ? "is not a Python process" : error.code === "unsupported-version" ? "uses an unsupported Python" : "cannot be analysed";
      throw new CliError(`The core ${what}: ${error.message}`, {
        exitCode: EXIT.input,
        cause: error,
        ...(error.scannable && !options.exhaustive
          ? { hint: "Nothing in the interpreter's files leads to its state: try --exhaustive, which scans the core's writable memory for it." }
          : {}),
      });
    }
    throw error;
  } finally {
    // The bar is erased when the scan ends; an error in the middle erases it too.
    options.exhaustive?.progress?.(1, 1);
  }
  if (analysis.scan) {
    const seconds = Math.max(scanEnded - started, 0.001) / 1000;
    const { scannedBytes, interpreter, runtime, candidates } = analysis.scan;
    options.note(
      `exhaustive scan: ${(scannedBytes / (1 << 20)).toFixed(1)} MiB of writable memory in ${seconds.toFixed(3)} s (${(scannedBytes / 1e6 / seconds).toFixed(0)} MB/s), ${candidates} candidates; interpreter state at 0x${interpreter.toString(16)}${runtime === undefined ? "" : `, runtime at 0x${runtime.toString(16)}`}`,
    );
  } else if (options.exhaustive) {
    options.note("exhaustive scan not needed: the interpreter's files lead to its state");
  }
  options.note(`Python ${analysis.version.text} (version from ${analysis.version.from}, layout from ${analysis.layoutSource})`);
  for (const warning of analysis.warnings) warn(warning);
  const lookup = options.sourceLines === false ? () => undefined : sourceLines();
  const threads = analysis.threads.map((thread: PythonThread): ThreadReport => {
    const frames: PythonFrameReport[] = thread.frames.map((frame) => {
      // Built by assignment, in the key order the JSON output shows: spreading the optional parts
      // made and copied a temporary object per frame (~300 bytes a frame, 15 MB of garbage for a
      // 50 000-frame core).
      const report: Mutable<PythonFrameReport> = { kind: "python", file: frame.file, function: frame.function, line: frame.line };
      if (frame.column !== undefined) report.column = frame.column;
      const source = lookup(frame.file, frame.line);
      if (source !== undefined) report.source = source;
      if (frame.locals) {
        // Object.fromEntries: a variable named __proto__ is an own property, not the prototype.
        report.arguments = Object.fromEntries(frame.locals.filter((v) => v.argument).map((v) => [v.name, v.value]));
        report.locals = Object.fromEntries(frame.locals.filter((v) => !v.argument).map((v) => [v.name, v.value]));
      }
      if (frame.localsError !== undefined) report.localsError = frame.localsError;
      return report;
    });
    return {
      tid: thread.tid,
      name: thread.name,
      interpreter: thread.interpreter,
      gil: thread.gil,
      gc: thread.gc,
      ...(thread.exceptions
        ? {
            exceptions: {
              ...(thread.exceptions.handling ? { handling: exceptionReport(thread.exceptions.handling) } : {}),
              ...(thread.exceptions.raised ? { raised: exceptionReport(thread.exceptions.raised) } : {}),
            },
          }
        : {}),
      frames,
      ...(thread.error ? { error: `${thread.error.message} (at 0x${thread.error.address.toString(16)})` } : {}),
    };
  });
  if (options.native) {
    return { version: analysis.version.text, threads: addNativeFrames(target, analysis.version, analysis.threads, threads, options.native, warn), warnings };
  }
  return { version: analysis.version.text, threads, warnings };
}

// Test helper: gdb's `thread apply all bt` of a core, parsed, and compared with corestack's
// native stacks frame by frame. gdb is the oracle for names, order, files and lines.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { CoreFile } from "@corestack/elf";
import { openFile } from "@corestack/mmap";
import { CoreTarget } from "@corestack/symbols";
import { NativeUnwinder, type NativeFrame, type NativeStack, type NativeUnwinderOptions } from "@corestack/unwind";

/** One frame of gdb's backtrace. */
export interface GdbFrame {
  /** The function as gdb names it; undefined for `??`; `<signal handler called>` for a trampoline. */
  readonly name: string | undefined;
  readonly file?: string;
  readonly line?: number;
  /** The pc gdb printed (gdb omits it for frame 0 at a line start and for inlined frames). */
  readonly pc?: bigint;
  readonly text: string;
}

/** Why a test needs gdb and cannot run, or undefined when gdb runs here. */
export function gdbUnavailable(): string | undefined {
  const probe = spawnSync("gdb", ["--version"], { encoding: "utf8" });
  return probe.status === 0 ? undefined : "gdb is not installed: the native stacks cannot be compared with gdb's";
}

/**
 * Runs `gdb -batch -nx -ex 'thread apply all bt' EXE CORE` and parses every thread, by LWP id.
 * `debugDirectories` become gdb's `debug-file-directory` (set before the files load).
 */
export function gdbBacktraces(
  executable: string,
  core: string,
  options: { debugDirectories?: readonly string[] } = {},
): { threads: Map<number, GdbFrame[]>; output: string; wallMs: number } {
  const started = performance.now();
  const directories = options.debugDirectories ? ["-iex", `set debug-file-directory ${options.debugDirectories.join(":")}`] : [];
  const run = spawnSync(
    "gdb",
    [
      "-batch",
      "-nx",
      "-iex",
      "set debuginfod enabled off",
      ...directories,
      "-ex",
      "set pagination off",
      "-ex",
      "set width 0",
      "-ex",
      "thread apply all bt",
      executable,
      core,
    ],
    { encoding: "utf8", env: { ...process.env, DEBUGINFOD_URLS: "" }, maxBuffer: 1 << 28, timeout: 300_000 },
  );
  const wallMs = performance.now() - started;
  const output = `${run.stdout}`;
  return { threads: parseBacktraces(output), output, wallMs };
}

/** Splits gdb's output into threads (by LWP) and parses each frame line. */
export function parseBacktraces(output: string): Map<number, GdbFrame[]> {
  const threads = new Map<number, GdbFrame[]>();
  let current: GdbFrame[] | undefined;
  for (const line of output.split("\n")) {
    const thread = /^Thread \d+ \(.*?LWP (\d+)\)/.exec(line);
    if (thread) {
      current = [];
      threads.set(Number(thread[1]), current);
      continue;
    }
    const frame = /^#(\d+)\s+(.*)$/.exec(line);
    if (frame && current) current.push(parseFrame(frame[2]!));
  }
  return threads;
}

function parseFrame(text: string): GdbFrame {
  if (text === "<signal handler called>") return { name: text, text };
  let rest = text;
  let pc: bigint | undefined;
  const address = /^0x([0-9a-f]+) in (.*)$/.exec(rest);
  if (address) {
    pc = BigInt(`0x${address[1]}`);
    rest = address[2]!;
  }
  let file: string | undefined;
  let line: number | undefined;
  const at = / at (\S+):(\d+)$/.exec(rest);
  if (at) {
    file = at[1];
    line = Number(at[2]);
    rest = rest.slice(0, at.index);
  } else {
    const from = / from (\S+)$/.exec(rest);
    if (from) rest = rest.slice(0, from.index);
  }
  // The name is what precedes the argument list: the first " (" outside brackets, quotes and
  // template arguments ("(anonymous namespace)::f", "ns::f<int, x> (a=…)", "operator() (this=…)").
  let name = rest;
  let depth = 0;
  for (let index = 0; index < rest.length; index++) {
    const char = rest[index];
    if (char === "(" || char === "<" || char === "[" || char === "{") {
      if (char === "(" && depth === 0 && index > 0 && rest[index - 1] === " ") {
        name = rest.slice(0, index - 1);
        break;
      }
      depth++;
    } else if (char === ")" || char === ">" || char === "]" || char === "}") depth = Math.max(0, depth - 1);
  }
  return {
    name: name === "??" ? undefined : name,
    ...(file !== undefined ? { file } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(pc !== undefined ? { pc } : {}),
    text,
  };
}

/** corestack's name of a frame, as gdb's bt would print it. */
export function ourName(frame: NativeFrame): string | undefined {
  return frame.signalTrampoline && !frame.inlined ? "<signal handler called>" : frame.function;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The outcome of comparing every thread of a core with gdb. */
export interface Comparison {
  threads: number;
  /** Frames where gdb gave a name, compared by name. */
  namesCompared: number;
  namesMatched: number;
  /** Frames where both have a file and line. */
  linesCompared: number;
  linesMatched: number;
  /** Frames gdb printed that corestack did not (or the reverse), over all threads. */
  lengthDifferences: number;
  /** One line per difference. */
  mismatches: string[];
}

/** Compares stacks with gdb's, thread by thread (matched by LWP), frame by frame in order. */
export function compareWithGdb(stacks: readonly NativeStack[], gdb: Map<number, GdbFrame[]>): Comparison {
  const result: Comparison = { threads: 0, namesCompared: 0, namesMatched: 0, linesCompared: 0, linesMatched: 0, lengthDifferences: 0, mismatches: [] };
  for (const stack of stacks) {
    const theirs = gdb.get(stack.tid);
    if (!theirs) {
      result.mismatches.push(`thread ${stack.tid}: not in gdb's output`);
      continue;
    }
    result.threads++;
    const ours = stack.frames;
    if (ours.length !== theirs.length) {
      result.lengthDifferences += Math.abs(ours.length - theirs.length);
      result.mismatches.push(`thread ${stack.tid}: ${ours.length} frames, gdb ${theirs.length} (ours end: ${stack.end.reason} ${stack.end.message})`);
    }
    for (let index = 0; index < Math.max(ours.length, theirs.length); index++) {
      const gdbFrame = theirs[index];
      const frame = ours[index];
      if (!gdbFrame || gdbFrame.name === undefined) continue;
      result.namesCompared++;
      const name = frame ? ourName(frame) : undefined;
      if (name === gdbFrame.name) result.namesMatched++;
      else result.mismatches.push(`thread ${stack.tid} #${index}: ${name ?? (frame ? "??" : "(none)")}, gdb ${gdbFrame.name} [${gdbFrame.text.slice(0, 160)}]`);
      if (frame && frame.file !== undefined && frame.line !== undefined && gdbFrame.file !== undefined && gdbFrame.line !== undefined) {
        result.linesCompared++;
        if (basename(frame.file) === basename(gdbFrame.file) && frame.line === gdbFrame.line) result.linesMatched++;
        else
          result.mismatches.push(
            `thread ${stack.tid} #${index} ${gdbFrame.name}: ${basename(frame.file)}:${frame.line}, gdb ${basename(gdbFrame.file)}:${gdbFrame.line}`,
          );
      }
    }
  }
  return result;
}

/** corestack's native stacks of every thread of a core, with the wall time taken. */
export function corestackStacks(
  core: string,
  executable: string | undefined,
  options: NativeUnwinderOptions = {},
): { stacks: NativeStack[]; warnings: string[]; ms: number } {
  const started = performance.now();
  const warnings: string[] = [];
  const target = new CoreTarget(new CoreFile(openFile(core)), executable ? { executable, warn: (m) => warnings.push(m) } : { warn: (m) => warnings.push(m) });
  const unwinder = new NativeUnwinder(target, { warn: (m) => warnings.push(m), ...options });
  const stacks = target.threads().map((thread) => unwinder.unwind(thread));
  return { stacks, warnings, ms: performance.now() - started };
}

/** A one-line summary for the test log. */
export function summary(label: string, comparison: Comparison): string {
  const rate = (a: number, b: number) => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)}%`);
  return `${label}: ${comparison.threads} threads, names ${comparison.namesMatched}/${comparison.namesCompared} (${rate(comparison.namesMatched, comparison.namesCompared)}), lines ${comparison.linesMatched}/${comparison.linesCompared} (${rate(comparison.linesMatched, comparison.linesCompared)}), frame-count differences ${comparison.lengthDifferences}`;
}

/** Reads a file's text, for messages. */
export function text(path: string): string {
  return readFileSync(path, "utf8");
}

import { readFileSync } from "node:fs";
import { CliError, EXIT } from "./cli_error.js";
import { runCore } from "./core_command.js";
import type { UnwindModule } from "./native_report.js";
import { parseArguments } from "./parse_arguments.js";
import { renderJson } from "./render_json.js";
import { renderText } from "./render_text.js";
import { colorWanted, palette, printable } from "./terminal.js";
import { USAGE } from "./usage.js";
import { progressBar } from "./progress.js";

/** Where `run` writes, and what it knows of its terminal. */
export interface RunIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stdoutIsTTY: boolean;
  /** Whether stderr is a terminal: `--exhaustive` draws its progress bar there only then (default false). */
  readonly stderrIsTTY?: boolean;
  readonly env: Record<string, string | undefined>;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** What `--native` runs with: `@corestack/unwind`, loaded by the caller, and the demangler's `.wasm` file. */
export interface NativeSupport {
  readonly unwind: UnwindModule;
  /** The demangler's WebAssembly file; undefined: resolved from `gecko-profiler-demangle`. */
  readonly wasm?: string | undefined;
}

/**
 * Whether a command line asks for native frames (`--native`, `--native-all`, `--native-last` on a
 * valid `core` command): then the caller loads `@corestack/unwind` and passes it to {@link run}.
 * @param argv arguments after the program name.
 * @returns true when {@link run} will need it.
 * @example
 * ```ts
 * wantsNative(["core", "core", "--native"]); // true
 * ```
 */
export function wantsNative(argv: readonly string[]): boolean {
  try {
    const command = parseArguments(argv);
    return command.kind === "core" && command.native !== undefined;
  } catch {
    return false;
  }
}

/** The unwinder's module; its absence under `--native` is a bug of the caller (an internal error). */
function nativeSupport(native: NativeSupport | undefined): NativeSupport {
  if (native === undefined) throw new Error("--native without @corestack/unwind loaded (run() needs it as its third argument)");
  return native;
}

/** The most warnings printed without `--verbose`; the rest are counted in one line. */
export const MAX_WARNINGS = 100;

/**
 * Runs `corestack` with arguments; never throws: every error becomes one line on stderr and an
 * exit code (a stack trace only for an internal error, with `--verbose`).
 * @param argv arguments after the program name.
 * @param io output streams and environment.
 * @param native `@corestack/unwind` and the demangler's file, for `--native` (see {@link wantsNative}).
 * @returns the exit code.
 * @example
 * ```ts
 * const code = run(["core", "core"], { stdout: console.log, stderr: console.error, stdoutIsTTY: false, env: {} });
 * ```
 */
export function run(argv: readonly string[], io: RunIo, native?: NativeSupport): number {
  const verbose = argv.includes("--verbose") || argv.includes("-v");
  try {
    const command = parseArguments(argv);
    if (command.kind === "help") {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (command.kind === "version") {
      io.stdout(`corestack ${version()}\n`);
      return EXIT.ok;
    }
    // Warnings wait for the outcome: printed with a result, dropped before an error line (which
    // then stands alone, as documented), shown as they come with --verbose.
    // At most MAX_WARNINGS of them: a crafted core can hold a million malformed notes, each a warning.
    const pending: string[] = [];
    let unshown = 0;
    const note = (message: string) => {
      if (command.verbose) io.stderr(`${printable(message)}\n`);
      else if (message.startsWith("warning:")) {
        if (pending.length < MAX_WARNINGS) pending.push(`${printable(message)}\n`);
        else unshown += 1;
      }
    };
    const { report, complete } = runCore({
      core: command.core,
      executable: command.executable,
      libSearchPath: command.libSearchPath,
      libSearchRoot: command.libSearchRoot,
      verbose: command.verbose,
      sourceLines: !command.json,
      locals: command.locals,
      ...(command.exhaustive ? { exhaustive: { progress: io.stderrIsTTY === true ? progressBar(io.stderr) : undefined } } : {}),
      ...(command.native !== undefined
        ? { native: { mode: command.native, unwind: nativeSupport(native).unwind, wasm: native?.wasm, debugDirectories: command.debugDirectories } }
        : {}),
      note,
    });
    for (const line of pending) io.stderr(line);
    if (unshown > 0) io.stderr(`warning: ${unshown} more warnings not shown (--verbose shows them all)\n`);
    const color = command.color ?? colorWanted({ isTTY: io.stdoutIsTTY }, io.env);
    io.stdout(command.json ? renderJson(report) : renderText(report, palette(color)));
    // A Python process always has a thread: none read means the analysis failed, whatever the
    // warnings say (a core whose segments are all misplaced reads nothing), and is not a success.
    if (report.python !== null && report.threads.length === 0) {
      io.stderr(`corestack: no Python thread could be read (the core has ${report.source.process.threadCount} threads; the warnings say why)\n`);
      return EXIT.partial;
    }
    if (!complete) {
      const broken = report.threads.filter((t) => t.error !== undefined);
      io.stderr(`corestack: ${broken.length} of ${report.threads.length} threads could not be read completely: ${broken.map((t) => t.tid).join(", ")}\n`);
      for (const thread of broken) io.stderr(`  thread ${thread.tid ?? "?"}: ${printable(thread.error ?? "")}\n`);
      return EXIT.partial;
    }
    return EXIT.ok;
  } catch (error) {
    if (CliError.isInstance(error)) {
      io.stderr(`corestack: ${printable(error.message)}\n`);
      if (error.hint) io.stderr(`${error.hint}\n`);
      // An expected error (bad usage, unusable input) is fully said by its message: no stack trace,
      // even with --verbose (that is for internal errors, below).
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`corestack: internal error: ${printable(message)}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    else io.stderr("Run again with --verbose for details, and please report it.\n");
    return EXIT.internal;
  }
}

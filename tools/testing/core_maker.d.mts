// Types for core_maker.mjs (the one implementation; cores.ts re-exports it for tests).

/** A CPython found on this machine. */
export interface Interpreter {
  /**
   * Stable, path-safe: "pyenv-3.12.1", "debian-3.11" (/usr/bin/python3.11), "debian-3.14.10" and
   * "debian-3.14.10-dbg" (Debian's builds provided by debian_pythons.mjs), "env-3.9.18",
   * "path-3.12.1". Names the cache directory.
   */
  readonly id: string;
  /** What is run (may be a symlink: pyenv's bin/python). */
  readonly path: string;
  /** realpath of sys.executable: the ELF file the core maps; pass it to `corestack core CORE EXECUTABLE`. */
  readonly executable: string;
  /** "3.12.1" */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
  readonly hexversion: number;
  /** The libpython the interpreter maps (--enable-shared builds), or null (static: the executable holds the runtime). */
  readonly libpython: string | null;
  readonly source: "pyenv" | "debian" | "system" | "env" | "path" | "qemu";
  /**
   * An interpreter of another machine, run under qemu-user (arm64Interpreter()): `path` is run as
   * `qemu -L root path`; its cores come from qemu ("qemu" method) and have no NT_FILE note; pass
   * `--lib-search-root root` to read them.
   */
  readonly emulator?: { readonly machine: "aarch64"; readonly qemu: string; readonly version: string; readonly root: string };
}

/** One Python frame, as `sys._current_frames()` saw it. */
export interface TruthFrame {
  /** `co_filename` ("<string>" for `python -c`). */
  readonly file: string;
  /** `co_name`. */
  readonly function: string;
  /** `co_qualname` (in the code object from 3.11; null before). */
  readonly qualname: string | null;
  /** `f_lineno`: the line being executed (a call's line for callers). */
  readonly line: number;
  /** `co_firstlineno`. */
  readonly first_line: number;
  /**
   * 3.11+: 0-based start column (UTF-8 bytes, as `co_positions()`) of the current instruction's
   * expression; for the crashing thread's crash()/hang() frame, the column of the call that ends
   * the process. null before 3.11.
   */
  readonly column: number | null;
  /**
   * Format 2: the frame's bound arguments, name → `_truth.safe_repr(value)` (the bounded repr
   * corestack prints); absent in format 1.
   */
  readonly arguments?: Readonly<Record<string, string>>;
  /** Format 2: its other bound variables (cells and free variables by content), name → repr. */
  readonly locals?: Readonly<Record<string, string>>;
}

/** An exception as the truth records it (format 2): `str()` from its args, and its chain. */
export interface TruthException {
  /** Its type's `tp_name`. */
  readonly type: string;
  /** `str(exception)` as `BaseException` makes it from `args` (a `KeyError`: its key's repr). */
  readonly message: string;
  /** The message is a string argument's text (corestack escapes it like a name), not a repr. */
  readonly text?: boolean;
  readonly cause?: TruthException;
  readonly context?: TruthException;
}

export interface TruthThread {
  /** OS thread id (what NT_PRSTATUS holds; == pid for the main thread). null only if unknowable. */
  readonly tid: number | null;
  /** `threading.get_ident()` (the pthread_t). */
  readonly ident: number;
  /** `threading` name ("MainThread", "Thread-1 (_thread_main)"…), null for threads threading never saw. */
  readonly name: string | null;
  readonly main: boolean;
  /** The thread that called crash()/hang() (its first NT_PRSTATUS note for a kernel core). */
  readonly crashing: boolean;
  /** Outermost first, most recent call last. For the crashing thread the last is crash()/hang(). */
  readonly frames: readonly TruthFrame[];
  /** Format 2: the interpreter the thread state belongs to (0: the main one). */
  readonly interpreter?: number;
  /**
   * Format 2: "held" for the crashing thread (it ends the process from a C call that keeps the
   * GIL), "waiting" for a thread that declared `_truth.wants_gil()`, else "none".
   */
  readonly gil?: "held" | "waiting" | "none";
  /** Format 2: the crashing thread called `crash(collecting=True)` (from inside a collection). */
  readonly gc?: boolean;
  /**
   * Format 2: the exception the thread was handling (`sys.exc_info()`, recorded by the thread
   * itself in `ready()` or `crash()`), null for none; absent when the thread never recorded it.
   */
  readonly handling?: TruthException | null;
}

/** The truth.json a scenario writes right before it aborts (tools/testing/scenarios/_truth.py). */
export interface Truth {
  /** 1, or 2 (with variables, exceptions, GIL, GC and interpreter per thread: see TruthThread). */
  readonly format: 1 | 2;
  readonly scenario: string | null;
  /** sys.version_info as "X.Y.Z". */
  readonly python_version: string;
  readonly hexversion: number;
  readonly implementation: string;
  /** sys.executable (may be a symlink). */
  readonly executable: string;
  readonly pid: number;
  readonly argv: readonly string[];
  /** How the process ended: "abort" (SIGABRT), "stop" (SIGSTOP, then gcore), "hang" (sleeps after READY). */
  readonly end: "abort" | "stop" | "hang";
  /** Two consecutive snapshots were identical and every worker had called ready(). */
  readonly stable: boolean;
  /** Main thread first, then by OS thread id. */
  readonly threads: readonly TruthThread[];
}

export interface Scenario {
  /** File name without ".py": "threads". */
  readonly name: string;
  /** Absolute path of the .py file. */
  readonly file: string;
  readonly summary: string;
  /** Oldest Python it runs on ("# min-python: 3.6"), as [major, minor]. */
  readonly minPython: readonly [number, number];
  readonly maxPython: readonly [number, number] | null;
  /** "script": `python FILE`; "command": `python -c "<FILE's text>"` (frames' file "<string>"). */
  readonly runAs: "script" | "command";
  /** "crash": calls _truth.crash(); "hang": calls _truth.hang() (READY, then sleeps forever). */
  readonly mode: "crash" | "hang";
  /** Function names the crashing thread must show, outermost first (a subsequence). */
  readonly expect: readonly string[];
  /** Number of threads in the truth. */
  readonly expectThreads: number;
  /** Function names some thread must show. */
  readonly expectAnywhere: readonly string[];
}

export interface CoreCase {
  /** Absolute path of the core file. */
  readonly core: string;
  readonly truth: Truth;
  readonly truthPath: string;
  /** The interpreter's real executable (pass it as EXECUTABLE). */
  readonly executable: string;
  /** The case directory (core, truth.json, case.json, run.log). The run itself happened in a temporary sibling. */
  readonly cwd: string;
  readonly interpreter: Interpreter;
  readonly scenario: Scenario;
  /** "kernel": the kernel dumped the aborting process; "gcore": gdb dumped the stopped/sleeping one. */
  readonly method: "kernel" | "gcore" | "qemu";
  readonly pid: number;
}

export interface MakeCoreOptions {
  /** Regenerate even when cached. */
  readonly refresh?: boolean;
  /** Per run; default 60 000. */
  readonly timeoutMs?: number;
  /** Write core/truth.json/case.json/run.log into this directory instead of the cache (the CLI's --out). */
  readonly outDir?: string;
  /**
   * Try even when coreAvailability() says no (the CLI does): apport may still write ./core, and with
   * systemd-coredump the core is fetched with `coredumpctl dump PID`. Fails with CoreUnavailableError if not.
   */
  readonly force?: boolean;
}

export interface NativeTruth {
  readonly format: 1;
  readonly pid: number;
  /** main thread first. */
  readonly tids: readonly number[];
}

export interface NativeCoreCase {
  readonly core: string;
  /** The compiled C program (tools/testing/native/threads_abort.c). */
  readonly executable: string;
  readonly cwd: string;
  readonly truth: NativeTruth;
  readonly truthPath: string;
}

/** A live scenario process holding still (startLive()). */
export interface LiveProcess {
  readonly pid: number;
  readonly truth: Truth;
  /** A temporary directory (removed by kill()). */
  readonly cwd: string;
  readonly executable: string;
  readonly interpreter: Interpreter;
  readonly scenario: Scenario;
  /** true: a crash scenario stopped by SIGSTOP where it would abort; false: a hang scenario sleeping. */
  readonly stopped: boolean;
  /** SIGKILL, wait, remove cwd. */
  kill(): Promise<void>;
}

export interface Availability {
  readonly ok: boolean;
  /** Why not, and what to do about it. */
  readonly reason?: string;
}

export declare class CoreUnavailableError extends Error {
  readonly code: "core_pattern" | "no_core" | "gdb" | "ptrace" | "gcc" | (string & {});
  constructor(code: string, message: string);
  static isInstance(value: unknown): value is CoreUnavailableError;
}

export declare const SCENARIO_DIR: string;
export declare const REPO_ROOT: string;
export declare const SCENARIOS: readonly Scenario[];

export declare function cacheRoot(): string;
export declare function clearCoreCache(): void;
export declare function getScenario(nameOrScenario: string | { readonly name: string }): Scenario;
export declare function scenarioApplies(scenario: string | Scenario, interpreter: Interpreter): boolean;
export declare function scenariosFor(interpreter: Interpreter): Scenario[];
/**
 * pyenv's, /usr/bin/pythonX.Y, and Debian's newer builds in the tools/testing/debian_pythons.mjs
 * cache (ids "debian-3.14.10", "debian-3.14.10-dbg"; the cache only, never the network); or
 * exactly $CORESTACK_PYTHONS.
 */
export declare function findInterpreters(): Interpreter[];
export declare function interpreterFromPath(pythonPath: string, options?: { readonly id?: string; readonly source?: Interpreter["source"] }): Interpreter;
export declare function coreAvailability(): Availability;
export declare function gcoreAvailability(): Availability & { readonly gdb?: string };
export declare function makeCore(interpreter: Interpreter, scenario: string | Scenario, options?: MakeCoreOptions): Promise<CoreCase>;
export declare function makeGcore(interpreter: Interpreter, scenario?: string | Scenario, options?: MakeCoreOptions): Promise<CoreCase>;
export declare function startLive(interpreter: Interpreter, scenario?: string | Scenario, options?: { readonly timeoutMs?: number }): Promise<LiveProcess>;
export declare function makeNativeCore(options?: { readonly refresh?: boolean; readonly force?: boolean }): Promise<NativeCoreCase>;
export declare function truthProblems(truth: Truth, scenario: string | Scenario, interpreter?: Interpreter): string[];

/**
 * One of Debian's newer CPython builds, provided by tools/testing/debian_pythons.mjs (its marker
 * `.provided.json`). findInterpreters() lists `python` as `id` and the debug build as `dbg.id`.
 */
export interface ProvidedDebianPython {
  readonly format: number;
  /** "3.14" */
  readonly minor: string;
  /** "debian-3.14.10": the findInterpreters() id. */
  readonly id: string;
  /** "3.14.10" */
  readonly version: string;
  /** The Debian package version: "3.14.10-1". */
  readonly debianVersion: string;
  /** The suite it came from: "sid" or "experimental". */
  readonly suite: string;
  /** The build's root: CACHE/3.14 (usr/bin, usr/lib, usr/include… of the extracted packages). */
  readonly dir: string;
  /** CACHE/3.14/usr/bin/python3.14: non-PIE, static libpython, stripped (with .gnu_debuglink). */
  readonly python: string;
  /** The -dev headers: CACHE/3.14/usr/include/python3.14 (internal/pycore_*.h included). */
  readonly include: string;
  /**
   * The -dbg build when provided with --dbg: the debug interpreter (python3.14d: Py_DEBUG, not
   * stripped) and its headers; the detached debug info of `python` is then under
   * CACHE/3.14/usr/lib/debug/.build-id/.
   */
  readonly dbg: { readonly id: string; readonly python: string; readonly include: string | null } | null;
  /** "name=version" of every package extracted. */
  readonly packages: readonly string[];
  /** The archive URI (from this machine's apt sources). */
  readonly archive: string;
  /** Which patchelf pointed the interpreters at the build's own glibc. */
  readonly patchelf: string;
  /** ISO time it was provided, and how long that took. */
  readonly provided: string;
  readonly seconds: number;
}

/** What the provider of Debian's builds left in its cache, and why the others are missing. */
export interface DebianPythonsStatus {
  /** $CORESTACK_PYTHONS_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/pythons. */
  readonly cacheDir: string;
  /** The provider ran with this cache (its status.json exists). */
  readonly ran: boolean;
  readonly provided: readonly ProvidedDebianPython[];
  /**
   * For each of DEBIAN_PYTHON_MINORS not provided: why, on one line. `failed`: the provider broke
   * (a test should fail); otherwise it never ran or the suites were unreachable (tests skip).
   */
  readonly missing: Readonly<Record<string, { readonly reason: string; readonly failed: boolean }>>;
}

/** Providing failed; `unreachable`: the Debian suites could not be reached or verified (skip, CLI exit 3). */
export declare class DebianPythonsError extends Error {
  readonly unreachable: boolean;
  constructor(message: string, options?: { readonly unreachable?: boolean });
  static isInstance(value: unknown): value is DebianPythonsError;
}

/** The versions tools/testing/debian_pythons.mjs provides by default: "3.13", "3.14", "3.15". */
export declare const DEBIAN_PYTHON_MINORS: readonly string[];
export declare function debianPythonsCacheDir(): string;
/** The builds in the cache (markers only: no process, no network). */
export declare function listProvidedDebianPythons(cacheDir?: string): ProvidedDebianPython[];
/**
 * The build of `minor` from the cache (no process, no network; `cached: true`), else downloaded with a
 * private apt state, extracted, patched and checked (`cached: false`).
 * @throws {DebianPythonsError}
 */
export declare function provideDebianPython(
  minor: string,
  options?: { readonly dbg?: boolean; readonly refresh?: boolean; readonly cacheDir?: string },
): Promise<ProvidedDebianPython & { readonly cached: boolean }>;
export declare function debianPythonsStatus(): DebianPythonsStatus;
/** "Debian 3.14 not provided: <reason>" (or provided without its -dbg build when `dbg`), null when provided. */
export declare function debianPythonSkipReason(minor: string, options?: { readonly dbg?: boolean }): string | null;

/** @internal The decision behind coreAvailability(), from the facts it reads. */
export declare function _coreAvailabilityFrom(facts: {
  readonly platform: string;
  readonly pattern: string | null;
  readonly hardLimit: string | null;
  readonly gcore: Availability;
  readonly writable: (directory: string) => boolean;
}): Availability;
/** @internal Which file names the kernel gives the core of pid under a core_pattern basename. */
export declare function _coreFileRegExp(pattern: string, pid: number, usesPid: boolean): { regExp: RegExp; hasPid: boolean };

/** What tools/testing/arm64_python.mjs provided: Debian's arm64 Python and qemu-aarch64-static. */
export interface ProvidedArm64Python {
  readonly format: number;
  /** "qemu-aarch64-debian-3.11.2" */
  readonly id: string;
  readonly minor: string;
  readonly version: string;
  readonly debianVersion: string;
  readonly suite: string;
  readonly dir: string;
  /** The arm64 sysroot (pass it as --lib-search-root). */
  readonly root: string;
  /** root/usr/bin/python3.11 */
  readonly python: string;
  readonly qemu: string;
  readonly qemuVersion: string;
  readonly packages: readonly string[];
  readonly archive: string;
  readonly provided: string;
  readonly seconds: number;
}
export declare const ARM64_PYTHON_MINOR: string;
export declare function arm64CacheDir(): string;
export declare function provideArm64Python(options?: {
  readonly refresh?: boolean;
  readonly cacheDir?: string;
}): Promise<ProvidedArm64Python & { readonly cached: boolean }>;
/** The arm64 Python under qemu as an Interpreter (cache only), or null when not provided. */
export declare function arm64Interpreter(): Interpreter | null;
/** Why a test needing it must skip (failed: the provider broke), or null when provided. */
export declare function arm64PythonSkipReason(): { readonly reason: string; readonly failed: boolean } | null;

import type { CoreInfo } from "./core_report.js";

/**
 * A Python frame in the report. Names (`file`, `function`, and a thread's `name`) are in the
 * escaped form of `@corestack/cpython` (names.ts): a backslash is `\\`; a lone surrogate
 * `\uDCxx`, a byte that is not UTF-8 `\xHH`; a name over 4096 characters is cut and ends with
 * `\…[+N characters]`. Everything else is the name's own character, controls included: the
 * renderers escape those.
 */
export interface PythonFrameReport {
  readonly kind: "python";
  /** `co_filename`, escaped. */
  readonly file: string;
  /** `co_name`, escaped. */
  readonly function: string;
  readonly line: number;
  readonly column?: number;
  /** The stripped source line, when the file was readable. Text output only. */
  readonly source?: string;
  /** With `--locals`: the frame's bound arguments, name → value repr (`@corestack/cpython`'s `LocalVariable`). */
  readonly arguments?: Readonly<Record<string, string>>;
  /** With `--locals`: its other bound variables (cells and free variables by their contents), name → value repr. */
  readonly locals?: Readonly<Record<string, string>>;
  /** With `--locals`: why the frame's variables could not be read. */
  readonly localsError?: string;
}

/**
 * A native frame in the report (`--native`, `--native-all`, `--native-last`), as gdb's `bt` names
 * it (`@corestack/unwind`). Its strings come from the process's files, unescaped: the renderers
 * escape them.
 */
export interface NativeFrameReport {
  readonly kind: "native";
  /** The function (C++ and Rust demangled, without parameters); `"??"` when nothing names it. */
  readonly function: string;
  /** The file name of the image holding the pc (`[vdso]` for the vDSO); null when none does. */
  readonly module: string | null;
  /** The pc, in hex: frame 0's, else the return address (the interrupted instruction after a signal). */
  readonly address: string;
  /** The source file, when the debugging information says it. */
  readonly file?: string;
  readonly line?: number;
  /** Present (true) on a call inlined into the frame after it (inner frames first in the native stack). */
  readonly inlined?: true;
}

/** An exception a thread held, in the report. */
export interface ExceptionReport {
  /** Its type's `tp_name`. */
  readonly type: string;
  /** `str(exception)` from its `args` (escaped like a name, or a repr); `""` without arguments. */
  readonly message: string;
  /** Address of the exception object, in hex. */
  readonly address: string;
  /** `__cause__`, when set. */
  readonly cause?: ExceptionReport;
  /** `__context__`, when set, not suppressed, and there is no cause. */
  readonly context?: ExceptionReport;
}

/** A thread in the report. */
export interface ThreadReport {
  readonly tid: number | null;
  /** The `threading` name, escaped like a frame's names. */
  readonly name: string | null;
  /** The interpreter's id; null for a thread without a Python thread state (`--native-all`). */
  readonly interpreter: number | null;
  readonly gil: "held" | "waiting" | "dropping" | "none" | "unknown";
  readonly gc: boolean;
  /**
   * Outermost first (most recent call last). With `--native`, native frames too, each
   * evaluation-loop frame replaced by the Python frames it ran.
   */
  readonly frames: readonly (PythonFrameReport | NativeFrameReport)[];
  /** With `--native`: why the native and Python frames could not be merged (then native frames come first, then the Python frames). */
  readonly nativeError?: string;
  /** With `--native`: why the native stack ends early (a frame that cannot be unwound), when it does. */
  readonly nativeEnd?: string;
  /** Why the stack is incomplete, when it is. */
  readonly error?: string;
  /** Present (true) on the thread that received the fatal signal: it is listed first. */
  readonly crashed?: true;
  /** The exception the thread was handling, and one it raised and had not caught. */
  readonly exceptions?: { readonly handling?: ExceptionReport; readonly raised?: ExceptionReport };
}

/** Everything `corestack core` prints: the JSON document (schema 1) and the text output's model. */
export interface Report {
  readonly schema: 1;
  readonly source: {
    readonly kind: "core";
    readonly path: string;
    readonly executable: string | null;
    readonly executableFoundBy: "argument" | "execfn" | "mapping" | null;
    readonly process: CoreInfo;
  };
  readonly python: { readonly version: string } | null;
  readonly threads: readonly ThreadReport[];
  readonly warnings: readonly string[];
}

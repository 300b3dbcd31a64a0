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
  readonly interpreter: number;
  readonly gil: "held" | "waiting" | "dropping" | "none" | "unknown";
  readonly gc: boolean;
  /** Outermost first (most recent call last). */
  readonly frames: readonly PythonFrameReport[];
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

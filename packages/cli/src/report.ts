import type { CoreInfo } from "./core_report.js";

/** A Python frame in the report. */
export interface PythonFrameReport {
  readonly kind: "python";
  readonly file: string;
  readonly function: string;
  readonly line: number;
  readonly column?: number;
  /** The stripped source line, when the file was readable. Text output only. */
  readonly source?: string;
}

/** A thread in the report. */
export interface ThreadReport {
  readonly tid: number | null;
  readonly name: string | null;
  readonly interpreter: number;
  readonly gil: "held" | "waiting" | "dropping" | "none" | "unknown";
  readonly gc: boolean;
  /** Outermost first (most recent call last). */
  readonly frames: readonly PythonFrameReport[];
  /** Why the stack is incomplete, when it is. */
  readonly error?: string;
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

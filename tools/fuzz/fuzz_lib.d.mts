// Types for fuzz_lib.mjs (the implementation; plain ESM so that the fuzzer runs without a build).

export interface FuzzCase {
  /** The core maker's interpreter id ("pyenv-3.12.1", "debian-3.11"); any interpreter of `version` stands in for it. */
  readonly interpreter: string;
  /** "X.Y" */
  readonly version: string;
  /** A scenario of tools/testing/scenarios. */
  readonly scenario: string;
}

export type FuzzClass = "analysed" | "refusal" | "crash" | "hang";

export interface FuzzOutcome {
  readonly class: FuzzClass;
  /** Why a crash or hang (empty for analysed); the message of a refusal. */
  readonly reason: string;
  readonly status: number | null;
  readonly signal: string | null;
  readonly elapsedMs: number;
  readonly stderr: string;
}

export interface FuzzResult extends FuzzOutcome {
  readonly index: number;
  /** "pyenv-3.12.1/threads" */
  readonly case: string;
  readonly mode: "json" | "text";
  readonly mutations: readonly object[];
  /** The reproducer written, when one was. */
  readonly saved?: string;
}

export interface FuzzCounts {
  analysed: number;
  refusal: number;
  crash: number;
  hang: number;
  runs: number;
}

export interface FuzzSummary {
  readonly rows: Record<string, FuzzCounts>;
  readonly total: FuzzCounts;
  /** Crash and hang reasons without addresses and numbers, with their counts. */
  readonly signatures: Record<string, number>;
  readonly refusals: Record<string, number>;
}

export interface FuzzBatch {
  readonly seed: number;
  readonly runs: number;
  readonly elapsedMs: number;
  readonly cases: readonly string[];
  readonly results: readonly FuzzResult[];
  readonly summary: FuzzSummary;
}

export interface BatchOptions {
  readonly seed?: number;
  readonly runs?: number;
  readonly timeBudgetS?: number;
  /** 1 or 2 (default 2). */
  readonly workers?: number;
  /** Per input (default 20 000): beyond it, a hang. */
  readonly timeoutMs?: number;
  /** The CLI entry (default: the one packages/cli/test/_cli.ts names). */
  readonly cli?: string;
  readonly cases?: readonly FuzzCase[];
  /** Write reproducers of crashes and hangs (default true). */
  readonly save?: boolean;
  readonly findingsDir?: string;
  readonly log?: (line: string) => void;
  /** Share of inputs run as text instead of --json (default 0.2). */
  readonly textShare?: number;
  /** Aim 40 % of the memory mutations at what analyse() reads (default true). */
  readonly hot?: boolean;
  /** Every input runs with `--native`. */
  readonly native?: boolean;
}

export declare const REPO_ROOT: string;
export declare const FINDINGS_DIR: string;
export declare const DEFAULT_CASES: readonly FuzzCase[];
export declare const CLASSES: readonly FuzzClass[];

export declare function defaultCli(root?: string): string;
export declare function runBatch(options?: BatchOptions): Promise<FuzzBatch>;
export declare function replay(
  finding: string | object,
  options?: { readonly cli?: string; readonly timeoutMs?: number; readonly mode?: "json" | "text" },
): Promise<FuzzOutcome & { readonly case: string; readonly mode: "json" | "text" }>;
export declare function classify(
  result: { status: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean },
  mode: "json" | "text",
): { class: FuzzClass; reason: string };
export declare function reportProblems(text: string, status: number | null): string[];
export declare function runCli(options: {
  cli: string;
  core: string;
  mode: "json" | "text";
  timeoutMs: number;
  extraArgs?: string[];
}): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean; elapsedMs: number }>;
export declare function formatSummary(summary: FuzzSummary): string;
/** A frame's name pointer in a core: where it is (file offset), what type its str has, and the name. */
export interface NameSite {
  readonly field: "co_name" | "co_filename";
  /** File offset of the code object's pointer to the name. */
  readonly pointer: number;
  /** The str (2.7: byte string) type's address, "0x…". */
  readonly type: string;
  readonly text: string;
}
export declare function nameSites(
  corePath: string,
  shape: unknown,
  options?: { readonly root?: string },
): Promise<{ version: { major: number; minor: number } | null; sites: NameSite[] }>;
export declare function signature(reason: string): string;

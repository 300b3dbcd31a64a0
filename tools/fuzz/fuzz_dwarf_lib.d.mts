// Types for fuzz_dwarf_lib.mjs (the implementation; plain ESM so that the fuzzer runs without a build of its own).

export declare const DWARF_FINDINGS_DIR: string;
export type DwarfFuzzClass = "read" | "refused" | "crash" | "hang";
export declare const DWARF_CLASSES: readonly DwarfFuzzClass[];

export interface DwarfFuzzMutation {
  readonly section: string;
  readonly at: number;
  readonly action: "flip" | "byte" | "word" | "leb" | "zero" | "truncate";
  readonly bit?: number;
  readonly value?: number;
  readonly length?: number;
}

export interface DwarfFuzzInput {
  readonly index: number;
  readonly file: string;
  readonly target: "cfi" | "info" | "line";
  /** The unit (info) or line program (line) cut out of its section. */
  readonly slice: number;
  readonly mutations: readonly DwarfFuzzMutation[];
}

export interface DwarfFuzzResult extends DwarfFuzzInput {
  readonly class: DwarfFuzzClass;
  readonly reason?: string;
  /** DwarfFormatErrors counted (read: 0). */
  readonly errors?: number;
  readonly elapsedMs: number;
  readonly saved?: string;
}

export interface DwarfBatchOptions {
  readonly seed?: number;
  readonly runs?: number;
  readonly workers?: number;
  readonly timeoutMs?: number;
  readonly timeBudgetMs?: number;
  readonly files?: readonly string[];
  readonly save?: boolean;
  readonly onResult?: (result: DwarfFuzzResult) => void;
}

export interface DwarfSummary {
  readonly inputs: number;
  readonly totals: Record<DwarfFuzzClass, number>;
  readonly table: Record<string, Record<DwarfFuzzClass, number>>;
  readonly signatures: Record<string, number>;
}

export declare function defaultFiles(): string[];
export declare function runDwarfBatch(options: DwarfBatchOptions): Promise<{ results: DwarfFuzzResult[]; files: string[] }>;
export declare function replayDwarf(
  paths: readonly string[],
  options?: { timeoutMs?: number },
): Promise<{ path: string; class: DwarfFuzzClass | "skipped"; reason?: string }[]>;
export declare function summariseDwarf(results: readonly DwarfFuzzResult[]): DwarfSummary;
export declare function formatDwarfSummary(summary: DwarfSummary): string;

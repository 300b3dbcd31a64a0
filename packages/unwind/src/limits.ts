/**
 * Every count the unwinder lets a core drive. A core comes from a crashed, corrupt or hostile
 * process: its stacks may loop, its return addresses may be wild, its libraries' call frame
 * information may hold expressions that branch forever. Each walk ends at one of these, and
 * reaching one ends the thread's stack with a marked {@link StackEnd} (`reason: "limit"`) that
 * names the limit — never a silent stop, never an exception. DWARF parsing itself is bounded by
 * `@corestack/dwarf`'s `DWARF_LIMITS`.
 *
 * The values sit far above what real processes need (see each comment): they are the native
 * counterpart of `@corestack/cpython`'s per-thread and whole-analysis frame limits (100 000 and
 * 1 000 000 Python frames).
 *
 * @example
 * ```ts
 * import { UNWIND_LIMITS } from "@corestack/unwind";
 * UNWIND_LIMITS.framesPerThread; // 100000
 * ```
 */
export const UNWIND_LIMITS = {
  /**
   * Physical frames unwound in one thread. An 8 MiB stack of the smallest x86-64 frames (16
   * bytes) holds 524 288; Python's default recursion limit of 1000 makes about 8 000 native
   * frames on 3.10 (a few C calls per Python call), and gdb prints 100 000 without complaint.
   */
  framesPerThread: 100_000,
  /**
   * Physical frames unwound in all threads of one analysis together (see
   * {@link NativeUnwinder}): 10 000 threads of 100 frames, or 10 threads at the per-thread limit.
   */
  totalFrames: 1_000_000,
  /**
   * Operations executed by one DWARF expression evaluation. Real CFI expressions (glibc's signal
   * frame, the PLT's `DW_OP_breg7; DW_OP_breg16; DW_OP_lit15; DW_OP_and; …`) run under 20;
   * `DW_OP_skip`/`DW_OP_bra` can loop, and this ends them.
   */
  expressionOperations: 10_000,
  /** Values on a DWARF expression's stack at once; real ones use 4. */
  expressionStack: 1_000,
  /**
   * Expression operations of all evaluations of one analysis together: a million frames each
   * running a looping expression to its own limit would take minutes.
   */
  totalExpressionOperations: 10_000_000,
  /**
   * Bytes of a mangled name given to the demangler. The longest C++ names of real libraries
   * (Boost, Eigen) reach a few thousand bytes; DWARF strings stop at 65 536 anyway.
   */
  demangleBytes: 16_384,
} as const;

/** The name of one limit in {@link UNWIND_LIMITS}. */
export type UnwindLimit = keyof typeof UNWIND_LIMITS;

/** Limits a caller may lower (tests, cautious callers): any subset of {@link UNWIND_LIMITS}. */
export type UnwindLimits = { readonly [K in UnwindLimit]?: number };

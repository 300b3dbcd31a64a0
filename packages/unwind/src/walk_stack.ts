import { DwarfFormatError, type UnwindRow } from "@corestack/dwarf";
import { type Memory, MemoryError } from "@corestack/elf";
import { ADDRESS_MASK, type Architecture, registerName } from "./architecture.js";
import { applyUnwindRow } from "./apply_unwind_row.js";
import { readUnsigned } from "./dwarf_expression.js";
import { UNWIND_LIMITS, type UnwindLimits } from "./limits.js";
import { UnwindError, hex } from "./unwind_error.js";

/**
 * How a frame's registers (its pc and stack) were found:
 * - `registers`: frame 0, from the thread's `NT_PRSTATUS`;
 * - `cfi`: the call frame information of the frame below it (its callee);
 * - `signal`: the signal context the kernel saved, found through the frame below it, a signal
 *   trampoline (by its CFI, or by its instructions where none covers it); its pc is the
 *   interrupted instruction, not a return address;
 * - `frame-pointer`: no CFI covers the callee's pc: the callee's frame pointer was followed
 *   (x86-64 `rbp`, aarch64 `x29`); less reliable, and marked;
 * - `tail-call`: not on the stack: a function that jumped to the frame below it (a tail call),
 *   reconstructed from the DWARF call sites of its caller as gdb does (no CFA of its own: it shows
 *   its callee's);
 * - `heuristic`: frame 0's pc is in no image (a call through a wild or NULL pointer): the return
 *   address was taken from the top of the stack (x86-64) or the link register (aarch64), as gdb
 *   does.
 */
export type FrameHow = "registers" | "cfi" | "signal" | "frame-pointer" | "tail-call" | "heuristic";

/** One frame of a native stack before symbolization. */
export interface PhysicalFrame {
  /** Frame 0: the pc register; a caller: its return address; after a signal trampoline: the interrupted instruction. */
  readonly pc: bigint;
  /**
   * The address its code and line are looked up with: `pc - 1` for a return address (the call
   * instruction, which may be the last of its function), else `pc`.
   */
  readonly lookupPc: bigint;
  /** The canonical frame address (the stack pointer before the call that made the frame); undefined when it could not be computed. */
  readonly cfa: bigint | undefined;
  readonly how: FrameHow;
  /** The frame is a signal trampoline (`__restore_rt`, `__kernel_rt_sigreturn`): gdb's `<signal handler called>`. */
  readonly signalTrampoline: boolean;
}

/**
 * Why a stack ends:
 * - `outermost`: the normal end: the CFI says the return address is undefined (`_start`,
 *   `clone3`), or it is 0, or the frame-pointer chain ends with 0;
 * - `no-unwind-info`: no CFI covers the pc and no frame pointer leads further;
 * - `bad-cfi`: the call frame information at the pc is malformed (a `DwarfFormatError`);
 * - `bad-expression` / `bad-rule`: a rule or DWARF expression cannot be followed;
 * - `unreadable`: a saved register is in memory the core lacks;
 * - `cfa-not-increasing`: the frame's CFA is not above its callee's (corrupt stack);
 * - `cycle`: a frame (pc and CFA) repeats;
 * - `limit`: one of {@link UNWIND_LIMITS} was reached (`framesPerThread`, `totalFrames`,
 *   `expressionOperations`…): the message names it;
 * - `unsupported`: the core's machine is not x86-64 or aarch64, or the thread has no pc;
 * - `main`: ({@link NativeUnwinder} only) the frame of the program's `main`: gdb stops there
 *   too; the frames of the C library that called it are left out unless `pastMain` is set.
 */
export type StackEndReason =
  | "outermost"
  | "main"
  | "no-unwind-info"
  | "bad-cfi"
  | "bad-expression"
  | "bad-rule"
  | "unreadable"
  | "cfa-not-increasing"
  | "cycle"
  | "limit"
  | "unsupported";

/** Why and where a stack ends. */
export interface StackEnd {
  readonly reason: StackEndReason;
  /** One sentence, for a thread's `error` or a verbose line (empty for `outermost`). */
  readonly message: string;
  /** The pc of the last frame, when there is one. */
  readonly address?: bigint | undefined;
}

/** Where {@link walkStack} finds unwind rules and memory. */
export interface WalkSource {
  readonly architecture: Architecture;
  readonly memory: Memory;
  readonly littleEndian: boolean;
  /**
   * The unwind row covering a run-time address, or undefined when no CFI covers it.
   * May throw `DwarfFormatError` (the stack then ends with `bad-cfi`, unless a frame pointer
   * leads on).
   */
  row(address: bigint): UnwindRow | undefined;
  /** Whether an address is inside an image of the process (for frame 0's heuristic); default: always. */
  mapped?(address: bigint): boolean;
}

/** Counters shared by every walk of one analysis (see {@link UNWIND_LIMITS}); decremented. */
export interface UnwindBudget {
  frames: number;
  operations: number;
}

/**
 * A new budget for one analysis.
 * @param limits lower limits, if any.
 * @returns the counters.
 * @example
 * ```ts
 * const budget = unwindBudget(); // { frames: 1000000, operations: 10000000 }
 * ```
 */
export function unwindBudget(limits: UnwindLimits = {}): UnwindBudget {
  return { frames: limits.totalFrames ?? UNWIND_LIMITS.totalFrames, operations: limits.totalExpressionOperations ?? UNWIND_LIMITS.totalExpressionOperations };
}

/** Options of {@link walkStack}. */
export interface WalkOptions {
  /** Lower limits than {@link UNWIND_LIMITS}. */
  readonly limits?: UnwindLimits | undefined;
  /** The budget shared by all threads of the analysis (default: a new one). */
  readonly budget?: UnwindBudget | undefined;
}

interface Step {
  readonly cfa: bigint;
  readonly registers: Map<number, bigint>;
  readonly returnAddress: bigint | undefined;
  readonly how: FrameHow;
  /** The caller's pc is a return address (looked up at pc - 1). */
  readonly returnAddressNext: boolean;
  readonly signalTrampoline: boolean;
}

// x86-64 `__restore_rt`: mov $__NR_rt_sigreturn (15), %rax; syscall.
const X86_64_SIGRETURN = Uint8Array.of(0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05);
// aarch64 `__kernel_rt_sigreturn`: mov x8, #__NR_rt_sigreturn (139); svc #0.
const AARCH64_SIGRETURN = Uint8Array.of(0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4);
// x86-64: the trampoline runs with rsp at the ucontext; uc_mcontext is 40 bytes in; its gregs
// are r8–r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip (DWARF numbers below).
const X86_64_MCONTEXT = 40;
const X86_64_GREGS = [8, 9, 10, 11, 12, 13, 14, 15, 5, 4, 6, 3, 1, 0, 2, 7, 16];
// aarch64: sp is the rt_sigframe: siginfo (128 bytes), then the ucontext, whose uc_mcontext is 176
// bytes in: fault_address, then x0–x30, sp, pc.
const AARCH64_SIGCONTEXT = 128 + 176;

function matches(memory: Memory, address: bigint, pattern: Uint8Array): boolean {
  let bytes: Uint8Array;
  try {
    bytes = memory.read(address, pattern.length);
  } catch (error) {
    if (MemoryError.isInstance(error)) return false;
    throw error;
  }
  for (let index = 0; index < pattern.length; index++) if (bytes[index] !== pattern[index]) return false;
  return true;
}

/** The signal context saved by the kernel, when `pc` is a sigreturn trampoline. */
function signalStep(source: WalkSource, pc: bigint, registers: ReadonlyMap<number, bigint>): Step | undefined {
  const { architecture, memory, littleEndian } = source;
  const sp = registers.get(architecture.sp);
  if (sp === undefined) return undefined;
  const word = (address: bigint) => readUnsigned(memory, address, 8, littleEndian);
  const caller = new Map<number, bigint>();
  if (architecture.name === "x86-64") {
    if (!matches(memory, pc, X86_64_SIGRETURN)) return undefined;
    const gregs = sp + BigInt(X86_64_MCONTEXT);
    X86_64_GREGS.forEach((number, index) => caller.set(number, word(gregs + BigInt(index * 8))));
  } else if (architecture.name === "aarch64") {
    if (!matches(memory, pc, AARCH64_SIGRETURN)) return undefined;
    const context = sp + BigInt(AARCH64_SIGCONTEXT);
    for (let index = 0; index <= 30; index++) caller.set(index, word(context + 8n + BigInt(index * 8)));
    caller.set(31, word(context + 8n + 31n * 8n));
    caller.set(32, word(context + 8n + 32n * 8n));
  } else return undefined;
  const returnAddress = caller.get(architecture.pc)!;
  return { cfa: caller.get(architecture.sp)!, registers: caller, returnAddress, how: "signal", returnAddressNext: false, signalTrampoline: true };
}

/** Follows the frame pointer: x86-64 `[rbp]` = caller's rbp, `[rbp+8]` = return address; aarch64 the frame record at x29. */
function framePointerStep(source: WalkSource, registers: ReadonlyMap<number, bigint>): Step | undefined {
  const { architecture, memory, littleEndian } = source;
  const fp = registers.get(architecture.fp);
  const sp = registers.get(architecture.sp);
  if (fp === undefined || fp === 0n || fp % 8n !== 0n || (sp !== undefined && fp < sp)) return undefined;
  const callerFp = readUnsigned(memory, fp, 8, littleEndian);
  const returnAddress = readUnsigned(memory, fp + 8n, 8, littleEndian) & architecture.returnAddressMask;
  const cfa = (fp + 16n) & ADDRESS_MASK;
  const caller = new Map(registers);
  caller.set(architecture.fp, callerFp);
  caller.set(architecture.sp, cfa);
  caller.set(architecture.pc, returnAddress);
  return { cfa, registers: caller, returnAddress, how: "frame-pointer", returnAddressNext: true, signalTrampoline: false };
}

/** Frame 0 in no image: the return address is on top of the stack (x86-64) or in the link register (aarch64). */
function heuristicStep(source: WalkSource, registers: ReadonlyMap<number, bigint>): Step | undefined {
  const { architecture, memory, littleEndian } = source;
  const sp = registers.get(architecture.sp);
  if (sp === undefined) return undefined;
  const caller = new Map(registers);
  let returnAddress: bigint | undefined;
  let cfa = sp;
  if (architecture.linkRegister !== undefined) {
    returnAddress = registers.get(architecture.linkRegister);
    if (returnAddress !== undefined) returnAddress &= architecture.returnAddressMask;
  } else {
    returnAddress = readUnsigned(memory, sp, 8, littleEndian);
    cfa = (sp + 8n) & ADDRESS_MASK;
  }
  if (returnAddress === undefined) return undefined;
  caller.set(architecture.sp, cfa);
  caller.set(architecture.pc, returnAddress);
  return { cfa, registers: caller, returnAddress, how: "heuristic", returnAddressNext: true, signalTrampoline: false };
}

function endOf(error: UnwindError, pc: bigint): StackEnd {
  const reason: StackEndReason = error.code === "limit" ? "limit" : error.code;
  return { reason, message: `${error.message} (unwinding the frame at ${hex(pc)})`, address: pc };
}

/**
 * Unwinds one thread's stack from its registers: at each frame, the CFI row covering its pc
 * ({@link WalkSource.row}) recovers the caller's registers ({@link applyUnwindRow}); a signal
 * trampoline (a CFI signal frame, or its instructions) leads to the interrupted context; where no
 * CFI covers a pc, the frame pointer is followed and the caller marked `frame-pointer`.
 *
 * Never throws on bad input, never loops: each stack ends with a {@link StackEnd} — the outermost
 * frame, or the first problem: malformed CFI, unreadable memory, a CFA that does not move up the
 * stack, a repeated frame, a limit ({@link UNWIND_LIMITS}: frames per thread, frames and
 * expression operations of the whole analysis through `budget`).
 *
 * @param registers the thread's registers by DWARF number ({@link dwarfRegisters}).
 * @param source rules, memory, architecture.
 * @param options limits and the shared budget.
 * @returns the frames, innermost first, and why the walk ended.
 * @example
 * ```ts
 * const cfi = CallFrameInfo.fromEhFrame({ ... });
 * const { frames, end } = walkStack(dwarfRegisters(X86_64, thread.registers), {
 *   architecture: X86_64, memory: target, littleEndian: true, row: (pc) => cfi.rowFor(pc - bias),
 * });
 * ```
 */
export function walkStack(registers: ReadonlyMap<number, bigint>, source: WalkSource, options: WalkOptions = {}): { frames: PhysicalFrame[]; end: StackEnd } {
  const { architecture } = source;
  const maxFrames = options.limits?.framesPerThread ?? UNWIND_LIMITS.framesPerThread;
  const budget = options.budget ?? unwindBudget(options.limits);
  const frames: PhysicalFrame[] = [];
  let current = new Map(registers);
  let pc = current.get(architecture.pc);
  if (pc === undefined) return { frames, end: { reason: "unsupported", message: `the thread has no ${registerName(architecture, architecture.pc)} register` } };
  let how: FrameHow = "registers";
  let returnAddress = false;
  let previousCfa: bigint | undefined;
  let previousTrampoline = false;
  const seen = new Set<string>();
  const context = { architecture, memory: source.memory, littleEndian: source.littleEndian, budget };

  for (;;) {
    if (frames.length >= maxFrames) {
      return { frames, end: { reason: "limit", message: `more than ${maxFrames} native frames (framesPerThread)`, address: pc } };
    }
    if (budget.frames <= 0) {
      return { frames, end: { reason: "limit", message: `the native frame limit of all threads together was reached (totalFrames)`, address: pc } };
    }
    budget.frames -= 1;
    const lookupPc = returnAddress ? (pc - 1n) & ADDRESS_MASK : pc;
    let step: Step | undefined;
    let problem: StackEnd | undefined;
    try {
      // gdb tries aarch64's trampoline before CFI (the vDSO's CFI for it describes only the
      // frame record), and x86-64's after.
      if (architecture.name === "aarch64") step = signalStep(source, pc, current);
      if (!step) {
        let row: UnwindRow | undefined;
        try {
          row = source.row(lookupPc);
        } catch (error) {
          if (!DwarfFormatError.isInstance(error)) throw error;
          problem = { reason: "bad-cfi", message: `the call frame information at ${hex(lookupPc)} cannot be read: ${error.message}`, address: pc };
        }
        if (row) {
          const unwound = applyUnwindRow(row, current, context);
          step = {
            ...unwound,
            how: row.signalFrame ? "signal" : "cfi",
            returnAddressNext: !row.signalFrame,
            signalTrampoline: row.signalFrame,
          };
        } else if (problem === undefined) {
          step = architecture.name === "aarch64" ? undefined : signalStep(source, pc, current);
          if (!step && frames.length === 0 && source.mapped && !source.mapped(pc)) step = heuristicStep(source, current);
          step ??= framePointerStep(source, current);
          if (!step) {
            problem = {
              reason: "no-unwind-info",
              message: `no call frame information covers ${hex(lookupPc)}, and no frame pointer leads on`,
              address: pc,
            };
          }
        }
      }
    } catch (error) {
      if (!UnwindError.isInstance(error)) throw error;
      problem = endOf(error, pc);
      step = undefined;
    }
    frames.push({ pc, lookupPc, cfa: step?.cfa, how, signalTrampoline: step?.signalTrampoline ?? false });
    if (!step) return { frames, end: problem! };
    // The outermost frame first: aarch64's _start marks x30 undefined with its CFA at the sp its
    // callee's CFA already is (x86-64's is 8 bytes above), which is no broken frame.
    if (step.returnAddress === undefined || step.returnAddress === 0n) return { frames, end: { reason: "outermost", message: "", address: pc } };
    if (previousCfa !== undefined && !previousTrampoline && !step.signalTrampoline && step.cfa <= previousCfa) {
      return {
        frames,
        end: {
          reason: "cfa-not-increasing",
          message: `the frame at ${hex(pc)} has its CFA ${hex(step.cfa)} at or below its callee's, ${hex(previousCfa)}`,
          address: pc,
        },
      };
    }
    const key = `${pc}:${step.cfa}`;
    if (seen.has(key)) {
      return { frames, end: { reason: "cycle", message: `the frame at ${hex(pc)} with CFA ${hex(step.cfa)} repeats`, address: pc } };
    }
    seen.add(key);
    current = step.registers;
    pc = step.returnAddress;
    how = step.how;
    returnAddress = step.returnAddressNext;
    previousCfa = step.cfa;
    previousTrampoline = step.signalTrampoline;
  }
}

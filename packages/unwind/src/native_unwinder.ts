import { type CoreFile, ElfFormatError, ElfSymbols, type Memory } from "@corestack/elf";
import { AT_ENTRY } from "@corestack/elf/constants";
import { type Architecture, architectureOf, dwarfRegisters, unsupportedMachine } from "./architecture.js";
import type { UnwindLimits } from "./limits.js";
import { type ModuleImage, vdsoImage } from "./module_image.js";
import { Symbolizer, type SymbolizerOptions } from "./symbolizer.js";
import { tailCallFrames, type TailCallContext, type TailCallFrame } from "./_tail_calls.js";
import { type FrameHow, type PhysicalFrame, type StackEnd, type UnwindBudget, unwindBudget, walkStack } from "./walk_stack.js";

/**
 * What the unwinder needs of a process: memory, the core (machine, byte order, auxiliary vector
 * for the vDSO) and the image at an address. `@corestack/symbols`' `CoreTarget` is one.
 */
export interface UnwindTarget extends Memory {
  readonly core: CoreFile;
  /** The module whose mappings contain an address. */
  moduleAt(address: bigint): ModuleImage | undefined;
}

/** A thread to unwind: its OS thread id and its registers by `NT_PRSTATUS` name. */
export interface UnwindThread {
  readonly tid: number;
  readonly registers: Readonly<Record<string, bigint>>;
}

/** One frame of a native stack, as gdb's `bt` prints one: a physical frame, or a call inlined into the next. */
export interface NativeFrame {
  /** The pc: frame 0's register, a caller's return address, or after a signal, the interrupted instruction. */
  readonly pc: bigint;
  /** The address the function and line were looked up with (`pc - 1` for a return address). */
  readonly lookupPc: bigint;
  /** The canonical frame address of the physical frame; undefined when the walk could not compute it. */
  readonly cfa: bigint | undefined;
  /** How the physical frame's registers were found (see {@link FrameHow}); inlined frames share their physical frame's. */
  readonly how: FrameHow;
  /** A call inlined into the frame that follows it in the list (which has the same pc and CFA). */
  readonly inlined: boolean;
  /** The frame is a signal trampoline (gdb prints `<signal handler called>`). */
  readonly signalTrampoline: boolean;
  /** The mapped path of the image holding the pc (`[vdso]` for the vDSO); undefined when none does. */
  readonly module: string | undefined;
  /** The function as gdb names it (demangled); undefined when nothing names it (gdb's `??`). */
  readonly function: string | undefined;
  /** The mangled name, when {@link function} was demangled. */
  readonly mangledName?: string | undefined;
  /** The offset of the pc in the symbol-table entry holding it (physical frames with a symbol). */
  readonly offset?: bigint | undefined;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** One thread's native stack. */
export interface NativeStack {
  readonly tid: number;
  /** Innermost first, inlined calls as their own frames. */
  readonly frames: readonly NativeFrame[];
  /** How the walk ended (`outermost` is the normal end). */
  readonly end: StackEnd;
}

/** Options of {@link NativeUnwinder} and {@link unwindThread}. */
export interface NativeUnwinderOptions extends SymbolizerOptions {
  /** Name frames (default true); false gives pcs, CFAs and modules only. */
  readonly symbolize?: boolean | undefined;
  /** A symbolizer to share (its caches) with other users; default: a new one with these options. */
  readonly symbolizer?: Symbolizer | undefined;
  /** Lower limits than {@link UNWIND_LIMITS}. */
  readonly limits?: UnwindLimits | undefined;
  /**
   * Go on past the program's `main` (into `__libc_start_call_main`, `_start`). gdb stops at `main`
   * unless `set backtrace past-main on`; so does this, unless this is true.
   */
  readonly pastMain?: boolean | undefined;
  /**
   * Add the frames of functions that tail-called (jumped to) the frame below them, found from
   * DWARF call sites as gdb does (default true, with `symbolize`). They are marked `tail-call`.
   */
  readonly tailCalls?: boolean | undefined;
}

/**
 * Unwinds the native stacks of a core's threads and names their frames. One per analysis: it
 * holds the caches (each image's CFI, debugging information, symbols and debug file, read on
 * first use and once) and the budget of all threads together ({@link UNWIND_LIMITS}).
 *
 * Only the images a pc lands in are read; nothing is read at construction.
 *
 * @example
 * ```ts
 * import { CoreFile } from "@corestack/elf";
 * import { openFile } from "@corestack/mmap";
 * import { CoreTarget } from "@corestack/symbols";
 * import { NativeUnwinder } from "@corestack/unwind";
 *
 * const target = new CoreTarget(new CoreFile(openFile("core")));
 * const unwinder = new NativeUnwinder(target);
 * for (const thread of target.threads()) {
 *   const stack = unwinder.unwind(thread);
 *   for (const frame of stack.frames) console.log(frame.pc.toString(16), frame.function, frame.file, frame.line);
 * }
 * ```
 */
export class NativeUnwinder {
  readonly target: UnwindTarget;
  /** The core's architecture; undefined for a machine other than x86-64 and aarch64 (every stack then ends `unsupported`). */
  readonly architecture: Architecture | undefined;
  readonly symbolizer: Symbolizer;
  readonly #options: NativeUnwinderOptions;
  readonly #budget: UnwindBudget;
  #vdso: ModuleImage | null | undefined;
  #main: bigint | null | undefined;
  /** The tail-call frames between a callee's pc and its caller's, by both pcs: threads repeat them. */
  readonly #tailCalls = new Map<string, readonly TailCallFrame[]>();

  /**
   * @param target the core's target.
   * @param options debug directories, file opening, demangling, warnings, limits.
   */
  constructor(target: UnwindTarget, options: NativeUnwinderOptions = {}) {
    this.target = target;
    this.architecture = architectureOf(target.core.elf.header.e_machine);
    this.symbolizer = options.symbolizer ?? new Symbolizer(options);
    this.#options = options;
    this.#budget = unwindBudget(options.limits);
  }

  /**
   * The image holding an address: a module of the target, else the vDSO.
   * @param address a run-time address.
   * @returns the image, or undefined.
   * @example
   * ```ts
   * unwinder.imageAt(frame.pc)?.path; // "/usr/lib/x86_64-linux-gnu/libc.so.6"
   * ```
   */
  imageAt(address: bigint): ModuleImage | undefined {
    const module = this.target.moduleAt(address);
    if (module) return module;
    if (this.#vdso === undefined) this.#vdso = vdsoImage(this.target.core) ?? null;
    const vdso = this.#vdso;
    return vdso && vdso.start <= address && address < vdso.end ? vdso : undefined;
  }

  /**
   * The physical frames of one thread, not named.
   * @param thread the thread's id and registers.
   * @returns the frames and why the walk ended; never throws on bad input.
   * @example
   * ```ts
   * unwinder.walk(target.threads()[0]!).frames.map((frame) => frame.pc);
   * ```
   */
  walk(thread: UnwindThread): { frames: PhysicalFrame[]; end: StackEnd } {
    const architecture = this.architecture;
    if (!architecture) {
      return { frames: [], end: { reason: "unsupported", message: unsupportedMachine(this.target.core.elf.header.e_machine) } };
    }
    const symbolizer = this.symbolizer;
    return walkStack(
      dwarfRegisters(architecture, thread.registers),
      {
        architecture,
        memory: this.target,
        littleEndian: this.target.core.elf.littleEndian,
        row: (address) => {
          const image = this.imageAt(address);
          if (!image) return undefined;
          const info = symbolizer.imageInfo(image);
          const bias = info.bias;
          if (bias === undefined) return undefined;
          try {
            return info.cfiRow(address - bias)?.row;
          } finally {
            symbolizer.report(info);
          }
        },
        mapped: (address) => this.imageAt(address) !== undefined,
      },
      { limits: this.#options.limits, budget: this.#budget },
    );
  }

  /**
   * One thread's native stack, named: each physical frame's inlined calls become frames of their
   * own (`inlined: true`), innermost first, as gdb's `bt` shows them.
   * @param thread the thread's id and registers.
   * @returns the stack; never throws on bad input (see {@link StackEnd}).
   * @example
   * ```ts
   * const stack = unwinder.unwind(target.threads()[0]!);
   * stack.frames.map((frame) => frame.function ?? "??");
   * ```
   */
  unwind(thread: UnwindThread): NativeStack {
    const { frames, end } = this.walk(thread);
    const named: NativeFrame[] = [];
    const symbolize = this.#options.symbolize !== false;
    const tailCalls = symbolize && this.#options.tailCalls !== false;
    const context: TailCallContext = {
      memory: this.target,
      architecture: this.architecture?.name ?? "",
      imageAt: (address) => this.imageAt(address),
      info: (image) => this.symbolizer.imageInfo(image),
      knownImages: () => this.symbolizer.knownImages(),
      warn: (message) => this.symbolizer.warnOnce(message),
    };
    const main = symbolize && this.#options.pastMain !== true ? this.#mainAddress() : undefined;
    for (let index = 0; index < frames.length; index++) {
      const frame = frames[index]!;
      this.#name(named, frame, frame.how, frame.pc, frame.lookupPc, symbolize);
      const physical = named[named.length - 1]!;
      if (main !== undefined && physical.offset !== undefined && physical.pc - physical.offset === main) {
        return { tid: thread.tid, frames: named, end: index === frames.length - 1 ? end : { reason: "main", message: "", address: frame.pc } };
      }
      const caller = frames[index + 1];
      if (!tailCalls || !caller || frame.signalTrampoline || (caller.how !== "cfi" && caller.how !== "frame-pointer")) continue;
      const key = `${frame.lookupPc}:${caller.pc}`;
      let tails = this.#tailCalls.get(key);
      if (tails === undefined) {
        tails = tailCallFrames(context, frame.lookupPc, caller.pc);
        if (this.#tailCalls.size >= TAIL_CALL_CACHE_SIZE) this.#tailCalls.clear();
        this.#tailCalls.set(key, tails);
      }
      for (const tail of tails) {
        this.#name(named, { ...frame, signalTrampoline: false }, "tail-call", tail.pc, tail.pc - 1n, symbolize);
      }
    }
    return { tid: thread.tid, frames: named, end };
  }

  /** The run-time address of the executable's `main` (the module holding `AT_ENTRY`), once. */
  #mainAddress(): bigint | undefined {
    if (this.#main !== undefined) return this.#main ?? undefined;
    this.#main = null;
    const entry = this.target.core.auxvValue(AT_ENTRY);
    const image = entry === undefined ? undefined : this.imageAt(entry);
    const elf = image?.elf;
    const bias = image?.bias;
    if (!elf || bias === undefined) return undefined;
    try {
      const symbol = ElfSymbols.of(elf).byName("main");
      if (symbol && symbol.st_shndx !== 0) this.#main = symbol.st_value + bias;
    } catch (error) {
      if (!ElfFormatError.isInstance(error)) throw error;
    }
    return this.#main ?? undefined;
  }

  /** Appends a physical frame's entries: its inlined calls, then itself. */
  #name(named: NativeFrame[], frame: PhysicalFrame, how: FrameHow, pc: bigint, lookupPc: bigint, symbolize: boolean): void {
    const image = this.imageAt(lookupPc);
    const base = { pc, lookupPc, cfa: frame.cfa, how, signalTrampoline: frame.signalTrampoline, module: image?.path };
    if (!image || !symbolize) {
      named.push({ ...base, inlined: false, function: undefined });
      return;
    }
    const found = this.symbolizer.symbolize(image, lookupPc);
    // gdb gives a tail-call frame no inlined frames of its own: one frame, named by the innermost
    // function at its address, with that function's line.
    const functions = how === "tail-call" ? found.functions.slice(0, 1).map((fn) => ({ ...fn, inlined: false })) : found.functions;
    for (const fn of functions) {
      named.push({
        ...base,
        inlined: fn.inlined,
        function: fn.name,
        ...(fn.mangledName !== undefined ? { mangledName: fn.mangledName } : {}),
        ...(!fn.inlined && found.symbol ? { offset: pc - found.symbol.address } : {}),
        ...(fn.file !== undefined ? { file: fn.file } : {}),
        ...(fn.line !== undefined ? { line: fn.line } : {}),
        ...(fn.column !== undefined ? { column: fn.column } : {}),
      });
    }
  }
}

/** Pairs of pcs whose tail-call frames an unwinder remembers; a million distinct pairs empty it. */
const TAIL_CALL_CACHE_SIZE = 65_536;

const shared = new WeakMap<UnwindTarget, NativeUnwinder>();

/**
 * One thread's native stack, named (see {@link NativeUnwinder.unwind}). Without options, calls for
 * the same target share one unwinder (its caches and budget); with options, each call makes a new
 * one — make a {@link NativeUnwinder} to share them.
 *
 * @param target the core's target (`CoreTarget`).
 * @param thread one of `target.threads()`.
 * @param options debug directories, limits, warnings…
 * @returns the stack.
 * @example
 * ```ts
 * const stacks = target.threads().map((thread) => unwindThread(target, thread));
 * ```
 */
export function unwindThread(target: UnwindTarget, thread: UnwindThread, options?: NativeUnwinderOptions): NativeStack {
  if (options !== undefined) return new NativeUnwinder(target, options).unwind(thread);
  let unwinder = shared.get(target);
  if (!unwinder) {
    unwinder = new NativeUnwinder(target);
    shared.set(target, unwinder);
  }
  return unwinder.unwind(thread);
}

/**
 * A frame as one line in gdb's style: `0x00007f… in name (…) at file:line`, `name at file:line`
 * for an inlined call, `<signal handler called>` for a trampoline, `??` for an unnamed function,
 * `from module` when there is no line.
 * @param frame a frame of a {@link NativeStack}.
 * @returns the line, without the `#n`.
 * @example
 * ```ts
 * stack.frames.forEach((frame, index) => console.log(`#${index} ${describeNativeFrame(frame)}`));
 * ```
 */
export function describeNativeFrame(frame: NativeFrame): string {
  if (frame.signalTrampoline && !frame.inlined) return "<signal handler called>";
  const name = frame.function ?? "??";
  const where =
    frame.file !== undefined && frame.line !== undefined ? ` at ${frame.file}:${frame.line}` : frame.module !== undefined ? ` from ${frame.module}` : "";
  const marks = frame.how === "frame-pointer" || frame.how === "heuristic" ? ` [${frame.how}]` : "";
  if (frame.inlined) return `${name} (inlined)${where}${marks}`;
  return `0x${frame.pc.toString(16).padStart(16, "0")} in ${name} ()${where}${marks}`;
}

const NAMES: readonly string[] = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

/**
 * The Linux name of a signal number.
 * @param signal a signal number.
 * @returns `SIGSEGV`, `SIGRTMIN+3`, or `signal 99`.
 * @example
 * ```ts
 * signalName(11); // "SIGSEGV"
 * ```
 */
export function signalName(signal: number): string {
  const name = NAMES[signal];
  if (name) return name;
  if (signal >= 34 && signal <= 64) return signal === 34 ? "SIGRTMIN" : `SIGRTMIN+${signal - 34}`;
  return `signal ${signal}`;
}

/** `si_code` values every signal can have (`SI_*`, from the sender), with what they mean. */
const SENDER_CODES: Readonly<Record<number, readonly [name: string, meaning: string]>> = {
  0: ["SI_USER", "sent by kill()"],
  128: ["SI_KERNEL", "sent by the kernel"],
  [-1]: ["SI_QUEUE", "sent by sigqueue()"],
  [-2]: ["SI_TIMER", "a POSIX timer expired"],
  [-3]: ["SI_MESGQ", "a POSIX message queue changed state"],
  [-4]: ["SI_ASYNCIO", "an asynchronous I/O request completed"],
  [-5]: ["SI_SIGIO", "queued SIGIO"],
  [-6]: ["SI_TKILL", "sent by tkill() or tgkill(), as abort() and raise() do"],
  [-7]: ["SI_DETHREAD", "sent by execve() killing subsidiary threads"],
  [-60]: ["SI_ASYNCNL", "asynchronous name lookup completed"],
};

/** `si_code` values of the fault signals (`include/uapi/asm-generic/siginfo.h`), by signal number. */
const FAULT_CODES: Readonly<Record<number, Readonly<Record<number, readonly [name: string, meaning: string]>>>> = {
  4: {
    1: ["ILL_ILLOPC", "illegal opcode"],
    2: ["ILL_ILLOPN", "illegal operand"],
    3: ["ILL_ILLADR", "illegal addressing mode"],
    4: ["ILL_ILLTRP", "illegal trap"],
    5: ["ILL_PRVOPC", "privileged opcode"],
    6: ["ILL_PRVREG", "privileged register"],
    7: ["ILL_COPROC", "coprocessor error"],
    8: ["ILL_BADSTK", "internal stack error"],
  },
  5: {
    1: ["TRAP_BRKPT", "process breakpoint"],
    2: ["TRAP_TRACE", "process trace trap"],
    3: ["TRAP_BRANCH", "process taken branch trap"],
    4: ["TRAP_HWBKPT", "hardware breakpoint or watchpoint"],
  },
  7: {
    1: ["BUS_ADRALN", "invalid address alignment"],
    2: ["BUS_ADRERR", "nonexistent physical address"],
    3: ["BUS_OBJERR", "object-specific hardware error (a mapped file shrank?)"],
    4: ["BUS_MCEERR_AR", "hardware memory error consumed on a machine check"],
    5: ["BUS_MCEERR_AO", "hardware memory error detected in the process"],
  },
  8: {
    1: ["FPE_INTDIV", "integer divide by zero"],
    2: ["FPE_INTOVF", "integer overflow"],
    3: ["FPE_FLTDIV", "floating-point divide by zero"],
    4: ["FPE_FLTOVF", "floating-point overflow"],
    5: ["FPE_FLTUND", "floating-point underflow"],
    6: ["FPE_FLTRES", "floating-point inexact result"],
    7: ["FPE_FLTINV", "floating-point invalid operation"],
    8: ["FPE_FLTSUB", "subscript out of range"],
  },
  11: {
    1: ["SEGV_MAPERR", "address not mapped to object"],
    2: ["SEGV_ACCERR", "invalid permissions for mapped object"],
    3: ["SEGV_BNDERR", "failed address bound checks"],
    4: ["SEGV_PKUERR", "access denied by memory protection keys"],
    5: ["SEGV_ACCADI", "ADI not enabled for mapped object"],
    6: ["SEGV_ADIDERR", "disrupting MCD error"],
    7: ["SEGV_ADIPERR", "precise MCD exception"],
    8: ["SEGV_MTEAERR", "asynchronous memory tag check fault"],
    9: ["SEGV_MTESERR", "synchronous memory tag check fault"],
    10: ["SEGV_CPERR", "control protection fault"],
  },
};

/**
 * The Linux name and meaning of a signal's `si_code`.
 * @param signal the signal number.
 * @param code its `si_code`.
 * @returns `{ name: "SEGV_MAPERR", meaning: "address not mapped to object" }`, or undefined for a
 *   code this table does not know (the number is still shown).
 * @example
 * ```ts
 * signalCodeName(6, -6); // { name: "SI_TKILL", meaning: "sent by tkill() or tgkill(), as abort() and raise() do" }
 * ```
 */
export function signalCodeName(signal: number, code: number): { readonly name: string; readonly meaning: string } | undefined {
  const entry = code > 0 && code < 128 ? FAULT_CODES[signal]?.[code] : SENDER_CODES[code];
  return entry === undefined ? undefined : { name: entry[0], meaning: entry[1] };
}

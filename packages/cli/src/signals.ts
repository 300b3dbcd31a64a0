const NAMES: readonly string[] = [
  "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
  "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
  "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
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

import type { ExceptionReport, PythonFrameReport, Report, ThreadReport } from "./report.js";
import { type Palette, printable } from "./terminal.js";

// What the text output says of a thread beyond its frames: the interpreter it runs in, the fatal
// signal it received, the exceptions it holds; and a frame's variables (--locals). Used by
// render_text.ts.

/**
 * The status items a thread header starts with: `In interpreter N` when the report has threads
 * of more than one interpreter (pystack's subinterpreter shape).
 * @param report the whole report.
 * @param thread one of its threads.
 * @returns zero or one item.
 * @example
 * ```ts
 * interpreterStatus(report, thread); // ["In interpreter 1"]
 * ```
 */
export function interpreterStatus(report: Report, thread: ThreadReport): string[] {
  // Threads without a Python state (--native-all, interpreter null) run in no interpreter.
  const interpreters = report.threads.filter((other) => other.interpreter !== null);
  const first = interpreters[0]?.interpreter;
  const several = interpreters.some((other) => other.interpreter !== first);
  return several && thread.interpreter !== null ? [`In interpreter ${thread.interpreter}`] : [];
}

/** `ValueError: text`, or `ValueError` without a message. */
function exceptionText(exception: ExceptionReport): string {
  return exception.message === "" ? printable(exception.type) : `${printable(exception.type)}: ${printable(exception.message)}`;
}

/** An exception and its chain, one line each, the chain indented under it. */
function exceptionLines(label: string, exception: ExceptionReport): string[] {
  const lines = [`    ${label}: ${exceptionText(exception)}`];
  let link: ExceptionReport | undefined = exception;
  while (link !== undefined) {
    if (link.cause !== undefined) {
      lines.push(`      caused by (raise … from): ${exceptionText(link.cause)}`);
      link = link.cause;
    } else if (link.context !== undefined) {
      lines.push(`      raised while handling: ${exceptionText(link.context)}`);
      link = link.context;
    } else link = undefined;
  }
  return lines;
}

/**
 * The lines under a thread's header: the fatal signal (on the thread that received it), with its
 * `si_code` meaning and fault address, then the exception the thread was handling and one it
 * raised and had not caught, each with its chain.
 * @param report the whole report (its signal).
 * @param thread the thread.
 * @param colors the palette.
 * @returns the lines, indented like frames.
 * @example
 * ```ts
 * threadDetails(report, thread, palette(false));
 * // ["    Crashed: SIGSEGV (SEGV_MAPERR: address not mapped to object) at address 0x0"]
 * ```
 */
export function threadDetails(report: Report, thread: ThreadReport, colors: Palette): string[] {
  const lines: string[] = [];
  const signal = report.source.process.signal;
  if (thread.crashed && signal) {
    const code = signal.codeName ? ` (${signal.codeName}: ${signal.codeMeaning})` : signal.code !== null ? ` (si_code ${signal.code})` : "";
    const sender = signal.senderPid !== null && signal.senderPid !== undefined ? ` from pid ${signal.senderPid}` : "";
    const address = signal.address !== null ? ` at address ${signal.address}` : "";
    lines.push(colors.red(`    Crashed: ${signal.name}${code}${sender}${address}`));
  }
  if (thread.exceptions?.handling) lines.push(...exceptionLines("Handling", thread.exceptions.handling));
  if (thread.exceptions?.raised) lines.push(...exceptionLines("Raised, not caught yet", thread.exceptions.raised));
  return lines;
}

/**
 * A frame's variables in pystack's shape (`--locals`): `      Arguments:` and `      Locals:`,
 * then `        name: value` lines.
 * @param frame the frame.
 * @param colors the palette.
 * @returns the lines; none without `--locals`.
 * @example
 * ```ts
 * frameVariables({ ...frame, arguments: { count: "3" } }, palette(false)); // ["      Arguments:", "        count: 3"]
 * ```
 */
export function frameVariables(frame: PythonFrameReport, colors: Palette): string[] {
  const lines: string[] = [];
  const section = (title: string, variables: Readonly<Record<string, string>> | undefined) => {
    const entries = Object.entries(variables ?? {});
    if (entries.length === 0) return;
    lines.push(`      ${colors.dim(title)}`);
    for (const [name, value] of entries) lines.push(`        ${printable(name)}: ${printable(value)}`);
  };
  section("Arguments:", frame.arguments);
  section("Locals:", frame.locals);
  if (frame.localsError !== undefined) lines.push(colors.red(`      [variables not read: ${printable(frame.localsError)}]`));
  return lines;
}

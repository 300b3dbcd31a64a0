import type { NativeFrameReport, Report } from "./report.js";
import { type Palette, printable, quoted } from "./terminal.js";
import { frameVariables, interpreterStatus, threadDetails } from "./render_details.js";

const SIGNAL_TEXT: Record<string, string> = {
  SIGSEGV: "a segmentation fault",
  SIGBUS: "a bus error",
  SIGILL: "an illegal instruction",
  SIGFPE: "a floating point exception",
};

/** A native frame in pystack's shape: `(C) File "FILE", line N, in FUNCTION (MODULE)`, without file and line when unknown. */
function nativeFrameLine(frame: NativeFrameReport, colors: Palette): string {
  const module = frame.module === null ? "??" : frame.module.slice(frame.module.lastIndexOf("/") + 1);
  const where = frame.file !== undefined && frame.line !== undefined ? `File "${colors.cyan(quoted(frame.file))}", line ${frame.line}, ` : "";
  return `    ${colors.dim("(C)")} ${where}in ${colors.yellow(printable(frame.function))} (${printable(module)})`;
}

/** `make`, called once per distinct argument: its answers are kept for the rest of a rendering. */
function remembered(make: (key: string) => string): (key: string) => string {
  const known = new Map<string, string>();
  return (key) => {
    let text = known.get(key);
    if (text === undefined) known.set(key, (text = make(key)));
    return text;
  };
}

/**
 * Renders a report as pystack-shaped text.
 * @param report the analysis.
 * @param colors the palette (identity when colour is off).
 * @returns the text, ending with a newline.
 * @example
 * ```ts
 * process.stdout.write(renderText(report, palette(false)));
 * ```
 */
export function renderText(report: Report, colors: Palette): string {
  const out: string[] = [];
  // The parts of a Python frame's lines, escaped and coloured once per distinct file, function and
  // source line: deep stacks repeat them (a 50 000-frame core has a few hundred distinct ones).
  const fileText = remembered((file: string) => `    ${colors.dim("(Python)")} File "${colors.cyan(quoted(file))}", line `);
  const functionText = remembered((name: string) => `, in ${colors.yellow(printable(name))}`);
  const sourceText = remembered((source: string) => `        ${printable(source)}`);
  const p = report.source.process;
  const show = (value: unknown) => (value === null || value === undefined ? "?" : printable(String(value)));
  if (report.source.executable) {
    const how = report.source.executableFoundBy === "argument" ? "Using executable" : "Using executable found in the core file";
    out.push(`${how}: ${printable(report.source.executable)}`, "");
  }
  out.push(colors.bold("Core file information:"));
  out.push(`state: ${show(p.state)} zombie: ${p.zombie === null ? "?" : p.zombie ? "True" : "False"} niceness: ${show(p.niceness)}`);
  out.push(`pid: ${show(p.pid)} ppid: ${show(p.ppid)} sid: ${show(p.sid)}`);
  out.push(`uid: ${show(p.uid)} gid: ${show(p.gid)} pgrp: ${show(p.pgrp)}`);
  out.push(`executable: ${show(p.executableName)} arguments: ${show(p.arguments)}`);
  out.push("");
  if (p.signal) {
    const special = SIGNAL_TEXT[p.signal.name];
    if (special && p.signal.address) out.push(`The process died due to ${special} accessing address: ${p.signal.address}`);
    else if (special) out.push(`The process died due to ${special}`);
    else out.push(`The process died due to receiving signal ${p.signal.name}`);
  } else {
    out.push("The core file was generated on demand (no fatal signal)");
  }
  if (report.python) out.push(`Python version: ${report.python.version}`);
  if (report.python && report.threads.length === 0) out.push("", colors.red("No Python thread could be read (the warnings say why)."));
  for (const thread of report.threads) {
    const name = thread.name ? ` (${printable(thread.name)})` : "";
    const status: string[] = interpreterStatus(report, thread);
    if (thread.gil === "held") status.push("Has the GIL");
    else if (thread.gil === "waiting") status.push("Waiting for the GIL");
    else if (thread.gil === "dropping") status.push("Dropping the GIL");
    if (thread.gc) status.push("Garbage collecting");
    const statusText = status.length > 0 ? ` [${status.join(", ")}]` : "";
    out.push("");
    out.push(colors.bold(`Traceback for thread ${thread.tid ?? "?"}${name}${statusText} (most recent call last):`));
    out.push(...threadDetails(report, thread, colors));
    // The walk starts at the innermost frame: when it stops early, the frames missing are the
    // oldest ones, printed first ("most recent call last"), so the mark goes where they would be.
    if (thread.error) out.push(colors.red(`    [stack incomplete: older frames missing: ${printable(thread.error)}]`));
    if (thread.nativeEnd) out.push(colors.red(`    [native stack incomplete: ${printable(thread.nativeEnd)}]`));
    if (thread.nativeError) out.push(colors.red(`    [native and Python frames could not be merged: ${printable(thread.nativeError)}]`));
    for (const frame of thread.frames) {
      if (frame.kind === "native") {
        out.push(nativeFrameLine(frame, colors));
        continue;
      }
      out.push(`${fileText(frame.file)}${frame.line}${functionText(frame.function)}`);
      if (frame.source) out.push(sourceText(frame.source));
      // Most frames have no variables to show (no --locals): no call, no empty arrays.
      if (frame.arguments !== undefined || frame.locals !== undefined || frame.localsError !== undefined) out.push(...frameVariables(frame, colors));
    }
  }
  return `${out.join("\n")}\n`;
}

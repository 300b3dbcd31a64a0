/**
 * Makes text from an analysed process safe to print: control characters (C0, DEL, C1, including
 * ESC that starts ANSI sequences) become visible escapes, and lone surrogates become U+FFFD.
 * @param text a name, path, or value read from a core.
 * @returns printable text.
 * @example
 * ```ts
 * printable("evil\x1b[2Jname"); // "evil\\x1b[2Jname"
 * ```
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udfff]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) return "\ufffd";
    if (code === 0x2028 || code === 0x2029) return `\\u${code.toString(16)}`;
    return `\\x${code.toString(16).padStart(2, "0")}`;
  }).replace(/\t/g, "\\t").replace(/\n/g, "\\n");
}

/** ANSI styles used in text output; all identity functions when colour is off. */
export interface Palette {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  cyan(text: string): string;
}

/**
 * A palette that colours when `enabled`.
 * @param enabled true on a TTY without `NO_COLOR` and without `--no-color`.
 * @returns the palette.
 * @example
 * ```ts
 * palette(false).bold("x"); // "x"
 * ```
 */
export function palette(enabled: boolean): Palette {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    cyan: wrap(36, 39),
  };
}

/**
 * Whether to colour output written to `stream`.
 * @param stream stdout or stderr.
 * @param env the environment (NO_COLOR, FORCE_COLOR).
 * @returns true when the stream is a TTY and NO_COLOR is unset.
 */
export function colorWanted(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

/**
 * What {@link printable} escapes: controls (Cc), format characters (Cf), line and paragraph
 * separators, lone surrogates. Made at its first use, not when the module loads: V8 builds the
 * character sets of Unicode properties (ICU, ~1 ms) when it makes the regular expression.
 */
let unsafe: RegExp | undefined;
/** Text that the unsafe characters' expression cannot match: printable ASCII, tested first (most text is). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Makes text from an analysed process safe to print: characters a terminal acts on or that hide or
 * reorder text become visible escapes, in the escape syntax of names (see `@corestack/cpython`'s
 * `names.ts`): tab and newline `\t` and `\n`; other C0 controls and DEL `\xHH` (below 0x80:
 * `\x80`–`\xff` are bytes that are not UTF-8, never characters); C1 controls (U+0080–U+009F,
 * CSI starts terminal sequences too), format characters (Unicode category Cf: bidi controls like
 * U+202E that make `/tmp/\u202egpj.exe` look like `/tmp/exe.jpg`, U+FEFF, zero-width joiners,
 * tags), U+2028/U+2029 and lone surrogates `\uHHHH` (`\UHHHHHHHH` above U+FFFF).
 * Backslashes are left alone: a name from the analysis has its own doubled already.
 * @param text a name, path, or value read from a core.
 * @returns printable text.
 * @example
 * ```ts
 * printable("evil\x1b[2Jname"); // "evil\\x1b[2Jname"
 * printable("/tmp/\u202egpj.exe"); // "/tmp/\\u202egpj.exe"
 * ```
 */
export function printable(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text;
  unsafe ??= /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
  return text.replace(unsafe, (ch) => {
    if (ch === "\t") return "\\t";
    if (ch === "\n") return "\\n";
    const code = ch.codePointAt(0)!;
    if (code < 0x80) return `\\x${code.toString(16).padStart(2, "0")}`;
    if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, "0")}`;
    return `\\U${code.toString(16).padStart(8, "0")}`;
  });
}

/**
 * A name shown between double quotes (a frame's file): {@link printable}, and `"` as `\"`, so that
 * a name cannot end the quotes and forge the rest of a frame line (`", line 1, in f`).
 * @param name a name in escaped form.
 * @returns the text to put between the quotes.
 * @example
 * ```ts
 * quoted('a.py", line 1, in f'); // 'a.py\\", line 1, in f'
 * ```
 */
export function quoted(name: string): string {
  return printable(name).replace(/"/g, '\\"');
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

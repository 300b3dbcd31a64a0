/** The most characters of a name corestack shows (`MAX_NAME_CHARACTERS` of `@corestack/cpython`). */
const SHOWN = 4096;

/**
 * The escaped form corestack gives of a Python 3 `str` (packages/cpython/src/names.ts), from the
 * name as a truth file records it (JSON: a lone surrogate parses to a lone surrogate; a pair of
 * surrogates is taken as the one character Python's `json` wrote it for): a backslash doubled, a
 * lone surrogate as `\uHHHH`, and a name longer than 4 096 code points cut there with
 * `\…[+N characters]`.
 * @param name the name as Python had it.
 * @returns what `--json` gives for it.
 */
export function escapedName(name: string): string {
  const points = [...name]; // by code point: a lone surrogate alone, a pair as one
  const shown = points.slice(0, SHOWN).map((ch) => {
    if (ch === "\\") return "\\\\";
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) return `\\u${code.toString(16).padStart(4, "0")}`;
    return ch;
  });
  const rest = points.length - shown.length;
  return shown.join("") + (rest > 0 ? `\\…[+${rest} ${rest === 1 ? "character" : "characters"}]` : "");
}

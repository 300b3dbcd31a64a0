import type { Report } from "./report.js";

/** Escaped in the document besides what `JSON.stringify` escapes; made at its first use (see `terminal.ts`' `unsafe`). */
let unsafe: RegExp | undefined;
/** A character the unsafe characters' expression may match: one above U+007E. Tested first. */
const BEYOND_ASCII = /[^\x00-\x7e]/;

/**
 * Renders a report as one JSON document (schema 1, documented in the cli README). Strings from
 * the analysed process are escaped: C0 controls by `JSON.stringify`, and DEL, C1 controls
 * (U+0080–U+009F: CSI starts terminal sequences too), format characters (Unicode category Cf:
 * bidi controls, U+FEFF, zero-width characters, tags) and U+2028/U+2029 here, as `\\uXXXX` (a
 * surrogate pair of them above U+FFFF), so that printing the document on a terminal is safe. It
 * parses back to the same strings. Names are in the analysis' escaped form (a backslash doubled,
 * lone surrogates and bytes that are not UTF-8 as `\\uDCxx` / `\\xHH` text, long names cut with
 * a mark), the same as in the text output.
 * @param report the analysis.
 * @returns the JSON text with a trailing newline.
 * @example
 * ```ts
 * JSON.parse(renderJson(report)).schema; // 1
 * ```
 */
export function renderJson(report: Report): string {
  const threads = report.threads.map((thread) => ({
    ...thread,
    frames: thread.frames.map((frame) => {
      // A frame without a source line (every frame of a --json run) is shown as it is: no copy.
      if (frame.kind !== "python" || frame.source === undefined) return frame;
      const { source: _source, ...rest } = frame;
      return rest;
    }),
  }));
  // These characters can only be inside strings, where an escape means the same character.
  const json = JSON.stringify({ ...report, threads }, null, 2);
  if (!BEYOND_ASCII.test(json)) return `${json}\n`;
  unsafe ??= /[\u007f-\u009f\u2028\u2029\p{Cf}]/gu;
  const text = json.replace(unsafe, (ch) => {
    let escaped = "";
    for (let i = 0; i < ch.length; i++) escaped += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return escaped;
  });
  return `${text}\n`;
}

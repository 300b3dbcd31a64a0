import type { Report } from "./report.js";

/**
 * Renders a report as one JSON document (schema 1, documented in the cli README). Strings from
 * the analysed process are escaped: C0 controls and lone surrogates by `JSON.stringify`, and DEL,
 * C1 controls (U+0080–U+009F: CSI starts terminal sequences too) and U+2028/U+2029 here, as
 * `\\uXXXX`, so that printing the document on a terminal is safe. It parses back to the same strings.
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
    frames: thread.frames.map(({ source: _source, ...frame }) => frame),
  }));
  // These characters can only be inside strings, where an escape means the same character.
  // eslint-disable-next-line no-control-regex
  const text = JSON.stringify({ ...report, threads }, null, 2).replace(/[\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return text + "\n";
}

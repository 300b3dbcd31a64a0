import type { Report } from "./report.js";

/**
 * Renders a report as one JSON document (schema 1, documented in the cli README). Strings from
 * the analysed process are escaped by JSON itself: control characters become `\\uXXXX`, and lone
 * surrogates are escaped by `JSON.stringify`.
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
  return JSON.stringify({ ...report, threads }, null, 2) + "\n";
}

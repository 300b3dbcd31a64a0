import type { PythonLayout } from "./layout.js";
import { v2_7 } from "./v2_7.js";
import { v3_6 } from "./v3_6.js";
import { v3_7 } from "./v3_7.js";
import { v3_8 } from "./v3_8.js";
import { v3_9 } from "./v3_9.js";
import { v3_10 } from "./v3_10.js";
import { v3_11 } from "./v3_11.js";
import { v3_12 } from "./v3_12.js";
import { v3_13 } from "./v3_13.js";

/**
 * Every supported version's layout, keyed `"major.minor"`. Each table is generated from that
 * version's headers by `tools/layouts/generate.mjs`; a new version is one line here.
 *
 * @example
 * ```ts
 * import { layouts } from "@corestack/cpython-layouts";
 *
 * const layout = layouts["3.11"];
 * console.log(layout.PyThreadState.native_thread_id); // 160
 * console.log(Object.keys(layouts)); // ["2.7", "3.6", …, "3.13"]
 * ```
 */
export const layouts: {
  readonly "2.7": typeof v2_7;
  readonly "3.6": typeof v3_6;
  readonly "3.7": typeof v3_7;
  readonly "3.8": typeof v3_8;
  readonly "3.9": typeof v3_9;
  readonly "3.10": typeof v3_10;
  readonly "3.11": typeof v3_11;
  readonly "3.12": typeof v3_12;
  readonly "3.13": typeof v3_13;
} = {
  "2.7": v2_7,
  "3.6": v3_6,
  "3.7": v3_7,
  "3.8": v3_8,
  "3.9": v3_9,
  "3.10": v3_10,
  "3.11": v3_11,
  "3.12": v3_12,
  "3.13": v3_13,
};

/** A key of {@link layouts}: `"2.7"`, `"3.6"` … `"3.13"`. */
export type LayoutVersion = keyof typeof layouts;

/**
 * Looks up the layout of a CPython minor version.
 *
 * @param major 2 or 3.
 * @param minor the minor version, e.g. 12 for 3.12.
 * @returns the layout, or `undefined` when the version is not supported.
 *
 * @example
 * ```ts
 * import { layoutFor } from "@corestack/cpython-layouts";
 *
 * layoutFor(3, 12)?.PyInterpreterState.threads_head; // 72
 * layoutFor(3, 5); // undefined
 * ```
 */
export function layoutFor(major: number, minor: number): PythonLayout | undefined {
  const key = `${major}.${minor}`;
  return Object.hasOwn(layouts, key) ? layouts[key as LayoutVersion] : undefined;
}

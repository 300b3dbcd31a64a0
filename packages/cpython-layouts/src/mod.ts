/**
 * Struct layouts of CPython 2.7 and 3.6–3.13 (64-bit release builds): the byte offsets of the
 * fields a reader of a core dump or a live process needs to walk interpreters, threads and frames
 * and to decode code objects, strings and numbers, plus `sizeof`s and a few constants. Each
 * version's table is generated from that interpreter's own headers by
 * `tools/layouts/generate.mjs`. For 3.13+, {@link layoutFromDebugOffsets} builds a layout from the
 * `_Py_DebugOffsets` struct that CPython keeps at the start of `_PyRuntime` and a small documented
 * base of stable facts ({@link debugOffsetsBase}), without the tables: how a version newer than
 * every table is read.
 *
 * Pure data and pure functions: no runtime dependencies, no file system.
 *
 * @example
 * ```ts
 * import { layoutFor } from "@corestack/cpython-layouts";
 *
 * const layout = layoutFor(3, 12);
 * if (layout === undefined) throw new Error("unsupported Python");
 * // Walk a thread's frames: its reading model says how, with the offsets it needs.
 * const frames = layout.models.frames;
 * if (frames.kind === "interpreter_frame" && frames.start.kind === "cframe") {
 *   console.log(frames.start.cframe, frames.start.current_frame, frames.previous); // 56 0 8
 * }
 * ```
 *
 * @module
 */
export * from "./layout.js";
export * from "./models.js";
export * from "./layouts.js";
export * from "./debug_offsets.js";
export * from "./debug_offsets_base.js";
export * from "./layout_format_error.js";
export * from "./machine_layout.js";
export * from "./machines.js";

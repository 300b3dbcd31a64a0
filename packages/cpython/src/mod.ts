/**
 * Finds a CPython interpreter in a process's memory (a core or a live process, through the
 * {@link PythonTarget} contract) and reads every thread's Python stack: version detection that
 * runs nothing, runtime discovery, interpreters → threads → frames → code objects → file,
 * function and line, GIL and GC state.
 *
 * @example
 * ```ts
 * import { analyse } from "@corestack/cpython";
 *
 * const { version, threads } = analyse(target);
 * for (const thread of threads) {
 *   console.log(`Thread ${thread.tid}`);
 *   for (const frame of thread.frames) console.log(`  ${frame.file}:${frame.line} ${frame.function}`);
 * }
 * ```
 * @module
 */
export * from "./analyse.js";
export * from "./detect_version.js";
export * from "./names.js";
export * from "./python_error.js";
export * from "./python_module.js";
export * from "./python_target.js";

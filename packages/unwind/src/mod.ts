/**
 * Native stacks of a core's threads: unwinding from each thread's `NT_PRSTATUS` registers with
 * the DWARF call frame information of the image each pc lands in (`.eh_frame` through
 * `.eh_frame_hdr`, `.debug_frame`, from the file or its separate debug file), signal frames, the
 * frame pointer where no CFI covers a pc (marked), and symbolization: function names from DWARF
 * and the symbol tables (C++ and Rust demangled), inlined calls as frames of their own, file and
 * line. Every walk is bounded by {@link UNWIND_LIMITS} and ends with a marked {@link StackEnd},
 * never an exception.
 *
 * @example
 * ```ts
 * import { CoreFile } from "@corestack/elf";
 * import { openFile } from "@corestack/mmap";
 * import { CoreTarget } from "@corestack/symbols";
 * import { NativeUnwinder, describeNativeFrame } from "@corestack/unwind";
 *
 * const target = new CoreTarget(new CoreFile(openFile("core")));
 * const unwinder = new NativeUnwinder(target, { debugDirectories: ["/usr/lib/debug"] });
 * for (const thread of target.threads()) {
 *   const stack = unwinder.unwind(thread);
 *   console.log(`Thread ${stack.tid}`);
 *   stack.frames.forEach((frame, index) => console.log(`#${index} ${describeNativeFrame(frame)}`));
 * }
 * ```
 * @module
 */
export * from "./apply_unwind_row.js";
export { AARCH64, X86_64, architectureOf, dwarfRegisters, type Architecture } from "./architecture.js";
export * from "./debug_file.js";
export * from "./demangle.js";
export { evaluateExpression, type ExpressionContext } from "./dwarf_expression.js";
export * from "./limits.js";
export * from "./module_image.js";
export * from "./native_unwinder.js";
export * from "./symbolizer.js";
export { UnwindError, type UnwindErrorCode } from "./unwind_error.js";
export * from "./walk_stack.js";

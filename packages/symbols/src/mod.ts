/**
 * The module map and {@link Target} of a core file: which ELF files the process had mapped, where
 * they are on disk (recorded path, search path, search root; verified by build-id), their load
 * bias, symbols by name and by address, and memory reads that fall back from the core to the
 * mapped files.
 *
 * @example
 * ```ts
 * import { CoreFile } from "@corestack/elf";
 * import { openFile } from "@corestack/mmap";
 * import { CoreTarget } from "@corestack/symbols";
 *
 * const target = new CoreTarget(new CoreFile(openFile("core")));
 * const runtime = target.findSymbol("_PyRuntime");
 * console.log(runtime?.module.path, runtime?.address);
 * ```
 * @module
 */
export * from "./core_target.js";
export * from "./locate_file.js";
export * from "./module.js";
export * from "./module_map.js";
export * from "./symbols_error.js";
export * from "./link_map.js";
export * from "./link_map_modules.js";

// The one entry through which a package's tests use another package's test helpers: hand-built
// ELF images and cores (@corestack/elf) and gdb's backtraces as an oracle (@corestack/unwind).
// The helpers live beside the code they mirror, in files npm does not publish (`_test_*` in src,
// everything in test/), so tests import them from here, never by a path into another package.
export { ByteWriter } from "../../packages/elf/src/_test_elf_builder.js";
export * from "../../packages/elf/src/_test_core_builder.js";
export { gdbBacktraces, gdbUnavailable } from "../../packages/unwind/test/_gdb.js";

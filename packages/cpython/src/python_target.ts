/**
 * What the CPython analysis needs from a target process: memory, symbols by name, and the OS
 * threads with their registers. A core, a live process, or a hand-built buffer in a test all fit.
 */
export interface PythonTarget {
  /**
   * Reads `length` bytes at `address`.
   * @throws a `MemoryError` of `@corestack/elf` (or any error carrying its
   *   `Symbol.for("corestack.error.MemoryError")` marker) when the bytes are not available: the
   *   walker treats that as unreadable memory. Any other error is a bug and propagates.
   */
  read(address: bigint, length: number): Uint8Array;
  /**
   * A symbol's run-time address by name, searching the modules `prefer` accepts first (only
   * them with `only`; only exported symbols, `.dynsym`, with `exported`).
   */
  findSymbol(
    name: string,
    options?: { prefer?: (module: TargetModule) => boolean; only?: boolean; exported?: boolean },
  ): { readonly address: bigint; readonly size: bigint; readonly module: TargetModule } | undefined;
  /**
   * The process's machine as `uname -m` names it (`x86_64`, `aarch64`), which chooses the layout
   * values of its build; undefined: the tables' own (x86_64).
   */
  readonly machine?: string | undefined;
  /** Loaded modules, for version detection from file names and for `.PyRuntime` sections. */
  modules(): readonly TargetModule[];
  /**
   * OS threads with their registers: x86-64's `fs_base` and aarch64's `tpidr_el0` map pthread
   * handles to thread ids (before 3.11, whose thread states have no `native_thread_id`).
   */
  threads(): readonly { readonly tid: number; readonly registers: Readonly<Record<string, bigint>> }[];
}

/** A module of the target as the CPython analysis sees it. */
export interface TargetModule {
  /** The path the process had mapped. */
  readonly path: string;
  /** Run-time address of a section by name (e.g. `.PyRuntime`), when the file is available. */
  sectionAddress?(name: string): { readonly address: bigint; readonly size: number } | undefined;
}

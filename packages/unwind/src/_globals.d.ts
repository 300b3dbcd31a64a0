// The WebAssembly API the demangler uses, present in every runtime this package targets (Node.js
// 20+, Deno, Bun, browsers). Declared here because @types/node 20 does not declare it and the
// package compiles without DOM types.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Table {
    grow(delta: number): number;
    set(index: number, value: unknown): void;
  }
  class RuntimeError extends Error {}
}

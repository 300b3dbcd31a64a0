import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { UNWIND_LIMITS } from "./limits.js";

/**
 * The demangler: `gecko-profiler-demangle` (the Firefox profiler's), a WebAssembly build of the
 * Rust crates `cpp_demangle` (Itanium C++ ABI) and `rustc-demangle` (Rust legacy and v0
 * manglings). Its output is gdb's: C++ names with parameter types and without the return type of
 * template functions (libiberty's `DMGL_PARAMS | DMGL_RET_DROP`), `> >` spacing, `(anonymous
 * namespace)`, and Rust paths without the hash. The package's own JavaScript glue imports the
 * `.wasm` file as an ES module, which Node 20 cannot do without a flag, so this file instantiates
 * the module itself (its ABI is pinned: the dependency is the exact version 0.4.0).
 */
interface DemanglerExports {
  readonly memory: WebAssembly.Memory;
  demangle_any(pointer: number, length: number): [number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(pointer: number, size: number, align: number): void;
  readonly __wbindgen_export_0: WebAssembly.Table;
  __wbindgen_start(): void;
}

/** Options of {@link Demangler.load}. */
export interface DemanglerOptions {
  /** The module's bytes or path; default: `gecko-profiler-demangle/index_bg.wasm` resolved from this package. */
  readonly wasm?: Uint8Array | string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Demangles C++ (Itanium: `_Z…`) and Rust (legacy `_ZN…17h<hash>E`, v0 `_R…`) symbol names as gdb
 * prints them. Loaded once, on first use (about 10 ms to compile the 520 KB module); a name that
 * is not mangled, too long ({@link UNWIND_LIMITS.demangleBytes}) or that the demangler rejects is
 * returned unchanged. A trap inside the module (a bug of the demangler on crafted input) returns
 * the name unchanged and replaces the instance.
 *
 * @example
 * ```ts
 * const demangler = Demangler.load();
 * demangler.demangle("_ZN2ns3addIiEET_S1_S1_"); // "ns::add<int>(int, int)"
 * demangler.demangle("_ZN8crashlib5crash17h0123456789abcdefE"); // "crashlib::crash"
 * ```
 */
export class Demangler {
  readonly #module: WebAssembly.Module;
  #exports: DemanglerExports;

  private constructor(module: WebAssembly.Module) {
    this.#module = module;
    this.#exports = Demangler.#instantiate(module);
  }

  /**
   * Compiles and instantiates the demangler.
   * @param options where the module is.
   * @returns the demangler.
   * @throws {Error} when the module cannot be found, read or compiled (the caller then prints
   *   mangled names; {@link sharedDemangler} remembers the failure).
   * @example
   * ```ts
   * const demangler = Demangler.load({ wasm: "/opt/corestack/index_bg.wasm" });
   * ```
   */
  static load(options: DemanglerOptions = {}): Demangler {
    let bytes = options.wasm;
    if (bytes === undefined) bytes = createRequire(import.meta.url).resolve("gecko-profiler-demangle/index_bg.wasm");
    if (typeof bytes === "string") bytes = readFileSync(bytes);
    return new Demangler(new WebAssembly.Module(bytes));
  }

  static #instantiate(module: WebAssembly.Module): DemanglerExports {
    let exports: DemanglerExports | undefined;
    const imports = {
      "./index_bg.js": {
        // wasm-bindgen's externref table set-up, as the package's glue does it.
        __wbindgen_init_externref_table(): void {
          const table = exports!.__wbindgen_export_0;
          const offset = table.grow(4);
          table.set(0, undefined);
          table.set(offset + 0, undefined);
          table.set(offset + 1, null);
          table.set(offset + 2, true);
          table.set(offset + 3, false);
        },
      },
    };
    exports = new WebAssembly.Instance(module, imports).exports as unknown as DemanglerExports;
    exports.__wbindgen_start();
    return exports;
  }

  /**
   * The demangled name.
   * @param name a symbol or DWARF linkage name.
   * @returns the demangled name, or `name` itself when it is not a mangled C++ or Rust name.
   * @example
   * ```ts
   * demangler.demangle("_ZN12_GLOBAL__N_14helpEi"); // "(anonymous namespace)::help(int)"
   * demangler.demangle("PyObject_GetAttr");         // "PyObject_GetAttr"
   * ```
   */
  demangle(name: string): string {
    if (!isMangled(name) || name.length > UNWIND_LIMITS.demangleBytes) return name;
    const input = encoder.encode(name);
    const exports = this.#exports;
    try {
      const pointer = exports.__wbindgen_malloc(input.length, 1) >>> 0;
      new Uint8Array(exports.memory.buffer, pointer, input.length).set(input);
      const [out, length] = exports.demangle_any(pointer, input.length);
      try {
        const result = decoder.decode(new Uint8Array(exports.memory.buffer, out >>> 0, length >>> 0));
        // demangle_any strips a leading underscore (macOS's) before giving up on a name.
        return result === name.slice(1) ? name : result;
      } finally {
        exports.__wbindgen_free(out, length, 1);
      }
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error;
      // A panic or trap leaves the instance's allocator in an unknown state: start a new one.
      this.#exports = Demangler.#instantiate(this.#module);
      return name;
    }
  }
}

/**
 * Whether a name looks mangled: Itanium C++ (`_Z`, and `__Z` of some platforms) or Rust v0 (`_R`).
 * Rust legacy names are Itanium-shaped (`_ZN…E`).
 * @param name a symbol name.
 * @returns true when the demangler should be asked.
 * @example
 * ```ts
 * isMangled("_ZN3foo3barEv"); // true
 * isMangled("main");          // false
 * ```
 */
export function isMangled(name: string): boolean {
  return name.startsWith("_Z") || name.startsWith("__Z") || name.startsWith("_R");
}

let shared: Demangler | Error | undefined;

/**
 * The process-wide demangler, loaded on first call.
 * @returns the demangler, or the error that kept it from loading (then names stay mangled).
 * @example
 * ```ts
 * const demangler = sharedDemangler();
 * const name = demangler instanceof Demangler ? demangler.demangle(raw) : raw;
 * ```
 */
export function sharedDemangler(): Demangler | Error {
  if (shared === undefined) {
    try {
      shared = Demangler.load();
    } catch (error) {
      shared = error instanceof Error ? error : new Error(String(error));
    }
  }
  return shared;
}

/**
 * Demangles with the process-wide demangler; the name unchanged when it could not load.
 * @param name a symbol or linkage name.
 * @returns the demangled name.
 * @example
 * ```ts
 * demangle("_RNvCs1234_8crashlib11crash_three"); // "crashlib::crash_three"
 * ```
 */
export function demangle(name: string): string {
  if (!isMangled(name)) return name;
  const demangler = sharedDemangler();
  return demangler instanceof Demangler ? demangler.demangle(name) : name;
}

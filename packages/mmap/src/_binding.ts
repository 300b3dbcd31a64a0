// Loads the native mmap binding (`@riaskov/mmap-io`) lazily, once per process, and remembers why
// it failed when it cannot load. Private to this package.
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The part of `@riaskov/mmap-io` this package uses. */
export interface Binding {
  /**
   * Maps `size` bytes of `fd` at `offset`. With corestack's patch (`CORESTACK_PATCH`), `path`
   * and `fileSize` guard the mapping: a SIGBUS inside it (the file shrank) prints one line
   * naming `path` and ends the process (see {@linkcode FILE_CHANGED_EXIT_CODE}); upstream ignores
   * both. With patch 2 and `shared` true, the mapping comes back as a `SharedArrayBuffer`, which V8
   * does not count as external memory (an `ArrayBuffer` over memory V8 does not own is counted, and
   * mapping a core and its libraries then starts full garbage collections).
   */
  map(
    size: number,
    protection: number,
    flags: number,
    fd: number,
    offset?: number,
    advise?: number,
    path?: string,
    fileSize?: number,
    shared?: boolean,
  ): Uint8Array | SharedArrayBuffer;
  readonly PROT_READ: number;
  readonly MAP_PRIVATE: number;
  /**
   * Present in the build with corestack's patch (`patches/@riaskov__mmap-io@1.4.3.patch`): 1 for
   * 64-bit offsets and the SIGBUS guard, 2 when `map()` can also return a `SharedArrayBuffer`.
   */
  readonly CORESTACK_PATCH?: number;
  /** Patched: the largest mapping `map()` accepts (one Buffer must hold it). */
  readonly MAX_MAP_SIZE?: number;
  /** Patched: the largest file offset `map()` accepts (2^53 − 1). */
  readonly MAX_MAP_OFFSET?: number;
  /** Patched, POSIX: sets the SIGBUS report's prefix and exit code and installs the handler. */
  setFaultExit?(prefix: string, code: number): boolean;
  /** Patched, POSIX: how many mappings the SIGBUS handler guards. */
  guarded?(): number;
}

/** The npm package that provides the binding. */
export const BINDING_PACKAGE = "@riaskov/mmap-io";

/**
 * The largest file offset and mapping length upstream's binding passes to `mmap(2)` unchanged.
 *
 * `@riaskov/mmap-io` 1.4.3 (like `mmap-io` 1.1.7) converts `size` and `offset` to a C `int`
 * (`Nan::To<int>`, JavaScript's ToInt32): an offset of 2 GiB fails with `EOVERFLOW`, and an offset
 * of 4 GiB + x silently maps offset x. With that binding, windows that start past this offset are
 * never mapped; their bytes are read on demand (see `_mmap_file.ts`). The patched binding takes
 * 64-bit sizes and offsets and says its own limits ({@linkcode mapLimits}).
 */
export const MAX_MAP_OFFSET = 0x7fff_ffff;
/** The largest length one mapping may have, for the same reason as {@linkcode MAX_MAP_OFFSET}. */
export const MAX_MAP_LENGTH = 0x7fff_ffff;

/** What the SIGBUS handler of the patched binding writes before its message. */
export const FAULT_PREFIX = "corestack: ";
/**
 * The exit code of a process whose mapped file shrank under a read (the patched binding's SIGBUS
 * handler): 3, corestack's "input unusable".
 */
export const FILE_CHANGED_EXIT_CODE = 3;

/** Where a mapping may start and how long it may be, with the binding given. */
export interface MapLimits {
  /** Windows that start past this file offset are read on demand instead of mapped. */
  readonly maxOffset: number;
  /** The longest single mapping. */
  readonly maxLength: number;
  /** Whether a SIGBUS inside a mapping (the file shrank) is reported instead of killing silently. */
  readonly guarded: boolean;
}

/** The record the patched install script writes next to the addon: the Node ABI it was built for. */
const ABI_RECORD = "mmap_io.abi.json";

interface AbiRecord {
  readonly modules: string;
  readonly platform?: string;
  readonly arch?: string;
  readonly node?: string;
}

type State = { readonly binding: Binding; readonly from: string; readonly limits: MapLimits } | { readonly error: string };
let state: State | undefined;

function isBinding(value: unknown): value is Binding {
  if (typeof value !== "object" && typeof value !== "function") return false;
  if (value === null) return false;
  const candidate = value as Partial<Record<keyof Binding, unknown>>;
  return typeof candidate.map === "function" && typeof candidate.PROT_READ === "number" && typeof candidate.MAP_PRIVATE === "number";
}

/**
 * The limits of a binding: its own when it is the patched build (64-bit offsets), else the C
 * `int` limits of upstream's.
 */
export function mapLimits(binding: Binding): MapLimits {
  const patched = binding.CORESTACK_PATCH !== undefined && binding.CORESTACK_PATCH >= 1;
  if (!patched || typeof binding.MAX_MAP_OFFSET !== "number" || typeof binding.MAX_MAP_SIZE !== "number") {
    return { maxOffset: MAX_MAP_OFFSET, maxLength: MAX_MAP_LENGTH, guarded: false };
  }
  return {
    maxOffset: Math.min(binding.MAX_MAP_OFFSET, Number.MAX_SAFE_INTEGER),
    maxLength: Math.min(binding.MAX_MAP_SIZE, Number.MAX_SAFE_INTEGER),
    guarded: typeof binding.setFaultExit === "function",
  };
}

function message(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? String(error)) : String(error);
}

/** The patched build's ABI record, or `undefined` (upstream's build has none). */
function readAbiRecord(directory: string): AbiRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(directory, ABI_RECORD), "utf8");
  } catch {
    return undefined;
  }
  try {
    const record: unknown = JSON.parse(text);
    const modules = (record as { modules?: unknown }).modules;
    if (typeof modules !== "string" && typeof modules !== "number") return undefined;
    const { platform, arch, node } = record as Record<string, unknown>;
    return {
      modules: String(modules),
      ...(typeof platform === "string" ? { platform } : {}),
      ...(typeof arch === "string" ? { arch } : {}),
      ...(typeof node === "string" ? { node } : {}),
    };
  } catch {
    return undefined;
  }
}

function loaded(binding: Binding, from: string): State {
  const limits = mapLimits(binding);
  if (limits.guarded) {
    try {
      binding.setFaultExit?.(FAULT_PREFIX, FILE_CHANGED_EXIT_CODE);
    } catch {
      return { binding, from, limits: { ...limits, guarded: false } };
    }
  }
  return { binding, from, limits };
}

/**
 * The binding package's directory as `node_modules` lookup finds it from `directory`: the first
 * `node_modules/@riaskov/mmap-io` directory of it and its ancestors. Node's own resolution
 * (`require.resolve`) gives the same answer for every layout npm and pnpm make, at ~0.7 ms of
 * cold loader code per run; this costs one `stat` per directory tried. Undefined when none is found
 * (then the caller asks `require.resolve`, which also knows NODE_PATH and Yarn's Plug'n'Play).
 */
export function findPackageDirectory(directory: string, name: string): string | undefined {
  for (let at = directory; ; at = dirname(at)) {
    if (basename(at) !== "node_modules") {
      const candidate = join(at, "node_modules", name);
      if (statSync(candidate, { bigint: true, throwIfNoEntry: false })?.isDirectory()) return candidate;
    }
    if (dirname(at) === at) return undefined;
  }
}

/** Loads the addon file at `path` (process.dlopen: what `require` of a `.node` file does, without the module loader). */
function dlopen(path: string): unknown {
  const module = { exports: {} as unknown };
  process.dlopen(module, path);
  return module.exports;
}

/** This module's directory (the bundled CLI's `import.meta.dirname` is the bundle's directory). */
function moduleDirectory(): string {
  return import.meta.dirname ?? dirname(fileURLToPath(import.meta.url));
}

function load(): State {
  let require: NodeJS.Require | undefined;
  const requireHere = () => (require ??= createRequire(import.meta.url));
  let root: string;
  try {
    root = findPackageDirectory(moduleDirectory(), BINDING_PACKAGE) ?? dirname(requireHere().resolve(`${BINDING_PACKAGE}/package.json`));
  } catch (error) {
    return { error: `cannot find ${BINDING_PACKAGE}: ${message(error)}` };
  }
  const addon = "mmap_io.node";
  const { platform, arch } = process;
  const release = join(root, "build", "Release");

  // The patched build records the Node ABI it was compiled for next to the addon. A Nan addon is
  // bound to one ABI (one Node major version): loading it under another costs a dlopen and a
  // failure (~75 ms measured), so a mismatch is told from the record, without trying.
  const record = readAbiRecord(release);
  if (record !== undefined) {
    const builtFor = `Node ABI ${record.modules}${record.node === undefined ? "" : ` (Node ${record.node})`}`;
    const running = `Node ${process.version} (ABI ${process.versions.modules})`;
    if (record.modules !== process.versions.modules) {
      return {
        error: `cannot load ${BINDING_PACKAGE}: its addon was built for ${builtFor}, this is ${running}; rebuild it with this Node: pnpm rebuild ${BINDING_PACKAGE}`,
      };
    }
    if ((record.platform !== undefined && record.platform !== platform) || (record.arch !== undefined && record.arch !== arch)) {
      return {
        error: `cannot load ${BINDING_PACKAGE}: its addon was built for ${record.platform ?? platform}-${record.arch ?? arch}, this is ${platform}-${arch}`,
      };
    }
    const candidate = join(release, addon);
    try {
      const binding = dlopen(candidate);
      if (isBinding(binding)) return loaded(binding, candidate);
      return { error: `cannot load ${BINDING_PACKAGE}: ${candidate}: not the expected binding` };
    } catch (error) {
      return { error: `cannot load ${BINDING_PACKAGE}: ${candidate}: ${message(error)}` };
    }
  }

  // Upstream's build (no record). Its package entry finds the addon through @mapbox/node-pre-gyp,
  // which costs ~50 ms of start-up; the addon itself loads in ~2 ms. Try the two places
  // node-pre-gyp builds or unpacks it, then the package entry, which stays the reference.
  const candidates = [join(release, addon), join(root, "build", "binding", "Release", `node-v${process.versions.modules}-${platform}-${arch}`, addon)];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const binding: unknown = requireHere()(candidate);
      if (isBinding(binding)) return loaded(binding, candidate);
      failures.push(`${candidate}: not the expected binding`);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "MODULE_NOT_FOUND") failures.push(`${candidate}: ${message(error)}`);
    }
  }
  try {
    const module: unknown = requireHere()(BINDING_PACKAGE);
    // CommonJS; its TypeScript types call the export `default`, the runtime object is the module.
    const binding = (module as { default?: unknown }).default ?? module;
    if (isBinding(binding)) return loaded(binding, BINDING_PACKAGE);
    failures.push(`${BINDING_PACKAGE}: not the expected binding`);
  } catch (error) {
    failures.push(`${BINDING_PACKAGE}: ${message(error)}`);
  }
  return { error: `cannot load ${BINDING_PACKAGE}: ${failures.join("; ")}` };
}

/**
 * Returns the binding, loading it on the first call; `undefined` when it cannot load.
 */
export function loadBinding(): Binding | undefined {
  state ??= load();
  return "binding" in state ? state.binding : undefined;
}

/**
 * Returns why the binding cannot load (loading it first if needed), or `undefined` when it loads.
 */
export function bindingError(): string | undefined {
  state ??= load();
  return "error" in state ? state.error : undefined;
}

/** Returns the file the binding was loaded from, or `undefined`. */
export function bindingOrigin(): string | undefined {
  state ??= load();
  return "from" in state ? state.from : undefined;
}

/** Returns the loaded binding's limits (loading it first if needed), or `undefined`. */
export function bindingLimits(): MapLimits | undefined {
  state ??= load();
  return "limits" in state ? state.limits : undefined;
}

// Loads the native mmap binding (`@riaskov/mmap-io`) lazily, once per process, and remembers why
// it failed when it cannot load. Private to this package.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The part of `@riaskov/mmap-io` this package uses. */
export interface Binding {
  map(size: number, protection: number, flags: number, fd: number, offset?: number, advise?: number): Uint8Array;
  readonly PROT_READ: number;
  readonly MAP_PRIVATE: number;
}

/** The npm package that provides the binding. */
export const BINDING_PACKAGE = "@riaskov/mmap-io";

/**
 * The largest file offset and mapping length the binding passes to `mmap(2)` unchanged.
 *
 * `@riaskov/mmap-io` 1.4.3 (like `mmap-io` 1.1.7) converts `size` and `offset` to a C `int`
 * (`Nan::To<int>`, JavaScript's ToInt32): an offset of 2 GiB fails with `EOVERFLOW`, and an offset
 * of 4 GiB + x silently maps offset x. So windows that start past this offset are never mapped;
 * their bytes are read on demand (see `_mmap_file.ts`).
 */
export const MAX_MAP_OFFSET = 0x7fff_ffff;
/** The largest length one mapping may have, for the same reason as {@linkcode MAX_MAP_OFFSET}. */
export const MAX_MAP_LENGTH = 0x7fff_ffff;

type State = { readonly binding: Binding; readonly from: string } | { readonly error: string };
let state: State | undefined;

function isBinding(value: unknown): value is Binding {
  if (typeof value !== "object" && typeof value !== "function") return false;
  if (value === null) return false;
  const candidate = value as Partial<Record<keyof Binding, unknown>>;
  return (
    typeof candidate.map === "function" &&
    typeof candidate.PROT_READ === "number" &&
    typeof candidate.MAP_PRIVATE === "number"
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] ?? String(error) : String(error);
}

function load(): State {
  let require: NodeJS.Require;
  let root: string;
  try {
    require = createRequire(import.meta.url);
    root = dirname(require.resolve(`${BINDING_PACKAGE}/package.json`));
  } catch (error) {
    return { error: `cannot find ${BINDING_PACKAGE}: ${message(error)}` };
  }
  // The package's own entry finds the addon through @mapbox/node-pre-gyp, which costs ~50 ms of
  // start-up; the addon itself loads in ~2 ms. Try the two places node-pre-gyp builds or unpacks
  // it, then the package entry, which stays the reference.
  const addon = "mmap_io.node";
  const { platform, arch } = process;
  const candidates = [
    join(root, "build", "Release", addon),
    join(root, "build", "binding", "Release", `node-v${process.versions.modules}-${platform}-${arch}`, addon),
  ];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const binding: unknown = require(candidate);
      if (isBinding(binding)) return { binding, from: candidate };
      failures.push(`${candidate}: not the expected binding`);
    } catch (error) {
      if ((error as { code?: unknown }).code !== "MODULE_NOT_FOUND") failures.push(`${candidate}: ${message(error)}`);
    }
  }
  try {
    const module: unknown = require(BINDING_PACKAGE);
    // CommonJS; its TypeScript types call the export `default`, the runtime object is the module.
    const binding = (module as { default?: unknown }).default ?? module;
    if (isBinding(binding)) return { binding, from: BINDING_PACKAGE };
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

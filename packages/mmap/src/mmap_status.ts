import { createRequire } from "node:module";
import type { Backend } from "./mapped_file.js";
import { BINDING_PACKAGE, MAX_MAP_OFFSET, bindingError, bindingLimits, loadBinding } from "./_binding.js";
import { NO_MMAP_VARIABLE, maxWindowSize, mmapDisabledByEnv } from "./_settings.js";

/**
 * Which backend {@linkcode openFile} picks by default, and why: what `corestack --verbose`
 * prints.
 *
 * @example
 * ```ts
 * import { mmapStatus, type MmapStatus } from "@corestack/mmap";
 *
 * const status: MmapStatus = mmapStatus();
 * if (status.backend === "pread") console.error(status.summary);
 * ```
 */
export interface MmapStatus {
  /** The backend of `backend: "auto"` right now. */
  readonly backend: Backend;
  /** Whether the native binding loads. */
  readonly bindingLoaded: boolean;
  /** The binding's package and version, e.g. `@riaskov/mmap-io@1.4.3`, when it loads. */
  readonly binding?: string;
  /** Why the binding cannot load, when it cannot. */
  readonly bindingError?: string;
  /** Whether `CORESTACK_NO_MMAP` turns mmap off. */
  readonly disabledByEnv: boolean;
  /**
   * Whether the loaded binding is the build with corestack's patch
   * (`patches/@riaskov__mmap-io@1.4.3.patch`): 64-bit offsets and the SIGBUS guard.
   */
  readonly bindingPatched: boolean;
  /**
   * With the mmap backend, windows that start past this file offset are read on demand, because
   * the binding cannot map them: 2 GiB − 1 with upstream's binding (it passes offsets to `mmap`
   * as a C `int`), `Number.MAX_SAFE_INTEGER` with the patched one.
   */
  readonly maxMappedOffset: number;
  /** The largest `windowSize` the backend of `"auto"` accepts. */
  readonly maxWindowSize: number;
  /**
   * Whether a mapped file that shrinks under a read is reported (one line on stderr naming the
   * file, exit code 3) instead of killing the process with SIGBUS: the patched binding's guard.
   */
  readonly guarded: boolean;
  /** One line for humans, e.g. `mmap (@riaskov/mmap-io@1.4.3 with corestack's patch: 64-bit offsets, SIGBUS guard)`. */
  readonly summary: string;
}

function bindingVersion(): string {
  try {
    const manifest: unknown = createRequire(import.meta.url)(`${BINDING_PACKAGE}/package.json`);
    const version = (manifest as { version?: unknown }).version;
    return typeof version === "string" ? `${BINDING_PACKAGE}@${version}` : BINDING_PACKAGE;
  } catch {
    return BINDING_PACKAGE;
  }
}

/**
 * Reports which backend {@linkcode openFile} picks by default and why, loading the binding if it
 * is not loaded yet (~2 ms, once per process).
 *
 * @returns The status; its `summary` is one line for `--verbose` output.
 * @example
 * ```ts
 * import { mmapStatus } from "@corestack/mmap";
 *
 * console.error(`corestack: reading files with ${mmapStatus().summary}`);
 * // corestack: reading files with mmap (@riaskov/mmap-io@1.4.3 with corestack's patch: 64-bit offsets, SIGBUS guard)
 * ```
 */
export function mmapStatus(): MmapStatus {
  const binding = loadBinding();
  const loaded = binding !== undefined;
  const disabledByEnv = mmapDisabledByEnv();
  const backend: Backend = loaded && !disabledByEnv ? "mmap" : "pread";
  const limits = bindingLimits();
  const bindingPatched = limits !== undefined && limits.maxOffset > MAX_MAP_OFFSET;
  const maxMappedOffset = limits?.maxOffset ?? MAX_MAP_OFFSET;
  const common = {
    backend,
    bindingLoaded: loaded,
    bindingPatched,
    disabledByEnv,
    maxMappedOffset,
    maxWindowSize: maxWindowSize(backend === "mmap" ? binding : undefined),
    guarded: backend === "mmap" && limits?.guarded === true,
  };
  if (!loaded) {
    const error = bindingError() ?? `cannot load ${BINDING_PACKAGE}`;
    const why = disabledByEnv ? `${NO_MMAP_VARIABLE}=${process.env[NO_MMAP_VARIABLE] ?? ""}; ${error}` : error;
    return { ...common, bindingError: error, summary: `pread (${why})` };
  }
  const version = bindingVersion();
  if (disabledByEnv) {
    return { ...common, binding: version, summary: `pread (${NO_MMAP_VARIABLE}=${process.env[NO_MMAP_VARIABLE] ?? ""})` };
  }
  if (bindingPatched) {
    const guard = common.guarded ? ", SIGBUS guard" : "";
    return { ...common, binding: version, summary: `mmap (${version} with corestack's patch: 64-bit offsets${guard})` };
  }
  const limit = `${Math.round((maxMappedOffset + 1) / 2 ** 30)} GiB`;
  return {
    ...common,
    binding: version,
    summary: `mmap (${version} without corestack's patch: file offsets past ${limit} read on demand, no SIGBUS guard)`,
  };
}

/**
 * Tells whether the native mmap binding loads on this machine (whatever `CORESTACK_NO_MMAP` says).
 *
 * @returns `true` when `@riaskov/mmap-io` loads.
 * @example
 * ```ts
 * import { mmapAvailable } from "@corestack/mmap";
 *
 * if (!mmapAvailable()) console.error("corestack: mmap unavailable, reading files on demand");
 * ```
 */
export function mmapAvailable(): boolean {
  return loadBinding() !== undefined;
}

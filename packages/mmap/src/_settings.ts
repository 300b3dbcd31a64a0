// Option defaults, validation and backend choice. Private to this package.
import { constants as bufferConstants } from "node:buffer";
import type { Backend } from "./mapped_file.js";
import { MmapError } from "./mmap_error.js";
import { BINDING_PACKAGE, MAX_MAP_LENGTH, bindingError, loadBinding, mapLimits, type Binding } from "./_binding.js";

/** Windows start at multiples of this: a multiple of every page size Linux uses (4, 16, 64 KiB). */
export const WINDOW_ALIGNMENT = 64 * 1024;

/**
 * The largest window with `binding` (none: the pread backend, which maps nothing): one Buffer
 * must hold it and the binding must accept its length (upstream's: a C `int`, so 2 GiB − 64 KiB;
 * the patched one: the largest Buffer).
 */
export function maxWindowSize(binding: Binding | undefined): number {
  const mappable = binding === undefined ? Number.MAX_SAFE_INTEGER : mapLimits(binding).maxLength;
  return Math.floor(Math.min(bufferConstants.MAX_LENGTH, mappable) / WINDOW_ALIGNMENT) * WINDOW_ALIGNMENT;
}
/** 1 GiB, or less where a Buffer cannot hold that much. */
export const DEFAULT_WINDOW_SIZE = Math.min(2 ** 30, Math.floor(Math.min(bufferConstants.MAX_LENGTH, MAX_MAP_LENGTH) / WINDOW_ALIGNMENT) * WINDOW_ALIGNMENT);
export const DEFAULT_CACHE_PAGE_SIZE = 64 * 1024;
export const DEFAULT_CACHE_PAGES = 256;
/** The environment variable that makes `backend: "auto"` choose `"pread"`. */
export const NO_MMAP_VARIABLE = "CORESTACK_NO_MMAP";

/** Options as the caller gives them (see `OpenFileOptions` in file_cache.ts). */
export interface SettingsInput {
  readonly backend?: "auto" | Backend;
  readonly windowSize?: number;
  readonly cachePageSize?: number;
  readonly cachePages?: number;
}

export interface Settings {
  readonly requested: "auto" | Backend;
  readonly backend: Backend;
  readonly binding: Binding | undefined;
  readonly windowSize: number;
  readonly pageSize: number;
  readonly maxPages: number;
  /** Files opened with equal keys and the same identity are the same object. */
  readonly key: string;
}

/** Whether `CORESTACK_NO_MMAP` is set to something other than "" or "0". */
export function mmapDisabledByEnv(): boolean {
  const value = process.env[NO_MMAP_VARIABLE];
  return value !== undefined && value !== "" && value !== "0";
}

function positiveInteger(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw new RangeError(`Invalid ${name} ${value}: it must be an integer from 1 to ${max}`);
  }
  return value;
}

/**
 * Validates options and picks the backend.
 *
 * @throws {RangeError} For an invalid size or count.
 * @throws {TypeError} For an unknown backend.
 * @throws {MmapError} `binding-unavailable` when `backend: "mmap"` and the binding cannot load.
 */
export function resolveSettings(input: SettingsInput): Settings {
  const requested = input.backend ?? "auto";
  if (requested !== "auto" && requested !== "mmap" && requested !== "pread") {
    throw new TypeError(`Invalid backend ${String(requested)}: use "auto", "mmap" or "pread"`);
  }
  const pageSize = positiveInteger("cachePageSize", input.cachePageSize, DEFAULT_CACHE_PAGE_SIZE, 2 ** 30);
  const maxPages = positiveInteger("cachePages", input.cachePages, DEFAULT_CACHE_PAGES, 2 ** 30);

  let binding: Binding | undefined;
  if (requested === "mmap" || (requested === "auto" && !mmapDisabledByEnv())) {
    binding = loadBinding();
    if (binding === undefined && requested === "mmap") {
      throw new MmapError(`Cannot use the mmap backend: ${bindingError() ?? `cannot load ${BINDING_PACKAGE}`}`, {
        code: "binding-unavailable",
        path: "",
      });
    }
  }
  const windowSize = input.windowSize ?? DEFAULT_WINDOW_SIZE;
  const maxWindow = maxWindowSize(binding);
  if (!Number.isInteger(windowSize) || windowSize <= 0 || windowSize % WINDOW_ALIGNMENT !== 0 || windowSize > maxWindow) {
    throw new RangeError(`Invalid windowSize ${windowSize}: it must be a multiple of ${WINDOW_ALIGNMENT} from ${WINDOW_ALIGNMENT} to ${maxWindow}`);
  }
  const backend: Backend = binding === undefined ? "pread" : "mmap";
  const key = `${backend}:${windowSize}:${pageSize}:${maxPages}`;
  return { requested, backend, binding, windowSize, pageSize, maxPages, key };
}

// Types of debian_debug_python.mjs, for the TypeScript tests that import it.

export const DEFAULT_DEBUG_PYTHON_MINOR: string;

/** What the provider leaves in its cache (the marker `.provided.json`). */
export interface ProvidedDebugPython {
  readonly format: number;
  readonly minor: string;
  /** An interpreter id for the core maker: `debian-3.11.2` (the machine's) or `debian-3.11.2-6-deb12u9` (a copy). */
  readonly id: string;
  /** The interpreter whose debug file is provided: the machine's `/usr/bin/pythonX.Y`, or the copy in the cache. */
  readonly python: string;
  readonly version: string;
  readonly debianVersion: string;
  /** The installed version of pythonX.Y-minimal. */
  readonly machineVersion: string;
  /** Whether {@link python} is the machine's interpreter (the archive had its version). */
  readonly matchesMachine: boolean;
  readonly buildId: string;
  /** The directory to give `--debug-dir` (`…/usr/lib/debug`). */
  readonly debugDir: string;
  /** The interpreter's debug file, `debugDir/.build-id/xx/rest.debug`. */
  readonly debugFile: string;
  readonly dir: string;
  readonly packages: readonly string[];
  readonly provided: string;
}

export function debugPythonCacheDir(): string;
export function elfBuildId(file: string): string | null;
export function readProvidedDebugPython(minor?: string, cacheDir?: string): ProvidedDebugPython | null;
export function debugPythonSkipReason(minor?: string, cacheDir?: string): string | null;
export function provideDebugPython(options?: { minor?: string; refresh?: boolean; cacheDir?: string }): Promise<ProvidedDebugPython & { cached: boolean }>;

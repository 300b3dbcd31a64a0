// Types for arm64_python.mjs (tests import the toolchain marker reader; the rest through core_maker.mjs).
export interface ProvidedArm64Toolchain {
  readonly format: number;
  /** Debian's aarch64-linux-gnu-gcc-12, run from the cache. */
  readonly gcc: string;
  /** Its binutils' own shared libraries (LD_LIBRARY_PATH). */
  readonly libraryPath: string;
  /** The arm64 Python headers (ROOT/usr/include/python3.11). */
  readonly include: string;
  readonly packages: readonly string[];
  readonly provided: string;
}
export declare function readProvidedArm64Toolchain(cacheDir?: string): ProvidedArm64Toolchain | null;

// Which compression a core file is in, from its first bytes: asked of every core, so it lives
// apart from the decoders (decompress.ts), which the build puts in a script of their own that only
// a compressed core loads (build.mjs, "lazy scripts").

/** The compressions `corestack core` reads a core in. */
export type Compression = "gzip" | "zstd" | "lz4" | "xz";

/** The magic number of an LZ4 frame (`lz4` 1.x), little-endian in the file: `04 22 4d 18`. */
export const LZ4_FRAME_MAGIC = 0x184d2204;
/** The magic number of the legacy LZ4 format (`lz4 -l`): `02 21 4c 18`. */
export const LZ4_LEGACY_MAGIC = 0x184c2102;
/** The first 6 bytes of an .xz file. */
export const XZ_MAGIC: readonly number[] = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

/**
 * The compression of a file from its first bytes (6 are enough), or `undefined` for anything
 * else (an ELF core, or a file that is not a core). bzip2 is recognised to be refused by name.
 * @param head the file's first bytes.
 * @returns the compression, `"bzip2"`, or `undefined`.
 * @example
 * ```ts
 * compressionOf(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])); // "zstd"
 * ```
 */
export function compressionOf(head: Uint8Array): Compression | "bzip2" | undefined {
  const at = (index: number): number | undefined => head[index];
  if (at(0) === 0x1f && at(1) === 0x8b) return "gzip";
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return "zstd";
  if (head.length >= 4) {
    const magic = (head[0]! | (head[1]! << 8) | (head[2]! << 16) | (head[3]! << 24)) >>> 0;
    if (magic === LZ4_FRAME_MAGIC || magic === LZ4_LEGACY_MAGIC) return "lz4";
  }
  if (head.length >= 6 && XZ_MAGIC.every((byte, index) => head[index] === byte)) return "xz";
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return "bzip2";
  return undefined;
}

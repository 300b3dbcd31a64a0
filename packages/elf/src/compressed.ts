import { ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD, SHF_COMPRESSED, SHT_NOBITS } from "./constants.js";
import { nodeZlib } from "./_node_zlib.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** A decompressor: the compressed bytes and the size the section header promises → the bytes. */
export type Decompress = (bytes: Uint8Array, size: number) => Uint8Array;

/** Options of {@link sectionContents}. */
export interface SectionContentsOptions {
  /** Inflates a zlib stream (RFC 1950). Default: Node's `zlib.inflateSync`, when running on Node ≥ 20.16. */
  readonly inflate?: Decompress;
  /** Decompresses a zstd frame. Default: Node's `zlib.zstdDecompressSync`, when running on Node ≥ 22.15. */
  readonly zstd?: Decompress;
}

/** The largest decompressed section accepted (1 GiB): a bigger `ch_size` is treated as malformed. */
export const MAX_DECOMPRESSED_SIZE = 1 << 30;

/**
 * The contents of a section, decompressed when it is compressed: `SHF_COMPRESSED` sections
 * (`Elf32_Chdr`/`Elf64_Chdr` then a zlib or zstd stream) and legacy `.zdebug_*` sections ("ZLIB",
 * a big-endian 8-byte size, then a zlib stream). Other sections are returned as stored (a
 * zero-copy view); `SHT_NOBITS` sections are empty. Decompressed bytes are a new buffer each
 * call: keep the result rather than calling again.
 *
 * @param elf the file.
 * @param section one of its sections.
 * @param options decompressors to use instead of Node's built-in ones.
 * @returns the section's uncompressed bytes.
 * @throws {ElfFormatError} "truncated" when the compression header is cut short; "bad-value"
 * when the uncompressed size exceeds {@link MAX_DECOMPRESSED_SIZE}; "unsupported" for an unknown
 * `ch_type`; "compressed" when no decompressor is available, the stream is corrupt, or it does
 * not inflate to the promised size.
 * @example
 * ```ts
 * const info = sectionContents(elf, elf.section(".debug_info")!);
 * // elsewhere than Node: sectionContents(elf, section, { inflate: (bytes) => pako.inflate(bytes) })
 * ```
 */
export function sectionContents(elf: ElfFile, section: SectionHeader, options: SectionContentsOptions = {}): Uint8Array {
  if (section.sh_type === SHT_NOBITS) return new Uint8Array(0);
  const raw = elf.sectionBytes(section);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const label = `Section ${section.index} (${section.name || "unnamed"})`;
  if ((section.sh_flags & BigInt(SHF_COMPRESSED)) !== 0n) {
    const headerSize = elf.is64 ? 24 : 12;
    if (raw.length < headerSize) {
      throw new ElfFormatError(
        `Cannot read the compression header of ${label} at offset ${hex(section.sh_offset)}: ${raw.length} of ${headerSize} bytes remain`,
        { offset: section.sh_offset, code: "truncated" },
      );
    }
    const ch_type = view.getUint32(0, elf.littleEndian);
    const ch_size = elf.is64 ? view.getBigUint64(8, elf.littleEndian) : BigInt(view.getUint32(4, elf.littleEndian));
    const size = checkSize(ch_size, label, section.sh_offset);
    const payload = raw.subarray(headerSize);
    if (ch_type === ELFCOMPRESS_ZLIB) return decompress("zlib", payload, size, label, section.sh_offset, options.inflate ?? defaultInflate());
    if (ch_type === ELFCOMPRESS_ZSTD) return decompress("zstd", payload, size, label, section.sh_offset, options.zstd ?? defaultZstd());
    throw new ElfFormatError(`${label} at offset ${hex(section.sh_offset)} is compressed with unknown ch_type ${ch_type}`, {
      offset: section.sh_offset,
      code: "unsupported",
    });
  }
  if (section.name.startsWith(".zdebug") && raw.length >= 12 && raw[0] === 0x5a && raw[1] === 0x4c && raw[2] === 0x49 && raw[3] === 0x42) {
    const size = checkSize(view.getBigUint64(4, false), label, section.sh_offset);
    return decompress("zlib", raw.subarray(12), size, label, section.sh_offset, options.inflate ?? defaultInflate());
  }
  return raw;
}

function checkSize(size: bigint, label: string, offset: number): number {
  if (size > BigInt(MAX_DECOMPRESSED_SIZE)) {
    throw new ElfFormatError(`${label} at offset ${hex(offset)} claims ${size} uncompressed bytes, more than the ${MAX_DECOMPRESSED_SIZE} accepted`, {
      offset,
      code: "bad-value",
    });
  }
  return Number(size);
}

function defaultInflate(): Decompress | undefined {
  const zlib = nodeZlib();
  return zlib ? (bytes, size) => zlib.inflateSync(bytes, { maxOutputLength: Math.max(size, 1) }) : undefined;
}

function defaultZstd(): Decompress | undefined {
  const zstd = nodeZlib()?.zstdDecompressSync;
  return zstd ? (bytes, size) => zstd(bytes, { maxOutputLength: Math.max(size, 1) }) : undefined;
}

function decompress(kind: "zlib" | "zstd", payload: Uint8Array, size: number, label: string, offset: number, decompressor: Decompress | undefined): Uint8Array {
  if (!decompressor) {
    const need = kind === "zlib" ? "options.inflate, or Node.js ≥ 20.16" : "options.zstd, or Node.js ≥ 22.15";
    throw new ElfFormatError(`${label} at offset ${hex(offset)} is ${kind}-compressed and no ${kind} decompressor is available (needs ${need})`, {
      offset,
      code: "compressed",
    });
  }
  let result: Uint8Array;
  try {
    result = decompressor(payload, size);
  } catch (error) {
    if (ElfFormatError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ElfFormatError(`Cannot decompress ${label} at offset ${hex(offset)} (${kind}): ${reason}`, { offset, code: "compressed" });
  }
  if (!(result instanceof Uint8Array) || result.length !== size) {
    const got = result instanceof Uint8Array ? `${result.length} bytes` : "no bytes";
    throw new ElfFormatError(`${label} at offset ${hex(offset)} decompressed to ${got}, not the ${size} its header promises`, {
      offset,
      code: "compressed",
    });
  }
  // A plain Uint8Array, not Node's Buffer subclass (whose slice() shares memory).
  return Object.getPrototypeOf(result) === Uint8Array.prototype ? result : new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
}

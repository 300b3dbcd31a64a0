import { SHT_NOBITS } from "./constants.js";
import { cString } from "./_cursor.js";
import { nodeZlib } from "./_node_zlib.js";
import type { ElfFile } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** The contents of a `.gnu_debuglink` section. */
export interface DebugLink {
  /** The debug file's name, without directory (`python3.11.debug`, or `<build-id>.debug`). */
  readonly file: string;
  /** The CRC-32 of the whole debug file, as {@link debugLinkCrc32} computes it. */
  readonly crc: number;
}

/** The contents of a `.gnu_debugaltlink` section (a `dwz` supplementary file). */
export interface DebugAltLink {
  /** The supplementary file's path, often absolute (`/usr/lib/debug/.dwz/…`). */
  readonly file: string;
  /** The supplementary file's build-id (a copy). */
  readonly buildId: Uint8Array;
}

/**
 * Reads `.gnu_debuglink`: a NUL-terminated file name, padding to a multiple of 4, then the
 * 4-byte CRC-32 of the debug file in the file's byte order.
 *
 * @param elf a parsed file.
 * @returns the link, or undefined when the file has no `.gnu_debuglink` section.
 * @throws {ElfFormatError} when the section has no NUL-terminated name or no CRC after it.
 * @example
 * ```ts
 * const link = debugLink(elf); // { file: "1d98e0….debug", crc: 0x206b22f6 }
 * if (link && debugLinkCrc32(candidateBytes) === link.crc) useDebugFile(candidateBytes);
 * ```
 */
export function debugLink(elf: ElfFile): DebugLink | undefined {
  const section = elf.section(".gnu_debuglink");
  if (!section || section.sh_type === SHT_NOBITS) return undefined;
  const bytes = elf.sectionBytes(section);
  const nul = bytes.indexOf(0);
  if (nul < 0) {
    throw new ElfFormatError(`.gnu_debuglink at offset ${hex(section.sh_offset)} has no NUL-terminated file name`, {
      offset: section.sh_offset,
      code: "bad-value",
    });
  }
  const crcAt = (nul + 4) & ~3;
  if (crcAt + 4 > bytes.length) {
    throw new ElfFormatError(
      `Cannot read the CRC of .gnu_debuglink at offset ${hex(section.sh_offset + crcAt)}: ${Math.max(0, bytes.length - crcAt)} of 4 bytes remain`,
      { offset: section.sh_offset + crcAt, code: "truncated" },
    );
  }
  const crc = new DataView(bytes.buffer, bytes.byteOffset + crcAt, 4).getUint32(0, elf.littleEndian);
  return { file: cString(bytes.subarray(0, nul)), crc };
}

/**
 * Reads `.gnu_debugaltlink`: a NUL-terminated path, then the supplementary file's build-id.
 *
 * @param elf a parsed file.
 * @returns the link, or undefined when the file has no `.gnu_debugaltlink` section.
 * @throws {ElfFormatError} when the section has no NUL-terminated path.
 * @example
 * ```ts
 * debugAltLink(elf)?.file; // "/usr/lib/debug/.dwz/x86_64-linux-gnu/coreutils.debug"
 * ```
 */
export function debugAltLink(elf: ElfFile): DebugAltLink | undefined {
  const section = elf.section(".gnu_debugaltlink");
  if (!section || section.sh_type === SHT_NOBITS) return undefined;
  const bytes = elf.sectionBytes(section);
  const nul = bytes.indexOf(0);
  if (nul < 0) {
    throw new ElfFormatError(`.gnu_debugaltlink at offset ${hex(section.sh_offset)} has no NUL-terminated file name`, {
      offset: section.sh_offset,
      code: "bad-value",
    });
  }
  return { file: cString(bytes.subarray(0, nul)), buildId: new Uint8Array(bytes.subarray(nul + 1)) };
}

let crcTable: Uint32Array | undefined;

/**
 * The CRC-32 that `.gnu_debuglink` stores (IEEE 802.3, reflected, polynomial 0xEDB88320; the
 * same as zlib's `crc32`; Node's native `zlib.crc32` computes it when available). Feed a large
 * file in pieces by passing the previous result.
 *
 * @param bytes the next bytes.
 * @param crc the CRC of the bytes before (0 to start).
 * @returns the CRC of all bytes so far, an unsigned 32-bit integer.
 * @example
 * ```ts
 * debugLinkCrc32(new TextEncoder().encode("123456789")); // 0xcbf43926
 * ```
 */
export function debugLinkCrc32(bytes: Uint8Array, crc = 0): number {
  const native = nodeZlib()?.crc32;
  if (native && bytes.length >= 4096) return native(bytes, crc) >>> 0;
  const table = (crcTable ??= makeCrcTable());
  let value = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) value = table[(value ^ bytes[i]!) & 0xff]! ^ (value >>> 8);
  return ~value >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

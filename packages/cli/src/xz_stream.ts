import { createRequire } from "node:module";
import type { ByteSource } from "@corestack/elf";
import { Crc64, crc32 } from "./_checksums.js";
import { CompressedDataError, CompressedInput } from "./_compressed_input.js";
import { Lzma2Decoder } from "./_lzma2_decoder.js";
import { XZ_MAGIC } from "./compression.js";

/**
 * The largest LZMA2 dictionary corestack allocates: 1.5 GiB, the largest `xz` itself accepts
 * (`--lzma2=dict=1536MiB`); presets use 256 KiB (`-0`) to 64 MiB (`-9`), systemd-coredump 8 MiB
 * (`-6`). The dictionary grows with the data (from 1 MiB, doubling) up to the size the block asks
 * for, so this bounds the memory one block costs; a block that says how much it decompresses to
 * gets no more than that.
 */
export const MAX_XZ_DICTIONARY_SIZE = 1536 * 1024 * 1024;

/** Filter IDs of the .xz format, for messages. */
const FILTER_NAMES: ReadonlyMap<number, string> = new Map([
  [0x03, "Delta"],
  [0x04, "x86 BCJ"],
  [0x05, "PowerPC BCJ"],
  [0x06, "IA-64 BCJ"],
  [0x07, "ARM BCJ"],
  [0x08, "ARM-Thumb BCJ"],
  [0x09, "SPARC BCJ"],
  [0x0a, "ARM64 BCJ"],
  [0x0b, "RISC-V BCJ"],
  [0x21, "LZMA2"],
]);

/** Sizes of the check by check type (0: none, 1: CRC32, 4: CRC64, 10: SHA-256; others reserved). */
function checkSize(type: number): number {
  return type === 0 ? 0 : 4 << Math.floor((type - 1) / 3);
}

/** The running check of a block's uncompressed data. */
interface Check {
  update(bytes: Uint8Array): void;
  /** The expected bytes as stored after the block. */
  matches(stored: Uint8Array): boolean;
}

function makeCheck(type: number): Check | undefined {
  if (type === 1) {
    let crc = 0;
    return {
      update: (bytes) => (crc = crc32(bytes, crc)),
      matches: (stored) => new DataView(stored.buffer, stored.byteOffset, 4).getUint32(0, true) === crc,
    };
  }
  if (type === 4) {
    const crc = new Crc64();
    return { update: (bytes) => crc.update(bytes), matches: (stored) => Buffer.compare(crc.digest(), stored) === 0 };
  }
  if (type === 10) {
    // Loaded here only: node:crypto costs milliseconds at start-up (see code_cache.ts).
    const crypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
    const hash = crypto.createHash("sha256");
    return { update: (bytes) => hash.update(bytes), matches: (stored) => Buffer.compare(hash.digest(), stored) === 0 };
  }
  // None, or a reserved type whose check is skipped (as xz does with --ignore-check… and xz-embedded always).
  return undefined;
}

/** A variable-length integer of the .xz format (at most 9 bytes, 63 bits), as a number when safe. */
function vli(input: CompressedInput, what: string): number {
  const start = input.position;
  let value = 0;
  for (let index = 0; index < 9; index++) {
    const byte = input.byte(what);
    value += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) {
      if (index > 0 && byte === 0) throw new CompressedDataError(`${what} at offset 0x${start.toString(16)} is not in its shortest form`, start);
      if (!Number.isSafeInteger(value)) throw new CompressedDataError(`${what} at offset 0x${start.toString(16)} is too large`, start);
      return value;
    }
  }
  throw new CompressedDataError(`${what} at offset 0x${start.toString(16)} is longer than 9 bytes`, start);
}

function expectCrc32(input: CompressedInput, from: number, what: string): void {
  const covered = input.source.bytes(from, input.position - from);
  const at = input.position;
  if (crc32(covered) !== input.uint32(`the CRC32 of ${what}`)) {
    throw new CompressedDataError(`${what} at offset 0x${from.toString(16)} fails its CRC32 (stored at 0x${at.toString(16)})`, from);
  }
}

/** One record of the index: what a block took and gave. */
interface BlockRecord {
  readonly unpadded: number;
  readonly uncompressed: number;
}

/** A block, its header size byte (non-zero) read already at `start`. */
function decodeBlock(
  input: CompressedInput,
  start: number,
  headerSizeByte: number,
  checkType: number,
  sink: (chunk: Uint8Array) => void,
  progress: (consumed: number) => void,
): BlockRecord {
  const headerSize = (headerSizeByte + 1) * 4;
  input.take(headerSize - 5, "an xz block header");
  const header = new CompressedInput(input.source);
  header.position = start + 1;
  const flags = header.byte("an xz block header");
  if ((flags & 0x3c) !== 0)
    throw new CompressedDataError(`xz block header at offset 0x${start.toString(16)} has reserved flags 0x${flags.toString(16)}`, start);
  const compressedSize = flags & 0x40 ? vli(header, "a block's compressed size") : undefined;
  const uncompressedSize = flags & 0x80 ? vli(header, "a block's uncompressed size") : undefined;
  const filters = (flags & 3) + 1;
  let dictionarySize: number | undefined;
  for (let index = 0; index < filters; index++) {
    const id = vli(header, "a filter ID");
    const propertiesSize = vli(header, "a filter's properties size");
    const properties = header.take(propertiesSize, "a filter's properties");
    if (id !== 0x21 || index !== filters - 1) {
      const name = FILTER_NAMES.get(id) ?? `0x${id.toString(16)}`;
      throw new CompressedDataError(
        `xz block at offset 0x${start.toString(16)} uses the ${name} filter; corestack decodes xz files with the LZMA2 filter alone (what xz, systemd-coredump and the kernel write for cores): decompress it with xz first`,
        start,
      );
    }
    if (propertiesSize !== 1 || properties[0]! > 40) {
      throw new CompressedDataError(`xz block at offset 0x${start.toString(16)} has invalid LZMA2 properties`, start);
    }
    const bits = properties[0]!;
    dictionarySize = bits === 40 ? 0xffffffff : (2 | (bits & 1)) * 2 ** (Math.floor(bits / 2) + 11);
  }
  if (header.position > start + headerSize - 4) throw new CompressedDataError(`xz block header at offset 0x${start.toString(16)} overruns its size`, start);
  if (header.source.bytes(header.position, start + headerSize - 4 - header.position).some((byte) => byte !== 0)) {
    throw new CompressedDataError(`xz block header at offset 0x${start.toString(16)} has non-zero padding`, start);
  }
  expectCrc32(input, start, "an xz block header");
  if (dictionarySize! > MAX_XZ_DICTIONARY_SIZE) {
    throw new CompressedDataError(
      `xz block at offset 0x${start.toString(16)} asks for a ${dictionarySize} byte dictionary, more than corestack allocates (MAX_XZ_DICTIONARY_SIZE, 1.5 GiB)`,
      start,
    );
  }
  const check = makeCheck(checkType);
  const dataStart = input.position;
  const decoder = new Lzma2Decoder(Math.min(dictionarySize!, uncompressedSize ?? Infinity), (chunk) => {
    check?.update(chunk);
    sink(chunk);
  });
  decoder.decode(input, progress);
  const compressed = input.position - dataStart;
  if (compressedSize !== undefined && compressed !== compressedSize) {
    throw new CompressedDataError(`xz block at offset 0x${start.toString(16)} is ${compressed} bytes, its header says ${compressedSize}`, start);
  }
  if (uncompressedSize !== undefined && decoder.produced !== uncompressedSize) {
    throw new CompressedDataError(
      `xz block at offset 0x${start.toString(16)} decompressed to ${decoder.produced} bytes, its header says ${uncompressedSize}`,
      start,
    );
  }
  const padding = (4 - (compressed % 4)) % 4;
  if (input.take(padding, "an xz block's padding").some((byte) => byte !== 0)) {
    throw new CompressedDataError(`xz block at offset 0x${start.toString(16)} has non-zero padding`, start);
  }
  const checkAt = input.position;
  const stored = input.take(checkSize(checkType), "an xz block's check");
  if (check !== undefined && !check.matches(stored)) {
    throw new CompressedDataError(
      `xz block at offset 0x${start.toString(16)} fails its check (stored at 0x${checkAt.toString(16)}): the data is corrupt`,
      checkAt,
    );
  }
  return { unpadded: headerSize + compressed + checkSize(checkType), uncompressed: decoder.produced };
}

/** The index, its indicator byte read already at `start`, compared with the blocks decoded. */
function checkIndex(input: CompressedInput, start: number, blocks: readonly BlockRecord[]): void {
  const count = vli(input, "the xz index's record count");
  if (count !== blocks.length)
    throw new CompressedDataError(`the xz index at offset 0x${start.toString(16)} lists ${count} blocks, the stream has ${blocks.length}`, start);
  for (const block of blocks) {
    const unpadded = vli(input, "an xz index record");
    const uncompressed = vli(input, "an xz index record");
    if (unpadded !== block.unpadded || uncompressed !== block.uncompressed) {
      throw new CompressedDataError(`the xz index at offset 0x${start.toString(16)} does not describe the blocks of its stream`, start);
    }
  }
  const padding = (4 - ((input.position - start) % 4)) % 4;
  if (input.take(padding, "the xz index's padding").some((byte) => byte !== 0)) {
    throw new CompressedDataError(`the xz index at offset 0x${start.toString(16)} has non-zero padding`, start);
  }
  expectCrc32(input, start, "the xz index");
}

/**
 * Decodes an .xz file: one or more streams (with stream padding between them), each made of
 * blocks whose only filter is LZMA2 — what `xz`, `systemd-coredump` and the kernel write. Every
 * header CRC32, the index, and the blocks' checks (CRC32, CRC64, SHA-256) are verified. Other
 * filters (BCJ, Delta) are refused with a message.
 *
 * Memory: one dictionary, growing with the data up to the block's dictionary size (see
 * {@linkcode MAX_XZ_DICTIONARY_SIZE}); the input is read through views of `source`.
 *
 * @param source the compressed file.
 * @param sink receives the decompressed bytes in order; a chunk is valid only during the call.
 * @param progress called after each LZMA2 chunk with how many compressed bytes were read.
 * @throws {CompressedDataError} for malformed or truncated data (`truncated`).
 * @example
 * ```ts
 * decodeXz(openFile("core.xz"), (chunk) => writeSync(fd, chunk), () => {});
 * ```
 */
export function decodeXz(source: ByteSource, sink: (chunk: Uint8Array) => void, progress: (consumed: number) => void = () => {}): void {
  const input = new CompressedInput(source);
  let streams = 0;
  while (input.remaining > 0 || streams === 0) {
    const start = input.position;
    if (streams > 0 && input.remaining >= 4 && input.source.bytes(start, 4).every((byte) => byte === 0)) {
      // Stream padding: groups of four zero bytes.
      input.take(4, "stream padding");
      continue;
    }
    const magic = input.take(6, "an xz stream header");
    if (!XZ_MAGIC.every((byte, index) => magic[index] === byte)) {
      throw new CompressedDataError(`no xz stream at offset 0x${start.toString(16)}`, start);
    }
    const flagsAt = input.position;
    const flags = input.take(2, "an xz stream header");
    if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0)
      throw new CompressedDataError(`xz stream header at offset 0x${start.toString(16)} has unsupported flags`, start);
    const checkType = flags[1]! & 0x0f;
    expectCrc32(input, flagsAt, "an xz stream header");
    const blocks: BlockRecord[] = [];
    let indexStart: number;
    for (;;) {
      const blockStart = input.position;
      const indicator = input.byte("an xz block header");
      if (indicator === 0) {
        indexStart = blockStart;
        checkIndex(input, blockStart, blocks);
        break;
      }
      blocks.push(decodeBlock(input, blockStart, indicator, checkType, sink, progress));
    }
    const footerStart = input.position;
    const footer = input.take(12, "an xz stream footer");
    const backwardSize = (new DataView(footer.buffer, footer.byteOffset + 4, 4).getUint32(0, true) + 1) * 4;
    if (footer[10] !== 0x59 || footer[11] !== 0x5a || footer[8] !== flags[0] || footer[9] !== flags[1] || backwardSize !== footerStart - indexStart) {
      throw new CompressedDataError(`xz stream footer at offset 0x${footerStart.toString(16)} does not match its header and index`, footerStart);
    }
    if (crc32(footer.subarray(4, 10)) !== new DataView(footer.buffer, footer.byteOffset, 4).getUint32(0, true)) {
      throw new CompressedDataError(`xz stream footer at offset 0x${footerStart.toString(16)} fails its CRC32`, footerStart);
    }
    streams++;
    progress(input.position);
  }
}

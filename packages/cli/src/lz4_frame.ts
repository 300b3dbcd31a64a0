import type { ByteSource } from "@corestack/elf";
import { Xxh32, xxh32 } from "./_checksums.js";
import { CompressedDataError, CompressedInput } from "./_compressed_input.js";
import { LZ4_FRAME_MAGIC, LZ4_LEGACY_MAGIC } from "./compression.js";

/** Legacy blocks decompress to at most 8 MiB each. */
const LEGACY_BLOCK_SIZE = 8 << 20;
/** Matches reach at most 64 KiB back, into earlier blocks when the frame links them. */
const HISTORY = 64 * 1024;

/**
 * Decodes the LZ4 block at `input[start, end)` into `output` from `outputStart`, where the
 * `outputStart` bytes before it are the history matches may reach into.
 * @returns where the decoded bytes end in `output`.
 */
function decodeBlock(input: Uint8Array, start: number, end: number, output: Uint8Array, outputStart: number, fileOffset: number): number {
  let inPos = start;
  let outPos = outputStart;
  const outEnd = output.length;
  const fail = (what: string): never => {
    throw new CompressedDataError(`LZ4 block at offset 0x${fileOffset.toString(16)} is corrupt: ${what}`, fileOffset);
  };
  for (;;) {
    if (inPos >= end) fail("it ends inside a sequence");
    const token = input[inPos++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let more: number;
      do {
        if (inPos >= end) fail("it ends inside a literal length");
        more = input[inPos++]!;
        literals += more;
      } while (more === 255);
    }
    if (literals > end - inPos || literals > outEnd - outPos) fail("literals run past the block");
    output.set(input.subarray(inPos, inPos + literals), outPos);
    inPos += literals;
    outPos += literals;
    // The last sequence has literals only.
    if (inPos === end) return outPos;
    if (end - inPos < 2) fail("it ends inside a match offset");
    const offset = input[inPos]! | (input[inPos + 1]! << 8);
    inPos += 2;
    if (offset === 0 || offset > outPos) fail(`a match offset of ${offset} reaches before the data`);
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let more: number;
      do {
        if (inPos >= end) fail("it ends inside a match length");
        more = input[inPos++]!;
        length += more;
      } while (more === 255);
    }
    if (length > outEnd - outPos) fail("a match runs past the block size");
    // An overlapping match repeats the `offset` bytes before it: each copy can take all that is
    // written so far (the period stays a multiple of `offset`), doubling.
    const from = outPos - offset;
    while (length > 0) {
      const count = Math.min(outPos - from, length);
      output.copyWithin(outPos, from, from + count);
      outPos += count;
      length -= count;
    }
  }
}

/** Block maximum sizes by the BD byte's field (4 to 7). */
function blockMaximum(bd: number, offset: number): number {
  const code = (bd >>> 4) & 7;
  if (code < 4 || (bd & 0x8f) !== 0) {
    throw new CompressedDataError(`LZ4 frame descriptor at offset 0x${offset.toString(16)} is invalid: BD byte 0x${bd.toString(16)}`, offset);
  }
  return 1 << (2 * code + 8);
}

/** One LZ4 frame, its magic number read already. */
function decodeFrame(input: CompressedInput, sink: (chunk: Uint8Array) => void, progress: (consumed: number) => void): void {
  const descriptorStart = input.position;
  const flg = input.byte("an LZ4 frame descriptor");
  const bd = input.byte("an LZ4 frame descriptor");
  if (flg >>> 6 !== 1 || (flg & 2) !== 0) {
    throw new CompressedDataError(
      `LZ4 frame descriptor at offset 0x${descriptorStart.toString(16)} is invalid: version or reserved bits of FLG 0x${flg.toString(16)}`,
      descriptorStart,
    );
  }
  const independent = (flg & 0x20) !== 0;
  const blockChecksums = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictionary = (flg & 0x01) !== 0;
  const maximum = blockMaximum(bd, descriptorStart);
  let contentSize: bigint | undefined;
  if (hasContentSize) contentSize = new DataView(input.take(8, "an LZ4 frame descriptor").slice().buffer).getBigUint64(0, true);
  if (hasDictionary) {
    input.take(4, "an LZ4 frame descriptor");
    throw new CompressedDataError(`LZ4 frame at offset 0x${descriptorStart.toString(16)} needs a dictionary, which a core file cannot name`, descriptorStart);
  }
  const descriptor = input.source.bytes(descriptorStart, input.position - descriptorStart).slice();
  const headerChecksum = input.byte("an LZ4 frame descriptor");
  if (((xxh32(descriptor) >>> 8) & 0xff) !== headerChecksum) {
    throw new CompressedDataError(`LZ4 frame descriptor at offset 0x${descriptorStart.toString(16)} fails its checksum`, descriptorStart);
  }
  const content = contentChecksum ? new Xxh32() : undefined;
  // History (when blocks are linked) then the block.
  const output = new Uint8Array((independent ? 0 : HISTORY) + maximum);
  let history = 0;
  let total = 0n;
  for (;;) {
    const blockStart = input.position;
    const header = input.uint32("an LZ4 block header");
    if (header === 0) break;
    const stored = (header & 0x80000000) !== 0;
    const size = header & 0x7fffffff;
    if (size > maximum) {
      throw new CompressedDataError(`LZ4 block at offset 0x${blockStart.toString(16)} is ${size} bytes, more than the frame's ${maximum}`, blockStart);
    }
    const data = input.take(size, "an LZ4 block");
    if (blockChecksums) {
      const expected = input.uint32("an LZ4 block checksum");
      if (xxh32(data) !== expected) throw new CompressedDataError(`LZ4 block at offset 0x${blockStart.toString(16)} fails its checksum`, blockStart);
    }
    let produced: Uint8Array;
    if (stored) {
      produced = data;
      if (!independent) {
        output.set(data, history);
      }
    } else {
      const end = decodeBlock(data, 0, size, output, history, blockStart);
      produced = output.subarray(history, end);
    }
    content?.update(produced);
    total += BigInt(produced.length);
    sink(produced);
    if (!independent) {
      // Keep the last 64 KiB as the next block's history.
      const end = history + produced.length;
      const keep = Math.min(HISTORY, end);
      output.copyWithin(0, end - keep, end);
      history = keep;
    }
    progress(input.position);
  }
  if (content !== undefined) {
    const at = input.position;
    const expected = input.uint32("an LZ4 content checksum");
    if (content.digest() !== expected)
      throw new CompressedDataError(`LZ4 frame at offset 0x${descriptorStart.toString(16)} fails its content checksum (at 0x${at.toString(16)})`, at);
  }
  if (contentSize !== undefined && contentSize !== total) {
    throw new CompressedDataError(
      `LZ4 frame at offset 0x${descriptorStart.toString(16)} holds ${total} bytes, its header says ${contentSize}`,
      descriptorStart,
    );
  }
}

/** The legacy format: 8 MiB blocks, each after its compressed size, until the file ends or another magic number. */
function decodeLegacy(input: CompressedInput, sink: (chunk: Uint8Array) => void, progress: (consumed: number) => void): void {
  const output = new Uint8Array(LEGACY_BLOCK_SIZE);
  while (input.remaining > 0) {
    const blockStart = input.position;
    const size = input.uint32("an LZ4 legacy block header");
    if (size === LZ4_FRAME_MAGIC || size === LZ4_LEGACY_MAGIC || (size & 0xfffffff0) === 0x184d2a50) {
      input.position = blockStart;
      return;
    }
    // LZ4_compressBound(8 MiB).
    if (size > LEGACY_BLOCK_SIZE + LEGACY_BLOCK_SIZE / 255 + 16) {
      throw new CompressedDataError(`LZ4 legacy block at offset 0x${blockStart.toString(16)} is ${size} bytes, more than 8 MiB can compress to`, blockStart);
    }
    const data = input.take(size, "an LZ4 legacy block");
    const end = decodeBlock(data, 0, size, output, 0, blockStart);
    sink(output.subarray(0, end));
    progress(input.position);
  }
}

/**
 * Decodes an LZ4 file: frames of the LZ4 frame format (what `lz4` writes; linked or independent
 * blocks, with or without block, content and size checks, skippable frames between them) or the
 * legacy format of `lz4 -l`. Frames that need a dictionary are refused. Every checksum the file
 * carries is verified.
 *
 * Memory: one block (at most 4 MiB; 8 MiB in the legacy format) and 64 KiB of history.
 *
 * @param source the compressed file.
 * @param sink receives the decompressed bytes in order; a chunk is valid only during the call.
 * @param progress called after each block with how many compressed bytes were read.
 * @throws {CompressedDataError} for malformed or truncated data (`truncated`).
 * @example
 * ```ts
 * decodeLz4(openFile("core.lz4"), (chunk) => writeSync(fd, chunk), () => {});
 * ```
 */
export function decodeLz4(source: ByteSource, sink: (chunk: Uint8Array) => void, progress: (consumed: number) => void = () => {}): void {
  const input = new CompressedInput(source);
  let frames = 0;
  while (input.remaining > 0 || frames === 0) {
    const start = input.position;
    const magic = input.uint32("an LZ4 magic number");
    if (magic === LZ4_FRAME_MAGIC) decodeFrame(input, sink, progress);
    else if (magic === LZ4_LEGACY_MAGIC) decodeLegacy(input, sink, progress);
    else if ((magic & 0xfffffff0) === 0x184d2a50) input.take(input.uint32("a skippable frame's size"), "a skippable frame");
    else throw new CompressedDataError(`no LZ4 frame at offset 0x${start.toString(16)}: magic number 0x${magic.toString(16).padStart(8, "0")}`, start);
    frames++;
  }
}

// Compressed cores (recognised by their first bytes, compression.ts): decompressed once into a temporary file that
// has no name (O_TMPFILE, or unlinked as soon as it is opened), which is then mapped like any core.
import { closeSync, constants, ftruncateSync, openSync, unlinkSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import type { ByteSource } from "@corestack/elf";
import { type MappedFile, openFileDescriptor } from "@corestack/mmap";
import { Decompress as ZstdDecompress } from "fzstd";
import { CompressedDataError } from "./_compressed_input.js";
import { gunzipChunks } from "./_gunzip.js";
import { CliError, EXIT } from "./cli_error.js";
import type { Compression } from "./compression.js";
import { decodeLz4 } from "./lz4_frame.js";
import { printable } from "./terminal.js";
import { decodeXz } from "./xz_stream.js";

/**
 * Compressed data is fed to the gzip and zstd decoders in pieces of this size (views of the
 * mapped file, not copies).
 */
const INPUT_CHUNK = 1 << 20;
/** Zero runs of at least this many bytes (aligned in the file) are left as holes, not written. */
const HOLE_GRANULE = 4096;
/** The first bytes of the decompressed core are kept to find its ELF headers: 4 MiB holds 65 535 program headers. */
const HEAD_SIZE = 4 << 20;
/**
 * How far past what its ELF headers describe a decompressed core may go before decompression
 * stops: a kernel core ends where its last segment ends, so this only leaves room for tools that
 * append a little. It keeps a small file that decompresses to terabytes of zeros from filling
 * the disk.
 */
const MAX_BYTES_PAST_CORE = 1 << 20;

const ZEROS = new Uint8Array(HOLE_GRANULE);

/** Linux's `__O_TMPFILE` (the same value on x86-64 and aarch64); O_TMPFILE is it with O_DIRECTORY. */
const O_TMPFILE_BIT = 0o20000000;

/**
 * Opens a new, empty, unnamed file in `directory`, read-write: with `O_TMPFILE` where the kernel
 * and file system have it (the file never has a name), else under a random name that is removed
 * right after the open. Either way nothing is left behind when the process ends, however it ends.
 */
function openUnnamedFile(directory: string): { fd: number; how: string } {
  // Test hook, not an option: `named` tries the fallback first, as on a file system without O_TMPFILE.
  if (process.env.CORESTACK_TMPFILE !== "named") {
    try {
      const fd = openSync(directory, O_TMPFILE_BIT | constants.O_DIRECTORY | constants.O_RDWR, 0o600);
      return { fd, how: `O_TMPFILE in ${directory}` };
    } catch {
      // Kernels before 3.11 (EISDIR) and file systems without it (EOPNOTSUPP): fall back. A
      // missing or unwritable directory fails the same way below, where it is reported.
    }
  }
  // O_EXCL: never another's file; a name taken already is tried again with another (not node:crypto's
  // randomBytes: it costs milliseconds at start-up, and the name needs no secrecy).
  for (let attempt = 0; ; attempt++) {
    const path = join(directory, `.corestack-${process.pid}-${Math.random().toString(36).slice(2, 10)}.core`);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST" || attempt >= 100) throw error;
      continue;
    }
    try {
      unlinkSync(path);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return { fd, how: `a file of ${directory} removed as soon as it was opened` };
  }
}

/** The extent of the core its ELF header and program headers describe, or undefined when they cannot tell. */
function describedSize(head: Uint8Array): number | "need-more" | undefined {
  if (head.length < 64) return "need-more";
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return undefined;
  const elf64 = head[4] === 2;
  const little = head[5] === 1;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const word = (offset: number): number => (elf64 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little));
  const phoff = word(elf64 ? 0x20 : 0x1c);
  const shoff = word(elf64 ? 0x28 : 0x20);
  const phentsize = view.getUint16(elf64 ? 0x36 : 0x2a, little);
  const phnum = view.getUint16(elf64 ? 0x38 : 0x2c, little);
  const shentsize = view.getUint16(elf64 ? 0x3a : 0x2e, little);
  const shnum = view.getUint16(elf64 ? 0x3c : 0x30, little);
  // PN_XNUM: the count is in section header 0, which a kernel core keeps at its end: no bound.
  if (phnum === 0xffff || phentsize < (elf64 ? 56 : 32)) return undefined;
  const tableEnd = phoff + phnum * phentsize;
  if (!Number.isSafeInteger(tableEnd)) return undefined;
  if (tableEnd > head.length) return tableEnd > HEAD_SIZE ? undefined : "need-more";
  let end = Math.max(tableEnd, shoff + shnum * shentsize);
  for (let index = 0; index < phnum; index++) {
    const entry = phoff + index * phentsize;
    const offset = word(entry + (elf64 ? 8 : 4));
    const filesz = word(entry + (elf64 ? 32 : 16));
    end = Math.max(end, offset + filesz);
  }
  return Number.isSafeInteger(end) ? end : undefined;
}

/** Draws a one-line progress bar on stderr (a terminal), at most every 100 ms. */
class ProgressBar {
  readonly #label: string;
  readonly #total: number;
  readonly #started = performance.now();
  #drawn = false;
  #last = 0;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = total;
  }

  update(consumed: number, written: number): void {
    const now = performance.now();
    // Nothing for a quick one; then ten times a second.
    if (now - this.#started < 300 || now - this.#last < 100) return;
    this.#last = now;
    const fraction = this.#total > 0 ? Math.min(1, consumed / this.#total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.#started) / 1000;
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const percent = String(Math.floor(fraction * 100)).padStart(3);
    const line = `${this.#label} [${bar}] ${percent}% ${mebibytes(written)} MiB out, ${mebibytes(written / seconds)} MiB/s`;
    this.#write(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Removes the bar. */
  finish(): void {
    if (this.#drawn) this.#write("\r\x1b[K");
    this.#drawn = false;
  }

  #write(text: string): void {
    try {
      writeSync(2, text);
    } catch {
      // A terminal that went away: the bar is only decoration.
    }
  }
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** Whether stderr is a terminal (the progress bar is drawn only there). */
function stderrIsTerminal(): boolean {
  try {
    return (process.stderr as { isTTY?: boolean }).isTTY === true;
  } catch {
    return false;
  }
}

/** Options of {@link decompressCore}. */
export interface DecompressOptions {
  /** Draw a progress bar on stderr; default: when stderr is a terminal. */
  readonly progress?: boolean;
  /** Where the temporary file goes; default `os.tmpdir()` (`$TMPDIR`, else /tmp). */
  readonly directory?: string;
  /** Receives a verbose note on what was done. */
  readonly note?: (message: string) => void;
}

/**
 * Decompresses a compressed core into a temporary file that has no name, maps that file, and
 * returns it; the compressed file is closed. Decompression streams: memory holds the decoder's
 * window and one chunk, never the core; runs of zeros become holes in the temporary file (a core
 * is mostly zeros). A progress bar is drawn on stderr when it is a terminal.
 *
 * @param compressed the compressed file, open.
 * @param path the name the user gave it, for messages.
 * @param compression what {@link compressionOf} said.
 * @param options progress bar, directory, notes.
 * @returns the decompressed core, mapped.
 * @throws {CliError} exit 3 when the data is corrupt or truncated, decompresses to something
 *   that is not a core or to more than the core it describes, or the temporary file cannot be
 *   written.
 * @example
 * ```ts
 * const core = decompressCore(openFile("core.zst"), "core.zst", "zstd");
 * new CoreFile(core);
 * ```
 */
export function decompressCore(compressed: MappedFile, path: string, compression: Compression, options: DecompressOptions = {}): MappedFile {
  // node:os only here: importing it would load it at every start (getBuiltinModule: Node ≥ 20.16).
  const directory =
    options.directory ?? (process.getBuiltinModule?.("node:os") ?? (createRequire(import.meta.url)("node:os") as typeof import("node:os"))).tmpdir();
  let unnamed: { fd: number; how: string };
  try {
    unnamed = openUnnamedFile(directory);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    throw new CliError(`Cannot decompress ${path}: cannot create a temporary file in ${directory}: ${code || String(error)}`, {
      exitCode: EXIT.input,
      hint: "Set TMPDIR to a writable directory with room for the decompressed core.",
      cause: error,
    });
  }
  const { fd } = unnamed;
  let owned = true;
  try {
    const started = performance.now();
    const size = writeDecompressed(compressed, path, compression, fd, options);
    compressed.close();
    const core = openFileDescriptor(fd, `${path} (decompressed)`);
    owned = false;
    const seconds = (performance.now() - started) / 1000;
    options.note?.(
      `decompressed ${path} (${compression}, ${compressed.size} bytes) to ${size} bytes in ${seconds.toFixed(2)} s (${mebibytes(size / Math.max(seconds, 1e-6))} MiB/s), into ${unnamed.how}`,
    );
    return core;
  } finally {
    if (owned) closeSync(fd);
  }
}

/** Decodes into `fd`, leaving zero runs as holes; returns the decompressed size. */
function writeDecompressed(compressed: ByteSource, path: string, compression: Compression, fd: number, options: DecompressOptions): number {
  const drawProgress = options.progress ?? stderrIsTerminal();
  // The file's name only, cut: the line must fit a terminal's width for `\r` to redraw it.
  const name = printable(basename(path));
  const label = `decompressing ${name.length > 32 ? `${name.slice(0, 31)}…` : name} (${compression})`;
  const bar = drawProgress ? new ProgressBar(label, compressed.size) : undefined;
  let written = 0;
  let consumed = 0;
  const head = new Uint8Array(HEAD_SIZE);
  let headLength = 0;
  let limit: number | undefined;
  let checked = false;

  const notACore = (): never => {
    throw new CliError(`${path} is a ${compression}-compressed file, but not of a core: it does not decompress to an ELF file`, { exitCode: EXIT.input });
  };
  const sink = (chunk: Uint8Array): void => {
    if (!checked && headLength < HEAD_SIZE) {
      const take = Math.min(chunk.length, HEAD_SIZE - headLength);
      head.set(chunk.subarray(0, take), headLength);
      headLength += take;
      const described = describedSize(head.subarray(0, headLength));
      if (described === undefined) {
        if (headLength >= 4 && !(head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46)) notACore();
        checked = true;
      } else if (described !== "need-more") {
        limit = described + MAX_BYTES_PAST_CORE;
        checked = true;
      }
    }
    if (limit !== undefined && written + chunk.length > limit) {
      throw new CliError(
        `${path} decompresses to more than the core its ELF headers describe (${limit - MAX_BYTES_PAST_CORE} bytes): stopped after ${written + chunk.length} bytes`,
        { exitCode: EXIT.input },
      );
    }
    writeSparse(fd, chunk, written, path);
    written += chunk.length;
  };
  const progress = (position: number): void => {
    consumed = position;
    bar?.update(consumed, written);
  };
  try {
    if (compression === "gzip") gunzipChunks(inputChunks(compressed), sink, progress);
    else if (compression === "zstd") {
      const decoder = new ZstdDecompress((chunk) => sink(chunk));
      for (let offset = 0; offset < compressed.size; offset += INPUT_CHUNK) {
        const length = Math.min(INPUT_CHUNK, compressed.size - offset);
        decoder.push(compressed.bytes(offset, length), offset + length === compressed.size);
        progress(offset + length);
      }
    } else if (compression === "lz4") decodeLz4(compressed, sink, progress);
    else decodeXz(compressed, sink, progress);
  } catch (error) {
    bar?.finish();
    throw decodingError(error, path, compression, consumed, written);
  }
  bar?.finish();
  if (headLength < 4) notACore();
  // The holes at the end: a file is as long as its last write unless it is extended.
  ftruncateSync(fd, written);
  return written;
}

/** The compressed file in pieces of INPUT_CHUNK bytes (views). */
function* inputChunks(compressed: ByteSource): Generator<Uint8Array> {
  for (let offset = 0; offset < compressed.size; offset += INPUT_CHUNK) yield compressed.bytes(offset, Math.min(INPUT_CHUNK, compressed.size - offset));
}

/** Writes `chunk` at `position`, skipping whole zero granules (they stay holes). */
function writeSparse(fd: number, chunk: Uint8Array, position: number, path: string): void {
  // Pending non-zero bytes [pendingStart, cursor) go out in one write.
  let pendingStart = 0;
  // From the first granule boundary at or after `position`.
  let cursor = Math.min(chunk.length, (HOLE_GRANULE - (position % HOLE_GRANULE)) % HOLE_GRANULE);
  while (cursor < chunk.length) {
    const end = Math.min(cursor + HOLE_GRANULE, chunk.length);
    const granule = chunk.subarray(cursor, end);
    if (end - cursor === HOLE_GRANULE && Buffer.compare(granule, ZEROS) === 0) {
      if (cursor > pendingStart) write(fd, chunk, pendingStart, cursor, position, path);
      pendingStart = end;
    }
    cursor = end;
  }
  if (chunk.length > pendingStart) write(fd, chunk, pendingStart, chunk.length, position, path);
}

function write(fd: number, chunk: Uint8Array, from: number, to: number, position: number, path: string): void {
  let done = from;
  try {
    while (done < to) done += writeSync(fd, chunk, done, to - done, position + done);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG") {
      throw new CliError(`Cannot decompress ${path}: the temporary file cannot grow past ${position + done} bytes (${code})`, {
        exitCode: EXIT.input,
        hint: "Set TMPDIR to a directory with room for the decompressed core.",
        cause: error,
      });
    }
    throw error;
  }
}

/** The CliError for a decoder's error, or the error itself when it is not the data's fault. */
function decodingError(error: unknown, path: string, compression: Compression, consumed: number, written: number): unknown {
  if (CliError.isInstance(error)) return error;
  let truncated: boolean;
  let reason: string;
  if (error instanceof CompressedDataError) {
    truncated = error.truncated;
    reason = error.message;
  } else if (error instanceof Error && typeof (error as { code?: unknown }).code === "number" && compression === "zstd") {
    // fzstd's errors carry a number: 5 is "unexpected EOF".
    truncated = (error as unknown as { code: number }).code === 5;
    reason = `${error.message} (after ${consumed} compressed bytes)`;
  } else {
    return error;
  }
  if (truncated) {
    return new CliError(`${path} is a truncated ${compression} file: ${reason}; ${written} bytes were decompressed before it ended`, {
      exitCode: EXIT.input,
      cause: error,
    });
  }
  return new CliError(`${path} is a corrupt ${compression} file: ${reason}; ${written} bytes were decompressed before that`, {
    exitCode: EXIT.input,
    cause: error,
  });
}

// The compressed file as the decoders written here read it (xz, LZ4): a cursor over a ByteSource
// that takes views, and the error a malformed or truncated file gives. Private to this package.
import type { ByteSource } from "@corestack/elf";

/**
 * The compressed data is malformed (`truncated: false`) or ends too soon (`truncated: true`);
 * `offset` is where in the compressed file, in bytes.
 * @internal
 */
export class CompressedDataError extends Error {
  readonly offset: number;
  readonly truncated: boolean;

  constructor(message: string, offset: number, options: { readonly truncated?: boolean } = {}) {
    super(message);
    this.name = "CompressedDataError";
    this.offset = offset;
    this.truncated = options.truncated ?? false;
  }
}

/**
 * Where a decoder has got to in the compressed file.
 * @internal
 */
export class CompressedInput {
  readonly source: ByteSource;
  position = 0;

  constructor(source: ByteSource) {
    this.source = source;
  }

  get remaining(): number {
    return this.source.size - this.position;
  }

  /** The next `length` bytes (a view), or a truncation error naming `what`. */
  take(length: number, what: string): Uint8Array {
    if (length > this.remaining) {
      throw new CompressedDataError(
        `the file ends inside ${what} at offset 0x${this.position.toString(16)}: ${length} bytes needed, ${this.remaining} left`,
        this.position,
        { truncated: true },
      );
    }
    const bytes = this.source.bytes(this.position, length);
    this.position += length;
    return bytes;
  }

  /** One byte. */
  byte(what: string): number {
    return this.take(1, what)[0]!;
  }

  /** A little-endian 32-bit unsigned integer. */
  uint32(what: string): number {
    const bytes = this.take(4, what);
    return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0;
  }
}

// Test support: the byte-level pieces of hand-built DWARF (LEB128, little-endian integers, C
// strings), as number arrays to spread and as a chaining writer. The format builders
// (_cfi_builder.ts, _info_builder.ts, _line_builder.ts) are made of these.

/**
 * Unsigned LEB128 bytes of a value.
 * @example uleb(624485) // [0xe5, 0x8e, 0x26]
 */
export function uleb(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest !== 0n ? byte | 0x80 : byte);
  } while (rest !== 0n);
  return out;
}

/**
 * Signed LEB128 bytes of a value.
 * @example sleb(-123456) // [0xc0, 0xbb, 0x78]
 */
export function sleb(value: number | bigint): number[] {
  let rest = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/**
 * The `size` little-endian bytes of an unsigned (or two's complement) value, cut to `size` bytes.
 * @example le(-8, 4) // [0xf8, 0xff, 0xff, 0xff]
 */
export function le(value: number | bigint, size: number): number[] {
  let rest = BigInt.asUintN(size * 8, BigInt(value));
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return out;
}

/**
 * The UTF-8 bytes of a string and its terminating NUL.
 * @example cstr("a") // [0x61, 0]
 */
export function cstr(text: string): number[] {
  return [...new TextEncoder().encode(text), 0];
}

/**
 * A little-endian byte writer whose methods chain.
 * @example new Bytes().u16(5).uleb(300).string("x").bytes() // Uint8Array [5, 0, 0xac, 0x02, 0x78, 0]
 */
export class Bytes {
  readonly #data: number[] = [];
  get length(): number {
    return this.#data.length;
  }
  u8(...values: number[]): this {
    for (const value of values) this.#data.push(value & 0xff);
    return this;
  }
  /** Appends the bytes of an array one by one (spreading a long array into push() overflows the stack). */
  #push(bytes: readonly number[] | Uint8Array): this {
    for (const byte of bytes) this.#data.push(byte);
    return this;
  }
  u16(value: number): this {
    return this.#push(le(value, 2));
  }
  u32(value: number): this {
    return this.#push(le(value, 4));
  }
  u64(value: bigint | number): this {
    return this.#push(le(value, 8));
  }
  /** An address of `size` bytes (8, 4 or 2). */
  address(value: bigint | number, size: number): this {
    return size === 8 ? this.u64(value) : size === 4 ? this.u32(Number(value)) : this.u16(Number(value));
  }
  /** A section offset: 8 bytes in the 64-bit DWARF format, else 4. */
  offset(value: number, format64: boolean): this {
    return format64 ? this.u64(value) : this.u32(value);
  }
  uleb(value: bigint | number): this {
    return this.#push(uleb(value));
  }
  sleb(value: bigint | number): this {
    return this.#push(sleb(value));
  }
  /** A NUL-terminated UTF-8 string. */
  string(text: string): this {
    return this.#push(cstr(text));
  }
  append(other: Bytes | Uint8Array | readonly number[]): this {
    return this.#push(other instanceof Bytes ? other.bytes() : other);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#data);
  }
}

// The hash CPython 3.11+ gives a `str` (its default algorithm, SipHash-1-3 keyed by the process's
// `_Py_HashSecret`), so that a dict can be looked up by key as CPython does instead of read in
// full. Private to this package. A build configured with another algorithm gives other hashes:
// a lookup then finds nothing, and its caller reads the dict in full.

const MASK = (1n << 64n) - 1n;

function rotate(x: bigint, bits: bigint): bigint {
  return ((x << bits) | (x >> (64n - bits))) & MASK;
}

/**
 * SipHash-1-3 of `bytes` with the key (k0, k1), as CPython's `siphash13()` (Python/pyhash.c).
 * @internal
 */
export function siphash13(k0: bigint, k1: bigint, bytes: Uint8Array): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & MASK;
    v2 = (v2 + v3) & MASK;
    v1 = rotate(v1, 13n) ^ v0;
    v3 = rotate(v3, 16n) ^ v2;
    v0 = rotate(v0, 32n);
    v2 = (v2 + v1) & MASK;
    v0 = (v0 + v3) & MASK;
    v1 = rotate(v1, 17n) ^ v2;
    v3 = rotate(v3, 21n) ^ v0;
    v2 = rotate(v2, 32n);
  };
  const word = (at: number, count: number) => {
    let value = 0n;
    for (let index = count - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[at + index]!);
    return value;
  };
  const whole = bytes.length - (bytes.length % 8);
  for (let at = 0; at < whole; at += 8) {
    const m = word(at, 8);
    v3 ^= m;
    round();
    v0 ^= m;
  }
  const last = ((BigInt(bytes.length) & 0xffn) << 56n) | word(whole, bytes.length - whole);
  v3 ^= last;
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  round();
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

/**
 * `hash(text)` of a str in a CPython 3.11+ process whose `_Py_HashSecret.siphash` is (k0, k1), as
 * an unsigned 64-bit value (what dict lookups mask), for ASCII text; undefined for other text.
 * @internal
 */
export function asciiStrHash(text: string, k0: bigint, k1: bigint): bigint | undefined {
  if (text.length === 0) return 0n;
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) return undefined;
    bytes[index] = code;
  }
  const hash = siphash13(k0, k1, bytes);
  // CPython never gives -1 (its error value): -1 becomes -2.
  return hash === MASK ? MASK - 1n : hash;
}

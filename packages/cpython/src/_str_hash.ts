// The hash CPython 3.11+ gives a `str` (its default algorithm, SipHash-1-3 keyed by the process's
// `_Py_HashSecret`), so that a dict can be looked up by key as CPython does instead of read in
// full. Private to this package. A build configured with another algorithm gives other hashes:
// a lookup then finds nothing, and its caller reads the dict in full.

const MASK = (1n << 64n) - 1n;

// The state: v0..v3 as (high, low) 32-bit halves, numbers rather than BigInts (a BigInt operation
// allocates, and this runs in cold code at start-up).
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** `state[a] += state[b]`, 64-bit, wrapping. */
function add(state: Uint32Array, a: number, b: number): void {
  const low = state[a + 1]! + state[b + 1]!;
  state[a] = state[a]! + state[b]! + (low > 0xffff_ffff ? 1 : 0);
  state[a + 1] = low;
}

/** `state[a] ^= state[b]`. */
function xor(state: Uint32Array, a: number, b: number): void {
  state[a] = state[a]! ^ state[b]!;
  state[a + 1] = state[a + 1]! ^ state[b + 1]!;
}

/** `state[a]` rotated left by `bits` (1–32). */
function rotate(state: Uint32Array, a: number, bits: number): void {
  const high = state[a]!;
  const low = state[a + 1]!;
  if (bits === 32) {
    state[a] = low;
    state[a + 1] = high;
    return;
  }
  state[a] = (high << bits) | (low >>> (32 - bits));
  state[a + 1] = (low << bits) | (high >>> (32 - bits));
}

/** Half a SipRound: `a += b; c += d; b = rotl(b, s) ^ a; d = rotl(d, t) ^ c; a = rotl(a, 32)`. */
function halfRound(state: Uint32Array, a: number, b: number, c: number, d: number, s: number, t: number): void {
  add(state, a, b);
  add(state, c, d);
  rotate(state, b, s);
  xor(state, b, a);
  rotate(state, d, t);
  xor(state, d, c);
  rotate(state, a, 32);
}

function sipRound(state: Uint32Array): void {
  halfRound(state, V0, V1, V2, V3, 13, 16);
  halfRound(state, V2, V1, V0, V3, 17, 21);
}

/** The little-endian 32-bit value of `count` (0–4) bytes at `at`. */
function half(bytes: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let index = count - 1; index >= 0; index--) value = ((value << 8) | bytes[at + index]!) >>> 0;
  return value;
}

/** Mixes the message word (`high`, `low`) into the state: one compression round. */
function compress(state: Uint32Array, high: number, low: number): void {
  state[V3] = state[V3]! ^ high;
  state[V3 + 1] = state[V3 + 1]! ^ low;
  sipRound(state);
  state[V0] = state[V0]! ^ high;
  state[V0 + 1] = state[V0 + 1]! ^ low;
}

/**
 * SipHash-1-3 of `bytes` with the key (k0, k1), as CPython's `siphash13()` (Python/pyhash.c).
 * @internal
 */
export function siphash13(k0: bigint, k1: bigint, bytes: Uint8Array): bigint {
  const k0High = Number(k0 >> 32n) >>> 0;
  const k0Low = Number(k0 & 0xffff_ffffn) >>> 0;
  const k1High = Number(k1 >> 32n) >>> 0;
  const k1Low = Number(k1 & 0xffff_ffffn) >>> 0;
  const state = Uint32Array.of(
    k0High ^ 0x736f6d65,
    k0Low ^ 0x70736575,
    k1High ^ 0x646f7261,
    k1Low ^ 0x6e646f6d,
    k0High ^ 0x6c796765,
    k0Low ^ 0x6e657261,
    k1High ^ 0x74656462,
    k1Low ^ 0x79746573,
  );
  const whole = bytes.length - (bytes.length % 8);
  for (let at = 0; at < whole; at += 8) compress(state, half(bytes, at + 4, 4), half(bytes, at, 4));
  // The last word: the remaining bytes, and the length's low byte in the top byte.
  const rest = bytes.length - whole;
  const lastLow = half(bytes, whole, Math.min(rest, 4));
  const lastHigh = (half(bytes, whole + 4, Math.max(rest - 4, 0)) | ((bytes.length & 0xff) << 24)) >>> 0;
  compress(state, lastHigh, lastLow);
  state[V2 + 1] = state[V2 + 1]! ^ 0xff;
  sipRound(state);
  sipRound(state);
  sipRound(state);
  const high = (state[V0]! ^ state[V1]! ^ state[V2]! ^ state[V3]!) >>> 0;
  const low = (state[V0 + 1]! ^ state[V1 + 1]! ^ state[V2 + 1]! ^ state[V3 + 1]!) >>> 0;
  return (BigInt(high) << 32n) | BigInt(low);
}

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

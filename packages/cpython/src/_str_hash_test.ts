import fc from "fast-check";
import { expect, test } from "vitest";
import { asciiStrHash, siphash13 } from "./_str_hash.js";

// CPython 3.11, 3.12 and 3.13 with PYTHONHASHSEED=0 (a secret of zeros):
//   python -c "print(hash('threading'), hash('_active'), hash(''), hash('a'), hash('abcdefgh'), hash('abcdefghijklmnopq'))"
const unsigned = (value: bigint) => BigInt.asUintN(64, value);
test("str hashes of CPython 3.11+ with a secret of zeros (PYTHONHASHSEED=0)", () => {
  const hash = (text: string) => asciiStrHash(text, 0n, 0n);
  expect(hash("threading")).toBe(unsigned(-217255072549013292n));
  expect(hash("_active")).toBe(unsigned(-8459328279367953207n));
  expect(hash("")).toBe(0n);
  expect(hash("a")).toBe(unsigned(4644417185603328019n));
  expect(hash("abcdefgh")).toBe(unsigned(4574395652268504554n));
  expect(hash("abcdefghijklmnopq")).toBe(unsigned(7044894726457044172n));
  expect(hash("caf\u00e9")).toBeUndefined();
});

test("the key changes the hash", () => {
  const bytes = new TextEncoder().encode("threading");
  expect(siphash13(1n, 0n, bytes)).not.toBe(siphash13(0n, 0n, bytes));
  expect(siphash13(0n, 1n, bytes)).not.toBe(siphash13(0n, 0n, bytes));
});

/** SipHash-1-3 written the plain way, with BigInts: what the 32-bit-halves version must equal. */
function referenceSipHash13(k0: bigint, k1: bigint, bytes: Uint8Array): bigint {
  const mask = (1n << 64n) - 1n;
  const rotate = (x: bigint, bits: bigint) => ((x << bits) | (x >> (64n - bits))) & mask;
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & mask;
    v2 = (v2 + v3) & mask;
    v1 = rotate(v1, 13n) ^ v0;
    v3 = rotate(v3, 16n) ^ v2;
    v0 = rotate(v0, 32n);
    v2 = (v2 + v1) & mask;
    v0 = (v0 + v3) & mask;
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
  return (v0 ^ v1 ^ v2 ^ v3) & mask;
}

test("equals SipHash-1-3 computed with 64-bit integers, for any key and message", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.uint8Array({ maxLength: 300 }),
      (k0, k1, bytes) => {
        expect(siphash13(k0, k1, bytes)).toBe(referenceSipHash13(k0, k1, bytes));
      },
    ),
    { seed: 20261203, numRuns: 500 },
  );
  // Keys whose halves carry in every addition.
  const ones = (1n << 64n) - 1n;
  for (const length of [0, 1, 7, 8, 9, 255, 256, 257]) {
    const bytes = new Uint8Array(length).fill(0xff);
    expect(siphash13(ones, ones, bytes), `length ${length}`).toBe(referenceSipHash13(ones, ones, bytes));
  }
});

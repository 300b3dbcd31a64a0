// Test support: the mutations the property tests apply to real and hand-built sections, as
// fast-check arbitraries, and the function that applies them.
import fc from "fast-check";

/** One change to a section's bytes; `at` wraps around the length of the bytes it is applied to. */
export type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "byte"; readonly at: number; readonly value: number }
  | { readonly kind: "word"; readonly at: number; readonly value: number }
  | { readonly kind: "zero"; readonly at: number; readonly length: number }
  | { readonly kind: "truncate"; readonly at: number };

/** 32-bit values that parsers treat specially: lengths that escape to 64-bit, sign bits, LEB continuation bytes. */
const WORDS = [0, 1, 0x7f, 0x80, 0xff, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_ffff];

/** A bit flip, a random byte, a little-endian word (random or one of {@link WORDS}), up to 64 zeroed bytes, or a truncation. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("word" as const), at: fc.nat(), value: fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(...WORDS)) }),
  fc.record({ kind: fc.constant("zero" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Between 1 and `maxLength` mutations, applied in order. */
export function mutations(maxLength: number): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation, { minLength: 1, maxLength });
}

/**
 * Applies `changes` to a copy of `bytes` (the original is untouched); an empty result stays empty.
 * @example mutate(Uint8Array.of(1, 2, 3), [{ kind: "truncate", at: 2 }]) // Uint8Array [1, 2]
 */
export function mutate(bytes: Uint8Array, changes: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const change of changes) {
    if (out.length === 0) break;
    const at = change.at % out.length;
    switch (change.kind) {
      case "flip":
        out[at] = out[at]! ^ (1 << change.bit);
        break;
      case "byte":
        out[at] = change.value;
        break;
      case "word":
        for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = (change.value >>> (8 * i)) & 0xff;
        break;
      case "zero":
        out.fill(0, at, Math.min(out.length, at + change.length));
        break;
      case "truncate":
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}

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

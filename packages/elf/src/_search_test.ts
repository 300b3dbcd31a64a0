import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareBigints, countAtOrBelow, countStartingAtOrBelow, partitionPoint } from "./_search.js";

describe("partitionPoint()", () => {
  it("returns the number of sorted values at or below a key, as a linear count does", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), fc.integer({ min: -60, max: 60 }), (values, key) => {
        const sorted = values.sort((a, b) => a - b);
        expect(partitionPoint(sorted.length, (index) => sorted[index]! <= key)).toBe(sorted.filter((value) => value <= key).length);
      }),
    );
  });

  it("asks the predicate at most ceil(log2(length + 1)) times, never outside 0..length-1", () => {
    for (const length of [0, 1, 2, 3, 1000, 1 << 20]) {
      for (const point of [0, length >>> 1, length]) {
        const asked: number[] = [];
        expect(
          partitionPoint(length, (index) => {
            asked.push(index);
            return index < point;
          }),
        ).toBe(point);
        expect(asked.length).toBeLessThanOrEqual(Math.ceil(Math.log2(length + 1)));
        expect(asked.every((index) => index >= 0 && index < length)).toBe(true);
      }
    }
  });
});

describe("compareBigints()", () => {
  it("sorts bigints past 2^53 in numeric order", () => {
    const values = [2n ** 64n - 1n, 0n, 2n ** 53n + 1n, 2n ** 53n, -1n];
    expect(values.sort(compareBigints)).toEqual([-1n, 0n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n]);
    expect(compareBigints(5n, 5n)).toBe(0);
  });
});

describe("countAtOrBelow() and countStartingAtOrBelow()", () => {
  it("return the number of sorted values (range starts) at or below a key, as partitionPoint does", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -50n, max: 50n })), fc.bigInt({ min: -60n, max: 60n }), (values, key) => {
        const sorted = values.sort(compareBigints);
        const expected = partitionPoint(sorted.length, (index) => sorted[index]! <= key);
        expect(countAtOrBelow(sorted, key)).toBe(expected);
        expect(countAtOrBelow(BigInt64Array.from(sorted), key)).toBe(expected);
        expect(
          countStartingAtOrBelow(
            sorted.map((start) => ({ start })),
            key,
          ),
        ).toBe(expected);
      }),
    );
  });
});

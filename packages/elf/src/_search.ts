// Binary search and ordering helpers shared by the package's sorted indexes. The same file is in
// elf, dwarf, symbols and unwind (elf and dwarf depend on nothing, so there is no shared package to
// hold it); tools/private_copies_test.ts keeps the copies identical, elf's _search_test.ts tests it.

/**
 * The partition point of `0..length`: the first index at which `predicate` is false, for a
 * predicate that is true on a prefix of the indices and false after it (the entries of a sorted
 * array at or below a key, say); `length` when it holds everywhere. Calls `predicate` at most
 * ⌈log2(length + 1)⌉ times.
 *
 * @param length the number of indices.
 * @param predicate true for the indices before the partition point.
 * @returns the first index where `predicate` is false, from 0 to `length`.
 * @internal
 */
export function partitionPoint(length: number, predicate: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (predicate(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * How many values of `sorted` (ascending) are at or below `key`: {@link partitionPoint} written
 * out, for the lookups made at every read of memory, where calling a closure per step cost a few
 * percent of a whole run (callgrind under `node --predictable`).
 *
 * @param sorted ascending values.
 * @param key the value sought.
 * @returns the index of the first value above `key`, from 0 to `sorted.length`.
 * @internal
 */
export function countAtOrBelow(sorted: ArrayLike<bigint>, key: bigint): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * How many ranges of `sorted` (by ascending start) start at or below `key`: {@link countAtOrBelow}
 * over their starts.
 *
 * @param sorted ranges in ascending order of start.
 * @param key the address sought.
 * @returns the index of the first range starting above `key`, from 0 to `sorted.length`.
 * @internal
 */
export function countStartingAtOrBelow(sorted: readonly { readonly start: bigint }[], key: bigint): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.start <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Orders two bigints, for `Array.prototype.sort`.
 *
 * @returns a negative number, zero or a positive number as `a` is below, equal to or above `b`.
 * @internal
 */
export function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

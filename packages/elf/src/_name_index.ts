// Lookup by name in a table without a hash section (a `.symtab`): a linear scan of the names for
// the first few lookups, then a map from every name, built once.

import { type SymbolEntries, encodeName } from "./_symbol_entries.js";

/** Name lookups answered by a linear scan before a table without a hash section builds its index. */
const LINEAR_SCANS = 8;

/**
 * Lookups by name over every entry of a table.
 * @internal
 */
export class NameIndex {
  readonly #entries: SymbolEntries;
  #scans = 0;
  #names: Map<string, number> | undefined;

  constructor(entries: SymbolEntries) {
    this.#entries = entries;
  }

  /** The best-ranked defined symbol named `name`, or -1. */
  lookup(name: string): number {
    if (this.#names === undefined && this.#scans < LINEAR_SCANS) {
      // A few lookups in a table without a hash section (a .symtab) are cheaper as byte
      // comparisons than decoding every name into an index: a run asks for a handful of names.
      this.#scans++;
      return this.#scan(encodeName(name));
    }
    this.#names ??= this.#build();
    return this.#names.get(name) ?? -1;
  }

  /** The best-ranked symbol named `query` by a linear byte comparison, as the name index would choose it. */
  #scan(query: Uint8Array): number {
    const entries = this.#entries;
    let best = -1;
    let bestRank = Infinity;
    for (let index = 1; index < entries.count; index++) {
      if (!entries.nameEquals(index, query)) continue;
      const rank = entries.nameRank(index);
      if (rank >= 0 && rank < bestRank) {
        best = index;
        bestRank = rank;
        if (rank === 0) break;
      }
    }
    return best;
  }

  #build(): Map<string, number> {
    const entries = this.#entries;
    const names = new Map<string, number>();
    const ranks = new Map<string, number>();
    for (let index = 1; index < entries.count; index++) {
      const rank = entries.nameRank(index);
      if (rank < 0) continue;
      const name = entries.name(index, entries.nameOffset(index));
      if (name === "") continue;
      const previous = ranks.get(name);
      if (previous === undefined || rank < previous) {
        names.set(name, index);
        ranks.set(name, rank);
      }
    }
    return names;
  }
}

// Lookup by name through a SysV `.hash` section (`SHT_HASH`, `DT_HASH`): buckets, then a chain
// of symbol indexes.

import { hashSectionError, hashSectionView } from "./_hash_section.js";
import type { SymbolEntries } from "./_symbol_entries.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import type { ElfFormatError } from "./elf_format_error.js";

/**
 * A SysV `.hash` table of 4-byte words over a `.dynsym`, its header checked when it is built.
 * @internal
 */
export class SysvHashTable {
  readonly #entries: SymbolEntries;
  readonly #section: SectionHeader;
  readonly #view: DataView;
  readonly #nbucket: number;
  readonly #nchain: number;

  /** @throws {ElfFormatError} when the buckets and chains the header announces do not fit the section. */
  constructor(elf: ElfFile, section: SectionHeader, entries: SymbolEntries) {
    this.#entries = entries;
    this.#section = section;
    const view = hashSectionView(elf, section);
    this.#view = view;
    const le = entries.littleEndian;
    if (view.byteLength < 8) throw this.#error(`${view.byteLength} of the 8 header bytes remain`, 0, "truncated");
    const nbucket = view.getUint32(0, le);
    const nchain = view.getUint32(4, le);
    const need = 8 + (nbucket + nchain) * 4;
    if (need > view.byteLength) throw this.#error(`${nbucket} buckets and ${nchain} chains need ${need} bytes; ${view.byteLength} remain`, 0, "truncated");
    this.#nbucket = nbucket;
    this.#nchain = nchain;
  }

  /**
   * The best-ranked defined symbol named `query` (then the lowest index), or -1.
   * @throws {ElfFormatError} when the chain leaves the table or loops.
   */
  lookup(query: Uint8Array): number {
    const nbucket = this.#nbucket;
    const nchain = this.#nchain;
    if (nbucket === 0) return -1;
    const entries = this.#entries;
    const count = entries.count;
    const view = this.#view;
    const le = entries.littleEndian;
    const chainStart = 8 + nbucket * 4;
    let at = 8 + (sysvHash(query) % nbucket) * 4;
    let index = view.getUint32(at, le);
    let best = -1;
    let bestRank = Number.MAX_SAFE_INTEGER;
    for (let steps = 0; index !== 0; steps++) {
      if (index >= nchain || index >= count || steps >= nchain) {
        throw this.#error(steps >= nchain ? "chain loops" : `chain names symbol ${index}, outside the ${Math.min(nchain, count)} symbols`, at, "bad-value");
      }
      if (entries.nameEquals(index, query)) {
        const rank = entries.nameRank(index);
        // SysV chains are not in index order: keep the best rank, then the lowest index.
        if (rank >= 0 && (rank < bestRank || (rank === bestRank && index < best))) {
          best = index;
          bestRank = rank;
        }
      }
      at = chainStart + index * 4;
      index = view.getUint32(at, le);
    }
    return best;
  }

  #error(message: string, at: number, code: "truncated" | "bad-value"): ElfFormatError {
    return hashSectionError(this.#section, message, at, code);
  }
}

/** The SysV ELF hash of a name (`elf_hash`), as used by `.hash`. */
function sysvHash(name: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name[i]!) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h;
}

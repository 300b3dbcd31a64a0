// Lookup by name through a `.gnu.hash` section (`SHT_GNU_HASH`, `DT_GNU_HASH`): a bloom filter,
// then one bucket's run of the chain, whose hashes sit beside the symbols they stand for.

import { hashSectionError, hashSectionView } from "./_hash_section.js";
import type { SymbolEntries } from "./_symbol_entries.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import type { ElfFormatError } from "./elf_format_error.js";

/**
 * A `.gnu.hash` table over a `.dynsym`, its header parsed and checked when it is built.
 * @internal
 */
export class GnuHashTable {
  readonly #entries: SymbolEntries;
  readonly #section: SectionHeader;
  readonly #view: DataView;
  readonly #nbuckets: number;
  readonly #symoffset: number;
  readonly #bloomSize: number;
  readonly #bloomShift: number;
  readonly #bloomStart: number;
  readonly #bucketsStart: number;
  readonly #chainStart: number;

  /** @throws {ElfFormatError} when the header or the bloom words and buckets it announces do not fit the section. */
  constructor(elf: ElfFile, section: SectionHeader, entries: SymbolEntries) {
    this.#entries = entries;
    this.#section = section;
    const view = hashSectionView(elf, section);
    this.#view = view;
    const le = entries.littleEndian;
    if (view.byteLength < 16) throw this.#error(`${view.byteLength} of the 16 header bytes remain`, 0, "truncated");
    const nbuckets = view.getUint32(0, le);
    const symoffset = view.getUint32(4, le);
    const bloomSize = view.getUint32(8, le);
    const bloomShift = view.getUint32(12, le);
    if (bloomSize === 0) throw this.#error("bloom filter size is 0", 8, "bad-value");
    if (symoffset > entries.count) throw this.#error(`symoffset ${symoffset} is past the ${entries.count} symbols`, 4, "bad-value");
    const bloomStart = 16;
    const bucketsStart = bloomStart + bloomSize * (entries.is64 ? 8 : 4);
    const chainStart = bucketsStart + nbuckets * 4;
    if (chainStart > view.byteLength) {
      throw this.#error(`${bloomSize} bloom words and ${nbuckets} buckets need ${chainStart} bytes; ${view.byteLength} remain`, 0, "truncated");
    }
    this.#nbuckets = nbuckets;
    this.#symoffset = symoffset;
    this.#bloomSize = bloomSize;
    this.#bloomShift = bloomShift;
    this.#bloomStart = bloomStart;
    this.#bucketsStart = bucketsStart;
    this.#chainStart = chainStart;
  }

  /**
   * The best-ranked defined symbol named `query`, or -1.
   * @throws {ElfFormatError} when a bucket or the chain leaves the table.
   */
  lookup(query: Uint8Array): number {
    const entries = this.#entries;
    const count = entries.count;
    const view = this.#view;
    const le = entries.littleEndian;
    const h = gnuHash(query);
    // Bloom filter: two bits of one word must be set.
    const bits = entries.is64 ? 64 : 32;
    const word = Math.floor(h / bits) % this.#bloomSize;
    const bit1 = h % bits;
    const bit2 = (this.#bloomShift >= 32 ? 0 : h >>> this.#bloomShift) % bits;
    const wordAt = this.#bloomStart + word * (bits / 8);
    if (!bloomBit(view, wordAt, bit1, bits, le) || !bloomBit(view, wordAt, bit2, bits, le)) return -1;
    const nbuckets = this.#nbuckets;
    if (nbuckets === 0) return -1;
    const symoffset = this.#symoffset;
    let index = view.getUint32(this.#bucketsStart + (h % nbuckets) * 4, le);
    if (index === 0) return -1;
    if (index < symoffset || index >= count) {
      throw this.#error(
        `bucket ${h % nbuckets} names symbol ${index}, outside ${symoffset}..${count - 1}`,
        this.#bucketsStart + (h % nbuckets) * 4,
        "bad-value",
      );
    }
    let best = -1;
    let bestRank = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const chainAt = this.#chainStart + (index - symoffset) * 4;
      if (chainAt + 4 > view.byteLength) {
        throw this.#error(`chain entry of symbol ${index} is past the end of the section`, chainAt, "truncated");
      }
      const h2 = view.getUint32(chainAt, le);
      if ((h2 | 1) === (h | 1) && entries.nameEquals(index, query)) {
        const rank = entries.nameRank(index);
        if (rank >= 0 && rank < bestRank) {
          best = index;
          bestRank = rank;
          if (rank === 0) break;
        }
      }
      if ((h2 & 1) !== 0) break;
      index++;
      if (index >= count) throw this.#error(`chain runs past the last of ${count} symbols`, chainAt, "bad-value");
    }
    return best;
  }

  #error(message: string, at: number, code: "truncated" | "bad-value"): ElfFormatError {
    return hashSectionError(this.#section, message, at, code);
  }
}

function bloomBit(view: DataView, wordAt: number, bit: number, bits: number, littleEndian: boolean): boolean {
  if (bits === 32) return ((view.getUint32(wordAt, littleEndian) >>> bit) & 1) === 1;
  // A 64-bit word as two 32-bit halves, in the file's byte order.
  const lowAt = littleEndian ? wordAt : wordAt + 4;
  const highAt = littleEndian ? wordAt + 4 : wordAt;
  return bit < 32 ? ((view.getUint32(lowAt, littleEndian) >>> bit) & 1) === 1 : ((view.getUint32(highAt, littleEndian) >>> (bit - 32)) & 1) === 1;
}

/** The GNU hash of a name (`dl_new_hash`: h = h * 33 + c, from 5381), as stored in `.gnu.hash`. */
function gnuHash(name: Uint8Array): number {
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name[i]!) >>> 0;
  return h;
}

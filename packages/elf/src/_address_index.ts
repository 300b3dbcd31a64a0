// Lookup by address: the candidate symbols of a table sorted by value, 64-bit values split into
// 32-bit halves, with the running largest end so that the walk back for a containing symbol stops
// early.

import { partitionPoint } from "./_search.js";
import type { SymbolEntries } from "./_symbol_entries.js";
import { SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, STB_LOCAL, STB_WEAK, STT_FILE, STT_FUNC, STT_GNU_IFUNC, STT_OBJECT, STT_SECTION, STT_TLS } from "./constants.js";

const TWO_32 = 4294967296;

/**
 * The address index of one symbol table, built once from every entry.
 * @internal
 */
export class AddressIndex {
  readonly #length: number;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  /** `st_value + st_size` without wrapping: high half may reach 2^33. */
  readonly #endHi: Float64Array;
  readonly #endLo: Uint32Array;
  /** Largest end among positions 0..i (to stop the containing-symbol walk early). */
  readonly #maxEndHi: Float64Array;
  readonly #maxEndLo: Uint32Array;
  readonly #symbol: Uint32Array;
  /** Whether the symbol is a function or object (eligible as "nearest preceding"). */
  readonly #eligible: Uint8Array;
  /** The last eligible position at or before i, or -1. */
  readonly #previousEligible: Int32Array;

  /** Reads every entry of the table (names excepted) and sorts the candidates. */
  constructor(entries: SymbolEntries) {
    const count = entries.count;
    const view = entries.view;
    const le = entries.littleEndian;
    const is64 = entries.is64;
    const entsize = entries.entsize;
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    const sizeHi = new Uint32Array(count);
    const sizeLo = new Uint32Array(count);
    const rank = new Uint8Array(count);
    const symbol = new Uint32Array(count);
    let length = 0;
    for (let index = 1; index < count; index++) {
      const at = index * entsize;
      const info = view.getUint8(at + (is64 ? 4 : 12));
      const shndx = view.getUint16(at + (is64 ? 6 : 14), le);
      if (shndx === SHN_UNDEF || (shndx >= SHN_LORESERVE && shndx !== SHN_XINDEX)) continue;
      const type = info & 0xf;
      if (type === STT_SECTION || type === STT_FILE || type === STT_TLS) continue;
      if (is64) {
        const valueLow = le ? at + 8 : at + 12;
        const sizeLow = le ? at + 16 : at + 20;
        lo[length] = view.getUint32(valueLow, le);
        hi[length] = view.getUint32(le ? at + 12 : at + 8, le);
        sizeLo[length] = view.getUint32(sizeLow, le);
        sizeHi[length] = view.getUint32(le ? at + 20 : at + 16, le);
      } else {
        lo[length] = view.getUint32(at + 4, le);
        sizeLo[length] = view.getUint32(at + 8, le);
      }
      const bind = info >> 4;
      const typeRank = type === STT_FUNC || type === STT_OBJECT || type === STT_GNU_IFUNC ? 0 : 1;
      const bindRank = bind === STB_LOCAL ? 2 : bind === STB_WEAK ? 1 : 0;
      rank[length] = typeRank * 8 + bindRank * 2 + (entries.hidden(index) ? 1 : 0);
      symbol[length] = index;
      length++;
    }
    const order = new Uint32Array(length);
    for (let i = 0; i < length; i++) order[i] = i;
    order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || rank[a]! - rank[b]! || symbol[a]! - symbol[b]!);

    this.#length = length;
    this.#hi = new Uint32Array(length);
    this.#lo = new Uint32Array(length);
    this.#endHi = new Float64Array(length);
    this.#endLo = new Uint32Array(length);
    this.#maxEndHi = new Float64Array(length);
    this.#maxEndLo = new Uint32Array(length);
    this.#symbol = new Uint32Array(length);
    this.#eligible = new Uint8Array(length);
    this.#previousEligible = new Int32Array(length);
    let maxHi = -1;
    let maxLo = 0;
    let lastEligible = -1;
    for (let position = 0; position < length; position++) {
      const from = order[position]!;
      const valueHi = hi[from]!;
      const valueLo = lo[from]!;
      const sumLo = valueLo + sizeLo[from]!;
      const endLo = sumLo >= TWO_32 ? sumLo - TWO_32 : sumLo;
      const endHi = valueHi + sizeHi[from]! + (sumLo >= TWO_32 ? 1 : 0);
      this.#hi[position] = valueHi;
      this.#lo[position] = valueLo;
      this.#endHi[position] = endHi;
      this.#endLo[position] = endLo;
      if (endHi > maxHi || (endHi === maxHi && endLo > maxLo)) {
        maxHi = endHi;
        maxLo = endLo;
      }
      this.#maxEndHi[position] = maxHi;
      this.#maxEndLo[position] = maxLo;
      const symbolIndex = symbol[from]!;
      this.#symbol[position] = symbolIndex;
      const type = entries.info(symbolIndex) & 0xf;
      if (type === STT_FUNC || type === STT_OBJECT || type === STT_GNU_IFUNC) {
        this.#eligible[position] = 1;
        lastEligible = position;
      }
      this.#previousEligible[position] = lastEligible;
    }
  }

  /**
   * The index in the symbol table of the innermost sized symbol containing `address` (the best
   * ranked among those of the same start), else, when `orPreceding`, of the nearest function or
   * object symbol before it; -1 when there is none.
   * @param address a non-negative address.
   */
  find(address: bigint, orPreceding: boolean): number {
    const position = this.#find(address, orPreceding);
    return position < 0 ? -1 : this.#symbol[position]!;
  }

  /** The position of the answer, or -1. */
  #find(address: bigint, orPreceding: boolean): number {
    const aHi = Number(address >> 32n);
    const aLo = Number(address & 0xffffffffn);
    // Last position whose value <= address.
    const last = atOrBelow(this.#hi, this.#lo, this.#length, aHi, aLo) - 1;
    if (last < 0) return -1;
    // The containing symbol with the largest start; stop once no earlier symbol ends past the address.
    for (let position = last; position >= 0; position--) {
      const maxHi = this.#maxEndHi[position]!;
      if (maxHi < aHi || (maxHi === aHi && this.#maxEndLo[position]! <= aLo)) break;
      if (this.#contains(position, aHi, aLo)) {
        let found = position;
        // Same start, better rank, also containing: prefer it.
        while (found > 0 && this.#sameValue(found - 1, found) && this.#contains(found - 1, aHi, aLo)) found--;
        return found;
      }
    }
    if (!orPreceding) return -1;
    let found = this.#previousEligible[last]!;
    if (found < 0) return -1;
    while (found > 0 && this.#sameValue(found - 1, found) && this.#eligible[found - 1] === 1) found--;
    return found;
  }

  #sameValue(a: number, b: number): boolean {
    return this.#hi[a] === this.#hi[b] && this.#lo[a] === this.#lo[b];
  }

  #contains(position: number, aHi: number, aLo: number): boolean {
    const endHi = this.#endHi[position]!;
    return endHi > aHi || (endHi === aHi && this.#endLo[position]! > aLo);
  }
}

/**
 * How many positions hold a value at or below the address (aHi, aLo). A function of its own: a
 * closure in find() would make the address halves context variables of its loops, slower in a
 * micro-measure.
 */
function atOrBelow(hi: Uint32Array, lo: Uint32Array, length: number, aHi: number, aLo: number): number {
  return partitionPoint(length, (position) => hi[position]! < aHi || (hi[position] === aHi && lo[position]! <= aLo));
}

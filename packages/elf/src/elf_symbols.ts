import {
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_DYNSYM,
  SHT_GNU_HASH,
  SHT_GNU_versym,
  SHT_HASH,
  SHT_NOBITS,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_LOCAL,
  STB_WEAK,
  STT_FILE,
  STT_FUNC,
  STT_GNU_IFUNC,
  STT_OBJECT,
  STT_SECTION,
  STT_TLS,
  sectionTypeName,
} from "./constants.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** One entry of a symbol table (`Elf32_Sym`/`Elf64_Sym`), raw fields by their C names. */
export interface ElfSymbol {
  /** Index in its table. */
  readonly index: number;
  /** The name from the linked string table, without any version suffix ("" for none). */
  readonly name: string;
  readonly st_value: bigint;
  readonly st_size: bigint;
  readonly st_info: number;
  readonly st_other: number;
  /** The raw section index (`SHN_UNDEF`, `SHN_ABS`, `SHN_XINDEX`… kept as stored). */
  readonly st_shndx: number;
  /** `ELF_ST_TYPE(st_info)`: an `STT_*` constant. */
  readonly type: number;
  /** `ELF_ST_BIND(st_info)`: an `STB_*` constant. */
  readonly bind: number;
}

/** Options of {@link SymbolTable}. */
export interface SymbolTableOptions {
  /**
   * Use the `.gnu.hash`/`.hash` section linked to a `.dynsym` for {@link SymbolTable.byName}
   * (default true). False forces the lazily built name index, as for `.symtab`.
   */
  readonly useHash?: boolean;
}

/** Which index {@link SymbolTable.byName} uses. */
export type SymbolHashKind = "gnu" | "sysv" | "none";

/** Parsed `DT_GNU_HASH` table header: offsets are into the section's bytes. */
interface GnuHash {
  readonly nbuckets: number;
  readonly symoffset: number;
  readonly bloomSize: number;
  readonly bloomShift: number;
  readonly bloomStart: number;
  readonly bucketsStart: number;
  readonly chainStart: number;
}

/** Parsed SysV `DT_HASH` table header. */
interface SysvHash {
  readonly nbucket: number;
  readonly nchain: number;
}

/** The address index: candidate symbols sorted by value, 64-bit values split into 32-bit halves. */
interface AddressIndex {
  readonly length: number;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** `st_value + st_size` without wrapping: high half may reach 2^33. */
  readonly endHi: Float64Array;
  readonly endLo: Uint32Array;
  /** Largest end among positions 0..i (to stop the containing-symbol walk early). */
  readonly maxEndHi: Float64Array;
  readonly maxEndLo: Uint32Array;
  readonly symbol: Uint32Array;
  /** Whether the symbol is a function or object (eligible as "nearest preceding"). */
  readonly eligible: Uint8Array;
  /** The last eligible position at or before i, or -1. */
  readonly previousEligible: Int32Array;
}

const TWO_32 = 4294967296;
const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/**
 * One `SHT_SYMTAB` or `SHT_DYNSYM` section with its linked string table. Symbols are decoded on
 * demand: `get`, iteration and lookups read only the entries they need. Lookup by name uses the
 * `.gnu.hash` (preferred) or `.hash` section linked to a `.dynsym`, else a name index built once;
 * lookup by address uses an index sorted by value, built once.
 *
 * Lookups by name return defined symbols only (never `SHN_UNDEF` imports). When several defined
 * symbols share a name, the default-version (`@@`) non-local one wins, then the lowest index.
 *
 * @example
 * ```ts
 * import { ElfFile, SymbolTable, bufferSource } from "@corestack/elf";
 * const elf = new ElfFile(bufferSource(readFileSync("/usr/lib/x86_64-linux-gnu/libc.so.6")));
 * const dynsym = new SymbolTable(elf, elf.section(".dynsym")!);
 * const malloc = dynsym.byName("malloc")!; // through .gnu.hash: a few pages read
 * dynsym.at(malloc.st_value + 5n)?.name; // "malloc" (or an alias at the same address)
 * ```
 */
/** Name lookups answered by a linear scan before a table without a hash section builds its index. */
const LINEAR_SCANS = 8;

export class SymbolTable implements Iterable<ElfSymbol> {
  /** The file the table belongs to. */
  readonly elf: ElfFile;
  /** The symbol table section. */
  readonly section: SectionHeader;
  /** The string table section named by `sh_link`. */
  readonly strings: SectionHeader;
  /** Number of entries, `sh_size / sh_entsize`, the null symbol 0 included. */
  readonly count: number;
  /** The hash table `byName` uses. */
  readonly hash: SymbolHashKind;
  readonly #is64: boolean;
  readonly #littleEndian: boolean;
  readonly #entsize: number;
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #strtab: Uint8Array;
  readonly #hashSection: SectionHeader | undefined;
  readonly #versymSection: SectionHeader | undefined;
  #versym: DataView | null | undefined;
  #gnu: GnuHash | undefined;
  #sysv: SysvHash | undefined;
  #hashView: DataView | undefined;
  #scans = 0;
  #names: Map<string, number> | undefined;
  #addresses: AddressIndex | undefined;

  /**
   * Opens a symbol table. Reads no symbol: only section headers are checked.
   *
   * @param elf the file.
   * @param section an `SHT_SYMTAB` or `SHT_DYNSYM` section of `elf`.
   * @param options whether to use hash sections for lookups by name.
   * @throws {TypeError} when `section` is not a symbol table.
   * @throws {ElfFormatError} when `sh_entsize`, `sh_size` or `sh_link` is invalid, or the table
   * runs past the end of the file.
   * @example
   * ```ts
   * const symtab = new SymbolTable(elf, elf.sections.find((s) => s.sh_type === SHT_SYMTAB)!);
   * ```
   */
  constructor(elf: ElfFile, section: SectionHeader, options: SymbolTableOptions = {}) {
    if (section.sh_type !== SHT_SYMTAB && section.sh_type !== SHT_DYNSYM) {
      throw new TypeError(`Section ${section.index} (${section.name || "unnamed"}) is ${sectionTypeName(section.sh_type)}, not a symbol table`);
    }
    this.elf = elf;
    this.section = section;
    this.#is64 = elf.is64;
    this.#littleEndian = elf.littleEndian;
    const headerOffset = elf.header.e_shoff + section.index * elf.header.e_shentsize;
    const label = `Symbol table ${section.index} (${section.name || "unnamed"})`;
    const symbolSize = elf.is64 ? 24 : 16;
    if (section.sh_entsize !== symbolSize) {
      throw new ElfFormatError(`${label} has sh_entsize ${section.sh_entsize}, not the ${symbolSize} bytes of an Elf${elf.is64 ? 64 : 32}_Sym`, {
        offset: headerOffset,
        code: "bad-value",
      });
    }
    if (section.sh_size % symbolSize !== 0) {
      throw new ElfFormatError(`${label} has sh_size ${section.sh_size}, not a multiple of sh_entsize ${symbolSize}`, {
        offset: headerOffset,
        code: "bad-value",
      });
    }
    const strings = elf.sections[section.sh_link];
    if (!strings || strings.sh_type !== SHT_STRTAB || section.sh_link === 0) {
      throw new ElfFormatError(
        `${label} links to section ${section.sh_link}, which is ${strings ? sectionTypeName(strings.sh_type) : "missing"}, not a string table`,
        { offset: headerOffset, code: "bad-value" },
      );
    }
    this.strings = strings;
    this.#entsize = symbolSize;
    this.#data = elf.sectionBytes(section);
    this.#view = new DataView(this.#data.buffer, this.#data.byteOffset, this.#data.byteLength);
    this.count = section.sh_size / symbolSize;
    // Plain Uint8Array views: Node's Buffer subclass makes every subarray() slower.
    const names = this.count === 0 ? new Uint8Array(0) : elf.sectionBytes(strings);
    this.#strtab = new Uint8Array(names.buffer, names.byteOffset, names.byteLength);

    let hashSection: SectionHeader | undefined;
    let hash: SymbolHashKind = "none";
    let versymSection: SectionHeader | undefined;
    if (section.sh_type === SHT_DYNSYM && this.count > 0) {
      for (const other of elf.sections) {
        if (other.sh_link !== section.index || other.sh_type === SHT_NOBITS) continue;
        if (other.sh_type === SHT_GNU_versym) versymSection ??= other;
        if (options.useHash === false) continue;
        if (other.sh_type === SHT_GNU_HASH && hash !== "gnu") {
          hashSection = other;
          hash = "gnu";
        } else if (other.sh_type === SHT_HASH && hash === "none" && other.sh_entsize !== 8) {
          // 8-byte SysV hash words (s390x, Alpha) are left to the name index.
          hashSection = other;
          hash = "sysv";
        }
      }
    }
    this.hash = hash;
    this.#hashSection = hashSection;
    this.#versymSection = versymSection;
  }

  /**
   * The symbol at an index, its name decoded.
   *
   * @param index from 0 to `count - 1`.
   * @returns the symbol.
   * @throws {RangeError} when `index` is not an index of this table.
   * @throws {ElfFormatError} when the symbol's name lies outside the string table.
   * @example
   * ```ts
   * table.get(1).name;
   * ```
   */
  get(index: number): ElfSymbol {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`Symbol index ${index} is outside a table of ${this.count} symbols`);
    }
    const view = this.#view;
    const le = this.#littleEndian;
    const at = index * this.#entsize;
    const st_name = view.getUint32(at, le);
    let st_value: bigint;
    let st_size: bigint;
    let st_info: number;
    let st_other: number;
    let st_shndx: number;
    if (this.#is64) {
      st_info = view.getUint8(at + 4);
      st_other = view.getUint8(at + 5);
      st_shndx = view.getUint16(at + 6, le);
      st_value = view.getBigUint64(at + 8, le);
      st_size = view.getBigUint64(at + 16, le);
    } else {
      st_value = BigInt(view.getUint32(at + 4, le));
      st_size = BigInt(view.getUint32(at + 8, le));
      st_info = view.getUint8(at + 12);
      st_other = view.getUint8(at + 13);
      st_shndx = view.getUint16(at + 14, le);
    }
    return {
      index,
      name: this.#name(index, st_name),
      st_value,
      st_size,
      st_info,
      st_other,
      st_shndx,
      type: st_info & 0xf,
      bind: st_info >> 4,
    };
  }

  /**
   * Iterates the symbols in index order, lazily; stops (by throwing) at the first symbol whose
   * name is outside the string table, after yielding those before it.
   *
   * @returns a lazy iterator, index 0 (the null symbol) included.
   * @throws {ElfFormatError} at the first malformed symbol.
   * @example
   * ```ts
   * for (const symbol of table) if (symbol.type === STT_FUNC) console.log(symbol.name);
   * ```
   */
  *[Symbol.iterator](): Generator<ElfSymbol> {
    for (let index = 0; index < this.count; index++) yield this.get(index);
  }

  /**
   * The defined symbol with this name (never an undefined import). Through the GNU or SysV hash
   * section of a `.dynsym` when there is one: only that table's pages and the candidate names are
   * read. Otherwise through a name index built on first use from every name of the table.
   *
   * @param name the exact name, without version (`memcpy`, not `memcpy@@GLIBC_2.14`).
   * @returns the preferred symbol of that name: non-local, default version, then lowest index;
   * undefined when the table defines no such name.
   * @throws {ElfFormatError} when the hash section or a visited symbol is malformed.
   * @example
   * ```ts
   * dynsym.byName("_PyRuntime")?.st_value;
   * ```
   */
  byName(name: string): ElfSymbol | undefined {
    if (name === "" || this.count === 0) return undefined;
    let index: number;
    if (this.hash === "gnu") index = this.#gnuLookup(encodeName(name));
    else if (this.hash === "sysv") index = this.#sysvLookup(encodeName(name));
    else if (this.#names === undefined && this.#scans < LINEAR_SCANS) {
      // A few lookups in a table without a hash section (a .symtab) are cheaper as byte
      // comparisons than decoding every name into an index: a run asks for a handful of names.
      this.#scans++;
      index = this.#scan(encodeName(name));
    } else {
      this.#names ??= this.#buildNameIndex();
      index = this.#names.get(name) ?? -1;
    }
    return index < 0 ? undefined : this.get(index);
  }

  /** The best-ranked symbol named `query` by a linear byte comparison, as the name index would choose it. */
  #scan(query: Uint8Array): number {
    let best = -1;
    let bestRank = Infinity;
    for (let index = 1; index < this.count; index++) {
      if (!this.#nameEquals(index, query)) continue;
      const rank = this.#nameRank(index);
      if (rank >= 0 && rank < bestRank) {
        best = index;
        bestRank = rank;
        if (rank === 0) break;
      }
    }
    return best;
  }

  /**
   * The symbol for an address: the sized symbol containing it (`st_value ≤ address <
   * st_value + st_size`, the innermost when nested), else the nearest function or object symbol
   * before it (as for stripped code: the caller judges the distance). Undefined symbols,
   * `STT_SECTION`, `STT_FILE`, `STT_TLS` and absolute/common symbols are never returned. Builds
   * a sorted index of the table on first use.
   *
   * @param address a value in the table's address space (unrelocated: subtract the load bias).
   * @returns the symbol, or undefined when no candidate starts at or before `address`.
   * @throws {ElfFormatError} when the returned symbol's name is malformed.
   * @example
   * ```ts
   * const symbol = symtab.at(pc - bias);
   * if (symbol) console.log(`${symbol.name}+0x${(pc - bias - symbol.st_value).toString(16)}`);
   * ```
   */
  at(address: bigint): ElfSymbol | undefined {
    const position = this.#find(address, true);
    return position < 0 ? undefined : this.get(this.#addresses!.symbol[position]!);
  }

  /**
   * Like {@link SymbolTable.at}, but only a sized symbol that contains the address.
   *
   * @param address a value in the table's address space.
   * @returns the innermost containing symbol, or undefined.
   * @throws {ElfFormatError} when the returned symbol's name is malformed.
   * @example
   * ```ts
   * symtab.containing(0x1234n)?.name;
   * ```
   */
  containing(address: bigint): ElfSymbol | undefined {
    const position = this.#find(address, false);
    return position < 0 ? undefined : this.get(this.#addresses!.symbol[position]!);
  }

  // ----- names -----

  #name(index: number, st_name: number): string {
    const strtab = this.#strtab;
    if (st_name >= strtab.length) {
      if (st_name === 0) return "";
      throw new ElfFormatError(
        `Symbol ${index} of ${this.section.name || "the symbol table"} at offset ${hex(this.section.sh_offset + index * this.#entsize)}: st_name ${hex(st_name)} is outside ${this.strings.name || "its string table"} (${strtab.length} bytes)`,
        { offset: this.section.sh_offset + index * this.#entsize, code: "bad-value" },
      );
    }
    return decodeName(strtab, st_name);
  }

  /** Whether symbol `index`'s name equals `query` (UTF-8, no NUL), comparing bytes. */
  #nameEquals(index: number, query: Uint8Array): boolean {
    const st_name = this.#view.getUint32(index * this.#entsize, this.#littleEndian);
    const strtab = this.#strtab;
    if (st_name >= strtab.length) this.#name(index, st_name); // throws the malformed-name error
    const end = st_name + query.length;
    if (end > strtab.length) return false;
    if (end < strtab.length && strtab[end] !== 0) return false;
    for (let i = 0; i < query.length; i++) if (strtab[st_name + i] !== query[i]) return false;
    return true;
  }

  #shndx(index: number): number {
    return this.#view.getUint16(index * this.#entsize + (this.#is64 ? 6 : 14), this.#littleEndian);
  }

  #info(index: number): number {
    return this.#view.getUint8(index * this.#entsize + (this.#is64 ? 4 : 12));
  }

  /** Whether the symbol's version is hidden (a non-default `@` version in `.gnu.version`). */
  #hidden(index: number): boolean {
    if (this.#versym === undefined) {
      const section = this.#versymSection;
      if (section && section.sh_offset + section.sh_size <= this.elf.source.size) {
        const bytes = this.elf.sectionBytes(section);
        this.#versym = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } else this.#versym = null;
    }
    const versym = this.#versym;
    if (versym === null || index * 2 + 2 > versym.byteLength) return false;
    return (versym.getUint16(index * 2, this.#littleEndian) & 0x8000) !== 0;
  }

  /** Preference among same-named symbols: 0 is best; -1 for undefined symbols (never returned). */
  #nameRank(index: number): number {
    if (this.#shndx(index) === SHN_UNDEF) return -1;
    return (this.#hidden(index) ? 2 : 0) + (this.#info(index) >> 4 === STB_LOCAL ? 1 : 0);
  }

  #buildNameIndex(): Map<string, number> {
    const names = new Map<string, number>();
    const ranks = new Map<string, number>();
    const view = this.#view;
    const le = this.#littleEndian;
    for (let index = 1; index < this.count; index++) {
      const rank = this.#nameRank(index);
      if (rank < 0) continue;
      const name = this.#name(index, view.getUint32(index * this.#entsize, le));
      if (name === "") continue;
      const previous = ranks.get(name);
      if (previous === undefined || rank < previous) {
        names.set(name, index);
        ranks.set(name, rank);
      }
    }
    return names;
  }

  // ----- hash tables -----

  #hashBytes(): DataView {
    if (!this.#hashView) {
      const bytes = this.elf.sectionBytes(this.#hashSection!);
      this.#hashView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.#hashView;
  }

  #hashError(message: string, at: number, code: "truncated" | "bad-value"): ElfFormatError {
    const section = this.#hashSection!;
    return new ElfFormatError(`Hash section ${section.index} (${section.name || "unnamed"}) at offset ${hex(section.sh_offset + at)}: ${message}`, {
      offset: section.sh_offset + at,
      code,
    });
  }

  #gnuTable(): GnuHash {
    if (this.#gnu) return this.#gnu;
    const view = this.#hashBytes();
    const le = this.#littleEndian;
    if (view.byteLength < 16) throw this.#hashError(`${view.byteLength} of the 16 header bytes remain`, 0, "truncated");
    const nbuckets = view.getUint32(0, le);
    const symoffset = view.getUint32(4, le);
    const bloomSize = view.getUint32(8, le);
    const bloomShift = view.getUint32(12, le);
    if (bloomSize === 0) throw this.#hashError("bloom filter size is 0", 8, "bad-value");
    if (symoffset > this.count) throw this.#hashError(`symoffset ${symoffset} is past the ${this.count} symbols`, 4, "bad-value");
    const bloomStart = 16;
    const bucketsStart = bloomStart + bloomSize * (this.#is64 ? 8 : 4);
    const chainStart = bucketsStart + nbuckets * 4;
    if (chainStart > view.byteLength) {
      throw this.#hashError(`${bloomSize} bloom words and ${nbuckets} buckets need ${chainStart} bytes; ${view.byteLength} remain`, 0, "truncated");
    }
    this.#gnu = { nbuckets, symoffset, bloomSize, bloomShift, bloomStart, bucketsStart, chainStart };
    return this.#gnu;
  }

  #gnuLookup(query: Uint8Array): number {
    const table = this.#gnuTable();
    const view = this.#hashView!;
    const le = this.#littleEndian;
    const h = gnuHash(query);
    // Bloom filter: two bits of one word must be set.
    const bits = this.#is64 ? 64 : 32;
    const word = Math.floor(h / bits) % table.bloomSize;
    const bit1 = h % bits;
    const bit2 = (table.bloomShift >= 32 ? 0 : h >>> table.bloomShift) % bits;
    const wordAt = table.bloomStart + word * (bits / 8);
    if (!bloomBit(view, wordAt, bit1, bits, le) || !bloomBit(view, wordAt, bit2, bits, le)) return -1;
    if (table.nbuckets === 0) return -1;
    let index = view.getUint32(table.bucketsStart + (h % table.nbuckets) * 4, le);
    if (index === 0) return -1;
    if (index < table.symoffset || index >= this.count) {
      throw this.#hashError(
        `bucket ${h % table.nbuckets} names symbol ${index}, outside ${table.symoffset}..${this.count - 1}`,
        table.bucketsStart + (h % table.nbuckets) * 4,
        "bad-value",
      );
    }
    let best = -1;
    let bestRank = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const chainAt = table.chainStart + (index - table.symoffset) * 4;
      if (chainAt + 4 > view.byteLength) {
        throw this.#hashError(`chain entry of symbol ${index} is past the end of the section`, chainAt, "truncated");
      }
      const h2 = view.getUint32(chainAt, le);
      if ((h2 | 1) === (h | 1) && this.#nameEquals(index, query)) {
        const rank = this.#nameRank(index);
        if (rank >= 0 && rank < bestRank) {
          best = index;
          bestRank = rank;
          if (rank === 0) break;
        }
      }
      if ((h2 & 1) !== 0) break;
      index++;
      if (index >= this.count) throw this.#hashError(`chain runs past the last of ${this.count} symbols`, chainAt, "bad-value");
    }
    return best;
  }

  #sysvTable(): SysvHash {
    if (this.#sysv) return this.#sysv;
    const view = this.#hashBytes();
    const le = this.#littleEndian;
    if (view.byteLength < 8) throw this.#hashError(`${view.byteLength} of the 8 header bytes remain`, 0, "truncated");
    const nbucket = view.getUint32(0, le);
    const nchain = view.getUint32(4, le);
    const need = 8 + (nbucket + nchain) * 4;
    if (need > view.byteLength) throw this.#hashError(`${nbucket} buckets and ${nchain} chains need ${need} bytes; ${view.byteLength} remain`, 0, "truncated");
    this.#sysv = { nbucket, nchain };
    return this.#sysv;
  }

  #sysvLookup(query: Uint8Array): number {
    const { nbucket, nchain } = this.#sysvTable();
    if (nbucket === 0) return -1;
    const view = this.#hashView!;
    const le = this.#littleEndian;
    const chainStart = 8 + nbucket * 4;
    let at = 8 + (sysvHash(query) % nbucket) * 4;
    let index = view.getUint32(at, le);
    let best = -1;
    let bestRank = Number.MAX_SAFE_INTEGER;
    for (let steps = 0; index !== 0; steps++) {
      if (index >= nchain || index >= this.count || steps >= nchain) {
        throw this.#hashError(
          steps >= nchain ? "chain loops" : `chain names symbol ${index}, outside the ${Math.min(nchain, this.count)} symbols`,
          at,
          "bad-value",
        );
      }
      if (this.#nameEquals(index, query)) {
        const rank = this.#nameRank(index);
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

  // ----- addresses -----

  #buildAddressIndex(): AddressIndex {
    const count = this.count;
    const view = this.#view;
    const le = this.#littleEndian;
    const is64 = this.#is64;
    const entsize = this.#entsize;
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
      rank[length] = typeRank * 8 + bindRank * 2 + (this.#hidden(index) ? 1 : 0);
      symbol[length] = index;
      length++;
    }
    const order = new Uint32Array(length);
    for (let i = 0; i < length; i++) order[i] = i;
    order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || rank[a]! - rank[b]! || symbol[a]! - symbol[b]!);

    const index: AddressIndex = {
      length,
      hi: new Uint32Array(length),
      lo: new Uint32Array(length),
      endHi: new Float64Array(length),
      endLo: new Uint32Array(length),
      maxEndHi: new Float64Array(length),
      maxEndLo: new Uint32Array(length),
      symbol: new Uint32Array(length),
      eligible: new Uint8Array(length),
      previousEligible: new Int32Array(length),
    };
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
      index.hi[position] = valueHi;
      index.lo[position] = valueLo;
      index.endHi[position] = endHi;
      index.endLo[position] = endLo;
      if (endHi > maxHi || (endHi === maxHi && endLo > maxLo)) {
        maxHi = endHi;
        maxLo = endLo;
      }
      index.maxEndHi[position] = maxHi;
      index.maxEndLo[position] = maxLo;
      const symbolIndex = symbol[from]!;
      index.symbol[position] = symbolIndex;
      const type = this.#info(symbolIndex) & 0xf;
      if (type === STT_FUNC || type === STT_OBJECT || type === STT_GNU_IFUNC) {
        index.eligible[position] = 1;
        lastEligible = position;
      }
      index.previousEligible[position] = lastEligible;
    }
    return index;
  }

  /** The position in the address index of the answer, or -1. */
  #find(address: bigint, orPreceding: boolean): number {
    if (address < 0n || this.count === 0) return -1;
    const table = (this.#addresses ??= this.#buildAddressIndex());
    const aHi = Number(address >> 32n);
    const aLo = Number(address & 0xffffffffn);
    // Last position whose value <= address.
    let low = 0;
    let high = table.length - 1;
    let last = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const hi = table.hi[middle]!;
      if (hi < aHi || (hi === aHi && table.lo[middle]! <= aLo)) {
        last = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (last < 0) return -1;
    // The containing symbol with the largest start; stop once no earlier symbol ends past the address.
    for (let position = last; position >= 0; position--) {
      const maxHi = table.maxEndHi[position]!;
      if (maxHi < aHi || (maxHi === aHi && table.maxEndLo[position]! <= aLo)) break;
      const endHi = table.endHi[position]!;
      if (endHi > aHi || (endHi === aHi && table.endLo[position]! > aLo)) {
        let found = position;
        // Same start, better rank, also containing: prefer it.
        while (found > 0 && sameValue(table, found - 1, found) && containsAddress(table, found - 1, aHi, aLo)) found--;
        return found;
      }
    }
    if (!orPreceding) return -1;
    let found = table.previousEligible[last]!;
    if (found < 0) return -1;
    while (found > 0 && sameValue(table, found - 1, found) && table.eligible[found - 1] === 1) found--;
    return found;
  }
}

function sameValue(table: AddressIndex, a: number, b: number): boolean {
  return table.hi[a] === table.hi[b] && table.lo[a] === table.lo[b];
}

function containsAddress(table: AddressIndex, position: number, aHi: number, aLo: number): boolean {
  const endHi = table.endHi[position]!;
  return endHi > aHi || (endHi === aHi && table.endLo[position]! > aLo);
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

function encodeName(name: string): Uint8Array {
  const bytes = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x80) return encoder.encode(name);
    bytes[i] = code;
  }
  return bytes;
}

const scratch: number[] = [];

/** Decodes the NUL-terminated name at `start`; ASCII names skip the TextDecoder and any subarray. */
function decodeName(bytes: Uint8Array, start: number): string {
  let length = 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0) break;
    if (byte >= 0x80 || length === 4096) {
      let end = bytes.indexOf(0, start);
      if (end < 0) end = bytes.length;
      return decoder.decode(bytes.subarray(start, end));
    }
    scratch[length++] = byte;
  }
  scratch.length = length;
  return String.fromCharCode.apply(null, scratch);
}

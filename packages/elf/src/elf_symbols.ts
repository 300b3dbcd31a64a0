import { AddressIndex } from "./_address_index.js";
import { GnuHashTable } from "./_gnu_hash.js";
import { NameIndex } from "./_name_index.js";
import { SymbolEntries, encodeName } from "./_symbol_entries.js";
import { SysvHashTable } from "./_sysv_hash.js";
import { SHT_DYNSYM, SHT_GNU_HASH, SHT_GNU_versym, SHT_HASH, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, sectionTypeName } from "./constants.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";

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
  readonly #entries: SymbolEntries;
  readonly #hashSection: SectionHeader | undefined;
  #gnu: GnuHashTable | undefined;
  #sysv: SysvHashTable | undefined;
  #names: NameIndex | undefined;
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
    this.count = section.sh_size / symbolSize;

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
    this.#entries = new SymbolEntries(elf, section, strings, versymSection);
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
    return this.#entries.symbol(index);
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
    if (this.hash === "gnu") index = (this.#gnu ??= new GnuHashTable(this.elf, this.#hashSection!, this.#entries)).lookup(encodeName(name));
    else if (this.hash === "sysv") index = (this.#sysv ??= new SysvHashTable(this.elf, this.#hashSection!, this.#entries)).lookup(encodeName(name));
    else index = (this.#names ??= new NameIndex(this.#entries)).lookup(name);
    return index < 0 ? undefined : this.get(index);
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
    return this.#atAddress(address, true);
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
    return this.#atAddress(address, false);
  }

  #atAddress(address: bigint, orPreceding: boolean): ElfSymbol | undefined {
    if (address < 0n || this.count === 0) return undefined;
    const index = (this.#addresses ??= new AddressIndex(this.#entries)).find(address, orPreceding);
    return index < 0 ? undefined : this.get(index);
  }
}

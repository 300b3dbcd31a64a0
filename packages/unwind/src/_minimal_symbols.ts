import { type ElfFile, ElfFormatError, SymbolTable } from "@corestack/elf";
import { SHF_EXECINSTR, SHN_ABS, SHT_DYNSYM, SHT_SYMTAB, STT_FUNC, STT_GNU_IFUNC, STT_NOTYPE } from "@corestack/elf/constants";

/** A code symbol of one file: what gdb calls a minimal symbol. @internal */
export interface MinimalSymbol {
  readonly name: string;
  /** Link-time address. */
  readonly address: bigint;
  readonly size: bigint;
}

/**
 * The code symbols of one file (`.symtab` and `.dynsym` together, duplicates merged), sorted as
 * gdb sorts its minimal symbols — by address, then by name — and looked up with gdb's rules
 * (`lookup_minimal_symbol_by_pc_section`): the last symbol at the highest address at or below the
 * pc, skipping zero-sized ones while a sized one further down contains the pc. So of two aliases
 * (`__clone3`, `clone3`) the one whose name sorts last is shown, as gdb shows it. @internal
 */
export class MinimalSymbols {
  readonly #addresses: bigint[];
  readonly #symbols: MinimalSymbol[];

  private constructor(symbols: MinimalSymbol[]) {
    this.#symbols = symbols;
    this.#addresses = symbols.map((symbol) => symbol.address);
  }

  /**
   * Reads the code symbols of a file's symbol tables.
   * @param elf the file.
   * @param problem receives a table that cannot be read.
   */
  static of(elf: ElfFile, problem: (message: string) => void): MinimalSymbols {
    const executable = new Set<number>();
    for (const section of elf.sections) if ((section.sh_flags & BigInt(SHF_EXECINSTR)) !== 0n) executable.add(section.index);
    const symbols: MinimalSymbol[] = [];
    for (const section of elf.sections) {
      if ((section.sh_type !== SHT_SYMTAB && section.sh_type !== SHT_DYNSYM) || section.sh_size === 0) continue;
      try {
        for (const symbol of new SymbolTable(elf, section)) {
          if (symbol.name === "" || symbol.st_shndx === 0 || symbol.st_shndx === SHN_ABS || !executable.has(symbol.st_shndx)) continue;
          if (symbol.type !== STT_FUNC && symbol.type !== STT_GNU_IFUNC && symbol.type !== STT_NOTYPE) continue;
          symbols.push({ name: symbol.name, address: symbol.st_value, size: symbol.st_size });
        }
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        problem(`the symbol table ${section.name || `in section ${section.index}`} cannot be read: ${error.message}`);
      }
    }
    symbols.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const unique = symbols.filter((symbol, index) => {
      const before = symbols[index - 1];
      return !before || before.address !== symbol.address || before.name !== symbol.name;
    });
    return new MinimalSymbols(unique);
  }

  /** Whether the file has a section of symbols with bytes (a debug file's `.dynsym` has none). */
  static hasTables(elf: ElfFile): boolean {
    return elf.sections.some((section) => (section.sh_type === SHT_SYMTAB || section.sh_type === SHT_DYNSYM) && section.sh_size > 0);
  }

  /**
   * The symbol gdb would name a link-time address with.
   * @param address a link-time address.
   * @returns the symbol, or undefined.
   */
  lookup(address: bigint): MinimalSymbol | undefined {
    const addresses = this.#addresses;
    let low = 0;
    let high = addresses.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (addresses[middle]! <= address) low = middle + 1;
      else high = middle;
    }
    let hi = low - 1;
    let zeroSized = -1;
    while (hi >= 0) {
      if (this.#symbols[hi]!.size === 0n && zeroSized === -1) {
        zeroSized = hi;
        hi -= 1;
        continue;
      }
      break;
    }
    if (hi >= 0 && this.#symbols[hi]!.size === 0n && zeroSized !== -1) hi = zeroSized;
    if (hi < 0) return zeroSized >= 0 ? this.#symbols[zeroSized] : undefined;
    const symbol = this.#symbols[hi]!;
    if (symbol.size !== 0n && address >= symbol.address + symbol.size) return zeroSized >= 0 ? this.#symbols[zeroSized] : undefined;
    return symbol;
  }
}

import { type ElfFile, ElfFormatError, SymbolTable } from "@corestack/elf";
import { SHF_EXECINSTR, SHN_ABS, SHT_DYNSYM, SHT_SYMTAB, STT_FUNC, STT_GNU_IFUNC, STT_NOTYPE } from "@corestack/elf/constants";
import { partitionPoint } from "./_search.js";

const decoder = new TextDecoder();

/** The NUL-terminated string at an offset of a string table (to its end when unterminated). */
function cString(bytes: Uint8Array, start: number): string {
  let end = bytes.indexOf(0, start);
  if (end < 0) end = bytes.length;
  let ascii = true;
  for (let index = start; index < end; index++) {
    if (bytes[index]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start <= 4096) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  return decoder.decode(bytes.subarray(start, end));
}

/** A minimal symbol whose name is decoded on first use. */
class LazySymbol {
  readonly address: bigint;
  readonly size: bigint;
  readonly #strtab: Uint8Array;
  readonly #offset: number;
  #name: string | undefined;

  constructor(address: bigint, size: bigint, strtab: Uint8Array, offset: number, name: string | undefined) {
    this.address = address;
    this.size = size;
    this.#strtab = strtab;
    this.#offset = offset;
    this.#name = name;
  }

  get name(): string {
    return (this.#name ??= cString(this.#strtab, this.#offset));
  }
}

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
   * Reads the code symbols of a file's symbol tables: their fields straight from the bytes, names
   * decoded only where two symbols share an address (for the order) and for the symbols kept.
   * @param elf the file.
   * @param problem receives a table that cannot be read.
   */
  static of(elf: ElfFile, problem: (message: string) => void): MinimalSymbols {
    const executable = new Set<number>();
    for (const section of elf.sections) if ((section.sh_flags & BigInt(SHF_EXECINSTR)) !== 0n) executable.add(section.index);
    interface Raw {
      address: bigint;
      size: bigint;
      strtab: Uint8Array;
      nameOffset: number;
      name: string | undefined;
    }
    const raws: Raw[] = [];
    const little = elf.littleEndian;
    for (const section of elf.sections) {
      if ((section.sh_type !== SHT_SYMTAB && section.sh_type !== SHT_DYNSYM) || section.sh_size === 0) continue;
      try {
        const table = new SymbolTable(elf, section);
        if (table.count === 0) continue;
        const data = elf.sectionBytes(section);
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        const names = elf.sectionBytes(table.strings);
        const strtab = new Uint8Array(names.buffer, names.byteOffset, names.byteLength);
        const entsize = elf.is64 ? 24 : 16;
        for (let index = 1; index < table.count; index++) {
          const at = index * entsize;
          const nameOffset = view.getUint32(at, little);
          let info: number;
          let shndx: number;
          let address: bigint;
          let size: bigint;
          if (elf.is64) {
            info = view.getUint8(at + 4);
            shndx = view.getUint16(at + 6, little);
            address = view.getBigUint64(at + 8, little);
            size = view.getBigUint64(at + 16, little);
          } else {
            address = BigInt(view.getUint32(at + 4, little));
            size = BigInt(view.getUint32(at + 8, little));
            info = view.getUint8(at + 12);
            shndx = view.getUint16(at + 14, little);
          }
          if (shndx === 0 || shndx === SHN_ABS || !executable.has(shndx)) continue;
          const type = info & 0xf;
          if (type !== STT_FUNC && type !== STT_GNU_IFUNC && type !== STT_NOTYPE) continue;
          if (nameOffset >= strtab.length) {
            throw new ElfFormatError(`symbol ${index} has its name at offset ${nameOffset}, outside the ${strtab.length}-byte string table`, {
              offset: section.sh_offset + at,
              code: "bad-value",
            });
          }
          if (strtab[nameOffset] === 0) continue; // no name
          raws.push({ address, size, strtab, nameOffset, name: undefined });
        }
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        problem(`the symbol table ${section.name || `in section ${section.index}`} cannot be read: ${error.message}`);
      }
    }
    const nameOf = (raw: Raw): string => (raw.name ??= cString(raw.strtab, raw.nameOffset));
    raws.sort((a, b) => {
      if (a.address !== b.address) return a.address < b.address ? -1 : 1;
      const x = nameOf(a);
      const y = nameOf(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const symbols: MinimalSymbol[] = [];
    for (let index = 0; index < raws.length; index++) {
      const raw = raws[index]!;
      const before = raws[index - 1];
      // Duplicates (the same symbol in .symtab and .dynsym) are merged: same address, same name.
      if (before && before.address === raw.address && nameOf(before) === nameOf(raw)) continue;
      symbols.push(new LazySymbol(raw.address, raw.size, raw.strtab, raw.nameOffset, raw.name));
    }
    return new MinimalSymbols(symbols);
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
    let hi = partitionPoint(addresses.length, (index) => addresses[index]! <= address) - 1;
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

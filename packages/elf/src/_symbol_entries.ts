// The raw entries of one symbol table and their names: what the hash tables, the name index and
// the address index of a SymbolTable read, without decoding whole symbols.

import { SHN_UNDEF, STB_LOCAL } from "./constants.js";
import type { ElfFile, SectionHeader } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";
import type { ElfSymbol } from "./elf_symbols.js";

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/**
 * The entries of an `SHT_SYMTAB` or `SHT_DYNSYM` section checked by `SymbolTable`, read field by
 * field, with the linked string table and `.gnu.version`.
 * @internal
 */
export class SymbolEntries {
  /** Number of entries, the null symbol 0 included. */
  readonly count: number;
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** Bytes per entry: 24 for `Elf64_Sym`, 16 for `Elf32_Sym`. */
  readonly entsize: number;
  /** The section's bytes. */
  readonly view: DataView;
  readonly #elf: ElfFile;
  readonly #section: SectionHeader;
  readonly #strings: SectionHeader;
  readonly #strtab: Uint8Array;
  readonly #versymSection: SectionHeader | undefined;
  #versym: DataView | null | undefined;

  /**
   * @param elf the file.
   * @param section the symbol table, its `sh_entsize` and `sh_size` checked.
   * @param strings the string table it links to.
   * @param versymSection the `SHT_GNU_versym` section linked to it, if any.
   */
  constructor(elf: ElfFile, section: SectionHeader, strings: SectionHeader, versymSection: SectionHeader | undefined) {
    this.#elf = elf;
    this.#section = section;
    this.#strings = strings;
    this.#versymSection = versymSection;
    this.is64 = elf.is64;
    this.littleEndian = elf.littleEndian;
    this.entsize = elf.is64 ? 24 : 16;
    const data = elf.sectionBytes(section);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.count = section.sh_size / this.entsize;
    // Plain Uint8Array views: Node's Buffer subclass makes every subarray() slower.
    const names = this.count === 0 ? new Uint8Array(0) : elf.sectionBytes(strings);
    this.#strtab = new Uint8Array(names.buffer, names.byteOffset, names.byteLength);
  }

  /** The symbol at `index` (in range), its name decoded. */
  symbol(index: number): ElfSymbol {
    const view = this.view;
    const le = this.littleEndian;
    const at = index * this.entsize;
    const st_name = view.getUint32(at, le);
    let st_value: bigint;
    let st_size: bigint;
    let st_info: number;
    let st_other: number;
    let st_shndx: number;
    if (this.is64) {
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
      name: this.name(index, st_name),
      st_value,
      st_size,
      st_info,
      st_other,
      st_shndx,
      type: st_info & 0xf,
      bind: st_info >> 4,
    };
  }

  /** `st_name` of symbol `index`. */
  nameOffset(index: number): number {
    return this.view.getUint32(index * this.entsize, this.littleEndian);
  }

  /** The name at `st_name` for symbol `index`; throws the malformed-name error when it is outside the string table. */
  name(index: number, st_name: number): string {
    const strtab = this.#strtab;
    if (st_name >= strtab.length) {
      if (st_name === 0) return "";
      const section = this.#section;
      throw new ElfFormatError(
        `Symbol ${index} of ${section.name || "the symbol table"} at offset ${hex(section.sh_offset + index * this.entsize)}: st_name ${hex(st_name)} is outside ${this.#strings.name || "its string table"} (${strtab.length} bytes)`,
        { offset: section.sh_offset + index * this.entsize, code: "bad-value" },
      );
    }
    return decodeName(strtab, st_name);
  }

  /** Whether symbol `index`'s name equals `query` (UTF-8, no NUL), comparing bytes. */
  nameEquals(index: number, query: Uint8Array): boolean {
    const st_name = this.nameOffset(index);
    const strtab = this.#strtab;
    if (st_name >= strtab.length) this.name(index, st_name); // throws the malformed-name error
    const end = st_name + query.length;
    if (end > strtab.length) return false;
    if (end < strtab.length && strtab[end] !== 0) return false;
    for (let i = 0; i < query.length; i++) if (strtab[st_name + i] !== query[i]) return false;
    return true;
  }

  /** `st_shndx` of symbol `index`. */
  shndx(index: number): number {
    return this.view.getUint16(index * this.entsize + (this.is64 ? 6 : 14), this.littleEndian);
  }

  /** `st_info` of symbol `index`. */
  info(index: number): number {
    return this.view.getUint8(index * this.entsize + (this.is64 ? 4 : 12));
  }

  /** Whether the symbol's version is hidden (a non-default `@` version in `.gnu.version`). */
  hidden(index: number): boolean {
    if (this.#versym === undefined) {
      const section = this.#versymSection;
      if (section && section.sh_offset + section.sh_size <= this.#elf.source.size) {
        const bytes = this.#elf.sectionBytes(section);
        this.#versym = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } else this.#versym = null;
    }
    const versym = this.#versym;
    if (versym === null || index * 2 + 2 > versym.byteLength) return false;
    return (versym.getUint16(index * 2, this.littleEndian) & 0x8000) !== 0;
  }

  /** Preference among same-named symbols: 0 is best; -1 for undefined symbols (never returned). */
  nameRank(index: number): number {
    if (this.shndx(index) === SHN_UNDEF) return -1;
    return (this.hidden(index) ? 2 : 0) + (this.info(index) >> 4 === STB_LOCAL ? 1 : 0);
  }
}

/** A name as the bytes a string table holds (UTF-8); ASCII without the TextEncoder. @internal */
export function encodeName(name: string): Uint8Array {
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

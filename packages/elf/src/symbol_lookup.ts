import { SHT_DYNSYM, SHT_SYMTAB } from "./constants.js";
import type { ElfFile } from "./elf_file.js";
import { type ElfSymbol, SymbolTable } from "./elf_symbols.js";

const cache = new WeakMap<ElfFile, ElfSymbols>();

/**
 * Symbol lookups over a whole file: `.dynsym` (with its hash section) and `.symtab`, each opened
 * on first use. {@link ElfSymbols.of} keeps one instance per {@link ElfFile}, so the indexes a
 * lookup builds are built once per file.
 *
 * @example
 * ```ts
 * import { ElfFile, ElfSymbols, bufferSource } from "@corestack/elf";
 * const elf = new ElfFile(source); // e.g. libpython3.12.so mapped with @corestack/mmap
 * const symbols = ElfSymbols.of(elf);
 * symbols.byName("_PyRuntime")?.st_value; // reads only .gnu.hash, .dynsym and .dynstr pages
 * symbols.at(pc - bias)?.name; // e.g. "_PyEval_EvalFrameDefault", from .symtab when present
 * ```
 */
export class ElfSymbols {
  /** The file. */
  readonly elf: ElfFile;
  #dynsym: SymbolTable | null | undefined;
  #symtab: SymbolTable | null | undefined;

  /**
   * The shared instance for a file.
   *
   * @param elf a parsed file.
   * @returns the same instance for the same `elf` object.
   * @example
   * ```ts
   * ElfSymbols.of(elf) === ElfSymbols.of(elf); // true
   * ```
   */
  static of(elf: ElfFile): ElfSymbols {
    let symbols = cache.get(elf);
    if (!symbols) {
      symbols = new ElfSymbols(elf);
      cache.set(elf, symbols);
    }
    return symbols;
  }

  /**
   * A new, uncached instance; prefer {@link ElfSymbols.of}.
   *
   * @param elf a parsed file.
   * @example
   * ```ts
   * const symbols = new ElfSymbols(elf);
   * ```
   */
  constructor(elf: ElfFile) {
    this.elf = elf;
  }

  /**
   * The first `SHT_DYNSYM` section as a table, opened on first access.
   *
   * @returns the table, or undefined when the file has none.
   * @throws {ElfFormatError} when its section headers are malformed.
   * @example
   * ```ts
   * ElfSymbols.of(elf).dynsym?.count;
   * ```
   */
  get dynsym(): SymbolTable | undefined {
    if (this.#dynsym === undefined) {
      const section = this.elf.sections.find((s) => s.sh_type === SHT_DYNSYM);
      this.#dynsym = section ? new SymbolTable(this.elf, section) : null;
    }
    return this.#dynsym ?? undefined;
  }

  /**
   * The first `SHT_SYMTAB` section as a table, opened on first access.
   *
   * @returns the table, or undefined when the file is stripped.
   * @throws {ElfFormatError} when its section headers are malformed.
   * @example
   * ```ts
   * ElfSymbols.of(elf).symtab?.count;
   * ```
   */
  get symtab(): SymbolTable | undefined {
    if (this.#symtab === undefined) {
      const section = this.elf.sections.find((s) => s.sh_type === SHT_SYMTAB);
      this.#symtab = section ? new SymbolTable(this.elf, section) : null;
    }
    return this.#symtab ?? undefined;
  }

  /**
   * The defined symbol with this name: from `.dynsym` first (through its hash section, reading
   * only a few pages), then from `.symtab` (building its name index on the first miss).
   *
   * @param name the exact name, without version.
   * @returns the symbol, or undefined when neither table defines it.
   * @throws {ElfFormatError} when a table or hash section is malformed.
   * @example
   * ```ts
   * const runtime = ElfSymbols.of(elf).byName("_PyRuntime");
   * if (runtime) memory.read(bias + runtime.st_value, 8);
   * ```
   */
  byName(name: string): ElfSymbol | undefined {
    return this.dynsym?.byName(name) ?? this.symtab?.byName(name);
  }

  /**
   * The symbol for an address: a sized symbol containing it (from `.symtab`, else `.dynsym`),
   * else the nearest preceding function or object of either table.
   *
   * @param address an unrelocated address (subtract the load bias).
   * @returns the symbol, or undefined.
   * @throws {ElfFormatError} when a table is malformed.
   * @example
   * ```ts
   * const symbol = ElfSymbols.of(elf).at(pc - bias);
   * ```
   */
  at(address: bigint): ElfSymbol | undefined {
    const symtab = this.symtab;
    const dynsym = this.dynsym;
    const inside = symtab?.containing(address) ?? dynsym?.containing(address);
    if (inside) return inside;
    const fromSymtab = symtab?.at(address);
    const fromDynsym = dynsym?.at(address);
    if (!fromSymtab) return fromDynsym;
    if (!fromDynsym) return fromSymtab;
    return fromDynsym.st_value > fromSymtab.st_value ? fromDynsym : fromSymtab;
  }
}

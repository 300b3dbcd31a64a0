import {
  type ByteSource,
  type CoreFile,
  ElfFile,
  ElfFormatError,
  ElfSymbols,
  type FileMapping,
  buildId,
  buildIdFromImage,
  buildIdHex,
  bufferSource,
  firstLoadVaddr,
} from "@corestack/elf";
import { PT_LOAD, machineName } from "@corestack/elf/constants";
import { SymbolsError } from "./symbols_error.js";
import type { ResolvedSymbol } from "./core_target.js";

/**
 * The most files of one process looked for in vain; the rest are not looked for (said once). A
 * real process maps a few hundred files; a crafted core can list a million paths named like
 * Python, and each search costs system calls.
 */
export const MAX_MISSING_MODULES = 1024;

interface ModuleInit {
  readonly path: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly mappings: readonly FileMapping[];
  readonly candidates: () => string[];
  readonly open: (path: string) => ByteSource;
  readonly warn: (message: string) => void;
  readonly core: CoreFile;
  /** Shared by the modules of one target: how many could not be found (see {@link MAX_MISSING_MODULES}). */
  readonly missing?: { count: number };
  /** The load bias when known without the file (the dynamic linker's `l_addr`, for a module map built from its list). */
  readonly bias?: bigint;
  /** Paths already tried and refused (with why), said before the candidates' in the error. */
  readonly tried?: readonly string[];
}

const PAGE = 4096n;

/**
 * One ELF file mapped in the process (executable, shared library, extension module). Its file is
 * located, opened and parsed on first use, once; failures are remembered, not retried.
 *
 * @example
 * ```ts
 * const python = target.modules()[0];
 * python.elf?.header.e_type; python.bias; python.symbol("Py_Version")?.address;
 * ```
 */
export class Module {
  /** The path the process had mapped. */
  readonly path: string;
  readonly start: bigint;
  readonly end: bigint;
  readonly mappings: readonly FileMapping[];
  #init: ModuleInit;
  #loaded = false;
  #source: ByteSource | undefined;
  #elf: ElfFile | undefined;
  #resolvedPath: string | undefined;
  #error: SymbolsError | undefined;
  /** Not looked for: past {@link MAX_MISSING_MODULES}; the error is made when asked for. */
  #notLookedFor = false;
  #bias: bigint | undefined;
  /** The core's build-id of the image; null: looked for, not there. */
  #coreId: string | null | undefined;

  /** @param init what the module map knows of the file. @internal */
  constructor(init: ModuleInit) {
    this.#init = init;
    this.path = init.path;
    this.start = init.start;
    this.end = init.end;
    this.mappings = init.mappings;
  }

  /**
   * Whether one of this module's mappings contains `address`.
   * @param address a run-time address.
   * @returns true when mapped from this file.
   */
  contains(address: bigint): boolean {
    if (address < this.start || address >= this.end) return false;
    return this.mappings.some((m) => m.start <= address && address < m.end);
  }

  /**
   * The build-id of the mapped image, read from the core's copy of its first pages (its ELF header,
   * program headers and `PT_NOTE` segments, in place: no {@link ElfFile} is made), if dumped and
   * readable; found once.
   */
  coreBuildId(): string | undefined {
    if (this.#coreId !== undefined) return this.#coreId ?? undefined;
    this.#coreId = null;
    try {
      const page = this.#corePages();
      const id = page === undefined ? undefined : buildIdFromImage(bufferSource(page));
      if (id !== undefined) this.#coreId = buildIdHex(id);
    } catch (error) {
      // A malformed image (a crafted core's) has no build-id. The pages are read within one dumped
      // segment, and buildIdFromImage reads only inside them: its format errors are all it throws.
      if (!ElfFormatError.isInstance(error)) throw error;
    }
    return this.#coreId ?? undefined;
  }

  /** The core's copy of the mapping's first pages (up to 64 KiB of its first dumped segment), if dumped. */
  #corePages(): Uint8Array | undefined {
    const segment = this.#init.core.segmentAt(this.start);
    return segment ? this.#init.core.read(this.start, Math.min(Number(segment.end - this.start), 16 * 4096)) : undefined;
  }

  /** Whether the file has been looked for already (so asking for `elf` costs nothing). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * The load bias computed from the program headers in the core's copy of the module's first
   * page, without opening the file.
   * @returns the bias, or undefined when that page was not dumped or is not an ELF header.
   */
  biasFromCore(): bigint | undefined {
    // The headers read in place, no ElfFile made (it gives the same answer): every loaded object's
    // bias is asked for when the link map is checked.
    // (The pages are read within one dumped segment: that read cannot fail.)
    const pages = this.#corePages();
    const vaddr = pages === undefined ? undefined : firstLoadVaddr(pages);
    return vaddr === undefined ? undefined : this.start - (vaddr & ~(PAGE - 1n));
  }

  #load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    const missing = this.#init.missing;
    if (missing !== undefined && missing.count >= MAX_MISSING_MODULES) {
      // Made when asked for (see `error`): a crafted core has 262 144 modules, and an error
      // object (with its stack) each is a second of work nobody reads.
      this.#notLookedFor = true;
      return;
    }
    const tried: string[] = [...(this.#init.tried ?? [])];
    const expected = this.coreBuildId();
    let fallback: { path: string; source: ByteSource; elf: ElfFile; id: string | undefined } | undefined;
    for (const candidate of this.#init.candidates()) {
      let source: ByteSource;
      try {
        source = this.#init.open(candidate);
      } catch (error) {
        // Not there is the common case, said by the path alone; any other reason is named.
        const why = openFailure(error);
        tried.push(why === undefined ? candidate : `${candidate} (${why})`);
        continue;
      }
      let elf: ElfFile;
      try {
        elf = new ElfFile(source);
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        tried.push(`${candidate} (not an ELF file)`);
        continue;
      }
      // A file of another machine is never the one mapped: an aarch64 core read on x86-64 names
      // /usr/bin/python3.11, which is this machine's own interpreter.
      const core = this.#init.core.elf;
      if (elf.header.e_machine !== core.header.e_machine || elf.is64 !== core.is64) {
        tried.push(`${candidate} (${machineName(elf.header.e_machine)}, the core is ${machineName(core.header.e_machine)})`);
        continue;
      }
      const raw = readBuildId(elf);
      const id = raw ? buildIdHex(raw) : undefined;
      if (expected === undefined || id === expected) {
        this.#source = source;
        this.#elf = elf;
        this.#resolvedPath = candidate;
        return;
      }
      tried.push(`${candidate} (build-id ${id ?? "none"})`);
      fallback ??= { path: candidate, source, elf, id };
    }
    if (fallback) {
      this.#init.warn(`${fallback.path} is not the file the process had mapped: its build-id is ${fallback.id ?? "missing"}, the core's is ${expected}`);
      this.#source = fallback.source;
      this.#elf = fallback.elf;
      this.#resolvedPath = fallback.path;
      return;
    }
    this.#error = new SymbolsError(`Cannot find ${this.path}: tried ${tried.join(", ")}`, { code: "file-not-found", path: this.path });
    if (missing !== undefined && ++missing.count === MAX_MISSING_MODULES) {
      this.#init.warn(`${MAX_MISSING_MODULES} files the process had mapped were not found: the others are not looked for`);
    }
  }

  /** The file's bytes, or undefined when it could not be located. */
  source(): ByteSource | undefined {
    this.#load();
    return this.#source;
  }

  /** The parsed file, or undefined when it could not be located (see {@link Module.error}). */
  get elf(): ElfFile | undefined {
    this.#load();
    return this.#elf;
  }

  /** Why the file could not be used, when it could not. */
  get error(): SymbolsError | undefined {
    this.#load();
    if (this.#notLookedFor && this.#error === undefined) {
      this.#error = new SymbolsError(`Cannot find ${this.path}: not looked for, after ${MAX_MISSING_MODULES} files of the process were not found`, {
        code: "file-not-found",
        path: this.path,
      });
    }
    return this.#error;
  }

  /** The path the file was found at. */
  get resolvedPath(): string | undefined {
    this.#load();
    return this.#resolvedPath;
  }

  /**
   * The load bias: run-time address minus link-time address.
   * @returns the bias (0 for non-PIE executables), or undefined when the file is missing.
   */
  get bias(): bigint | undefined {
    if (this.#bias !== undefined) return this.#bias;
    const elf = this.elf;
    if (!elf) return undefined;
    if (this.#init.bias !== undefined) return (this.#bias = this.#init.bias);
    const loads = elf.programHeaders.filter((p) => p.p_type === PT_LOAD);
    for (const load of loads) {
      const pageOffset = BigInt(load.p_offset) & ~(PAGE - 1n);
      const mapping = this.mappings.find((m) => m.fileOffset === pageOffset);
      if (mapping) {
        this.#bias = mapping.start - (load.p_vaddr & ~(PAGE - 1n));
        return this.#bias;
      }
    }
    this.#bias = this.start;
    return this.#bias;
  }

  /**
   * The run-time address and size of a section (e.g. `.PyRuntime`).
   * @param name the section name.
   * @returns the address and size, or undefined when the file or the section is missing.
   */
  sectionAddress(name: string): { address: bigint; size: number } | undefined {
    const section = this.elf?.section(name);
    const bias = this.bias;
    if (!section || bias === undefined || section.sh_addr === 0n) return undefined;
    return { address: section.sh_addr + bias, size: section.sh_size };
  }

  /**
   * The bytes of a section of the file, as stored (e.g. `.rodata`).
   * @param name the section name.
   * @returns a view of the bytes, or undefined when the file or the section is missing.
   */
  sectionBytes(name: string): Uint8Array | undefined {
    const elf = this.elf;
    const section = elf?.section(name);
    if (!elf || !section) return undefined;
    try {
      return elf.sectionBytes(section);
    } catch (error) {
      if (ElfFormatError.isInstance(error)) return undefined;
      throw error;
    }
  }

  /**
   * A symbol of this file by name, at its run-time address.
   * @param name the symbol name, without version.
   * @param exported look in `.dynsym` only (through its hash section: a miss reads a few pages,
   *   where a `.symtab` miss builds that table's whole name index).
   * @returns the symbol, or undefined when absent or the file is missing.
   */
  symbol(name: string, exported = false): ResolvedSymbol | undefined {
    const elf = this.elf;
    const bias = this.bias;
    if (!elf || bias === undefined) return undefined;
    const symbols = ElfSymbols.of(elf);
    const symbol = exported ? symbols.dynsym?.byName(name) : symbols.byName(name);
    if (!symbol || symbol.st_shndx === 0) return undefined;
    return { name: symbol.name, address: symbol.st_value + bias, size: symbol.st_size, module: this };
  }

  /**
   * The symbol containing (or nearest before) a run-time address.
   * @param address a run-time address inside this module.
   * @returns the symbol and the offset of `address` in it.
   */
  symbolAt(address: bigint): (ResolvedSymbol & { offset: bigint }) | undefined {
    const elf = this.elf;
    const bias = this.bias;
    if (!elf || bias === undefined) return undefined;
    const symbol = ElfSymbols.of(elf).at(address - bias);
    if (!symbol) return undefined;
    const start = symbol.st_value + bias;
    return { name: symbol.name, address: start, size: symbol.st_size, module: this, offset: address - start };
  }
}

/**
 * Why a file could not be opened, in a few words, or undefined when it is simply not there.
 * Permission problems especially: "Cannot find /usr/lib/libpython3.12.so: tried …" without
 * them sends the user looking for a file that is there.
 */
function openFailure(error: unknown): string | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === "ENOENT" || code === "ENOTDIR") return undefined;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR" || code === "not-a-file") return "not a regular file";
  if (code === "ELOOP") return "too many symbolic links";
  // Node's system errors start with their code ("EIO: i/o error, open '…'").
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 200);
}

/**
 * The build-id of a file or image, undefined when it has none or its notes are malformed: the
 * file is then used unverified, as when the core lacks the module's first page (a format error
 * escaping here would end the whole analysis as an internal error).
 */
function readBuildId(elf: ElfFile): Uint8Array | undefined {
  try {
    return buildId(elf);
  } catch (error) {
    if (ElfFormatError.isInstance(error)) return undefined;
    throw error;
  }
}

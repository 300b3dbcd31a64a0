import { type ByteSource, type CoreFile, type FileMapping, MemoryError, type Memory, type PrStatus } from "@corestack/elf";
import { AT_ENTRY, AT_PHDR, AT_PHNUM, EM_386, EM_AARCH64, EM_X86_64, PT_LOAD, machineName } from "@corestack/elf/constants";
import { openFile } from "@corestack/mmap";
import { fileLocator, type LocateOptions } from "./locate_file.js";
import { type LinkMapEntry, readLinkMap } from "./link_map.js";
import { linkMapModules } from "./link_map_modules.js";
import { moduleMappings, type ModuleMappings } from "./module_map.js";
import { Module } from "./module.js";
import { compareBigints, countStartingAtOrBelow } from "./_search.js";

/** A thread of the target: its OS thread id and registers. */
export interface TargetThread {
  readonly tid: number;
  readonly registers: Readonly<Record<string, bigint>>;
}

/** A symbol resolved in the target's address space. */
export interface ResolvedSymbol {
  readonly name: string;
  /** Run-time address (load bias applied). */
  readonly address: bigint;
  readonly size: bigint;
  readonly module: Module;
}

/**
 * What every analysis needs from a process, whether a core or (later) a live process: memory,
 * threads, modules, and symbols.
 */
export interface Target extends Memory {
  threads(): readonly TargetThread[];
  modules(): readonly Module[];
  /**
   * The address of a symbol by name, searching the modules `prefer` accepts first, then the rest.
   */
  findSymbol(name: string, options?: { prefer?: (module: Module) => boolean; only?: boolean; exported?: boolean }): ResolvedSymbol | undefined;
  /** The symbol containing (or nearest before) an address. */
  symbolAt(address: bigint): (ResolvedSymbol & { offset: bigint }) | undefined;
}

/** Options of {@link CoreTarget}. */
export interface CoreTargetOptions extends LocateOptions {
  /** Opens a file as bytes; defaults to `@corestack/mmap`'s `openFile` (one mapping per path). */
  readonly open?: (path: string) => ByteSource;
  /** The executable, when the user named it; replaces the recorded one. */
  readonly executable?: string;
  /** Receives warnings (a build-id mismatch, a module that could not be opened). */
  readonly warn?: (message: string) => void;
}

/**
 * The {@link Target} of a core file: memory from the core's dumped segments first, then from the
 * mapped files' own bytes for file-backed pages the kernel did not dump; modules from `NT_FILE`,
 * each located on disk, opened and parsed once, on first use.
 *
 * @example
 * ```ts
 * const target = new CoreTarget(core, { searchPath: ["/opt/lib"] });
 * const runtime = target.findSymbol("_PyRuntime");
 * if (runtime) target.read(runtime.address, 8);
 * ```
 */
export class CoreTarget implements Target {
  readonly core: CoreFile;
  readonly #modules: Module[];
  readonly #modulesByPath: Map<string, Module>;
  /** The core's file mappings as disjoint pieces in address order (see {@link disjointPieces}). */
  readonly #mappings: Piece[];
  /** The same for the mappings of modules only, each with its module. */
  readonly #moduleMappings: (Piece & { readonly module: Module })[];
  /** Address ranges the core's `PT_LOAD` headers say were dumped, but the (truncated) file lacks: disjoint, in address order. */
  readonly #lost: Piece[];
  /** The link map read to build the module map, when the core has no `NT_FILE`. */
  #linkMap: { entries: LinkMapEntry[]; problems: string[] } | undefined;
  /**
   * Where the module map comes from: the core's `NT_FILE` note, or (a core without one) the
   * dynamic linker's list in memory with each file's own headers.
   */
  readonly moduleSource: "NT_FILE" | "link-map" = "NT_FILE";
  /** The modules a `findSymbol` filter prefers, and all of them in that order, per filter. */
  readonly #preferred = new WeakMap<(module: Module) => boolean, { preferred: Module[]; all: Module[] }>();

  /**
   * @param core the parsed core.
   * @param options where to find files and how to open them.
   */
  constructor(core: CoreFile, options: CoreTargetOptions = {}) {
    this.core = core;
    const locate = fileLocator(options);
    const open = options.open ?? ((path: string) => openFile(path));
    const warn = options.warn ?? (() => {});
    const missing = { count: 0 };
    const executable = options.executable;
    // The executable is the module holding the entry point (AT_ENTRY); the user's EXECUTABLE replaces it.
    const entry = core.auxvValue(AT_ENTRY);
    let mapped: (ModuleMappings & { readonly bias?: bigint; readonly file?: string | undefined; readonly tried?: readonly string[] })[];
    let fileMappings: readonly FileMapping[];
    if (core.mappings.length > 0) {
      mapped = moduleMappings(core);
      fileMappings = core.mappings;
    } else {
      // No NT_FILE (qemu-user, some embedded and older core writers): the dynamic linker's list says
      // which files are loaded, and their headers where.
      const built = linkMapModules(core, { locate, open, executable });
      mapped = built.modules;
      fileMappings = built.modules.flatMap((m) => m.mappings).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      this.#linkMap = { entries: [...built.entries], problems: built.problems };
      this.moduleSource = "link-map";
    }
    let executableIndex = mapped.findIndex((m) => entry !== undefined && m.start <= entry && entry < m.end);
    if (executableIndex < 0) executableIndex = 0;
    this.#modules = mapped.map(
      (m, index) =>
        new Module({
          path: m.path,
          start: m.start,
          end: m.end,
          mappings: m.mappings,
          // Built from the link map: the file whose headers fitted, and none when none did (each was
          // refused for a reason the error repeats).
          candidates: () => {
            if (m.tried !== undefined) return m.file !== undefined ? [m.file] : [];
            return [...new Set(index === executableIndex && executable ? [executable, ...locate(m.path)] : locate(m.path))];
          },
          ...(m.tried !== undefined && m.tried.length > 0 ? { tried: m.tried } : {}),
          open,
          warn,
          core,
          missing,
          ...(m.bias !== undefined ? { bias: m.bias } : {}),
        }),
    );
    // A core may list a million mappings and segments: every lookup per read is a binary search.
    this.#modulesByPath = new Map();
    for (const module of this.#modules) if (!this.#modulesByPath.has(module.path)) this.#modulesByPath.set(module.path, module);
    // core.mappings are in address order already: the modules' mappings, taken from them in that
    // order, need no sort of their own (each module's own list is that order too). Linear, after
    // the core's one O(n log n) sort (none for a kernel's note, already sorted).
    this.#mappings = disjointPieces(fileMappings);
    const modulePieces: (FileMapping & { readonly module: Module })[] = [];
    for (const mapping of fileMappings) {
      const module = this.#modulesByPath.get(mapping.path);
      if (module !== undefined) modulePieces.push({ ...mapping, module });
    }
    this.#moduleMappings = disjointPieces(modulePieces);
    const size = core.elf.source.size;
    this.#lost = disjointPieces(
      core.elf.programHeaders
        .filter((p) => p.p_type === PT_LOAD && p.p_filesz > 0 && p.p_offset + p.p_filesz > size)
        .map((p) => ({ start: p.p_vaddr + BigInt(Math.max(0, size - p.p_offset)), end: p.p_vaddr + BigInt(p.p_filesz), fileOffset: 0n }))
        .sort((a, b) => compareBigints(a.start, b.start)),
    );
  }

  /** The process's machine as `uname -m` names it (`x86_64`, `aarch64`, `i686`), from the core's `e_machine`. */
  get machine(): string {
    const machine = this.core.elf.header.e_machine;
    return machine === EM_X86_64 ? "x86_64" : machine === EM_AARCH64 ? "aarch64" : machine === EM_386 ? "i686" : machineName(machine);
  }

  threads(): readonly TargetThread[] {
    return this.core.threads.map((t: PrStatus) => ({ tid: t.tid, registers: t.registers }));
  }

  modules(): readonly Module[] {
    return this.#modules;
  }

  /**
   * The module whose mappings contain `address`.
   * @param address a run-time address.
   * @returns the module, or undefined.
   */
  moduleAt(address: bigint): Module | undefined {
    return pieceAt(this.#moduleMappings, address)?.module;
  }

  read(address: bigint, length: number): Uint8Array {
    // Not dumped (a read-only mapping of a file, often): no error made before looking elsewhere.
    return this.core.readIfDumped(address, length) ?? this.#readSlow(address, length);
  }

  #readSlow(address: bigint, length: number): Uint8Array {
    // Piece the range together from dumped segments and file-backed mappings.
    const result = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = address + BigInt(done);
      const segment = this.core.segmentAt(at);
      let take: number;
      if (segment) {
        take = Math.min(length - done, Number(segment.end - at));
        result.set(this.core.read(at, take), done);
      } else {
        // Dumped, but cut off by a truncated core: the file's bytes are not what the process had.
        if (pieceAt(this.#lost, at)) throw new MemoryError(at, length - done, "not in the core: the core file is truncated");
        const mapping = pieceAt(this.#mappings, at);
        if (!mapping) {
          throw done === 0
            ? new MemoryError(address, length, "not dumped in the core")
            : new MemoryError(at, length - done, "not dumped in the core and not file-backed");
        }
        const module = this.#modulesByPath.get(mapping.path);
        const source = module?.source();
        if (!source) throw new MemoryError(at, length - done, `not dumped, and ${mapping.path} could not be opened`);
        const fileOffset = mapping.fileOffset + (at - mapping.start);
        take = Math.min(length - done, Number(mapping.end - at));
        const next = this.core.segments[firstAfter(this.core.segments, at)];
        if (next && next.start - at < BigInt(take)) take = Number(next.start - at);
        if (fileOffset + BigInt(take) > BigInt(source.size)) {
          throw new MemoryError(at, length - done, `beyond the end of ${mapping.path}`);
        }
        result.set(source.bytes(Number(fileOffset), take), done);
      }
      done += take;
    }
    return result;
  }

  /**
   * Cross-checks the module map (from `NT_FILE`) with the dynamic linker's `link_map` list in
   * memory: every loaded object should be a module, at the same load bias.
   * @returns the link map (empty when not in memory) and one sentence per disagreement.
   */
  checkLinkMap(): { entries: LinkMapEntry[]; problems: string[] } {
    // Built from the link map: what stopped it being built whole is the check's answer.
    if (this.#linkMap) return { entries: [...this.#linkMap.entries], problems: [...this.#linkMap.problems] };
    const { entries, problems } = readLinkMap(this, {
      phdr: this.core.auxvValue(AT_PHDR),
      phnum: this.core.auxvValue(AT_PHNUM),
      is64: this.core.elf.is64,
      littleEndian: this.core.elf.littleEndian,
    });
    for (const entry of entries) {
      const module = this.moduleAt(entry.dynamic);
      if (!module) {
        // The vDSO is mapped by the kernel, not from a file: NT_FILE does not list it.
        if (!entry.name.startsWith("linux-vdso") && !entry.name.startsWith("linux-gate")) {
          problems.push(`${entry.name || "the executable"} is in the link map but not in the core's file mappings`);
        }
        continue;
      }
      // Files already opened answer from their headers; the others from the core's copy of their
      // first page, so the check opens nothing.
      const bias = module.loaded && module.elf ? module.bias : module.biasFromCore();
      if (bias !== undefined && bias !== entry.bias) {
        problems.push(`${module.path}: load bias 0x${bias.toString(16)} from the mappings, 0x${entry.bias.toString(16)} in the link map`);
      }
    }
    return { entries, problems };
  }

  findSymbol(name: string, options: { prefer?: (module: Module) => boolean; only?: boolean; exported?: boolean } = {}): ResolvedSymbol | undefined {
    const prefer = options.prefer;
    let ordered: readonly Module[] = this.#modules;
    if (prefer) {
      // Asked a few times per analysis with the same filter: split the modules once for it.
      let split = this.#preferred.get(prefer);
      if (split === undefined) {
        const preferred: Module[] = [];
        const rest: Module[] = [];
        for (const module of this.#modules) (prefer(module) ? preferred : rest).push(module);
        this.#preferred.set(prefer, (split = { preferred, all: [...preferred, ...rest] }));
      }
      ordered = options.only ? split.preferred : split.all;
    }
    for (const module of ordered) {
      const found = module.symbol(name, options.exported);
      if (found) return found;
    }
    return undefined;
  }

  symbolAt(address: bigint): (ResolvedSymbol & { offset: bigint }) | undefined {
    return this.moduleAt(address)?.symbolAt(address);
  }
}

/** A part of a mapping (or a lost range): its own start, and the file offset of that start. */
interface Piece {
  readonly start: bigint;
  readonly end: bigint;
  readonly fileOffset: bigint;
  readonly path: string;
}

/**
 * Ranges sorted by start, cut into disjoint pieces in address order: each address falls in the
 * piece of the first range (in that order) holding it, as a linear search would find it. Real
 * mappings never overlap; crafted ones resolve as before, in logarithmic time.
 */
function disjointPieces<T extends { start: bigint; end: bigint; fileOffset: bigint }>(sorted: readonly T[]): (T & Piece)[] {
  const pieces: (T & Piece)[] = [];
  let covered: bigint | undefined;
  for (const range of sorted) {
    if (range.end <= range.start || (covered !== undefined && range.end <= covered)) continue;
    const start = covered !== undefined && covered > range.start ? covered : range.start;
    pieces.push({ path: "", ...range, start, fileOffset: range.fileOffset + (start - range.start) });
    covered = range.end;
  }
  return pieces;
}

/** The index of the first range starting after `address` in ranges sorted by start (their length when none). */
function firstAfter(sorted: readonly { readonly start: bigint }[], address: bigint): number {
  return countStartingAtOrBelow(sorted, address);
}

/** The piece holding `address`, in disjoint pieces. */
function pieceAt<T extends Piece>(pieces: readonly T[], address: bigint): T | undefined {
  const piece = pieces[firstAfter(pieces, address) - 1];
  return piece && address < piece.end ? piece : undefined;
}

import { DwarfFormatError, type FunctionsAt } from "@corestack/dwarf";
import { DW_TAG_inlined_subroutine } from "@corestack/dwarf/constants";
import type { UnitScan } from "./_call_sites.js";
import type { ByteSource } from "@corestack/elf";
import { openFile } from "@corestack/mmap";
import { demangle as defaultDemangle } from "./demangle.js";
import { ImageInfo } from "./_image_info.js";
import type { ModuleImage } from "./module_image.js";

/** One function at an address: the physical one, or a call inlined into it. */
export interface SymbolizedFunction {
  /** The name as gdb prints it: DWARF's linkage name (demangled) or name, else the symbol's (demangled); undefined when nothing names it. */
  readonly name: string | undefined;
  /** The name before demangling, when it was mangled. */
  readonly mangledName?: string | undefined;
  /** True for a call inlined into the function after it in the list. */
  readonly inlined: boolean;
  /** The source file, as the line program names it (joined to its directory as addr2line does). */
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** What a {@link Symbolizer} says about an address. */
export interface Symbolization {
  /** The address looked up (for a return address, the address before it: the call instruction). */
  readonly address: bigint;
  /** The image's mapped path, when the address is in one. */
  readonly module: string | undefined;
  /** The symbol-table entry containing (or nearest before) the address, demangled, with the offset of the address in it. */
  readonly symbol?: { readonly name: string; readonly address: bigint; readonly offset: bigint } | undefined;
  /**
   * The functions at the address, innermost first: the inlined calls, then the physical function
   * (`inlined: false`, always last). One entry with `name: undefined` when nothing names it.
   */
  readonly functions: readonly SymbolizedFunction[];
}

/** Options of {@link Symbolizer}. */
export interface SymbolizerOptions {
  /** Global debug directories (default `/usr/lib/debug`), searched by build-id, then by debug link. */
  readonly debugDirectories?: readonly string[] | undefined;
  /** Opens a file as bytes; default `@corestack/mmap`'s `openFile` (each file mapped once per run). */
  readonly open?: ((path: string) => ByteSource) | undefined;
  /** Demangles a name; default {@link demangle} (C++ and Rust); pass `(name) => name` to keep names mangled. */
  readonly demangle?: ((name: string) => string) | undefined;
  /** Receives each problem once: a section that cannot be read, a malformed line program. */
  readonly warn?: ((message: string) => void) | undefined;
}

/**
 * Names addresses of a process's images: function names from DWARF (`DW_AT_linkage_name`,
 * demangled, else `DW_AT_name`) with the inlined calls at the address as their own entries, file
 * and line from the line program of the address's unit, else names from `.symtab`/`.dynsym`.
 * Debugging information and symbols come from the image's file or from its separate debug file
 * (by build-id under the debug directories, then by `.gnu_debuglink`).
 *
 * Lazy and cached per image: nothing of an image is read until an address lands in it; its debug
 * file is looked for once, its sections decompressed once, each unit's line program read once.
 * Malformed debugging information never throws: the answer falls back to the symbol tables and
 * the problem is reported once through `warn`.
 *
 * @example
 * ```ts
 * const symbolizer = new Symbolizer();
 * const module = target.moduleAt(pc)!;
 * const found = symbolizer.symbolize(module, pc - 1n);
 * found.functions.map((f) => `${f.name} ${f.file}:${f.line}`);
 * ```
 */
export class Symbolizer {
  readonly #images = new Map<ModuleImage, ImageInfo>();
  readonly #options: SymbolizerOptions;
  readonly #open: (path: string) => ByteSource;
  readonly #demangle: (name: string) => string;
  readonly #reported = new Map<ImageInfo, number>();
  readonly #warned = new Set<string>();

  /** @param options debug directories, file opening, demangling, warnings. */
  constructor(options: SymbolizerOptions = {}) {
    this.#options = options;
    this.#open = options.open ?? ((path: string) => openFile(path));
    this.#demangle = options.demangle ?? defaultDemangle;
  }

  /**
   * The cached per-image state (also used by the unwinder, for CFI). @internal
   * @param image a module of the target, or the vDSO.
   * @returns its state, made on first call.
   */
  imageInfo(image: ModuleImage): ImageInfo {
    let info = this.#images.get(image);
    if (!info) {
      info = new ImageInfo(image, { open: this.#open, debugDirectories: this.#options.debugDirectories });
      this.#images.set(image, info);
    }
    return info;
  }

  /** The images read so far. @internal */
  knownImages(): Iterable<ImageInfo> {
    return this.#images.values();
  }

  /** Passes a message to `warn`, once. @internal */
  warnOnce(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#options.warn?.(message);
  }

  /** Passes an image's new problems to `warn`, once each. @internal */
  report(info: ImageInfo): void {
    const warn = this.#options.warn;
    const done = this.#reported.get(info) ?? 0;
    if (warn) for (const message of info.problems.slice(done)) warn(message);
    this.#reported.set(info, info.problems.length);
  }

  /**
   * The functions, file and line at a run-time address of an image.
   * @param image the image the address is in (a module of the target, or the vDSO).
   * @param address the run-time address to look up: a frame's pc, or for a caller's frame its
   *   return address minus one (the call), as gdb does.
   * @returns the names found; never throws on malformed files (see the class).
   * @example
   * ```ts
   * symbolizer.symbolize(libc, 0x7f41e1ca3f7an).functions[0]?.name; // "__GI___futex_abstimed_wait_cancelable64"
   * ```
   */
  symbolize(image: ModuleImage, address: bigint): Symbolization {
    const info = this.imageInfo(image);
    const known = info.symbolizations.get(address);
    if (known) return known;
    const result = this.#symbolize(info, image, address);
    if (info.symbolizations.size >= 65_536) info.symbolizations.clear();
    info.symbolizations.set(address, result);
    return result;
  }

  #symbolize(info: ImageInfo, image: ModuleImage, address: bigint): Symbolization {
    const bias = info.bias;
    if (bias === undefined) return { address, module: image.path, functions: [{ name: undefined, inlined: false }] };
    const link = address - bias;
    const symbol = this.#symbolAt(info, link, bias);
    const functions = this.#functionsAt(info, link) ?? [{ name: symbol?.name, mangledName: symbol?.mangledName, inlined: false }];
    this.report(info);
    return {
      address,
      module: image.path,
      symbol: symbol ? { name: symbol.name, address: symbol.address, offset: address - symbol.address } : undefined,
      functions,
    };
  }

  #name(raw: string | undefined): { name: string | undefined; mangledName?: string } {
    if (raw === undefined) return { name: undefined };
    const name = this.#demangle(raw);
    if (name === raw) return { name };
    // gdb's bt prints C++ functions without their parameters (cp_remove_params).
    return { name: raw.startsWith("_Z") ? withoutParameters(name) : name, mangledName: raw };
  }

  #symbolAt(info: ImageInfo, link: bigint, bias: bigint): { name: string; mangledName?: string; address: bigint } | undefined {
    // gdb's rule across a file and its debug file: the symbol at the highest address wins, the
    // first file on a tie.
    let best: { name: string; address: bigint } | undefined;
    for (const table of info.minimalSymbols()) {
      const symbol = table.lookup(link);
      if (symbol && (!best || symbol.address > best.address)) best = symbol;
    }
    if (!best) return undefined;
    const named = this.#name(best.name);
    return { name: named.name ?? best.name, ...(named.mangledName !== undefined ? { mangledName: named.mangledName } : {}), address: best.address + bias };
  }

  /**
   * Two subprograms of one unit over the same addresses (an assembler function and its alias,
   * glibc's `__clone3` and `clone3`): gdb's block search finds the later one, so this does too.
   */
  #lastAlias(info: ImageInfo, found: FunctionsAt, link: bigint): FunctionsAt["frames"] {
    const frames = found.frames;
    if (frames.length !== 1) return frames;
    // Only an assembler's unit has such aliases (each `.type @function` label of one body is a
    // subprogram): a compiler gives each function body one. Other units are not scanned whole.
    const language = found.unit.language;
    if (language !== undefined && language !== DW_LANG_Mips_Assembler) return frames;
    const outer = frames[0]!;
    const scan = info.unitScan(found.unit.offset);
    const low = scan?.subprograms.get(outer.entryOffset)?.lowPc;
    if (!scan || low === undefined) return frames;
    let last: { offset: number; name: string | undefined; linkageName: string | undefined } | undefined;
    for (const [offset, record] of scan.subprograms) {
      if (offset <= outer.entryOffset || record.lowPc !== low || record.highPc === undefined || link >= record.highPc) continue;
      if (!last || offset > last.offset) last = { offset, name: record.name, linkageName: record.linkageName };
    }
    if (!last || (last.name === undefined && last.linkageName === undefined)) return frames;
    return [
      {
        tag: outer.tag,
        entryOffset: last.offset,
        ...(last.name !== undefined ? { name: last.name } : {}),
        ...(last.linkageName !== undefined ? { linkageName: last.linkageName } : {}),
      },
    ];
  }

  #functionsAt(info: ImageInfo, link: bigint): SymbolizedFunction[] | undefined {
    let found: FunctionsAt | undefined;
    try {
      found = info.functionsAt(link);
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      info.problem(`${info.image.path}: the debugging information at 0x${link.toString(16)} cannot be read: ${error.message}`);
      return undefined;
    }
    if (!found || found.frames.length === 0) return undefined;
    found = { ...found, frames: this.#lastAlias(info, found, link) };
    const program = info.lineProgram(found.unit);
    let location: { file: string | undefined; line: number; column: number } | undefined;
    const table = program ? info.gdbLines(program) : undefined;
    const entry = table?.locate(link);
    if (program && entry) location = { file: program.fileName(entry.file), line: entry.line, column: entry.column };
    const result: SymbolizedFunction[] = [];
    let file = location?.file;
    let line = location?.line;
    let column = location?.column;
    const language = found.unit.language;
    const qualify = language !== undefined && (CPLUSPLUS.has(language) || language === DW_LANG_Rust);
    const scan = qualify ? info.unitScan(found.unit.offset) : undefined;
    for (const frame of found.frames) {
      const inlined = frame.tag === DW_TAG_inlined_subroutine;
      // gdb names C++ functions by their linkage name (demangled) when they have one, Rust
      // functions always by their DWARF scopes, other functions by their linkage name or name.
      const scoped = scan && (language === DW_LANG_Rust || frame.linkageName === undefined) ? qualified(scan, frame.entryOffset, frame.name) : undefined;
      const named = scoped !== undefined ? { name: scoped } : this.#name(frame.linkageName ?? frame.name);
      result.push({
        ...named,
        inlined,
        ...(file !== undefined ? { file } : {}),
        ...(line !== undefined && line > 0 ? { line } : {}),
        ...(column !== undefined && column > 0 ? { column } : {}),
      });
      // The next (outer) frame is at the line this one was inlined from.
      file = frame.callFile !== undefined ? program?.fileName(frame.callFile) : undefined;
      line = frame.callLine;
      column = frame.callColumn;
    }
    // The outermost entry is the physical function even when DWARF nests it oddly.
    const last = result[result.length - 1]!;
    if (last.inlined) result[result.length - 1] = { ...last, inlined: false };
    return result;
  }
}

/**
 * A demangled C++ function name without its parameter list and the qualifiers after it, as gdb's
 * `bt` prints it (`cp_remove_params`): `ns::Box<long>::open(int) const` → `ns::Box<long>::open`,
 * `main::{lambda()#1}::operator()() const` → `main::{lambda()#1}::operator()`. A name that does
 * not end with a parameter list is returned as it is.
 * @param name a demangled name.
 * @returns the name without parameters.
 * @example
 * ```ts
 * withoutParameters("outer::inner::unwrap<long>(outer::inner::Box<long> const&, int)"); // "outer::inner::unwrap<long>"
 * ```
 */
export function withoutParameters(name: string): string {
  let end = name.length;
  for (;;) {
    const rest = name.slice(0, end);
    const qualifier = / (const|volatile|restrict|__restrict)$/.exec(rest);
    if (!qualifier) break;
    end -= qualifier[0].length;
  }
  if (name[end - 1] !== ")") return name;
  let depth = 0;
  for (let index = end - 1; index >= 0; index--) {
    const char = name[index];
    if (char === ")") depth++;
    else if (char === "(" && --depth === 0) return index > 0 ? name.slice(0, index) : name;
  }
  return name;
}

/** `DW_LANG_C_plus_plus`, `_03`, `_11`, `_14`, `_17`, `_20`. */
const CPLUSPLUS = new Set<number>([0x04, 0x19, 0x1a, 0x21, 0x2a, 0x2b]);
const DW_LANG_Rust = 0x1c;
const DW_LANG_Mips_Assembler = 0x8001;

/**
 * A function's name qualified by the namespaces and classes around the entry that declares it
 * (through `DW_AT_abstract_origin` and `DW_AT_specification`), as gdb computes C++ and Rust names.
 */
function qualified(scan: UnitScan, offset: number, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  let current: number | undefined = scan.inlined.get(offset) ?? offset;
  let scope: string | undefined;
  for (let hop = 0; current !== undefined && hop < 8; hop++) {
    const record = scan.subprograms.get(current);
    if (!record) break;
    scope = record.scope;
    current = record.origin;
  }
  if (scope === undefined) return undefined;
  return scope === "" ? name : `${scope}::${name}`;
}

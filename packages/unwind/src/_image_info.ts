import {
  CallFrameInfo,
  DebugInfo,
  DwarfFormatError,
  LineProgram,
  bufferSource,
  type DwarfSections,
  type FunctionsAt,
  type UnitHeader,
  type UnitSummary,
  type UnwindRow,
} from "@corestack/dwarf";
import { type ByteSource, type ElfFile, ElfFormatError, ElfSymbols, sectionContents } from "@corestack/elf";
import { SHT_NOBITS } from "@corestack/elf/constants";
import { type CallSiteRecord, type TargetFacts, type UnitScan, callSitesIn, lowPcOf, scanUnit, targetFacts } from "./_call_sites.js";
import { MinimalSymbols } from "./_minimal_symbols.js";
import { GdbLineTable } from "./_gdb_lines.js";
import { type DebugFile, findDebugFile } from "./debug_file.js";
import type { ModuleImage } from "./module_image.js";
import type { Symbolization } from "./symbolizer.js";

/** How the image caches reach files. @internal */
export interface ImageOptions {
  readonly open: (path: string) => ByteSource;
  readonly debugDirectories: readonly string[] | undefined;
}

/** The DWARF sections an {@link ImageInfo} reads, by `DwarfSections` key. */
const DWARF_SECTIONS = [
  "debug_info",
  "debug_abbrev",
  "debug_str",
  "debug_line_str",
  "debug_str_offsets",
  "debug_addr",
  "debug_ranges",
  "debug_rnglists",
  "debug_aranges",
  "debug_line",
] as const;

/** Addresses whose functions an image remembers; a stack of a million distinct pcs empties it. */
const FUNCTION_CACHE_SIZE = 65_536;

/** A section with bytes in the file (not `SHT_NOBITS`, as a stripped file's placeholders are). */
function hasBytes(elf: ElfFile, name: string): boolean {
  const section = elf.section(name);
  return section !== undefined && section.sh_type !== SHT_NOBITS && section.sh_size > 0;
}

/**
 * Everything read once per image, on first use: its separate debug file, its call frame
 * information (`.eh_frame` with `.eh_frame_hdr`, `.debug_frame` from the file or its debug file),
 * its debugging information and line programs, its symbol tables. A problem (a malformed section,
 * a missing file) is remembered, said once through {@link problems}, and not retried. @internal
 */
export class ImageInfo {
  readonly image: ModuleImage;
  /** Problems met, once each: "…: …" sentences for warnings. */
  readonly problems: string[] = [];
  readonly #options: ImageOptions;
  #debugFile: DebugFile | null | undefined;
  #ehFrame: CallFrameInfo | null | undefined;
  #debugFrame: CallFrameInfo | null | undefined;
  #dwarf: { info: DebugInfo; sections: DwarfSections; elf: ElfFile } | null | undefined;
  readonly #lines = new Map<number, LineProgram | null>();
  readonly #gdbLines = new Map<LineProgram, GdbLineTable | null>();
  #symbols: ElfSymbols[] | undefined;
  #units: Map<number, UnitHeader> | undefined;
  #minimal: MinimalSymbols[] | undefined;
  readonly #functions = new Map<bigint, FunctionsAt | undefined>();
  /** Unwind rows by link-time address (a malformed row throws each time: not remembered). */
  readonly #rows = new Map<bigint, { row: UnwindRow; section: string } | undefined>();
  /** The symbolizer's answers by run-time address (kept here, per image). */
  readonly symbolizations = new Map<bigint, Symbolization>();
  readonly #scans = new Map<number, UnitScan | null>();
  readonly #callSites = new Map<number, readonly CallSiteRecord[]>();
  readonly #targets = new Map<number, TargetFacts | null>();
  readonly #lowPcs = new Map<number, bigint | null>();

  constructor(image: ModuleImage, options: ImageOptions) {
    this.image = image;
    this.#options = options;
  }

  /** The image's run-time minus link-time address; undefined when its file is missing. */
  get bias(): bigint | undefined {
    return this.image.elf === undefined ? undefined : this.image.bias;
  }

  /** Remembers a problem, once. */
  problem(message: string): void {
    if (!this.problems.includes(message)) this.problems.push(message);
  }

  /** The separate debug file, searched once (only when the image itself lacks what is asked for). */
  debugFile(): DebugFile | undefined {
    if (this.#debugFile !== undefined) return this.#debugFile ?? undefined;
    this.#debugFile = null;
    const elf = this.image.elf;
    if (elf === undefined) return undefined;
    const found = findDebugFile(elf, this.image.resolvedPath, { open: this.#options.open, debugDirectories: this.#options.debugDirectories });
    this.#debugFile = found.file ?? null;
    return found.file;
  }

  #ehFrameInfo(): CallFrameInfo | undefined {
    if (this.#ehFrame !== undefined) return this.#ehFrame ?? undefined;
    this.#ehFrame = null;
    const elf = this.image.elf;
    const section = elf?.section(".eh_frame");
    if (!elf || !section || section.sh_type === SHT_NOBITS || section.sh_size === 0) return undefined;
    try {
      const hdr = elf.section(".eh_frame_hdr");
      const useHdr = hdr !== undefined && hdr.sh_type !== SHT_NOBITS && hdr.sh_size > 0;
      this.#ehFrame = CallFrameInfo.fromEhFrame({
        eh_frame: bufferSource(elf.sectionBytes(section)),
        ehFrameAddress: section.sh_addr,
        eh_frame_hdr: useHdr ? bufferSource(elf.sectionBytes(hdr)) : undefined,
        ehFrameHdrAddress: useHdr ? hdr.sh_addr : undefined,
        littleEndian: elf.littleEndian,
        addressSize: elf.is64 ? 8 : 4,
      });
    } catch (error) {
      if (!ElfFormatError.isInstance(error) && !(error instanceof RangeError)) throw error;
      this.problem(`${this.image.path}: .eh_frame cannot be read: ${error.message}`);
    }
    return this.#ehFrame ?? undefined;
  }

  #debugFrameInfo(): CallFrameInfo | undefined {
    if (this.#debugFrame !== undefined) return this.#debugFrame ?? undefined;
    this.#debugFrame = null;
    const own = this.image.elf;
    if (!own) return undefined;
    const elf = hasBytes(own, ".debug_frame") ? own : this.debugFile()?.elf;
    if (!elf || !hasBytes(elf, ".debug_frame")) return undefined;
    try {
      this.#debugFrame = CallFrameInfo.fromDebugFrame({
        debug_frame: bufferSource(sectionContents(elf, elf.section(".debug_frame")!)),
        littleEndian: elf.littleEndian,
        addressSize: elf.is64 ? 8 : 4,
      });
    } catch (error) {
      if (!ElfFormatError.isInstance(error)) throw error;
      this.problem(`${this.image.path}: .debug_frame cannot be read: ${error.message}`);
    }
    return this.#debugFrame ?? undefined;
  }

  /**
   * The unwind row at a link-time address: from `.eh_frame`, else `.debug_frame`.
   * @throws {DwarfFormatError} when the CFI covering the address is malformed or over a limit.
   */
  cfiRow(address: bigint): { row: UnwindRow; section: string } | undefined {
    // Threads stopped in the same functions unwind the same pcs: each row is computed once.
    if (this.#rows.has(address)) return this.#rows.get(address);
    const found = this.#cfiRow(address);
    if (this.#rows.size >= FUNCTION_CACHE_SIZE) this.#rows.clear();
    this.#rows.set(address, found);
    return found;
  }

  #cfiRow(address: bigint): { row: UnwindRow; section: string } | undefined {
    const eh = this.#ehFrameInfo();
    const row = eh?.rowFor(address);
    if (row) return { row, section: ".eh_frame" };
    const debug = this.#debugFrameInfo();
    const other = debug?.rowFor(address);
    return other ? { row: other, section: ".debug_frame" } : undefined;
  }

  /** Whether any CFI section was found for the image. */
  hasCfi(): boolean {
    return this.#ehFrameInfo() !== undefined || this.#debugFrameInfo() !== undefined;
  }

  /** The image's debugging information: its own `.debug_info`, else its debug file's. */
  dwarf(): { info: DebugInfo; sections: DwarfSections; elf: ElfFile } | undefined {
    if (this.#dwarf !== undefined) return this.#dwarf ?? undefined;
    this.#dwarf = null;
    const own = this.image.elf;
    if (!own) return undefined;
    const elf = hasBytes(own, ".debug_info") ? own : this.debugFile()?.elf;
    if (!elf || !hasBytes(elf, ".debug_info")) return undefined;
    const sections: { littleEndian: boolean } & { -readonly [K in (typeof DWARF_SECTIONS)[number]]?: ByteSource } = { littleEndian: elf.littleEndian };
    for (const key of DWARF_SECTIONS) {
      const section = elf.section(`.${key}`);
      if (!section || section.sh_type === SHT_NOBITS || section.sh_size === 0) continue;
      try {
        sections[key] = bufferSource(sectionContents(elf, section));
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        this.problem(`${this.image.path}: .${key} cannot be read: ${error.message}`);
      }
    }
    this.#dwarf = { info: new DebugInfo(sections), sections, elf };
    return this.#dwarf;
  }

  /** The line program of a unit, read once per offset; undefined when it cannot be read. */
  lineProgram(unit: UnitSummary): LineProgram | undefined {
    const offset = unit.stmtList;
    const dwarf = this.dwarf();
    if (offset === undefined || !dwarf || !dwarf.sections.debug_line) return undefined;
    const known = this.#lines.get(offset);
    if (known !== undefined) return known ?? undefined;
    let program: LineProgram | null = null;
    try {
      program = LineProgram.at(dwarf.sections, offset, { compDir: unit.compDir, compName: unit.name });
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      this.problem(`${this.image.path}: the line program at .debug_line+0x${offset.toString(16)} cannot be read: ${error.message}`);
    }
    this.#lines.set(offset, program);
    return program ?? undefined;
  }

  /** The symbol tables to search: the file's, then its debug file's (which has `.symtab` when the file is stripped). */
  symbolTables(): ElfSymbols[] {
    if (this.#symbols !== undefined) return this.#symbols;
    const tables: ElfSymbols[] = [];
    const own = this.image.elf;
    if (own) {
      tables.push(ElfSymbols.of(own));
      if (!hasBytes(own, ".symtab")) {
        const debug = this.debugFile()?.elf;
        if (debug && hasBytes(debug, ".symtab")) tables.unshift(ElfSymbols.of(debug));
      }
    }
    this.#symbols = tables;
    return tables;
  }

  /** The subprograms and call sites of the unit at an offset of `.debug_info`, read once. */
  unitScan(unitOffset: number): UnitScan | undefined {
    const known = this.#scans.get(unitOffset);
    if (known !== undefined) return known ?? undefined;
    const dwarf = this.dwarf();
    let scan: UnitScan | null = null;
    if (dwarf) {
      try {
        if (this.#units === undefined) {
          this.#units = new Map();
          for (const header of dwarf.info.units()) this.#units.set(header.offset, header);
        }
        const header = this.#units.get(unitOffset);
        if (header) scan = scanUnit(dwarf.info, header);
      } catch (error) {
        if (!DwarfFormatError.isInstance(error)) throw error;
        this.problem(`${this.image.path}: the call sites of the unit at .debug_info+0x${unitOffset.toString(16)} cannot be read: ${error.message}`);
      }
    }
    this.#scans.set(unitOffset, scan);
    return scan ?? undefined;
  }

  /** The call sites inside the function whose `DW_TAG_subprogram` is at an offset, read once (its subtree only). */
  callSites(subprogram: number): readonly CallSiteRecord[] {
    const known = this.#callSites.get(subprogram);
    if (known !== undefined) return known;
    let sites: readonly CallSiteRecord[] = [];
    const dwarf = this.dwarf();
    if (dwarf) {
      try {
        sites = callSitesIn(dwarf.info, subprogram);
      } catch (error) {
        if (!DwarfFormatError.isInstance(error)) throw error;
        this.problem(`${this.image.path}: the call sites of the function at .debug_info+0x${subprogram.toString(16)} cannot be read: ${error.message}`);
      }
    }
    this.#callSites.set(subprogram, sites);
    return sites;
  }

  /** A call's target entry read through its origins (see {@link targetFacts}), once; undefined when it cannot be read. */
  target(offset: number): TargetFacts | undefined {
    const known = this.#targets.get(offset);
    if (known !== undefined) return known ?? undefined;
    let facts: TargetFacts | null = null;
    const dwarf = this.dwarf();
    if (dwarf) {
      try {
        facts = targetFacts(dwarf.info, offset);
      } catch (error) {
        if (!DwarfFormatError.isInstance(error)) throw error;
      }
    }
    this.#targets.set(offset, facts);
    return facts ?? undefined;
  }

  /** `DW_AT_low_pc` of the entry at an offset (a function's entry), once. */
  lowPc(offset: number): bigint | undefined {
    const known = this.#lowPcs.get(offset);
    if (known !== undefined) return known ?? undefined;
    let low: bigint | null = null;
    const dwarf = this.dwarf();
    if (dwarf) {
      try {
        low = lowPcOf(dwarf.info, offset) ?? null;
      } catch (error) {
        if (!DwarfFormatError.isInstance(error)) throw error;
      }
    }
    this.#lowPcs.set(offset, low);
    return low ?? undefined;
  }

  /** The code symbols of the file, then of its debug file (gdb's objfile order), read once. */
  minimalSymbols(): MinimalSymbols[] {
    if (this.#minimal !== undefined) return this.#minimal;
    const result: MinimalSymbols[] = [];
    const own = this.image.elf;
    if (own) {
      const report = (message: string) => this.problem(`${this.image.path}: ${message}`);
      result.push(MinimalSymbols.of(own, report));
      if (!hasBytes(own, ".symtab")) {
        const debug = this.debugFile()?.elf;
        if (debug && MinimalSymbols.hasTables(debug)) result.push(MinimalSymbols.of(debug, report));
      }
    }
    this.#minimal = result;
    return result;
  }

  /**
   * `DebugInfo.functionsAt` of a link-time address, remembered (stacks repeat the same pcs).
   * @throws {DwarfFormatError} as `functionsAt` does (not remembered).
   */
  functionsAt(link: bigint): FunctionsAt | undefined {
    if (this.#functions.has(link)) return this.#functions.get(link);
    const dwarf = this.dwarf();
    const found = dwarf?.info.functionsAt(link);
    if (this.#functions.size >= FUNCTION_CACHE_SIZE) this.#functions.clear();
    this.#functions.set(link, found);
    return found;
  }

  /** A line program read gdb's way (see {@link GdbLineTable}), once; undefined when malformed. */
  gdbLines(program: LineProgram): GdbLineTable | undefined {
    const known = this.#gdbLines.get(program);
    if (known !== undefined) return known ?? undefined;
    let table: GdbLineTable | null = null;
    try {
      table = GdbLineTable.of(program);
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      this.problem(`${this.image.path}: the line program at .debug_line+0x${program.header.offset.toString(16)} cannot be read: ${error.message}`);
    }
    this.#gdbLines.set(program, table);
    return table ?? undefined;
  }
}

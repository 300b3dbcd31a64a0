import type { ByteSource } from "./byte_source.js";
import { sectionOf } from "./_reader.js";
import { ehFrameOffset, readEhFrameHdr, searchEhFrameHdr, type EhFrameHdrTable } from "./_cfi_eh_frame_hdr.js";
import { unwindRows, type UnwindRow } from "./_cfi_program.js";
import { cfiSection, iterateRecords, readRecordAt, type CallFrameRecord, type CfiSection, type FrameDescriptionEntry } from "./_cfi_records.js";
import { DwarfFormatError, hex } from "./dwarf_format_error.js";
import { compareBigints, partitionPoint } from "./_search.js";

export type { CfaRule, RegisterRule, UnwindRow } from "./_cfi_program.js";
export type { CallFrameRecord, CommonInformationEntry, FrameDescriptionEntry } from "./_cfi_records.js";

/** Options of {@link CallFrameInfo.fromEhFrame}. */
export interface EhFrameOptions {
  /** The bytes of `.eh_frame` (or of the `PT_GNU_EH_FRAME`-named region). */
  readonly eh_frame: ByteSource;
  /** The address `.eh_frame` is loaded at (its `sh_addr`, plus the load bias for a live image). */
  readonly ehFrameAddress: bigint;
  /** The bytes of `.eh_frame_hdr`; without it, lookups build an index of the FDEs once. */
  readonly eh_frame_hdr?: ByteSource | undefined;
  /** The address of `.eh_frame_hdr`; required with {@link eh_frame_hdr}. */
  readonly ehFrameHdrAddress?: bigint | undefined;
  /** Byte order of the file. */
  readonly littleEndian: boolean;
  /** Size of a target address. */
  readonly addressSize: 4 | 8;
  /** Base of `DW_EH_PE_textrel` pointers, if known. */
  readonly textAddress?: bigint | undefined;
  /** Base of `DW_EH_PE_datarel` pointers in `.eh_frame` (the GOT on i386), if known. */
  readonly dataAddress?: bigint | undefined;
}

/** Options of {@link CallFrameInfo.fromDebugFrame}. */
export interface DebugFrameOptions {
  /** The bytes of `.debug_frame` (decompressed). */
  readonly debug_frame: ByteSource;
  /** Byte order of the file. */
  readonly littleEndian: boolean;
  /** Size of a target address (a version 4 CIE may state its own). */
  readonly addressSize: 4 | 8;
}

/** A sorted index of the FDEs of a section, made once: `undefined` entries of zero range are left out. */
interface FdeIndex {
  readonly fdes: FrameDescriptionEntry[];
  /** The error that stopped reading the section before its end, thrown for a pc not found. */
  readonly error: DwarfFormatError | undefined;
}

/** FDEs kept after a lookup through `.eh_frame_hdr`: an unwinder asks for the same few again and again. */
const FDE_CACHE_SIZE = 4096;

function checkAddressSize(addressSize: unknown): void {
  if (addressSize !== 4 && addressSize !== 8) throw new RangeError(`addressSize must be 4 or 8, not ${String(addressSize)}`);
}

/**
 * The call frame information of one file: `.eh_frame` (with `.eh_frame_hdr` when there is one) or
 * `.debug_frame`. Records are read lazily; {@link findFde} binary-searches `.eh_frame_hdr`, or an
 * index of every FDE built on first use. {@link rowFor} runs the CIE's and the FDE's instructions
 * to find the unwind rules at an address. DWARF expressions are returned as bytes, not evaluated.
 *
 * Everything the bytes drive is bounded by {@link DWARF_LIMITS} (`cfiInstructions`,
 * `cfiRememberDepth`, `cfiRegisterRules`, `augmentationLength`, `expressionBytes`, `cfiRecords`);
 * malformed or over-limit input throws {@link DwarfFormatError} and nothing else.
 *
 * @example
 * ```ts
 * import { CallFrameInfo, bufferSource } from "@corestack/dwarf";
 * const cfi = CallFrameInfo.fromEhFrame({
 *   eh_frame: bufferSource(ehFrameBytes), ehFrameAddress: 0x4e0518n,
 *   eh_frame_hdr: bufferSource(hdrBytes), ehFrameHdrAddress: 0x4cc5a4n,
 *   littleEndian: true, addressSize: 8,
 * });
 * const row = cfi.rowFor(0x26006n);
 * if (row?.cfa.rule === "register") console.log(`CFA = r${row.cfa.register} + ${row.cfa.offset}`);
 * ```
 */
export class CallFrameInfo {
  /** `.eh_frame` or `.debug_frame`. */
  readonly sectionName: string;
  /**
   * Why `.eh_frame_hdr` was given but is not used (lookups then use the index instead): the
   * error its header raised. Undefined when it is used, or when none was given.
   */
  readonly ehFrameHdrError: DwarfFormatError | undefined;
  readonly #context: CfiSection;
  readonly #table: EhFrameHdrTable | undefined;
  readonly #ehFrameAddress: bigint;
  #index: FdeIndex | undefined;
  /** FDEs found through `.eh_frame_hdr`, by offset; emptied when it holds {@link FDE_CACHE_SIZE}. */
  readonly #fdeCache = new Map<number, FrameDescriptionEntry>();

  private constructor(context: CfiSection, table: EhFrameHdrTable | undefined, hdrError: DwarfFormatError | undefined, ehFrameAddress: bigint) {
    this.#context = context;
    this.sectionName = context.section.name;
    this.#table = table;
    this.ehFrameHdrError = hdrError;
    this.#ehFrameAddress = ehFrameAddress;
  }

  /**
   * Reads `.eh_frame` (GNU: CIE id 0, relative CIE pointers, augmentations "z", "R", "P", "L", "S"
   * and the legacy "eh", a zero terminator) and, when given, `.eh_frame_hdr` for lookups.
   *
   * @param options the sections, their addresses, the byte order and address size.
   * @returns the call frame information; nothing is read until asked for except the hdr header.
   * @throws {RangeError} for an address size other than 4 or 8, or a hdr without its address.
   * @example
   * ```ts
   * const cfi = CallFrameInfo.fromEhFrame({ eh_frame: bufferSource(bytes), ehFrameAddress: 0x2000n, littleEndian: true, addressSize: 8 });
   * ```
   */
  static fromEhFrame(options: EhFrameOptions): CallFrameInfo {
    checkAddressSize(options.addressSize);
    const context = cfiSection(sectionOf(".eh_frame", options.eh_frame, options.littleEndian), {
      isEhFrame: true,
      addressSize: options.addressSize,
      sectionAddress: options.ehFrameAddress,
      textAddress: options.textAddress,
      dataAddress: options.dataAddress,
    });
    let table: EhFrameHdrTable | undefined;
    let hdrError: DwarfFormatError | undefined;
    if (options.eh_frame_hdr) {
      if (options.ehFrameHdrAddress === undefined) throw new RangeError("ehFrameHdrAddress is required with eh_frame_hdr");
      const hdr = sectionOf(".eh_frame_hdr", options.eh_frame_hdr, options.littleEndian);
      try {
        table = readEhFrameHdr(hdr, options.ehFrameHdrAddress, options.addressSize);
        if (table && table.ehFramePointer !== options.ehFrameAddress) {
          throw new DwarfFormatError(`The .eh_frame_hdr names .eh_frame at ${hex(table.ehFramePointer)}, not ${hex(options.ehFrameAddress)}`, {
            section: ".eh_frame_hdr",
            offset: 4,
            code: "bad-value",
          });
        }
      } catch (error) {
        if (!DwarfFormatError.isInstance(error)) throw error;
        table = undefined;
        hdrError = error;
      }
    }
    return new CallFrameInfo(context, table, hdrError, options.ehFrameAddress);
  }

  /**
   * Reads `.debug_frame`: CIE id 0xffffffff (0xffffffffffffffff in the 64-bit format), absolute CIE
   * pointers, CIE versions 1, 3 and 4. Lookups use an index of the FDEs built on first use.
   *
   * @param options the section, the byte order and address size.
   * @returns the call frame information.
   * @throws {RangeError} for an address size other than 4 or 8.
   * @example
   * ```ts
   * const cfi = CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(bytes), littleEndian: true, addressSize: 8 });
   * for (const record of cfi.records()) console.log(record.kind, record.offset);
   * ```
   */
  static fromDebugFrame(options: DebugFrameOptions): CallFrameInfo {
    checkAddressSize(options.addressSize);
    const context = cfiSection(sectionOf(".debug_frame", options.debug_frame, options.littleEndian), {
      isEhFrame: false,
      addressSize: options.addressSize,
    });
    return new CallFrameInfo(context, undefined, undefined, 0n);
  }

  /** Whether {@link findFde} searches `.eh_frame_hdr` (`"eh_frame_hdr"`) or an index of the FDEs (`"index"`). */
  get lookup(): "eh_frame_hdr" | "index" {
    return this.#table ? "eh_frame_hdr" : "index";
  }

  /**
   * The CIEs and FDEs in section order, lazily, up to the zero terminator or the end.
   *
   * @returns an iterator that throws at the first malformed record.
   * @throws {DwarfFormatError} while iterating, for a malformed record or past `cfiRecords`.
   * @example
   * ```ts
   * const fdes = [...cfi.records()].filter((record) => record.kind === "fde").length;
   * ```
   */
  records(): IterableIterator<CallFrameRecord> {
    return iterateRecords(this.#context);
  }

  /**
   * Reads the record at an offset of the section (a CIE or an FDE).
   *
   * @param offset where its length field is.
   * @returns the record, or undefined at the zero terminator.
   * @throws {DwarfFormatError} when the bytes there are not a record.
   * @example
   * ```ts
   * const record = cfi.recordAt(0x18);
   * ```
   */
  recordAt(offset: number): CallFrameRecord | undefined {
    const record = readRecordAt(this.#context, offset);
    return record.kind === "terminator" ? undefined : record;
  }

  /**
   * The FDE whose range holds `pc`.
   *
   * @param pc an address in the same space as the section's addresses.
   * @returns the FDE, or undefined when none covers `pc`.
   * @throws {DwarfFormatError} when the search table or a record it leads to is malformed, or when
   *   no FDE read so far covers `pc` and the section could not be read to its end.
   * @example
   * ```ts
   * const fde = cfi.findFde(0x26006n);
   * fde?.initialLocation; // 0x26000n
   * ```
   */
  findFde(pc: bigint): FrameDescriptionEntry | undefined {
    if (typeof pc !== "bigint") throw new TypeError("pc must be a bigint");
    const table = this.#table;
    if (table) {
      const found = searchEhFrameHdr(table, pc);
      if (!found) return undefined;
      const at = table.tableOffset + found.index * 2 * table.fieldSize;
      const offset = ehFrameOffset(table, found.fdeAddress, this.#ehFrameAddress, this.#context.section.bytes.length, at);
      const record = this.#fdeCache.get(offset) ?? readRecordAt(this.#context, offset);
      if (record.kind !== "fde") {
        throw new DwarfFormatError(`The search table entry ${found.index} names ${hex(found.fdeAddress)}, which is not an FDE, at .eh_frame_hdr+${hex(at)}`, {
          section: ".eh_frame_hdr",
          offset: at,
          code: "bad-value",
        });
      }
      if (this.#fdeCache.size >= FDE_CACHE_SIZE) this.#fdeCache.clear();
      this.#fdeCache.set(offset, record);
      return record.initialLocation <= pc && pc < record.endAddress ? record : undefined;
    }
    const index = (this.#index ??= this.#buildIndex());
    const fdes = index.fdes;
    const candidate = fdes[fdesAtOrBelow(fdes, pc) - 1];
    if (candidate && pc < candidate.endAddress) return candidate;
    if (index.error) throw index.error;
    return undefined;
  }

  /**
   * The unwind rules at `pc`: runs the CIE's initial instructions, then the FDE's up to `pc`.
   *
   * @param pc the address (for a caller's frame, the return address minus one).
   * @returns the row that holds at `pc`, or undefined when no FDE covers it.
   * @throws {DwarfFormatError} for malformed instructions or a limit reached (`cfiInstructions`,
   *   `cfiRememberDepth`, `cfiRegisterRules`, `expressionBytes`).
   * @example
   * ```ts
   * const row = cfi.rowFor(0x26006n);
   * row?.registers.get(16); // { rule: "offset", offset: -8 }: the return address is at CFA-8
   * ```
   */
  rowFor(pc: bigint): UnwindRow | undefined {
    const fde = this.findFde(pc);
    if (!fde) return undefined;
    for (const row of unwindRows(this.#context, fde)) {
      if (pc < row.endAddress) return row;
    }
    return undefined;
  }

  /**
   * Every row of an FDE's unwind table in address order, lazily. Rows cover
   * `[initialLocation, endAddress)` without gaps; an advance by 0 makes no row.
   *
   * @param fde an FDE from this object's {@link records} or {@link findFde}.
   * @returns an iterator of rows that throws at the first malformed instruction.
   * @throws {DwarfFormatError} as {@link rowFor}.
   * @example
   * ```ts
   * for (const row of cfi.rows(cfi.findFde(0x26006n)!)) console.log(row.startAddress, row.cfa);
   * ```
   */
  rows(fde: FrameDescriptionEntry): IterableIterator<UnwindRow> {
    return unwindRows(this.#context, fde);
  }

  #buildIndex(): FdeIndex {
    const fdes: FrameDescriptionEntry[] = [];
    let error: DwarfFormatError | undefined;
    try {
      for (const record of iterateRecords(this.#context)) {
        if (record.kind === "fde" && record.addressRange > 0n) fdes.push(record);
      }
    } catch (caught) {
      if (!DwarfFormatError.isInstance(caught)) throw caught;
      error = caught;
    }
    fdes.sort((a, b) => compareBigints(a.initialLocation, b.initialLocation));
    return { fdes, error };
  }
}

/**
 * How many FDEs of the sorted index start at or below `pc`. A function of its own: a closure in
 * findFde() would make its locals context variables, a fifth slower in a micro-measure.
 */
function fdesAtOrBelow(fdes: readonly FrameDescriptionEntry[], pc: bigint): number {
  return partitionPoint(fdes.length, (index) => fdes[index]!.initialLocation <= pc);
}

import { Reader, type Section } from "./_reader.js";
import { checkEncoding, readEncodedPointer, readEncodedValue, type EncodedPointer, type PointerBases } from "./_cfi_pointer.js";
import { DW_EH_PE_absptr, DW_EH_PE_aligned, DW_EH_PE_indirect, DW_EH_PE_omit, pointerEncodingName } from "./cfa_constants.js";
import { DwarfFormatError, hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";

/**
 * A Common Information Entry: what the FDEs that point to it share. Offsets are inside the
 * section the entry was read from.
 */
export interface CommonInformationEntry {
  readonly kind: "cie";
  /** Offset of the record's length field. */
  readonly offset: number;
  /** Offset of the record that follows. */
  readonly nextOffset: number;
  /** True for the 64-bit DWARF format (an initial length of 0xffffffff then 8 bytes). */
  readonly format64: boolean;
  /** 1 (`.eh_frame`, DWARF 2), 3 (DWARF 3) or 4 (DWARF 4 and 5). */
  readonly version: number;
  /** The augmentation string: `""`, `"zR"`, `"zPLR"`, `"zRS"`, `"eh"`... */
  readonly augmentation: string;
  /** Size of a target address: the CIE's own (version 4) or the caller's. */
  readonly addressSize: number;
  /** Size of a segment selector (version 4); only 0 is read. */
  readonly segmentSelectorSize: number;
  readonly codeAlignmentFactor: number;
  readonly dataAlignmentFactor: number;
  readonly returnAddressRegister: number;
  /** How the FDEs encode their addresses ('R'); `DW_EH_PE_absptr` without one. */
  readonly fdePointerEncoding: number;
  /** How the FDEs encode their LSDA pointer ('L'); `DW_EH_PE_omit` without one. */
  readonly lsdaEncoding: number;
  /**
   * The personality routine ('P'): its address, or with `indirect` the address of a pointer to it
   * (not read: there is no memory here). `address` is undefined when the encoding is relative to a
   * base the caller did not give.
   */
  readonly personality: { readonly encoding: number; readonly address: bigint | undefined; readonly indirect: boolean } | undefined;
  /** 'S': the FDEs describe signal trampolines. */
  readonly signalFrame: boolean;
  /** The legacy "eh" augmentation's data pointer. */
  readonly ehData: bigint | undefined;
  /** The initial instructions, a view into the section. */
  readonly initialInstructions: Uint8Array;
  /** Offset of {@link initialInstructions} in the section. */
  readonly initialInstructionsOffset: number;
}

/** A Frame Description Entry: the unwind rules of one address range. */
export interface FrameDescriptionEntry {
  readonly kind: "fde";
  /** Offset of the record's length field. */
  readonly offset: number;
  /** Offset of the record that follows. */
  readonly nextOffset: number;
  readonly format64: boolean;
  /** Offset of its CIE in the same section. */
  readonly cieOffset: number;
  readonly cie: CommonInformationEntry;
  /** First address covered. */
  readonly initialLocation: bigint;
  /** Number of bytes covered. */
  readonly addressRange: bigint;
  /** One past the last address covered: `initialLocation + addressRange`. */
  readonly endAddress: bigint;
  /** The language-specific data area ('L'), as for {@link CommonInformationEntry.personality}. */
  readonly lsda: { readonly address: bigint | undefined; readonly indirect: boolean } | undefined;
  /** The instructions, a view into the section. */
  readonly instructions: Uint8Array;
  /** Offset of {@link instructions} in the section. */
  readonly instructionsOffset: number;
}

/** A CIE or an FDE. */
export type CallFrameRecord = CommonInformationEntry | FrameDescriptionEntry;

/** One CFI section and what reading it needs. @internal */
export interface CfiSection {
  readonly section: Section;
  /** `.eh_frame` rules (CIE id 0, relative CIE pointers, zero terminator) or `.debug_frame` ones. */
  readonly isEhFrame: boolean;
  readonly addressSize: number;
  readonly sectionAddress: bigint | undefined;
  readonly textAddress: bigint | undefined;
  readonly dataAddress: bigint | undefined;
  /** CIEs already read, by offset: each is parsed once, and an FDE's CIE is never followed further. */
  readonly cies: Map<number, CommonInformationEntry>;
}

/** Creates the reading context of a CFI section. @internal */
export function cfiSection(
  section: Section,
  options: { isEhFrame: boolean; addressSize: number; sectionAddress?: bigint | undefined; textAddress?: bigint | undefined; dataAddress?: bigint | undefined },
): CfiSection {
  return {
    section,
    isEhFrame: options.isEhFrame,
    addressSize: options.addressSize,
    sectionAddress: options.sectionAddress,
    textAddress: options.textAddress,
    dataAddress: options.dataAddress,
    cies: new Map(),
  };
}

/** The bases of pointers read in a CFI section. @internal */
export function basesOf(context: CfiSection, addressSize: number, functionAddress?: bigint): PointerBases {
  return { addressSize, sectionAddress: context.sectionAddress, textAddress: context.textAddress, dataAddress: context.dataAddress, functionAddress };
}

/** Reads a pointer whose value is informative (personality, LSDA): an unknown base leaves it undefined. */
function readInformativePointer(reader: Reader, encoding: number, bases: PointerBases, what: string): { address: bigint | undefined; indirect: boolean } {
  try {
    const pointer: EncodedPointer = readEncodedPointer(reader, encoding, bases, what);
    return { address: pointer.value, indirect: pointer.indirect };
  } catch (error) {
    // readEncodedPointer reads the value before it refuses an unknown base: the reader is past it.
    if (DwarfFormatError.isInstance(error) && error.code === "unsupported") return { address: undefined, indirect: (encoding & DW_EH_PE_indirect) !== 0 };
    throw error;
  }
}

/** Reads the augmentation string, bounded by {@link DWARF_LIMITS.augmentationLength}. */
function readAugmentation(reader: Reader): string {
  const start = reader.position;
  let text = "";
  for (;;) {
    const byte = reader.u8();
    if (byte === 0) return text;
    if (text.length >= DWARF_LIMITS.augmentationLength)
      limitReached("augmentationLength", "The CIE augmentation string", { section: reader.section.name, offset: start });
    text += String.fromCharCode(byte);
  }
}

/** The zero terminator of `.eh_frame` (a record of length 0). @internal */
export interface CfiTerminator {
  readonly kind: "terminator";
  readonly offset: number;
}

/**
 * Reads the record at `offset`: a CIE (cached), an FDE (with its CIE), or the zero terminator.
 * @internal
 */
export function readRecordAt(context: CfiSection, offset: number): CallFrameRecord | CfiTerminator {
  return readRecord(context, offset, undefined);
}

/** Reads a record; with `referrer` (the FDE whose CIE pointer led here) only a CIE is accepted. */
function readRecord(context: CfiSection, offset: number, referrer: { offset: number; at: number } | undefined): CallFrameRecord | CfiTerminator {
  const cached = context.cies.get(offset);
  if (cached) return cached;
  const section = context.section;
  const outer = new Reader(section);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length)
    outer.fail(`Record offset ${hex(offset)} is outside the section`, "bad-value", 0);
  outer.position = offset;
  const { length, format64 } = outer.initialLength("a CFI record");
  const notCie = (what: string): never =>
    outer.fail(
      `The CIE pointer of the FDE at ${hex(referrer?.offset ?? 0)} points to ${what} at ${hex(offset)}, not a CIE`,
      "bad-value",
      referrer?.at ?? offset,
    );
  if (length === 0) return referrer ? notCie("the terminator") : { kind: "terminator", offset };
  const end = outer.position + length;
  if (end > section.bytes.length) outer.fail(`The CFI record at ${hex(offset)} of ${length} bytes runs past the end of the section`, "truncated", offset);
  const reader = outer.sub(outer.position, end);
  const idAt = reader.position;
  let isCie: boolean;
  let pointer: number;
  if (format64) {
    const id = reader.u64();
    isCie = context.isEhFrame ? id === 0n : id === 0xffff_ffff_ffff_ffffn;
    if (!isCie && id > BigInt(Number.MAX_SAFE_INTEGER)) reader.fail(`CIE pointer ${hex(id)} is too large`, "bad-value", idAt);
    pointer = Number(id);
  } else {
    pointer = reader.u32();
    isCie = context.isEhFrame ? pointer === 0 : pointer === 0xffff_ffff;
  }
  if (!isCie && referrer) notCie("an FDE");
  if (isCie) {
    const cie = readCie(context, reader, offset, end, format64);
    context.cies.set(offset, cie);
    return cie;
  }
  const cieOffset = context.isEhFrame ? idAt - pointer : pointer;
  if (cieOffset < 0 || cieOffset >= section.bytes.length)
    reader.fail(`The CIE pointer of the FDE at ${hex(offset)} points outside the section (${hex(cieOffset)})`, "bad-value", idAt);
  if (cieOffset === offset) reader.fail(`The FDE at ${hex(offset)} names itself as its CIE`, "bad-value", idAt);
  // A CIE never points further, so following one pointer cannot loop.
  const cie = readRecord(context, cieOffset, { offset, at: idAt });
  if (cie.kind !== "cie") return reader.fail(`The CIE pointer of the FDE at ${hex(offset)} does not lead to a CIE`, "bad-value", idAt);
  return readFde(context, reader, { offset, end, format64, cieOffset, cie });
}

function readCie(context: CfiSection, reader: Reader, offset: number, end: number, format64: boolean): CommonInformationEntry {
  const versionAt = reader.position;
  const version = reader.u8();
  if (version !== 1 && version !== 3 && version !== 4) reader.fail(`Unsupported CIE version ${version}`, "unsupported", versionAt);
  const augmentationAt = reader.position;
  const augmentation = readAugmentation(reader);
  let ehData: bigint | undefined;
  if (augmentation === "eh") ehData = reader.unsigned(context.addressSize);
  else if (augmentation !== "" && !augmentation.startsWith("z")) reader.fail(`Unsupported CIE augmentation "${augmentation}"`, "unsupported", augmentationAt);
  let addressSize = context.addressSize;
  let segmentSelectorSize = 0;
  if (version === 4) {
    const at = reader.position;
    addressSize = reader.u8();
    segmentSelectorSize = reader.u8();
    if (addressSize !== 2 && addressSize !== 4 && addressSize !== 8) reader.fail(`Unsupported CIE address size ${addressSize}`, "unsupported", at);
    if (segmentSelectorSize !== 0) reader.fail(`Unsupported CIE segment selector size ${segmentSelectorSize}`, "unsupported", at + 1);
  }
  const codeAlignmentFactor = reader.ulebNumber("The code alignment factor");
  const dataAlignmentFactor = reader.slebNumber("The data alignment factor");
  const returnAddressRegister = version === 1 ? reader.u8() : reader.ulebNumber("The return address register");
  let fdePointerEncoding = DW_EH_PE_absptr;
  let lsdaEncoding = DW_EH_PE_omit;
  let personality: CommonInformationEntry["personality"];
  let signalFrame = false;
  if (augmentation.startsWith("z")) {
    const dataLength = reader.ulebNumber("The augmentation data length");
    const dataStart = reader.position;
    reader.need(dataLength, "the augmentation data");
    const data = reader.sub(dataStart, dataStart + dataLength);
    for (let index = 1; index < augmentation.length; index++) {
      const letter = augmentation[index];
      const at = data.position;
      if (letter === "R") {
        fdePointerEncoding = data.u8();
        checkEncoding(data, fdePointerEncoding, "FDE addresses", at);
        if (fdePointerEncoding === DW_EH_PE_omit || (fdePointerEncoding & DW_EH_PE_indirect) !== 0 || (fdePointerEncoding & 0x70) === DW_EH_PE_aligned) {
          data.fail(`Unsupported FDE address encoding ${pointerEncodingName(fdePointerEncoding)}`, "unsupported", at);
        }
      } else if (letter === "L") {
        lsdaEncoding = data.u8();
        checkEncoding(data, lsdaEncoding, "LSDA pointers", at);
      } else if (letter === "P") {
        const encoding = data.u8();
        checkEncoding(data, encoding, "the personality routine", at);
        if (encoding === DW_EH_PE_omit) data.fail("The personality encoding is DW_EH_PE_omit", "bad-value", at);
        const pointer = readInformativePointer(data, encoding, basesOf(context, addressSize), "the personality routine");
        personality = { encoding, ...pointer };
      } else if (letter === "S") {
        signalFrame = true;
      } else if (letter === "B" || letter === "G") {
        // AArch64 flags without data: branch target identification, memory tagging.
      } else {
        // Data of letters after an unknown one cannot be found; flags alone can be skipped.
        if (/[RPL]/.test(augmentation.slice(index + 1))) reader.fail(`Unsupported CIE augmentation "${augmentation}"`, "unsupported", augmentationAt);
        break;
      }
    }
    reader.position = dataStart + dataLength;
  }
  const initialInstructionsOffset = reader.position;
  return {
    kind: "cie",
    offset,
    nextOffset: end,
    format64,
    version,
    augmentation,
    addressSize,
    segmentSelectorSize,
    codeAlignmentFactor,
    dataAlignmentFactor,
    returnAddressRegister,
    fdePointerEncoding,
    lsdaEncoding,
    personality,
    signalFrame,
    ehData,
    initialInstructions: reader.block(end - initialInstructionsOffset, "the initial instructions"),
    initialInstructionsOffset,
  };
}

function readFde(
  context: CfiSection,
  reader: Reader,
  header: { offset: number; end: number; format64: boolean; cieOffset: number; cie: CommonInformationEntry },
): FrameDescriptionEntry {
  const { cie, end } = header;
  const bases = basesOf(context, cie.addressSize);
  const locationAt = reader.position;
  const initialLocation = readEncodedPointer(reader, cie.fdePointerEncoding, bases, "the FDE's initial location").value;
  const addressRange = readEncodedValue(reader, cie.fdePointerEncoding & 0x0f, cie.addressSize, "the FDE's address range");
  const endAddress = initialLocation + addressRange;
  if (endAddress > 1n << BigInt(cie.addressSize * 8)) {
    reader.fail(
      `The FDE at ${hex(header.offset)} covers ${hex(initialLocation)}..${hex(endAddress)}, past the end of the address space`,
      "bad-value",
      locationAt,
    );
  }
  let lsda: FrameDescriptionEntry["lsda"];
  if (cie.augmentation.startsWith("z")) {
    const dataLength = reader.ulebNumber("The augmentation data length");
    const dataStart = reader.position;
    reader.need(dataLength, "the augmentation data");
    if (cie.lsdaEncoding !== DW_EH_PE_omit) {
      const data = reader.sub(dataStart, dataStart + dataLength);
      lsda = readInformativePointer(data, cie.lsdaEncoding, { ...bases, functionAddress: initialLocation }, "the LSDA pointer");
    }
    reader.position = dataStart + dataLength;
  }
  const instructionsOffset = reader.position;
  return {
    kind: "fde",
    offset: header.offset,
    nextOffset: end,
    format64: header.format64,
    cieOffset: header.cieOffset,
    cie,
    initialLocation,
    addressRange,
    endAddress,
    lsda,
    instructions: reader.block(end - instructionsOffset, "the FDE instructions"),
    instructionsOffset,
  };
}

/**
 * Iterates the records of a CFI section in order, up to the zero terminator or the end. Throws at
 * the first malformed record, and past `maxRecords` records ({@link DWARF_LIMITS.cfiRecords}).
 * @internal
 */
export function* iterateRecords(context: CfiSection, maxRecords: number = DWARF_LIMITS.cfiRecords): Generator<CallFrameRecord, void, undefined> {
  let offset = 0;
  let count = 0;
  const size = context.section.bytes.length;
  while (offset < size) {
    if (count >= maxRecords) {
      if (maxRecords === DWARF_LIMITS.cfiRecords) limitReached("cfiRecords", "The CFI records", { section: context.section.name, offset });
      throw new DwarfFormatError(`The CFI records at ${context.section.name}+${hex(offset)} go past the limit of ${maxRecords} (cfiRecords)`, {
        section: context.section.name,
        offset,
        code: "limit",
      });
    }
    const record = readRecordAt(context, offset);
    if (record.kind === "terminator") return;
    count++;
    yield record;
    offset = record.nextOffset;
  }
}

// Test helper: builds .eh_frame, .debug_frame and .eh_frame_hdr bytes by hand (little-endian).
import { cstr, le, sleb, uleb } from "./_bytes.js";

export interface CieSpec {
  version?: number;
  augmentation?: string;
  /** Bytes between the augmentation string and the code alignment factor (e.g. "eh" data, v4 sizes). */
  afterAugmentation?: number[];
  codeAlignmentFactor?: number;
  dataAlignmentFactor?: number;
  returnAddressRegister?: number;
  /** Augmentation data ('z'): its length is written before it. */
  augmentationData?: number[];
  instructions?: number[];
}

export interface FdeSpec {
  /** Offset of the CIE in the section. */
  cie: number;
  /** The initial location and range fields, already encoded. */
  addresses: number[];
  augmentationData?: number[];
  instructions?: number[];
  /** Replaces the CIE pointer field's value. */
  rawCiePointer?: number | bigint;
}

/** Appends CIEs and FDEs to a section; offsets are returned so FDEs can point at their CIE. */
export class CfiBuilder {
  readonly bytes: number[] = [];
  /** `.eh_frame` (CIE id 0, relative pointers) or `.debug_frame` (id all ones, absolute). */
  readonly eh: boolean;
  /** 64-bit DWARF format: 0xffffffff then an 8-byte length, 8-byte ids. */
  readonly format64: boolean;
  constructor(options: { eh: boolean; format64?: boolean }) {
    this.eh = options.eh;
    this.format64 = options.format64 ?? false;
  }

  get size(): number {
    return this.bytes.length;
  }

  #record(idOrPointer: (idAt: number) => number[], body: number[]): number {
    const offset = this.bytes.length;
    const idSize = this.format64 ? 8 : 4;
    const lengthSize = this.format64 ? 12 : 4;
    const length = idSize + body.length;
    const header = this.format64 ? [0xff, 0xff, 0xff, 0xff, ...le(length, 8)] : le(length, 4);
    // One byte at a time: spreading a 200k-byte body into push() overflows the stack.
    for (const part of [header, idOrPointer(offset + lengthSize), body]) for (const byte of part) this.bytes.push(byte);
    return offset;
  }

  cie(spec: CieSpec = {}): number {
    const version = spec.version ?? 1;
    const augmentation = spec.augmentation ?? (this.eh ? "zR" : "");
    const body: number[] = [
      version,
      ...cstr(augmentation),
      ...(spec.afterAugmentation ?? []),
      ...uleb(spec.codeAlignmentFactor ?? 1),
      ...sleb(spec.dataAlignmentFactor ?? -8),
      ...(version === 1 ? [spec.returnAddressRegister ?? 16] : uleb(spec.returnAddressRegister ?? 16)),
      ...(augmentation.startsWith("z") ? [...uleb((spec.augmentationData ?? []).length), ...(spec.augmentationData ?? [])] : []),
      ...(spec.instructions ?? []),
    ];
    const idSize = this.format64 ? 8 : 4;
    const id = this.eh ? 0n : (1n << BigInt(idSize * 8)) - 1n;
    return this.#record(() => le(id, idSize), body);
  }

  fde(spec: FdeSpec): number {
    const idSize = this.format64 ? 8 : 4;
    const body = [
      ...spec.addresses,
      ...(spec.augmentationData !== undefined ? [...uleb(spec.augmentationData.length), ...spec.augmentationData] : []),
      ...(spec.instructions ?? []),
    ];
    return this.#record((idAt) => le(spec.rawCiePointer ?? (this.eh ? idAt - spec.cie : spec.cie), idSize), body);
  }

  /** Offset of the next FDE's initial location field (for pc-relative values). */
  nextFieldOffset(): number {
    return this.bytes.length + (this.format64 ? 12 + 8 : 4 + 4);
  }

  terminator(): this {
    this.bytes.push(0, 0, 0, 0);
    return this;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/**
 * An `.eh_frame_hdr` with a `DW_EH_PE_datarel|DW_EH_PE_sdata4` table (or `tableEncoding` with
 * 8-byte absolute entries when 0x04), for FDEs given as [initial location, FDE address].
 */
export function ehFrameHdr(options: {
  hdrAddress: bigint;
  ehFrameAddress: bigint;
  entries: [bigint, bigint][];
  version?: number;
  tableEncoding?: number;
  countEncoding?: number;
  count?: number;
}): Uint8Array {
  const tableEncoding = options.tableEncoding ?? 0x3b;
  const countEncoding = options.countEncoding ?? 0x03;
  const bytes = [options.version ?? 1, 0x1b, countEncoding, tableEncoding];
  bytes.push(...le(options.ehFrameAddress - (options.hdrAddress + 4n), 4));
  if (countEncoding !== 0xff)
    bytes.push(...(countEncoding === 0x01 ? uleb(options.count ?? options.entries.length) : le(options.count ?? options.entries.length, 4)));
  const sorted = [...options.entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (const [location, fde] of sorted) {
    if (tableEncoding === 0x3b) bytes.push(...le(location - options.hdrAddress, 4), ...le(fde - options.hdrAddress, 4));
    else if (tableEncoding === 0x04) bytes.push(...le(location, 8), ...le(fde, 8));
    else bytes.push(...uleb(location), ...uleb(fde));
  }
  return Uint8Array.from(bytes);
}

import { bufferSource } from "./byte_source.js";
import { CallFrameInfo, type FrameDescriptionEntry } from "./call_frame_info.js";
import { DwarfFormatError } from "./dwarf_format_error.js";

/** The bytes a fuzzer hands to {@link exerciseCallFrameInfo}; every field may be missing or garbage. @internal */
export interface CfiExerciseInput {
  readonly eh_frame?: Uint8Array | undefined;
  readonly ehFrameAddress?: bigint | undefined;
  readonly eh_frame_hdr?: Uint8Array | undefined;
  readonly ehFrameHdrAddress?: bigint | undefined;
  readonly debug_frame?: Uint8Array | undefined;
  readonly littleEndian?: boolean | undefined;
  readonly addressSize?: 4 | 8 | undefined;
  /** Addresses to look up besides each FDE's start, middle, last byte and end. */
  readonly pcs?: readonly bigint[] | undefined;
  /** FDEs whose rows are all computed, per CFI object (default 64). */
  readonly maxFdes?: number | undefined;
  /** Addresses looked up per CFI object (default 512). */
  readonly maxPcs?: number | undefined;
}

/** What {@link exerciseCallFrameInfo} did: counts of values read and of DwarfFormatErrors caught. @internal */
export interface CfiExerciseResult {
  records: number;
  fdes: number;
  rows: number;
  lookups: number;
  /** DwarfFormatErrors caught, by code. */
  errors: Record<string, number>;
}

/**
 * Calls every CFI API on arbitrary bytes — `fromEhFrame` (with and without the hdr),
 * `fromDebugFrame`, `records()`, `recordAt()`, `rows()`, `findFde()`, `rowFor()` — and counts the
 * results. A {@link DwarfFormatError} is the expected outcome of bad bytes and is counted; any
 * other exception escapes, which is the bug a fuzzer looks for. The work is bounded by `maxFdes`
 * and `maxPcs` and by {@link DWARF_LIMITS}. For `tools/fuzz` and the property test. @internal
 *
 * @param input the sections and what to look up.
 * @returns counts of records, FDEs, rows and lookups done, and of errors by code.
 * @throws anything that is not a DwarfFormatError.
 * @example
 * ```ts
 * const result = exerciseCallFrameInfo({ eh_frame: bytes, ehFrameAddress: 0x2000n, littleEndian: true, addressSize: 8 });
 * ```
 */
export function exerciseCallFrameInfo(input: CfiExerciseInput): CfiExerciseResult {
  const result: CfiExerciseResult = { records: 0, fdes: 0, rows: 0, lookups: 0, errors: {} };
  const guard = <T>(action: () => T): T | undefined => {
    try {
      return action();
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      result.errors[error.code] = (result.errors[error.code] ?? 0) + 1;
      return undefined;
    }
  };
  const littleEndian = input.littleEndian ?? true;
  const addressSize = input.addressSize ?? 8;
  const objects: CallFrameInfo[] = [];
  if (input.eh_frame) {
    const ehFrameAddress = input.ehFrameAddress ?? 0n;
    const eh_frame = bufferSource(input.eh_frame);
    objects.push(CallFrameInfo.fromEhFrame({ eh_frame, ehFrameAddress, littleEndian, addressSize }));
    if (input.eh_frame_hdr) {
      const eh_frame_hdr = bufferSource(input.eh_frame_hdr);
      objects.push(
        CallFrameInfo.fromEhFrame({ eh_frame, ehFrameAddress, eh_frame_hdr, ehFrameHdrAddress: input.ehFrameHdrAddress ?? 0n, littleEndian, addressSize }),
      );
    }
  }
  if (input.debug_frame) objects.push(CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(input.debug_frame), littleEndian, addressSize }));
  const maxFdes = input.maxFdes ?? 64;
  const maxPcs = input.maxPcs ?? 512;
  for (const cfi of objects) {
    const fdes: FrameDescriptionEntry[] = [];
    guard(() => {
      for (const record of cfi.records()) {
        result.records++;
        if (record.kind === "fde") fdes.push(record);
      }
    });
    result.fdes += fdes.length;
    if (fdes[0]) guard(() => cfi.recordAt(fdes[0]!.cieOffset));
    for (const fde of fdes.slice(0, maxFdes)) {
      guard(() => {
        for (const _row of cfi.rows(fde)) result.rows++;
      });
    }
    const pcs = [...(input.pcs ?? [])];
    for (const fde of fdes) {
      if (pcs.length >= maxPcs) break;
      pcs.push(fde.initialLocation, fde.initialLocation + fde.addressRange / 2n, fde.endAddress - 1n, fde.endAddress);
    }
    for (const pc of pcs.slice(0, maxPcs)) {
      result.lookups++;
      guard(() => cfi.findFde(pc));
      guard(() => cfi.rowFor(pc));
    }
  }
  return result;
}

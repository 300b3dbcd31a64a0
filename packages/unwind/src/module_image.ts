import { type CoreFile, ElfFile, ElfFormatError, MemoryError } from "@corestack/elf";
import { AT_SYSINFO_EHDR, PT_LOAD } from "@corestack/elf/constants";

/**
 * One ELF image of the process, as the unwinder and the symbolizer see it: a module of
 * `@corestack/symbols` (its `Module` satisfies this interface) or the vDSO read from the core.
 */
export interface ModuleImage {
  /** The path the process had mapped (`[vdso]` for the vDSO). */
  readonly path: string;
  /** First run-time address of its mappings. */
  readonly start: bigint;
  /** Address after its last mapping. */
  readonly end: bigint;
  /** The parsed file, or undefined when it could not be found. */
  readonly elf: ElfFile | undefined;
  /** Run-time address minus link-time address, undefined when the file is missing. */
  readonly bias: bigint | undefined;
  /** Where the file was found on this machine (for `.gnu_debuglink`); undefined for the vDSO. */
  readonly resolvedPath: string | undefined;
}

/** The most bytes of a vDSO image read from a core; Linux's is two to four pages. */
const MAX_VDSO_BYTES = 1 << 20;

/**
 * The vDSO of a core's process, read from the core (the kernel dumps it; `NT_FILE` does not list
 * it because no file backs it): the ELF image at `AT_SYSINFO_EHDR`, up to the end of its dumped
 * segment. Signal trampolines live there on aarch64 (`__kernel_rt_sigreturn`), and
 * `clock_gettime` and friends on both architectures.
 *
 * @param core the core.
 * @returns the image, or undefined when the auxiliary vector names none or it is not dumped or
 *   not an ELF image.
 * @example
 * ```ts
 * vdsoImage(core)?.elf?.section(".eh_frame");
 * ```
 */
export function vdsoImage(core: CoreFile): ModuleImage | undefined {
  const start = core.auxvValue(AT_SYSINFO_EHDR);
  if (start === undefined || start === 0n) return undefined;
  const segment = core.segmentAt(start);
  if (!segment) return undefined;
  const length = Number(segment.end - start < BigInt(MAX_VDSO_BYTES) ? segment.end - start : BigInt(MAX_VDSO_BYTES));
  let bytes: Uint8Array;
  let elf: ElfFile;
  try {
    bytes = core.read(start, length);
    const image = bytes;
    elf = new ElfFile({
      size: image.length,
      bytes: (offset, count) => {
        if (!Number.isInteger(offset) || !Number.isInteger(count) || offset < 0 || count < 0 || offset + count > image.length) {
          throw new RangeError(`${offset}+${count} is outside the ${image.length}-byte vDSO image`);
        }
        return image.subarray(offset, offset + count);
      },
    });
  } catch (error) {
    if (MemoryError.isInstance(error) || ElfFormatError.isInstance(error)) return undefined;
    throw error;
  }
  const first = elf.programHeaders.find((header) => header.p_type === PT_LOAD);
  const bias = first ? start - (first.p_vaddr - BigInt(first.p_offset)) : start;
  return { path: "[vdso]", start, end: start + BigInt(length), elf, bias, resolvedPath: undefined };
}

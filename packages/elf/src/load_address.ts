import { ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, PT_LOAD, SHN_XINDEX } from "./constants.js";

/** Program headers past this many are refused, as {@link ElfFile} refuses them. */
const MAX_HEADERS = 1 << 20;

/**
 * The virtual address (`p_vaddr`) of the first `PT_LOAD` segment that starts at file offset 0,
 * read from an ELF file's first bytes: its header and program headers, nothing else. Where a
 * process maps the file at `start`, its load bias is `start` − that address rounded down to a
 * page. The answer {@link ElfFile} would give (`programHeaders.find(...)`) for the same bytes, and
 * `undefined` where it would throw (not an ELF header, a table past the bytes, an offset that is not
 * a safe integer, too many headers) or find none, without making an object per header: a core's
 * copy of each loaded object's first page is read this way once per module.
 * @param bytes the file's first bytes (the ELF header and the program headers must lie in them).
 * @returns the segment's `p_vaddr`, or `undefined`.
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { firstLoadVaddr } from "@corestack/elf";
 *
 * firstLoadVaddr(readFileSync("/bin/sh").subarray(0, 4096)); // 0n for a PIE
 * ```
 */
export function firstLoadVaddr(bytes: Uint8Array): bigint | undefined {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return undefined;
  const is64 = bytes[4] === ELFCLASS64;
  if (!is64 && bytes[4] !== ELFCLASS32) return undefined;
  if (bytes[5] !== ELFDATA2LSB && bytes[5] !== ELFDATA2MSB) return undefined;
  const little = bytes[5] === ELFDATA2LSB;
  if (bytes.length < (is64 ? 64 : 52)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  // An offset word as a number, or -1 when it is not a safe integer (ElfFile refuses those).
  const offset = (at: number): number => {
    if (!is64) return view.getUint32(at, little);
    const value = Number(view.getBigUint64(at, little));
    return Number.isSafeInteger(value) ? value : -1;
  };
  const phoff = offset(is64 ? 32 : 28);
  const shoff = offset(is64 ? 40 : 32);
  if (phoff < 0 || shoff < 0) return undefined;
  const phentsize = view.getUint16(is64 ? 54 : 42, little);
  let phnum = view.getUint16(is64 ? 56 : 44, little);
  const shnum = view.getUint16(is64 ? 60 : 48, little);
  const shstrndx = view.getUint16(is64 ? 62 : 50, little);
  // Extended numbering: the real counts live in section header 0, which must then be in the bytes.
  if (shoff !== 0 && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === 0xffff)) {
    const entry = is64 ? 64 : 40;
    if (shoff + entry > bytes.length) return undefined;
    if (is64 && offset(shoff + 32) < 0) return undefined;
    if (phnum === 0xffff) phnum = view.getUint32(shoff + (is64 ? 44 : 28), little);
  }
  if (phnum === 0 || phoff === 0) return undefined;
  if (phentsize < (is64 ? 56 : 32) || phnum > MAX_HEADERS || phoff + phnum * phentsize > bytes.length) return undefined;
  let found: bigint | undefined;
  for (let index = 0; index < phnum; index++) {
    const at = phoff + index * phentsize;
    if (is64) {
      const p_offset = offset(at + 8);
      // ElfFile reads every header, and refuses one whose offset or size is not a safe integer.
      if (p_offset < 0 || offset(at + 32) < 0) return undefined;
      if (found === undefined && view.getUint32(at, little) === PT_LOAD && p_offset === 0) found = view.getBigUint64(at + 16, little);
    } else if (found === undefined && view.getUint32(at, little) === PT_LOAD && view.getUint32(at + 4, little) === 0) {
      found = BigInt(view.getUint32(at + 8, little));
    }
  }
  return found;
}

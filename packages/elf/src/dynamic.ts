import { DT_NEEDED, DT_NULL, DT_SONAME, DT_STRSZ, DT_STRTAB, PT_DYNAMIC, PT_LOAD, SHT_DYNAMIC, SHT_NOBITS, SHT_STRTAB } from "./constants.js";
import { cString } from "./_cursor.js";
import type { ElfFile } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** One `Elf64_Dyn`/`Elf32_Dyn` entry. */
export interface DynamicEntry {
  /** `d_tag`, a `DT_*` constant (signed in the file; every defined tag is a safe integer). */
  readonly tag: number;
  /** `d_un`: `d_val` or `d_ptr`, unsigned. */
  readonly value: bigint;
}

/** The most entries read from one dynamic array (real files have a few dozen). */
export const MAX_DYNAMIC_ENTRIES = 1 << 16;

/**
 * Decodes a dynamic array up to (not including) its `DT_NULL` entry, or to the end of the bytes.
 * Works on file bytes and on `_DYNAMIC` read from a process's memory.
 *
 * @param bytes the array's bytes.
 * @param options word size, byte order, and the file offset of `bytes` for messages.
 * @returns the entries before `DT_NULL`.
 * @throws {ElfFormatError} when a partial entry ends the bytes, a tag is not a safe integer, or
 * there are more than {@link MAX_DYNAMIC_ENTRIES} entries.
 * @example
 * ```ts
 * const entries = decodeDynamic(memory.read(dynamicAddress, 512), { is64: true, littleEndian: true });
 * ```
 */
export function decodeDynamic(bytes: Uint8Array, options: { is64: boolean; littleEndian: boolean; offset?: number }): DynamicEntry[] {
  const { is64, littleEndian } = options;
  const base = options.offset ?? 0;
  const size = is64 ? 16 : 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: DynamicEntry[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    if (bytes.length - at < size) {
      throw new ElfFormatError(`Cannot read dynamic entry at offset ${hex(base + at)}: ${bytes.length - at} of ${size} bytes remain`, {
        offset: base + at,
        code: "truncated",
      });
    }
    if (entries.length >= MAX_DYNAMIC_ENTRIES) {
      throw new ElfFormatError(`More than ${MAX_DYNAMIC_ENTRIES} dynamic entries at offset ${hex(base)}`, { offset: base + at, code: "bad-value" });
    }
    let tag: number;
    let value: bigint;
    if (is64) {
      const raw = view.getBigInt64(at, littleEndian);
      if (raw > BigInt(Number.MAX_SAFE_INTEGER) || raw < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new ElfFormatError(`Dynamic entry at offset ${hex(base + at)} has tag ${raw}, not a safe integer`, { offset: base + at, code: "bad-value" });
      }
      tag = Number(raw);
      value = view.getBigUint64(at + 8, littleEndian);
    } else {
      tag = view.getInt32(at, littleEndian);
      value = BigInt(view.getUint32(at + 4, littleEndian));
    }
    if (tag === DT_NULL) break;
    entries.push({ tag, value });
  }
  return entries;
}

/**
 * The dynamic array of a file: the `PT_DYNAMIC` segment's bytes, else the `SHT_DYNAMIC`
 * section's. A debug file, whose dynamic array is not stored, has none.
 *
 * @param elf a parsed file.
 * @returns the entries before `DT_NULL`; empty when the file is not dynamically linked.
 * @throws {ElfFormatError} when the array is truncated or malformed.
 * @example
 * ```ts
 * for (const { tag, value } of dynamicEntries(elf)) if (tag === DT_GNU_HASH) console.log(value);
 * ```
 */
export function dynamicEntries(elf: ElfFile): DynamicEntry[] {
  const layout = { is64: elf.is64, littleEndian: elf.littleEndian };
  const segment = elf.programHeaders.find((p) => p.p_type === PT_DYNAMIC && p.p_filesz > 0);
  if (segment) return decodeDynamic(elf.segmentBytes(segment), { ...layout, offset: segment.p_offset });
  const section = elf.sections.find((s) => s.sh_type === SHT_DYNAMIC && s.sh_size > 0);
  if (section && section.sh_type !== SHT_NOBITS) return decodeDynamic(elf.sectionBytes(section), { ...layout, offset: section.sh_offset });
  return [];
}

/**
 * The libraries a file needs (`DT_NEEDED`), in order.
 *
 * @param elf a parsed file.
 * @returns the names as stored (`libc.so.6`); empty for a static or non-dynamic file.
 * @throws {ElfFormatError} when the dynamic array or its string table is malformed.
 * @example
 * ```ts
 * neededLibraries(elf); // ["libm.so.6", "libc.so.6"]
 * ```
 */
export function neededLibraries(elf: ElfFile): string[] {
  const entries = dynamicEntries(elf);
  const needed = entries.filter((entry) => entry.tag === DT_NEEDED);
  if (needed.length === 0) return [];
  const strings = dynamicStrings(elf, entries);
  return needed.map((entry) => readString(strings, entry.value));
}

/**
 * The shared object name of a library (`DT_SONAME`).
 *
 * @param elf a parsed file.
 * @returns the name (`libpython3.12.so.1.0`), or undefined when the file has none.
 * @throws {ElfFormatError} when the dynamic array or its string table is malformed.
 * @example
 * ```ts
 * soname(elf); // "libc.so.6"
 * ```
 */
export function soname(elf: ElfFile): string | undefined {
  const entries = dynamicEntries(elf);
  const entry = entries.find((e) => e.tag === DT_SONAME);
  return entry ? readString(dynamicStrings(elf, entries), entry.value) : undefined;
}

interface StringTable {
  readonly bytes: Uint8Array;
  readonly offset: number;
}

/** The dynamic string table: `DT_STRTAB` translated through `PT_LOAD`, else the linked section or `.dynstr`. */
function dynamicStrings(elf: ElfFile, entries: readonly DynamicEntry[]): StringTable {
  const address = entries.find((e) => e.tag === DT_STRTAB)?.value;
  const declaredSize = entries.find((e) => e.tag === DT_STRSZ)?.value;
  if (address !== undefined) {
    for (const segment of elf.programHeaders) {
      if (segment.p_type !== PT_LOAD || address < segment.p_vaddr || address >= segment.p_vaddr + BigInt(segment.p_filesz)) continue;
      const offset = segment.p_offset + Number(address - segment.p_vaddr);
      let size = segment.p_offset + segment.p_filesz - offset;
      if (declaredSize !== undefined && declaredSize < BigInt(size)) size = Number(declaredSize);
      if (offset + size > elf.source.size) {
        throw new ElfFormatError(`The dynamic string table at offset ${hex(offset)} runs past the end of the file`, { offset, code: "truncated" });
      }
      return { bytes: elf.source.bytes(offset, size), offset };
    }
  }
  const dynamic = elf.sections.find((s) => s.sh_type === SHT_DYNAMIC);
  const linked = dynamic ? elf.sections[dynamic.sh_link] : undefined;
  const section = linked && linked.sh_type === SHT_STRTAB ? linked : elf.section(".dynstr");
  if (section && section.sh_type !== SHT_NOBITS) return { bytes: elf.sectionBytes(section), offset: section.sh_offset };
  throw new ElfFormatError(
    address === undefined
      ? "The dynamic array has no DT_STRTAB and the file has no .dynstr section"
      : `DT_STRTAB ${hex(address)} is in no PT_LOAD segment and the file has no .dynstr section`,
    { offset: 0, code: "not-found" },
  );
}

function readString(table: StringTable, value: bigint): string {
  if (value >= BigInt(table.bytes.length)) {
    throw new ElfFormatError(`Dynamic string offset ${hex(value)} is outside the ${table.bytes.length}-byte string table at offset ${hex(table.offset)}`, {
      offset: table.offset,
      code: "bad-value",
    });
  }
  return cString(table.bytes, Number(value));
}

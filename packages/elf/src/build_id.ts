import type { ByteSource } from "./byte_source.js";
import { Cursor } from "./_cursor.js";
import { ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, NT_GNU_BUILD_ID, PT_NOTE, SHT_NOTE } from "./constants.js";
import type { ElfFile } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";
import { readNotes } from "./read_notes.js";

/** A block of note bytes to scan: its file offset and alignment. */
interface NoteBlock {
  readonly offset: number;
  readonly size: number;
  readonly align: number;
}

/**
 * The GNU build-id of a file: the descriptor of its `NT_GNU_BUILD_ID` note (owner "GNU",
 * type 3), from its `PT_NOTE` segments, else its `SHT_NOTE` sections (`.note.gnu.build-id`
 * first). Separate debug files, whose segments hold no bytes, are read through their sections.
 *
 * @param elf a parsed file.
 * @returns a copy of the build-id bytes (usually 20), or undefined when the file has none.
 * @throws {ElfFormatError} when no build-id was found and a note block was malformed.
 * @example
 * ```ts
 * const id = buildId(elf);
 * if (id) console.log(buildIdHex(id)); // "15dfff3239aa7c3b16a71e6b2e3b6e4009dab998"
 * ```
 */
export function buildId(elf: ElfFile): Uint8Array | undefined {
  const blocks: NoteBlock[] = [];
  for (const segment of elf.programHeaders) {
    if (segment.p_type === PT_NOTE && segment.p_filesz > 0) {
      blocks.push({ offset: segment.p_offset, size: segment.p_filesz, align: Number(segment.p_align) });
    }
  }
  const sections = elf.sections.filter((s) => s.sh_type === SHT_NOTE && s.sh_size > 0);
  sections.sort((a, b) => Number(b.name === ".note.gnu.build-id") - Number(a.name === ".note.gnu.build-id"));
  for (const section of sections) blocks.push({ offset: section.sh_offset, size: section.sh_size, align: Number(section.sh_addralign) });
  return scanBlocks(elf.source, blocks, elf.littleEndian);
}

/**
 * Formats a build-id as lowercase hexadecimal, as `readelf -n` and debug directories
 * (`.build-id/15/dfff….debug`) spell it.
 *
 * @param bytes the build-id.
 * @returns two hex digits per byte.
 * @example
 * ```ts
 * buildIdHex(new Uint8Array([0x15, 0xdf])); // "15df"
 * ```
 */
export function buildIdHex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/**
 * Finds the `NT_GNU_BUILD_ID` note in a block of note bytes, e.g. a `PT_NOTE` segment read from a
 * process's memory.
 *
 * @param bytes the note bytes.
 * @param littleEndian the byte order of the notes.
 * @param options the notes' alignment (4 unless 8) and the block's offset for messages.
 * @returns a copy of the build-id, or undefined when the block holds none.
 * @throws {ElfFormatError} when a note before the build-id is malformed.
 * @example
 * ```ts
 * const id = buildIdFromNotes(memory.read(bias + noteVaddr, noteSize), true);
 * ```
 */
export function buildIdFromNotes(bytes: Uint8Array, littleEndian: boolean, options: { align?: number; offset?: number } = {}): Uint8Array | undefined {
  for (const note of readNotes(bytes, { littleEndian, align: options.align ?? 4, offset: options.offset ?? 0 })) {
    if (note.name === "GNU" && note.type === NT_GNU_BUILD_ID && note.desc.length > 0) return new Uint8Array(note.desc);
  }
  return undefined;
}

/**
 * Finds the build-id of a mapped ELF image from its first bytes only: the ELF header, the program
 * headers and the `PT_NOTE` segments, located by file offset (the first mapping of a module maps
 * file offset 0, and Linux dumps that page into cores). Section headers are never read.
 *
 * @param source the first page(s) of the image, e.g. a core's dump of a module's first mapping.
 * @returns a copy of the build-id, or undefined when the program headers or the build-id note lie
 * outside `source`, or the image has no build-id.
 * @throws {ElfFormatError} when `source` does not start with an ELF header, or a note block inside
 * it is malformed and no build-id was found.
 * @example
 * ```ts
 * const page = core.read(mapping.start, 4096);
 * const id = buildIdFromImage(bufferSource(page));
 * ```
 */
export function buildIdFromImage(source: ByteSource): Uint8Array | undefined {
  if (source.size < 16) {
    throw new ElfFormatError(`Not an ELF image: ${source.size} bytes, fewer than the 16-byte identification`, { offset: 0, code: "truncated" });
  }
  const ident = source.bytes(0, 16);
  if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw new ElfFormatError("Not an ELF image: the first four bytes are not \\x7fELF", { offset: 0, code: "bad-magic" });
  }
  const ei_class = ident[4];
  const ei_data = ident[5];
  if (ei_class !== ELFCLASS32 && ei_class !== ELFCLASS64) {
    throw new ElfFormatError(`Unsupported ELF class ${ei_class} at offset 0x4`, { offset: 4, code: "unsupported" });
  }
  if (ei_data !== ELFDATA2LSB && ei_data !== ELFDATA2MSB) {
    throw new ElfFormatError(`Unsupported ELF data encoding ${ei_data} at offset 0x5`, { offset: 5, code: "unsupported" });
  }
  const is64 = ei_class === ELFCLASS64;
  const littleEndian = ei_data === ELFDATA2LSB;
  const c = new Cursor(source, littleEndian);
  c.require(is64 ? 32 : 28, is64 ? 26 : 18, "ELF header");
  const e_phoff = c.offsetWord(is64, "e_phoff");
  c.skip(is64 ? 8 + 4 + 2 : 4 + 4 + 2); // e_shoff, e_flags, e_ehsize
  const e_phentsize = c.u16();
  const e_phnum = c.u16();
  const minimum = is64 ? 56 : 32;
  if (e_phoff === 0 || e_phnum === 0 || e_phnum === 0xffff) return undefined; // PN_XNUM: the count lives in section header 0
  if (e_phentsize < minimum) {
    throw new ElfFormatError(`e_phentsize ${e_phentsize} is smaller than a program header (${minimum})`, { offset: is64 ? 54 : 42, code: "bad-value" });
  }
  if (e_phoff + e_phnum * e_phentsize > source.size) return undefined;
  const blocks: NoteBlock[] = [];
  for (let index = 0; index < e_phnum; index++) {
    c.require(e_phoff + index * e_phentsize, minimum, `program header ${index}`);
    const p_type = c.u32();
    if (p_type !== PT_NOTE) continue;
    let p_offset: number;
    let p_filesz: number;
    let p_align: number;
    if (is64) {
      c.skip(4); // p_flags
      p_offset = c.offsetWord(true, "p_offset");
      c.skip(16); // p_vaddr, p_paddr
      p_filesz = c.offsetWord(true, "p_filesz");
      c.skip(8); // p_memsz
      p_align = Number(c.u64());
    } else {
      p_offset = c.u32();
      c.skip(8); // p_vaddr, p_paddr
      p_filesz = c.u32();
      c.skip(8); // p_memsz, p_flags
      p_align = c.u32();
    }
    if (p_filesz > 0 && p_offset + p_filesz <= source.size) blocks.push({ offset: p_offset, size: p_filesz, align: p_align });
  }
  return scanBlocks(source, blocks, littleEndian);
}

/**
 * Most notes read looking for a build-id, in all note blocks of a file together. A real file's
 * build-id is among its first few notes; a crafted one (a core's copy of a module's first page
 * holds a thousand program headers) can point every `PT_NOTE` at one block of thousands of notes.
 */
export const MAX_BUILD_ID_NOTES = 1024;

/** The first build-id in the blocks; a malformed block is skipped, and its error thrown only when no build-id is found. */
function scanBlocks(source: ByteSource, blocks: readonly NoteBlock[], littleEndian: boolean): Uint8Array | undefined {
  let firstError: unknown;
  let notes = 0;
  for (const block of blocks) {
    // Past the limit the scan ends, not just this block: that is what bounds a crafted file.
    if (notes >= MAX_BUILD_ID_NOTES) break;
    try {
      if (block.offset + block.size > source.size) {
        throw new ElfFormatError(
          `Note block at offset 0x${block.offset.toString(16)} runs past the end of the file: ${Math.max(0, source.size - block.offset)} of ${block.size} bytes remain`,
          { offset: block.offset, code: "truncated" },
        );
      }
      for (const note of readNotes(source.bytes(block.offset, block.size), { littleEndian, align: block.align === 8 ? 8 : 4, offset: block.offset })) {
        if (note.name === "GNU" && note.type === NT_GNU_BUILD_ID && note.desc.length > 0) return new Uint8Array(note.desc);
        if (++notes >= MAX_BUILD_ID_NOTES) break;
      }
    } catch (error) {
      if (!ElfFormatError.isInstance(error)) throw error;
      firstError ??= error;
    }
  }
  if (notes >= MAX_BUILD_ID_NOTES) {
    throw new ElfFormatError(`No build-id in the first ${MAX_BUILD_ID_NOTES} notes of the file: the rest are not read`, { offset: 0, code: "bad-value" });
  }
  if (firstError !== undefined) throw firstError;
  return undefined;
}

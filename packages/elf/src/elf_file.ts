import type { ByteSource } from "./byte_source.js";
import { Cursor, cString } from "./_cursor.js";
import { ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB, SHN_XINDEX, SHT_NOBITS } from "./constants.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** The ELF file header (`Elf32_Ehdr`/`Elf64_Ehdr`), fields by their C names. */
export interface ElfHeader {
  /** `EI_CLASS`: 1 = 32-bit, 2 = 64-bit. */
  readonly ei_class: number;
  /** `EI_DATA`: 1 = little-endian, 2 = big-endian. */
  readonly ei_data: number;
  readonly ei_osabi: number;
  readonly e_type: number;
  readonly e_machine: number;
  readonly e_version: number;
  readonly e_entry: bigint;
  readonly e_phoff: number;
  readonly e_shoff: number;
  readonly e_flags: number;
  readonly e_ehsize: number;
  readonly e_phentsize: number;
  /** Number of program headers, with the `PN_XNUM` extension resolved. */
  readonly e_phnum: number;
  readonly e_shentsize: number;
  /** Number of section headers, with the extended-numbering extension resolved. */
  readonly e_shnum: number;
  /** Index of the section-name string table, with `SHN_XINDEX` resolved. */
  readonly e_shstrndx: number;
}

/** A program header (`Elf64_Phdr`). Addresses are bigint; offsets and sizes inside the file are numbers. */
export interface ProgramHeader {
  readonly index: number;
  readonly p_type: number;
  readonly p_flags: number;
  readonly p_offset: number;
  readonly p_vaddr: bigint;
  readonly p_paddr: bigint;
  readonly p_filesz: number;
  readonly p_memsz: bigint;
  readonly p_align: bigint;
}

/** A section header (`Elf64_Shdr`) with its resolved name. */
export interface SectionHeader {
  readonly index: number;
  /** The name from the section-name string table ("" when absent or unreadable). */
  readonly name: string;
  readonly sh_name: number;
  readonly sh_type: number;
  readonly sh_flags: bigint;
  readonly sh_addr: bigint;
  readonly sh_offset: number;
  /** Size in the file (0 for `SHT_NOBITS` sections is NOT implied: this is the raw field). */
  readonly sh_size: number;
  readonly sh_link: number;
  readonly sh_info: number;
  readonly sh_addralign: bigint;
  readonly sh_entsize: number;
}

const MAX_HEADERS = 1 << 20;

/**
 * Most bytes of section names decoded for one file. Each name runs to the next NUL of the name
 * table, so a million sections naming a table without NULs would decode a million copies of it
 * (a 4 MB file with 65 000 sections over a 64 KiB table exhausts the heap). Real files name a few
 * dozen sections (relocatable objects with one section per function: a few MB).
 */
export const MAX_SECTION_NAME_BYTES = 1 << 26;

/**
 * An ELF file read from a {@link ByteSource}: the header, program headers and section headers are
 * parsed at construction; section contents are read on demand.
 *
 * @example
 * ```ts
 * import { ElfFile, bufferSource } from "@corestack/elf";
 * import { readFileSync } from "node:fs";
 * const elf = new ElfFile(bufferSource(readFileSync("/bin/ls")));
 * console.log(elf.header.e_machine, elf.sections.length);
 * ```
 */
export class ElfFile {
  readonly source: ByteSource;
  readonly header: ElfHeader;
  readonly is64: boolean;
  readonly littleEndian: boolean;
  readonly programHeaders: readonly ProgramHeader[];
  readonly sections: readonly SectionHeader[];
  #byName: Map<string, SectionHeader> | undefined;

  /**
   * Parses the headers of an ELF file.
   * @param source the file's bytes.
   * @param options `headersOnly`: parse the file and program headers but not the section headers
   *   (for an image whose first pages were read from memory, where section headers are absent).
   * @throws {ElfFormatError} when the bytes are not a well-formed ELF header or header tables.
   */
  constructor(source: ByteSource, options: { headersOnly?: boolean } = {}) {
    this.source = source;
    if (source.size < 16) {
      throw new ElfFormatError(`Not an ELF file: ${source.size} bytes, fewer than the 16-byte identification`, {
        offset: 0,
        code: source.size === 0 ? "truncated" : "bad-magic",
      });
    }
    const ident = source.bytes(0, 16);
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
      throw new ElfFormatError("Not an ELF file: the first four bytes are not \\x7fELF", { offset: 0, code: "bad-magic" });
    }
    const ei_class = ident[4]!;
    const ei_data = ident[5]!;
    if (ei_class !== ELFCLASS32 && ei_class !== ELFCLASS64) {
      throw new ElfFormatError(`Unsupported ELF class ${ei_class} at offset 0x4`, { offset: 4, code: "unsupported" });
    }
    if (ei_data !== ELFDATA2LSB && ei_data !== ELFDATA2MSB) {
      throw new ElfFormatError(`Unsupported ELF data encoding ${ei_data} at offset 0x5`, { offset: 5, code: "unsupported" });
    }
    this.is64 = ei_class === ELFCLASS64;
    this.littleEndian = ei_data === ELFDATA2LSB;
    const c = new Cursor(source, this.littleEndian);
    c.require(16, this.is64 ? 48 : 36, "ELF header");
    const e_type = c.u16();
    const e_machine = c.u16();
    const e_version = c.u32();
    const e_entry = c.word(this.is64);
    const e_phoff = c.offsetWord(this.is64, "e_phoff");
    const e_shoff = c.offsetWord(this.is64, "e_shoff");
    const e_flags = c.u32();
    const e_ehsize = c.u16();
    const e_phentsize = c.u16();
    let e_phnum = c.u16();
    const e_shentsize = c.u16();
    let e_shnum = c.u16();
    let e_shstrndx = c.u16();

    // Extended numbering: the real counts live in section header 0.
    if (e_shoff !== 0 && (e_shnum === 0 || e_shstrndx === SHN_XINDEX || e_phnum === 0xffff)) {
      c.require(e_shoff, this.is64 ? 64 : 40, "section header 0");
      c.skip(this.is64 ? 32 : 20);
      const sh_size = c.offsetWord(this.is64, "sh_size");
      const sh_link = c.u32();
      const sh_info = c.u32();
      if (e_shnum === 0) e_shnum = sh_size;
      if (e_shstrndx === SHN_XINDEX) e_shstrndx = sh_link;
      if (e_phnum === 0xffff) e_phnum = sh_info;
    }
    this.header = {
      ei_class,
      ei_data,
      ei_osabi: ident[7]!,
      e_type,
      e_machine,
      e_version,
      e_entry,
      e_phoff,
      e_shoff,
      e_flags,
      e_ehsize,
      e_phentsize,
      e_phnum,
      e_shentsize,
      e_shnum,
      e_shstrndx,
    };
    this.programHeaders = this.#readProgramHeaders(c);
    this.sections = options.headersOnly ? [] : this.#readSections(c);
  }

  #readProgramHeaders(c: Cursor): ProgramHeader[] {
    const { e_phoff, e_phnum, e_phentsize } = this.header;
    if (e_phnum === 0 || e_phoff === 0) return [];
    const minimum = this.is64 ? 56 : 32;
    if (e_phentsize < minimum) {
      throw new ElfFormatError(`e_phentsize ${e_phentsize} is smaller than a program header (${minimum})`, {
        offset: this.is64 ? 54 : 42,
        code: "bad-value",
      });
    }
    if (e_phnum > MAX_HEADERS) throw new ElfFormatError(`Too many program headers: ${e_phnum}`, { offset: e_phoff, code: "bad-value" });
    c.require(e_phoff, e_phnum * e_phentsize, `${e_phnum} program headers`);
    const result: ProgramHeader[] = [];
    for (let index = 0; index < e_phnum; index++) {
      // Inside the table required above (e_phentsize ≥ minimum).
      c.seekRecord(index * e_phentsize, "program header", index);
      if (this.is64) {
        const p_type = c.u32();
        const p_flags = c.u32();
        const p_offset = c.offsetWord(true, "p_offset");
        const p_vaddr = c.u64();
        const p_paddr = c.u64();
        const p_filesz = c.offsetWord(true, "p_filesz");
        const p_memsz = c.u64();
        const p_align = c.u64();
        result.push({ index, p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align });
      } else {
        const p_type = c.u32();
        const p_offset = c.u32();
        const p_vaddr = BigInt(c.u32());
        const p_paddr = BigInt(c.u32());
        const p_filesz = c.u32();
        const p_memsz = BigInt(c.u32());
        const p_flags = c.u32();
        const p_align = BigInt(c.u32());
        result.push({ index, p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align });
      }
    }
    return result;
  }

  #readSections(c: Cursor): SectionHeader[] {
    const { e_shoff, e_shnum, e_shentsize, e_shstrndx } = this.header;
    if (e_shnum === 0 || e_shoff === 0) return [];
    const minimum = this.is64 ? 64 : 40;
    if (e_shentsize < minimum) {
      throw new ElfFormatError(`e_shentsize ${e_shentsize} is smaller than a section header (${minimum})`, {
        offset: this.is64 ? 58 : 46,
        code: "bad-value",
      });
    }
    if (e_shnum > MAX_HEADERS) throw new ElfFormatError(`Too many section headers: ${e_shnum}`, { offset: e_shoff, code: "bad-value" });
    c.require(e_shoff, e_shnum * e_shentsize, `${e_shnum} section headers`);
    // Each header made once, its name filled in below (same keys, in the same order).
    const raw: { -readonly [K in keyof SectionHeader]: SectionHeader[K] }[] = [];
    for (let index = 0; index < e_shnum; index++) {
      // Inside the table required above (e_shentsize ≥ minimum).
      c.seekRecord(index * e_shentsize, "section header", index);
      const sh_name = c.u32();
      const sh_type = c.u32();
      const sh_flags = c.word(this.is64);
      const sh_addr = c.word(this.is64);
      const sh_offset = c.offsetWord(this.is64, "sh_offset");
      const sh_size = c.offsetWord(this.is64, "sh_size");
      const sh_link = c.u32();
      const sh_info = c.u32();
      const sh_addralign = c.word(this.is64);
      const sh_entsize = c.offsetWord(this.is64, "sh_entsize");
      raw.push({ index, sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize, name: "" });
    }
    // Section names: an unreadable name table leaves names empty rather than failing the file.
    let names: Uint8Array | undefined;
    const strtab = raw[e_shstrndx];
    if (strtab && strtab.sh_type !== SHT_NOBITS && strtab.sh_offset + strtab.sh_size <= this.source.size) {
      names = this.source.bytes(strtab.sh_offset, strtab.sh_size);
    }
    let budget = MAX_SECTION_NAME_BYTES;
    if (!names) return raw;
    for (const section of raw) {
      if (section.sh_name >= names.length) continue;
      let end = names.indexOf(0, section.sh_name);
      if (end < 0) end = names.length;
      budget -= end - section.sh_name;
      if (budget < 0) {
        throw new ElfFormatError(
          `The names of ${e_shnum} sections take more than ${MAX_SECTION_NAME_BYTES} bytes of the section-name table at offset ${hex(strtab!.sh_offset)}`,
          { offset: strtab!.sh_offset, code: "bad-value" },
        );
      }
      section.name = cString(names.subarray(section.sh_name, end));
    }
    return raw;
  }

  /**
   * The first section with this name.
   * @param name e.g. `.dynsym`.
   * @returns the section header, or undefined.
   */
  section(name: string): SectionHeader | undefined {
    if (!this.#byName) {
      this.#byName = new Map();
      for (const section of this.sections) if (!this.#byName.has(section.name)) this.#byName.set(section.name, section);
    }
    return this.#byName.get(name);
  }

  /**
   * The raw bytes of a section as stored in the file (compressed sections stay compressed; see
   * `sectionContents` for decompressed bytes). `SHT_NOBITS` sections have no bytes.
   * @param section a header from {@link ElfFile.sections}.
   * @returns a zero-copy view.
   * @throws {ElfFormatError} when the section extends past the end of the file.
   */
  sectionBytes(section: SectionHeader): Uint8Array {
    if (section.sh_type === SHT_NOBITS) return new Uint8Array(0);
    if (section.sh_offset + section.sh_size > this.source.size) {
      throw new ElfFormatError(
        `Section ${section.index} (${section.name || "unnamed"}) at offset ${hex(section.sh_offset)} runs past the end of the file: ${Math.max(0, this.source.size - section.sh_offset)} of ${section.sh_size} bytes remain`,
        { offset: section.sh_offset, code: "truncated" },
      );
    }
    return this.source.bytes(section.sh_offset, section.sh_size);
  }

  /**
   * The bytes a program header's segment holds in the file (`p_filesz` bytes at `p_offset`).
   * @param segment a header from {@link ElfFile.programHeaders}.
   * @returns a zero-copy view.
   * @throws {ElfFormatError} when the segment extends past the end of the file.
   */
  segmentBytes(segment: ProgramHeader): Uint8Array {
    if (segment.p_offset + segment.p_filesz > this.source.size) {
      throw new ElfFormatError(
        `Segment ${segment.index} at offset ${hex(segment.p_offset)} runs past the end of the file: ${Math.max(0, this.source.size - segment.p_offset)} of ${segment.p_filesz} bytes remain`,
        { offset: segment.p_offset, code: "truncated" },
      );
    }
    return this.source.bytes(segment.p_offset, segment.p_filesz);
  }
}

// Parsing of one line-program header (DWARF 2-5, 32- and 64-bit formats).

import { hex } from "./dwarf_format_error.js";
import { DW_LNCT_MD5, DW_LNCT_directory_index, DW_LNCT_path, DW_LNCT_size, DW_LNCT_timestamp, lineContentTypeName } from "./line_constants.js";
import type { LineContext } from "./_line_context.js";
import {
  DW_FORM_GNU_str_index,
  DW_FORM_GNU_strp_alt,
  DW_FORM_block,
  DW_FORM_block1,
  DW_FORM_block2,
  DW_FORM_block4,
  DW_FORM_data1,
  DW_FORM_data16,
  DW_FORM_data2,
  DW_FORM_data4,
  DW_FORM_data8,
  DW_FORM_flag,
  DW_FORM_line_strp,
  DW_FORM_sdata,
  DW_FORM_string,
  DW_FORM_strp,
  DW_FORM_strp_sup,
  DW_FORM_strx,
  DW_FORM_strx1,
  DW_FORM_strx2,
  DW_FORM_strx3,
  DW_FORM_strx4,
  DW_FORM_udata,
  formName,
} from "./dwarf_constants.js";
import { type ResolvedLineLimits, lineLimitReached } from "./_line_limits.js";
import { Reader, type Section, stringAt } from "./_reader.js";

/**
 * A directory or file entry of a line-program header, as stored. In DWARF 2-4 directories carry
 * only a path; files carry a path, a directory index (0 = the unit's compilation directory) and
 * optional modification time and size (0 when unknown). DWARF 5 entries carry what their entry
 * format lists.
 */
export interface LineFileEntry {
  /** `DW_LNCT_path` (or the DWARF 2-4 name): a name, a relative or an absolute path. */
  readonly path: string;
  /** `DW_LNCT_directory_index`: an index in {@link LineProgramHeader.include_directories} as the version numbers them; 0 when absent. */
  readonly directoryIndex: number;
  /** `DW_LNCT_timestamp`, when present as a number. */
  readonly timestamp?: bigint;
  /** `DW_LNCT_size`, when present. */
  readonly size?: bigint;
  /** `DW_LNCT_MD5` as 32 lowercase hexadecimal digits, when present. */
  readonly md5?: string;
}

/** One (content type, form) pair of a DWARF 5 entry format: `DW_LNCT_path` in `DW_FORM_line_strp`… */
export interface LineEntryFormat {
  /** A `DW_LNCT_*` code. */
  readonly contentType: number;
  /** A `DW_FORM_*` code. */
  readonly form: number;
}

/**
 * A line-program header: the fields by their specification names, plus where the program lies.
 * Directory and file tables hold what the header stores; {@link LineProgram.fileName} joins them.
 */
export interface LineProgramHeader {
  /** Offset of the program's unit in `.debug_line` (what `DW_AT_stmt_list` holds). */
  readonly offset: number;
  /** Whether the unit uses the 64-bit DWARF format (initial length `0xffffffff` + 8 bytes). */
  readonly format64: boolean;
  readonly unit_length: number;
  readonly version: 2 | 3 | 4 | 5;
  /** DWARF 5 `address_size`; for 2-4 the unit's address size when given, else undefined (then `DW_LNE_set_address` tells). */
  readonly address_size: number | undefined;
  /** DWARF 5 `segment_selector_size` (0 before 5). */
  readonly segment_selector_size: number;
  readonly header_length: number;
  readonly minimum_instruction_length: number;
  /** DWARF 4+ field; 1 before 4. */
  readonly maximum_operations_per_instruction: number;
  readonly default_is_stmt: boolean;
  readonly line_base: number;
  readonly line_range: number;
  readonly opcode_base: number;
  /** Operand counts of standard opcodes 1 .. opcode_base - 1 (index 0 is opcode 1). */
  readonly standard_opcode_lengths: readonly number[];
  /** DWARF 5: the directory entry format; empty before 5. */
  readonly directory_entry_format: readonly LineEntryFormat[];
  /** Directories as stored: DWARF 2-4 from directory 1 (index 0 here is directory 1); DWARF 5 from directory 0, the compilation directory. */
  readonly include_directories: readonly string[];
  /** DWARF 5: the file name entry format; empty before 5. */
  readonly file_name_entry_format: readonly LineEntryFormat[];
  /** Files as stored: DWARF 2-4 from file 1 (index 0 here is file 1); DWARF 5 from file 0. */
  readonly file_names: readonly LineFileEntry[];
  /** Offset of the first opcode in `.debug_line`. */
  readonly programOffset: number;
  /** Offset just past the program's unit in `.debug_line`. */
  readonly endOffset: number;
}

/** Where a header's DW_FORM_strx values find .debug_str_offsets entries. @internal */
export interface LineHeaderOptions {
  readonly addressSize: number | undefined;
  readonly strOffsetsBase: number | undefined;
  readonly limits: ResolvedLineLimits;
}

type FormValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: bigint }
  | { readonly kind: "bytes"; readonly value: Uint8Array };

/**
 * Reads the header of the line program whose unit starts at `offset` of `.debug_line`.
 * @throws {DwarfFormatError} truncated, bad-value, unsupported (version, form) or limit.
 * @internal
 */
export function readLineHeader(context: LineContext, offset: number, options: LineHeaderOptions): LineProgramHeader {
  const section = context.line;
  const reader: Reader = new Reader(section);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length) {
    reader.fail(`Line program offset ${hex(offset)} is outside the section of ${hex(section.bytes.length)} bytes`, "bad-value", 0);
  }
  reader.position = offset;
  const { length: unit_length, format64 } = reader.initialLength("a line program");
  const endOffset = reader.position + unit_length;
  if (endOffset > section.bytes.length) {
    reader.fail(`Line program of ${hex(unit_length)} bytes runs past the end of the section`, "truncated", offset);
  }
  reader.end = endOffset;
  const versionAt = reader.position;
  const version = reader.u16();
  if (version < 2 || version > 5) reader.fail(`Unsupported line program version ${version}`, "unsupported", versionAt);
  let address_size = options.addressSize;
  let segment_selector_size = 0;
  if (version >= 5) {
    const sizeAt = reader.position;
    address_size = reader.u8();
    if (address_size !== 1 && address_size !== 2 && address_size !== 4 && address_size !== 8)
      reader.fail(`Bad address_size ${address_size}`, "bad-value", sizeAt);
    segment_selector_size = reader.u8();
    if (segment_selector_size !== 0)
      reader.fail(`Segmented addresses (segment_selector_size ${segment_selector_size}) are not supported`, "unsupported", sizeAt + 1);
  }
  const header_length = reader.offset(format64, "header_length");
  const programOffset = reader.position + header_length;
  if (programOffset > endOffset)
    reader.fail(`header_length ${hex(header_length)} runs past the end of the line program`, "bad-value", reader.position - (format64 ? 8 : 4));
  reader.end = programOffset;
  const minimum_instruction_length = reader.u8();
  let maximum_operations_per_instruction = 1;
  if (version >= 4) {
    maximum_operations_per_instruction = reader.u8();
    if (maximum_operations_per_instruction === 0) reader.fail("maximum_operations_per_instruction is 0", "bad-value", reader.position - 1);
  }
  const default_is_stmt = reader.u8() !== 0;
  const line_base = reader.i8();
  const line_range = reader.u8();
  if (line_range === 0) reader.fail("line_range is 0", "bad-value", reader.position - 1);
  const opcode_base = reader.u8();
  if (opcode_base === 0) reader.fail("opcode_base is 0", "bad-value", reader.position - 1);
  const lengths = reader.block(opcode_base - 1, "standard_opcode_lengths");
  const standard_opcode_lengths = Array.from(lengths);

  let directory_entry_format: LineEntryFormat[] = [];
  let file_name_entry_format: LineEntryFormat[] = [];
  let include_directories: string[];
  let file_names: LineFileEntry[];
  if (version >= 5) {
    const tables = new TableReader(reader, context, format64, options);
    directory_entry_format = tables.formats("directory_entry_format");
    include_directories = tables.entries("directories", directory_entry_format).map((entry) => entry.path);
    file_name_entry_format = tables.formats("file_name_entry_format");
    file_names = tables.entries("file_names", file_name_entry_format);
  } else {
    include_directories = [];
    for (;;) {
      const at = reader.position;
      const path = reader.cString("an include directory");
      if (path === "") break;
      if (include_directories.length >= options.limits.lineHeaderEntries) {
        lineLimitReached(options.limits, "lineHeaderEntries", "The include_directories of a line program", { section: section.name, offset: at });
      }
      include_directories.push(path);
    }
    file_names = [];
    for (;;) {
      const at = reader.position;
      const path = reader.cString("a file name");
      if (path === "") break;
      if (file_names.length >= options.limits.lineHeaderEntries) {
        lineLimitReached(options.limits, "lineHeaderEntries", "The file_names of a line program", { section: section.name, offset: at });
      }
      file_names.push(readOldFileEntry(reader, path));
    }
  }
  return {
    offset,
    format64,
    unit_length,
    version: version as 2 | 3 | 4 | 5,
    address_size,
    segment_selector_size,
    header_length,
    minimum_instruction_length,
    maximum_operations_per_instruction,
    default_is_stmt,
    line_base,
    line_range,
    opcode_base,
    standard_opcode_lengths,
    directory_entry_format,
    include_directories,
    file_name_entry_format,
    file_names,
    programOffset,
    endOffset,
  };
}

/** The rest of a DWARF 2-4 file entry (or of `DW_LNE_define_file`) after its name. @internal */
export function readOldFileEntry(reader: Reader, path: string): LineFileEntry {
  const directoryIndex = reader.ulebNumber("A file's directory index");
  const timestamp = reader.uleb();
  const size = reader.uleb();
  return { path, directoryIndex, timestamp, size };
}

/** Reads DWARF 5 entry formats and entries. */
class TableReader {
  readonly #reader: Reader;
  readonly #context: LineContext;
  readonly #format64: boolean;
  readonly #options: LineHeaderOptions;

  constructor(reader: Reader, context: LineContext, format64: boolean, options: LineHeaderOptions) {
    this.#reader = reader;
    this.#context = context;
    this.#format64 = format64;
    this.#options = options;
  }

  formats(what: string): LineEntryFormat[] {
    const reader: Reader = this.#reader;
    const at = reader.position;
    const count = reader.u8();
    if (count > this.#options.limits.lineEntryFormats) {
      lineLimitReached(this.#options.limits, "lineEntryFormats", `The ${what} of a line program`, { section: reader.section.name, offset: at });
    }
    const formats: LineEntryFormat[] = [];
    for (let i = 0; i < count; i++) {
      const contentType = reader.ulebNumber("A content type");
      const form = reader.ulebNumber("A form");
      formats.push({ contentType, form });
    }
    return formats;
  }

  entries(what: string, formats: readonly LineEntryFormat[]): LineFileEntry[] {
    const reader: Reader = this.#reader;
    const at = reader.position;
    const count = reader.ulebNumber(`The ${what}_count`);
    if (count > this.#options.limits.lineHeaderEntries) {
      lineLimitReached(this.#options.limits, "lineHeaderEntries", `The ${count} ${what} of a line program`, { section: reader.section.name, offset: at });
    }
    if (count > 0 && formats.length === 0) reader.fail(`${count} ${what} have an empty entry format`, "bad-value", at);
    const entries: LineFileEntry[] = [];
    for (let i = 0; i < count; i++) {
      let path: string | undefined;
      let directoryIndex = 0;
      let timestamp: bigint | undefined;
      let size: bigint | undefined;
      let md5: string | undefined;
      for (const { contentType, form } of formats) {
        const valueAt = reader.position;
        const value = this.#value(form);
        switch (contentType) {
          case DW_LNCT_path:
            if (value.kind !== "string") reader.fail(`DW_LNCT_path in ${formName(form)} is not a string`, "bad-value", valueAt);
            path = value.value;
            break;
          case DW_LNCT_directory_index:
            if (value.kind !== "number" || value.value > 0xffff_ffffn)
              reader.fail(`DW_LNCT_directory_index in ${formName(form)} is not a directory index`, "bad-value", valueAt);
            directoryIndex = Number(value.value);
            break;
          case DW_LNCT_timestamp:
            if (value.kind === "number") timestamp = value.value;
            break;
          case DW_LNCT_size:
            if (value.kind !== "number") reader.fail(`DW_LNCT_size in ${formName(form)} is not a number`, "bad-value", valueAt);
            size = value.value;
            break;
          case DW_LNCT_MD5:
            if (value.kind !== "bytes" || value.value.length !== 16)
              reader.fail(`${lineContentTypeName(contentType)} in ${formName(form)} is not 16 bytes`, "bad-value", valueAt);
            md5 = Array.from(value.value, (byte) => byte.toString(16).padStart(2, "0")).join("");
            break;
          default:
            break; // vendor content (DW_LNCT_LLVM_source…): read past it
        }
      }
      if (path === undefined) reader.fail(`An entry of the ${what} has no DW_LNCT_path`, "bad-value", at);
      const entry: { -readonly [K in keyof LineFileEntry]: LineFileEntry[K] } = { path, directoryIndex };
      if (timestamp !== undefined) entry.timestamp = timestamp;
      if (size !== undefined) entry.size = size;
      if (md5 !== undefined) entry.md5 = md5;
      entries.push(entry);
    }
    return entries;
  }

  #value(form: number): FormValue {
    const reader: Reader = this.#reader;
    const at = reader.position;
    switch (form) {
      case DW_FORM_string:
        return { kind: "string", value: reader.cString("an entry's string") };
      case DW_FORM_line_strp:
        return {
          kind: "string",
          value: this.#string(this.#context.lineStr, ".debug_line_str", reader.offset(this.#format64, "A DW_FORM_line_strp offset"), at),
        };
      case DW_FORM_strp:
        return { kind: "string", value: this.#string(this.#context.str, ".debug_str", reader.offset(this.#format64, "A DW_FORM_strp offset"), at) };
      case DW_FORM_strx:
      case DW_FORM_GNU_str_index:
        return this.#indexed(reader.ulebNumber("A DW_FORM_strx index"), at);
      case DW_FORM_strx1:
        return this.#indexed(reader.u8(), at);
      case DW_FORM_strx2:
        return this.#indexed(reader.u16(), at);
      case DW_FORM_strx3:
        return this.#indexed(reader.u24(), at);
      case DW_FORM_strx4:
        return this.#indexed(reader.u32(), at);
      case DW_FORM_udata:
        return { kind: "number", value: reader.uleb() };
      case DW_FORM_sdata:
        return { kind: "number", value: reader.sleb() };
      case DW_FORM_data1:
      case DW_FORM_flag:
        return { kind: "number", value: BigInt(reader.u8()) };
      case DW_FORM_data2:
        return { kind: "number", value: BigInt(reader.u16()) };
      case DW_FORM_data4:
        return { kind: "number", value: BigInt(reader.u32()) };
      case DW_FORM_data8:
        return { kind: "number", value: reader.u64() };
      case DW_FORM_data16:
        return { kind: "bytes", value: reader.block(16, "a DW_FORM_data16 value") };
      case DW_FORM_block:
        return { kind: "bytes", value: reader.block(reader.ulebNumber("A block length"), "a DW_FORM_block") };
      case DW_FORM_block1:
        return { kind: "bytes", value: reader.block(reader.u8(), "a DW_FORM_block1") };
      case DW_FORM_block2:
        return { kind: "bytes", value: reader.block(reader.u16(), "a DW_FORM_block2") };
      case DW_FORM_block4:
        return { kind: "bytes", value: reader.block(reader.u32(), "a DW_FORM_block4") };
      case DW_FORM_strp_sup:
      case DW_FORM_GNU_strp_alt:
        return reader.fail(`${formName(form)} (a string in a supplementary file) is not supported in a line program header`, "unsupported", at);
      default:
        return reader.fail(`Unknown form ${formName(form)} in a line program entry format`, "unsupported", at);
    }
  }

  #string(section: Section | undefined, name: string, offset: number, at: number): string {
    if (section === undefined) this.#reader.fail(`A string in ${name} is needed but the section is missing`, "bad-value", at);
    return stringAt(section, offset);
  }

  #indexed(index: number, at: number): FormValue {
    const reader: Reader = this.#reader;
    const base = this.#options.strOffsetsBase;
    const offsets = this.#context.strOffsets;
    if (base === undefined)
      return reader.fail("DW_FORM_strx in a line program header needs the unit's DW_AT_str_offsets_base (unit.strOffsetsBase)", "unsupported", at);
    if (offsets === undefined) return reader.fail("DW_FORM_strx needs .debug_str_offsets, which is missing", "bad-value", at);
    const size = this.#format64 ? 8 : 4;
    const entry = base + index * size;
    if (!Number.isSafeInteger(entry) || entry < 0 || entry + size > offsets.bytes.length) {
      return reader.fail(`DW_FORM_strx index ${index} is outside .debug_str_offsets`, "bad-value", at);
    }
    const offset = new Reader(offsets, entry).offset(this.#format64, "A .debug_str_offsets entry");
    return { kind: "string", value: this.#string(this.#context.str, ".debug_str", offset, at) };
  }
}

import { cString } from "./_cursor.js";
import { ElfFormatError, hex } from "./elf_format_error.js";
import type { ElfFile, ProgramHeader, SectionHeader } from "./elf_file.js";
import { PT_NOTE, SHT_NOTE } from "./constants.js";

/** One ELF note: owner name, type and descriptor bytes (a zero-copy view). */
export interface Note {
  /** The owner, e.g. "CORE", "LINUX", "GNU". */
  readonly name: string;
  /** `n_type`; its meaning depends on the owner. */
  readonly type: number;
  /** The descriptor bytes. */
  readonly desc: Uint8Array;
  /** File offset of the note header. */
  readonly offset: number;
}

/** The most notes read from one segment or section; a core of a process with 10k threads has ~60k. */
export const MAX_NOTES = 1_000_000;

/**
 * Iterates the notes in a block of note bytes. Stops (by throwing) at the first malformed note,
 * after yielding the well-formed ones before it.
 *
 * @param bytes the contents of a `PT_NOTE` segment or `SHT_NOTE` section.
 * @param options byte order, alignment of the block (4 or 8) and its file offset for messages.
 * @returns a lazy iterator of notes.
 * @throws {ElfFormatError} at a truncated or malformed note.
 * @example
 * ```ts
 * for (const note of readNotes(bytes, { littleEndian: true })) console.log(note.name, note.type);
 * ```
 */
export function* readNotes(bytes: Uint8Array, options: { littleEndian: boolean; align?: number; offset?: number }): Generator<Note> {
  const align = options.align === 8 ? 8 : 4;
  const base = options.offset ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  let count = 0;
  while (position < bytes.length) {
    if (bytes.length - position < 12) {
      throw new ElfFormatError(`Cannot read note header at offset ${hex(base + position)}: ${bytes.length - position} of 12 bytes remain`, {
        offset: base + position,
        code: "truncated",
      });
    }
    if (++count > MAX_NOTES) {
      throw new ElfFormatError(`More than ${MAX_NOTES} notes at offset ${hex(base)}`, { offset: base + position, code: "bad-value" });
    }
    const namesz = view.getUint32(position, options.littleEndian);
    const descsz = view.getUint32(position + 4, options.littleEndian);
    const type = view.getUint32(position + 8, options.littleEndian);
    const nameStart = position + 12;
    // The descriptor is aligned relative to the note's start (gABI; readelf's ELF_NOTE_DESC_OFFSET):
    // with 8-byte alignment a 4-byte "GNU\0" name is followed directly by the descriptor at +16.
    const descStart = position + roundUp(12 + namesz, align);
    const end = descStart + roundUp(descsz, align);
    if (descStart + descsz > bytes.length || nameStart + namesz > bytes.length) {
      throw new ElfFormatError(
        `Note at offset ${hex(base + position)} claims ${namesz} name and ${descsz} descriptor bytes; ${bytes.length - nameStart} remain`,
        { offset: base + position, code: "truncated" },
      );
    }
    const name = cString(bytes.subarray(nameStart, nameStart + namesz));
    yield { name, type, desc: bytes.subarray(descStart, descStart + descsz), offset: base + position };
    position = Math.min(end, bytes.length);
  }
}

function roundUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/**
 * Every note of a file: from its `PT_NOTE` segments when it has program headers (cores,
 * executables), else from its `SHT_NOTE` sections (relocatable objects).
 *
 * @param elf a parsed file.
 * @returns a lazy iterator over all notes.
 * @throws {ElfFormatError} at the first malformed note.
 * @example
 * ```ts
 * for (const note of elfNotes(elf)) if (note.name === "GNU") console.log(note.type);
 * ```
 */
export function* elfNotes(elf: ElfFile): Generator<Note> {
  const segments = elf.programHeaders.filter((p: ProgramHeader) => p.p_type === PT_NOTE);
  if (segments.length > 0) {
    for (const segment of segments) {
      yield* readNotes(elf.segmentBytes(segment), {
        littleEndian: elf.littleEndian,
        align: Number(segment.p_align),
        offset: segment.p_offset,
      });
    }
    return;
  }
  for (const section of elf.sections.filter((s: SectionHeader) => s.sh_type === SHT_NOTE)) {
    yield* readNotes(elf.sectionBytes(section), {
      littleEndian: elf.littleEndian,
      align: Number(section.sh_addralign),
      offset: section.sh_offset,
    });
  }
}

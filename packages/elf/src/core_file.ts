import type { ByteSource } from "./byte_source.js";
import {
  AT_EXECFN,
  EM_AARCH64,
  ET_CORE,
  NT_ARM_TLS,
  NT_AUXV,
  NT_FILE,
  NT_PRPSINFO,
  NT_PRSTATUS,
  NT_SIGINFO,
  PT_LOAD,
  PT_NOTE,
  fileTypeName,
  machineName,
} from "./constants.js";
import {
  type AuxvEntry,
  type FileMapping,
  type PrPsInfo,
  type PrStatus,
  type SigInfo,
  decodeArmTls,
  decodeAuxv,
  MAX_FILE_MAPPINGS,
  decodeFileNote,
  decodePrPsInfo,
  decodePrStatus,
  decodeSigInfo,
  fileNoteCount,
} from "./core_notes.js";
import { ElfFile } from "./elf_file.js";
import { ElfFormatError, hex } from "./elf_format_error.js";
import { MemoryError, type Memory } from "./memory_error.js";
import { MAX_NOTES, type Note, readNotes } from "./read_notes.js";
import { compareBigints, countAtOrBelow } from "./_search.js";

/** A dumped memory range of the core: `PT_LOAD` bytes present in the file. */
export interface CoreSegment {
  /** First address. */
  readonly start: bigint;
  /** Address after the last dumped byte (`start + p_filesz`). */
  readonly end: bigint;
  /** Address after the last byte of the mapping (`start + p_memsz`), dumped or not. */
  readonly mappedEnd: bigint;
  /** File offset of `start`. */
  readonly offset: number;
  /** `p_flags` (PF_R/PF_W/PF_X). */
  readonly flags: number;
}

/** The most threads a core may describe; more is treated as malformed. */
export const MAX_THREADS = 100_000;

/**
 * A core file: its threads, process information, signal, auxiliary vector, file mappings, and
 * the memory it holds. Notes are decoded at construction (they are small); memory is read on demand.
 *
 * @example
 * ```ts
 * import { CoreFile, bufferSource } from "@corestack/elf";
 * const core = new CoreFile(bufferSource(readFileSync("core")));
 * for (const thread of core.threads) console.log(thread.tid, thread.registers.rip);
 * core.read(0x400000n, 4); // bytes at an address, if dumped
 * ```
 */
export class CoreFile implements Memory {
  readonly elf: ElfFile;
  /** One entry per `NT_PRSTATUS` note, in note order: the first is the thread that got the signal. */
  readonly threads: readonly PrStatus[];
  readonly process: PrPsInfo | undefined;
  readonly signal: SigInfo | undefined;
  readonly auxv: readonly AuxvEntry[];
  /** File-backed mappings from `NT_FILE`, in address order. */
  readonly mappings: readonly FileMapping[];
  /** `PT_LOAD` segments sorted by address. */
  readonly segments: readonly CoreSegment[];
  /** Every note, including types this package does not decode. */
  readonly notes: readonly Note[];
  /** Problems met while reading notes that did not stop the reading (e.g. a truncated last note). */
  readonly warnings: readonly string[];
  #starts: bigint[];
  /** The dumped size of each segment (`end - start`), as a number: a read checks against it. */
  #sizes: number[];
  /** The index of the segment of the last read (see {@link read}). */
  #lastSegment = 0;

  /**
   * @param source the core file's bytes.
   * @throws {ElfFormatError} when the file is not an ELF core, or its headers are truncated.
   */
  constructor(source: ByteSource) {
    if (source.size === 0) {
      // Said apart from "fewer than the 16-byte identification": /proc and /sys files have
      // contents, but a size of 0 (/proc/cpuinfo), and an empty file is no truncated core.
      throw new ElfFormatError("Not a core file: its size is 0 bytes (an empty file, or a /proc or /sys file, which has no size)", {
        offset: 0,
        code: "truncated",
      });
    }
    const elf = new ElfFile(source);
    if (elf.header.e_type !== ET_CORE) {
      throw new ElfFormatError(`Not a core file: ELF type is ${fileTypeName(elf.header.e_type)}, not ET_CORE`, {
        offset: 16,
        code: "bad-value",
      });
    }
    this.elf = elf;
    const layout = { is64: elf.is64, littleEndian: elf.littleEndian, machine: elf.header.e_machine };
    const notes: Note[] = [];
    const warnings: string[] = [];
    // MAX_NOTES bounds all segments together: each is bounded by its bytes, but a crafted core can
    // point a million PT_NOTE headers at one block of notes.
    let tooMany = false;
    for (const segment of elf.programHeaders) {
      if (segment.p_type !== PT_NOTE) continue;
      if (tooMany) break;
      // A core cut short inside its notes (a full disk, a low RLIMIT_CORE) keeps the notes before the cut.
      const available = Math.max(0, Math.min(segment.p_filesz, source.size - segment.p_offset));
      let reported = false;
      try {
        const bytes = available > 0 ? source.bytes(segment.p_offset, available) : new Uint8Array(0);
        for (const note of readNotes(bytes, { littleEndian: elf.littleEndian, align: 4, offset: segment.p_offset })) {
          if (notes.length >= MAX_NOTES) {
            warnings.push(`More than ${MAX_NOTES} notes in all PT_NOTE segments together: the rest are ignored`);
            tooMany = true;
            break;
          }
          notes.push(note);
        }
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        warnings.push(error.message);
        reported = true;
      }
      if (available < segment.p_filesz && !reported && !tooMany) {
        warnings.push(
          `PT_NOTE segment ${segment.index} at offset ${hex(segment.p_offset)} runs past the end of the file: ${available} of ${segment.p_filesz} bytes remain`,
        );
      }
    }
    const threads: PrStatus[] = [];
    let process: PrPsInfo | undefined;
    let signal: SigInfo | undefined;
    let auxv: AuxvEntry[] = [];
    let mappings: FileMapping[] = [];
    let ignoredThreads = 0;
    /** The thread the register-set notes that follow belong to (-1: none yet, or one not kept). */
    let lastThread = -1;
    /** NT_PRSTATUS notes met, decoded or not, and why the first that did not decode did not. */
    let threadNotes = 0;
    let threadProblem: string | undefined;
    for (const note of notes) {
      if (note.name !== "CORE" && note.name !== "LINUX") continue;
      const at = { ...layout, offset: note.offset };
      // A note that does not decode is a warning: the other notes (other threads) still count.
      try {
        if (note.name === "CORE" && note.type === NT_PRSTATUS) {
          threadNotes += 1;
          if (threads.length >= MAX_THREADS) {
            if (ignoredThreads++ === 0) warnings.push(`More than ${MAX_THREADS} NT_PRSTATUS notes: the rest are ignored`);
            lastThread = -1;
            continue;
          }
          threads.push(decodePrStatus(note.desc, at));
          lastThread = threads.length - 1;
        } else if (note.name === "LINUX" && note.type === NT_ARM_TLS && layout.machine === EM_AARCH64) {
          // The kernel writes each thread's other register sets after its NT_PRSTATUS: this one is
          // the thread pointer, which glibc's pthread_self() is a fixed distance below.
          if (lastThread >= 0 && threads[lastThread]!.registers.tpidr_el0 === undefined) {
            const thread = threads[lastThread]!;
            threads[lastThread] = { ...thread, registers: { ...thread.registers, tpidr_el0: decodeArmTls(note.desc, at) } };
          }
        } else if (note.name === "CORE" && note.type === NT_PRPSINFO && !process) process = decodePrPsInfo(note.desc, at);
        else if (note.name === "CORE" && note.type === NT_SIGINFO && !signal) signal = decodeSigInfo(note.desc, at);
        else if (note.name === "CORE" && note.type === NT_AUXV && auxv.length === 0) auxv = decodeAuxv(note.desc, at);
        else if (note.name === "CORE" && note.type === NT_FILE && mappings.length === 0) {
          const count = fileNoteCount(note.desc, at);
          mappings = decodeFileNote(note.desc, { ...at, maxMappings: MAX_FILE_MAPPINGS });
          if (count !== undefined && count > BigInt(MAX_FILE_MAPPINGS)) {
            warnings.push(
              `NT_FILE note at offset ${hex(note.offset)} lists ${count} mappings, more than the ${MAX_FILE_MAPPINGS} a process can have: only the first ${MAX_FILE_MAPPINGS} are used`,
            );
          }
          // The kernel writes them in address order: sorting is for crafted notes only.
          if (!sortedByStart(mappings)) mappings = sortByStart(mappings);
        }
        // Other note types (NT_PRFPREG, NT_X86_XSTATE, 0x205 on kernel 6.x, …) are kept in `notes` and skipped here.
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
        warnings.push(error.message);
        if (note.name === "CORE" && note.type === NT_PRSTATUS) {
          threadProblem ??= error.message;
          lastThread = -1;
        }
      }
    }
    if (threads.length === 0 && threadProblem !== undefined) {
      // Not "no NT_PRSTATUS note": there are some, and why none decodes is the message (often an
      // e_machine that does not match the notes: x86-64 notes under EM_AARCH64).
      throw new ElfFormatError(
        `None of its ${threadNotes} NT_PRSTATUS notes can be decoded for ${machineName(layout.machine)} (the ELF header's e_machine): ${threadProblem}`,
        { offset: 18, code: "bad-value" },
      );
    }
    this.notes = notes;
    this.warnings = warnings;
    this.threads = threads;
    this.process = process;
    this.signal = signal;
    this.auxv = auxv;
    this.mappings = mappings;
    this.segments = elf.programHeaders
      .filter((p) => p.p_type === PT_LOAD)
      .map((p) => ({
        start: p.p_vaddr,
        end: p.p_vaddr + BigInt(Math.min(p.p_filesz, Math.max(0, source.size - p.p_offset))),
        mappedEnd: p.p_vaddr + p.p_memsz,
        offset: p.p_offset,
        flags: p.p_flags,
      }))
      .sort((a, b) => compareBigints(a.start, b.start));
    this.#starts = this.segments.map((s) => s.start);
    this.#sizes = this.segments.map((s) => Number(s.end - s.start));
  }

  /**
   * The value of an auxiliary vector entry.
   * @param type an `AT_*` constant.
   * @returns the value, or undefined when the core has no such entry.
   */
  auxvValue(type: number): bigint | undefined {
    return this.auxv.find((entry) => entry.type === type)?.value;
  }

  /**
   * The path the process was executed as (`AT_EXECFN`, read from the dumped stack).
   * @returns the path, or undefined when it is not in the core.
   */
  execfn(): string | undefined {
    const address = this.auxvValue(AT_EXECFN);
    if (address === undefined) return undefined;
    try {
      return this.readCString(address, 4096);
    } catch (error) {
      if (MemoryError.isInstance(error)) return undefined;
      throw error;
    }
  }

  /**
   * The dumped segment containing `address`.
   * @param address a virtual address of the process.
   * @returns the segment, or undefined when no dumped byte is there.
   */
  segmentAt(address: bigint): CoreSegment | undefined {
    const starts = this.#starts;
    const segment = this.segments[countAtOrBelow(starts, address) - 1];
    return segment !== undefined && address < segment.end ? segment : undefined;
  }

  /**
   * Reads dumped memory. Zero-copy when the range lies in one segment; a read spanning adjacent
   * segments is copied.
   * @param address first address.
   * @param length number of bytes.
   * @returns the bytes.
   * @throws {MemoryError} when any byte of the range was not dumped.
   */
  read(address: bigint, length: number): Uint8Array {
    const bytes = this.readIfDumped(address, length);
    if (bytes !== undefined) return bytes;
    // The first byte not dumped, for the error.
    let at = address;
    for (let part = this.segmentAt(at); part !== undefined; part = this.segmentAt(at)) at = part.end;
    throw new MemoryError(at, length - Number(at - address), "not dumped in the core");
  }

  /**
   * {@link read}, but `undefined` instead of an error when any byte of the range was not dumped:
   * for readers that then look elsewhere (a file-backed mapping), without making an error.
   * @param address first address.
   * @param length number of bytes.
   * @returns the bytes, or `undefined`.
   */
  readIfDumped(address: bigint, length: number): Uint8Array | undefined {
    if (length < 0 || !Number.isSafeInteger(length)) throw new RangeError(`Bad read length ${length}`);
    // Within one segment: one BigInt subtraction, then numbers (a far address is a large number,
    // still past the segment's size). The segment of the last read first (reads come in runs over
    // one segment), when the search would find it too: the address is before the next one's start.
    const starts = this.#starts;
    let index = this.#lastSegment;
    if (!(index < starts.length && address >= starts[index]! && (index + 1 === starts.length || address < starts[index + 1]!))) {
      index = countAtOrBelow(starts, address) - 1;
      if (index >= 0) this.#lastSegment = index;
    }
    const first = this.segments[index];
    if (first !== undefined) {
      const into = Number(address - first.start);
      const size = this.#sizes[index]!;
      if (into < size && into + length <= size) return this.elf.source.bytes(first.offset + into, length);
    }
    // Across adjacent segments, copied; none may be missing (nor the address of a read of nothing).
    const end = address + BigInt(length);
    let part = this.segmentAt(address);
    while (part !== undefined && part.end < end) part = this.segmentAt(part.end);
    if (part === undefined) return undefined;
    const result = new Uint8Array(length);
    let done = 0;
    let at = address;
    while (done < length) {
      const part = this.segmentAt(at)!;
      const take = Math.min(length - done, Number(part.end - at));
      result.set(this.elf.source.bytes(part.offset + Number(at - part.start), take), done);
      done += take;
      at += BigInt(take);
    }
    return result;
  }

  /**
   * Reads a NUL-terminated string of at most `maxLength` bytes.
   * @param address where the string starts.
   * @param maxLength the most bytes to read.
   * @returns the decoded string (UTF-8, invalid bytes replaced).
   * @throws {MemoryError} when the string's bytes are not dumped.
   */
  readCString(address: bigint, maxLength: number): string {
    const parts: Uint8Array[] = [];
    let at = address;
    let total = 0;
    while (total < maxLength) {
      const segment = this.segmentAt(at);
      if (!segment) throw new MemoryError(at, 1, "not dumped in the core");
      const take = Math.min(maxLength - total, Number(segment.end - at));
      const chunk = this.elf.source.bytes(segment.offset + Number(at - segment.start), take);
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        parts.push(chunk.subarray(0, nul));
        break;
      }
      parts.push(chunk);
      total += take;
      at += BigInt(take);
    }
    return new TextDecoder().decode(parts.length === 1 ? parts[0] : concatBytes(parts));
  }
}

/**
 * Mappings in address order: by a number key (exact below 2^53, which every user-space address
 * is), the bigints compared only where keys tie; a quarter of a million bigint comparisons per
 * level of the sort was most of a crafted note's cost.
 */
function sortByStart(mappings: FileMapping[]): FileMapping[] {
  const keyed = mappings.map((mapping) => ({ key: Number(mapping.start), mapping }));
  keyed.sort((a, b) => a.key - b.key || compareBigints(a.mapping.start, b.mapping.start));
  return keyed.map((k) => k.mapping);
}

function sortedByStart(mappings: readonly FileMapping[]): boolean {
  for (let i = 1; i < mappings.length; i++) if (mappings[i - 1]!.start > mappings[i]!.start) return false;
  return true;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const result = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}

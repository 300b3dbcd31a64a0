import { cString } from "./_cursor.js";
import { EM_386, EM_AARCH64, EM_X86_64, machineName } from "./constants.js";
import { ElfFormatError, hex } from "./elf_format_error.js";

/** Register names of `user_regs_struct`, in note order, per machine. */
export const REGISTER_NAMES: Readonly<Record<number, readonly string[]>> = {
  [EM_X86_64]: [
    "r15",
    "r14",
    "r13",
    "r12",
    "rbp",
    "rbx",
    "r11",
    "r10",
    "r9",
    "r8",
    "rax",
    "rcx",
    "rdx",
    "rsi",
    "rdi",
    "orig_rax",
    "rip",
    "cs",
    "eflags",
    "rsp",
    "ss",
    "fs_base",
    "gs_base",
    "ds",
    "es",
    "fs",
    "gs",
  ],
  [EM_AARCH64]: [...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "pc", "pstate"],
  [EM_386]: ["ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs", "gs", "orig_eax", "eip", "cs", "eflags", "esp", "ss"],
};

/** A decoded `NT_PRSTATUS` note: one thread of the process. */
export interface PrStatus {
  /** The signal that stopped the thread (`pr_cursig`). */
  readonly signal: number;
  /** The thread id (`pr_pid`): the OS thread id users see. */
  readonly tid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly sid: number;
  /**
   * General registers by name (`rip`, `rsp`, `fs_base` on x86-64; `x0`–`x30`, `sp`, `pc`, `pstate` on
   * aarch64, with `tpidr_el0` from the thread's `NT_ARM_TLS` note when the core has one).
   */
  readonly registers: Readonly<Record<string, bigint>>;
}

/** A decoded `NT_PRPSINFO` note: process information. */
export interface PrPsInfo {
  /** Numeric state (`pr_state`). */
  readonly state: number;
  /** State letter (`pr_sname`): R, S, D, T, Z… */
  readonly stateName: string;
  readonly zombie: number;
  readonly nice: number;
  readonly flag: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  readonly sid: number;
  /** Executable file name, at most 15 characters (`pr_fname`). */
  readonly fname: string;
  /** The start of the command line, at most 80 characters, arguments separated by spaces (`pr_psargs`). */
  readonly psargs: string;
}

/** A decoded `NT_SIGINFO` note. */
export interface SigInfo {
  readonly signo: number;
  readonly errno: number;
  readonly code: number;
  /** The faulting address for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGTRAP. */
  readonly address?: bigint;
  /** The sending process for signals sent by `kill` (si_code ≤ 0). */
  readonly senderPid?: number;
  readonly senderUid?: number;
}

/** One `NT_FILE` entry: a file-backed mapping of the process. */
export interface FileMapping {
  readonly start: bigint;
  readonly end: bigint;
  /** Offset in the file, in bytes. */
  readonly fileOffset: bigint;
  readonly path: string;
}

/** An auxiliary vector entry. */
export interface AuxvEntry {
  readonly type: number;
  readonly value: bigint;
}

interface Layout {
  is64: boolean;
  littleEndian: boolean;
  machine: number;
}

function view(desc: Uint8Array): DataView {
  return new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
}

function need(desc: Uint8Array, length: number, what: string, offset: number): void {
  if (desc.length < length) {
    throw new ElfFormatError(`Cannot decode ${what} note at offset ${hex(offset)}: ${desc.length} of ${length} bytes`, {
      offset,
      code: "truncated",
    });
  }
}

/**
 * Decodes an `NT_PRSTATUS` descriptor (x86-64, aarch64 and i386).
 * @param desc the descriptor bytes.
 * @param layout word size, byte order, `e_machine`, and the note's offset for messages.
 * @returns the thread's id, signal and registers.
 * @throws {ElfFormatError} when the descriptor is too short or the machine unknown.
 * @example
 * ```ts
 * const status = decodePrStatus(note.desc, { is64: true, littleEndian: true, machine: EM_X86_64 });
 * status.registers.rip;
 * ```
 */
export function decodePrStatus(desc: Uint8Array, layout: Layout & { offset?: number }): PrStatus {
  const offset = layout.offset ?? 0;
  const names = REGISTER_NAMES[layout.machine];
  if (!names) {
    throw new ElfFormatError(`NT_PRSTATUS for machine ${machineName(layout.machine)} is not supported`, { offset, code: "unsupported" });
  }
  const word = layout.is64 ? 8 : 4;
  // si_signo, si_code, si_errno, pr_cursig(+pad), pr_sigpend, pr_sighold, then four ids and four timevals.
  const idsAt = 12 + 4 + 2 * word;
  const regsAt = idsAt + 16 + 4 * 2 * word;
  need(desc, regsAt + names.length * word, "NT_PRSTATUS", offset);
  const v = view(desc);
  const le = layout.littleEndian;
  const registers: Record<string, bigint> = {};
  names.forEach((name, i) => {
    registers[name] = layout.is64 ? v.getBigUint64(regsAt + i * 8, le) : BigInt(v.getUint32(regsAt + i * 4, le));
  });
  return {
    signal: v.getUint16(12, le),
    tid: v.getInt32(idsAt, le),
    ppid: v.getInt32(idsAt + 4, le),
    pgrp: v.getInt32(idsAt + 8, le),
    sid: v.getInt32(idsAt + 12, le),
    registers,
  };
}

/**
 * Decodes an aarch64 `NT_ARM_TLS` descriptor: the thread pointer `tpidr_el0` (glibc's thread
 * control block; `pthread_self()` is `sizeof(struct pthread)` below it).
 * @param desc the descriptor bytes (8, or 16 with `tpidr2_el0`).
 * @param layout byte order, and the note's offset for messages.
 * @returns `tpidr_el0`.
 * @throws {ElfFormatError} when the descriptor is shorter than 8 bytes.
 * @example
 * ```ts
 * const tpidr = decodeArmTls(note.desc, { littleEndian: true });
 * ```
 */
export function decodeArmTls(desc: Uint8Array, layout: Pick<Layout, "littleEndian"> & { offset?: number }): bigint {
  need(desc, 8, "NT_ARM_TLS", layout.offset ?? 0);
  return view(desc).getBigUint64(0, layout.littleEndian);
}

/**
 * Decodes an `NT_PRPSINFO` descriptor.
 * @param desc the descriptor bytes.
 * @param layout word size, byte order, `e_machine`.
 * @returns process state, ids, and the short command line.
 * @throws {ElfFormatError} when the descriptor is too short.
 * @example
 * ```ts
 * decodePrPsInfo(note.desc, { is64: true, littleEndian: true, machine: EM_X86_64 }).psargs;
 * ```
 */
export function decodePrPsInfo(desc: Uint8Array, layout: Layout & { offset?: number }): PrPsInfo {
  const v = view(desc);
  const le = layout.littleEndian;
  // i386 (and other 32-bit ABIs with 16-bit __kernel_uid_t) use 2-byte uid/gid; 64-bit uses 4.
  const smallIds = !layout.is64 && layout.machine === EM_386;
  const flagSize = layout.is64 ? 8 : 4;
  const idSize = smallIds ? 2 : 4;
  // pr_flag is an unsigned long, aligned to its size after the four state bytes.
  const flagAt = flagSize;
  const uidAt = flagAt + flagSize;
  const pidAt = uidAt + 2 * idSize;
  const fnameAt = pidAt + 16;
  need(desc, fnameAt + 16 + 80, "NT_PRPSINFO", layout.offset ?? 0);
  const readId = (at: number) => (idSize === 2 ? v.getUint16(at, le) : v.getUint32(at, le));
  const sname = desc[1]!;
  return {
    state: desc[0]!,
    stateName: sname >= 0x20 && sname < 0x7f ? String.fromCharCode(sname) : "?",
    zombie: desc[2]!,
    nice: v.getInt8(3),
    flag: layout.is64 ? v.getBigUint64(flagAt, le) : BigInt(v.getUint32(flagAt, le)),
    uid: readId(uidAt),
    gid: readId(uidAt + idSize),
    pid: v.getInt32(pidAt, le),
    ppid: v.getInt32(pidAt + 4, le),
    pgrp: v.getInt32(pidAt + 8, le),
    sid: v.getInt32(pidAt + 12, le),
    fname: cString(desc.subarray(fnameAt, fnameAt + 16)),
    psargs: cString(desc.subarray(fnameAt + 16, fnameAt + 16 + 80)).trimEnd(),
  };
}

const FAULT_SIGNALS = new Set([4, 5, 7, 8, 11]); // SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV

/**
 * Decodes an `NT_SIGINFO` descriptor (a `siginfo_t`).
 * @param desc the descriptor bytes.
 * @param layout word size and byte order.
 * @returns the signal, its code, and the fault address or sender.
 * @throws {ElfFormatError} when the descriptor is too short.
 * @example
 * ```ts
 * const info = decodeSigInfo(note.desc, { is64: true, littleEndian: true, machine: EM_X86_64 });
 * if (info.signo === 11) console.log(info.address);
 * ```
 */
export function decodeSigInfo(desc: Uint8Array, layout: Layout & { offset?: number }): SigInfo {
  const unionAt = layout.is64 ? 16 : 12;
  need(desc, unionAt + 8, "NT_SIGINFO", layout.offset ?? 0);
  const v = view(desc);
  const le = layout.littleEndian;
  const signo = v.getInt32(0, le);
  const errno = v.getInt32(4, le);
  const code = v.getInt32(8, le);
  if (FAULT_SIGNALS.has(signo) && code > 0) {
    const address = layout.is64 ? v.getBigUint64(unionAt, le) : BigInt(v.getUint32(unionAt, le));
    return { signo, errno, code, address };
  }
  if (code <= 0) return { signo, errno, code, senderPid: v.getInt32(unionAt, le), senderUid: v.getUint32(unionAt + 4, le) };
  return { signo, errno, code };
}

/**
 * Decodes an `NT_AUXV` descriptor: (type, value) word pairs up to `AT_NULL`.
 * @param desc the descriptor bytes.
 * @param layout word size and byte order.
 * @returns the entries, without the terminating `AT_NULL`.
 * @example
 * ```ts
 * const execfn = decodeAuxv(note.desc, layout).find((e) => e.type === AT_EXECFN)?.value;
 * ```
 */
export function decodeAuxv(desc: Uint8Array, layout: Pick<Layout, "is64" | "littleEndian">): AuxvEntry[] {
  const v = view(desc);
  const word = layout.is64 ? 8 : 4;
  const entries: AuxvEntry[] = [];
  for (let at = 0; at + 2 * word <= desc.length; at += 2 * word) {
    const type = layout.is64 ? Number(v.getBigUint64(at, layout.littleEndian)) : v.getUint32(at, layout.littleEndian);
    const value = layout.is64 ? v.getBigUint64(at + 8, layout.littleEndian) : BigInt(v.getUint32(at + 4, layout.littleEndian));
    if (type === 0) break;
    entries.push({ type, value });
  }
  return entries;
}

// A path's bytes as they are: a leading byte-order mark is part of the name, not dropped.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** A path of the note: ASCII (nearly every path) without a decoder call, else UTF-8. */
function pathText(desc: Uint8Array, start: number, end: number): string {
  const bytes = desc.subarray(start, end);
  if (bytes.length > 256) return utf8.decode(bytes);
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return utf8.decode(bytes);
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/**
 * The most `NT_FILE` entries decoded. A real process has a few hundred to ten thousand mappings
 * (Linux caps them at `vm.max_map_count`, 65 530 by default; databases raise it to 262 144); a
 * crafted 95 MB note can hold 3.5 million, each a mapping to sort, group and search.
 */
export const MAX_FILE_MAPPINGS = 1 << 18;

/**
 * The number of entries an `NT_FILE` descriptor claims (its first word), as a bigint: compare it
 * with {@link MAX_FILE_MAPPINGS} before decoding.
 * @param desc the descriptor bytes.
 * @param layout word size and byte order.
 * @returns the count, or undefined when the descriptor is too short to hold it.
 */
export function fileNoteCount(desc: Uint8Array, layout: Pick<Layout, "is64" | "littleEndian">): bigint | undefined {
  const word = layout.is64 ? 8 : 4;
  if (desc.length < word) return undefined;
  const v = view(desc);
  return layout.is64 ? v.getBigUint64(0, layout.littleEndian) : BigInt(v.getUint32(0, layout.littleEndian));
}

/**
 * Decodes an `NT_FILE` descriptor: the file-backed mappings of the process.
 * @param desc the descriptor bytes.
 * @param layout word size, byte order, the note's offset for messages, and the most entries
 *   decoded (`maxMappings`, default {@link MAX_FILE_MAPPINGS}: the first ones; the caller says so).
 * @returns the mappings in note order, with byte file offsets.
 * @throws {ElfFormatError} when the counts do not fit the descriptor.
 * @example
 * ```ts
 * for (const m of decodeFileNote(note.desc, layout)) console.log(m.start, m.path);
 * ```
 */
export function decodeFileNote(desc: Uint8Array, layout: Pick<Layout, "is64" | "littleEndian"> & { offset?: number; maxMappings?: number }): FileMapping[] {
  const word = layout.is64 ? 8 : 4;
  const offset = layout.offset ?? 0;
  need(desc, 2 * word, "NT_FILE", offset);
  const v = view(desc);
  const le = layout.littleEndian;
  const read = (at: number) => (layout.is64 ? v.getBigUint64(at, le) : BigInt(v.getUint32(at, le)));
  const count = read(0);
  const pageSize = read(word);
  if (count > BigInt(Math.floor((desc.length - 2 * word) / (3 * word)))) {
    throw new ElfFormatError(`NT_FILE note at offset ${hex(offset)} claims ${count} mappings in ${desc.length} bytes`, {
      offset,
      code: "bad-value",
    });
  }
  const namesAt = 2 * word + Number(count) * 3 * word;
  const n = Math.min(Number(count), layout.maxMappings ?? MAX_FILE_MAPPINGS);
  const result: FileMapping[] = [];
  // The names (NUL-terminated, one after another) in one decoding when the region is of a real
  // process's size: UTF-8 never uses a 0 byte inside a character, so the pieces between NULs are
  // what decoding each name gives (a name missing at the end is ""). A crafted note of millions of
  // entries is decoded name by name, only the entries kept.
  const names = desc.length - namesAt <= MAX_NAMES_DECODED_AT_ONCE ? utf8.decode(desc.subarray(namesAt)).split("\0") : undefined;
  let nameAt = namesAt;
  for (let i = 0; i < n; i++) {
    const at = 2 * word + i * 3 * word;
    let path: string;
    if (names !== undefined) path = names[i] ?? "";
    else {
      let end = desc.indexOf(0, nameAt);
      if (end < 0) end = desc.length;
      path = pathText(desc, nameAt, end);
      nameAt = end + 1;
    }
    result.push({ start: read(at), end: read(at + word), fileOffset: read(at + 2 * word) * pageSize, path });
  }
  return result;
}

/** The largest NT_FILE name region decoded in one piece (a real process's is tens of kilobytes). */
const MAX_NAMES_DECODED_AT_ONCE = 1 << 22;

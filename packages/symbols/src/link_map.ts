import { MemoryError, type Memory } from "@corestack/elf";
import { DT_DEBUG, DT_NULL, PT_DYNAMIC, PT_LOAD, PT_PHDR } from "@corestack/elf/constants";

/** One entry of the dynamic linker's `link_map` list. */
export interface LinkMapEntry {
  /** `l_name`: the path the linker loaded ("" for the executable). */
  readonly name: string;
  /** `l_addr`: the load bias. */
  readonly bias: bigint;
  /** `l_ld`: run-time address of the module's dynamic section. */
  readonly dynamic: bigint;
}

/** The most `link_map` entries read; more is reported. */
export const MAX_LINK_MAP_ENTRIES = 4096;
/** The most dynamic-section entries searched for `DT_DEBUG`. */
const MAX_DYNAMIC = 4096;
/** The longest `l_name` read; a longer one is cut and reported. */
const MAX_NAME = 4096;
/** Memory is dumped or missing a page at a time (the smallest page of the machines read). */
const PAGE = 4096;
const PAGE_MASK = BigInt(PAGE - 1);

/** The dynamic linker's list of loaded objects, and what stopped it being read whole. */
export interface LinkMap {
  /** The loaded objects in link order (the executable first, as "" ). */
  readonly entries: LinkMapEntry[];
  /** One sentence per problem: a cycle, a limit reached, an entry that cannot be read. */
  readonly problems: string[];
}

/** Word size and byte order of the process, and the readers of its words. */
interface Words {
  readonly size: 4 | 8;
  readonly word: (address: bigint) => bigint;
  readonly u32: (address: bigint) => number;
}

function words(memory: Memory, is64: boolean, littleEndian: boolean): Words {
  const view = (address: bigint, length: number) => {
    const b = memory.read(address, length);
    return new DataView(b.buffer, b.byteOffset, length);
  };
  return {
    size: is64 ? 8 : 4,
    word: is64 ? (address) => view(address, 8).getBigUint64(0, littleEndian) : (address) => BigInt(view(address, 4).getUint32(0, littleEndian)),
    u32: (address) => view(address, 4).getUint32(0, littleEndian),
  };
}

/** The executable's own headers, from its file: for a core whose memory lacks its program headers. */
export interface ExecutableHeaders {
  readonly e_entry: bigint;
  readonly e_phoff: number;
  readonly programHeaders: readonly { readonly p_type: number; readonly p_offset: number; readonly p_vaddr: bigint }[];
}

/** What {@link readLinkMap} needs besides memory: the auxiliary vector's values, the word size and byte order. */
export interface LinkMapOptions {
  /** `AT_PHDR`: run-time address of the executable's program headers. */
  readonly phdr: bigint | undefined;
  /** `AT_PHNUM`. */
  readonly phnum: bigint | undefined;
  /** `AT_ENTRY`: the executable's run-time entry point (its load bias when `AT_PHDR` is missing). */
  readonly entry?: bigint | undefined;
  /** 64-bit process (default true). */
  readonly is64?: boolean;
  /** Little-endian process (default true). */
  readonly littleEndian?: boolean;
  /**
   * The executable's headers from its file, used when the program headers at `AT_PHDR` are not in
   * memory (qemu-user and gdb leave unwritten, executable pages out of the core).
   */
  readonly executable?: ExecutableHeaders | undefined;
}

/** The run-time address of the executable's dynamic section, from its program headers. */
function dynamicAddress(w: Words, options: LinkMapOptions, problems: string[]): bigint | undefined {
  const { phdr, phnum } = options;
  if (phdr !== undefined && phnum !== undefined) {
    if (phnum > 256n) {
      problems.push(`AT_PHNUM says the executable has ${phnum} program headers: the link map is not read`);
      return undefined;
    }
    const size = w.size === 8 ? 56 : 32;
    const vaddrAt = w.size === 8 ? 16 : 8;
    try {
      let bias: bigint | undefined;
      let dynamic: bigint | undefined;
      for (let i = 0; i < Number(phnum); i++) {
        const at = phdr + BigInt(i * size);
        const type = w.u32(at);
        const vaddr = w.word(at + BigInt(vaddrAt));
        if (type === PT_PHDR) bias = phdr - vaddr;
        if (type === PT_DYNAMIC) dynamic = vaddr;
      }
      return dynamic === undefined ? undefined : dynamic + (bias ?? 0n);
    } catch (error) {
      if (!MemoryError.isInstance(error)) throw error;
      // Not dumped: the executable's file says the same, when we have it.
    }
  }
  const executable = options.executable;
  if (executable === undefined) return undefined;
  const headers = executable.programHeaders;
  const dynamic = headers.find((p) => p.p_type === PT_DYNAMIC);
  if (dynamic === undefined) return undefined;
  // The load bias: where the program headers are (AT_PHDR) against where the file puts them
  // (PT_PHDR, else the PT_LOAD holding e_phoff); else the entry point against e_entry.
  let bias: bigint | undefined;
  if (phdr !== undefined) {
    const table = headers.find((p) => p.p_type === PT_PHDR);
    if (table) bias = phdr - table.p_vaddr;
    else {
      const load = headers.find((p) => p.p_type === PT_LOAD && p.p_offset <= executable.e_phoff);
      if (load) bias = phdr - (load.p_vaddr + BigInt(executable.e_phoff - load.p_offset));
    }
  }
  if (bias === undefined && options.entry !== undefined) bias = options.entry - executable.e_entry;
  return bias === undefined ? undefined : dynamic.p_vaddr + bias;
}

/** Decodes the names of the list (one decoder for every name: making one is not free). */
const UTF8 = new TextDecoder();

/** The NUL-terminated string at `address`, and whether it was cut at `max` bytes. */
function cString(memory: Memory, address: bigint, max = MAX_NAME): { text: string; cut: boolean } {
  // Reads to the end of the page first (a core dumps memory a page at a time): a name is nearly
  // always one read, a view of the core, decoded once. Where that read fails (memory that ends
  // inside the page), 64 bytes at a time, and byte by byte before missing memory. The chunks are
  // joined only when a name spans several. Up to max + 1 bytes: a name of max bytes is whole when
  // its NUL follows.
  const chunks: Uint8Array[] = [];
  let length = 0;
  let pages = true;
  for (let at = address; length <= max; ) {
    let chunk: Uint8Array;
    try {
      chunk = memory.read(at, Math.min(max + 1 - length, pages ? PAGE - Number(at & PAGE_MASK) : 64));
    } catch (error) {
      if (!MemoryError.isInstance(error)) throw error;
      if (pages) {
        pages = false;
        continue;
      }
      // The string may end just before memory the core lacks: go on byte by byte.
      chunk = memory.read(at, 1);
    }
    at += BigInt(chunk.length);
    const nul = chunk.indexOf(0);
    const part = nul >= 0 ? chunk.subarray(0, nul) : chunk;
    if (nul >= 0 && chunks.length === 0) return { text: UTF8.decode(part), cut: false };
    chunks.push(part);
    length += part.length;
    if (nul >= 0) break;
  }
  const joined = new Uint8Array(length);
  for (let index = 0, offset = 0; index < chunks.length; offset += chunks[index]!.length, index++) joined.set(chunks[index]!, offset);
  return length > max ? { text: UTF8.decode(joined.subarray(0, max)), cut: true } : { text: UTF8.decode(joined), cut: false };
}

const hex = (value: bigint) => `0x${value.toString(16)}`;

/**
 * Reads the dynamic linker's list of loaded objects: the executable's program headers (`AT_PHDR`,
 * from memory, else from its file) → its `PT_DYNAMIC` → `DT_DEBUG` → `r_debug.r_map` → `link_map`
 * entries, in the process's word size and byte order. No list (and no problem) when there is none
 * to read: a static executable, or `r_debug` not in memory. Bounded: at most
 * {@link MAX_LINK_MAP_ENTRIES} entries; a cycle, the limit, an entry that cannot be read or a name
 * cut short end the walk and are said in `problems`.
 *
 * @param memory the process memory.
 * @param options `AT_PHDR`, `AT_PHNUM` (and `AT_ENTRY`) of the process, its word size and byte
 *   order, and the executable's headers from its file when memory may lack them.
 * @returns the loaded objects in link order, and the problems met.
 * @example
 * ```ts
 * const { entries, problems } = readLinkMap(target, { phdr: core.auxvValue(AT_PHDR), phnum: core.auxvValue(AT_PHNUM) });
 * ```
 */
export function readLinkMap(memory: Memory, options: LinkMapOptions): LinkMap {
  const problems: string[] = [];
  const w = words(memory, options.is64 ?? true, options.littleEndian ?? true);
  const size = BigInt(w.size);
  let debug = 0n;
  try {
    const dynamic = dynamicAddress(w, options, problems);
    if (dynamic === undefined) return { entries: [], problems };
    for (let i = 0; i < MAX_DYNAMIC; i++) {
      const tag = w.word(dynamic + BigInt(i) * 2n * size);
      if (tag === BigInt(DT_NULL)) break;
      if (tag === BigInt(DT_DEBUG)) {
        debug = w.word(dynamic + (BigInt(i) * 2n + 1n) * size);
        break;
      }
    }
    if (debug === 0n) return { entries: [], problems };
    // r_debug: int r_version (padded to a word), then r_map.
    debug = w.word(debug + size);
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
    // The dynamic section or r_debug are not in the core: nothing to read.
    return { entries: [], problems };
  }
  const entries: LinkMapEntry[] = [];
  const seen = new Set<bigint>();
  let map = debug;
  try {
    // link_map: l_addr, l_name, l_ld, l_next, one word each.
    for (; map !== 0n; map = w.word(map + 3n * size)) {
      if (seen.has(map)) {
        problems.push(`the link map loops back to ${hex(map)} after ${entries.length} entries`);
        break;
      }
      if (entries.length >= MAX_LINK_MAP_ENTRIES) {
        problems.push(`the link map has more than ${MAX_LINK_MAP_ENTRIES} entries: the rest are not checked`);
        break;
      }
      seen.add(map);
      const namePointer = w.word(map + size);
      const name = namePointer === 0n ? { text: "", cut: false } : cString(memory, namePointer);
      if (name.cut) problems.push(`link map entry at ${hex(map)} has a name longer than ${MAX_NAME} bytes: cut`);
      entries.push({ name: name.text, bias: w.word(map), dynamic: w.word(map + 2n * size) });
    }
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
    problems.push(`link map entry at ${hex(map)} cannot be read: the ${entries.length} entries before it are checked`);
  }
  return { entries, problems };
}

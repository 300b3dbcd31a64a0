import { MemoryError, type Memory } from "@corestack/elf";
import { DT_DEBUG, DT_NULL, PT_DYNAMIC, PT_PHDR } from "@corestack/elf/constants";

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

/** The dynamic linker's list of loaded objects, and what stopped it being read whole. */
export interface LinkMap {
  /** The loaded objects in link order (the executable first, as "" ). */
  readonly entries: LinkMapEntry[];
  /** One sentence per problem: a cycle, a limit reached, an entry that cannot be read. */
  readonly problems: string[];
}

function u64(memory: Memory, address: bigint): bigint {
  const b = memory.read(address, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** The NUL-terminated string at `address`, and whether it was cut at `max` bytes. */
function cString(memory: Memory, address: bigint, max = MAX_NAME): { text: string; cut: boolean } {
  const bytes: number[] = [];
  for (let at = address; bytes.length < max; ) {
    let chunk: Uint8Array;
    try {
      chunk = memory.read(at, 64);
    } catch (error) {
      if (!MemoryError.isInstance(error)) throw error;
      // The string may end just before memory the core lacks: go on byte by byte.
      chunk = memory.read(at, 1);
    }
    at += BigInt(chunk.length);
    const nul = chunk.indexOf(0);
    bytes.push(...(nul >= 0 ? chunk.subarray(0, nul) : chunk));
    if (nul >= 0) return { text: new TextDecoder().decode(new Uint8Array(bytes)), cut: false };
  }
  return { text: new TextDecoder().decode(new Uint8Array(bytes.slice(0, max))), cut: true };
}

const hex = (value: bigint) => `0x${value.toString(16)}`;

/**
 * Reads the dynamic linker's list of loaded objects from a 64-bit little-endian process: the
 * executable's program headers (`AT_PHDR`) → its `PT_DYNAMIC` → `DT_DEBUG` → `r_debug.r_map` →
 * `link_map` entries. No list (and no problem) when there is none to read: a static executable, or
 * `r_debug` not in memory. Bounded: at most {@link MAX_LINK_MAP_ENTRIES} entries; a cycle, the
 * limit, an entry that cannot be read or a name cut short end the walk and are said in `problems`.
 *
 * @param memory the process memory.
 * @param auxv `AT_PHDR` and `AT_PHNUM` values of the process.
 * @returns the loaded objects in link order, and the problems met.
 * @example
 * ```ts
 * const { entries, problems } = readLinkMap(target, { phdr: core.auxvValue(AT_PHDR), phnum: core.auxvValue(AT_PHNUM) });
 * ```
 */
export function readLinkMap(memory: Memory, auxv: { phdr: bigint | undefined; phnum: bigint | undefined }): LinkMap {
  const problems: string[] = [];
  let debug = 0n;
  try {
    if (auxv.phdr === undefined || auxv.phnum === undefined) return { entries: [], problems };
    if (auxv.phnum > 256n) {
      problems.push(`AT_PHNUM says the executable has ${auxv.phnum} program headers: the link map is not read`);
      return { entries: [], problems };
    }
    const phnum = Number(auxv.phnum);
    const headers = memory.read(auxv.phdr, phnum * 56);
    const view = new DataView(headers.buffer, headers.byteOffset, headers.byteLength);
    let bias: bigint | undefined;
    let dynamicVaddr: bigint | undefined;
    for (let i = 0; i < phnum; i++) {
      const type = view.getUint32(i * 56, true);
      const vaddr = view.getBigUint64(i * 56 + 16, true);
      if (type === PT_PHDR) bias = auxv.phdr - vaddr;
      if (type === PT_DYNAMIC) dynamicVaddr = vaddr;
    }
    if (dynamicVaddr === undefined) return { entries: [], problems };
    const dynamic = dynamicVaddr + (bias ?? 0n);
    for (let i = 0; i < MAX_DYNAMIC; i++) {
      const tag = u64(memory, dynamic + BigInt(i * 16));
      if (tag === BigInt(DT_NULL)) break;
      if (tag === BigInt(DT_DEBUG)) {
        debug = u64(memory, dynamic + BigInt(i * 16 + 8));
        break;
      }
    }
    if (debug === 0n) return { entries: [], problems };
    debug = u64(memory, debug + 8n); // r_debug.r_map
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
    // The program headers, dynamic section or r_debug are not in the core: nothing to check.
    return { entries: [], problems };
  }
  const entries: LinkMapEntry[] = [];
  const seen = new Set<bigint>();
  let map = debug;
  try {
    for (; map !== 0n; map = u64(memory, map + 24n)) {
      if (seen.has(map)) {
        problems.push(`the link map loops back to ${hex(map)} after ${entries.length} entries`);
        break;
      }
      if (entries.length >= MAX_LINK_MAP_ENTRIES) {
        problems.push(`the link map has more than ${MAX_LINK_MAP_ENTRIES} entries: the rest are not checked`);
        break;
      }
      seen.add(map);
      const namePointer = u64(memory, map + 8n);
      const name = namePointer === 0n ? { text: "", cut: false } : cString(memory, namePointer);
      if (name.cut) problems.push(`link map entry at ${hex(map)} has a name longer than ${MAX_NAME} bytes: cut`);
      entries.push({ name: name.text, bias: u64(memory, map), dynamic: u64(memory, map + 16n) });
    }
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
    problems.push(`link map entry at ${hex(map)} cannot be read: the ${entries.length} entries before it are checked`);
  }
  return { entries, problems };
}

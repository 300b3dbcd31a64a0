import { AT_PHDR, AT_PHNUM, DT_DEBUG, DT_NULL, PT_DYNAMIC, PT_PHDR, type Memory } from "@corestack/elf";

/** One entry of the dynamic linker's `link_map` list. */
export interface LinkMapEntry {
  /** `l_name`: the path the linker loaded ("" for the executable). */
  readonly name: string;
  /** `l_addr`: the load bias. */
  readonly bias: bigint;
  /** `l_ld`: run-time address of the module's dynamic section. */
  readonly dynamic: bigint;
}

const MAX_ENTRIES = 4096;
const MAX_DYNAMIC = 4096;

function u64(memory: Memory, address: bigint): bigint {
  const b = memory.read(address, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

function cString(memory: Memory, address: bigint, max = 4096): string {
  const bytes: number[] = [];
  for (let at = address; bytes.length < max; at += 64n) {
    let chunk: Uint8Array;
    try {
      chunk = memory.read(at, 64);
    } catch {
      chunk = memory.read(at, 1);
    }
    const nul = chunk.indexOf(0);
    bytes.push(...(nul >= 0 ? chunk.subarray(0, nul) : chunk));
    if (nul >= 0) break;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Reads the dynamic linker's list of loaded objects from a 64-bit little-endian process: the
 * executable's program headers (`AT_PHDR`) → its `PT_DYNAMIC` → `DT_DEBUG` → `r_debug.r_map` →
 * `link_map` entries. Returns an empty list when any piece is not in memory (a static executable,
 * or pages not dumped). Bounded: at most 4096 entries, cycles stop the walk.
 *
 * @param memory the process memory.
 * @param auxv `AT_PHDR` and `AT_PHNUM` values of the process.
 * @returns the loaded objects in link order.
 * @example
 * ```ts
 * readLinkMap(target, { phdr: core.auxvValue(AT_PHDR), phnum: core.auxvValue(AT_PHNUM) });
 * ```
 */
export function readLinkMap(memory: Memory, auxv: { phdr: bigint | undefined; phnum: bigint | undefined }): LinkMapEntry[] {
  try {
    if (auxv.phdr === undefined || auxv.phnum === undefined || auxv.phnum > 256n) return [];
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
    if (dynamicVaddr === undefined) return [];
    const dynamic = dynamicVaddr + (bias ?? 0n);
    let debug = 0n;
    for (let i = 0; i < MAX_DYNAMIC; i++) {
      const tag = u64(memory, dynamic + BigInt(i * 16));
      if (tag === BigInt(DT_NULL)) break;
      if (tag === BigInt(DT_DEBUG)) {
        debug = u64(memory, dynamic + BigInt(i * 16 + 8));
        break;
      }
    }
    if (debug === 0n) return [];
    const entries: LinkMapEntry[] = [];
    const seen = new Set<bigint>();
    for (let map = u64(memory, debug + 8n); map !== 0n && !seen.has(map) && entries.length < MAX_ENTRIES; map = u64(memory, map + 24n)) {
      seen.add(map);
      const namePointer = u64(memory, map + 8n);
      entries.push({
        name: namePointer === 0n ? "" : cString(memory, namePointer),
        bias: u64(memory, map),
        dynamic: u64(memory, map + 16n),
      });
    }
    return entries;
  } catch {
    return [];
  }
}

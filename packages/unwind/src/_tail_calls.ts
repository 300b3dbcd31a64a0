import { DwarfFormatError } from "@corestack/dwarf";
import { ElfFormatError, type Memory, MemoryError } from "@corestack/elf";
import type { CallSiteRecord } from "./_call_sites.js";
import type { ImageInfo } from "./_image_info.js";
import type { ModuleImage } from "./module_image.js";

/**
 * Tail calls searched between two frames, at most: functions visited, chain length, chains kept.
 * gdb's search (`call_site_find_chain`) has no bound; real chains are one to three calls long.
 * Reaching a bound gives no tail-call frames for that pair, said through the warning.
 */
export const TAIL_CALL_SEARCH = { functions: 256, depth: 16, chains: 64 } as const;

/** Where the search finds images. @internal */
export interface TailCallContext {
  /** The target's memory (for the call instruction before a return address). */
  readonly memory: Memory;
  /** The architecture's name (`x86-64`, `aarch64`). */
  readonly architecture: string;
  imageAt(address: bigint): ModuleImage | undefined;
  info(image: ModuleImage): ImageInfo;
  /** Images already read, searched for a called function's name (no other file is opened). */
  knownImages(): Iterable<ImageInfo>;
  warn(message: string): void;
}

/** One tail-call frame: the function that jumped, at the return address of its jump. @internal */
export interface TailCallFrame {
  readonly pc: bigint;
  readonly image: ModuleImage;
}

interface FunctionAt {
  readonly info: ImageInfo;
  readonly bias: bigint;
  /** Offset of the outermost subprogram entry. */
  readonly subprogram: number;
}

function functionAt(context: TailCallContext, address: bigint): FunctionAt | undefined {
  const image = context.imageAt(address);
  if (!image) return undefined;
  const info = context.info(image);
  const bias = info.bias;
  if (bias === undefined) return undefined;
  let found;
  try {
    found = info.functionsAt(address - bias);
  } catch (error) {
    if (!DwarfFormatError.isInstance(error)) throw error;
    return undefined;
  }
  const outer = found?.frames[found.frames.length - 1];
  if (!found || !outer) return undefined;
  return { info, bias, subprogram: outer.entryOffset };
}

/** The entry of the function at an address: its DWARF `DW_AT_low_pc`, else its symbol's address. */
function entryOf(context: TailCallContext, address: bigint): bigint | undefined {
  const at = functionAt(context, address);
  const low = at?.info.lowPc(at.subprogram);
  if (at && low !== undefined) return low + at.bias;
  const image = context.imageAt(address);
  if (!image) return undefined;
  const info = context.info(image);
  const bias = info.bias;
  if (bias === undefined) return undefined;
  // The code symbols (gdb's minimal symbols): a sized one containing the address.
  let best: bigint | undefined;
  for (const table of info.minimalSymbols()) {
    const symbol = table.lookup(address - bias);
    if (symbol && symbol.size > 0n && address - bias < symbol.address + symbol.size && (best === undefined || symbol.address + bias > best))
      best = symbol.address + bias;
  }
  return best;
}

/**
 * The run-time address a call site calls, resolved as gdb resolves it (`read_call_site_scope`): a
 * constant `DW_AT_call_target`; else the `DW_AT_call_origin` entry, read through its
 * `DW_AT_abstract_origin`/`DW_AT_specification` chain as gdb's `dwarf2_attr` reads it — a
 * declaration by its (linkage) name among the symbols of the images read, a definition by its
 * `DW_AT_low_pc` (by its name when it has `DW_AT_ranges`). An origin gdb cannot resolve (an
 * abstract instance without addresses) gives undefined, which ends gdb's search.
 */
function targetOf(context: TailCallContext, at: FunctionAt, site: CallSiteRecord): bigint | undefined {
  if (site.target !== undefined) return site.target + at.bias;
  const record = site.origin === undefined ? undefined : at.info.target(site.origin);
  if (!record) return undefined;
  if (!record.declaration && record.lowPc !== undefined) return record.lowPc + at.bias;
  if (!record.declaration && !record.ranges) return undefined;
  const name = record.name;
  if (name === undefined) return undefined;
  const images = [at.info, ...[...context.knownImages()].filter((info) => info !== at.info)];
  for (const info of images) {
    const bias = info.bias;
    if (bias === undefined) continue;
    for (const table of info.symbolTables()) {
      try {
        const symbol = table.byName(name);
        if (symbol && symbol.st_shndx !== 0 && symbol.st_value !== 0n) return symbol.st_value + bias;
      } catch (error) {
        if (!ElfFormatError.isInstance(error)) throw error;
      }
    }
  }
  return undefined;
}

/**
 * The frames of functions that tail-called their way from a caller to its callee, as gdb
 * reconstructs them from DWARF call sites (`DW_TAG_call_site` with `DW_AT_call_tail_call`): the
 * caller's call at `returnAddress` calls T; when T is not the callee's function, the chains of
 * tail calls from T to it are searched; an unambiguous chain (or the part all chains share at
 * either end, as gdb keeps it) gives one frame per function, at the return address of its jump.
 *
 * @param context images and caches.
 * @param calleePc the callee frame's lookup pc.
 * @param returnAddress the caller frame's pc (a return address).
 * @returns the tail-call frames, innermost first (empty when none, or when the DWARF says nothing).
 * @internal
 */
export function tailCallFrames(context: TailCallContext, calleePc: bigint, returnAddress: bigint): TailCallFrame[] {
  // The common case costs no DWARF: a direct call to the callee's own entry (gdb's chain is then
  // empty). Only other calls (through the PLT, indirect, to another function) read call sites.
  const direct = directCallTarget(context, returnAddress);
  if (direct !== undefined && direct === minimalEntryOf(context, calleePc)) return [];
  const caller = functionAt(context, returnAddress - 1n);
  if (!caller) return [];
  const link = returnAddress - caller.bias;
  const site = caller.info.callSites(caller.subprogram).find((candidate) => candidate.returnPc === link);
  if (!site) return [];
  const first = targetOf(context, caller, site);
  const callee = entryOf(context, calleePc);
  if (first === undefined || callee === undefined || first === callee) return [];

  // Depth-first search of the tail-call chains first → … → callee, as gdb's
  // call_site_find_chain_1 does it: each call site at most once per path; a tail call whose
  // target cannot be resolved, or a target that is not the entry of a function with DWARF, ends
  // the whole search with no frames (gdb throws NO_ENTRY_VALUE_ERROR there).
  const chains: { pc: bigint; image: ModuleImage }[][] = [];
  let visited = 0;
  let truncated = false;
  const path: { pc: bigint; image: ModuleImage }[] = [];
  const onPath = new Set<bigint>();
  const search = (entry: bigint): boolean => {
    if (chains.length >= TAIL_CALL_SEARCH.chains || path.length >= TAIL_CALL_SEARCH.depth || ++visited > TAIL_CALL_SEARCH.functions) {
      truncated = true;
      return true;
    }
    const at = functionAt(context, entry);
    const low = at?.info.lowPc(at.subprogram);
    if (!at || low === undefined || low + at.bias !== entry) return false;
    for (const jump of at.info.callSites(at.subprogram)) {
      if (!jump.tail) continue;
      const pc = jump.returnPc + at.bias;
      if (onPath.has(pc)) continue;
      const next = targetOf(context, at, jump);
      if (next === undefined) return false;
      onPath.add(pc);
      path.push({ pc, image: at.info.image });
      let ok: boolean;
      if (next === callee) {
        chains.push([...path]);
        ok = true;
      } else {
        ok = search(next);
      }
      path.pop();
      onPath.delete(pc);
      if (!ok) return false;
    }
    return true;
  };
  if (!search(first)) return [];
  if (truncated) {
    context.warn(
      `the tail calls between 0x${calleePc.toString(16)} and its caller at 0x${returnAddress.toString(16)} were not all searched (the search stops at ${TAIL_CALL_SEARCH.functions} functions, ${TAIL_CALL_SEARCH.depth} calls deep)`,
    );
    return [];
  }
  if (chains.length === 0) return [];
  // gdb keeps what every chain agrees on: the common prefix (from the caller's side) and the
  // common suffix (the callee's side).
  let chosen = chains[0]!;
  if (chains.length > 1) {
    const same = (a: { pc: bigint }, b: { pc: bigint }) => a.pc === b.pc;
    let prefix = chosen.length;
    let suffix = chosen.length;
    for (const other of chains.slice(1)) {
      let p = 0;
      while (p < Math.min(prefix, other.length) && same(chosen[p]!, other[p]!)) p++;
      prefix = p;
      let s = 0;
      while (s < Math.min(suffix, other.length) && same(chosen[chosen.length - 1 - s]!, other[other.length - 1 - s]!)) s++;
      suffix = s;
    }
    chosen = prefix + suffix >= chosen.length ? chosen : [...chosen.slice(0, prefix), ...chosen.slice(chosen.length - suffix)];
  }
  return chosen.map(({ pc, image }) => ({ pc, image })).reverse();
}

/** The target of the direct call instruction that ends just before a return address, if it is one. */
function directCallTarget(context: TailCallContext, returnAddress: bigint): bigint | undefined {
  try {
    if (context.architecture === "x86-64") {
      const bytes = context.memory.read(returnAddress - 5n, 5);
      if (bytes[0] !== 0xe8) return undefined;
      const relative = new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getInt32(0, true);
      return BigInt.asUintN(64, returnAddress + BigInt(relative));
    }
    if (context.architecture === "aarch64") {
      const bytes = context.memory.read(returnAddress - 4n, 4);
      const word = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
      if (word >>> 26 !== 0x25) return undefined; // BL imm26
      const immediate = BigInt.asIntN(26, BigInt(word & 0x3ffffff));
      return BigInt.asUintN(64, returnAddress - 4n + immediate * 4n);
    }
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
  }
  return undefined;
}

/** The start of the symbol-table function holding an address (no DWARF read). */
function minimalEntryOf(context: TailCallContext, address: bigint): bigint | undefined {
  const image = context.imageAt(address);
  if (!image) return undefined;
  const info = context.info(image);
  const bias = info.bias;
  if (bias === undefined) return undefined;
  let best: bigint | undefined;
  for (const table of info.minimalSymbols()) {
    const symbol = table.lookup(address - bias);
    if (symbol && (best === undefined || symbol.address + bias > best)) best = symbol.address + bias;
  }
  return best;
}

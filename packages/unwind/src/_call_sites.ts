import type { Attribute, DebugInfo, UnitHeader } from "@corestack/dwarf";
import {
  DW_AT_abstract_origin,
  DW_AT_call_origin,
  DW_AT_call_return_pc,
  DW_AT_call_tail_call,
  DW_AT_call_target,
  DW_AT_declaration,
  DW_AT_GNU_call_site_target,
  DW_AT_ranges,
  DW_AT_GNU_tail_call,
  DW_AT_high_pc,
  DW_AT_linkage_name,
  DW_AT_low_pc,
  DW_AT_MIPS_linkage_name,
  DW_AT_name,
  DW_AT_specification,
  DW_TAG_call_site,
  DW_TAG_GNU_call_site,
  DW_TAG_class_type,
  DW_TAG_inlined_subroutine,
  DW_TAG_namespace,
  DW_TAG_structure_type,
  DW_TAG_subprogram,
  DW_TAG_union_type,
} from "@corestack/dwarf/constants";

/** `DW_AT_abstract_origin`/`DW_AT_specification` hops followed for a call's target (gdb follows them through `dwarf2_attr`). */
const ORIGIN_HOPS = 8;

/** A `DW_TAG_subprogram` of a unit: what resolving a call site's target needs. @internal */
export interface SubprogramRecord {
  readonly lowPc: bigint | undefined;
  /** One past the last address, from `DW_AT_high_pc` (an address or an offset from `DW_AT_low_pc`). */
  readonly highPc: bigint | undefined;
  readonly name: string | undefined;
  readonly linkageName: string | undefined;
  /** `DW_AT_abstract_origin` or `DW_AT_specification`: where the name is when this entry has none. */
  readonly origin: number | undefined;
  /** `DW_AT_declaration`: a declaration of a function defined elsewhere (found by name). */
  readonly declaration: boolean;
  /** `DW_AT_ranges` instead of `DW_AT_low_pc` (a function split in hot and cold parts). */
  readonly ranges: boolean;
  /** The enclosing namespaces, classes, structures and unions, joined with `::` (`outer::inner`), or "". */
  readonly scope: string;
}

/** A `DW_TAG_call_site` (or GNU's `DW_TAG_GNU_call_site`) of a function. @internal */
export interface CallSiteRecord {
  /** The return address of the call, link-time. */
  readonly returnPc: bigint;
  /** A tail call (a jump): the function's frame is gone when its callee runs. */
  readonly tail: boolean;
  /** The called function's entry (`DW_AT_call_origin`), when named. */
  readonly origin: number | undefined;
  /** The called address, when `DW_AT_call_target` is a constant `DW_OP_addr`. */
  readonly target: bigint | undefined;
}

/** The subprograms of a unit and the call sites of each (by the offset of the outermost subprogram holding them). @internal */
export interface UnitScan {
  readonly subprograms: Map<number, SubprogramRecord>;
  readonly callSites: Map<number, CallSiteRecord[]>;
  /** `DW_AT_abstract_origin` of each `DW_TAG_inlined_subroutine`, by offset. */
  readonly inlined: Map<number, number>;
}

function value(attributes: readonly Attribute[], name: number): Attribute["value"] | undefined {
  for (const attribute of attributes) if (attribute.name === name) return attribute.value;
  return undefined;
}

function addressOf(attributes: readonly Attribute[], name: number): bigint | undefined {
  const found = value(attributes, name);
  return found?.kind === "address" ? found.value : undefined;
}

function stringOf(attributes: readonly Attribute[], name: number): string | undefined {
  const found = value(attributes, name);
  return found?.kind === "string" ? found.value : undefined;
}

function referenceOf(attributes: readonly Attribute[], name: number): number | undefined {
  const found = value(attributes, name);
  return found?.kind === "reference" ? found.offset : undefined;
}

function flagOf(attributes: readonly Attribute[], name: number): boolean {
  const found = value(attributes, name);
  return found?.kind === "flag" ? found.value : found !== undefined;
}

/** `DW_OP_addr <address>` and nothing else: a constant call target. */
function constantTarget(attributes: readonly Attribute[]): bigint | undefined {
  const found = value(attributes, DW_AT_call_target) ?? value(attributes, DW_AT_GNU_call_site_target);
  if (found?.kind !== "exprloc" && found?.kind !== "block") return undefined;
  const bytes = found.bytes;
  if (bytes.length !== 9 || bytes[0] !== 0x03) return undefined;
  let address = 0n;
  for (let index = 8; index >= 1; index--) address = (address << 8n) | BigInt(bytes[index]!);
  return address;
}

/** Entries whose names qualify the functions inside them (gdb's `dwarf2_compute_name`). */
const SCOPES = new Set<number>([DW_TAG_namespace, DW_TAG_class_type, DW_TAG_structure_type, DW_TAG_union_type]);

/**
 * Reads a unit's subprograms and call sites, once (the caller caches the result).
 * @throws {DwarfFormatError} when the unit's entries are malformed. @internal
 */
export function scanUnit(info: DebugInfo, header: UnitHeader): UnitScan {
  const subprograms = new Map<number, SubprogramRecord>();
  const callSites = new Map<number, CallSiteRecord[]>();
  const inlined = new Map<number, number>();
  let outer: { offset: number; depth: number } | undefined;
  const scopes: { depth: number; name: string }[] = [];
  for (const entry of info.entries(header)) {
    if (outer && entry.depth <= outer.depth) outer = undefined;
    while (scopes.length > 0 && scopes[scopes.length - 1]!.depth >= entry.depth) scopes.pop();
    const tag = entry.tag;
    if (SCOPES.has(tag)) {
      const name = entry.attribute(DW_AT_name);
      scopes.push({ depth: entry.depth, name: name?.kind === "string" ? name.value : tag === DW_TAG_namespace ? "(anonymous namespace)" : "{anonymous}" });
    } else if (tag === DW_TAG_inlined_subroutine) {
      const origin = entry.attribute(DW_AT_abstract_origin);
      if (origin?.kind === "reference") inlined.set(entry.offset, origin.offset);
    } else if (tag === DW_TAG_subprogram) {
      const attributes = entry.attributes();
      const lowPc = addressOf(attributes, DW_AT_low_pc);
      const high = value(attributes, DW_AT_high_pc);
      subprograms.set(entry.offset, {
        lowPc,
        highPc: high?.kind === "address" ? high.value : high?.kind === "constant" && lowPc !== undefined ? lowPc + high.value : undefined,
        name: stringOf(attributes, DW_AT_name),
        linkageName: stringOf(attributes, DW_AT_linkage_name) ?? stringOf(attributes, DW_AT_MIPS_linkage_name),
        origin: referenceOf(attributes, DW_AT_abstract_origin) ?? referenceOf(attributes, DW_AT_specification),
        declaration: flagOf(attributes, DW_AT_declaration),
        ranges: value(attributes, DW_AT_ranges) !== undefined,
        scope: scopes.map((scope) => scope.name).join("::"),
      });
      outer ??= { offset: entry.offset, depth: entry.depth };
    } else if ((tag === DW_TAG_call_site || tag === DW_TAG_GNU_call_site) && outer) {
      const attributes = entry.attributes();
      const returnPc = addressOf(attributes, DW_AT_call_return_pc) ?? addressOf(attributes, DW_AT_low_pc);
      if (returnPc === undefined) continue;
      let list = callSites.get(outer.offset);
      if (!list) callSites.set(outer.offset, (list = []));
      list.push({
        returnPc,
        tail: flagOf(attributes, DW_AT_call_tail_call) || flagOf(attributes, DW_AT_GNU_tail_call),
        origin: referenceOf(attributes, DW_AT_call_origin) ?? referenceOf(attributes, DW_AT_abstract_origin),
        target: constantTarget(attributes),
      });
    }
  }
  return { subprograms, callSites, inlined };
}

/** The call site of one entry, or undefined when it has no return address. */
function callSiteOf(attributes: readonly Attribute[]): CallSiteRecord | undefined {
  const returnPc = addressOf(attributes, DW_AT_call_return_pc) ?? addressOf(attributes, DW_AT_low_pc);
  if (returnPc === undefined) return undefined;
  return {
    returnPc,
    tail: flagOf(attributes, DW_AT_call_tail_call) || flagOf(attributes, DW_AT_GNU_tail_call),
    origin: referenceOf(attributes, DW_AT_call_origin) ?? referenceOf(attributes, DW_AT_abstract_origin),
    target: constantTarget(attributes),
  };
}

/**
 * The call sites inside one function: its subtree only, not the rest of its unit (the caller caches the result).
 * @param info the debugging information.
 * @param subprogram the offset of the function's `DW_TAG_subprogram` entry.
 * @throws {DwarfFormatError} when the entries are malformed. @internal
 */
export function callSitesIn(info: DebugInfo, subprogram: number): CallSiteRecord[] {
  const sites: CallSiteRecord[] = [];
  for (const entry of info.subtree(subprogram)) {
    if (entry.tag !== DW_TAG_call_site && entry.tag !== DW_TAG_GNU_call_site) continue;
    const site = callSiteOf(entry.attributes());
    if (site) sites.push(site);
  }
  return sites;
}

/** What a call's target entry says, its `DW_AT_abstract_origin`/`DW_AT_specification` chain included. @internal */
export interface TargetFacts {
  /** `DW_AT_low_pc` of the entry itself. */
  readonly lowPc: bigint | undefined;
  /** The entry has `DW_AT_ranges`. */
  readonly ranges: boolean;
  /** gdb's `die_is_declaration`: `DW_AT_declaration` somewhere on the chain, and no `DW_AT_specification` on it. */
  readonly declaration: boolean;
  /** The first `DW_AT_linkage_name` (or MIPS') on the chain, else the first `DW_AT_name`. */
  readonly name: string | undefined;
}

/**
 * Reads a call's target entry as gdb's `read_call_site_scope` does (`dwarf2_attr` follows
 * `DW_AT_abstract_origin` and `DW_AT_specification`, into other units too): an LTO build's
 * out-of-line copy of `sem_wait`'s declaration is a declaration through its origin.
 * @param info the debugging information.
 * @param offset the target entry's offset.
 * @throws {DwarfFormatError} when an entry on the chain cannot be read. @internal
 */
export function targetFacts(info: DebugInfo, offset: number): TargetFacts {
  let lowPc: bigint | undefined;
  let ranges = false;
  let declared = false;
  let specification = false;
  let name: string | undefined;
  let linkageName: string | undefined;
  let current: number | undefined = offset;
  const seen = new Set<number>();
  for (let hop = 0; current !== undefined && hop <= ORIGIN_HOPS && !seen.has(current); hop++) {
    seen.add(current);
    const attributes = info.entryAt(current).attributes();
    if (hop === 0) {
      lowPc = addressOf(attributes, DW_AT_low_pc);
      ranges = value(attributes, DW_AT_ranges) !== undefined;
    }
    declared ||= flagOf(attributes, DW_AT_declaration);
    const specified = referenceOf(attributes, DW_AT_specification);
    if (specified !== undefined) specification = true;
    name ??= stringOf(attributes, DW_AT_name);
    linkageName ??= stringOf(attributes, DW_AT_linkage_name) ?? stringOf(attributes, DW_AT_MIPS_linkage_name);
    current = referenceOf(attributes, DW_AT_abstract_origin) ?? specified;
  }
  return { lowPc, ranges, declaration: declared && !specification, name: linkageName ?? name };
}

/**
 * `DW_AT_low_pc` of an entry (a function's entry address), read alone.
 * @throws {DwarfFormatError} when the entry cannot be read. @internal
 */
export function lowPcOf(info: DebugInfo, offset: number): bigint | undefined {
  const value = info.entryAt(offset).attribute(DW_AT_low_pc);
  return value?.kind === "address" ? value.value : undefined;
}

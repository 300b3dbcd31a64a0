import { DwarfFormatError } from "./dwarf_format_error.js";
import * as C from "./dwarf_constants.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import type { AddressRange } from "./range_lists.js";
import type { InfoContext, UnitContext, UnitSummary } from "./_info_context.js";
import { countAtOrBelow } from "./_search.js";

export type { UnitSummary } from "./_info_context.js";

/** One function at an address: the `DW_TAG_subprogram`, or a `DW_TAG_inlined_subroutine` inside it. */
export interface InlineFrame {
  /** `DW_TAG_subprogram` or `DW_TAG_inlined_subroutine`. */
  readonly tag: number;
  /** `DW_AT_name`, through `DW_AT_abstract_origin`/`DW_AT_specification` when the entry has none. */
  readonly name?: string;
  /** `DW_AT_linkage_name` (or `DW_AT_MIPS_linkage_name`), found the same way. */
  readonly linkageName?: string;
  /**
   * `DW_AT_call_file` of an inlined subroutine: an index into its unit's line-program file table
   * (read the table at {@link UnitSummary.stmtList} of `.debug_line`).
   */
  readonly callFile?: number;
  /** `DW_AT_call_line`: the line of the call that was inlined, in the next outer frame. */
  readonly callLine?: number;
  /** `DW_AT_call_column`. */
  readonly callColumn?: number;
  /** Offset of the entry in `.debug_info`. */
  readonly entryOffset: number;
}

/** The functions at an address: the unit, and the inline chain innermost first. */
export interface FunctionsAt {
  readonly address: bigint;
  /** The unit the address belongs to. */
  readonly unit: UnitSummary;
  /**
   * Innermost first: inlined subroutines, then the subprogram they were inlined into (the
   * outermost, last). Empty when the unit covers the address but no function does.
   */
  readonly frames: readonly InlineFrame[];
}

function contains(ranges: readonly AddressRange[], address: bigint): boolean {
  for (const range of ranges) if (range.begin <= address && address < range.end) return true;
  return false;
}

/** Tags whose children may hold functions even though the tag itself has no addresses. */
const DESCEND = new Set<number>([
  C.DW_TAG_namespace,
  C.DW_TAG_class_type,
  C.DW_TAG_structure_type,
  C.DW_TAG_union_type,
  C.DW_TAG_interface_type,
  C.DW_TAG_module,
]);

/** Tags inside a function that scope inlined subroutines. */
const BLOCKS = new Set<number>([C.DW_TAG_lexical_block, C.DW_TAG_try_block, C.DW_TAG_catch_block, C.DW_TAG_with_stmt]);

interface Scope {
  readonly offset: number;
  readonly depth: number;
  readonly tag: number;
}

/**
 * Walks one unit for the function containing `address` and the inlined subroutines nested in it,
 * skipping every subtree that cannot contain it (jumping by `DW_AT_sibling` when present).
 *
 * From DWARF 3 on, a block or inlined subroutine whose ranges miss the address is skipped whole. A
 * DWARF 2 producer cannot describe split ranges (gcc's `-gstrict-dwarf -gdwarf-2` gives a lexical
 * block only its first piece while its children lie elsewhere), so there every entry of the
 * function is visited and an inlined subroutine's callers are its enclosing inlined subroutines,
 * whether or not their ranges hold the address — as binutils does. @internal
 */
export function inlineChainIn(context: InfoContext, unit: UnitContext, address: bigint): InlineFrame[] {
  // The unit's functions are indexed on its first lookup; a lookup then starts at the function
  // holding the address (the first in entry order, as the walk from the root would find).
  const index = functionIndexOf(context, unit);
  let start: { offset: number; depth: number } | undefined;
  if (index !== null) {
    start = index.first(address);
    if (start === undefined) return [];
  }
  const cursor = start === undefined ? unit.cursor() : unit.cursor(start.offset, start.depth);
  if (start === undefined && !cursor.next()) return [];
  const prune = unit.header.version >= 3;
  let outer: Scope | undefined;
  const inlines: Scope[] = [];
  let best: Scope[] = [];
  let skipDepth = -1;
  const skip = (sibling: number | undefined, depth: number): void => {
    if (sibling !== undefined) cursor.jumpToSibling(sibling);
    else skipDepth = depth;
  };
  const skipChildren = (depth: number): void => {
    const abbreviation = cursor.abbreviation!;
    if (!abbreviation.hasChildren) return;
    const sibling = unit.readAttribute(abbreviation, cursor.attributesOffset, C.DW_AT_sibling)?.value;
    skip(sibling?.kind === "reference" ? sibling.offset : undefined, depth);
  };
  while (cursor.next()) {
    const depth = cursor.entryDepth;
    if (skipDepth >= 0) {
      if (depth > skipDepth) continue;
      skipDepth = -1;
    }
    if (outer !== undefined && depth <= outer.depth) break;
    while (inlines.length > 0 && inlines[inlines.length - 1]!.depth >= depth) inlines.pop();
    const abbreviation = cursor.abbreviation!;
    const tag = abbreviation.tag;
    if (outer === undefined) {
      if (tag === C.DW_TAG_subprogram || tag === C.DW_TAG_entry_point) {
        const pc = unit.pcAttributes(abbreviation, cursor.attributesOffset);
        const ranges = unit.rangesOf(pc, cursor.offset);
        if (ranges !== undefined && contains(ranges, address)) {
          outer = { offset: cursor.offset, depth, tag };
          best = [outer];
        } else if (abbreviation.hasChildren) {
          // A declaration, an abstract instance or another function: nothing inside runs here.
          skip(pc.sibling, depth);
        }
      } else if (!DESCEND.has(tag)) {
        skipChildren(depth);
      }
      continue;
    }
    if (tag === C.DW_TAG_inlined_subroutine || BLOCKS.has(tag)) {
      const pc = unit.pcAttributes(abbreviation, cursor.attributesOffset);
      const ranges = unit.rangesOf(pc, cursor.offset);
      const inside = ranges !== undefined && contains(ranges, address);
      if (prune && ranges !== undefined && !inside) {
        if (abbreviation.hasChildren) skip(pc.sibling, depth);
        continue;
      }
      if (tag !== C.DW_TAG_inlined_subroutine) continue;
      if (inlines.length >= DWARF_LIMITS.inlineDepth) {
        limitReached("inlineDepth", "Inlined subroutines nested deeper", { section: ".debug_info", offset: cursor.offset });
      }
      inlines.push({ offset: cursor.offset, depth, tag });
      if (inside && inlines.length + 1 > best.length) best = [outer, ...inlines];
      continue;
    }
    // Variables, types, call sites, nested functions: no inlined subroutine of this function inside.
    skipChildren(depth);
  }
  const frames: InlineFrame[] = [];
  for (let index = best.length - 1; index >= 0; index--) frames.push(frameOf(context, best[index]!));
  return frames;
}

function smallNumber(value: bigint): number | undefined {
  return value >= 0n && value <= 0xffff_ffffn ? Number(value) : undefined;
}

function frameOf(context: InfoContext, scope: Scope): InlineFrame {
  const entry = context.entryAt(scope.offset);
  const { name, linkageName } = context.namesOf(entry);
  let callFile: number | undefined;
  let callLine: number | undefined;
  let callColumn: number | undefined;
  if (scope.tag === C.DW_TAG_inlined_subroutine) {
    for (const attribute of entry.unit.readAttributes(entry.abbreviation, entry.attributesOffset)) {
      const value = attribute.value;
      if (value.kind !== "constant" && value.kind !== "signed") continue;
      if (attribute.name === C.DW_AT_call_file) callFile = smallNumber(value.value);
      else if (attribute.name === C.DW_AT_call_line) callLine = smallNumber(value.value);
      else if (attribute.name === C.DW_AT_call_column) callColumn = smallNumber(value.value);
    }
  }
  return {
    tag: scope.tag,
    ...(name === undefined ? {} : { name }),
    ...(linkageName === undefined ? {} : { linkageName }),
    ...(callFile === undefined ? {} : { callFile }),
    ...(callLine === undefined ? {} : { callLine }),
    ...(callColumn === undefined ? {} : { callColumn }),
    entryOffset: scope.offset,
  };
}

/**
 * The functions of one unit that a walk from its root can reach (top-level, or inside namespaces
 * and classes; not nested in another function), each with the hull of its pc ranges: built once
 * per unit, on its first lookup, by the walk a lookup would do, without stopping at a match. A
 * lookup starts at the first function (in entry order) whose hull holds the address: no function
 * before it can hold it, and the walk from there checks the ranges themselves.
 */
class FunctionIndex {
  readonly #begins: bigint[] = [];
  readonly #ends: bigint[] = [];
  readonly #maxEnds: bigint[] = [];
  readonly #offsets: number[] = [];
  readonly #depths: number[] = [];

  constructor(unit: UnitContext) {
    const rows: { begin: bigint; end: bigint; offset: number; depth: number }[] = [];
    const cursor = unit.cursor();
    if (cursor.next()) {
      let skipDepth = -1;
      while (cursor.next()) {
        const depth = cursor.entryDepth;
        if (skipDepth >= 0) {
          if (depth > skipDepth) continue;
          skipDepth = -1;
        }
        const abbreviation = cursor.abbreviation!;
        const tag = abbreviation.tag;
        if (tag === C.DW_TAG_subprogram || tag === C.DW_TAG_entry_point) {
          const pc = unit.pcAttributes(abbreviation, cursor.attributesOffset);
          // One row per function, over the hull of its ranges: a lookup starts at the first
          // function whose hull holds the address and walks on from there, checking the ranges.
          let begin: bigint | undefined;
          let end = 0n;
          for (const range of unit.rangesOf(pc, cursor.offset) ?? []) {
            if (range.begin >= range.end) continue;
            if (begin === undefined || range.begin < begin) begin = range.begin;
            if (range.end > end) end = range.end;
          }
          if (begin !== undefined) rows.push({ begin, end, offset: cursor.offset, depth });
          if (!abbreviation.hasChildren) continue;
          if (pc.sibling !== undefined) cursor.jumpToSibling(pc.sibling);
          else skipDepth = depth;
        } else if (!DESCEND.has(tag) && abbreviation.hasChildren) {
          const sibling = unit.readAttribute(abbreviation, cursor.attributesOffset, C.DW_AT_sibling)?.value;
          if (sibling?.kind === "reference") cursor.jumpToSibling(sibling.offset);
          else skipDepth = depth;
        }
      }
    }
    rows.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.offset - b.offset));
    let maxEnd = 0n;
    for (const row of rows) {
      this.#begins.push(row.begin);
      this.#ends.push(row.end);
      this.#offsets.push(row.offset);
      this.#depths.push(row.depth);
      if (row.end > maxEnd) maxEnd = row.end;
      this.#maxEnds.push(maxEnd);
    }
  }

  /** The function first in entry order whose hull holds `address`. */
  first(address: bigint): { offset: number; depth: number } | undefined {
    const low = countAtOrBelow(this.#begins, address);
    let found = -1;
    for (let index = low - 1; index >= 0 && this.#maxEnds[index]! > address; index--) {
      if (address < this.#ends[index]! && (found < 0 || this.#offsets[index]! < this.#offsets[found]!)) found = index;
    }
    return found < 0 ? undefined : { offset: this.#offsets[found]!, depth: this.#depths[found]! };
  }
}

const functionIndexes = new WeakMap<UnitContext, FunctionIndex | null>();

/**
 * The unit's {@link FunctionIndex}, built once; null when building it met malformed entries or a
 * limit (each later lookup then walks from the root, and says so where it meets the problem).
 * @throws {DwarfFormatError} the limit the building reached, for the lookup that built it.
 */
function functionIndexOf(context: InfoContext, unit: UnitContext): FunctionIndex | null {
  let index = functionIndexes.get(unit);
  if (index === undefined) {
    try {
      index = new FunctionIndex(unit);
    } catch (error) {
      if (!DwarfFormatError.isInstance(error)) throw error;
      functionIndexes.set(unit, null);
      // A limit reached while indexing is this lookup's (its walk reads the same entries before
      // it gives up); a malformed entry may lie past the function a walk finds.
      if (error.code === "limit") throw error;
      context.beginLookup();
      return null;
    }
    functionIndexes.set(unit, index);
    // The range-list entries the index read are not this lookup's.
    context.beginLookup();
  }
  return index;
}

import type { PythonLayout } from "@corestack/cpython-layouts";
import { WalkError } from "./_reader.js";
import type { LocalVariable } from "./analyse.js";
import type { ReprReader } from "./repr.js";

// The local variables of a frame (arguments, locals, cells and free variables by their contents),
// each as a bounded repr. Private to this package.

/**
 * Most variables read per code object: CPython's compiler has no limit, but a function with 65 536
 * local variables is generated code at best; a larger count is corruption.
 */
export const MAX_LOCALS = 1 << 16;

/** What a code object says of its variables: read once per code object. */
interface CodeVariables {
  /** One per slot of the frame's variables. */
  readonly names: readonly string[];
  /** Per slot: holds a cell whose content is the value. */
  readonly cell: readonly boolean[];
  /** Per slot: not shown (3.12+ variables of an inlined comprehension, as `locals()` leaves them out). */
  readonly hidden: readonly boolean[];
  /** Slots that are arguments: the first ones. */
  readonly argumentCount: number;
  /** ≤ 3.10: the cell slot holding the value of an argument or local of the same name, by slot. */
  readonly cellOf: ReadonlyMap<number, number>;
}

const codeCache = new WeakMap<ReprReader, Map<bigint, CodeVariables>>();

/** The names in a tuple of `str`. */
function names(reprs: ReprReader, tuple: bigint, what: string, max: number): string[] {
  const objects = reprs.objects;
  const L = objects.layout;
  const r = objects.reader;
  objects.expectType(tuple, "tuple", what);
  const size = r.i64(tuple + BigInt(L.PyVarObject.ob_size), what);
  if (size < 0n || size > BigInt(max)) throw new WalkError(`${what} at 0x${tuple.toString(16)} has an implausible ${size} names`, tuple);
  const count = Number(size);
  if (count === 0) return [];
  const bytes = r.bytes(tuple + BigInt(L.PyTupleObject.ob_item), count * 8, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result: string[] = [];
  for (let i = 0; i < count; i++) result.push(objects.string(view.getBigUint64(i * 8, true), what));
  return result;
}

function readCodeVariables(reprs: ReprReader, code: bigint): CodeVariables {
  let cache = codeCache.get(reprs);
  if (!cache) codeCache.set(reprs, (cache = new Map()));
  const known = cache.get(code);
  if (known) return known;
  const objects = reprs.objects;
  const r = objects.reader;
  const model = objects.layout.models.locals;
  const A = model.arguments;
  const int = (offset: number, what: string) => r.i32(code + BigInt(offset), what);
  const flags = int(A.co_flags, "co_flags");
  const argumentCount =
    int(A.co_argcount, "co_argcount") +
    (A.co_kwonlyargcount === undefined ? 0 : int(A.co_kwonlyargcount, "co_kwonlyargcount")) +
    ((flags & A.CO_VARARGS) !== 0 ? 1 : 0) +
    ((flags & A.CO_VARKEYWORDS) !== 0 ? 1 : 0);
  let result: CodeVariables;
  if (model.kind === "frame_object") {
    const nlocals = int(model.co_nlocals, "co_nlocals");
    const varnames = names(reprs, r.ptr(code + BigInt(model.co_varnames), "co_varnames"), "co_varnames", MAX_LOCALS);
    const cellvars = names(reprs, r.ptr(code + BigInt(model.co_cellvars), "co_cellvars"), "co_cellvars", MAX_LOCALS);
    const freevars = names(reprs, r.ptr(code + BigInt(model.co_freevars), "co_freevars"), "co_freevars", MAX_LOCALS);
    if (nlocals !== varnames.length) {
      throw new WalkError(`code object at 0x${code.toString(16)} has co_nlocals ${nlocals} for ${varnames.length} names`, code);
    }
    const all = [...varnames, ...cellvars, ...freevars];
    if (all.length > MAX_LOCALS) throw new WalkError(`code object at 0x${code.toString(16)} has more than ${MAX_LOCALS} variables`, code);
    // An argument (or 2.7 local) that inner functions use lives in a cell of the same name: its
    // value is the cell's (the slot is NULL, or 2.7's stale first value).
    const cellOf = new Map<number, number>();
    cellvars.forEach((name, index) => {
      const slot = varnames.indexOf(name);
      if (slot >= 0) cellOf.set(slot, varnames.length + index);
    });
    const hidden = all.map((_, slot) => slot >= varnames.length && slot < varnames.length + cellvars.length && varnames.includes(all[slot]!));
    const cell = all.map((_, slot) => slot >= varnames.length);
    result = { names: all, cell, hidden, argumentCount, cellOf };
  } else {
    const count = int(model.co_nlocalsplus, "co_nlocalsplus");
    const all = names(reprs, r.ptr(code + BigInt(model.co_localsplusnames), "co_localsplusnames"), "co_localsplusnames", MAX_LOCALS);
    const kinds = objects.bytes(r.ptr(code + BigInt(model.co_localspluskinds), "co_localspluskinds"), "co_localspluskinds");
    if (count !== all.length || kinds.length !== count) {
      throw new WalkError(`code object at 0x${code.toString(16)} has co_nlocalsplus ${count} for ${all.length} names and ${kinds.length} kinds`, code);
    }
    const cellBits = model.CO_FAST_CELL | model.CO_FAST_FREE;
    const hiddenBit = model.CO_FAST_HIDDEN ?? 0;
    result = {
      names: all,
      cell: [...kinds].map((kind) => (kind & cellBits) !== 0),
      hidden: [...kinds].map((kind) => (kind & hiddenBit) !== 0),
      argumentCount,
      cellOf: new Map(),
    };
  }
  cache.set(code, result);
  return result;
}

/**
 * The variables of a frame that are bound, in the code object's order (arguments first, then
 * locals, cells and free variables), each value a bounded repr; a cell shows its content.
 * @param reprs the repr reader (a generated table's layout).
 * @param frame the `PyFrameObject` (≤ 3.10) or `_PyInterpreterFrame` (3.11+).
 * @param code its code object.
 * @returns the variables.
 * @throws {WalkError} when the code object's names or the frame's slots cannot be read.
 * @internal
 */
export function readLocals(reprs: ReprReader, frame: bigint, code: bigint): LocalVariable[] {
  const objects = reprs.objects;
  const L: PythonLayout = objects.layout;
  const r = objects.reader;
  const model = L.models.locals;
  const variables = readCodeVariables(reprs, code);
  const count = variables.names.length;
  if (count === 0) return [];
  // Slots count against the work of all values: a million frames of 65 536 slots each would
  // otherwise be 6.5·10^10 slots for a crafted core.
  if (!reprs.spend(count)) throw new WalkError("the limit of values read was reached", frame);
  const start = frame + BigInt(model.kind === "frame_object" ? model.f_localsplus : model.localsplus);
  const bytes = r.bytes(start, count * 8, "frame locals");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tagBits = model.kind === "localsplus" && model.reference.kind === "tagged" ? BigInt(model.reference.tagBits) : 0n;
  const slot = (index: number): bigint => {
    const bits = view.getBigUint64(index * 8, true);
    // 3.14+: a _PyStackRef; all tag bits set is a tagged int, which no variable holds.
    if (tagBits !== 0n && (bits & tagBits) === tagBits) return 0n;
    return bits & ~tagBits;
  };
  const content = (index: number): bigint => {
    const value = slot(index);
    if (value === 0n || !variables.cell[index]) return value;
    // A cell variable holds its value itself until the frame's first instruction makes the cell.
    let isCell: boolean;
    try {
      const type = reprs.typeOf(value);
      isCell = type.builtin && type.name === "cell";
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      return value; // its repr says it is unreadable
    }
    if (!isCell) return value;
    try {
      return r.ptr(value + BigInt(model.cell_ob_ref), "cell content");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      return value;
    }
  };
  const result: LocalVariable[] = [];
  for (let index = 0; index < count; index++) {
    if (variables.hidden[index]) continue;
    const cell = variables.cellOf.get(index);
    const value = content(cell ?? index);
    if (value === 0n) continue;
    result.push({ name: variables.names[index]!, value: reprs.repr(value), argument: index < variables.argumentCount });
  }
  return result;
}

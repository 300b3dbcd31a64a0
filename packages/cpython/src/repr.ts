import type { PythonLayout } from "@corestack/cpython-layouts";
import { WalkError } from "./_reader.js";
import { DictReader } from "./read_dict.js";
import { MAX_STRING_LENGTH, type ObjectReader } from "./read_objects.js";

/**
 * The bounds of one value's repr. The scenario programs' truth recorder
 * (`tools/testing/scenarios/_truth.py`, `safe_repr`) applies the same ones with Python's own
 * `repr()`, so that both print the same text.
 */
export interface ReprLimits {
  /** Containers nested deeper than this are shown as `[...]`, `(...)`, `{...}` (the top level is 0). */
  readonly depth: number;
  /** Items shown per container; more are `, ...`. */
  readonly items: number;
  /** Characters (bytes of `bytes`) of a string shown; more are `...` after the closing quote. */
  readonly characters: number;
  /** Characters (code points) of a whole repr; more are cut there, with `...`. */
  readonly length: number;
  /** Largest `int` printed in decimal, in bits; a larger one is `<int of N bits>`. */
  readonly intBits: number;
}

/**
 * The bounds of a repr: four levels of containers, 16 items each, 200 characters of a string, 1000
 * characters in all (a line a reader can take in), ints up to 4096 bits (1234 digits). Tested in
 * repr_test.ts, and against Python's own `repr()` on real cores.
 */
export const REPR_LIMITS: ReprLimits = { depth: 4, items: 16, characters: 200, length: 1000, intBits: 4096 };

/**
 * Most work done for reprs in all, per reader: objects visited plus dict and set slots decoded.
 * Each repr is bounded by {@link REPR_LIMITS} (about 1000 objects at most), but a core of 100 000
 * frames with 20 locals each would still be 2·10^9 objects; 16 Mi units is 16 000 full reprs, far
 * more than real stacks show (a 100 × 500-frame core with 3 locals per frame uses about 600 000).
 */
export const MAX_REPR_WORK = 1 << 24;

/** Thrown inside a repr when its text is long enough: what was built is kept, cut, with `...`. */
const FULL = Symbol("full");
/** Thrown inside a repr when the reader's work is used up. */
const EXHAUSTED = Symbol("exhausted");
/**
 * Thrown when an object's own fields are not those of its type (a negative size, a str kind 3):
 * like unreadable memory, the object is shown as `<unreadable TYPE object at 0xADDR>`, so no
 * message is made.
 */
const INVALID = Symbol("invalid");

/** Whether an error means "this object cannot be shown": unreadable memory or invalid fields. */
function unreadable(error: unknown): boolean {
  return error === INVALID || error instanceof WalkError;
}

/** The raw characters of a string object, its first `characters` ones. @internal */
export interface RawText {
  /** `str` (3.x), `bytes` (3.x) or 2.7's `str` (bytes) and `unicode`. */
  readonly type: "str" | "bytes" | "unicode";
  /** The code units read, little-endian, `width` bytes each. */
  readonly bytes: Uint8Array;
  readonly width: 1 | 2 | 4;
  /** The string's length, in code units. */
  readonly length: number;
}

/** What a repr needs of a type. @internal */
export interface TypeInfo {
  /** `tp_name`. */
  readonly name: string;
  /** A static type: its name says what it is (a class named `int` is a heap type). */
  readonly builtin: boolean;
  /** `tp_flags`. */
  readonly flags: bigint;
}

/** The text of one repr, counted in code points as Python counts a `str`. */
class Text {
  readonly #parts: string[] = [];
  #points = 0;
  readonly #max: number;
  constructor(max: number) {
    this.#max = max;
  }
  push(text: string): void {
    this.#parts.push(text);
    this.#points += codePoints(text);
    if (this.#points > this.#max) throw FULL;
  }
  /** The text, cut to the limit with `...` when it went over. */
  finish(full: boolean): string {
    const text = this.#parts.join("");
    if (!full) return text;
    return `${cutCodePoints(text, this.#max)}...`;
  }
}

/**
 * Python `repr()`s of objects in a target's memory, as that interpreter prints them (`'abc'`,
 * `True`, `10L` on 2.7, `{1, 2}`), for `None`, `bool`, `int`, `float`, `str`, `bytes` (2.7: `str`
 * and `unicode`), `tuple`, `list`, `dict`, `set`, `frozenset`, `Ellipsis` and `NotImplemented` of
 * exactly those types; any other object (subclasses included) as `<TYPE object at 0xADDR>`,
 * `TYPE` being its type's `tp_name`. Bounded by {@link ReprLimits}, with recursion shown as
 * Python shows it (`[1, [...]]`); memory that cannot be read is `<unreadable object at 0xADDR>`
 * in the text, never an error. Control characters are escaped as Python escapes them, so a repr
 * is one line of printable text.
 *
 * @example
 * ```ts
 * const reprs = new ReprReader(objects);
 * reprs.repr(address); // "{'key': (1, 2)}"
 * ```
 * @internal
 */
export class ReprReader {
  readonly objects: ObjectReader<PythonLayout>;
  readonly #dicts: DictReader;
  readonly #limits: ReprLimits;
  readonly #types = new Map<bigint, TypeInfo>();
  #work: number;
  #exhausted = false;

  /**
   * @param objects the reader of the target's objects (a generated table's layout).
   * @param options the bounds of one repr, and of the work of all ({@link MAX_REPR_WORK}).
   */
  constructor(objects: ObjectReader<PythonLayout>, options: { limits?: Partial<ReprLimits>; maxWork?: number } = {}) {
    this.objects = objects;
    this.#dicts = new DictReader(objects);
    this.#limits = { ...REPR_LIMITS, ...options.limits };
    this.#work = options.maxWork ?? MAX_REPR_WORK;
  }

  /** Whether {@link MAX_REPR_WORK} was used up: later reprs are not read. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /**
   * The repr of the object at `address`.
   * @param address a `PyObject *`.
   * @returns the repr; `<not read: …>` once the work of all reprs is used up.
   */
  repr(address: bigint): string {
    if (this.#exhausted) return "<not read: the limit of values read was reached>";
    const text = new Text(this.#limits.length);
    try {
      this.#repr(text, address, 0, new Set());
    } catch (error) {
      if (error === FULL) return text.finish(true);
      if (error === EXHAUSTED) {
        this.#exhausted = true;
        return `${text.finish(false)}...`;
      }
      throw error;
    }
    return text.finish(false);
  }

  /**
   * `str(exception)` as `BaseException.__str__` makes it from `args`: `''` for none, the text of
   * one `str` (2.7: `str` or `unicode`), the repr of one other value (and of a `KeyError`'s key),
   * the repr of the tuple for several.
   * @param args the exception's `args` tuple.
   * @param keyError whether the exception is a `KeyError` (its `__str__` is the key's repr).
   * @returns the text, raw (a string) or a repr.
   * @throws {WalkError} when `args` is not a readable tuple.
   */
  message(args: bigint, keyError: boolean): { readonly text: RawText } | { readonly repr: string } {
    const type = this.#type(args);
    if (!(type.builtin && type.name === "tuple")) return { repr: this.repr(args) };
    const L = this.objects.layout;
    const size = this.objects.reader.i64(args + BigInt(L.PyVarObject.ob_size), "exception args");
    if (size === 0n) return { repr: "" };
    if (size !== 1n) return { repr: this.repr(args) };
    const first = this.objects.reader.ptr(args + BigInt(L.PyTupleObject.ob_item), "exception args");
    if (!keyError) {
      const kind = this.#type(first);
      const python2 = L.models.reprStyle === "python2";
      if (kind.builtin && (kind.name === "str" || (python2 && kind.name === "unicode"))) {
        try {
          return { text: this.#rawText(first, kind.name, 4096) };
        } catch (error) {
          if (error !== INVALID) throw error;
          return { repr: this.repr(first) }; // shown as unreadable
        }
      }
    }
    return { repr: this.repr(first) };
  }

  /**
   * The `tp_name` of an object's type, and whether that type is a static (built-in) one.
   * @throws {WalkError} when the object or its type cannot be read.
   */
  typeOf(object: bigint): TypeInfo {
    return this.#type(object);
  }

  /**
   * Spends `units` of the work of all reprs on reading around them (a frame's variable slots).
   * @returns false, and the reader is exhausted, when the work is used up.
   */
  spend(units: number): boolean {
    if (this.#exhausted) return false;
    this.#work -= units;
    if (this.#work < 0) this.#exhausted = true;
    return !this.#exhausted;
  }

  #charge(units: number): void {
    this.#work -= units;
    if (this.#work < 0) throw EXHAUSTED;
  }

  #type(object: bigint): TypeInfo {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const type = r.ptr(object + BigInt(L.PyObject.ob_type), "object type");
    const known = this.#types.get(type);
    if (known !== undefined) return known;
    const name = this.objects.typeName(object);
    const flags = r.u64(type + BigInt(L.PyTypeObject.tp_flags), "type flags");
    const info = { name, builtin: (flags & BigInt(L.constants.Py_TPFLAGS_HEAPTYPE)) === 0n, flags };
    this.#types.set(type, info);
    return info;
  }

  #repr(text: Text, object: bigint, depth: number, active: Set<bigint>): void {
    this.#charge(1);
    const at = `0x${object.toString(16)}`;
    if (object === 0n) {
      text.push("<NULL>");
      return;
    }
    let type: TypeInfo;
    try {
      type = this.#type(object);
    } catch (error) {
      if (!unreadable(error)) throw error;
      text.push(`<unreadable object at ${at}>`);
      return;
    }
    if (!type.builtin) {
      text.push(`<${type.name} object at ${at}>`);
      return;
    }
    let leaf: string | undefined;
    try {
      leaf = this.#leaf(object, type.name);
      if (leaf === undefined && this.#container(text, object, type.name, depth, active)) return;
    } catch (error) {
      if (!unreadable(error)) throw error;
      text.push(`<unreadable ${type.name} object at ${at}>`);
      return;
    }
    text.push(leaf ?? `<${type.name} object at ${at}>`);
  }

  /** The repr of an object that holds no other objects, or undefined when it is not one. */
  #leaf(object: bigint, name: string): string | undefined {
    const L = this.objects.layout;
    const python2 = L.models.reprStyle === "python2";
    switch (name) {
      case "NoneType":
        return "None";
      case "ellipsis":
        return "Ellipsis";
      case "NotImplementedType":
        return "NotImplemented";
      case "bool":
        return this.#intValue(object, name) === 0n ? "False" : "True";
      case "int":
      case "long":
        if (name === "long" && !python2) return undefined;
        return this.#int(object, name);
      case "float":
        return floatRepr(this.objects.reader.f64(object + BigInt(L.PyFloatObject.ob_fval), "float value"));
      case "str":
      case "bytes":
      case "unicode": {
        if ((name === "bytes" && python2) || (name === "unicode" && !python2)) return undefined;
        const raw = this.#rawText(object, name, this.#limits.characters);
        return stringRepr(raw, python2) + (raw.length * raw.width > raw.bytes.length ? "..." : "");
      }
      default:
        return undefined;
    }
  }

  /** The repr of an `int` (2.7: `int` or `long`), or `<int of N bits>` over the limit. */
  #int(object: bigint, name: string): string {
    const L = this.objects.layout;
    const model = L.models.ints;
    if (model.kind === "int_and_long" && name === "int") return this.#intValue(object, name).toString();
    const { count, negative } = this.#digitCount(object);
    const shift = L.constants.PyLong_SHIFT;
    if (count * shift > this.#limits.intBits + shift) {
      const top = this.#digits(object, count - 1, 1)[0] ?? 0n;
      const bits = (count - 1) * shift + top.toString(2).length - (top === 0n ? 1 : 0);
      return `<${name} of ${bits} bits>`;
    }
    const value = this.#value(object, count, negative);
    const bits = (value < 0n ? -value : value).toString(2).length - (value === 0n ? 1 : 0);
    if (bits > this.#limits.intBits) return `<${name} of ${bits} bits>`;
    return value.toString() + (name === "long" ? "L" : "");
  }

  /** The value of an `int` or `bool` (at most a few digits: its truth, or a 2.7 `int`). */
  #intValue(object: bigint, name: string): bigint {
    const model = this.objects.layout.models.ints;
    if (model.kind === "int_and_long" && name !== "long") return this.objects.reader.i64(object + BigInt(model.ob_ival), "int value");
    const { count, negative } = this.#digitCount(object);
    if (count > 4096) throw INVALID;
    return this.#value(object, count, negative);
  }

  #digitCount(object: bigint): { count: number; negative: boolean } {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const model = L.models.ints;
    let count: bigint;
    let negative: boolean;
    if (model.kind === "lv_tag") {
      const tag = r.u64(object + BigInt(model.lv_tag), "int tag");
      const sign = tag & 3n;
      if (sign === 3n) throw INVALID;
      count = tag >> BigInt(model.nonSizeBits);
      if (sign === 1n && count !== 0n) throw INVALID;
      negative = sign === 2n;
    } else {
      const size = r.i64(object + BigInt(L.PyVarObject.ob_size), "int size");
      negative = size < 0n;
      count = negative ? -size : size;
    }
    // No int of 2^40 digits fits in memory: a larger count is corruption.
    if (count > BigInt(MAX_STRING_LENGTH)) throw INVALID;
    return { count: Number(count), negative };
  }

  #digits(object: bigint, from: number, count: number): bigint[] {
    const L = this.objects.layout;
    const width = L.sizeof.digit;
    const shift = BigInt(L.constants.PyLong_SHIFT);
    if (count === 0) return [];
    const bytes = this.objects.reader.bytes(object + BigInt(L.models.ints.ob_digit + from * width), count * width, "int digits");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const digits: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const digit = BigInt(width === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true));
      if (digit >> shift !== 0n) throw INVALID;
      digits.push(digit);
    }
    return digits;
  }

  #value(object: bigint, count: number, negative: boolean): bigint {
    const shift = BigInt(this.objects.layout.constants.PyLong_SHIFT);
    const digits = this.#digits(object, 0, count);
    let value = 0n;
    for (let i = digits.length - 1; i >= 0; i--) value = (value << shift) | digits[i]!;
    return negative ? -value : value;
  }

  /** The first `max` code units of a string object. */
  #rawText(object: bigint, name: string, max: number): RawText {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const T = L.models.text;
    const checked = (value: bigint): number => {
      if (value < 0n || value > BigInt(MAX_STRING_LENGTH)) throw INVALID;
      return Number(value);
    };
    const read = (data: bigint, length: number, width: 1 | 2 | 4): Uint8Array => {
      const shown = Math.min(length, max);
      if (shown === 0) return new Uint8Array(0);
      return r.bytes(data, shown * width, `${name} characters`);
    };
    if (name === "bytes" || (name === "str" && T.kind === "string_and_unicode")) {
      const length = checked(r.i64(object + BigInt(L.PyVarObject.ob_size), `${name} size`));
      return { type: name === "bytes" ? "bytes" : "str", bytes: read(object + BigInt(T.ob_sval), length, 1), width: 1, length };
    }
    if (T.kind === "string_and_unicode") {
      const length = checked(r.i64(object + BigInt(T.unicode_length), "unicode length"));
      const width = T.unicodeWidth === 2 ? 2 : 4;
      return { type: "unicode", bytes: read(r.ptr(object + BigInt(T.unicode_str), "unicode characters"), length, width), width, length };
    }
    const state = r.u32(object + BigInt(T.state), "str state");
    const field = (f: { bit: number; width: number }) => (state >>> f.bit) & ((1 << f.width) - 1);
    const kind = field(T.stateBits.kind);
    const compact = field(T.stateBits.compact) === 1;
    const ascii = field(T.stateBits.ascii) === 1;
    if (kind !== 1 && kind !== 2 && kind !== 4) throw INVALID;
    if (ascii && kind !== 1) throw INVALID;
    const length = checked(r.i64(object + BigInt(T.length), "str length"));
    const data = compact ? object + BigInt(ascii ? T.asciiData : T.compactData) : r.ptr(object + BigInt(T.data), "str characters");
    const bytes = read(data, length, kind);
    if (ascii) for (const b of bytes) if (b >= 0x80) throw INVALID;
    return { type: "str", bytes, width: kind, length };
  }

  /** Writes a container's repr; false when the object is not a container this reader shows. */
  #container(text: Text, object: bigint, name: string, depth: number, active: Set<bigint>): boolean {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const python2 = L.models.reprStyle === "python2";
    const limit = this.#limits.items;
    let items: bigint[];
    let pairs: { key: bigint; value: bigint }[] | undefined;
    let size: number;
    // Everything the container's own memory says is read before any text is written, so that an
    // unreadable container is one mark, not a half-written one.
    switch (name) {
      case "tuple":
      case "list": {
        const count = r.i64(object + BigInt(L.PyVarObject.ob_size), `${name} size`);
        if (count < 0n || count > BigInt(MAX_STRING_LENGTH)) throw INVALID;
        size = Number(count);
        const shown = Math.min(size, limit);
        const base = name === "tuple" ? object + BigInt(L.PyTupleObject.ob_item) : r.ptr(object + BigInt(L.PyListObject.ob_item), "list items");
        items = [];
        if (shown > 0) {
          const bytes = r.bytes(base, shown * 8, `${name} items`);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          for (let i = 0; i < shown; i++) items.push(view.getBigUint64(i * 8, true));
        }
        break;
      }
      case "dict": {
        const used = r.i64(object + BigInt(L.models.dicts.ma_used), "dict size");
        if (used < 0n || used > BigInt(MAX_STRING_LENGTH)) throw INVALID;
        size = Number(used);
        // Any size: only the first items are read (the table's own checks still hold).
        pairs = size === 0 ? [] : this.#dicts.items(object, "dict", { maxEntries: 2 ** 31, first: limit, onEntries: (count) => this.#charge(count) });
        items = [];
        break;
      }
      case "set":
      case "frozenset": {
        const S = L.models.sets;
        const used = r.i64(object + BigInt(S.used), `${name} size`);
        const mask = r.i64(object + BigInt(S.mask), `${name} mask`);
        if (used < 0n || mask < 0n || ((mask + 1n) & mask) !== 0n || used > mask + 1n || mask > BigInt(MAX_STRING_LENGTH)) {
          throw INVALID;
        }
        size = Number(used);
        items = size === 0 ? [] : this.#setItems(object, Number(mask) + 1, Math.min(size, limit));
        break;
      }
      default:
        return false;
    }
    const open = name === "tuple" ? "(" : name === "list" ? "[" : name === "dict" ? "{" : "";
    const close = name === "tuple" ? ")" : name === "list" ? "]" : name === "dict" ? "}" : "";
    // Sets: 3.x {1, 2}, set(), frozenset({1}), frozenset(); 2.7 set([1, 2]), set([]), frozenset([1]).
    const [before, after] = open !== "" ? [open, close] : python2 ? [`${name}([`, "])"] : name === "set" ? ["{", "}"] : ["frozenset({", "})"];
    if (size === 0) {
      text.push(open !== "" || python2 ? before + after : `${name}()`);
      return true;
    }
    if (active.has(object) || depth >= this.#limits.depth) {
      text.push(`${before}...${after}`);
      return true;
    }
    active.add(object);
    text.push(before);
    if (pairs !== undefined) {
      pairs.forEach((pair, index) => {
        if (index > 0) text.push(", ");
        this.#repr(text, pair.key, depth + 1, active);
        text.push(": ");
        this.#repr(text, pair.value, depth + 1, active);
      });
      if (size > pairs.length) text.push(pairs.length > 0 ? ", ..." : "...");
    } else {
      items.forEach((item, index) => {
        if (index > 0) text.push(", ");
        this.#repr(text, item, depth + 1, active);
      });
      if (size > items.length) text.push(items.length > 0 ? ", ..." : "...");
      else if (name === "tuple" && size === 1) text.push(",");
    }
    text.push(after);
    active.delete(object);
    return true;
  }

  /** The first `take` keys of a set's table, in table order (as Python iterates). */
  #setItems(object: bigint, slots: number, take: number): bigint[] {
    const S = this.objects.layout.models.sets;
    const r = this.objects.reader;
    const table = r.ptr(object + BigInt(S.table), "set table");
    const keys: bigint[] = [];
    const chunk = 64;
    for (let start = 0; start < slots && keys.length < take; start += chunk) {
      const n = Math.min(chunk, slots - start);
      this.#charge(n);
      const bytes = r.bytes(table + BigInt(start * S.entry.size), n * S.entry.size, "set entries");
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n && keys.length < take; i++) {
        const key = view.getBigUint64(i * S.entry.size + S.entry.key, true);
        if (key !== 0n && !this.#isDummy(key)) keys.push(key);
      }
    }
    return keys;
  }

  /**
   * Whether a set key is the deleted-entry marker: an object of type `<dummy key> type` (3.x), or
   * (2.7) the `str` `"<dummy key>"` (a user's own such string in a set would be taken for one).
   */
  #isDummy(key: bigint): boolean {
    try {
      const type = this.#type(key);
      if (type.name === "<dummy key> type") return true;
      if (type.name !== "str" || this.objects.layout.models.reprStyle !== "python2") return false;
      const raw = this.#rawText(key, "str", 16);
      return raw.length === 11 && new TextDecoder().decode(raw.bytes) === "<dummy key>";
    } catch (error) {
      if (!unreadable(error)) throw error;
      return false;
    }
  }
}

/** Code points of a JavaScript string (a surrogate pair is one). */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}

/** The first `max` code points of a string. */
function cutCodePoints(text: string, max: number): string {
  let points = 0;
  let i = 0;
  while (i < text.length && points < max) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    i += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    points += 1;
  }
  return text.slice(0, i);
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");

/**
 * Characters Python 3's `repr()` escapes: `Py_UNICODE_ISPRINTABLE` is false for them (space aside).
 * Made at its first use, not when the module loads: V8 builds the character sets of Unicode
 * properties (ICU, ~1 ms) when it makes the regular expression.
 */
let notPrintable: RegExp | undefined;

/**
 * A string's repr as the interpreter's `repr()` writes it (of the characters read: `raw.bytes` may
 * be the first part of the string): quotes `'`, or `"` when the text has `'` and no `"`; `\\`,
 * the quote, `\t`, `\n`, `\r` and other controls escaped; 3.x `str` keeps printable characters, 2.7
 * `unicode` escapes every non-ASCII one (`\xe9`, `\u20ac`, `\U0001f600`), bytes escape every
 * byte from 0x7f. Prefixes: `b` (3.x bytes), `u` (2.7 unicode).
 * @internal
 */
export function stringRepr(raw: RawText, python2: boolean): string {
  const view = new DataView(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  const count = raw.bytes.length / raw.width;
  const unit = (i: number) => (raw.width === 1 ? raw.bytes[i]! : raw.width === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true));
  let single = false;
  let double = false;
  for (let i = 0; i < count; i++) {
    const c = unit(i);
    if (c === 0x27) single = true;
    else if (c === 0x22) double = true;
  }
  const quote = single && !double ? 0x22 : 0x27;
  const prefix = raw.type === "bytes" ? "b" : raw.type === "unicode" ? "u" : "";
  const parts: string[] = [prefix, String.fromCharCode(quote)];
  let run = "";
  for (let i = 0; i < count; i++) {
    const c = unit(i);
    let out: string;
    if (c === quote || c === 0x5c) out = `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) out = "\\t";
    else if (c === 0x0a) out = "\\n";
    else if (c === 0x0d) out = "\\r";
    else if (c < 0x20 || c === 0x7f) out = `\\x${hex(c, 2)}`;
    else if (c < 0x7f) out = String.fromCharCode(c);
    else if (raw.type !== "str" || python2) {
      // Bytes (3.x bytes, 2.7 str) and 2.7 unicode escape everything from 0x7f.
      if (raw.type !== "unicode") out = `\\x${hex(c, 2)}`;
      else if (raw.width === 2 && c >= 0xd800 && c < 0xdc00 && i + 1 < count && unit(i + 1) >= 0xdc00 && unit(i + 1) <= 0xdfff) {
        // A narrow build's surrogate pair is one \U escape.
        out = `\\U${hex(0x10000 + ((c - 0xd800) << 10) + (unit(i + 1) - 0xdc00), 8)}`;
        i += 1;
      } else if (c >= 0x10000) out = `\\U${hex(c, 8)}`;
      else if (c >= 0x100) out = `\\u${hex(c, 4)}`;
      else out = `\\x${hex(c, 2)}`;
    } else if (c <= 0x10ffff && !(notPrintable ??= /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u).test(String.fromCodePoint(c)))
      out = String.fromCodePoint(c);
    else if (c <= 0xff) out = `\\x${hex(c, 2)}`;
    else if (c <= 0xffff) out = `\\u${hex(c, 4)}`;
    else out = `\\U${hex(c, 8)}`;
    run += out;
    if (run.length > 4096) {
      parts.push(run);
      run = "";
    }
  }
  parts.push(run, String.fromCharCode(quote));
  return parts.join("");
}

/**
 * A `float`'s repr as Python writes it (`float_repr`, 'r' format: the shortest text that reads
 * back the same value): `1.0`, `0.1`, `1e+16`, `1.5e-05`, `inf`, `-inf`, `nan`, `-0.0`.
 * @internal
 */
export function floatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  const negative = value < 0 || Object.is(value, -0);
  // toExponential() without digits: the shortest digits that round-trip, as Python's repr.
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  const point = exponent + 1; // where the decimal point goes, counted from the first digit
  let text: string;
  if (value === 0) text = "0.0";
  else if (point < -3 || point > 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const sign = exponent < 0 ? "-" : "+";
    text = `${digits[0]}${rest}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  } else if (point <= 0) text = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) text = `${digits}${"0".repeat(point - digits.length)}.0`;
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${text}` : text;
}

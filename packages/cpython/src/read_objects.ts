import type { AnyPythonLayout, PythonLayout } from "@corestack/cpython-layouts";
import { type Reader, WalkError } from "./_reader.js";
import { MAX_NAME_CHARACTERS, escapeCodePoints, escapeUtf8 } from "./names.js";

/**
 * Longest string believed, in characters: a length beyond it is corruption (2^40 characters would
 * need a terabyte and more). A string up to it is read only as far as {@link MAX_NAME_CHARACTERS}
 * (the rest is cut with a mark), and its last code unit must be in memory.
 */
export const MAX_STRING_LENGTH = 2 ** 40;
/** Longest bytes object read (line tables), in bytes. */
export const MAX_BYTES_LENGTH = 1 << 22;
/**
 * Most characters decoded from `str` objects in all, per reader (each object is decoded once and
 * its text shared). Each string is bounded, but a crafted core can make millions of code objects
 * or `Thread`s name distinct 64 Ki-character strings laid over one another (8 bytes apart): real
 * stacks and thread names need well under a million characters.
 */
export const MAX_STRING_CHARACTERS = 1 << 26;
/**
 * Most bytes of `bytes` objects (line tables) read in all, per reader (each object is read once
 * and shared). A read spanning two segments of a core is a copy: 100 000 threads whose code
 * objects name one 4 MiB table would otherwise keep 400 GB. Real stacks read a few MiB.
 */
export const MAX_BYTES_READ = 1 << 28;
/** The longest string read in one go with its header (see ObjectReader's #compactAsciiString). */
const QUICK_STRING_CHARACTERS = 120;

/**
 * Reads Python objects of one interpreter version, caching type names. `Layout` is a generated
 * table or a layout from `_Py_DebugOffsets` alone; readers of dicts, modules and ints need a table
 * ({@link hasObjectInternals}). @internal
 */
export class ObjectReader<Layout extends AnyPythonLayout = AnyPythonLayout> {
  readonly reader: Reader;
  readonly layout: Layout;
  readonly #typeNames = new Map<bigint, string>();
  /** Strings decoded, by object address: a file name shared by every code object is read once. */
  readonly #strings = new Map<bigint, string>();
  #stringCharacters: number;
  /** `bytes` objects read, by object address. */
  readonly #bytes = new Map<bigint, Uint8Array>();
  #bytesLeft: number;

  /** @param options limits: see {@link MAX_STRING_CHARACTERS} and {@link MAX_BYTES_READ} (tests lower them). */
  constructor(reader: Reader, layout: Layout, options: { maxStringCharacters?: number; maxBytes?: number } = {}) {
    this.reader = reader;
    this.layout = layout;
    this.#stringCharacters = options.maxStringCharacters ?? MAX_STRING_CHARACTERS;
    this.#bytesLeft = options.maxBytes ?? MAX_BYTES_READ;
  }

  /** The `tp_name` of an object's type. */
  typeName(object: bigint): string {
    return this.typeNameAt(this.reader.ptr(object + BigInt(this.layout.PyObject.ob_type), "object type"));
  }

  /**
   * The name of the type object at `type` (`tp_name`), read once per type.
   * @internal
   */
  typeNameAt(type: bigint): string {
    let name = this.#typeNames.get(type);
    if (name === undefined) {
      const namePointer = this.reader.ptr(type + BigInt(this.layout.PyTypeObject.tp_name), "type name");
      name = this.reader.cString(namePointer, 128, "type name");
      this.#typeNames.set(type, name);
    }
    return name;
  }

  /** Throws unless the object's type is named `expected`. */
  expectType(object: bigint, expected: string, what: string): void {
    const name = this.typeName(object);
    if (name !== expected) throw new WalkError(`${what} at 0x${object.toString(16)} is a '${name.slice(0, 40)}', not a '${expected}'`, object);
  }

  /**
   * A `str` (3.x unicode, or 2.7 byte string / unicode) in escaped form (see `names.ts`): a
   * backslash is `\\`, what no JavaScript string can hold (a lone surrogate, a byte that is not
   * UTF-8) an escape, and a name over {@link MAX_NAME_CHARACTERS} is cut with a mark.
   */
  string(object: bigint, what: string): string {
    const known = this.#strings.get(object);
    if (known !== undefined) return known;
    if (this.#stringCharacters <= 0) {
      throw new WalkError(`the string limit of all objects together was reached at ${what} 0x${object.toString(16)}`, object);
    }
    const text = this.#string(object, what);
    this.#stringCharacters -= Math.max(1, text.length); // an empty string still costs a read
    this.#strings.set(object, text);
    return text;
  }

  #string(object: bigint, what: string): string {
    const quick = this.#compactAsciiString(object, what);
    if (quick !== undefined) return quick;
    const T = this.layout.models.text;
    const type = this.typeName(object);
    if (T.kind === "string_and_unicode") {
      if (type === "str") {
        const length = this.#length(this.reader.i64(object + BigInt(this.layout.PyVarObject.ob_size), what), what, object);
        return escapeUtf8(this.#shown(object + BigInt(T.ob_sval), length, 1, what), length);
      }
      if (type === "unicode") {
        const length = this.#length(this.reader.i64(object + BigInt(T.unicode_length), what), what, object);
        const width = T.unicodeWidth === 2 ? 2 : 4;
        const data = this.reader.ptr(object + BigInt(T.unicode_str), what);
        // A narrow (UCS-2) build keeps characters above U+FFFF as surrogate pairs.
        return escapeCodePoints(this.#shown(data, length, width, what), width, { length, pairs: width === 2 });
      }
      throw new WalkError(`${what} at 0x${object.toString(16)} is a '${type.slice(0, 40)}', not a string`, object);
    }
    if (type !== "str") throw new WalkError(`${what} at 0x${object.toString(16)} is a '${type.slice(0, 40)}', not a 'str'`, object);
    const bits = T.stateBits;
    const state = this.reader.u32(object + BigInt(T.state), what);
    const field = (f: { bit: number; width: number }) => (state >>> f.bit) & ((1 << f.width) - 1);
    const kind = field(bits.kind) as 1 | 2 | 4;
    const compact = field(bits.compact) === 1;
    const ascii = field(bits.ascii) === 1;
    const length = this.#length(this.reader.i64(object + BigInt(T.length), what), what, object);
    if (kind !== 1 && kind !== 2 && kind !== 4) throw new WalkError(`${what} at 0x${object.toString(16)} has string kind ${kind}`, object);
    if (ascii && kind !== 1) throw new WalkError(`${what} at 0x${object.toString(16)} claims ASCII with kind ${kind}`, object);
    let data: bigint;
    if (compact) data = object + BigInt(ascii ? T.asciiData : T.compactData);
    else data = this.reader.ptr(object + BigInt(T.data), what);
    if (length === 0) return "";
    const bytes = this.#shown(data, length, kind, what);
    if (ascii) {
      for (const b of bytes) if (b >= 0x80) throw new WalkError(`${what} at 0x${object.toString(16)} claims ASCII but has byte 0x${b.toString(16)}`, object);
    }
    return escapeCodePoints(bytes, kind, { length });
  }

  /**
   * A 3.x `str` that is compact ASCII, with its header and up to `characters` of its characters in
   * one read: its `length` field and the characters read (fewer than `characters` only where
   * `length` is). Undefined when it cannot be told that way (another type or string layout, a read
   * that fails): the callers then read field by field, with their errors.
   * @internal
   */
  compactAscii(object: bigint, characters: number, what: string): { readonly length: bigint; readonly characters: Uint8Array } | undefined {
    const T = this.layout.models.text;
    if (T.kind === "string_and_unicode") return undefined;
    let bytes: Uint8Array;
    try {
      bytes = this.reader.bytes(object, T.asciiData + characters, what);
    } catch (error) {
      if (error instanceof WalkError) return undefined;
      throw error;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const state = view.getUint32(T.state, true);
    const bits = T.stateBits;
    const field = (f: { bit: number; width: number }) => (state >>> f.bit) & ((1 << f.width) - 1);
    if (field(bits.compact) !== 1 || field(bits.ascii) !== 1 || field(bits.kind) !== 1) return undefined;
    if (this.typeNameAt(view.getBigUint64(this.layout.PyObject.ob_type, true)) !== "str") return undefined;
    const length = view.getBigInt64(T.length, true);
    const shown = length >= 0n && length < BigInt(characters) ? Number(length) : characters;
    return { length, characters: bytes.subarray(T.asciiData, T.asciiData + shown) };
  }

  /**
   * A compact ASCII `str` of at most {@link QUICK_STRING_CHARACTERS} characters (names, file
   * names) in one read ({@link compactAscii}), decoded as {@link #string} does; undefined for any
   * other string (or a byte above 0x7f): {@link #string}'s reads then decide, with their errors.
   */
  #compactAsciiString(object: bigint, what: string): string | undefined {
    const str = this.compactAscii(object, QUICK_STRING_CHARACTERS, what);
    if (str === undefined || str.length < 0n || str.length > BigInt(QUICK_STRING_CHARACTERS)) return undefined;
    // An index loop: `for...of` over the bytes makes an iterator result per byte in cold code.
    const characters = str.characters;
    for (let index = 0; index < characters.length; index++) if (characters[index]! >= 0x80) return undefined;
    return escapeCodePoints(str.characters, 1, { length: Number(str.length) });
  }

  /**
   * The code units of a string shown: at most {@link MAX_NAME_CHARACTERS} of its `length`. The
   * string's last byte must be in memory too (one more read): a corrupt length of a few million
   * is an unreadable string, not a name cut short.
   */
  #shown(data: bigint, length: number, width: 1 | 2 | 4, what: string): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const shown = Math.min(length, MAX_NAME_CHARACTERS);
    const bytes = this.reader.bytes(data, shown * width, what);
    if (shown < length) this.reader.bytes(data + BigInt(length) * BigInt(width) - 1n, 1, what);
    return bytes;
  }

  /** The contents of a `bytes` object (2.7: `str`). */
  bytes(object: bigint, what: string): Uint8Array {
    const known = this.#bytes.get(object);
    if (known !== undefined) return known;
    if (this.#bytesLeft <= 0) {
      throw new WalkError(`the bytes limit of all objects together was reached at ${what} 0x${object.toString(16)}`, object);
    }
    const T = this.layout.models.text;
    // 2.7's byte string is `str`; 3.x's is `bytes`.
    this.expectType(object, T.kind === "string_and_unicode" ? "str" : "bytes", what);
    const bytes = this.#varBytes(object, T.ob_sval, what, MAX_BYTES_LENGTH);
    this.#bytesLeft -= Math.max(1, bytes.length);
    this.#bytes.set(object, bytes);
    return bytes;
  }

  #varBytes(object: bigint, dataOffset: number, what: string, max: number): Uint8Array {
    const size = this.reader.i64(object + BigInt(this.layout.PyVarObject.ob_size), what);
    const length = this.#length(size, what, object, max);
    if (length === 0) return new Uint8Array(0);
    return this.reader.bytes(object + BigInt(dataOffset), length, what);
  }

  #length(value: bigint, what: string, object: bigint, max = MAX_STRING_LENGTH): number {
    if (value < 0n || value > BigInt(max)) throw new WalkError(`${what} at 0x${object.toString(16)} has an implausible length ${value}`, object);
    return Number(value);
  }
}

/**
 * Whether the reader's layout describes the internals of dicts, keys objects, modules and ints
 * (a generated table); a layout read from `_Py_DebugOffsets` alone does not.
 * @param objects the reader of the target's objects.
 * @returns true for a table, narrowing the reader's layout to {@link PythonLayout}.
 * @example
 * ```ts
 * if (hasObjectInternals(objects)) new DictReader(objects);
 * ```
 * @internal
 */
export function hasObjectInternals(objects: ObjectReader): objects is ObjectReader<PythonLayout> {
  return objects.layout.PyModuleObject !== undefined;
}

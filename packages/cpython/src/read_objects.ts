import type { AnyPythonLayout, PythonLayout } from "@corestack/cpython-layouts";
import { type Reader, WalkError } from "./_reader.js";

/** Longest string read from the target, in characters (names and paths are far shorter). */
export const MAX_STRING_LENGTH = 1 << 16;
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
    const type = this.reader.ptr(object + BigInt(this.layout.PyObject.ob_type), "object type");
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

  /** A `str` (3.x unicode, or 2.7 byte string / unicode) as a JavaScript string. */
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
    const L = this.layout;
    const type = this.typeName(object);
    if (L.version.major === 2) {
      if (type === "str") return new TextDecoder("utf-8").decode(this.#varBytes(object, L.PyStringObject!.ob_sval, what));
      if (type === "unicode") {
        const length = this.#length(this.reader.i64(object + BigInt(L.PyUnicodeObject.length!), what), what, object);
        const width = L.sizeof.Py_UNICODE ?? 4;
        const data = this.reader.ptr(object + BigInt(L.PyUnicodeObject.str!), what);
        return decodeWide(this.reader.bytes(data, length * width, what), width);
      }
      throw new WalkError(`${what} at 0x${object.toString(16)} is a '${type.slice(0, 40)}', not a string`, object);
    }
    if (type !== "str") throw new WalkError(`${what} at 0x${object.toString(16)} is a '${type.slice(0, 40)}', not a 'str'`, object);
    const A = L.PyASCIIObject!;
    const bits = L.PyASCIIObject_state!;
    const state = this.reader.u32(object + BigInt(A.state), what);
    const field = (f: { bit: number; width: number }) => (state >>> f.bit) & ((1 << f.width) - 1);
    const kind = field(bits.kind);
    const compact = field(bits.compact) === 1;
    const ascii = field(bits.ascii) === 1;
    const length = this.#length(this.reader.i64(object + BigInt(A.length), what), what, object);
    if (kind !== 1 && kind !== 2 && kind !== 4) throw new WalkError(`${what} at 0x${object.toString(16)} has string kind ${kind}`, object);
    if (ascii && kind !== 1) throw new WalkError(`${what} at 0x${object.toString(16)} claims ASCII with kind ${kind}`, object);
    let data: bigint;
    if (compact) data = object + BigInt(ascii ? L.sizeof.PyASCIIObject! : L.sizeof.PyCompactUnicodeObject!);
    else data = this.reader.ptr(object + BigInt(L.PyUnicodeObject.data!), what);
    if (length === 0) return "";
    const bytes = this.reader.bytes(data, length * kind, what);
    if (kind === 1) {
      if (ascii) {
        for (const b of bytes) if (b >= 0x80) throw new WalkError(`${what} at 0x${object.toString(16)} claims ASCII but has byte 0x${b.toString(16)}`, object);
      }
      return latin1(bytes);
    }
    return decodeWide(bytes, kind);
  }

  /** The contents of a `bytes` object (2.7: `str`). */
  bytes(object: bigint, what: string): Uint8Array {
    const known = this.#bytes.get(object);
    if (known !== undefined) return known;
    if (this.#bytesLeft <= 0) {
      throw new WalkError(`the bytes limit of all objects together was reached at ${what} 0x${object.toString(16)}`, object);
    }
    const L = this.layout;
    const expected = L.version.major === 2 ? "str" : "bytes";
    this.expectType(object, expected, what);
    const bytes = this.#varBytes(object, L.version.major === 2 ? L.PyStringObject!.ob_sval : L.PyBytesObject!.ob_sval, what, MAX_BYTES_LENGTH);
    this.#bytesLeft -= Math.max(1, bytes.length);
    this.#bytes.set(object, bytes);
    return bytes;
  }

  #varBytes(object: bigint, dataOffset: number, what: string, max = MAX_STRING_LENGTH): Uint8Array {
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

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return text;
}

function decodeWide(bytes: Uint8Array, width: number): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points: number[] = [];
  for (let i = 0; i + width <= bytes.length; i += width) {
    const point = width === 2 ? view.getUint16(i, true) : view.getUint32(i, true);
    points.push(point > 0x10ffff ? 0xfffd : point);
  }
  let text = "";
  for (let i = 0; i < points.length; i += 4096) text += String.fromCodePoint(...points.slice(i, i + 4096));
  return text;
}

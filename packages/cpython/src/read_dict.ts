import type { PythonLayout } from "@corestack/cpython-layouts";
import { WalkError } from "./_reader.js";
import type { ObjectReader } from "./read_objects.js";

/** Most items read from one dict or one object's attributes; a larger count is not believed. */
export const MAX_DICT_ENTRIES = 1 << 20;
/** Largest hash table accepted: `2 ** 30` slots (3.11+ `dk_log2_size`, `dk_size` before). */
const MAX_LOG2_SIZE = 30;
/** Entries decoded per memory read. */
const CHUNK_ENTRIES = 4096;
/** No type's instances are 16 MiB; a larger `tp_basicsize` or `tp_dictoffset` is not a type. */
const MAX_TYPE_OFFSET = 1 << 24;
/** CPython's `PERTURB_SHIFT`: how the probe sequence folds in the hash's high bits. */
const PERTURB_SHIFT = 5n;
/** A name {@link DictReader.find} can compare as bytes. */
const ASCII_NAME = /^[\x00-\x7f]*$/;

/** One item of a dict: the addresses of its key and its value. */
export interface DictItem {
  readonly key: bigint;
  readonly value: bigint;
}

/** Options of {@link DictReader.items} and {@link DictReader.attributes}. */
export interface DictReadOptions {
  /** Most items to accept (default {@link MAX_DICT_ENTRIES}); more is an error. */
  readonly maxEntries?: number;
  /**
   * Read only the first this many items (in iteration order) and stop; the count is still checked
   * against `maxEntries`. For a repr, which shows the first few items of any dict.
   */
  readonly first?: number;
  /** Told the number of entries each memory read decodes (deleted ones included): the work done. */
  readonly onEntries?: (count: number) => void;
}

/** How much of a dict to read: the first `take` items; `onEntries` counts the entries decoded. */
interface Scan {
  readonly take: number;
  readonly onEntries?: ((count: number) => void) | undefined;
}

interface TypeInfo {
  readonly flags: bigint;
  readonly basicsize: number;
  readonly dictoffset: number;
}

/** Where the values of a keys object live when not in its entries: a split table. */
interface SplitValues {
  /** Address of the first `PyObject *` value; value `i` belongs to entry `i`. */
  readonly array: bigint;
  /** Slots of the array, when the target records it (3.13+ `capacity`). */
  readonly capacity: number | undefined;
}

/**
 * Reads dicts of the target, every version's representation, without trusting any size in it:
 * 2.7's open-addressing `ma_table`; 3.6–3.10 compact dicts (`dk_size`, `dk_indices`, then
 * `PyDictKeyEntry`s; split tables' values in `ma_values`); 3.11+ keys objects (`dk_log2_size`,
 * `dk_log2_index_bytes`, `dk_kind`: `PyDictKeyEntry` or key/value-only `PyDictUnicodeEntry`s;
 * split values in a `PyDictValues`, from 3.13 with a `capacity`); and objects' attributes,
 * wherever their version keeps them (`tp_dictoffset`; 3.11+ managed dicts before the object and
 * values without a dict object; 3.13 inline values after it).
 *
 * @example
 * ```ts
 * const dicts = new DictReader(objects);
 * const modules = dicts.items(sysModules, "sys.modules");
 * const threading = dicts.find(modules, "threading");
 * ```
 * @internal
 */
export class DictReader {
  readonly objects: ObjectReader<PythonLayout>;
  readonly #types = new Map<bigint, TypeInfo>();

  /** @param objects the reader of the target's objects, whose layout (a generated table) says the version. */
  constructor(objects: ObjectReader<PythonLayout>) {
    this.objects = objects;
  }

  /**
   * The items of a dict (or dict subclass) object, deleted entries left out; in insertion order
   * from 3.6, in table order in 2.7.
   * @param dict address of the dict.
   * @param what what the dict is, for messages.
   * @param options the most items to accept.
   * @returns the key and value address of each item.
   * @throws {WalkError} when the object is not a dict, is unreadable, or has implausible sizes.
   */
  items(dict: bigint, what: string, options: DictReadOptions = {}): DictItem[] {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const max = options.maxEntries ?? MAX_DICT_ENTRIES;
    const type = r.ptr(dict + BigInt(L.PyObject.ob_type), what);
    if (this.objects.typeName(dict) !== "dict" && (this.#type(type, what).flags & BigInt(L.constants.Py_TPFLAGS_DICT_SUBCLASS)) === 0n) {
      throw new WalkError(`${what} at 0x${dict.toString(16)} is a '${this.objects.typeName(dict).slice(0, 40)}', not a 'dict'`, dict);
    }
    const model = L.models.dicts;
    const used = r.i64(dict + BigInt(model.ma_used), what);
    if (used < 0n || used > BigInt(max)) throw new WalkError(`${what} at 0x${dict.toString(16)} has an implausible ${used} items`, dict);
    const scan = { take: Math.min(options.first ?? max, max), onEntries: options.onEntries };
    if (model.kind === "table") return this.#table27(dict, Number(used), what, max, scan);
    const keys = r.ptr(dict + BigInt(model.ma_keys), what);
    const values = r.ptr(dict + BigInt(model.ma_values), what);
    return this.#keysItems(keys, values === 0n ? undefined : this.#splitValues(values, what), what, max, scan);
  }

  /**
   * The attributes of an object (its `__dict__`), wherever its version keeps them.
   * @param object address of the object.
   * @param what what the object is, for messages.
   * @param options the most items to accept.
   * @returns the key and value address of each attribute; none when the object has no dict yet.
   * @throws {WalkError} when the object's type keeps no dict, or the memory is unreadable or implausible.
   */
  attributes(object: bigint, what: string, options: DictReadOptions = {}): DictItem[] {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const max = options.maxEntries ?? MAX_DICT_ENTRIES;
    const type = r.ptr(object + BigInt(L.PyObject.ob_type), what);
    const info = this.#type(type, what);
    const managed = L.models.managedDict;
    let dict: bigint;
    if (managed.kind !== "none" && (info.flags & BigInt(managed.flag)) !== 0n) {
      const dictAt = object + BigInt(managed.dict);
      const keysOf = () => this.#cachedKeys(type, info, managed.ht_cached_keys, what);
      if (managed.kind === "dict_and_values") {
        // 3.11: values without a dict object until one is asked for; then the values pointer is NULL.
        const values = r.ptr(object + BigInt(managed.values), `${what} values`);
        if (values !== 0n) return this.#keysItems(keysOf(), this.#splitValues(values, what), what, max);
        dict = r.ptr(dictAt, `${what} dict`);
      } else if (managed.kind === "dict_or_values") {
        // 3.12: PyDictOrValues, a dict or (lowest bit set) a PyDictValues pointer minus 1.
        const tagged = r.u64(dictAt, `${what} dict or values`);
        if ((tagged & 1n) !== 0n) return this.#keysItems(keysOf(), this.#splitValues(tagged + 1n, what), what, max);
        dict = tagged;
      } else {
        // 3.13+: a dict object, else (Py_TPFLAGS_INLINE_VALUES) values right after the object while valid.
        dict = r.ptr(dictAt, `${what} dict`);
        if (dict === 0n && (info.flags & BigInt(managed.inlineFlag)) !== 0n) {
          const values = object + BigInt(info.basicsize);
          if (r.u8(values + BigInt(managed.valid), `${what} inline values`) === 0) return [];
          return this.#keysItems(keysOf(), this.#splitValues(values, what), what, max);
        }
      }
    } else if (info.dictoffset > 0) {
      dict = r.ptr(object + BigInt(info.dictoffset), `${what} dict`);
    } else {
      throw new WalkError(`${what} at 0x${object.toString(16)}: its type keeps no instance dict at a fixed place (tp_dictoffset ${info.dictoffset})`, object);
    }
    return dict === 0n ? [] : this.items(dict, `${what} dict`, options);
  }

  /**
   * The value of the str key `name` in `dict`, looked up as CPython does (3.11+ table: the key's
   * hash picks the slot, a probe reads an index, an entry and compares its key) when `hash` (see
   * `asciiStrHash`) is given; else, or when that finds nothing, by reading the dict's items and
   * comparing them in order ({@link items}, {@link find}). A probe that cannot be read ends the
   * lookup by hash; the reading of the items then says what is wrong.
   * @param dict the dict object.
   * @param what the dict, for messages.
   * @param name the key sought.
   * @param options as for {@link items}, and the key's hash in the target.
   */
  lookup(dict: bigint, what: string, name: string, options: DictReadOptions & { readonly hash?: bigint | undefined } = {}): bigint | undefined {
    if (options.hash !== undefined) {
      const found = this.#lookupByHash(dict, name, options.hash);
      if (found !== undefined) return found;
    }
    return this.find(this.items(dict, what, options), name);
  }

  #lookupByHash(dict: bigint, name: string, hash: bigint): bigint | undefined {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const model = L.models.dicts;
    if (model.kind !== "keys" || model.keys.kind !== "dk_log2") return undefined;
    const K = model.keys;
    try {
      if (this.objects.typeName(dict) !== "dict") return undefined;
      if (r.ptr(dict + BigInt(model.ma_values), "dict values") !== 0n) return undefined; // a split table
      const keys = r.ptr(dict + BigInt(model.ma_keys), "dict keys");
      const log2 = r.u8(keys + BigInt(K.dk_log2_size), "dict keys");
      const log2Bytes = r.u8(keys + BigInt(K.dk_log2_index_bytes), "dict keys");
      const kind = r.u8(keys + BigInt(K.dk_kind), "dict keys");
      const nentries = r.i64(keys + BigInt(K.dk_nentries), "dict keys");
      if (log2 > MAX_LOG2_SIZE || log2Bytes < log2 || log2Bytes > log2 + 3 || nentries < 0n || nentries > 1n << BigInt(log2)) return undefined;
      if (kind !== K.general && !K.unicodeKinds.includes(kind)) return undefined;
      const entry = kind === K.general ? K.generalEntry : K.unicodeEntry;
      const width = 1 << (log2Bytes - log2);
      const indices = keys + BigInt(K.dk_indices);
      const entries = indices + (1n << BigInt(log2Bytes));
      const mask = (1n << BigInt(log2)) - 1n;
      let perturb = hash;
      let slot = hash & mask;
      // CPython's probe sequence (Objects/dictobject.c): at most one visit per slot is needed.
      for (let probes = 0; probes <= Number(mask); probes++) {
        const at = indices + slot * BigInt(width);
        const index =
          width === 1
            ? (r.u8(at, "dict index") << 24) >> 24
            : width === 2
              ? (r.u16(at, "dict index") << 16) >> 16
              : width === 4
                ? r.i32(at, "dict index")
                : Number(r.i64(at, "dict index"));
        if (index === -1) return undefined; // an empty slot: not in the table
        if (index >= 0 && index < Number(nentries)) {
          const place = entries + BigInt(index * entry.size);
          const key = r.ptr(place + BigInt(entry.me_key), "dict key");
          if (key !== 0n && this.#isString(key, name)) {
            const value = r.ptr(place + BigInt(entry.me_value), "dict value");
            return value === 0n ? undefined : value;
          }
        }
        perturb >>= PERTURB_SHIFT;
        slot = (slot * 5n + perturb + 1n) & mask;
      }
      return undefined;
    } catch (error) {
      if (error instanceof WalkError) return undefined;
      throw error;
    }
  }

  /**
   * The value of the item whose key is the `str` `name` (2.7: `str` or `unicode`), if any. Keys
   * that are not strings or cannot be read are passed over.
   * @param items the items of a dict.
   * @param name the key, ASCII.
   * @returns the value's address, or undefined.
   */
  find(items: readonly DictItem[], name: string): bigint | undefined {
    for (const item of items) {
      try {
        if (this.#isString(item.key, name)) return item.value;
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    return undefined;
  }

  /** Whether an object is a string equal to `expected`, reading its characters only when its length matches. */
  #isString(object: bigint, expected: string): boolean {
    const quick = this.#isCompactAscii(object, expected);
    if (quick !== undefined) return quick;
    const L = this.objects.layout;
    const r = this.objects.reader;
    const type = this.objects.typeName(object);
    const text = L.models.text;
    let length: bigint;
    if (text.kind === "string_and_unicode") {
      if (type === "str") length = r.i64(object + BigInt(L.PyVarObject.ob_size), "key");
      else if (type === "unicode") length = r.i64(object + BigInt(text.unicode_length), "key");
      else return false;
    } else {
      if (type !== "str") return false;
      length = r.i64(object + BigInt(text.length), "key");
    }
    return length === BigInt(expected.length) && this.objects.string(object, "key") === expected;
  }

  /**
   * {@link #isString} in one read for a name that is ASCII, when the key is a compact ASCII `str`
   * ({@link ObjectReader.compactAscii}); undefined when that cannot tell, and the reads of
   * {@link #isString} decide, with their errors.
   */
  #isCompactAscii(object: bigint, expected: string): boolean | undefined {
    if (!ASCII_NAME.test(expected)) return undefined;
    const str = this.objects.compactAscii(object, expected.length, "key");
    if (str === undefined) return undefined;
    if (str.length !== BigInt(expected.length)) return false;
    for (let index = 0; index < expected.length; index++) {
      if (str.characters[index] !== expected.charCodeAt(index)) return false;
    }
    return true;
  }

  #type(type: bigint, what: string): TypeInfo {
    const cached = this.#types.get(type);
    if (cached) return cached;
    const T = this.objects.layout.PyTypeObject;
    const r = this.objects.reader;
    const flags = r.u64(type + BigInt(T.tp_flags), `${what} type flags`);
    const basicsize = r.i64(type + BigInt(T.tp_basicsize), `${what} type size`);
    const dictoffset = r.i64(type + BigInt(T.tp_dictoffset), `${what} type dict offset`);
    const limit = BigInt(MAX_TYPE_OFFSET);
    if (basicsize < BigInt(this.objects.layout.sizeof.PyObject) || basicsize > limit || dictoffset < -limit || dictoffset > limit) {
      throw new WalkError(`type at 0x${type.toString(16)} of ${what} has an implausible size ${basicsize} or dict offset ${dictoffset}`, type);
    }
    const info = { flags, basicsize: Number(basicsize), dictoffset: Number(dictoffset) };
    this.#types.set(type, info);
    return info;
  }

  /** The keys a heap type's instances share (`ht_cached_keys`). */
  #cachedKeys(type: bigint, info: TypeInfo, offset: number, what: string): bigint {
    const L = this.objects.layout;
    if ((info.flags & BigInt(L.constants.Py_TPFLAGS_HEAPTYPE)) === 0n) {
      throw new WalkError(`${what}: type at 0x${type.toString(16)} has values without a dict but is not a heap type`, type);
    }
    const keys = this.objects.reader.ptr(type + BigInt(offset), `${what} type's cached keys`);
    if (keys === 0n) throw new WalkError(`${what}: type at 0x${type.toString(16)} has values but no cached keys`, type);
    return keys;
  }

  #splitValues(values: bigint, what: string): SplitValues {
    const model = this.#keysModel().values;
    if (model.kind === "array") return { array: values, capacity: undefined }; // 3.6–3.10: PyObject **
    const capacity = model.capacity === undefined ? undefined : this.objects.reader.u8(values + BigInt(model.capacity), `${what} values capacity`);
    return { array: values + BigInt(model.values), capacity };
  }

  /** The keys-object model; only 3.6+ dicts have keys objects. */
  #keysModel(): Extract<PythonLayout["models"]["dicts"], { kind: "keys" }> {
    const model = this.objects.layout.models.dicts;
    if (model.kind !== "keys") throw new Error("a 2.7 dict has no keys object"); // a bug, not corruption
    return model;
  }

  /** 2.7: `ma_mask + 1` slots of `PyDictEntry`; a slot is an item when both key and value are set. */
  #table27(dict: bigint, used: number, what: string, max: number, scan: Scan = { take: max }): DictItem[] {
    const L = this.objects.layout;
    const r = this.objects.reader;
    const model = L.models.dicts;
    if (model.kind !== "table") throw new Error("only a 2.7 dict has ma_table"); // a bug, not corruption
    const mask = r.i64(dict + BigInt(model.ma_mask), what);
    // Tables grow to about 4x their items and never shrink when items are deleted: cap at 4x the limit.
    if (mask < 0n || ((mask + 1n) & mask) !== 0n || mask + 1n > BigInt(Math.max(8, max * 4))) {
      throw new WalkError(`${what} at 0x${dict.toString(16)} has an implausible ma_mask ${mask} for ${used} items`, dict);
    }
    const table = r.ptr(dict + BigInt(model.ma_table), what);
    const E = model.entry;
    return this.#entries(table, Number(mask) + 1, E.size, E.me_key, E.me_value, undefined, Math.min(used, scan.take), what, scan.onEntries);
  }

  /** 3.6+: the entries of a keys object, values from them or from a split table. */
  #keysItems(keys: bigint, values: SplitValues | undefined, what: string, max: number, scan: Scan = { take: max }): DictItem[] {
    const r = this.objects.reader;
    const K = this.#keysModel().keys;
    const at = `${what} keys at 0x${keys.toString(16)}`;
    let slots: bigint;
    let indexBytes: bigint;
    let entry: { readonly size: number; readonly me_key: number; readonly me_value: number };
    if (K.kind === "dk_size") {
      slots = r.i64(keys + BigInt(K.dk_size), what);
      if (slots <= 0n || slots > 1n << BigInt(MAX_LOG2_SIZE) || (slots & (slots - 1n)) !== 0n) {
        throw new WalkError(`${at} has an implausible dk_size ${slots}`, keys);
      }
      const width = slots <= 0xffn ? 1n : slots <= 0xffffn ? 2n : slots <= 0xffffffffn ? 4n : 8n;
      indexBytes = slots * width;
      entry = K.entry;
    } else {
      const log2 = r.u8(keys + BigInt(K.dk_log2_size), what);
      const log2Bytes = r.u8(keys + BigInt(K.dk_log2_index_bytes), what);
      const kind = r.u8(keys + BigInt(K.dk_kind), what);
      if (log2 > MAX_LOG2_SIZE || log2Bytes < log2 || log2Bytes > log2 + 3) {
        throw new WalkError(`${at} has an implausible dk_log2_size ${log2} / dk_log2_index_bytes ${log2Bytes}`, keys);
      }
      if (kind !== K.general && !K.unicodeKinds.includes(kind)) {
        throw new WalkError(`${at} has an unknown dk_kind ${kind}`, keys);
      }
      slots = 1n << BigInt(log2);
      indexBytes = 1n << BigInt(log2Bytes);
      entry = kind === K.general ? K.generalEntry : K.unicodeEntry;
    }
    const nentries = r.i64(keys + BigInt(K.dk_nentries), what);
    if (nentries < 0n || nentries > slots) throw new WalkError(`${at} has an implausible dk_nentries ${nentries} for ${slots} slots`, keys);
    if (nentries > BigInt(max)) throw new WalkError(`${at} has ${nentries} entries, more than ${max}`, keys);
    const first = keys + BigInt(K.dk_indices) + indexBytes;
    const size = entry.size;
    let count = Number(nentries);
    if (values?.capacity !== undefined) count = Math.min(count, values.capacity);
    return this.#entries(first, count, size, entry.me_key, entry.me_value, values?.array, Math.min(max, scan.take), what, scan.onEntries);
  }

  /**
   * Decodes `count` entries of `size` bytes from `first`, in chunks; an entry is an item when its
   * key and its value (from `values[i]` when given) are both set. Stops after `limit` items.
   */
  #entries(
    first: bigint,
    count: number,
    size: number,
    keyOffset: number,
    valueOffset: number,
    values: bigint | undefined,
    limit: number,
    what: string,
    onEntries?: (count: number) => void,
  ): DictItem[] {
    const r = this.objects.reader;
    const items: DictItem[] = [];
    // A few items wanted (a repr): read a few entries at a time rather than a whole chunk.
    const chunk = limit < 64 ? 64 : CHUNK_ENTRIES;
    for (let start = 0; start < count && items.length < limit; start += chunk) {
      const n = Math.min(chunk, count - start);
      onEntries?.(n);
      const bytes = r.bytes(first + BigInt(start * size), n * size, `${what} entries`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const split = values === undefined ? undefined : r.bytes(values + BigInt(start * 8), n * 8, `${what} values`);
      const splitView = split === undefined ? undefined : new DataView(split.buffer, split.byteOffset, split.byteLength);
      for (let i = 0; i < n && items.length < limit; i += 1) {
        const key = view.getBigUint64(i * size + keyOffset, true);
        const value = splitView ? splitView.getBigUint64(i * 8, true) : view.getBigUint64(i * size + valueOffset, true);
        if (key !== 0n && value !== 0n) items.push({ key, value });
      }
    }
    return items;
  }
}

// Test support (not published): builds Python objects of any supported version, byte by byte,
// in a TestMemory — types, str, int, dicts in each version's representation, instances with
// their attributes wherever the version keeps them — so unit tests can read them back and break
// them on purpose.
import type { PythonLayout } from "@corestack/cpython-layouts";
import { TestMemory } from "./_test_memory.js";

/** How an instance keeps its attributes. */
export type AttributeStorage =
  /** A dict object at `tp_dictoffset` (every version; 3.11+ types without managed dicts). */
  | "dictoffset"
  /** A managed dict before the object (3.11+). */
  | "managed-dict"
  /** Values without a dict object: 3.11 values pointer, 3.12 tagged pointer, 3.13 inline values. */
  | "values";

/** Options of {@link TestObjects.dict}. */
export interface TestDictOptions {
  /** Entries that were deleted (key set, value NULL), inserted before the items. */
  readonly deleted?: number;
  /** log2 of the hash table's slots (default: the smallest that fits). */
  readonly log2Size?: number;
}

/** Builds Python objects of one version's layout in a {@link TestMemory}. */
export class TestObjects {
  readonly memory: TestMemory;
  readonly layout: PythonLayout;
  readonly #types = new Map<string, bigint>();

  constructor(layout: PythonLayout, memory = new TestMemory()) {
    this.layout = layout;
    this.memory = memory;
  }

  get #is2(): boolean {
    return this.layout.version.major === 2;
  }
  get #minor(): number {
    return this.layout.version.minor;
  }

  /** A type object named `name` (one per name unless `options` are given). */
  type(name: string, options: { flags?: bigint; basicsize?: number; dictoffset?: number; cachedKeys?: bigint } = {}): bigint {
    const L = this.layout;
    const simple = Object.keys(options).length === 0;
    const existing = this.#types.get(name);
    if (simple && existing !== undefined) return existing;
    const m = this.memory;
    const size = Math.max(L.sizeof.PyTypeObject, (L.PyHeapTypeObject?.ht_cached_keys ?? 0) + 8);
    const type = m.alloc(size);
    const text = m.alloc(name.length + 1);
    m.set(text, new TextEncoder().encode(name));
    m.u64(type + BigInt(L.PyTypeObject.tp_name), text);
    m.u64(type + BigInt(L.PyTypeObject.tp_flags), options.flags ?? 0n);
    m.u64(type + BigInt(L.PyTypeObject.tp_basicsize), BigInt(options.basicsize ?? L.sizeof.PyObject));
    m.u64(type + BigInt(L.PyTypeObject.tp_dictoffset), BigInt.asUintN(64, BigInt(options.dictoffset ?? 0)));
    if (options.cachedKeys !== undefined) m.u64(type + BigInt(L.PyHeapTypeObject!.ht_cached_keys), options.cachedKeys);
    if (simple) this.#types.set(name, type);
    return type;
  }

  /** An object of `type` with `size` bytes (`before` of them ahead of the returned address). */
  object(type: bigint, size: number, before = 0): bigint {
    const object = this.memory.alloc(before + Math.max(size, this.layout.sizeof.PyObject)) + BigInt(before);
    this.memory.u64(object + BigInt(this.layout.PyObject.ob_type), type);
    this.memory.u64(object + BigInt(this.layout.PyObject.ob_refcnt), 1n);
    return object;
  }

  /** An ASCII `str` (2.7: a byte string). */
  str(text: string): bigint {
    const L = this.layout;
    const m = this.memory;
    const bytes = new TextEncoder().encode(text);
    if (this.#is2) {
      const o = this.object(this.type("str"), L.PyStringObject!.ob_sval + bytes.length + 1);
      m.u64(o + BigInt(L.PyVarObject.ob_size), BigInt(bytes.length));
      m.set(o + BigInt(L.PyStringObject!.ob_sval), bytes);
      return o;
    }
    const A = L.PyASCIIObject!;
    const s = L.PyASCIIObject_state!;
    const o = this.object(this.type("str"), L.sizeof.PyASCIIObject! + bytes.length + 1);
    m.u64(o + BigInt(A.length), BigInt(bytes.length));
    m.u32(o + BigInt(A.state), (1 << s.kind.bit) | (1 << s.compact.bit) | (1 << s.ascii.bit));
    m.set(o + BigInt(L.sizeof.PyASCIIObject!), bytes);
    return o;
  }

  /** A `bytes` object (2.7: a byte string) holding `data`. */
  bytes(data: readonly number[]): bigint {
    const L = this.layout;
    const sval = this.#is2 ? L.PyStringObject!.ob_sval : L.PyBytesObject!.ob_sval;
    const o = this.object(this.type(this.#is2 ? "str" : "bytes"), sval + data.length + 1);
    this.memory.u64(o + BigInt(L.PyVarObject.ob_size), BigInt(data.length));
    this.memory.set(o + BigInt(sval), new Uint8Array(data));
    return o;
  }

  /** An `int` (2.7: `int` when it fits a C long, else `long`). */
  int(value: bigint): bigint {
    const L = this.layout;
    const m = this.memory;
    if (this.#is2 && value >= -(1n << 63n) && value < 1n << 63n) {
      const o = this.object(this.type("int"), L.sizeof.PyIntObject!);
      m.u64(o + BigInt(L.PyIntObject!.ob_ival), BigInt.asUintN(64, value));
      return o;
    }
    const shift = BigInt(L.constants.PyLong_SHIFT);
    const digits: bigint[] = [];
    for (let rest = value < 0n ? -value : value; rest > 0n; rest >>= shift) digits.push(rest & ((1n << shift) - 1n));
    const digitOffset = L.PyLongObject.long_value_ob_digit ?? L.PyLongObject.ob_digit!;
    const o = this.object(this.type(this.#is2 ? "long" : "int"), digitOffset + Math.max(1, digits.length) * L.sizeof.digit);
    digits.forEach((digit, i) => m.u32(o + BigInt(digitOffset + i * L.sizeof.digit), Number(digit)));
    const count = BigInt(digits.length);
    if (L.PyLongObject.long_value_lv_tag !== undefined) {
      const sign = value === 0n ? 1n : value < 0n ? 2n : 0n;
      m.u64(o + BigInt(L.PyLongObject.long_value_lv_tag), (count << BigInt(L.constants._PyLong_NON_SIZE_BITS!)) | sign);
    } else {
      m.u64(o + BigInt(L.PyVarObject.ob_size), BigInt.asUintN(64, value < 0n ? -count : count));
    }
    return o;
  }

  /** A combined dict of `items` (key and value addresses), in this version's representation. */
  dict(items: ReadonlyArray<readonly [bigint, bigint]>, options: TestDictOptions = {}): bigint {
    const L = this.layout;
    const m = this.memory;
    const dict = this.object(this.type("dict"), L.sizeof.PyDictObject);
    const deleted = options.deleted ?? 0;
    const total = items.length + deleted;
    m.u64(dict + BigInt(L.PyDictObject.ma_used), BigInt(items.length));
    let log2 = options.log2Size ?? 3;
    while (options.log2Size === undefined && (1 << log2) * 2 < total * 3) log2 += 1;
    if (this.#is2) {
      const E = L.PyDictEntry!;
      const size = L.sizeof.PyDictEntry!;
      const slots = 1 << log2;
      const table = m.alloc(slots * size);
      const entries = [...Array.from({ length: deleted }, () => [this.str("<dummy key>"), 0n] as const), ...items];
      entries.forEach(([key, value], i) => {
        const slot = (i * 5 + 1) % slots; // scattered, as hashing would
        m.u64(table + BigInt(slot * size + E.me_key), key);
        m.u64(table + BigInt(slot * size + E.me_value), value);
      });
      m.u64(dict + BigInt(L.PyDictObject.ma_mask!), BigInt(slots - 1));
      m.u64(dict + BigInt(L.PyDictObject.ma_table!), table);
      return dict;
    }
    const keys = this.keys([...Array.from({ length: deleted }, (_, i) => [this.str(`deleted${i}`), 0n] as const), ...items], {
      log2Size: log2,
      kind: "combined",
    });
    m.u64(dict + BigInt(L.PyDictObject.ma_keys!), keys);
    return dict;
  }

  /**
   * A keys object with `entries` (value 0n = deleted). `kind`: "combined" (3.11+: unicode entries
   * when every key is a str made by {@link str}), or "split" (values live elsewhere).
   */
  keys(entries: ReadonlyArray<readonly [bigint, bigint]>, options: { log2Size: number; kind: "combined" | "split" }): bigint {
    const L = this.layout;
    const m = this.memory;
    const K = L._dictkeysobject!;
    const slots = 1 << options.log2Size;
    const width = slots <= 0xff ? 1 : slots <= 0xffff ? 2 : slots <= 0xffffffff ? 4 : 8;
    const unicode = this.#minor >= 11 && entries.every(([key]) => this.#isStr(key));
    const general = this.#minor < 11 || !unicode;
    const entry = general ? L.PyDictKeyEntry! : L.PyDictUnicodeEntry!;
    const entrySize = general ? L.sizeof.PyDictKeyEntry! : L.sizeof.PyDictUnicodeEntry!;
    const indexBytes = slots * width;
    const usable = Math.floor((slots * 2) / 3);
    const keys = m.alloc(K.dk_indices + indexBytes + Math.max(usable, entries.length) * entrySize);
    m.u64(keys + BigInt(K.dk_refcnt), 1n);
    if (K.dk_size !== undefined) {
      m.u64(keys + BigInt(K.dk_size), BigInt(slots));
    } else {
      m.u8(keys + BigInt(K.dk_log2_size!), options.log2Size);
      m.u8(keys + BigInt(K.dk_log2_index_bytes!), options.log2Size + Math.log2(width));
      const C = L.constants;
      m.u8(keys + BigInt(K.dk_kind!), options.kind === "split" ? C.DICT_KEYS_SPLIT! : general ? C.DICT_KEYS_GENERAL! : C.DICT_KEYS_UNICODE!);
    }
    m.u64(keys + BigInt(K.dk_usable), BigInt(Math.max(0, usable - entries.length)));
    m.u64(keys + BigInt(K.dk_nentries), BigInt(entries.length));
    m.set(keys + BigInt(K.dk_indices), new Uint8Array(indexBytes).fill(0xff)); // DKIX_EMPTY; not read
    const first = keys + BigInt(K.dk_indices + indexBytes);
    entries.forEach(([key, value], i) => {
      m.u64(first + BigInt(i * entrySize + entry.me_key), key);
      if (options.kind === "combined") m.u64(first + BigInt(i * entrySize + entry.me_value), value);
    });
    return keys;
  }

  /**
   * Split values for `values` (value `i` for keys entry `i`): 3.6–3.10 a `PyObject *` array,
   * 3.11+ a `PyDictValues` (3.13: with its capacity). Returns the address `ma_values` holds.
   */
  values(values: readonly bigint[], at?: bigint): bigint {
    const L = this.layout;
    const m = this.memory;
    const V = L.PyDictValues;
    const header = V?.values ?? 0;
    const address = at ?? m.alloc(header + values.length * 8 + values.length + 8);
    if (V?.capacity !== undefined) {
      m.u8(address + BigInt(V.capacity), values.length);
      m.u8(address + BigInt(V.size!), values.filter((v) => v !== 0n).length);
      m.u8(address + BigInt(V.valid!), 1);
    }
    values.forEach((value, i) => m.u64(address + BigInt(header + i * 8), value));
    return address;
  }

  /**
   * An instance of a new heap type named `typeName` whose attributes are `attributes` (name →
   * value address), kept as `storage` says.
   */
  instance(typeName: string, attributes: ReadonlyArray<readonly [string, bigint]>, storage: AttributeStorage): { object: bigint; type: bigint } {
    const L = this.layout;
    const m = this.memory;
    const C = L.constants;
    const items = attributes.map(([name, value]) => [this.str(name), value] as const);
    const heap = BigInt(C.Py_TPFLAGS_HEAPTYPE);
    if (storage === "dictoffset") {
      const basicsize = L.sizeof.PyObject + 16;
      const type = this.type(typeName, { flags: heap, basicsize, dictoffset: L.sizeof.PyObject + 8 });
      const object = this.object(type, basicsize);
      m.u64(object + BigInt(L.sizeof.PyObject + 8), this.dict(items));
      return { object, type };
    }
    const managed = BigInt(C.Py_TPFLAGS_MANAGED_DICT!);
    const inline = this.#minor >= 13 ? BigInt(C.Py_TPFLAGS_INLINE_VALUES!) : 0n;
    const shared = this.keys(
      items.map(([key]) => [key, 0n] as const),
      { log2Size: 3, kind: "split" },
    );
    const basicsize = L.sizeof.PyObject;
    const type = this.type(typeName, { flags: heap | managed | inline, basicsize, dictoffset: -1, cachedKeys: shared });
    const valuesSize = (L.PyDictValues?.values ?? 0) + 8 * Math.max(items.length, 1) + 8 + items.length;
    const object = this.object(type, basicsize + (inline !== 0n ? valuesSize : 0), 32);
    const dictAt = object + BigInt(C.MANAGED_DICT_OFFSET!);
    if (storage === "managed-dict") {
      if (inline !== 0n) m.u8(object + BigInt(basicsize + L.PyDictValues!.valid!), 0);
      m.u64(dictAt, this.dict(items));
      return { object, type };
    }
    const values = items.map(([, value]) => value);
    if (inline !== 0n) {
      this.values(values, object + BigInt(basicsize));
    } else if (C.MANAGED_VALUES_OFFSET !== undefined) {
      m.u64(object + BigInt(C.MANAGED_VALUES_OFFSET), this.values(values));
    } else {
      m.u64(dictAt, this.values(values) - 1n);
    }
    return { object, type };
  }

  /** A dict object whose keys are `keys` (shared, split) and values `values`. */
  splitDict(keys: readonly string[], values: readonly bigint[]): bigint {
    const L = this.layout;
    const m = this.memory;
    const dict = this.object(this.type("dict"), L.sizeof.PyDictObject);
    const shared = this.keys(
      keys.map((key) => [this.str(key), 0n] as const),
      { log2Size: 3, kind: "split" },
    );
    m.u64(dict + BigInt(L.PyDictObject.ma_used), BigInt(values.filter((v) => v !== 0n).length));
    m.u64(dict + BigInt(L.PyDictObject.ma_keys!), shared);
    m.u64(dict + BigInt(L.PyDictObject.ma_values!), this.values(values));
    return dict;
  }

  /** `None`. */
  none(): bigint {
    return this.object(this.type("NoneType"), this.layout.sizeof.PyObject);
  }

  /** `True` or `False` (an int of type `bool`). */
  bool(value: boolean): bigint {
    const L = this.layout;
    const m = this.memory;
    if (this.#is2) {
      const o = this.object(this.type("bool"), L.sizeof.PyIntObject!);
      m.u64(o + BigInt(L.PyIntObject!.ob_ival), value ? 1n : 0n);
      return o;
    }
    const o = this.int(value ? 1n : 0n);
    m.u64(o + BigInt(L.PyObject.ob_type), this.type("bool"));
    return o;
  }

  /** A `float`. */
  float(value: number): bigint {
    const L = this.layout;
    const o = this.object(this.type("float"), L.sizeof.PyFloatObject);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.memory.set(o + BigInt(L.PyFloatObject.ob_fval), bytes);
    return o;
  }

  /** A `str` of any characters (3.x: the PEP 393 kind they need, compact; 2.7: a `unicode`). */
  text(text: string): bigint {
    const L = this.layout;
    const m = this.memory;
    const points = [...text].map((ch) => ch.codePointAt(0)!);
    const max = Math.max(0, ...points);
    if (this.#is2) {
      const width = L.models.text.kind === "string_and_unicode" ? L.models.text.unicodeWidth : 4;
      const o = this.object(this.type("unicode"), L.sizeof.PyUnicodeObject);
      const data = m.alloc(Math.max(1, points.length) * width);
      points.forEach((point, i) =>
        width === 2 ? m.set(data + BigInt(i * 2), new Uint8Array([point & 0xff, point >> 8])) : m.u32(data + BigInt(i * 4), point),
      );
      m.u64(o + BigInt(L.PyUnicodeObject.length!), BigInt(points.length));
      m.u64(o + BigInt(L.PyUnicodeObject.str!), data);
      return o;
    }
    if (max < 0x80) return this.str(text);
    const kind = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
    const A = L.PyASCIIObject!;
    const s = L.PyASCIIObject_state!;
    const header = L.sizeof.PyCompactUnicodeObject!;
    const o = this.object(this.type("str"), header + (points.length + 1) * kind);
    m.u64(o + BigInt(A.length), BigInt(points.length));
    m.u32(o + BigInt(A.state), (kind << s.kind.bit) | (1 << s.compact.bit));
    points.forEach((point, i) => {
      const at = o + BigInt(header + i * kind);
      if (kind === 1) m.u8(at, point);
      else if (kind === 2) m.set(at, new Uint8Array([point & 0xff, point >> 8]));
      else m.u32(at, point);
    });
    return o;
  }

  /** A `tuple` of `items`. */
  tuple(items: readonly bigint[]): bigint {
    const L = this.layout;
    const o = this.object(this.type("tuple"), L.PyTupleObject.ob_item + Math.max(1, items.length) * 8);
    this.memory.u64(o + BigInt(L.PyVarObject.ob_size), BigInt(items.length));
    items.forEach((item, i) => this.memory.u64(o + BigInt(L.PyTupleObject.ob_item + i * 8), item));
    return o;
  }

  /** A `list` of `items` (what `items` holds may be changed after, through the returned array address). */
  list(items: readonly bigint[]): { list: bigint; items: bigint } {
    const L = this.layout;
    const o = this.object(this.type("list"), L.sizeof.PyListObject);
    const array = this.memory.alloc(Math.max(1, items.length) * 8);
    items.forEach((item, i) => this.memory.u64(array + BigInt(i * 8), item));
    this.memory.u64(o + BigInt(L.PyVarObject.ob_size), BigInt(items.length));
    this.memory.u64(o + BigInt(L.PyListObject.ob_item), array);
    return { list: o, items: array };
  }

  /**
   * A `set` (or `frozenset`) of `items`, spread over its table, with `deleted` slots holding the
   * dummy key (3.x: an object of type `<dummy key> type`; 2.7: the str `"<dummy key>"`).
   */
  set(items: readonly bigint[], options: { frozen?: boolean; deleted?: number } = {}): bigint {
    const L = this.layout;
    const m = this.memory;
    const S = L.PySetObject;
    const o = this.object(this.type(options.frozen ? "frozenset" : "set"), S.table + 64);
    let slots = 8;
    const deleted = options.deleted ?? 0;
    while (slots < (items.length + deleted) * 2) slots *= 2;
    const size = L.sizeof.setentry;
    const table = m.alloc(slots * size);
    const dummy = this.#is2 ? this.str("<dummy key>") : this.object(this.type("<dummy key> type"), L.sizeof.PyObject);
    const keys = [...Array.from({ length: deleted }, () => dummy), ...items];
    keys.forEach((key, i) => m.u64(table + BigInt(((i * 3 + 1) % slots) * size + L.setentry.key), key));
    m.u64(o + BigInt(S.fill), BigInt(keys.length));
    m.u64(o + BigInt(S.used), BigInt(items.length));
    m.u64(o + BigInt(S.mask), BigInt(slots - 1));
    m.u64(o + BigInt(S.table), table);
    return o;
  }

  /** An exception of a built-in type `name` (2.7: named `exceptions.<name>`) with `args`. */
  exception(name: string, args: readonly bigint[], chain: { cause?: bigint; context?: bigint; suppress?: boolean } = {}): bigint {
    const L = this.layout;
    const m = this.memory;
    const E = L.PyBaseExceptionObject;
    const type = this.type(this.#is2 ? `exceptions.${name}` : name, { flags: BigInt(L.constants.Py_TPFLAGS_BASE_EXC_SUBCLASS) });
    const o = this.object(type, (E.suppress_context ?? E.args) + 16);
    m.u64(o + BigInt(E.args), this.tuple(args));
    if (chain.cause !== undefined && E.cause !== undefined) m.u64(o + BigInt(E.cause), chain.cause);
    if (chain.context !== undefined && E.context !== undefined) m.u64(o + BigInt(E.context), chain.context);
    if (chain.suppress && E.suppress_context !== undefined) m.u8(o + BigInt(E.suppress_context), 1);
    return o;
  }

  /** A module object whose `__dict__` is `dict`. */
  module(dict: bigint): bigint {
    const L = this.layout;
    const module = this.object(this.type("module"), L.sizeof.PyModuleObject);
    this.memory.u64(module + BigInt(L.PyModuleObject.md_dict), dict);
    return module;
  }

  #isStr(object: bigint): boolean {
    const type = this.#types.get("str");
    if (type === undefined) return false;
    const bytes = this.memory.read(object + BigInt(this.layout.PyObject.ob_type), 8);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) === type;
  }
}

/**
 * The runtime of a 3.12 image: `_PyRuntime` and `Py_Version` (3.12.1) symbols, one interpreter as
 * both head and main. Thread states and frames are the test's to add.
 * @returns the addresses of the runtime state and the interpreter.
 */
export function runtime312(objects: TestObjects): { runtime: bigint; interp: bigint } {
  const L = objects.layout;
  const m = objects.memory;
  const runtime = m.alloc(L.sizeof._PyRuntimeState!);
  m.symbol("_PyRuntime", runtime);
  const version = m.alloc(4);
  m.u32(version, 0x030c01f0);
  m.symbol("Py_Version", version);
  const interp = m.alloc(L.sizeof.PyInterpreterState);
  m.u64(runtime + BigInt(L._PyRuntimeState!.interpreters_head), interp);
  m.u64(runtime + BigInt(L._PyRuntimeState!.interpreters_main), interp);
  return { runtime, interp };
}

/**
 * Thread state `t` of a 3.12 image: native thread id 1000 + t, `thread_id` 0x7f0000 + t, a
 * `_PyCFrame` of its own (no frame yet), linked after `previous` when given.
 * @returns the addresses of the thread state and its `_PyCFrame`.
 */
export function threadState312(objects: TestObjects, interp: bigint, t: number, previous?: bigint): { tstate: bigint; cframe: bigint } {
  const L = objects.layout;
  const m = objects.memory;
  const tstate = m.alloc(L.sizeof.PyThreadState);
  m.u64(tstate + BigInt(L.PyThreadState.interp), interp);
  m.u64(tstate + BigInt(L.PyThreadState.native_thread_id!), BigInt(1000 + t));
  m.u64(tstate + BigInt(L.PyThreadState.thread_id), BigInt(0x7f0000 + t));
  if (previous !== undefined) m.u64(previous + BigInt(L.PyThreadState.next), tstate);
  const cframe = m.alloc(L.sizeof._PyCFrame!);
  m.u64(tstate + BigInt(L.PyThreadState.cframe!), cframe);
  return { tstate, cframe };
}

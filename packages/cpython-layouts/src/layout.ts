/**
 * The shape every version's table has. Groups are named after the C struct they describe and
 * fields after the C member; a nested member designator has its dots replaced by underscores
 * (`interpreters.head` → `interpreters_head`), as `_Py_DebugOffsets` spells them. A field that is
 * optional exists only in some versions; its doc says which. All offsets and sizes are in bytes,
 * for 64-bit release (non-debug, GIL) builds.
 *
 * @module
 */
import type { InterpreterFrameChain, ObjectModels, ReadingModels } from "./models.js";

/** A CPython minor version. */
export interface PythonVersion {
  /** 2 or 3. */
  readonly major: number;
  /** 7 for 2.7, 6–13 for 3.x. */
  readonly minor: number;
}

/**
 * Where a member of a C bitfield lives: `bit` is the index of its lowest bit counting from the
 * least significant bit of the little-endian word that starts at the bitfield struct's offset,
 * `width` is its number of bits. `(word >> bit) & ((1 << width) - 1)` reads it.
 */
export interface BitField {
  /** Index of the lowest bit. */
  readonly bit: number;
  /** Number of bits. */
  readonly width: number;
}

/** `sizeof` of the structs, for bounds checks and for data that follows a header struct. */
export interface SizeofTable {
  /** `sizeof(PyObject)`. */
  readonly PyObject: number;
  /** `sizeof(PyVarObject)`. */
  readonly PyVarObject: number;
  /** `sizeof(PyTypeObject)`. */
  readonly PyTypeObject: number;
  /** `sizeof(_PyRuntimeState)` (3.7+). */
  readonly _PyRuntimeState?: number;
  /** `sizeof(PyInterpreterState)`. */
  readonly PyInterpreterState: number;
  /** `sizeof(PyThreadState)`. */
  readonly PyThreadState: number;
  /** `sizeof(_PyCFrame)` (3.11–3.12). */
  readonly _PyCFrame?: number;
  /** `sizeof(PyFrameObject)` (≤ 3.10), including one slot of `f_localsplus`. */
  readonly PyFrameObject?: number;
  /** `sizeof(_PyInterpreterFrame)` (3.11+), including one slot of `localsplus`. */
  readonly _PyInterpreterFrame?: number;
  /** `sizeof(PyCodeObject)`. */
  readonly PyCodeObject: number;
  /** `sizeof(struct _gil_runtime_state)` (3.7+). */
  readonly _gil_runtime_state?: number;
  /** `sizeof(struct _gc_runtime_state)` (3.7+). */
  readonly _gc_runtime_state?: number;
  /** `sizeof(PyASCIIObject)` (3.x): an ASCII compact string's characters start here. */
  readonly PyASCIIObject?: number;
  /** `sizeof(PyCompactUnicodeObject)` (3.x): a non-ASCII compact string's characters start here. */
  readonly PyCompactUnicodeObject?: number;
  /** `sizeof(PyUnicodeObject)`. */
  readonly PyUnicodeObject: number;
  /** `sizeof(Py_UNICODE)` (2.7): 2 or 4, a build option (`--enable-unicode=ucs4`). */
  readonly Py_UNICODE?: number;
  /** `sizeof(PyStringObject)` (2.7). */
  readonly PyStringObject?: number;
  /** `sizeof(PyBytesObject)` (3.x). */
  readonly PyBytesObject?: number;
  /** `sizeof(PyTupleObject)`. */
  readonly PyTupleObject: number;
  /** `sizeof(PyListObject)`. */
  readonly PyListObject: number;
  /** `sizeof(PyIntObject)` (2.7). */
  readonly PyIntObject?: number;
  /** `sizeof(PyLongObject)`. */
  readonly PyLongObject: number;
  /** `sizeof(digit)`: bytes per `PyLongObject` digit. */
  readonly digit: number;
  /** `sizeof(PyFloatObject)`. */
  readonly PyFloatObject: number;
  /** `sizeof(setentry)`: one slot of a set's table. */
  readonly setentry: number;
  /** `sizeof(PyDictObject)`. */
  readonly PyDictObject: number;
  /** `sizeof(PyDictEntry)` (2.7): one slot of `ma_table`. */
  readonly PyDictEntry?: number;
  /** `sizeof(PyDictKeyEntry)` (3.6+): one entry of a general (3.6–3.10: every) keys object. */
  readonly PyDictKeyEntry?: number;
  /** `sizeof(PyDictUnicodeEntry)` (3.11+): one entry of a `DICT_KEYS_UNICODE`/`SPLIT` keys object. */
  readonly PyDictUnicodeEntry?: number;
  /** `sizeof(PyModuleObject)`. */
  readonly PyModuleObject: number;
  /** `sizeof(_Py_DebugOffsets)` (3.13+): bytes to read at the start of `_PyRuntime`. */
  readonly _Py_DebugOffsets?: number;
}

/** `PyObject`: the header of every object. */
export interface PyObjectLayout {
  /** Reference count. */
  readonly ob_refcnt: number;
  /** `PyTypeObject *`. */
  readonly ob_type: number;
}

/** `PyVarObject`: the header of variable-size objects. */
export interface PyVarObjectLayout {
  /** Number of items (`Py_ssize_t`); for 3.x `int` objects before 3.12, the signed digit count. */
  readonly ob_size: number;
}

/**
 * `PyTypeObject`: enough to check an object's type by name and by subclass flags, and to find an
 * instance's `__dict__`.
 */
export interface PyTypeObjectLayout {
  /** `const char *` name, e.g. `"code"` or `"frame"`. */
  readonly tp_name: number;
  /** `Py_ssize_t tp_basicsize`: bytes of an instance (3.13: inline values follow them). */
  readonly tp_basicsize: number;
  /** `unsigned long` flags; see the `Py_TPFLAGS_*` constants. */
  readonly tp_flags: number;
  /**
   * `Py_ssize_t tp_dictoffset`: where an instance keeps its `__dict__` pointer, when positive;
   * 0 = no dict; negative = counted from the end of a variable-size instance, or (3.11+) a type
   * with `Py_TPFLAGS_MANAGED_DICT`, whose dict is found through `MANAGED_DICT_OFFSET` instead.
   */
  readonly tp_dictoffset: number;
}

/** `PyHeapTypeObject` (3.6+): a class created at run time (`Py_TPFLAGS_HEAPTYPE`). */
export interface PyHeapTypeObjectLayout {
  /**
   * `PyDictKeysObject *ht_cached_keys`: the keys its instances' split dicts share; from 3.11 the
   * keys of instance values that have no dict object (`Py_TPFLAGS_MANAGED_DICT`).
   */
  readonly ht_cached_keys: number;
}

/** `PyModuleObject` (private in `Objects/moduleobject.c` before 3.10). */
export interface PyModuleObjectLayout {
  /** `PyObject *md_dict`: the module's `__dict__`. */
  readonly md_dict: number;
}

/** `_PyRuntimeState` (3.7+), the `_PyRuntime` global. */
export interface PyRuntimeStateLayout {
  /** `_Py_DebugOffsets debug_offsets` (3.13+): always 0, see {@link DebugOffsetsLayout}. */
  readonly debug_offsets?: number;
  /** `PyThreadState *finalizing` (3.7–3.8). */
  readonly finalizing?: number;
  /** `_finalizing`, the finalizing `PyThreadState *` (3.9+; atomic). */
  readonly _finalizing?: number;
  /** `interpreters.head`: first `PyInterpreterState *`. */
  readonly interpreters_head: number;
  /** `interpreters.main`: the main `PyInterpreterState *`. */
  readonly interpreters_main: number;
  /** `gc`: the embedded `struct _gc_runtime_state` (3.7–3.8; from 3.9 per interpreter). */
  readonly gc?: number;
  /** `ceval.gil`: the embedded `struct _gil_runtime_state` (3.7–3.11; from 3.12 per interpreter). */
  readonly ceval_gil?: number;
  /** `gilstate.tstate_current`: the `PyThreadState *` holding the GIL, or NULL (3.7–3.11). */
  readonly gilstate_tstate_current?: number;
}

/** `PyInterpreterState` (`struct _is`). */
export interface PyInterpreterStateLayout {
  /** Next `PyInterpreterState *`. */
  readonly next: number;
  /** First `PyThreadState *` (≤ 3.10). */
  readonly tstate_head?: number;
  /** `threads.head`: first `PyThreadState *` (3.11+). */
  readonly threads_head?: number;
  /** `int64_t id` (3.7+); the main interpreter is 0. */
  readonly id?: number;
  /** `ceval.gil`: pointer to this interpreter's `struct _gil_runtime_state` (3.12+). */
  readonly ceval_gil?: number;
  /** `gc`: the embedded `struct _gc_runtime_state` (3.9+). */
  readonly gc?: number;
  /** `PyObject *modules`, `sys.modules` (≤ 3.11). */
  readonly modules?: number;
  /** `imports.modules`, `sys.modules` (3.12+). */
  readonly imports_modules?: number;
  /** `PyObject *sysdict`, the `sys` module's dict. */
  readonly sysdict: number;
  /** `PyObject *builtins`. */
  readonly builtins: number;
  /** `_gil`: the embedded `struct _gil_runtime_state` that `ceval.gil` usually points to (3.12+). */
  readonly _gil?: number;
}

/** `PyThreadState` (`struct _ts`). */
export interface PyThreadStateLayout {
  /** Previous `PyThreadState *` (3.x). */
  readonly prev?: number;
  /** Next `PyThreadState *`. */
  readonly next: number;
  /** Owning `PyInterpreterState *`. */
  readonly interp: number;
  /** `_status` bitfield struct (3.12+). */
  readonly _status?: number;
  /** `int gil_requested` (3.15+): non-zero while the thread waits for the GIL. */
  readonly gil_requested?: number;
  /** `PyFrameObject *frame`, the running frame (≤ 3.10). */
  readonly frame?: number;
  /** `_PyCFrame *cframe` (3.11–3.12); its `current_frame` is the running frame. */
  readonly cframe?: number;
  /** `_PyInterpreterFrame *current_frame` (3.13+). */
  readonly current_frame?: number;
  /** `PyObject *curexc_type`: the type of the exception raised and not caught yet (≤ 3.11). */
  readonly curexc_type?: number;
  /** `PyObject *curexc_value`: its value, maybe not normalised (≤ 3.11). */
  readonly curexc_value?: number;
  /** `PyObject *current_exception`: the exception raised and not caught yet (3.12+). */
  readonly current_exception?: number;
  /** `PyObject *exc_type`: the type of the exception being handled (2.7, 3.6). */
  readonly exc_type?: number;
  /** `PyObject *exc_value`: the exception being handled (2.7, 3.6). */
  readonly exc_value?: number;
  /** `_PyErr_StackItem *exc_info`: the top of the stack of exceptions being handled (3.7+). */
  readonly exc_info?: number;
  /**
   * `thread_id`: `pthread_self()` of the thread (`long` in 2.7/3.6, `unsigned long` after). On
   * x86-64 glibc this equals the thread's `fs_base`, not the OS thread id.
   */
  readonly thread_id: number;
  /** `unsigned long native_thread_id`: the OS thread id (3.11+). */
  readonly native_thread_id?: number;
  /** `_PyStackChunk *datastack_chunk` (3.11+): where thread-owned frames are allocated. */
  readonly datastack_chunk?: number;
}

/** `_PyErr_StackItem` (3.7+): one exception being handled, in a thread or a suspended generator. */
export interface PyErrStackItemLayout {
  /** `PyObject *exc_type` (3.7–3.10). */
  readonly exc_type?: number;
  /** `PyObject *exc_value`: the exception, or NULL or `None` when this item handles none. */
  readonly exc_value: number;
  /** `struct _err_stackitem *previous_item`: the item below, or NULL. */
  readonly previous_item: number;
}

/** `_PyCFrame` (3.11–3.12). */
export interface PyCFrameLayout {
  /** `_PyInterpreterFrame *current_frame`. */
  readonly current_frame: number;
  /** `_PyCFrame *previous`. */
  readonly previous: number;
}

/** `PyFrameObject` (≤ 3.10), the frame model before 3.11. */
export interface PyFrameObjectLayout {
  /** Calling `PyFrameObject *`. */
  readonly f_back: number;
  /** `PyCodeObject *`. */
  readonly f_code: number;
  /** `PyObject *f_trace`. */
  readonly f_trace: number;
  /**
   * `int f_lasti`: the last instruction run, a byte offset into `co_code` (≤ 3.9) or an index
   * in 2-byte code units (3.10); -1 before the first instruction.
   */
  readonly f_lasti: number;
  /** `int f_lineno`: valid only while tracing; use `f_lasti` with the line table otherwise. */
  readonly f_lineno: number;
  /** `PyObject *f_localsplus[]`: locals, then cells and free variables, then the value stack. */
  readonly f_localsplus: number;
}

/** `_PyInterpreterFrame` (3.11+), the frame model from 3.11. */
export interface PyInterpreterFrameLayout {
  /** `PyCodeObject *f_code` (3.11–3.12). */
  readonly f_code?: number;
  /** `PyObject *f_executable` (3.13+): a code object for Python frames. */
  readonly f_executable?: number;
  /** Calling `_PyInterpreterFrame *`. */
  readonly previous: number;
  /** `PyFrameObject *frame_obj`, or NULL. */
  readonly frame_obj: number;
  /** `_Py_CODEUNIT *prev_instr`: the last instruction started (3.11–3.12). */
  readonly prev_instr?: number;
  /** `_Py_CODEUNIT *instr_ptr`: the instruction running or about to run (3.13+). */
  readonly instr_ptr?: number;
  /** `int stacktop` (3.11–3.13). */
  readonly stacktop?: number;
  /** `bool is_entry` (3.11): the first frame of a `_PyEval_EvalFrameDefault` call. */
  readonly is_entry?: number;
  /** `char owner`: one of the `FRAME_OWNED_BY_*` constants. */
  readonly owner: number;
  /** `PyObject *localsplus[]`: locals, cells, free variables, then the value stack. */
  readonly localsplus: number;
}

/** `PyCodeObject`. */
export interface PyCodeObjectLayout {
  /** `int co_argcount`. */
  readonly co_argcount: number;
  /** `int co_posonlyargcount` (3.8+). */
  readonly co_posonlyargcount?: number;
  /** `int co_kwonlyargcount` (3.x). */
  readonly co_kwonlyargcount?: number;
  /** `int co_nlocals`. */
  readonly co_nlocals: number;
  /** `int co_stacksize`. */
  readonly co_stacksize: number;
  /** `int co_flags` (`CO_*`). */
  readonly co_flags: number;
  /** `int co_firstlineno`. */
  readonly co_firstlineno: number;
  /** `int co_nlocalsplus` (3.11+): number of `localsplus` slots that are not value stack. */
  readonly co_nlocalsplus?: number;
  /** `PyObject *co_code`, the bytecode `bytes` (≤ 3.10). */
  readonly co_code?: number;
  /** `PyObject *co_varnames` tuple (≤ 3.10). */
  readonly co_varnames?: number;
  /** `PyObject *co_freevars` tuple (≤ 3.10). */
  readonly co_freevars?: number;
  /** `PyObject *co_cellvars` tuple (≤ 3.10). */
  readonly co_cellvars?: number;
  /** `PyObject *co_localsplusnames` tuple (3.11+). */
  readonly co_localsplusnames?: number;
  /** `PyObject *co_localspluskinds` bytes (3.11+): `CO_FAST_*` kind of each name. */
  readonly co_localspluskinds?: number;
  /** `PyObject *co_filename` str. */
  readonly co_filename: number;
  /** `PyObject *co_name` str. */
  readonly co_name: number;
  /** `PyObject *co_qualname` str (3.11+). */
  readonly co_qualname?: number;
  /** `PyObject *co_lnotab` bytes (≤ 3.9). */
  readonly co_lnotab?: number;
  /** `PyObject *co_linetable` bytes (3.10: line table; 3.11+: location table). */
  readonly co_linetable?: number;
  /** `char co_code_adaptive[]` (3.11+): the bytecode, inline in the code object. */
  readonly co_code_adaptive?: number;
}

/** `struct _gil_runtime_state` (3.7+). */
export interface GilRuntimeStateLayout {
  /** `last_holder`: the `PyThreadState *` that last held the GIL. */
  readonly last_holder: number;
  /** `locked`: `int`, non-zero while the GIL is held. */
  readonly locked: number;
}

/** `struct _gc_runtime_state` (3.7+). */
export interface GcRuntimeStateLayout {
  /** `int collecting`: non-zero while a collection runs. */
  readonly collecting: number;
}

/** `PyASCIIObject` (3.x), the header of every `str`. */
export interface PyASCIIObjectLayout {
  /** `Py_ssize_t length`, in code points. */
  readonly length: number;
  /** `Py_hash_t hash`. */
  readonly hash: number;
  /** The `state` bitfield struct; see {@link PyASCIIObjectStateLayout}. */
  readonly state: number;
  /** `wchar_t *wstr` (3.6–3.11). */
  readonly wstr?: number;
}

/** Members of `PyASCIIObject.state` (3.x), as bit positions. */
export interface PyASCIIObjectStateLayout {
  /** `interned`: `SSTATE_*`. */
  readonly interned: BitField;
  /** `kind`: `PyUnicode_1BYTE_KIND` (1), `2BYTE` (2), `4BYTE` (4); 0 = `wstr` only (≤ 3.11). */
  readonly kind: BitField;
  /** `compact`: characters follow the header. */
  readonly compact: BitField;
  /** `ascii`: all characters are ASCII (then they follow a `PyASCIIObject`). */
  readonly ascii: BitField;
  /** `ready` (≤ 3.11). */
  readonly ready?: BitField;
  /** `statically_allocated` (3.12+). */
  readonly statically_allocated?: BitField;
}

/** `PyCompactUnicodeObject` (3.x). */
export interface PyCompactUnicodeObjectLayout {
  /** `Py_ssize_t utf8_length`. */
  readonly utf8_length: number;
  /** `char *utf8`, or NULL. */
  readonly utf8: number;
  /** `Py_ssize_t wstr_length` (≤ 3.11). */
  readonly wstr_length?: number;
}

/** `PyUnicodeObject`: 2.7's `unicode`, or 3.x's non-compact `str`. */
export interface PyUnicodeObjectLayout {
  /** `Py_ssize_t length` (2.7). */
  readonly length?: number;
  /** `Py_UNICODE *str` (2.7). */
  readonly str?: number;
  /** `data.any`: pointer to the characters of a non-compact string (3.x). */
  readonly data?: number;
}

/** `PyStringObject` (2.7's `str`). */
export interface PyStringObjectLayout {
  /** `long ob_shash`. */
  readonly ob_shash: number;
  /** `int ob_sstate`. */
  readonly ob_sstate: number;
  /** `char ob_sval[]`: `ob_size` bytes and a NUL. */
  readonly ob_sval: number;
}

/** `PyBytesObject` (3.x). */
export interface PyBytesObjectLayout {
  /** `Py_hash_t ob_shash`. */
  readonly ob_shash: number;
  /** `char ob_sval[]`: `ob_size` bytes and a NUL. */
  readonly ob_sval: number;
}

/** `PyTupleObject`. */
export interface PyTupleObjectLayout {
  /** `PyObject *ob_item[]`: `ob_size` items. */
  readonly ob_item: number;
}

/** `PyListObject`. */
export interface PyListObjectLayout {
  /** `PyObject **ob_item`: `ob_size` items. */
  readonly ob_item: number;
  /** `Py_ssize_t allocated`. */
  readonly allocated: number;
}

/** `PyIntObject` (2.7's `int`). */
export interface PyIntObjectLayout {
  /** `long ob_ival`. */
  readonly ob_ival: number;
}

/** `PyLongObject`. */
export interface PyLongObjectLayout {
  /** `digit ob_digit[]` (≤ 3.11); `ob_size` is the signed digit count. */
  readonly ob_digit?: number;
  /** `long_value.lv_tag` (3.12+): digit count `<< _PyLong_NON_SIZE_BITS`, sign in the low bits. */
  readonly long_value_lv_tag?: number;
  /** `long_value.ob_digit[]` (3.12+). */
  readonly long_value_ob_digit?: number;
}

/** `PyFloatObject`. */
export interface PyFloatObjectLayout {
  /** `double ob_fval`. */
  readonly ob_fval: number;
}

/** `PyCellObject`: a variable shared between a function and its inner functions. */
export interface PyCellObjectLayout {
  /** `PyObject *ob_ref`: the content, or NULL while unbound. */
  readonly ob_ref: number;
}

/** `PySetObject`: `set` and `frozenset`. */
export interface PySetObjectLayout {
  /** `Py_ssize_t fill`: active and deleted slots. */
  readonly fill: number;
  /** `Py_ssize_t used`: active slots (the items). */
  readonly used: number;
  /** `Py_ssize_t mask`: slots minus one, a power of 2 minus one. */
  readonly mask: number;
  /** `setentry *table`. */
  readonly table: number;
}

/** `setentry`: one slot of a set's table. */
export interface SetEntryLayout {
  /** `PyObject *key`: NULL when empty, the dummy object when deleted. */
  readonly key: number;
  /** `Py_hash_t hash` (2.7: `long`). */
  readonly hash: number;
}

/** `PyBaseExceptionObject`: the fields every exception has. */
export interface PyBaseExceptionObjectLayout {
  /** `PyObject *args`: the constructor's arguments, a tuple. */
  readonly args: number;
  /** `PyObject *traceback` (3.x). */
  readonly traceback?: number;
  /** `PyObject *context`: `__context__`, the exception being handled when this one was raised (3.x). */
  readonly context?: number;
  /** `PyObject *cause`: `__cause__`, set by `raise … from …` (3.x). */
  readonly cause?: number;
  /** `char suppress_context`: `__suppress_context__` (3.x). */
  readonly suppress_context?: number;
}

/** `PyDictObject`: the object; its storage is {@link DictKeysObjectLayout} (3.x) or `ma_table` (2.7). */
export interface PyDictObjectLayout {
  /** `Py_ssize_t ma_fill` (2.7). */
  readonly ma_fill?: number;
  /** `Py_ssize_t ma_used`: number of items. */
  readonly ma_used: number;
  /** `Py_ssize_t ma_mask` (2.7). */
  readonly ma_mask?: number;
  /** `PyDictEntry *ma_table` (2.7). */
  readonly ma_table?: number;
  /** `PyDictKeysObject *ma_keys` (3.x). */
  readonly ma_keys?: number;
  /**
   * `ma_values`: NULL for a combined table, else a split table's values: `PyObject **`
   * (3.6–3.10), `PyDictValues *` (3.11+); value `i` belongs to keys entry `i`.
   */
  readonly ma_values?: number;
}

/** `PyDictEntry` (2.7): a slot of `ma_table`; empty when `me_key` is NULL, deleted when `me_value` is. */
export interface PyDictEntryLayout {
  /** `Py_ssize_t me_hash`. */
  readonly me_hash: number;
  /** `PyObject *me_key`. */
  readonly me_key: number;
  /** `PyObject *me_value`. */
  readonly me_value: number;
}

/**
 * `struct _dictkeysobject` (`PyDictKeysObject`, 3.6+; declared in `Objects/dict-common.h` until
 * 3.10, `internal/pycore_dict.h` from 3.11): a header, then the hash table `dk_indices`, then
 * `dk_nentries` used entries in insertion order (`PyDictKeyEntry`, or from 3.11
 * `PyDictUnicodeEntry` when `dk_kind` is not `DICT_KEYS_GENERAL`).
 */
export interface DictKeysObjectLayout {
  /** `Py_ssize_t dk_refcnt`. */
  readonly dk_refcnt: number;
  /**
   * `Py_ssize_t dk_size` (3.6–3.10): slots of `dk_indices`, a power of 2; each slot is 1, 2, 4 or
   * 8 bytes as `dk_size` is ≤ 0xff, ≤ 0xffff, ≤ 0xffffffff or more.
   */
  readonly dk_size?: number;
  /** `uint8_t dk_log2_size` (3.11+): log2 of the number of slots of `dk_indices`. */
  readonly dk_log2_size?: number;
  /** `uint8_t dk_log2_index_bytes` (3.11+): log2 of the bytes of `dk_indices`; entries follow them. */
  readonly dk_log2_index_bytes?: number;
  /** `uint8_t dk_kind` (3.11+): `DICT_KEYS_GENERAL`, `DICT_KEYS_UNICODE` or `DICT_KEYS_SPLIT`. */
  readonly dk_kind?: number;
  /** `Py_ssize_t dk_usable`: entries that can still be added. */
  readonly dk_usable: number;
  /** `Py_ssize_t dk_nentries`: entries used, deleted ones included (their value is NULL). */
  readonly dk_nentries: number;
  /** `char dk_indices[]`: the hash table. */
  readonly dk_indices: number;
}

/** `PyDictKeyEntry` (3.6+): an entry of a general keys object. */
export interface PyDictKeyEntryLayout {
  /** `Py_hash_t me_hash`. */
  readonly me_hash: number;
  /** `PyObject *me_key`. */
  readonly me_key: number;
  /** `PyObject *me_value`: meaningful for combined tables only. */
  readonly me_value: number;
}

/** `PyDictUnicodeEntry` (3.11+): an entry of a keys object whose keys are all `str`. */
export interface PyDictUnicodeEntryLayout {
  /** `PyObject *me_key`. */
  readonly me_key: number;
  /** `PyObject *me_value`: meaningful for combined tables only. */
  readonly me_value: number;
}

/** `struct _dictvalues` (`PyDictValues`, 3.11+): a split table's values. */
export interface PyDictValuesLayout {
  /** `uint8_t capacity` (3.13+): slots of `values`. */
  readonly capacity?: number;
  /** `uint8_t size` (3.13+): values set, in the insertion-order bytes after `values`. */
  readonly size?: number;
  /** `uint8_t embedded` (3.13+): the values live inside their object (inline values). */
  readonly embedded?: number;
  /** `uint8_t valid` (3.13+): inline values are in use (0 once a dict object took them over). */
  readonly valid?: number;
  /** `PyObject *values[]`. */
  readonly values: number;
}

/** Compile-time constants that reading code needs. */
export interface ConstantsTable {
  /** Bits per `PyLongObject` digit (30 on 64-bit builds). */
  readonly PyLong_SHIFT: number;
  /** Low bits of `lv_tag` that are not the digit count (3.12+). */
  readonly _PyLong_NON_SIZE_BITS?: number;
  /** `Py_UNICODE_SIZE` (2.7): 2 or 4. */
  readonly Py_UNICODE_SIZE?: number;
  /** `_PyInterpreterFrame.owner` of a frame on a thread's data stack (3.11+). */
  readonly FRAME_OWNED_BY_THREAD?: number;
  /** `_PyInterpreterFrame.owner` of a generator's or coroutine's frame (3.11+). */
  readonly FRAME_OWNED_BY_GENERATOR?: number;
  /** `_PyInterpreterFrame.owner` of a frame owned by a frame object (3.11+). */
  readonly FRAME_OWNED_BY_FRAME_OBJECT?: number;
  /** `_PyInterpreterFrame.owner` of a C-stack shim (entry) frame, not a Python frame (3.12–3.14). */
  readonly FRAME_OWNED_BY_CSTACK?: number;
  /** `_PyInterpreterFrame.owner` of a frame the interpreter itself owns, not a Python frame (3.14+). */
  readonly FRAME_OWNED_BY_INTERPRETER?: number;
  /** Low bits of a `_PyStackRef` that are tags, not address (3.14+: `f_executable`, `localsplus`). */
  readonly Py_TAG_BITS?: number;
  /** `co_flags` bit: the code takes `*args`. */
  readonly CO_VARARGS: number;
  /** `co_flags` bit: the code takes `**kwargs`. */
  readonly CO_VARKEYWORDS: number;
  /** `co_localspluskinds` bit (3.12+): a variable of an inlined comprehension. */
  readonly CO_FAST_HIDDEN?: number;
  /** `co_localspluskinds` bit (3.11+): a local variable. */
  readonly CO_FAST_LOCAL?: number;
  /** `co_localspluskinds` bit (3.11+): a cell variable (its slot holds a cell). */
  readonly CO_FAST_CELL?: number;
  /** `co_localspluskinds` bit (3.11+): a free variable (its slot holds an enclosing function's cell). */
  readonly CO_FAST_FREE?: number;
  /** `DictKeysKind` of keys objects with `PyDictKeyEntry` entries (3.11+). */
  readonly DICT_KEYS_GENERAL?: number;
  /** `DictKeysKind` of combined keys objects with `PyDictUnicodeEntry` entries (3.11+). */
  readonly DICT_KEYS_UNICODE?: number;
  /** `DictKeysKind` of shared (split-table) keys objects, with `PyDictUnicodeEntry` entries (3.11+). */
  readonly DICT_KEYS_SPLIT?: number;
  /**
   * Where an object whose type has `Py_TPFLAGS_MANAGED_DICT` keeps its dict, relative to the
   * object (3.11+; negative: in the pre-header). 3.11: a `PyObject *` dict. 3.12: a
   * `PyDictOrValues`, the dict, or when its lowest bit is set a `PyDictValues *` minus 1 (3.12 has
   * no macro: measured from `_PyObject_DictOrValuesPointer()`). 3.13: a `PyDictObject *` or NULL.
   */
  readonly MANAGED_DICT_OFFSET?: number;
  /**
   * Where a 3.11 object with `Py_TPFLAGS_MANAGED_DICT` keeps its `PyDictValues *` (non-NULL while
   * no dict object was made), relative to the object: measured from `_PyObject_ValuesPointer()`.
   */
  readonly MANAGED_VALUES_OFFSET?: number;
  /**
   * `tp_flags` bit (3.13+): instances keep their attribute values inline, a `PyDictValues` at
   * `tp_basicsize`, while `valid`; keys in `ht_cached_keys`.
   */
  readonly Py_TPFLAGS_INLINE_VALUES?: number;
  /** `tp_flags` bit (3.11+): the instance dict is found through `MANAGED_DICT_OFFSET`, not `tp_dictoffset`. */
  readonly Py_TPFLAGS_MANAGED_DICT?: number;
  /** `tp_flags` bit of types allocated at run time, which are `PyHeapTypeObject`s. */
  readonly Py_TPFLAGS_HEAPTYPE: number;
  /** `tp_flags` bit of `int` subclasses (2.7). */
  readonly Py_TPFLAGS_INT_SUBCLASS?: number;
  /** `tp_flags` bit of `long` (2.7) / `int` (3.x) subclasses. */
  readonly Py_TPFLAGS_LONG_SUBCLASS: number;
  /** `tp_flags` bit of `list` subclasses. */
  readonly Py_TPFLAGS_LIST_SUBCLASS: number;
  /** `tp_flags` bit of `tuple` subclasses. */
  readonly Py_TPFLAGS_TUPLE_SUBCLASS: number;
  /** `tp_flags` bit of `str` subclasses (2.7). */
  readonly Py_TPFLAGS_STRING_SUBCLASS?: number;
  /** `tp_flags` bit of `bytes` subclasses (3.x). */
  readonly Py_TPFLAGS_BYTES_SUBCLASS?: number;
  /** `tp_flags` bit of `unicode` (2.7) / `str` (3.x) subclasses. */
  readonly Py_TPFLAGS_UNICODE_SUBCLASS: number;
  /** `tp_flags` bit of `dict` subclasses. */
  readonly Py_TPFLAGS_DICT_SUBCLASS: number;
  /** `tp_flags` bit of `BaseException` subclasses. */
  readonly Py_TPFLAGS_BASE_EXC_SUBCLASS: number;
  /** `tp_flags` bit of `type` subclasses. */
  readonly Py_TPFLAGS_TYPE_SUBCLASS: number;
}

/**
 * Offsets of the members of `_Py_DebugOffsets` itself (3.13+), the struct at offset 0 of
 * `_PyRuntime`: `cookie` (`"xdebugpy"`), `version` (`PY_VERSION_HEX`), `free_threaded`, then
 * one section per struct (`runtime_state`, `thread_state`, …) whose members are `uint64_t` offsets
 * (and a `size`). Read with {@link decodeDebugOffsets}. The struct changes between minor versions,
 * so each version's table carries its own.
 */
export interface DebugOffsetsLayout {
  /** `char cookie[8]`. */
  readonly cookie: number;
  /** `uint64_t version`. */
  readonly version: number;
  /** Other members: `uint64_t` scalars or sections of `uint64_t` members. */
  readonly [member: string]: number | { readonly [field: string]: number };
}

/** What every version's table has, whatever its frame model. */
export interface PythonLayoutBase {
  /** The minor version the table describes. */
  readonly version: PythonVersion;
  /** Where the numbers come from, for messages: `"CPython 3.12.1 headers"`. */
  readonly source: string;
  /** Bytes per pointer: 8. */
  readonly pointerSize: number;
  /** `sizeof` of the structs. */
  readonly sizeof: SizeofTable;
  /** `PyObject`. */
  readonly PyObject: PyObjectLayout;
  /** `PyVarObject`. */
  readonly PyVarObject: PyVarObjectLayout;
  /** `PyTypeObject`. */
  readonly PyTypeObject: PyTypeObjectLayout;
  /** `PyHeapTypeObject` (3.6+). */
  readonly PyHeapTypeObject?: PyHeapTypeObjectLayout;
  /** `_PyRuntimeState` (3.7+). */
  readonly _PyRuntimeState?: PyRuntimeStateLayout;
  /** `PyInterpreterState`. */
  readonly PyInterpreterState: PyInterpreterStateLayout;
  /** `PyThreadState`. */
  readonly PyThreadState: PyThreadStateLayout;
  /** `PyCodeObject`. */
  readonly PyCodeObject: PyCodeObjectLayout;
  /** `struct _gil_runtime_state` (3.7+); before, the GIL is in static variables. */
  readonly _gil_runtime_state?: GilRuntimeStateLayout;
  /** `struct _gc_runtime_state` (3.7+); before, the GC state is in static variables. */
  readonly _gc_runtime_state?: GcRuntimeStateLayout;
  /** `PyASCIIObject` (3.x). */
  readonly PyASCIIObject?: PyASCIIObjectLayout;
  /** `PyASCIIObject.state` members (3.x). */
  readonly PyASCIIObject_state?: PyASCIIObjectStateLayout;
  /** `PyCompactUnicodeObject` (3.x). */
  readonly PyCompactUnicodeObject?: PyCompactUnicodeObjectLayout;
  /** `PyUnicodeObject`. */
  readonly PyUnicodeObject: PyUnicodeObjectLayout;
  /** `PyStringObject` (2.7). */
  readonly PyStringObject?: PyStringObjectLayout;
  /** `PyBytesObject` (3.x). */
  readonly PyBytesObject?: PyBytesObjectLayout;
  /** `PyTupleObject`. */
  readonly PyTupleObject: PyTupleObjectLayout;
  /** `PyListObject`. */
  readonly PyListObject: PyListObjectLayout;
  /** `PyIntObject` (2.7). */
  readonly PyIntObject?: PyIntObjectLayout;
  /** `PyLongObject`. */
  readonly PyLongObject: PyLongObjectLayout;
  /** `PyFloatObject`. */
  readonly PyFloatObject: PyFloatObjectLayout;
  /** `PyDictObject`. */
  readonly PyDictObject: PyDictObjectLayout;
  /** `PyDictEntry` (2.7). */
  readonly PyDictEntry?: PyDictEntryLayout;
  /** `struct _dictkeysobject` (3.6+). */
  readonly _dictkeysobject?: DictKeysObjectLayout;
  /** `PyDictKeyEntry` (3.6+). */
  readonly PyDictKeyEntry?: PyDictKeyEntryLayout;
  /** `PyDictUnicodeEntry` (3.11+). */
  readonly PyDictUnicodeEntry?: PyDictUnicodeEntryLayout;
  /** `PyDictValues` (3.11+). */
  readonly PyDictValues?: PyDictValuesLayout;
  /** `PyModuleObject`. */
  readonly PyModuleObject: PyModuleObjectLayout;
  /** Compile-time constants. */
  readonly constants: ConstantsTable;
  /** The members of `_Py_DebugOffsets` (3.13+). */
  readonly _Py_DebugOffsets?: DebugOffsetsLayout;
  /** How the version is read. */
  readonly models: ReadingModels;
}

/**
 * The struct layout of one CPython minor version: the measured struct groups, and the
 * {@link ReadingModels} that say how the version is read. A reader switches on a model's `kind`,
 * which gives it that model's offsets as required fields.
 *
 * @example
 * ```ts
 * import { layoutFor } from "@corestack/cpython-layouts";
 *
 * const frames = layoutFor(3, 12)?.models.frames;
 * if (frames?.kind === "interpreter_frame" && frames.start.kind === "cframe") {
 *   console.log(frames.start.cframe, frames.previous); // 56 8
 * }
 * ```
 */
export interface PythonLayout extends PythonLayoutBase {
  /** How the version is read, objects included. */
  readonly models: ReadingModels & ObjectModels;
  /** `PyFrameObject` (≤ 3.10; later versions still have frame objects, not measured). */
  readonly PyFrameObject?: PyFrameObjectLayout;
  /** `_PyErr_StackItem` (3.7+). */
  readonly _PyErr_StackItem?: PyErrStackItemLayout;
  /** `PyCellObject`. */
  readonly PyCellObject: PyCellObjectLayout;
  /** `PySetObject`. */
  readonly PySetObject: PySetObjectLayout;
  /** `setentry`. */
  readonly setentry: SetEntryLayout;
  /** `PyBaseExceptionObject`. */
  readonly PyBaseExceptionObject: PyBaseExceptionObjectLayout;
  /** `_PyCFrame` (3.11–3.12). */
  readonly _PyCFrame?: PyCFrameLayout;
  /** `_PyInterpreterFrame` (3.11+). */
  readonly _PyInterpreterFrame?: PyInterpreterFrameLayout;
}

/**
 * `T` reduced to the fields `K`, which are present; every other field of `T` is absent
 * (`undefined`), so code written for `T` still type-checks and must handle the absence.
 */
export type OnlyFields<T, K extends keyof T> = Required<Pick<T, K>> & { readonly [P in Exclude<keyof T, K>]?: undefined };

/** The frame owner constants; see {@link ConstantsTable}. */
export type FrameOwnerConstant =
  | "FRAME_OWNED_BY_THREAD"
  | "FRAME_OWNED_BY_GENERATOR"
  | "FRAME_OWNED_BY_FRAME_OBJECT"
  | "FRAME_OWNED_BY_INTERPRETER"
  | "FRAME_OWNED_BY_CSTACK";

/**
 * A layout built by {@link layoutFromDebugOffsets} from the `_Py_DebugOffsets` of a CPython 3.13+
 * and nothing else but the documented base ({@link debugOffsetsBase}): no generated table is
 * consulted. It has exactly the fields the debug offsets carry (thread, interpreter, frame and
 * code offsets, GIL and GC state, the object headers of `str`, `bytes`, `int`, `float`, `tuple`,
 * `list`, `dict`) plus the base's stable facts; everything else — the internals of dicts, keys
 * objects and modules, `tp_dictoffset`, `PyLong_SHIFT`, `interpreters.main`, `frame_obj`… — is
 * absent, so a reader must do without it (thread names, which need dict internals, are then
 * unavailable). Fields are named as in {@link PythonLayout}.
 *
 * @example
 * ```ts
 * import { layoutFromDebugOffsets } from "@corestack/cpython-layouts";
 *
 * declare const runtimeBytes: Uint8Array; // the start of `_PyRuntime`
 * const layout = layoutFromDebugOffsets(runtimeBytes);
 * layout.PyThreadState.native_thread_id; // 160 on 3.13
 * layout.PyModuleObject; // undefined: the debug offsets do not describe modules
 * ```
 */
export interface PythonLayoutFromDebugOffsets {
  /** The minor version, from `_Py_DebugOffsets.version`. */
  readonly version: PythonVersion;
  /** Where the numbers come from, for messages. */
  readonly source: string;
  /** How the version is read: from the debug offsets and the documented base. */
  readonly models: ReadingModels & { readonly frames: InterpreterFrameChain };
  /** Bytes per pointer, 8: documented base. */
  readonly pointerSize: number;
  /**
   * `sizeof`s: each debug offsets section's `size`; `PyVarObject` and `PyCompactUnicodeObject`
   * from the base; `_Py_DebugOffsets`: the bytes of the struct layout it was read with.
   */
  readonly sizeof: OnlyFields<
    SizeofTable,
    | "PyObject"
    | "PyVarObject"
    | "PyTypeObject"
    | "_PyRuntimeState"
    | "PyInterpreterState"
    | "PyThreadState"
    | "_PyInterpreterFrame"
    | "PyCodeObject"
    | "_gc_runtime_state"
    | "PyASCIIObject"
    | "PyCompactUnicodeObject"
    | "PyUnicodeObject"
    | "PyBytesObject"
    | "PyTupleObject"
    | "PyListObject"
    | "PyLongObject"
    | "PyFloatObject"
    | "PyDictObject"
    | "_Py_DebugOffsets"
  >;
  /** `ob_type` from the debug offsets, `ob_refcnt` from the base. */
  readonly PyObject: PyObjectLayout;
  /** `ob_size`, from the debug offsets (`tuple_object`, `list_object`, `bytes_object`). */
  readonly PyVarObject: PyVarObjectLayout;
  /** `tp_name`, `tp_flags`. */
  readonly PyTypeObject: OnlyFields<PyTypeObjectLayout, "tp_name" | "tp_flags">;
  /** `_finalizing`, `interpreters_head`; no `interpreters_main`. */
  readonly _PyRuntimeState: OnlyFields<PyRuntimeStateLayout, "_finalizing" | "interpreters_head">;
  /** The members of `interpreter_state`. */
  readonly PyInterpreterState: OnlyFields<
    PyInterpreterStateLayout,
    "id" | "next" | "threads_head" | "gc" | "imports_modules" | "sysdict" | "builtins" | "ceval_gil" | "_gil"
  >;
  /** The members of `thread_state`. */
  readonly PyThreadState: OnlyFields<
    PyThreadStateLayout,
    "prev" | "next" | "interp" | "_status" | "current_frame" | "thread_id" | "native_thread_id" | "datastack_chunk"
  >;
  /** The members of `interpreter_frame`. */
  readonly _PyInterpreterFrame: OnlyFields<PyInterpreterFrameLayout, "previous" | "f_executable" | "instr_ptr" | "localsplus" | "owner">;
  /** The members of `code_object`. */
  readonly PyCodeObject: OnlyFields<
    PyCodeObjectLayout,
    | "co_argcount"
    | "co_firstlineno"
    | "co_localsplusnames"
    | "co_localspluskinds"
    | "co_filename"
    | "co_name"
    | "co_qualname"
    | "co_linetable"
    | "co_code_adaptive"
  >;
  /** `gil_runtime_state_locked` and `_holder`, relative to `gil_runtime_state`. */
  readonly _gil_runtime_state: GilRuntimeStateLayout;
  /** `gc.collecting`. */
  readonly _gc_runtime_state: GcRuntimeStateLayout;
  /** `unicode_object.length` and `.state`. */
  readonly PyASCIIObject: OnlyFields<PyASCIIObjectLayout, "length" | "state">;
  /** The `state` bits: documented base. */
  readonly PyASCIIObject_state: OnlyFields<PyASCIIObjectStateLayout, "interned" | "kind" | "compact" | "ascii" | "statically_allocated">;
  /** Right after `PyASCIIObject` (`unicode_object.asciiobject_size`): documented base. */
  readonly PyCompactUnicodeObject: OnlyFields<PyCompactUnicodeObjectLayout, "utf8_length" | "utf8">;
  /** `data`, right after `PyCompactUnicodeObject`: documented base. */
  readonly PyUnicodeObject: OnlyFields<PyUnicodeObjectLayout, "data">;
  /** `bytes_object.ob_sval`. */
  readonly PyBytesObject: OnlyFields<PyBytesObjectLayout, "ob_sval">;
  /** `tuple_object.ob_item`. */
  readonly PyTupleObject: PyTupleObjectLayout;
  /** `list_object.ob_item`. */
  readonly PyListObject: OnlyFields<PyListObjectLayout, "ob_item">;
  /** `long_object.lv_tag` and `.ob_digit`. */
  readonly PyLongObject: OnlyFields<PyLongObjectLayout, "long_value_lv_tag" | "long_value_ob_digit">;
  /** `float_object.ob_fval`. */
  readonly PyFloatObject: PyFloatObjectLayout;
  /** `dict_object.ma_keys` and `.ma_values`; not `ma_used`. */
  readonly PyDictObject: OnlyFields<PyDictObjectLayout, "ma_keys" | "ma_values">;
  /** Frame owners of the versions the base knows (3.13, 3.14); none for a later version. */
  readonly constants: Pick<ConstantsTable, FrameOwnerConstant> & {
    readonly [P in Exclude<keyof ConstantsTable, FrameOwnerConstant>]?: undefined;
  };
  /** The `_Py_DebugOffsets` struct layout the values were read with. */
  readonly _Py_DebugOffsets: DebugOffsetsLayout;
  /** Not described by the debug offsets. */
  readonly _PyCFrame?: undefined;
  /** Not described by the debug offsets. */
  readonly PyHeapTypeObject?: undefined;
  /** Not described by the debug offsets. */
  readonly PyStringObject?: undefined;
  /** Not described by the debug offsets. */
  readonly PyIntObject?: undefined;
  /** Not described by the debug offsets. */
  readonly PyDictEntry?: undefined;
  /** Not described by the debug offsets. */
  readonly _dictkeysobject?: undefined;
  /** Not described by the debug offsets. */
  readonly PyDictKeyEntry?: undefined;
  /** Not described by the debug offsets. */
  readonly PyDictUnicodeEntry?: undefined;
  /** Not described by the debug offsets. */
  readonly PyDictValues?: undefined;
  /** Not described by the debug offsets. */
  readonly PyModuleObject?: undefined;
  /** Not described by the debug offsets. */
  readonly _PyErr_StackItem?: undefined;
  /** Not described by the debug offsets. */
  readonly PyCellObject?: undefined;
  /** Not described by the debug offsets (3.14+ carries part of it, unused). */
  readonly PySetObject?: undefined;
  /** Not described by the debug offsets. */
  readonly setentry?: undefined;
  /** Not described by the debug offsets. */
  readonly PyBaseExceptionObject?: undefined;
}

/**
 * A layout from either source: a generated table ({@link PythonLayout}) or `_Py_DebugOffsets`
 * ({@link PythonLayoutFromDebugOffsets}). What a reader that must work with both takes; the
 * fields only a table has are `undefined` in the other, and `PyModuleObject` tells them apart.
 *
 * @example
 * ```ts
 * import type { AnyPythonLayout } from "@corestack/cpython-layouts";
 *
 * function hasDictInternals(layout: AnyPythonLayout): boolean {
 *   return layout.PyModuleObject !== undefined; // a generated table
 * }
 * ```
 */
export type AnyPythonLayout = PythonLayout | PythonLayoutFromDebugOffsets;

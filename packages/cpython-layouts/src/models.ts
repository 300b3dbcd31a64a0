/**
 * How a version is read: the discriminants that tell CPython versions apart where they differ in
 * kind, not only in offsets. Each model is a union on `kind` whose members carry, as required
 * fields, every offset and constant their reading needs, so a reader switches on `kind` and never
 * on a version number, and a table that lacks a field its model needs does not type-check.
 *
 * The offsets here repeat values of the struct groups (`PyThreadState.cframe` …): a table's
 * models are written by the generator from the same measurement, and a test checks each against
 * its group.
 *
 * @module
 */

/** Where an interpreter's thread list starts, in `PyInterpreterState`. */
export interface ThreadListModel {
  /** `tstate_head` (≤ 3.10) or `threads.head` (3.11+). */
  readonly kind: "tstate_head" | "threads_head";
  /** Offset of the first `PyThreadState *`. */
  readonly head: number;
}

/** Where the runtime state lives and how interpreters are found. */
export type RuntimeModel =
  | {
      /** 2.7, 3.6: no `_PyRuntime`; the `interp_head` static, or the running thread's interpreter. */
      readonly kind: "static";
    }
  | {
      /** 3.7+: the `_PyRuntime` global (a symbol, or the `.PyRuntime` section). */
      readonly kind: "runtime";
      /** `_PyRuntimeState.interpreters.head`. */
      readonly interpreters_head: number;
      /** `_PyRuntimeState.interpreters.main`, when the source knows it. */
      readonly interpreters_main?: number;
      /** Whether `_PyRuntime` starts with `_Py_DebugOffsets` (3.13+). */
      readonly debugOffsets: boolean;
    };

/** A `PyFrameObject` chain (2.7, 3.6–3.10). */
export interface FrameObjectChain {
  readonly kind: "frame_object";
  /** `PyThreadState.frame`: the running `PyFrameObject *`. */
  readonly tstate_frame: number;
  /** `PyFrameObject.f_back`. */
  readonly f_back: number;
  /** `PyFrameObject.f_code`. */
  readonly f_code: number;
  /** `PyFrameObject.f_lasti` (`int`). */
  readonly f_lasti: number;
}

/** How a thread state points at its innermost `_PyInterpreterFrame`. */
export type InterpreterFrameStart =
  | {
      /** 3.11–3.12: `tstate->cframe->current_frame`. */
      readonly kind: "cframe";
      /** `PyThreadState.cframe`. */
      readonly cframe: number;
      /** `_PyCFrame.current_frame`. */
      readonly current_frame: number;
    }
  | {
      /** 3.13+: `tstate->current_frame`. */
      readonly kind: "current_frame";
      /** `PyThreadState.current_frame`. */
      readonly current_frame: number;
    };

/** What a frame's code reference holds. */
export type ExecutableReference =
  | {
      /** 3.11–3.12: `PyCodeObject *f_code`, always a code object. */
      readonly kind: "code";
    }
  | {
      /** 3.13: `PyObject *f_executable`, a code object, or `None` for a frame that runs no Python code. */
      readonly kind: "object";
    }
  | {
      /**
       * 3.14+: `_PyStackRef f_executable`, a tagged pointer: the object's address with flags in the
       * low bits (`Py_TAG_BITS`), which are cleared before use; `None` as in 3.13.
       */
      readonly kind: "tagged";
      /** The tag bits to clear (`Py_TAG_BITS`). */
      readonly tagBits: number;
    };

/** A `_PyInterpreterFrame` chain (3.11+). */
export interface InterpreterFrameChain {
  readonly kind: "interpreter_frame";
  /** How the thread state points at the innermost frame. */
  readonly start: InterpreterFrameStart;
  /** `_PyInterpreterFrame.previous`. */
  readonly previous: number;
  /** `_PyInterpreterFrame.f_code` (3.11–3.12) or `.f_executable` (3.13+). */
  readonly executable: number;
  /** What {@link executable} holds. */
  readonly reference: ExecutableReference;
  /**
   * `_PyInterpreterFrame.prev_instr` (3.11–3.12: the last instruction started) or `.instr_ptr`
   * (3.13+: the instruction running or about to run); either way the instruction of the line.
   */
  readonly instruction: number;
  /** `_PyInterpreterFrame.owner` (`char`). */
  readonly owner: number;
  /**
   * The owners of frames that are not Python frames (`FRAME_OWNED_BY_CSTACK`, 3.14's
   * `FRAME_OWNED_BY_INTERPRETER`): skipped. Empty where every frame is a Python frame (3.11), or
   * where the owners are not known (a version newer than the tables: then frames are told apart
   * by their code reference alone).
   */
  readonly skipOwners: readonly number[];
  /** `PyCodeObject.co_code_adaptive`: where the instructions start, for the instruction's index. */
  readonly co_code_adaptive: number;
}

/** How a thread's frames are chained. */
export type FrameChainModel = FrameObjectChain | InterpreterFrameChain;

/** How a code object maps an instruction to its line, and how big its bytecode is. */
export type CodeModel =
  | {
      /**
       * ≤ 3.9: `co_lnotab`, pairs of (byte offset step, line step); the line step is unsigned in
       * 2.7, signed from 3.6. The instruction offset (`f_lasti`) counts bytes.
       */
      readonly kind: "lnotab";
      /** `PyCodeObject.co_lnotab`. */
      readonly table: number;
      /** Whether line steps are signed bytes (3.6+). */
      readonly signedLineSteps: boolean;
      /** `PyCodeObject.co_code`: the bytecode `bytes`, whose size bounds the offset. */
      readonly co_code: number;
    }
  | {
      /** 3.10: `co_linetable` (PEP 626); `f_lasti` counts 2-byte code units. */
      readonly kind: "linetable";
      /** `PyCodeObject.co_linetable`. */
      readonly table: number;
      /** `PyCodeObject.co_code`. */
      readonly co_code: number;
    }
  | {
      /**
       * 3.11+: `co_linetable` holds the location table (PEP 657: lines and columns); the bytecode is
       * inline (`co_code_adaptive`) and `Py_SIZE(code)` counts its code units.
       */
      readonly kind: "locations";
      /** `PyCodeObject.co_linetable`. */
      readonly table: number;
    };

/** Which thread held the GIL. */
export type GilModel =
  | {
      /** 2.7, 3.6: the `_PyThreadState_Current` static. */
      readonly kind: "static";
    }
  | {
      /** 3.7–3.11: `_PyRuntime.gilstate.tstate_current`. */
      readonly kind: "runtime";
      /** Offset of `gilstate.tstate_current` in `_PyRuntimeState`. */
      readonly tstate_current: number;
    }
  | {
      /**
       * 3.12+: the main interpreter's `ceval.gil` points at a `struct _gil_runtime_state`; its
       * `last_holder` holds it while `locked`.
       */
      readonly kind: "interpreter";
      /** `PyInterpreterState.ceval.gil`. */
      readonly ceval_gil: number;
      /** `_gil_runtime_state.locked`. */
      readonly locked: number;
      /** `_gil_runtime_state.last_holder`. */
      readonly last_holder: number;
    };

/** Whether a collection was running. */
export type GcModel =
  | {
      /** 2.7, 3.6: the `collecting` static of `Modules/gcmodule.c`. */
      readonly kind: "static";
    }
  | {
      /** 3.7–3.8: `_PyRuntime.gc.collecting`. */
      readonly kind: "runtime";
      /** Offset of `gc.collecting` in `_PyRuntimeState`. */
      readonly collecting: number;
    }
  | {
      /** 3.9+: `PyInterpreterState.gc.collecting`. */
      readonly kind: "interpreter";
      /** Offset of `gc.collecting` in `PyInterpreterState`. */
      readonly collecting: number;
    };

/** Whether a thread state says that its thread waits for the GIL. */
export type ThreadGilModel =
  | {
      /**
       * ≤ 3.14: nothing in a thread state says it waits (which thread holds the GIL is in the GIL
       * state, {@link GilModel}); telling a waiting thread from a running one needs native stacks.
       */
      readonly kind: "none";
    }
  | {
      /** 3.15+: `PyThreadState.gil_requested` (`int`), non-zero while the thread waits in `take_gil()`. */
      readonly kind: "gil_requested";
      /** `PyThreadState.gil_requested`. */
      readonly gil_requested: number;
    };

/** The discriminants of a version: see the module documentation. */
export interface ReadingModels {
  /** Where an interpreter's thread list starts. */
  readonly threadList: ThreadListModel;
  /** Where the runtime state lives. */
  readonly runtime: RuntimeModel;
  /** How frames are chained. */
  readonly frames: FrameChainModel;
  /** How code objects give lines. */
  readonly code: CodeModel;
  /** Where the GIL holder is. */
  readonly gil: GilModel;
  /** Where the collector's state is. */
  readonly gc: GcModel;
  /** Whether a thread state says it waits for the GIL. */
  readonly threadGil: ThreadGilModel;
  /** How strings and bytes are read. */
  readonly text: TextModel;
}

/** How `str` and `bytes` objects are read. */
export type TextModel =
  | {
      /**
       * 2.7: `str` is a byte string (`PyStringObject`, its bytes inline), `unicode` a
       * `PyUnicodeObject` whose `str` points at `length` `Py_UNICODE` characters.
       */
      readonly kind: "string_and_unicode";
      /** `PyStringObject.ob_sval`. */
      readonly ob_sval: number;
      /** `PyUnicodeObject.length`. */
      readonly unicode_length: number;
      /** `PyUnicodeObject.str`. */
      readonly unicode_str: number;
      /** `sizeof(Py_UNICODE)`: 2 or 4. */
      readonly unicodeWidth: number;
    }
  | {
      /**
       * 3.x: `str` is a PEP 393 string (kind, compact and ASCII bits in `state`; characters after
       * the header, or behind `data` when not compact); `bytes` a `PyBytesObject`.
       */
      readonly kind: "pep393";
      /** `PyASCIIObject.length`, in code points. */
      readonly length: number;
      /** `PyASCIIObject.state`. */
      readonly state: number;
      /** Where `kind`, `compact` and `ascii` are in `state`. */
      readonly stateBits: {
        readonly kind: { readonly bit: number; readonly width: number };
        readonly compact: { readonly bit: number; readonly width: number };
        readonly ascii: { readonly bit: number; readonly width: number };
      };
      /** `sizeof(PyASCIIObject)`: where an ASCII compact string's characters start. */
      readonly asciiData: number;
      /** `sizeof(PyCompactUnicodeObject)`: where another compact string's characters start. */
      readonly compactData: number;
      /** `PyUnicodeObject.data`: the characters of a non-compact string. */
      readonly data: number;
      /** `PyBytesObject.ob_sval`. */
      readonly ob_sval: number;
    };

/** How `int` objects are read. */
export type IntModel =
  | {
      /** 2.7: `int` is a C `long` (`ob_ival`); `long` has digits and a signed `ob_size` count. */
      readonly kind: "int_and_long";
      /** `PyIntObject.ob_ival`. */
      readonly ob_ival: number;
      /** `PyLongObject.ob_digit`. */
      readonly ob_digit: number;
    }
  | {
      /** 3.x before 3.12: digits, `ob_size` the signed digit count. */
      readonly kind: "ob_size";
      /** `PyLongObject.ob_digit`. */
      readonly ob_digit: number;
    }
  | {
      /** 3.12+: `long_value.lv_tag` holds the digit count and the sign. */
      readonly kind: "lv_tag";
      /** `PyLongObject.long_value.lv_tag`. */
      readonly lv_tag: number;
      /** `PyLongObject.long_value.ob_digit`. */
      readonly ob_digit: number;
      /** `_PyLong_NON_SIZE_BITS`: low bits of `lv_tag` that are not the count. */
      readonly nonSizeBits: number;
    };

/** Where a dict entry keeps its key and value. */
export interface DictEntryModel {
  /** `sizeof` the entry. */
  readonly size: number;
  /** Offset of `me_key`. */
  readonly me_key: number;
  /** Offset of `me_value`. */
  readonly me_value: number;
}

/** The header of a keys object (3.6+). */
export type DictKeysModel =
  | {
      /** 3.6–3.10: `dk_size` slots, every entry a `PyDictKeyEntry`. */
      readonly kind: "dk_size";
      /** `_dictkeysobject.dk_size`. */
      readonly dk_size: number;
      /** `_dictkeysobject.dk_nentries`. */
      readonly dk_nentries: number;
      /** `_dictkeysobject.dk_indices`. */
      readonly dk_indices: number;
      /** `PyDictKeyEntry`. */
      readonly entry: DictEntryModel;
    }
  | {
      /** 3.11+: `dk_log2_size`, `dk_log2_index_bytes`, and `dk_kind` choosing the entry. */
      readonly kind: "dk_log2";
      /** `_dictkeysobject.dk_log2_size`. */
      readonly dk_log2_size: number;
      /** `_dictkeysobject.dk_log2_index_bytes`. */
      readonly dk_log2_index_bytes: number;
      /** `_dictkeysobject.dk_kind`. */
      readonly dk_kind: number;
      /** `_dictkeysobject.dk_nentries`. */
      readonly dk_nentries: number;
      /** `_dictkeysobject.dk_indices`. */
      readonly dk_indices: number;
      /** `DICT_KEYS_GENERAL`: entries are `PyDictKeyEntry`. */
      readonly general: number;
      /** `DICT_KEYS_UNICODE`, `DICT_KEYS_SPLIT`: entries are `PyDictUnicodeEntry`. */
      readonly unicodeKinds: readonly number[];
      /** `PyDictKeyEntry`. */
      readonly generalEntry: DictEntryModel;
      /** `PyDictUnicodeEntry`. */
      readonly unicodeEntry: DictEntryModel;
    };

/** Where a split table's values are. */
export type DictValuesModel =
  | {
      /** 3.6–3.10: `ma_values` is a `PyObject **`. */
      readonly kind: "array";
    }
  | {
      /** 3.11+: a `PyDictValues`; from 3.13 it records its `capacity`. */
      readonly kind: "dict_values";
      /** `PyDictValues.values`. */
      readonly values: number;
      /** `PyDictValues.capacity` (3.13+). */
      readonly capacity?: number;
    };

/** How dict objects are read. */
export type DictModel =
  | {
      /** 2.7: open addressing, `ma_mask + 1` slots of `PyDictEntry` at `ma_table`. */
      readonly kind: "table";
      /** `PyDictObject.ma_used`. */
      readonly ma_used: number;
      /** `PyDictObject.ma_mask`. */
      readonly ma_mask: number;
      /** `PyDictObject.ma_table`. */
      readonly ma_table: number;
      /** `PyDictEntry`. */
      readonly entry: DictEntryModel;
    }
  | {
      /** 3.6+: a keys object, values in its entries or in a split table. */
      readonly kind: "keys";
      /** `PyDictObject.ma_used`. */
      readonly ma_used: number;
      /** `PyDictObject.ma_keys`. */
      readonly ma_keys: number;
      /** `PyDictObject.ma_values`. */
      readonly ma_values: number;
      /** The keys object. */
      readonly keys: DictKeysModel;
      /** Split tables' values. */
      readonly values: DictValuesModel;
    };

/** Where an instance keeps its attributes beyond `tp_dictoffset`. */
export type ManagedDictModel =
  | {
      /** ≤ 3.10: only `tp_dictoffset`. */
      readonly kind: "none";
    }
  | {
      /**
       * 3.11: with `Py_TPFLAGS_MANAGED_DICT`, a dict pointer and a values pointer before the
       * object; the values (keys in the type's `ht_cached_keys`) until a dict object is made.
       */
      readonly kind: "dict_and_values";
      /** `Py_TPFLAGS_MANAGED_DICT`. */
      readonly flag: number;
      /** `MANAGED_DICT_OFFSET`. */
      readonly dict: number;
      /** `MANAGED_VALUES_OFFSET`. */
      readonly values: number;
      /** `PyHeapTypeObject.ht_cached_keys`. */
      readonly ht_cached_keys: number;
    }
  | {
      /** 3.12: a `PyDictOrValues` before the object: a dict, or (low bit set) values pointer − 1. */
      readonly kind: "dict_or_values";
      /** `Py_TPFLAGS_MANAGED_DICT`. */
      readonly flag: number;
      /** Where the `PyDictOrValues` is. */
      readonly dict: number;
      /** `PyHeapTypeObject.ht_cached_keys`. */
      readonly ht_cached_keys: number;
    }
  | {
      /**
       * 3.13+: a dict pointer before the object; without a dict, with `Py_TPFLAGS_INLINE_VALUES`,
       * the values after the object (at `tp_basicsize`) while `valid`.
       */
      readonly kind: "inline_values";
      /** `Py_TPFLAGS_MANAGED_DICT`. */
      readonly flag: number;
      /** `MANAGED_DICT_OFFSET`. */
      readonly dict: number;
      /** `Py_TPFLAGS_INLINE_VALUES`. */
      readonly inlineFlag: number;
      /** `PyDictValues.valid`. */
      readonly valid: number;
      /** `PyHeapTypeObject.ht_cached_keys`. */
      readonly ht_cached_keys: number;
    };

/** How many of a code object's first local variables are its arguments. */
export interface ArgumentsModel {
  /** `PyCodeObject.co_argcount` (`int`): positional arguments, positional-only ones included. */
  readonly co_argcount: number;
  /** `PyCodeObject.co_kwonlyargcount` (`int`, 3.x); 2.7 has no keyword-only arguments. */
  readonly co_kwonlyargcount?: number;
  /** `PyCodeObject.co_flags` (`int`). */
  readonly co_flags: number;
  /** `CO_VARARGS`: a `*args` argument follows the others. */
  readonly CO_VARARGS: number;
  /** `CO_VARKEYWORDS`: a `**kwargs` argument follows `*args`. */
  readonly CO_VARKEYWORDS: number;
}

/** Where a frame keeps its local variables, and how they are named. */
export type LocalsModel =
  | {
      /**
       * ≤ 3.10: `PyFrameObject.f_localsplus` holds `co_nlocals` locals (named by `co_varnames`),
       * then one cell per `co_cellvars` name, then one per `co_freevars` name. An argument that is
       * also a cell is NULL in its slot once the frame runs; its cell holds the value.
       */
      readonly kind: "frame_object";
      /** `PyFrameObject.f_localsplus`. */
      readonly f_localsplus: number;
      /** `PyCodeObject.co_nlocals` (`int`). */
      readonly co_nlocals: number;
      /** `PyCodeObject.co_varnames` (tuple of `str`). */
      readonly co_varnames: number;
      /** `PyCodeObject.co_cellvars` (tuple of `str`). */
      readonly co_cellvars: number;
      /** `PyCodeObject.co_freevars` (tuple of `str`). */
      readonly co_freevars: number;
      /** Which locals are arguments. */
      readonly arguments: ArgumentsModel;
      /** `PyCellObject.ob_ref`: a cell's content. */
      readonly cell_ob_ref: number;
    }
  | {
      /**
       * 3.11+: `_PyInterpreterFrame.localsplus` holds `co_nlocalsplus` variables named by
       * `co_localsplusnames`, of the kinds (`CO_FAST_*` bits) in `co_localspluskinds`: the
       * arguments first; a cell or free variable holds a cell (once the frame's first instructions
       * made it); from 3.14 each slot is a tagged `_PyStackRef`.
       */
      readonly kind: "localsplus";
      /** `_PyInterpreterFrame.localsplus`. */
      readonly localsplus: number;
      /** `PyCodeObject.co_nlocalsplus` (`int`). */
      readonly co_nlocalsplus: number;
      /** `PyCodeObject.co_localsplusnames` (tuple of `str`). */
      readonly co_localsplusnames: number;
      /** `PyCodeObject.co_localspluskinds` (`bytes`, one kind per variable). */
      readonly co_localspluskinds: number;
      /** Which variables are arguments. */
      readonly arguments: ArgumentsModel;
      /** `CO_FAST_CELL`: the variable is a cell of this frame. */
      readonly CO_FAST_CELL: number;
      /** `CO_FAST_FREE`: the variable is a cell of an enclosing function. */
      readonly CO_FAST_FREE: number;
      /** `CO_FAST_HIDDEN` (3.12+): a variable of an inlined comprehension. */
      readonly CO_FAST_HIDDEN?: number;
      /** What a slot holds: an object pointer, or (3.14+) a `_PyStackRef` whose low bits are tags. */
      readonly reference: { readonly kind: "object" } | { readonly kind: "tagged"; readonly tagBits: number };
      /** `PyCellObject.ob_ref`: a cell's content. */
      readonly cell_ob_ref: number;
    };

/** The exception a thread is handling (what `sys.exc_info()` gives in that thread). */
export type HandledExceptionModel =
  | {
      /** 2.7, 3.6: `PyThreadState.exc_value` (with `exc_type` and `exc_traceback` beside it). */
      readonly kind: "thread_state";
      /** `PyThreadState.exc_value`. */
      readonly exc_value: number;
    }
  | {
      /**
       * 3.7+: `PyThreadState.exc_info` points at a stack of `_PyErr_StackItem`s (a running
       * generator pushes its own); the exception handled is the first `exc_value` that is neither
       * NULL nor `None`, from the top down (`_PyErr_GetTopmostException`).
       */
      readonly kind: "stack_items";
      /** `PyThreadState.exc_info`. */
      readonly exc_info: number;
      /** `_PyErr_StackItem.exc_value`. */
      readonly exc_value: number;
      /** `_PyErr_StackItem.previous_item`. */
      readonly previous_item: number;
    };

/** The exception raised and not caught yet (propagating, or set by C code). */
export type RaisedExceptionModel =
  | {
      /** ≤ 3.11: `curexc_type` and `curexc_value`; the value may be unnormalised (not an instance, or NULL). */
      readonly kind: "curexc";
      /** `PyThreadState.curexc_type`. */
      readonly curexc_type: number;
      /** `PyThreadState.curexc_value`. */
      readonly curexc_value: number;
    }
  | {
      /** 3.12+: `PyThreadState.current_exception`, always an exception instance. */
      readonly kind: "current_exception";
      /** `PyThreadState.current_exception`. */
      readonly current_exception: number;
    };

/** How an exception object is read. */
export type ExceptionObjectModel =
  | {
      /** 2.7: `args`; no chaining. */
      readonly kind: "args";
      /** `PyBaseExceptionObject.args`. */
      readonly args: number;
    }
  | {
      /** 3.x: `args`, and the chain: `__cause__`, `__context__`, `__suppress_context__`. */
      readonly kind: "chained";
      /** `PyBaseExceptionObject.args`. */
      readonly args: number;
      /** `PyBaseExceptionObject.cause`. */
      readonly cause: number;
      /** `PyBaseExceptionObject.context`. */
      readonly context: number;
      /** `PyBaseExceptionObject.suppress_context` (`char`). */
      readonly suppress_context: number;
    };

/** How `set` and `frozenset` objects are read: an open-addressing table of `mask + 1` entries. */
export interface SetModel {
  /** `PySetObject.used`: the items. */
  readonly used: number;
  /** `PySetObject.mask`: the table's slots minus one. */
  readonly mask: number;
  /** `PySetObject.table`. */
  readonly table: number;
  /** `setentry`: its `sizeof` and where its key is (NULL: empty; the dummy object: deleted). */
  readonly entry: { readonly size: number; readonly key: number };
}

/** What a generated table adds to {@link ReadingModels}: how objects beyond the frames are read. */
export interface ObjectModels {
  /** `int` objects. */
  readonly ints: IntModel;
  /** Dict objects. */
  readonly dicts: DictModel;
  /** Instance attributes. */
  readonly managedDict: ManagedDictModel;
  /** The `threading.Thread` attribute holding its name: `_Thread__name` (2.7, mangled) or `_name`. */
  readonly threadName: "_Thread__name" | "_name";
  /** Frames' local variables. */
  readonly locals: LocalsModel;
  /** The exception each thread handles. */
  readonly handledException: HandledExceptionModel;
  /** The exception each thread raised and has not caught. */
  readonly raisedException: RaisedExceptionModel;
  /** Exception objects. */
  readonly exceptionObject: ExceptionObjectModel;
  /** `set` and `frozenset` objects. */
  readonly sets: SetModel;
  /**
   * How the interpreter's `repr()` prints: `python2` (`u'…'` unicode, `'…'` byte strings, `10L`
   * longs, `set([1])`, every non-ASCII character escaped) or `python3` (`'…'` str, `b'…'` bytes,
   * `{1}`, printable characters as they are).
   */
  readonly reprStyle: "python2" | "python3";
}

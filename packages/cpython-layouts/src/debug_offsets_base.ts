import type { BitField, ConstantsTable, FrameOwnerConstant, PythonVersion } from "./layout.js";
import type { ExecutableReference } from "./models.js";

/**
 * What a layout read from `_Py_DebugOffsets` takes from outside the debug offsets: facts that
 * hold for every CPython 3.13+ release build with the GIL on a 64-bit (LP64) target, each one
 * either stable ABI or a constant CPython documents in its headers. Hand-maintained, on purpose:
 * this is what lets {@link layoutFromDebugOffsets} build a layout without any generated table, so
 * that a version newer than the tables can be read. Where the debug offsets also carry a value
 * (`pyobject.ob_type`, `pyobject.size`, the `ob_size` of `tuple_object`, `list_object` and
 * `bytes_object`, `unicode_object.size`), `layoutFromDebugOffsets` checks the two agree, so a
 * build where a fact does not hold is refused rather than misread.
 */
export interface DebugOffsetsBase {
  /** Bytes per pointer. */
  readonly pointerSize: number;
  /** What `_PyInterpreterFrame.f_executable` holds (the debug offsets give only its offset). */
  readonly executableReference: ExecutableReference;
  /** `sizeof(PyObject)` and `sizeof(PyVarObject)`. */
  readonly sizeof: { readonly PyObject: number; readonly PyVarObject: number };
  /** `PyObject`'s members. */
  readonly PyObject: { readonly ob_refcnt: number; readonly ob_type: number };
  /** `PyVarObject.ob_size`. */
  readonly PyVarObject: { readonly ob_size: number };
  /** The `PyASCIIObject.state` bit positions. */
  readonly PyASCIIObject_state: {
    readonly interned: BitField;
    readonly kind: BitField;
    readonly compact: BitField;
    readonly ascii: BitField;
    readonly statically_allocated: BitField;
  };
  /** The `_PyInterpreterFrame.owner` values of this version; empty when the base does not know them. */
  readonly constants: Pick<ConstantsTable, FrameOwnerConstant>;
}

/**
 * `PyObject` on a GIL build: `{ Py_ssize_t ob_refcnt; PyTypeObject *ob_type; }` (`Include/object.h`;
 * 3.12+ wraps `ob_refcnt` in a union of the same size, PEP 683). Stable ABI (PEP 384): abi3
 * extensions compiled years ago read both members directly (`Py_INCREF`, `Py_TYPE` were macros),
 * so the header cannot move on GIL builds. (Free-threaded builds have another header; the debug
 * offsets say so in `free_threaded`, and such builds are refused.)
 */
const PY_OBJECT = { ob_refcnt: 0, ob_type: 8 } as const;
const SIZEOF_PY_OBJECT = 16;

/**
 * `PyVarObject`: `{ PyObject ob_base; Py_ssize_t ob_size; }` (`Include/object.h`), stable ABI too
 * (`Py_SIZE` reads `ob_size`).
 */
const PY_VAR_OBJECT = { ob_size: 16 } as const;
const SIZEOF_PY_VAR_OBJECT = 24;

/**
 * The `state` bitfield of `PyASCIIObject` (`Include/cpython/unicodeobject.h`, PEP 393), on GIL
 * builds since 3.12 (which replaced `ready` with `statically_allocated`):
 * `unsigned int interned:2; kind:3; compact:1; ascii:1; statically_allocated:1; :24;`, allocated
 * from the least significant bit as the x86-64 and aarch64 psABIs do. Public (non-limited) API:
 * the inline `PyUnicode_KIND()`, `PyUnicode_IS_ASCII()`, `PyUnicode_IS_COMPACT()` compile these
 * positions into extensions. CPython 3.14.0's header keeps them. The kind values themselves
 * (`PyUnicode_1BYTE_KIND` 1, 2, 4) are documented C API.
 */
const ASCII_STATE = {
  interned: { bit: 0, width: 2 },
  kind: { bit: 2, width: 3 },
  compact: { bit: 5, width: 1 },
  ascii: { bit: 6, width: 1 },
  statically_allocated: { bit: 7, width: 1 },
} as const;

/**
 * `enum _frameowner`: internal, not ABI, so keyed by version, each from that version's header.
 * 3.12 and 3.13, `Include/internal/pycore_frame.h`: THREAD 0, GENERATOR 1, FRAME_OBJECT 2,
 * CSTACK 3. 3.14 moved the enum to `Include/internal/pycore_interpframe_structs.h` and
 * renumbered it: FRAME_OBJECT 2, then FRAME_OWNED_BY_INTERPRETER 3 (new) and CSTACK 4. 3.15 drops
 * CSTACK (same header). A later version is not known here, so it gets no owners: a reader must then
 * not skip frames by owner, and tells frames that run no code by their executable (`None`).
 */
const FRAME_OWNERS: Readonly<Record<string, Pick<ConstantsTable, FrameOwnerConstant>>> = {
  "3.13": { FRAME_OWNED_BY_THREAD: 0, FRAME_OWNED_BY_GENERATOR: 1, FRAME_OWNED_BY_FRAME_OBJECT: 2, FRAME_OWNED_BY_CSTACK: 3 },
  "3.14": {
    FRAME_OWNED_BY_THREAD: 0,
    FRAME_OWNED_BY_GENERATOR: 1,
    FRAME_OWNED_BY_FRAME_OBJECT: 2,
    FRAME_OWNED_BY_INTERPRETER: 3,
    FRAME_OWNED_BY_CSTACK: 4,
  },
  "3.15": { FRAME_OWNED_BY_THREAD: 0, FRAME_OWNED_BY_GENERATOR: 1, FRAME_OWNED_BY_FRAME_OBJECT: 2, FRAME_OWNED_BY_INTERPRETER: 3 },
};

/**
 * What `f_executable` holds: 3.13 a `PyObject *`; 3.14 made it a `_PyStackRef`
 * (`Include/internal/pycore_stackref.h`), an object pointer whose low bits are tags (`Py_TAG_BITS`,
 * 3 on GIL builds of 3.14: the deferred-reference and reference-count bits). Object addresses are
 * 16-byte aligned (`ALIGNOF_MAX_ALIGN_T`), so clearing the low bits of a pointer that carries no
 * tags changes nothing: a version after 3.14 is read as tagged with the same bits, which is right
 * whether or not it still tags.
 */
function executableReference(version: PythonVersion): ExecutableReference {
  if (version.major === 3 && version.minor === 13) return { kind: "object" };
  return { kind: "tagged", tagBits: 3 };
}

/**
 * The documented base of a layout read from `_Py_DebugOffsets`: the stable facts of a CPython
 * 3.13+ 64-bit GIL build that the debug offsets do not carry. See the package README, "Versions
 * newer than the tables".
 *
 * @param version the interpreter's version, 3.13 or later.
 * @returns the facts; `constants` holds the frame owners of 3.13 and 3.14, none for later versions.
 * @throws {RangeError} before 3.13, which has no `_Py_DebugOffsets`.
 *
 * @example
 * ```ts
 * import { debugOffsetsBase } from "@corestack/cpython-layouts";
 *
 * debugOffsetsBase({ major: 3, minor: 13 }).constants.FRAME_OWNED_BY_CSTACK; // 3
 * debugOffsetsBase({ major: 3, minor: 14 }).constants.FRAME_OWNED_BY_CSTACK; // 4
 * ```
 */
export function debugOffsetsBase(version: PythonVersion): DebugOffsetsBase {
  if (version.major !== 3 || version.minor < 13) {
    throw new RangeError(`debugOffsetsBase() describes CPython 3.13+, not ${version.major}.${version.minor}`);
  }
  return {
    pointerSize: 8,
    executableReference: executableReference(version),
    sizeof: { PyObject: SIZEOF_PY_OBJECT, PyVarObject: SIZEOF_PY_VAR_OBJECT },
    PyObject: PY_OBJECT,
    PyVarObject: PY_VAR_OBJECT,
    PyASCIIObject_state: ASCII_STATE,
    constants: FRAME_OWNERS[`${version.major}.${version.minor}`] ?? {},
  };
}

/**
 * What follows `PyASCIIObject`, from `sizeof(PyASCIIObject)` (`unicode_object.asciiobject_size`):
 * `PyCompactUnicodeObject` is `{ PyASCIIObject _base; Py_ssize_t utf8_length; char *utf8; }` since
 * 3.12 (PEP 623 removed `wstr_length`), and `PyUnicodeObject` is
 * `{ PyCompactUnicodeObject _base; union { void *any; … } data; }` (`Include/cpython/unicodeobject.h`),
 * so `sizeof(PyUnicodeObject)` is `asciiobject_size + 24` — which the debug offsets carry
 * (`unicode_object.size`) and `layoutFromDebugOffsets` checks.
 *
 * @param asciiobjectSize `sizeof(PyASCIIObject)`.
 * @returns `sizeof(PyCompactUnicodeObject)`, its members, and `PyUnicodeObject.data`.
 * @example
 * ```ts
 * import { compactUnicodeLayout } from "@corestack/cpython-layouts";
 *
 * compactUnicodeLayout(40); // { sizeof: 56, utf8_length: 40, utf8: 48, data: 56, sizeofUnicodeObject: 64 }
 * ```
 */
export function compactUnicodeLayout(asciiobjectSize: number): {
  readonly sizeof: number;
  readonly utf8_length: number;
  readonly utf8: number;
  readonly data: number;
  readonly sizeofUnicodeObject: number;
} {
  return {
    sizeof: asciiobjectSize + 16,
    utf8_length: asciiobjectSize,
    utf8: asciiobjectSize + 8,
    data: asciiobjectSize + 16,
    sizeofUnicodeObject: asciiobjectSize + 24,
  };
}

import { WalkError } from "./_reader.js";
import { escapeCodePoints, escapeUtf8 } from "./names.js";
import type { RawText, ReprReader } from "./repr.js";
import type { PythonException, PythonThread } from "./analyse.js";

// The exceptions a thread state holds: the one being handled (sys.exc_info() in that thread) and
// one raised and not caught yet. Private to this package.

/** Most exceptions followed along one `__cause__`/`__context__` chain; real chains have a few. */
export const MAX_EXCEPTION_CHAIN = 16;

/**
 * Most `_PyErr_StackItem`s followed down the stacks of handled exceptions, all threads together:
 * each running generator or coroutine pushes one, so a real thread's stack is as deep as its
 * nested generators (tens), and 100 000 threads share this bound rather than multiply it (a
 * crafted core can give them all one long chain).
 */
export const MAX_EXCEPTION_ITEMS = 1 << 20;

type ThreadExceptions = NonNullable<PythonThread["exceptions"]>;

/**
 * The escaped text of a string (the name form of `names.ts`), cut after what was read, with a
 * mark: 2.7's `str` is bytes, shown as UTF-8 where they are; 3.x `str` and 2.7 `unicode` are code
 * points (a 2.7 narrow build's `unicode` holds UTF-16 code units: a pair is one character).
 */
function escaped(raw: RawText, python2: boolean): string {
  if (python2 && raw.type === "str") return escapeUtf8(raw.bytes, raw.length);
  return escapeCodePoints(raw.bytes, raw.width, { length: raw.length, pairs: raw.type === "unicode" && raw.width === 2 });
}

/**
 * Reads an exception object and its chain.
 * @throws {WalkError} when the object itself cannot be read.
 */
function readException(reprs: ReprReader, address: bigint, seen: Set<bigint>): PythonException {
  const objects = reprs.objects;
  const L = objects.layout;
  const r = objects.reader;
  const type = reprs.typeOf(address);
  const python2 = L.models.reprStyle === "python2";
  if ((type.flags & BigInt(L.constants.Py_TPFLAGS_BASE_EXC_SUBCLASS)) === 0n) {
    // Not a BaseException (2.7's old-style instances, or an unnormalised value): its repr says what it is.
    return { type: type.name, message: reprs.repr(address), address };
  }
  const model = L.models.exceptionObject;
  const args = r.ptr(address + BigInt(model.args), "exception args");
  let message: string;
  if (args === 0n) message = "";
  else {
    // 2.7's built-in exceptions are named after their module: exceptions.KeyError.
    const result = reprs.message(args, type.builtin && (type.name === "KeyError" || type.name === "exceptions.KeyError"));
    message = "repr" in result ? result.repr : escaped(result.text, python2);
  }
  seen.add(address);
  if (model.kind === "args" || seen.size >= MAX_EXCEPTION_CHAIN) return { type: type.name, message, address };
  const link = (offset: number, what: string): PythonException | undefined => {
    const next = r.ptr(address + BigInt(offset), what);
    if (next === 0n || seen.has(next)) return undefined;
    try {
      const nextType = reprs.typeOf(next);
      if (nextType.builtin && nextType.name === "NoneType") return undefined;
      return readException(reprs, next, seen);
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      return { type: "<unreadable>", message: `<unreadable object at 0x${next.toString(16)}>`, address: next };
    }
  };
  const cause = link(model.cause, "__cause__");
  if (cause !== undefined) return { type: type.name, message, address, cause };
  if (r.u8(address + BigInt(model.suppress_context), "__suppress_context__") !== 0) return { type: type.name, message, address };
  const context = link(model.context, "__context__");
  return context !== undefined ? { type: type.name, message, address, context } : { type: type.name, message, address };
}

/** Whether an object pointer is set and not `None`. */
function present(reprs: ReprReader, object: bigint): boolean {
  if (object === 0n) return false;
  const type = reprs.typeOf(object);
  return !(type.builtin && type.name === "NoneType");
}

/**
 * The exception a thread handles and the one it raised and has not caught, from its thread state.
 * @param reprs the repr reader (a generated table's layout).
 * @param tstate the thread state.
 * @param budget the stack items left to read, shared by all threads ({@link MAX_EXCEPTION_ITEMS}).
 * @returns what the thread state holds; empty when neither.
 * @throws {WalkError} when the thread state's exception fields or an exception cannot be read.
 * @internal
 */
export function readThreadExceptions(reprs: ReprReader, tstate: bigint, budget: { items: number } = { items: MAX_EXCEPTION_ITEMS }): ThreadExceptions {
  const objects = reprs.objects;
  const L = objects.layout;
  const r = objects.reader;
  let handled: bigint | undefined;
  const H = L.models.handledException;
  if (H.kind === "thread_state") {
    const value = r.ptr(tstate + BigInt(H.exc_value), "exc_value");
    if (present(reprs, value)) handled = value;
  } else {
    const seen = new Set<bigint>();
    let item = r.ptr(tstate + BigInt(H.exc_info), "exc_info");
    while (item !== 0n && !seen.has(item)) {
      if (budget.items <= 0) {
        throw new WalkError(`the limit of exception stack items of all threads together (${MAX_EXCEPTION_ITEMS}) was reached at 0x${item.toString(16)}`, item);
      }
      budget.items -= 1;
      seen.add(item);
      const value = r.ptr(item + BigInt(H.exc_value), "exc_info exc_value");
      if (present(reprs, value)) {
        handled = value;
        break;
      }
      item = r.ptr(item + BigInt(H.previous_item), "exc_info previous_item");
    }
  }
  let raised: PythonException | undefined;
  const R = L.models.raisedException;
  if (R.kind === "current_exception") {
    const value = r.ptr(tstate + BigInt(R.current_exception), "current_exception");
    if (value !== 0n) raised = readException(reprs, value, new Set());
  } else {
    const type = r.ptr(tstate + BigInt(R.curexc_type), "curexc_type");
    const value = r.ptr(tstate + BigInt(R.curexc_value), "curexc_value");
    if (type !== 0n) {
      if (value !== 0n && (reprs.typeOf(value).flags & BigInt(L.constants.Py_TPFLAGS_BASE_EXC_SUBCLASS)) !== 0n) {
        raised = readException(reprs, value, new Set());
      } else {
        // Not normalised yet: the type, and the value as it was given (NULL, a string, a tuple).
        const name = r.cString(r.ptr(type + BigInt(L.PyTypeObject.tp_name), "curexc_type name"), 128, "curexc_type name");
        raised = { type: name, message: value === 0n || !present(reprs, value) ? "" : reprs.repr(value), address: value === 0n ? type : value };
      }
    }
  }
  const result: { handling?: PythonException; raised?: PythonException } = {};
  if (handled !== undefined) result.handling = readException(reprs, handled, new Set());
  if (raised !== undefined) result.raised = raised;
  return result;
}

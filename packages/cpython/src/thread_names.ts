import { WalkError } from "./_reader.js";
import { DictReader } from "./read_dict.js";
import { readInt } from "./read_int.js";
import { type ObjectReader, hasObjectInternals } from "./read_objects.js";

/** Most `threading` threads whose names are read per interpreter. */
export const MAX_NAMED_THREADS = 1 << 16;
/** Most items believed in `sys.modules` and in `threading.__dict__`. */
const MAX_MODULE_ITEMS = 1 << 16;
/** Most attributes believed in one `Thread`'s `__dict__` (a real one has about 15). */
const MAX_THREAD_ATTRIBUTES = 1 << 10;
/**
 * Most `Thread` attributes read for the names of one interpreter. Each `_active` entry is bounded,
 * but a crafted core could give 65 536 entries the same 1 024-attribute `Thread`: 67 million reads.
 */
export const MAX_NAME_ATTRIBUTES = 1 << 20;

/**
 * The `threading` names of an interpreter's threads, read from its memory as Python would find
 * them: `sys.modules` (`PyInterpreterState.modules`, 3.12+ `imports.modules`) → `"threading"` →
 * the module's `__dict__` (`md_dict`) → `_active`, a dict from `threading.get_ident()` (the
 * thread state's `thread_id`) to the `Thread` → its attribute `_name` (2.7: `__name`, mangled to
 * `_Thread__name`).
 *
 * Never throws: an interpreter without `threading` (never imported, or finalised) has no names;
 * memory that cannot be read or fails validation adds one message to `warnings` and keeps the
 * names read before it. A layout read from `_Py_DebugOffsets` alone does not describe dicts and
 * modules: then there are no names, and no warning (the layout's source says why). Reads a few entries per thread, plus the headers of `sys.modules`' and
 * `threading`'s keys until the one sought.
 *
 * @param objects the reader of the target's objects.
 * @param interp address of the `PyInterpreterState`.
 * @param warnings receives a message when the names cannot all be read.
 * @returns the name of each thread by ident (`PyThreadState.thread_id`).
 * @example
 * ```ts
 * const names = readThreadNames(objects, interp, warnings);
 * names.get(ident); // "MainThread"
 * ```
 * @internal
 */
export function readThreadNames(objects: ObjectReader, interp: bigint, warnings: string[]): Map<bigint, string> {
  const names = new Map<bigint, string>();
  if (!hasObjectInternals(objects)) return names;
  const L = objects.layout;
  const r = objects.reader;
  const dicts = new DictReader(objects);
  const where = `thread names of the interpreter at 0x${interp.toString(16)}`;
  try {
    const modulesOffset = L.PyInterpreterState.imports_modules ?? L.PyInterpreterState.modules;
    if (modulesOffset === undefined) return names;
    const modules = r.ptr(interp + BigInt(modulesOffset), "sys.modules pointer");
    if (modules === 0n) return names; // not initialised yet, or finalised
    const threading = dicts.find(dicts.items(modules, "sys.modules", { maxEntries: MAX_MODULE_ITEMS }), "threading");
    if (threading === undefined) return names;
    objects.expectType(threading, "module", "sys.modules['threading']");
    const globals = r.ptr(threading + BigInt(L.PyModuleObject.md_dict), "threading.__dict__");
    const active = dicts.find(dicts.items(globals, "threading.__dict__", { maxEntries: MAX_MODULE_ITEMS }), "_active");
    if (active === undefined) return names;
    const nameKey = L.models.threadName;
    const failures: string[] = [];
    let attributesRead = 0;
    for (const { key, value } of dicts.items(active, "threading._active", { maxEntries: MAX_NAMED_THREADS })) {
      if (attributesRead > MAX_NAME_ATTRIBUTES) {
        warnings.push(`${where}: more than ${MAX_NAME_ATTRIBUTES} Thread attributes read, the other threads are not named`);
        break;
      }
      try {
        const ident = BigInt.asUintN(64, readInt(objects, key, "threading._active key"));
        const attributes = dicts.attributes(value, "Thread", { maxEntries: MAX_THREAD_ATTRIBUTES });
        attributesRead += attributes.length;
        const name = dicts.find(attributes, nameKey);
        if (name !== undefined) names.set(ident, objects.string(name, `Thread.${nameKey}`));
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        failures.push(error.message);
      }
    }
    if (failures.length > 0) {
      warnings.push(`${where}: ${failures.length} unreadable (first: ${failures[0]})`);
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    warnings.push(`${where}: ${error.message}`);
  }
  return names;
}

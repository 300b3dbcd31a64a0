import type { PythonLayout } from "@corestack/cpython-layouts";
import { WalkError } from "./_reader.js";
import { DictReader } from "./read_dict.js";
import { readInt } from "./read_int.js";
import { type ObjectReader, hasObjectInternals } from "./read_objects.js";
import { asciiStrHash } from "./_str_hash.js";
import { pythonSymbol } from "./_python_symbol.js";

/**
 * The process's `_Py_HashSecret.siphash` key (3.11+, whose str hash is SipHash-1-3 by default),
 * or undefined where it is not known or not read.
 */
function hashSecret(objects: ObjectReader<PythonLayout>): { k0: bigint; k1: bigint } | undefined {
  const L = objects.layout;
  if (L.models.dicts.kind !== "keys" || L.models.dicts.keys.kind !== "dk_log2") return undefined;
  const symbol = pythonSymbol(objects.reader.target, "_Py_HashSecret");
  if (symbol === undefined) return undefined;
  try {
    return { k0: objects.reader.u64(symbol.address, "_Py_HashSecret"), k1: objects.reader.u64(symbol.address + 8n, "_Py_HashSecret") };
  } catch (error) {
    if (error instanceof WalkError) return undefined;
    throw error;
  }
}

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
    // Looked up by hash where the process's secret is known (3.11+), else read item by item.
    const secret = hashSecret(objects);
    const hash = (key: string) => (secret === undefined ? undefined : asciiStrHash(key, secret.k0, secret.k1));
    const threading = dicts.lookup(modules, "sys.modules", "threading", { maxEntries: MAX_MODULE_ITEMS, hash: hash("threading") });
    if (threading === undefined) return names;
    objects.expectType(threading, "module", "sys.modules['threading']");
    const globals = r.ptr(threading + BigInt(L.PyModuleObject.md_dict), "threading.__dict__");
    const active = dicts.lookup(globals, "threading.__dict__", "_active", { maxEntries: MAX_MODULE_ITEMS, hash: hash("_active") });
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

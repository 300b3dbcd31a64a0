import type { AnyPythonLayout } from "@corestack/cpython-layouts";
import { type Reader, WalkError } from "./_reader.js";
import { pythonSymbol } from "./_python_symbol.js";
import { PythonError } from "./python_error.js";
import type { PythonTarget } from "./python_target.js";

// Where the interpreter's state is: the runtime (`_PyRuntime`, or the `.PyRuntime` section), its
// interpreters, and the GIL and GC state. Private to this package.

const MAX_INTERPRETERS = 1024;

/** The address of `_PyRuntime`: its symbol, else a module's `.PyRuntime` section. @internal */
export function findRuntime(target: PythonTarget): bigint | undefined {
  const symbol = pythonSymbol(target, "_PyRuntime");
  if (symbol !== undefined) return symbol.address;
  // Versions without a runtime state have neither the symbol nor the section: no version test needed.
  for (const module of target.modules()) {
    const section = module.sectionAddress?.(".PyRuntime");
    if (section) return section.address;
  }
  return undefined;
}

/** Every interpreter of the runtime, the list's head first. @internal */
export function findInterpreters(
  target: PythonTarget,
  reader: Reader,
  layout: AnyPythonLayout,
  runtime: bigint | undefined,
  warnings: string[],
  scannedHead?: bigint,
): bigint[] {
  let head: bigint | undefined;
  const model = layout.models.runtime;
  if (scannedHead !== undefined && (runtime === undefined || model.kind !== "runtime")) {
    // Found by the exhaustive scan (2.7, 3.6; or 3.7+ when no runtime lists it).
    head = scannedHead;
  } else if (runtime !== undefined && model.kind === "runtime") {
    try {
      head = reader.ptr(runtime + BigInt(model.interpreters_head), "interpreters.head");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      throw new PythonError(`Cannot read the interpreter list: ${error.message}`, { code: "no-runtime", address: error.address });
    }
  } else {
    const interpHead = pythonSymbol(target, "interp_head");
    if (interpHead) {
      try {
        head = reader.ptr(interpHead.address, "interp_head");
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    if (head === undefined || head === 0n) {
      const current = pythonSymbol(target, "_PyThreadState_Current");
      if (current) {
        try {
          const tstate = reader.ptr(current.address, "_PyThreadState_Current");
          if (tstate !== 0n) head = reader.ptr(tstate + BigInt(layout.PyThreadState.interp), "thread's interpreter");
        } catch (error) {
          if (!(error instanceof WalkError)) throw error;
        }
      }
    }
  }
  if (runtime === undefined && head === undefined) {
    throw new PythonError(
      "Cannot find the Python runtime: no _PyRuntime, .PyRuntime section, interp_head or _PyThreadState_Current symbol (is the interpreter stripped?)",
      { code: "no-runtime", scannable: true },
    );
  }
  if (head === undefined || head === 0n) {
    throw new PythonError("The Python runtime has no interpreter (not initialised yet, or already finalised)", { code: "no-runtime" });
  }
  const result: bigint[] = [];
  const seen = new Set<bigint>();
  let interp = head;
  while (interp !== 0n) {
    if (seen.has(interp)) {
      warnings.push(`the interpreter list loops back to 0x${interp.toString(16)}: read ${result.length} interpreters`);
      break;
    }
    if (result.length >= MAX_INTERPRETERS) {
      warnings.push(`more than ${MAX_INTERPRETERS} interpreters: the rest are not read`);
      break;
    }
    seen.add(interp);
    result.push(interp);
    try {
      interp = reader.ptr(interp + BigInt(layout.PyInterpreterState.next), "next interpreter");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      warnings.push(`the interpreter list ends early: ${error.message}`);
      break;
    }
  }
  return result;
}

/**
 * Per interpreter, the thread state holding its GIL: 0 when none does, undefined when it cannot be
 * told. Up to 3.11 every interpreter shares one GIL; from 3.12 each interpreter's `ceval.gil`
 * points at the GIL it uses: the main interpreter's, or its own (an isolated subinterpreter).
 * @internal
 */
export function findGilHolders(
  target: PythonTarget,
  reader: Reader,
  layout: AnyPythonLayout,
  runtime: bigint | undefined,
  interpreters: readonly bigint[],
  scannedStaticHolder?: { readonly holder: bigint | undefined },
): Map<bigint, bigint | undefined> {
  const holders = new Map<bigint, bigint | undefined>();
  const gil = layout.models.gil;
  const read = (what: () => bigint | undefined): bigint | undefined => {
    try {
      return what();
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      return undefined;
    }
  };
  switch (gil.kind) {
    case "static": {
      const current = scannedStaticHolder ? undefined : pythonSymbol(target, "_PyThreadState_Current");
      const holder = scannedStaticHolder
        ? scannedStaticHolder.holder
        : read(() => (current ? reader.ptr(current.address, "_PyThreadState_Current") : undefined));
      for (const interp of interpreters) holders.set(interp, holder);
      break;
    }
    case "runtime": {
      const holder = read(() => (runtime === undefined ? undefined : reader.ptr(runtime + BigInt(gil.tstate_current), "gilstate.tstate_current")));
      for (const interp of interpreters) holders.set(interp, holder);
      break;
    }
    case "interpreter":
      for (const interp of interpreters) {
        holders.set(
          interp,
          read(() => {
            const state = reader.ptr(interp + BigInt(gil.ceval_gil), "ceval.gil");
            const locked = reader.i32(state + BigInt(gil.locked), "gil.locked");
            const holder = reader.ptr(state + BigInt(gil.last_holder), "gil.last_holder");
            return locked !== 0 ? holder : 0n;
          }),
        );
      }
      break;
  }
  return holders;
}

/** Whether the interpreter was running a collection, undefined when it cannot be told. @internal */
export function isCollecting(target: PythonTarget, reader: Reader, layout: AnyPythonLayout, runtime: bigint | undefined, interp: bigint): boolean | undefined {
  try {
    const gc = layout.models.gc;
    switch (gc.kind) {
      case "interpreter":
        return reader.i32(interp + BigInt(gc.collecting), "gc.collecting") !== 0;
      case "runtime":
        return runtime === undefined ? undefined : reader.i32(runtime + BigInt(gc.collecting), "gc.collecting") !== 0;
      case "static": {
        const symbol = pythonSymbol(target, "collecting");
        return symbol ? reader.i32(symbol.address, "collecting") !== 0 : undefined;
      }
    }
  } catch (error) {
    if (!(error instanceof WalkError)) throw error;
    return undefined;
  }
}

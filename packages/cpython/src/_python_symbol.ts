import { isPythonModule } from "./python_module.js";
import type { PythonTarget } from "./python_target.js";

/**
 * Looks a CPython symbol up in the Python executable and libpython only, when the process has
 * them; in every module otherwise (an interpreter embedded in a program of another name). A miss
 * then never opens and parses every other library of the process. @internal
 */
export function pythonSymbol(target: PythonTarget, name: string, options: { exported?: boolean } = {}): ReturnType<PythonTarget["findSymbol"]> {
  const hasPython = target.modules().some(isPythonModule);
  return target.findSymbol(name, { prefer: isPythonModule, only: hasPython, ...options });
}

import type { TargetModule } from "./python_target.js";

/**
 * Whether a module is the Python executable or libpython (searched first for symbols).
 * @param module a target module.
 * @returns true for `python3.12`, `libpython3.12.so.1.0`, `python`, and the like.
 */
export function isPythonModule(module: TargetModule): boolean {
  const name = module.path.slice(module.path.lastIndexOf("/") + 1);
  return /^(lib)?python[\d.]*[a-z]*(\.so[.\d]*)?$/.test(name) || /^python/.test(name);
}

import type { PythonLayout } from "./layout.js";
import { layoutFor } from "./layouts.js";
import { machineLayoutDifferences } from "./machines.js";

/** The machine (`uname -m`) whose CPython headers the tables are probed from. */
export const TABLE_MACHINE = "x86_64";

/** A version's layout for one machine, and whether that machine's build of it was probed. */
export interface MachineLayout {
  readonly layout: PythonLayout;
  /**
   * True when the layout is known for the machine: the tables' own machine, or one whose
   * differences from it were probed (`machines.ts`). False: the table of another machine, which may
   * differ (glibc's types have other sizes on other machines).
   */
  readonly probed: boolean;
}

const merged = new Map<string, PythonLayout>();

function merge(base: unknown, changes: unknown): unknown {
  if (typeof changes !== "object" || changes === null || typeof base !== "object" || base === null || Array.isArray(changes)) return changes;
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(changes)) result[key] = merge(result[key], value);
  return Object.freeze(result);
}

/**
 * The layout of a CPython version as built for a machine: the version's table, with the values
 * that machine's build lays out otherwise (probed by `tools/layouts/generate_machine.mjs` from
 * both machines' builds of one source version: on aarch64, glibc's 48-byte `pthread_mutex_t`
 * moves what follows 3.11's GIL state in `_PyRuntimeState`).
 *
 * @param major 2 or 3.
 * @param minor the minor version.
 * @param machine the process's machine as `uname -m` says it (`x86_64`, `aarch64`); undefined: the tables' own.
 * @returns the layout and whether it is known for that machine, or undefined when the version has no table.
 * @example
 * ```ts
 * import { layoutForMachine } from "@corestack/cpython-layouts";
 *
 * layoutForMachine(3, 11, "aarch64")?.layout.models.gil; // { kind: "runtime", tstate_current: 592 }
 * layoutForMachine(3, 11, "x86_64")?.layout.models.gil; // { kind: "runtime", tstate_current: 576 }
 * ```
 */
export function layoutForMachine(major: number, minor: number, machine: string | undefined): MachineLayout | undefined {
  const table = layoutFor(major, minor);
  if (table === undefined) return undefined;
  if (machine === undefined || machine === TABLE_MACHINE) return { layout: table, probed: true };
  const version = `${major}.${minor}`;
  const byVersion = Object.hasOwn(machineLayoutDifferences, machine) ? machineLayoutDifferences[machine] : undefined;
  const changes = byVersion !== undefined && Object.hasOwn(byVersion, version) ? byVersion[version] : undefined;
  if (changes === undefined) return { layout: table, probed: false };
  const key = `${machine}/${version}`;
  let layout = merged.get(key);
  if (layout === undefined) {
    layout = merge(table, changes) as PythonLayout;
    merged.set(key, layout);
  }
  return { layout, probed: true };
}

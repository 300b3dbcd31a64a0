import {
  type AnyPythonLayout,
  type PythonLayout,
  LayoutFormatError,
  TABLE_MACHINE,
  layoutForMachine,
  layoutFromDebugOffsets,
} from "@corestack/cpython-layouts";
import type { AnalyseOptions } from "./analyse.js";
import { type Reader, WalkError } from "./_reader.js";
import type { DetectedVersion } from "./detect_version.js";
import { PythonError } from "./python_error.js";

// Which layout a target is read with: the version's table, the interpreter's own _Py_DebugOffsets
// (3.13+), or neither (refused by name). Private to this package.

/**
 * Chooses the layout of a target's interpreter and says where it came from; warnings go to
 * `warnings`. @internal
 */
export function chooseLayout(
  reader: Reader,
  version: DetectedVersion,
  runtime: bigint | undefined,
  options: AnalyseOptions & { readonly isDebugBuild: () => boolean; readonly machine?: string | undefined },
  warnings: string[],
): { layout: AnyPythonLayout; source: "table" | "debug offsets" } {
  let fromDebug: AnyPythonLayout | undefined;
  let debugProblem: string | undefined;
  // The table of the version as the process's machine lays it out (data probed from that
  // machine's build), never as the machine running this analysis does.
  const chosen = options.layoutSource === "no-table" ? undefined : layoutForMachine(version.major, version.minor, options.machine);
  if (chosen !== undefined && !chosen.probed) {
    const minor = `${version.major}.${version.minor}`;
    warnings.push(
      `the layout table of Python ${minor} describes ${TABLE_MACHINE} builds, and no ${options.machine} build of it was probed: values that follow glibc's types in CPython's structs (the GIL holder) may be misread`,
    );
  }
  const table = chosen?.layout;
  // A version with a table says whether its runtime starts with debug offsets; a newer one may.
  const runtimeModel = table?.models.runtime;
  const hasDebugOffsets = table === undefined || (runtimeModel?.kind === "runtime" && runtimeModel.debugOffsets);
  if (runtime !== undefined && hasDebugOffsets) {
    try {
      const header = reader.bytes(runtime, 16, "_Py_DebugOffsets");
      if (new TextDecoder().decode(header.subarray(0, 8)) === "xdebugpy") {
        fromDebug = layoutFromDebugOffsets(reader.bytes(runtime, 2048, "_Py_DebugOffsets"));
      }
    } catch (error) {
      if (!(error instanceof WalkError) && !LayoutFormatError.isInstance(error)) throw error;
      if (LayoutFormatError.isInstance(error) && error.code === "free-threaded") {
        // Objects and thread states of a free-threaded build have other headers: no table fits.
        throw new PythonError(
          `Python ${version.text} is a free-threaded build (Py_GIL_DISABLED, _Py_DebugOffsets.free_threaded set): corestack does not read free-threaded interpreters yet`,
          { code: "unsupported-version" },
        );
      }
      debugProblem = error.message;
      warnings.push(`_Py_DebugOffsets unreadable: ${error.message}`);
    }
  }
  if (options.layoutSource === "debug-offsets") {
    if (!fromDebug) throw new PythonError(`Python ${version.text}: no usable _Py_DebugOffsets in _PyRuntime`, { code: "unsupported-version" });
    return { layout: fromDebug, source: "debug offsets" };
  }
  if (table) {
    if (fromDebug) {
      const mismatches = compareLayouts(table, fromDebug);
      if (mismatches.length > 0) {
        // The interpreter describes itself: where it differs from the release headers (a debug
        // or custom build), its own description is the one to follow.
        warnings.push(
          `this Python ${version.text} build's layout differs from the ${table.source} (${mismatches.slice(0, 3).join("; ")}${mismatches.length > 3 ? `; ${mismatches.length - 3} more` : ""}): reading it from _Py_DebugOffsets (thread names unavailable)`,
        );
        return { layout: fromDebug, source: "debug offsets" };
      }
    } else if (options.isDebugBuild()) {
      // Before 3.13 a debug build (Py_DEBUG, with Py_TRACE_REFS up to 3.7) has other object and
      // frame layouts than the release headers, and nothing in memory describes them.
      throw new PythonError(
        `Python ${version.text} is a debug build (Py_DEBUG): its struct layout differs from the release headers corestack's tables describe, and it has no _Py_DebugOffsets to read it from`,
        { code: "unsupported-version" },
      );
    }
    return { layout: table, source: "table" };
  }
  if (fromDebug) {
    warnings.push(
      `Python ${version.text} is newer than corestack's layout tables: its layout was read from the interpreter's own _Py_DebugOffsets (thread names unavailable)`,
    );
    return { layout: fromDebug, source: "debug offsets" };
  }
  const why = debugProblem === undefined ? "" : `, and its _Py_DebugOffsets cannot be used (${debugProblem})`;
  throw new PythonError(`Unsupported Python version ${version.text}: corestack has no struct layout for it${why}`, { code: "unsupported-version" });
}

function compareLayouts(table: PythonLayout, debug: AnyPythonLayout): string[] {
  const mismatches: string[] = [];
  const groups = ["PyThreadState", "PyInterpreterState", "_PyInterpreterFrame", "PyCodeObject", "_PyRuntimeState"] as const;
  for (const group of groups) {
    const a = (table as unknown as Record<string, Record<string, unknown> | undefined>)[group];
    const b = (debug as unknown as Record<string, Record<string, unknown> | undefined>)[group];
    if (!a || !b) continue;
    for (const [key, value] of Object.entries(b)) {
      if (typeof value === "number" && typeof a[key] === "number" && a[key] !== value) mismatches.push(`${group}.${key} ${String(a[key])} ≠ ${value}`);
    }
  }
  return mismatches;
}

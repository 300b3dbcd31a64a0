import type { PythonTarget, TargetModule } from "./python_target.js";

/** A CPython version found in a target. */
export interface DetectedVersion {
  readonly major: number;
  readonly minor: number;
  /** The micro version, when the target says it. */
  readonly micro: number | undefined;
  /** `PY_VERSION_HEX`, when known (`Py_Version`, `_Py_DebugOffsets`). */
  readonly hex: number | undefined;
  /** "3.12.1", or "3.9" when the micro version is unknown. */
  readonly text: string;
  /** Where the version came from. */
  readonly from: "Py_Version" | "debug offsets" | "version string" | "file name";
}

const PYTHON_FILE = /(?:^|\/)(?:lib)?python(\d)\.(\d+)[a-z]*(?:\.so[.\d]*|$)/;

/**
 * Whether a module is the Python executable or libpython (searched first for symbols).
 * @param module a target module.
 * @returns true for `python3.12`, `libpython3.12.so.1.0`, `python`, and the like.
 */
export function isPythonModule(module: TargetModule): boolean {
  const name = module.path.slice(module.path.lastIndexOf("/") + 1);
  return /^(lib)?python[\d.]*[a-z]*(\.so[.\d]*)?$/.test(name) || /^python/.test(name);
}

function fromHex(hex: number, from: DetectedVersion["from"]): DetectedVersion {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  return { major, minor, micro, hex, text: `${major}.${minor}.${micro}`, from };
}

/**
 * Finds the CPython version of a target without running anything: `Py_Version` (3.11+), the
 * `_Py_DebugOffsets` header of `_PyRuntime` (3.13+), the `X.Y.Z` version string in the
 * interpreter's read-only data, or the file name of libpython/the executable.
 *
 * @param target the process.
 * @returns the version, or undefined when nothing in the target looks like CPython.
 * @example
 * ```ts
 * detectVersion(target)?.text; // "3.12.1"
 * ```
 */
export function detectVersion(target: PythonTarget): DetectedVersion | undefined {
  const prefer = isPythonModule;
  const pyVersion = target.findSymbol("Py_Version", { prefer });
  if (pyVersion) {
    try {
      const b = target.read(pyVersion.address, 4);
      const hex = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
      if (hex >>> 24 === 3) return fromHex(hex, "Py_Version");
    } catch {
      // fall through to the other sources
    }
  }
  const runtime = target.findSymbol("_PyRuntime", { prefer });
  if (runtime) {
    try {
      const b = target.read(runtime.address, 16);
      if (new TextDecoder().decode(b.subarray(0, 8)) === "xdebugpy") {
        const hex = Number(new DataView(b.buffer, b.byteOffset, 16).getBigUint64(8, true) & 0xffffffffn);
        if (hex >>> 24 === 3) return fromHex(hex, "debug offsets");
      }
    } catch {
      // fall through
    }
  }
  let named: { major: number; minor: number; module: TargetModule } | undefined;
  for (const module of target.modules()) {
    const match = PYTHON_FILE.exec(module.path);
    if (match) {
      named = { major: Number(match[1]), minor: Number(match[2]), module };
      if (module.path.includes("libpython")) break;
    }
  }
  if (!named) return undefined;
  const { major, minor } = named;
  const micro = versionStringMicro(named.module, major, minor);
  if (micro !== undefined) {
    return { major, minor, micro, hex: undefined, text: `${major}.${minor}.${micro}`, from: "version string" };
  }
  return { major, minor, micro: undefined, hex: undefined, text: `${major}.${minor}`, from: "file name" };
}

function versionStringMicro(module: TargetModule, major: number, minor: number): number | undefined {
  const rodata = module.sectionBytes?.(".rodata");
  if (!rodata) return undefined;
  // PY_VERSION is a string literal of its own ("3.9.18", "2.7.18+"), NUL-terminated on both sides.
  const needle = new TextEncoder().encode(`\0${major}.${minor}.`);
  let from = 0;
  for (;;) {
    const at = indexOf(rodata, needle, from);
    if (at < 0) return undefined;
    let end = at + needle.length;
    while (end < rodata.length && rodata[end]! >= 0x30 && rodata[end]! <= 0x39 && end - at < needle.length + 3) end++;
    const next = rodata[end];
    if (end > at + needle.length && (next === 0 || next === 0x2b /* + */)) {
      return Number(new TextDecoder().decode(rodata.subarray(at + needle.length, end)));
    }
    from = at + 1;
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let match = true;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

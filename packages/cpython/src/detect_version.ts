import type { PythonTarget, TargetModule } from "./python_target.js";
import { pythonSymbol } from "./_python_symbol.js";
import { isMemoryError } from "./_reader.js";

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

function fromHex(hex: number, from: DetectedVersion["from"]): DetectedVersion {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  return { major, minor, micro, hex, text: `${major}.${minor}.${micro}`, from };
}

/**
 * Finds the CPython version of a target without running anything: `Py_Version` (3.11+), the
 * `_Py_DebugOffsets` header of `_PyRuntime` (3.13+; found by its symbol or, in a stripped
 * program, by its `.PyRuntime` section), the version string `Py_GetVersion()` keeps
 * in memory (found through the full symbol table, else by a scan of the `.data` and `.bss` of
 * libpython or the executable), or the file name of libpython/the executable. A stripped program
 * that embeds CPython statically and is not named python has only its `.PyRuntime` section: the
 * version string is then looked for in that module.
 *
 * @param target the process.
 * @returns the version, or undefined when nothing in the target looks like CPython.
 * @example
 * ```ts
 * detectVersion(target)?.text; // "3.12.1"
 * ```
 */
export function detectVersion(target: PythonTarget): DetectedVersion | undefined {
  const pyVersion = pythonSymbol(target, "Py_Version");
  if (pyVersion) {
    try {
      const b = target.read(pyVersion.address, 4);
      const hex = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
      if (hex >>> 24 === 3) return fromHex(hex, "Py_Version");
    } catch (error) {
      // Not dumped: fall through to the other sources. Anything else is a bug.
      if (!isMemoryError(error)) throw error;
    }
  }
  // The symbol, else the section of the same name: an executable that links libpython statically
  // and was stripped has no symbol left, but its section headers still name `.PyRuntime`.
  const symbol = pythonSymbol(target, "_PyRuntime")?.address;
  let section = symbol === undefined ? runtimeSection(target) : undefined;
  const runtime = symbol ?? section?.address;
  if (runtime !== undefined) {
    try {
      const b = target.read(runtime, 16);
      if (new TextDecoder().decode(b.subarray(0, 8)) === "xdebugpy") {
        const hex = Number(new DataView(b.buffer, b.byteOffset, 16).getBigUint64(8, true) & 0xffffffffn);
        if (hex >>> 24 === 3) return fromHex(hex, "debug offsets");
      }
    } catch (error) {
      // Not dumped: fall through to the other sources.
      if (!isMemoryError(error)) throw error;
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
  if (!named) {
    // A program that links libpython statically and was stripped, not named python: its
    // `.PyRuntime` section says it holds CPython (before 3.13 without a version in it), and the
    // buffer Py_GetVersion() filled at start-up, in that module's .data or .bss, says which.
    section ??= runtimeSection(target);
    const found = section === undefined ? undefined : scannedVersion(section.module, target);
    return found === undefined ? undefined : { ...found, hex: undefined, text: `${found.major}.${found.minor}.${found.micro}`, from: "version string" };
  }
  const { major, minor } = named;
  const micro = versionBufferMicro(target, major, minor) ?? scannedVersion(named.module, target, major, minor)?.micro;
  if (micro !== undefined) {
    return { major, minor, micro, hex: undefined, text: `${major}.${minor}.${micro}`, from: "version string" };
  }
  return { major, minor, micro: undefined, hex: undefined, text: `${major}.${minor}`, from: "file name" };
}

/**
 * Most bytes of a module's `.data` and `.bss` searched for the version buffer when no symbol names
 * it. libpython's are 0.1–2 MiB (2.7–3.13, pyenv builds); a static interpreter's a few MiB.
 */
export const MAX_VERSION_SCAN_BYTES = 16 << 20;
const SCAN_CHUNK = 64 * 1024;

/**
 * The version in the buffer `Py_GetVersion()` fills, found without its symbol (a stripped
 * libpython or executable): the module's `.data` and `.bss` are searched for "X.Y.Z (" (with the
 * major and minor version its file name gave, when it gave them) at an 8-byte aligned address
 * after a NUL (the buffer is a static array of its own: `static char version[250]`).
 */
function scannedVersion(
  module: TargetModule,
  target: PythonTarget,
  major?: number,
  minor?: number,
): { major: number; minor: number; micro: number } | undefined {
  const prefix = major === undefined || minor === undefined ? "([23])\\.(\\d{1,2})" : `(${major})\\.(${minor})`;
  const pattern = new RegExp(`\\x00${prefix}\\.(\\d{1,3})[a-z0-9+]* \\(`, "g");
  let budget = MAX_VERSION_SCAN_BYTES;
  for (const name of [".bss", ".data"]) {
    const section = module.sectionAddress?.(name);
    if (!section) continue;
    const end = section.address + BigInt(Math.min(section.size, budget));
    budget -= Math.min(section.size, budget);
    // Chunks overlap by 64 bytes so that a buffer across their border is seen whole.
    for (let address = section.address; address < end; address += BigInt(SCAN_CHUNK)) {
      const length = Number(end - address < BigInt(SCAN_CHUNK + 64) ? end - address : BigInt(SCAN_CHUNK + 64));
      let bytes: Uint8Array;
      try {
        bytes = target.read(address, length);
      } catch (error) {
        // Not dumped (a page never written): nothing of the buffer there.
        if (!isMemoryError(error)) throw error;
        continue;
      }
      // A NUL first: a buffer at the chunk's start has the byte before it outside the chunk. Match
      // index i is then the buffer's offset in the chunk.
      const text = `\0${latin1(bytes)}`;
      for (const match of text.matchAll(pattern)) {
        const at = address + BigInt(match.index);
        if (at % 8n === 0n) return { major: Number(match[1]), minor: Number(match[2]), micro: Number(match[3]) };
      }
    }
  }
  return undefined;
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let index = 0; index < bytes.length; index += 8192) text += String.fromCharCode(...bytes.subarray(index, index + 8192));
  return text;
}

/** The first module with a `.PyRuntime` section (where CPython puts `_PyRuntime`) and its address, if any. */
function runtimeSection(target: PythonTarget): { module: TargetModule; address: bigint } | undefined {
  for (const module of target.modules()) {
    const section = module.sectionAddress?.(".PyRuntime");
    if (section) return { module, address: section.address };
  }
  return undefined;
}

/**
 * Reads the micro version from the buffer `Py_GetVersion()` fills at start-up ("3.9.18 (main, …)"),
 * a local static named `version.0` (or `version`) that only the full symbol table names. The
 * version literal itself is not findable in `.rodata`: linkers merge it into the tail of a longer
 * string such as the install prefix.
 */
function versionBufferMicro(target: PythonTarget, major: number, minor: number): number | undefined {
  for (const name of ["version.0", "version"]) {
    const symbol = pythonSymbol(target, name);
    if (!symbol || symbol.size < 8n || symbol.size > 1024n) continue;
    try {
      const bytes = target.read(symbol.address, Math.min(32, Number(symbol.size)));
      const match = /^(\d+)\.(\d+)\.(\d+)/.exec(new TextDecoder().decode(bytes));
      if (match && Number(match[1]) === major && Number(match[2]) === minor) return Number(match[3]);
    } catch (error) {
      // Not in memory: the caller falls back to the file name.
      if (!isMemoryError(error)) throw error;
    }
  }
  return undefined;
}

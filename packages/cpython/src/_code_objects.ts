import type { ObjectReader } from "./read_objects.js";
import { StructHead, WalkError } from "./_reader.js";
import type { PythonFrame } from "./analyse.js";
import { linetable310Line, lnotabLine, locationTableEntry } from "./_line_table.js";

// Code objects: their names and line tables, and the line of an instruction. Private to this package.

/** Highest line number believed: no source file has 16 million lines; a larger one is corruption. */
const MAX_LINE = 1 << 24;

/** What a frame needs of its code object, read once per code object. @internal */
export interface CodeInfo {
  file: string;
  name: string;
  qualname: string | undefined;
  firstLine: number;
  table: Uint8Array;
  /** Bound of a valid `lasti`: bytecode bytes (≤ 3.9) or code units (3.10+). */
  codeSize: number;
}

const codeCache = new WeakMap<ObjectReader, Map<bigint, CodeInfo>>();

/** Reads a code object (cached per object reader). @internal */
export function readCode(objects: ObjectReader, code: bigint): CodeInfo {
  let cache = codeCache.get(objects);
  if (!cache) codeCache.set(objects, (cache = new Map()));
  const cached = cache.get(code);
  if (cached) return cached;
  const L = objects.layout;
  const r = objects.reader;
  objects.expectType(code, "code", "code object");
  const C = L.PyCodeObject;
  const model = L.models.code;
  // The fields below in one read of the object's head (StructHead: else one read per field, whose
  // errors name the field).
  const fields = [
    C.co_filename,
    C.co_name,
    C.co_qualname ?? 0,
    C.co_firstlineno,
    model.table,
    L.PyVarObject.ob_size,
    model.kind === "locations" ? 0 : model.co_code,
  ];
  const head = new StructHead(r, code, Math.max(...fields) + 8);
  const file = objects.string(head.ptr(C.co_filename, "co_filename"), "co_filename");
  const name = objects.string(head.ptr(C.co_name, "co_name"), "co_name");
  const qualname = C.co_qualname !== undefined ? objects.string(head.ptr(C.co_qualname, "co_qualname"), "co_qualname") : undefined;
  const firstLine = head.i32(C.co_firstlineno, "co_firstlineno");
  if (firstLine < 0) throw new WalkError(`code object at 0x${code.toString(16)} has an implausible co_firstlineno ${firstLine}`, code);
  const table = objects.bytes(head.ptr(model.table, "line table"), "line table");
  // The bytecode's size bounds the instruction offset: co_code's bytes (lnotab: the offset counts
  // bytes; 3.10's linetable: 2-byte code units), or (locations) Py_SIZE(code), in code units.
  const size = Number(
    model.kind === "locations"
      ? head.i64(L.PyVarObject.ob_size, "bytecode size")
      : r.i64(head.ptr(model.co_code, "co_code") + BigInt(L.PyVarObject.ob_size), "bytecode size"),
  );
  const codeSize = model.kind === "linetable" ? size / 2 : size;
  const info = { file, name, qualname, firstLine, table, codeSize };
  cache.set(code, info);
  return info;
}

/** The frame of a code object at an instruction: its line (and 3.11+ columns). @internal */
export function frameFromCode(objects: ObjectReader, code: bigint, info: CodeInfo, lasti: number): PythonFrame {
  const model = objects.layout.models.code;
  const base = { file: info.file, function: info.name, ...(info.qualname !== undefined ? { qualname: info.qualname } : {}), code };
  // A line table that walks below line 0 is corrupt: say so rather than print the number (-1 is "no line").
  const implausible = (line: number) => new WalkError(`line table of code object at 0x${code.toString(16)} gives line ${line}`, code);
  const checked = (line: number): number => {
    if (line > MAX_LINE) throw implausible(line);
    return line;
  };
  if (lasti < -1 || lasti > info.codeSize) {
    throw new WalkError(`instruction offset ${lasti} is outside code object at 0x${code.toString(16)} (size ${info.codeSize})`, code);
  }
  if (model.kind === "lnotab") {
    const line = lasti < 0 ? info.firstLine : lnotabLine(info.table, info.firstLine, lasti, model.signedLineSteps);
    if (line < 0) throw implausible(line);
    return { ...base, line: checked(line) };
  }
  if (model.kind === "linetable") {
    const line = lasti < 0 ? info.firstLine : linetable310Line(info.table, info.firstLine, lasti * 2);
    if (line < -1) throw implausible(line);
    return { ...base, line: checked(line < 0 ? info.firstLine : line) };
  }
  if (lasti < 0) return { ...base, line: checked(info.firstLine) };
  const location = locationTableEntry(info.table, info.firstLine, lasti);
  if (location.malformed) throw new WalkError(`malformed location table in code object at 0x${code.toString(16)}`, code);
  if (location.line < -1) throw implausible(location.line);
  if (location.line < 0) return { ...base, line: checked(info.firstLine) };
  return {
    ...base,
    line: checked(location.line),
    ...(location.column !== undefined ? { column: location.column } : {}),
    ...(location.endLine !== undefined ? { endLine: location.endLine } : {}),
    ...(location.endColumn !== undefined ? { endColumn: location.endColumn } : {}),
  };
}

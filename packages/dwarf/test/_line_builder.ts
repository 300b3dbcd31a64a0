// Builds line programs byte by byte for the unit tests: headers of every version and format,
// and opcodes by their spec names.

import { cstr, le, sleb, uleb } from "./_bytes.js";

/** An extended opcode: 0, length, sub-opcode, operands. */
export function ext(sub: number, operands: readonly number[] = []): number[] {
  return [0, ...uleb(operands.length + 1), sub, ...operands];
}

export const op = {
  copy: [0x01],
  advancePc: (n: number | bigint) => [0x02, ...uleb(n)],
  advanceLine: (n: number | bigint) => [0x03, ...sleb(n)],
  setFile: (n: number) => [0x04, ...uleb(n)],
  setColumn: (n: number) => [0x05, ...uleb(n)],
  negateStmt: [0x06],
  setBasicBlock: [0x07],
  constAddPc: [0x08],
  fixedAdvancePc: (n: number) => [0x09, ...le(n, 2)],
  setPrologueEnd: [0x0a],
  setEpilogueBegin: [0x0b],
  setIsa: (n: number) => [0x0c, ...uleb(n)],
  endSequence: ext(0x01),
  setAddress: (address: number | bigint, size = 8) => ext(0x02, le(address, size)),
  defineFile: (name: string, dir: number) => ext(0x03, [...cstr(name), ...uleb(dir), 0, 0]),
  setDiscriminator: (n: number) => ext(0x04, uleb(n)),
  /** A special opcode for (address advance, line advance) with line_base -5, line_range 14, opcode_base 13. */
  special: (address: number, line: number) => [line + 5 + 14 * address + 13],
};

export interface EntryFormat {
  readonly contentType: number;
  readonly form: number;
}

export interface ProgramSpec {
  readonly version: 2 | 3 | 4 | 5;
  readonly format64?: boolean;
  readonly addressSize?: number;
  readonly minimumInstructionLength?: number;
  readonly maximumOperationsPerInstruction?: number;
  readonly defaultIsStmt?: boolean;
  readonly lineBase?: number;
  readonly lineRange?: number;
  readonly opcodeBase?: number;
  readonly standardOpcodeLengths?: readonly number[];
  /** DWARF 2-4: include_directories; DWARF 5: the directory entries as raw bytes via `directoryEntries`. */
  readonly directories?: readonly string[];
  readonly files?: readonly { path: string; dir: number }[];
  /** DWARF 5 raw tables (formats + entries); default: DW_FORM_string paths and udata indices. */
  readonly directoryFormat?: readonly EntryFormat[];
  readonly directoryEntries?: readonly number[];
  readonly directoryCount?: number | bigint;
  readonly fileFormat?: readonly EntryFormat[];
  readonly fileEntries?: readonly number[];
  readonly fileCount?: number | bigint;
  readonly body: readonly number[];
}

const DEFAULT_LENGTHS = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1];

/** One line-program unit (little-endian). */
export function lineProgram(spec: ProgramSpec): number[] {
  const offsetSize = spec.format64 ? 8 : 4;
  const opcodeBase = spec.opcodeBase ?? 13;
  const lengths = spec.standardOpcodeLengths ?? DEFAULT_LENGTHS.slice(0, opcodeBase - 1).concat(Array(Math.max(0, opcodeBase - 13)).fill(0));
  const fields: number[] = [spec.minimumInstructionLength ?? 1];
  if (spec.version >= 4) fields.push(spec.maximumOperationsPerInstruction ?? 1);
  fields.push(spec.defaultIsStmt === false ? 0 : 1, (spec.lineBase ?? -5) & 0xff, spec.lineRange ?? 14, opcodeBase, ...lengths);
  if (spec.version >= 5) {
    const dirFormat = spec.directoryFormat ?? [{ contentType: 1, form: 0x08 }];
    const dirs = spec.directoryEntries ?? (spec.directories ?? []).flatMap(cstr);
    fields.push(dirFormat.length, ...dirFormat.flatMap((f) => [...uleb(f.contentType), ...uleb(f.form)]));
    fields.push(...uleb(spec.directoryCount ?? (spec.directories ?? []).length), ...dirs);
    const fileFormat = spec.fileFormat ?? [
      { contentType: 1, form: 0x08 },
      { contentType: 2, form: 0x0f },
    ];
    const files = spec.fileEntries ?? (spec.files ?? []).flatMap((f) => [...cstr(f.path), ...uleb(f.dir)]);
    fields.push(fileFormat.length, ...fileFormat.flatMap((f) => [...uleb(f.contentType), ...uleb(f.form)]));
    fields.push(...uleb(spec.fileCount ?? (spec.files ?? []).length), ...files);
  } else {
    for (const dir of spec.directories ?? []) fields.push(...cstr(dir));
    fields.push(0);
    for (const file of spec.files ?? []) fields.push(...cstr(file.path), ...uleb(file.dir), 0, 0);
    fields.push(0);
  }
  const afterLength: number[] = [...le(spec.version, 2)];
  if (spec.version >= 5) afterLength.push(spec.addressSize ?? 8, 0);
  afterLength.push(...le(fields.length, offsetSize), ...fields, ...spec.body);
  const length = spec.format64 ? [0xff, 0xff, 0xff, 0xff, ...le(afterLength.length, 8)] : le(afterLength.length, 4);
  return [...length, ...afterLength];
}

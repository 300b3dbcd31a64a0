// Runs GNU readelf and parses its `--wide` output into plain values, so tests can compare
// @corestack/elf with binutils field by field. Only what the tests compare is parsed; a line
// this parser does not understand inside a table is an error, never silently skipped.
import { execFileSync, spawnSync } from "node:child_process";

/** True when a usable `readelf` (or `program`, e.g. llvm-readelf) is on PATH. */
export function readelfAvailable(program = "readelf"): boolean {
  const result = spawnSync(program, ["--version"], { encoding: "utf8" });
  return result.status === 0 && /readelf|LLVM/i.test(result.stdout);
}

/** Runs `readelf --wide ARGS PATH` and returns stdout (stderr warnings are ignored). */
export function runReadelf(path: string, args: readonly string[], program = "readelf"): string {
  return execFileSync(program, ["--wide", ...args, path], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
}

export interface ReadelfHeader {
  ei_class: number;
  ei_data: number;
  ei_osabi: number;
  e_type: number;
  e_machine: number;
  e_version: number;
  e_entry: bigint;
  e_phoff: number;
  e_shoff: number;
  e_flags: number;
  e_ehsize: number;
  e_phentsize: number;
  e_phnum: number;
  e_shentsize: number;
  e_shnum: number;
  e_shstrndx: number;
}

export interface ReadelfSegment {
  p_type: number;
  p_offset: number;
  p_vaddr: bigint;
  p_paddr: bigint;
  p_filesz: number;
  p_memsz: bigint;
  /** The R/W/E letters as readelf prints them, decoded to PF_R|PF_W|PF_X. */
  p_flags_rwx: number;
  p_align: bigint;
}

export interface ReadelfSection {
  index: number;
  name: string;
  sh_type: number;
  sh_addr: bigint;
  sh_offset: number;
  sh_size: number;
  sh_entsize: number;
  flagLetters: string;
  sh_link: number;
  sh_info: number;
  sh_addralign: bigint;
}

export interface ReadelfSymbol {
  num: number;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  /** The name as printed (for .dynsym readelf appends `@VERSION` / `@@VERSION (n)`). */
  printed: string;
  /** The name without readelf's version suffix (same as `printed` for .symtab). */
  name: string;
}

export interface ReadelfSymbolTable {
  name: string;
  count: number;
  symbols: ReadelfSymbol[];
}

export interface ReadelfNote {
  /** The section the note was found in, or `offset 0x…` for a segment (cores). */
  where: string;
  owner: string;
  descsz: number;
  /** Numeric `n_type`, decoded from readelf's description. */
  type: number;
  description: string;
  /** Text after the description on the same line plus the indented lines below it. */
  details: string[];
}

export interface ReadelfDynamicEntry {
  tag: number;
  /** The value when readelf prints it as a number (hex, `N (bytes)`, or decimal), else undefined. */
  value: bigint | undefined;
  /** `Shared library: [x]` / `Library soname: [x]` → x. */
  string: string | undefined;
}

export interface ReadelfOutput {
  header?: ReadelfHeader;
  /** `-d`: the entries before DT_NULL; empty for "There is no dynamic section". */
  dynamic?: ReadelfDynamicEntry[];
  segments?: ReadelfSegment[];
  sections?: ReadelfSection[];
  symbolTables: Map<string, ReadelfSymbolTable>;
  notes: ReadelfNote[];
}

const FILE_TYPES: Record<string, number> = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 };
const MACHINES: Record<string, number> = {
  None: 0,
  "Intel 80386": 3,
  "Advanced Micro Devices X86-64": 62,
  AArch64: 183,
  ARM: 40,
};
const OSABIS: Record<string, number> = { "UNIX - System V": 0, "UNIX - GNU": 3 };

const SEGMENT_TYPES: Record<string, number> = {
  NULL: 0,
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  SHLIB: 5,
  PHDR: 6,
  TLS: 7,
  GNU_EH_FRAME: 0x6474e550,
  GNU_STACK: 0x6474e551,
  GNU_RELRO: 0x6474e552,
  GNU_PROPERTY: 0x6474e553,
  GNU_SFRAME: 0x6474e554,
  GNU_MBIND: 0x6474e555,
};

const SECTION_TYPES: Record<string, number> = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  SHLIB: 10,
  DYNSYM: 11,
  INIT_ARRAY: 14,
  FINI_ARRAY: 15,
  PREINIT_ARRAY: 16,
  GROUP: 17,
  "SYMTAB SECTION INDICES": 18,
  RELR: 19,
  GNU_ATTRIBUTES: 0x6ffffff5,
  GNU_HASH: 0x6ffffff6,
  GNU_LIBLIST: 0x6ffffff7,
  CHECKSUM: 0x6ffffff8,
  VERDEF: 0x6ffffffd,
  VERNEED: 0x6ffffffe,
  VERSYM: 0x6fffffff,
  LLVM_ADDRSIG: 0x6fff4c03,
  GNU_SFRAME: 0x6ffffff4,
  GNU_OBJECT_ONLY: 0x6ffffff9,
  X86_64_UNWIND: 0x70000001,
};

/** readelf's note descriptions (text before " (") → n_type, per owner. */
const NOTE_TYPES: Record<string, Record<string, number>> = {
  GNU: {
    NT_GNU_ABI_TAG: 1,
    NT_GNU_HWCAP: 2,
    NT_GNU_BUILD_ID: 3,
    NT_GNU_GOLD_VERSION: 4,
    NT_GNU_PROPERTY_TYPE_0: 5,
  },
  stapsdt: { NT_STAPSDT: 3 },
  FDO: { FDO_PACKAGING_METADATA: 0xcafe1a7e },
  Go: { GO_BUILDID: 4 },
  CORE: {
    NT_PRSTATUS: 1,
    NT_FPREGSET: 2,
    NT_PRPSINFO: 3,
    NT_TASKSTRUCT: 4,
    NT_AUXV: 6,
    NT_PRXFPREG: 0x46e62b7f,
    NT_SIGINFO: 0x53494749,
    NT_FILE: 0x46494c45,
  },
  LINUX: {
    NT_PRXFPREG: 0x46e62b7f,
    NT_X86_XSTATE: 0x202,
    NT_X86_SHSTK: 0x204,
    NT_X86_XSAVE_LAYOUT: 0x205,
    NT_386_TLS: 0x200,
    NT_386_IOPERM: 0x201,
    NT_ARM_VFP: 0x400,
    NT_ARM_TLS: 0x401,
  },
};

function decodeTypeName(name: string, table: Record<string, number>, what: string): number {
  const known = table[name];
  if (known !== undefined) return known;
  let match = /^LOOS\+0?x?([0-9a-f]+)$/i.exec(name);
  if (match) return 0x60000000 + parseInt(match[1]!, 16);
  match = /^LOPROC\+0?x?([0-9a-f]+)$/i.exec(name);
  if (match) return 0x70000000 + parseInt(match[1]!, 16);
  match = /^LOUSER\+0?x?([0-9a-f]+)$/i.exec(name);
  if (match) return 0x80000000 + parseInt(match[1]!, 16);
  match = /^<unknown>:? (?:0x)?([0-9a-f]+)$/i.exec(name);
  if (match) return parseInt(match[1]!, 16);
  throw new Error(`readelf ${what} type name not understood: ${JSON.stringify(name)}`);
}

function noteType(owner: string, description: string): number {
  const unknown = /^Unknown note type: \(0x([0-9a-f]+)\)/.exec(description);
  if (unknown) return parseInt(unknown[1]!, 16);
  const name = description.replace(/ \(.*$/, "").trim();
  const table = NOTE_TYPES[owner] ?? {};
  const value = table[name] ?? (owner === "LINUX" ? NOTE_TYPES.CORE![name] : undefined);
  if (value === undefined) throw new Error(`readelf note description not understood: owner ${owner}, ${JSON.stringify(description)}`);
  return value;
}

function hexNumber(text: string): number {
  const value = Number.parseInt(text.replace(/^0x/, ""), 16);
  if (!Number.isSafeInteger(value)) throw new Error(`bad hex ${text}`);
  return value;
}

function hexBig(text: string): bigint {
  return BigInt(text.startsWith("0x") ? text : `0x${text}`);
}

/** `5` → 5, `0 (65305)` → 65305 (readelf shows the extended count in parentheses). */
function headerCount(text: string): number {
  const match = /\((\d+)\)/.exec(text);
  return Number.parseInt(match ? match[1]! : text, 10);
}

/** A symbol size: decimal, or 0x-prefixed hexadecimal when large. */
function symbolNumber(text: string): bigint {
  return text.startsWith("0x") ? BigInt(text) : BigInt(Number.parseInt(text, 10));
}

/** Strips readelf's version suffix from a .dynsym name: `free@GLIBC_2.2.5 (2)`, `f@@V1`. */
export function stripVersion(printed: string): string {
  return printed.replace(/ \(\d+\)$/, "").replace(/@@?[^@]*$/, "");
}

/**
 * Parses the output of one `readelf --wide` run with any of `-h -l -S -s --dyn-syms -n`.
 */
export function parseReadelf(text: string): ReadelfOutput {
  const output: ReadelfOutput = { symbolTables: new Map(), notes: [] };
  const lines = text.split("\n");
  let mode: "none" | "header" | "segments" | "sections" | "symbols" | "notes" | "mapping" | "dynamic" = "none";
  let dynamicDone = false;
  let header: Record<string, string> = {};
  let table: ReadelfSymbolTable | undefined;
  let noteWhere = "";
  let lastNote: ReadelfNote | undefined;

  const finishHeader = () => {
    if (Object.keys(header).length === 0) return;
    const get = (key: string) => {
      const value = header[key];
      if (value === undefined) throw new Error(`readelf -h: missing ${key}`);
      return value;
    };
    const type = get("Type").split(" ")[0]!;
    const machine = get("Machine");
    output.header = {
      ei_class: get("Class") === "ELF64" ? 2 : get("Class") === "ELF32" ? 1 : -1,
      ei_data: get("Data").includes("little endian") ? 1 : get("Data").includes("big endian") ? 2 : -1,
      ei_osabi: OSABIS[get("OS/ABI")] ?? -1,
      e_type: FILE_TYPES[type] ?? -1,
      e_machine: MACHINES[machine] ?? -1,
      e_version: hexNumber(get("Version (e_version)")),
      e_entry: hexBig(get("Entry point address")),
      e_phoff: Number.parseInt(get("Start of program headers"), 10),
      e_shoff: Number.parseInt(get("Start of section headers"), 10),
      e_flags: hexNumber(get("Flags").split(",")[0]!),
      e_ehsize: Number.parseInt(get("Size of this header"), 10),
      e_phentsize: Number.parseInt(get("Size of program headers"), 10),
      e_phnum: headerCount(get("Number of program headers")),
      e_shentsize: Number.parseInt(get("Size of section headers"), 10),
      e_shnum: headerCount(get("Number of section headers")),
      e_shstrndx: headerCount(get("Section header string table index")),
    };
    if (output.header.e_machine < 0) throw new Error(`readelf -h: machine not understood: ${machine}`);
    header = {};
  };

  for (const line of lines) {
    // Mode switches.
    if (line === "ELF Header:") {
      mode = "header";
      continue;
    }
    if (line === "Program Headers:") {
      mode = "segments";
      output.segments = [];
      continue;
    }
    if (line.startsWith("There are no program headers")) {
      output.segments = [];
      continue;
    }
    if (line === "Section Headers:") {
      mode = "sections";
      output.sections = [];
      continue;
    }
    if (line.startsWith("There are no sections")) {
      output.sections = [];
      continue;
    }
    if (line.startsWith(" Section to Segment mapping:")) {
      mode = "mapping";
      continue;
    }
    const symbolTable = /^Symbol table '(.*)' contains (\d+) entr(?:y|ies):$/.exec(line);
    if (symbolTable) {
      mode = "symbols";
      const name = symbolTable[1]!;
      table = { name, count: Number.parseInt(symbolTable[2]!, 10), symbols: [] };
      if (output.symbolTables.has(name)) throw new Error(`readelf printed symbol table ${name} twice`);
      output.symbolTables.set(name, table);
      continue;
    }
    if (line.startsWith("There is no dynamic section")) {
      output.dynamic = [];
      continue;
    }
    if (/^Dynamic section at offset 0x[0-9a-f]+ contains \d+ entr(?:y|ies):$/.test(line)) {
      mode = "dynamic";
      output.dynamic = [];
      dynamicDone = false;
      continue;
    }
    const notesIn = /^Displaying notes found (?:in: (.*)|at file offset (0x[0-9a-f]+) with length (0x[0-9a-f]+):)$/.exec(line);
    if (notesIn) {
      mode = "notes";
      noteWhere = notesIn[1] ?? `offset ${notesIn[2]}`;
      lastNote = undefined;
      continue;
    }

    if (mode === "header") {
      const match = /^ {2}([^:]+):\s+(.*?)\s*$/.exec(line);
      if (match) {
        let key = match[1]!;
        if (key === "Version" && header.Version !== undefined) key = "Version (e_version)";
        else if (key === "Version" && /^0x/.test(match[2]!)) key = "Version (e_version)";
        header[key] = match[2]!.replace(/ \(bytes(?: into file)?\)$/, "");
      } else if (line.trim() === "") {
        finishHeader();
        mode = "none";
      }
      continue;
    }
    if (mode === "segments") {
      if (line.trim() === "") {
        mode = "none";
        continue;
      }
      if (/^\s+Type\s+Offset/.test(line) || /^\s+\[Requesting program interpreter/.test(line)) continue;
      const match = /^ {2}(\S+(?: \S+)*?)\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (.)(.)(.) (0x[0-9a-f]+)$/.exec(line);
      if (!match) throw new Error(`readelf -l line not understood: ${JSON.stringify(line)}`);
      output.segments!.push({
        p_type: decodeTypeName(match[1]!, SEGMENT_TYPES, "segment"),
        p_offset: hexNumber(match[2]!),
        p_vaddr: hexBig(match[3]!),
        p_paddr: hexBig(match[4]!),
        p_filesz: hexNumber(match[5]!),
        p_memsz: hexBig(match[6]!),
        p_flags_rwx: (match[7] === "R" ? 4 : 0) | (match[8] === "W" ? 2 : 0) | (match[9] === "E" ? 1 : 0),
        p_align: hexBig(match[10]!),
      });
      continue;
    }
    if (mode === "sections") {
      if (/^\s+\[Nr\]/.test(line)) continue;
      if (line.startsWith("Key to Flags:") || line.trim() === "") {
        mode = "none";
        continue;
      }
      const start = /^ {2}\[\s*(\d+)\] /.exec(line);
      if (!start) throw new Error(`readelf -S line not understood: ${JSON.stringify(line)}`);
      const rest = line.slice(start[0].length);
      let name: string;
      let remainder: string;
      if (/^ {17}/.test(rest)) {
        name = "";
        remainder = rest.slice(17);
      } else {
        const space = rest.indexOf(" ");
        name = rest.slice(0, space);
        remainder = rest.slice(space);
      }
      const match = /^\s*(.+?)\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) +([A-Za-z]*) +(\d+) +(\d+) +(\d+)$/.exec(remainder);
      if (!match) throw new Error(`readelf -S line not understood: ${JSON.stringify(line)}`);
      output.sections!.push({
        index: Number.parseInt(start[1]!, 10),
        name,
        sh_type: decodeTypeName(match[1]!, SECTION_TYPES, "section"),
        sh_addr: hexBig(match[2]!),
        sh_offset: hexNumber(match[3]!),
        sh_size: hexNumber(match[4]!),
        sh_entsize: hexNumber(match[5]!),
        flagLetters: match[6]!,
        sh_link: Number.parseInt(match[7]!, 10),
        sh_info: Number.parseInt(match[8]!, 10),
        sh_addralign: BigInt(match[9]!),
      });
      continue;
    }
    if (mode === "symbols") {
      if (/^\s+Num:/.test(line)) continue;
      if (line.trim() === "") {
        mode = "none";
        continue;
      }
      const match =
        /^\s*(\d+): ([0-9a-f]+) +(\d+|0x[0-9a-f]+) (\S+) +(\S+) +(\S+)(?: +\[[^\]]*\])? +(\S+|PRC\[0x[0-9a-f]+\]|OS \[0x[0-9a-f]+\]|RSV\[0x[0-9a-f]+\]) ?(.*)$/.exec(
          line,
        );
      if (!match) throw new Error(`readelf -s line not understood: ${JSON.stringify(line)}`);
      const printed = match[8]!;
      table!.symbols.push({
        num: Number.parseInt(match[1]!, 10),
        value: hexBig(match[2]!),
        size: symbolNumber(match[3]!),
        type: match[4]!,
        bind: match[5]!,
        vis: match[6]!,
        ndx: match[7]!,
        printed,
        name: table!.name === ".dynsym" ? stripVersion(printed) : printed,
      });
      continue;
    }
    if (mode === "dynamic") {
      if (/^\s+Tag\s+Type/.test(line)) continue;
      if (line.trim() === "") {
        mode = "none";
        continue;
      }
      const match = /^ 0x([0-9a-f]+) \(([^)]*)\)\s+(.*)$/.exec(line);
      if (!match) throw new Error(`readelf -d line not understood: ${JSON.stringify(line)}`);
      const tag = Number(BigInt.asIntN(64, BigInt(`0x${match[1]}`)));
      if (tag === 0) dynamicDone = true;
      if (dynamicDone) continue;
      const text = match[3]!.trim();
      const string = /^(?:Shared library|Library soname|Library rpath|Library runpath): \[(.*)\]$/.exec(text)?.[1];
      const number = /^0x[0-9a-f]+$/.test(text) ? BigInt(text) : /^(\d+)(?: \(bytes\))?$/.exec(text) ? BigInt(/^(\d+)/.exec(text)![1]!) : undefined;
      output.dynamic!.push({ tag, value: number, string });
      continue;
    }
    if (mode === "notes") {
      if (/^\s+Owner\s+Data size/.test(line)) continue;
      if (line.trim() === "") {
        mode = "none";
        continue;
      }
      const match = /^ {2}(\S*)\s+0x([0-9a-f]+)\t([^\t]*?)\s*(?:\t(.*))?$/.exec(line);
      if (match) {
        const owner = match[1]!;
        lastNote = {
          where: noteWhere,
          owner,
          descsz: Number.parseInt(match[2]!, 16),
          type: noteType(owner, match[3]!),
          description: match[3]!,
          details: match[4] !== undefined ? [match[4].trim()] : [],
        };
        output.notes.push(lastNote);
      } else if (lastNote && /^\s{3,}/.test(line)) {
        lastNote.details.push(line.trim());
      } else {
        throw new Error(`readelf -n line not understood: ${JSON.stringify(line)}`);
      }
    }
  }
  if (mode === "header") finishHeader();
  return output;
}

/** The `Build ID:` hex string of the first build-id note readelf printed, if any. */
export function readelfBuildId(output: ReadelfOutput): string | undefined {
  for (const note of output.notes) {
    if (note.owner !== "GNU" || note.type !== 3) continue;
    for (const detail of note.details) {
      const match = /Build ID: ([0-9a-f]+)/.exec(detail);
      if (match) return match[1];
    }
  }
  return undefined;
}

export interface ReadelfFileMapping {
  start: bigint;
  end: bigint;
  /** In pages, as in the note (readelf prints the raw value). */
  pageOffset: bigint;
  path: string;
}

/** The NT_FILE entries and page size from a core's `readelf -n` output. */
export function readelfFileNote(output: ReadelfOutput): { pageSize: number; mappings: ReadelfFileMapping[] } | undefined {
  const note = output.notes.find((n) => n.owner === "CORE" && n.type === 0x46494c45);
  if (!note) return undefined;
  let pageSize = -1;
  const mappings: ReadelfFileMapping[] = [];
  let pending: Omit<ReadelfFileMapping, "path"> | undefined;
  for (const detail of note.details) {
    const size = /^Page size: (\d+)$/.exec(detail);
    if (size) {
      pageSize = Number.parseInt(size[1]!, 10);
      continue;
    }
    if (/^Start\s+End\s+Page Offset$/.test(detail)) continue;
    const range = /^(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)$/.exec(detail);
    if (range) {
      if (pending) throw new Error(`readelf NT_FILE: range without a path before ${detail}`);
      pending = { start: BigInt(range[1]!), end: BigInt(range[2]!), pageOffset: BigInt(range[3]!) };
      continue;
    }
    if (!pending) throw new Error(`readelf NT_FILE line not understood: ${JSON.stringify(detail)}`);
    mappings.push({ ...pending, path: detail });
    pending = undefined;
  }
  return { pageSize, mappings };
}

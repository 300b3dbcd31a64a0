/**
 * ELF constants by their specification names, with name tables that print unknown values
 * (`PT_0x6474e551`) instead of failing.
 *
 * @example
 * ```ts
 * import { PT_LOAD, programTypeName } from "@corestack/elf/constants";
 * programTypeName(PT_LOAD); // "PT_LOAD"
 * ```
 * @module
 */

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_386 = 3;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;
export const SHT_INIT_ARRAY = 14;
export const SHT_FINI_ARRAY = 15;
export const SHT_GNU_HASH = 0x6ffffff6;
export const SHT_GNU_verdef = 0x6ffffffd;
export const SHT_GNU_verneed = 0x6ffffffe;
export const SHT_GNU_versym = 0x6fffffff;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_COMPRESSED = 0x800;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;

export const NT_PRSTATUS = 1;
export const NT_PRFPREG = 2;
export const NT_PRPSINFO = 3;
export const NT_TASKSTRUCT = 4;
export const NT_AUXV = 6;
export const NT_SIGINFO = 0x53494749;
export const NT_FILE = 0x46494c45;
export const NT_X86_XSTATE = 0x202;
/** aarch64: the thread pointer register `tpidr_el0` (8 bytes; `tpidr2_el0` follows on kernels with SME). */
export const NT_ARM_TLS = 0x401;
export const NT_GNU_ABI_TAG = 1;
export const NT_GNU_BUILD_ID = 3;
export const NT_GNU_PROPERTY_TYPE_0 = 5;

export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_DEBUG = 21;
export const DT_RUNPATH = 29;
export const DT_GNU_HASH = 0x6ffffef5;

export const ELFCOMPRESS_ZLIB = 1;
export const ELFCOMPRESS_ZSTD = 2;

function nameTable(prefix: string, entries: () => Record<string, number>): (value: number) => string {
  // Made at the first use: importing the package costs no table.
  let names: Map<number, string> | undefined;
  return (value) => {
    if (names === undefined) {
      names = new Map<number, string>();
      for (const [name, known] of Object.entries(entries())) if (!names.has(known)) names.set(known, name);
    }
    return names.get(value) ?? `${prefix}0x${value.toString(16)}`;
  };
}

/** Prints a `p_type` value: `PT_LOAD`, or `PT_0x…` when unknown. */
export const programTypeName: (value: number) => string = nameTable("PT_", () => ({
  PT_NULL,
  PT_LOAD,
  PT_DYNAMIC,
  PT_INTERP,
  PT_NOTE,
  PT_SHLIB,
  PT_PHDR,
  PT_TLS,
  PT_GNU_EH_FRAME,
  PT_GNU_STACK,
  PT_GNU_RELRO,
  PT_GNU_PROPERTY,
}));

/** Prints an `sh_type` value: `SHT_PROGBITS`, or `SHT_0x…` when unknown. */
export const sectionTypeName: (value: number) => string = nameTable("SHT_", () => ({
  SHT_NULL,
  SHT_PROGBITS,
  SHT_SYMTAB,
  SHT_STRTAB,
  SHT_RELA,
  SHT_HASH,
  SHT_DYNAMIC,
  SHT_NOTE,
  SHT_NOBITS,
  SHT_REL,
  SHT_DYNSYM,
  SHT_INIT_ARRAY,
  SHT_FINI_ARRAY,
  SHT_GNU_HASH,
  SHT_GNU_verdef,
  SHT_GNU_verneed,
  SHT_GNU_versym,
}));

/** Prints an `e_type` value: `ET_CORE`, or `ET_0x…` when unknown. */
export const fileTypeName: (value: number) => string = nameTable("ET_", () => ({ ET_NONE, ET_REL, ET_EXEC, ET_DYN, ET_CORE }));

/** Prints an `e_machine` value: `EM_X86_64`, or `EM_0x…` when unknown. */
export const machineName: (value: number) => string = nameTable("EM_", () => ({ EM_386, EM_ARM, EM_X86_64, EM_AARCH64 }));

/** Prints a core note type (owner "CORE"/"LINUX"): `NT_PRSTATUS`, or `NT_0x…` when unknown. */
export const coreNoteTypeName: (value: number) => string = nameTable("NT_", () => ({
  NT_PRSTATUS,
  NT_PRFPREG,
  NT_PRPSINFO,
  NT_TASKSTRUCT,
  NT_AUXV,
  NT_SIGINFO,
  NT_FILE,
  NT_X86_XSTATE,
  NT_ARM_TLS,
}));

/** Prints an auxiliary vector key: `AT_PHDR`, or `AT_0x…` when unknown. */
export const auxvTypeName: (value: number) => string = nameTable("AT_", () => ({
  AT_NULL,
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  AT_PAGESZ,
  AT_BASE,
  AT_ENTRY,
  AT_UID,
  AT_PLATFORM,
  AT_HWCAP,
  AT_RANDOM,
  AT_EXECFN,
  AT_SYSINFO_EHDR,
}));

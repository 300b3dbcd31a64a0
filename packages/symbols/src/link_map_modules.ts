import { type ByteSource, type CoreFile, ElfFile, ElfFormatError, type FileMapping, type Memory, MemoryError } from "@corestack/elf";
import { AT_ENTRY, AT_EXECFN, AT_PAGESZ, AT_PHDR, AT_PHNUM, PT_DYNAMIC, PT_LOAD, PT_PHDR, machineName } from "@corestack/elf/constants";
import { type LinkMapEntry, readLinkMap } from "./link_map.js";
import type { ModuleMappings } from "./module_map.js";

/** A module of the link map: its mappings made from its file's `PT_LOAD` headers, and its load bias. */
export interface LinkMapModule extends ModuleMappings {
  /** `l_addr`: the load bias the dynamic linker applied. */
  readonly bias: bigint;
  /** The file on this machine whose headers fit the link map entry, when one was found. */
  readonly file: string | undefined;
  /** Every path tried when none fitted, with why each did not. */
  readonly tried: readonly string[];
}

/** The module map of a core without `NT_FILE`, and what stopped it being built whole. */
export interface LinkMapModules {
  readonly modules: LinkMapModule[];
  /** The link map as read (empty when it could not be). */
  readonly entries: readonly LinkMapEntry[];
  /** One sentence per problem: no executable, no link map, a cycle, an entry whose file was not found. */
  readonly problems: string[];
}

/** Options of {@link linkMapModules}. */
export interface LinkMapModulesOptions {
  /** Candidate paths for a recorded path (see `fileLocator`). */
  readonly locate: (recorded: string) => string[];
  /** Opens a file as bytes. */
  readonly open: (path: string) => ByteSource;
  /** The executable the user named: tried before `AT_EXECFN`. */
  readonly executable?: string | undefined;
}

/** Headers of a candidate file, or why it does not fit. */
type Parsed = { elf: ElfFile } | { why: string };

function parse(open: (path: string) => ByteSource, path: string, core: CoreFile): Parsed {
  let elf: ElfFile;
  try {
    elf = new ElfFile(open(path), { headersOnly: true });
  } catch (error) {
    if (ElfFormatError.isInstance(error)) return { why: "not an ELF file" };
    // Opening failed (Node's system errors and MmapError carry a string code): a missing file is
    // said by its path alone, any other reason is named. Anything else is a bug, and propagates.
    const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    if (typeof code !== "string" || !(error instanceof Error)) throw error;
    if (code === "ENOENT" || code === "ENOTDIR") return { why: "" };
    return { why: error.message.split("\n")[0]!.slice(0, 200) };
  }
  const header = core.elf.header;
  if (elf.header.e_machine !== header.e_machine || elf.is64 !== core.elf.is64 || elf.littleEndian !== core.elf.littleEndian) {
    return { why: `${machineName(elf.header.e_machine)}, the core is ${machineName(header.e_machine)}` };
  }
  return { elf };
}

const tried = (path: string, why: string) => (why ? `${path} (${why})` : path);

/**
 * The executable's load bias from the auxiliary vector and its file's headers: where its program
 * headers are (`AT_PHDR`) against where the file puts them, checked against the entry point
 * (`AT_ENTRY`) when both are known. Undefined when they disagree: another file.
 */
function executableBias(elf: ElfFile, phdr: bigint | undefined, entry: bigint | undefined): bigint | undefined {
  let fromPhdr: bigint | undefined;
  if (phdr !== undefined) {
    const table = elf.programHeaders.find((p) => p.p_type === PT_PHDR);
    const load = elf.programHeaders.find((p) => p.p_type === PT_LOAD && p.p_offset <= elf.header.e_phoff && elf.header.e_phoff < p.p_offset + p.p_filesz);
    if (table) fromPhdr = phdr - table.p_vaddr;
    else if (load) fromPhdr = phdr - (load.p_vaddr + BigInt(elf.header.e_phoff - load.p_offset));
  }
  const fromEntry = entry !== undefined && elf.header.e_entry !== 0n ? entry - elf.header.e_entry : undefined;
  if (fromPhdr !== undefined && fromEntry !== undefined && fromPhdr !== fromEntry) return undefined;
  return fromPhdr ?? fromEntry;
}

/**
 * The file-backed mappings the kernel makes for a file's `PT_LOAD` headers at a load bias: each
 * segment's file bytes, whole pages (what `NT_FILE` would list; the zero-filled rest is anonymous).
 */
function loadMappings(elf: ElfFile, bias: bigint, path: string, page: bigint): FileMapping[] {
  const mask = page - 1n;
  const mappings: FileMapping[] = [];
  for (const load of elf.programHeaders) {
    if (load.p_type !== PT_LOAD || load.p_filesz === 0) continue;
    const start = (load.p_vaddr & ~mask) + bias;
    const end = ((load.p_vaddr + BigInt(load.p_filesz) + mask) & ~mask) + bias;
    if (end <= start) continue;
    mappings.push({ start, end, fileOffset: BigInt(load.p_offset) & ~mask, path });
  }
  return mappings.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/**
 * Builds the module map of a core that has no `NT_FILE` note (qemu-user's cores, some embedded and
 * older core writers) from the dynamic linker's list of loaded objects: the executable is found
 * from the user's EXECUTABLE or `AT_EXECFN` (each candidate must be an ELF file of the core's
 * machine whose headers put its program headers at `AT_PHDR` and its entry point at `AT_ENTRY`);
 * its `PT_DYNAMIC` → `DT_DEBUG` → `r_debug` → `link_map` entries are read from the core's memory
 * (bounded and cycle-safe, see `readLinkMap`); each entry's file is located like any module's
 * (recorded path, search path, search root) and must be of the same machine with its dynamic
 * section at the entry's `l_ld`. Each file's `PT_LOAD` headers then give its mappings. The files are
 * opened here, headers only: without `NT_FILE` nothing else says where a file is mapped.
 *
 * @param core a core, normally one whose `mappings` are empty.
 * @param options how to locate and open files, and the user's executable.
 * @returns the modules in address order (entries whose file was not found included, without
 *   mappings), the link map, and the problems met.
 * @example
 * ```ts
 * const { modules, problems } = linkMapModules(core, { locate: fileLocator({ searchRoot: "/sysroot" }), open: openFile });
 * ```
 */
export function linkMapModules(core: CoreFile, options: LinkMapModulesOptions): LinkMapModules {
  const problems: string[] = [];
  const phdr = core.auxvValue(AT_PHDR);
  const entry = core.auxvValue(AT_ENTRY);
  const pageSize = core.auxvValue(AT_PAGESZ);
  // A page size that is not a power of two from 4 KiB to 1 MiB is not a page size: 4 KiB then.
  const page = pageSize !== undefined && pageSize >= 4096n && pageSize <= 1n << 20n && (pageSize & (pageSize - 1n)) === 0n ? pageSize : 4096n;
  const execfn = core.auxvValue(AT_EXECFN) === undefined ? undefined : core.execfn();
  const recordedExecutable = execfn ?? options.executable;

  // The executable: the first candidate whose headers agree with the auxiliary vector.
  const executableCandidates = [...new Set([...(options.executable ? [options.executable] : []), ...(execfn ? options.locate(execfn) : [])])];
  const executableTried: string[] = [];
  let executable: { path: string; elf: ElfFile; bias: bigint } | undefined;
  for (const candidate of executableCandidates) {
    const parsed = parse(options.open, candidate, core);
    if ("why" in parsed) {
      executableTried.push(tried(candidate, parsed.why));
      continue;
    }
    const bias = executableBias(parsed.elf, phdr, entry);
    if (bias === undefined) {
      executableTried.push(
        tried(candidate, phdr === undefined && entry === undefined ? "the core has no AT_PHDR or AT_ENTRY" : "its headers do not fit AT_PHDR and AT_ENTRY"),
      );
      continue;
    }
    executable = { path: candidate, elf: parsed.elf, bias };
    break;
  }
  if (executable === undefined) {
    if (executableCandidates.length === 0) {
      problems.push("the core has no NT_FILE note, and no executable to start the dynamic linker's list from (no AT_EXECFN): pass EXECUTABLE");
    } else {
      problems.push(`the core has no NT_FILE note, and no executable fits it to start the dynamic linker's list from: tried ${executableTried.join(", ")}`);
    }
  }
  // The dynamic linker's own entry is named by the executable's PT_INTERP string, in a read-only
  // segment a core may leave out: read such bytes from the executable's file.
  const executableMappings = executable ? loadMappings(executable.elf, executable.bias, executable.path, page) : [];
  const memory: Memory = {
    read(address, length) {
      try {
        return core.read(address, length);
      } catch (error) {
        if (!MemoryError.isInstance(error) || !executable) throw error;
        const mapping = executableMappings.find((m) => m.start <= address && address + BigInt(length) <= m.end);
        const offset = mapping && Number(mapping.fileOffset + (address - mapping.start));
        const source = executable.elf.source;
        if (offset === undefined || offset + length > source.size) throw error;
        return source.bytes(offset, length);
      }
    },
  };
  const linkMap = readLinkMap(memory, {
    phdr,
    phnum: core.auxvValue(AT_PHNUM),
    entry,
    is64: core.elf.is64,
    littleEndian: core.elf.littleEndian,
    executable: executable && { e_entry: executable.elf.header.e_entry, e_phoff: executable.elf.header.e_phoff, programHeaders: executable.elf.programHeaders },
  });
  problems.push(...linkMap.problems);

  const modules: LinkMapModule[] = [];
  const seen = new Set<string>();
  const add = (path: string, elf: ElfFile | undefined, file: string | undefined, bias: bigint, triedPaths: readonly string[]) => {
    if (seen.has(path)) return;
    seen.add(path);
    const mappings = elf ? loadMappings(elf, bias, path, page) : [];
    const start = mappings[0]?.start ?? bias;
    const end = mappings.reduce((high, m) => (m.end > high ? m.end : high), start);
    modules.push({ path, start, end, mappings, bias, file, tried: triedPaths });
  };
  if (executable && recordedExecutable !== undefined) add(recordedExecutable, executable.elf, executable.path, executable.bias, []);
  linkMap.entries.forEach((link, index) => {
    // The first entry is the executable (l_name ""); the vDSO has no file.
    if (index === 0 && link.name === "") return;
    if (link.name === "" || link.name.startsWith("linux-vdso") || link.name.startsWith("linux-gate")) return;
    const triedPaths: string[] = [];
    for (const candidate of options.locate(link.name)) {
      const parsed = parse(options.open, candidate, core);
      if ("why" in parsed) {
        triedPaths.push(tried(candidate, parsed.why));
        continue;
      }
      const dynamic = parsed.elf.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
      if (dynamic && dynamic.p_vaddr + link.bias !== link.dynamic) {
        triedPaths.push(tried(candidate, "its dynamic section is not where the link map says"));
        continue;
      }
      add(link.name, parsed.elf, candidate, link.bias, []);
      return;
    }
    problems.push(`${link.name} is in the dynamic linker's list but was not found: tried ${triedPaths.join(", ")}`);
    add(link.name, undefined, undefined, link.bias, triedPaths);
  });
  modules.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { modules, entries: linkMap.entries, problems };
}

// @corestack/elf against GNU binutils: for each ELF file, one `readelf --wide -h -l -S -s
// --dyn-syms -n` run is parsed and compared field by field with what ElfFile, readNotes,
// elfNotes, ElfSymbols and buildId return for the same bytes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ElfFile,
  ElfSymbols,
  type ElfSymbol,
  type SectionHeader,
  type SymbolTable,
  buildId,
  buildIdHex,
  bufferSource,
  dynamicEntries,
  elfNotes,
  neededLibraries,
  readNotes,
  sectionContents,
  soname,
} from "../src/mod.js";
import { DT_NEEDED, DT_SONAME, PT_NOTE, SHN_XINDEX, SHT_NOTE } from "../src/constants.js";
import { compileFixtures, pythonFiles, systemLibraries } from "./_fixtures.js";
import { type ReadelfOutput, type ReadelfSymbol, parseReadelf, readelfAvailable, readelfBuildId, runReadelf } from "./_readelf.js";

const available = readelfAvailable();
if (!available) console.warn("readelf (GNU binutils) is not installed: skipping the comparison with readelf");

const fixtures = available ? compileFixtures() : undefined;
if (fixtures && fixtures.skipped.length > 0) console.warn(`Fixtures not built:\n  ${fixtures.skipped.join("\n  ")}`);

/** ld leaves the 3-byte descriptor of this file's last note unpadded; readelf rejects the note. */
const ODD_BUILD_ID = "shared, 3-byte build-id";

const files: Array<[string, string]> = available
  ? [
      ...systemLibraries(30).map((path): [string, string] => [path, path]),
      ...pythonFiles().map((path): [string, string] => [path, path]),
      ...[...fixtures!.files].filter(([label]) => label !== ODD_BUILD_ID).map(([label, path]): [string, string] => [`compiled ${label}`, path]),
    ]
  : [];

afterAll(() => fixtures?.cleanup());

/** readelf's section flag letters for `sh_flags` (binutils get_elf_section_flags, short form). */
function flagLetters(flags: bigint, machine: number): string {
  const letters: string[] = [];
  let os = false;
  let processor = false;
  let unknown = false;
  for (let bit = 0n; bit < 64n; bit++) {
    const flag = 1n << bit;
    if ((flags & flag) === 0n) continue;
    const known: Record<string, string> = {
      "1": "W",
      "2": "A",
      "4": "X",
      "16": "M",
      "32": "S",
      "64": "I",
      "128": "L",
      "256": "O",
      "512": "G",
      "1024": "T",
      "2048": "C",
      "2147483648": "E",
      "2097152": "R",
      "16777216": "D",
    };
    const letter = known[flag.toString()];
    if (letter) letters.push(letter);
    else if (machine === 62 && flag === 0x10000000n) letters.push("l");
    else if ((flag & 0x0ff00000n) !== 0n) os = true;
    else if ((flag & 0xf0000000n) !== 0n) processor = true;
    else unknown = true;
  }
  if (os) letters.push("o");
  if (processor) letters.push("p");
  if (unknown) letters.push("x");
  return letters.sort().join("");
}

const SYMBOL_TYPES: Record<number, string> = { 0: "NOTYPE", 1: "OBJECT", 2: "FUNC", 3: "SECTION", 4: "FILE", 5: "COMMON", 6: "TLS", 10: "IFUNC" };
const SYMBOL_BINDS: Record<number, string> = { 0: "LOCAL", 1: "GLOBAL", 2: "WEAK", 10: "UNIQUE" };
const VISIBILITIES = ["DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"];

/** readelf's Ndx column for a raw st_shndx (SHN_XINDEX: readelf prints the extended index). */
function ndxText(shndx: number, printed: string): string {
  if (shndx === 0) return "UND";
  if (shndx === 0xfff1) return "ABS";
  if (shndx === 0xfff2) return "COM";
  if (shndx === SHN_XINDEX && /^\d+$/.test(printed)) return printed;
  return String(shndx);
}

/** The symbols SymbolTable.at/containing may answer with (not undefined, absolute, common, section, file, TLS). */
function isAddressCandidate(symbol: ReadelfSymbol): boolean {
  return /^\d+$/.test(symbol.ndx) && !["SECTION", "FILE", "TLS"].includes(symbol.type) && symbol.num !== 0;
}
function isEligible(symbol: ReadelfSymbol): boolean {
  return ["FUNC", "OBJECT", "IFUNC"].includes(symbol.type);
}

/** `count` items spread evenly over `items`, deterministic. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

function describeSymbol(symbol: ElfSymbol | undefined): string {
  return symbol ? `${symbol.name}@0x${symbol.st_value.toString(16)}+${symbol.st_size}` : "undefined";
}

function noteSummary(notes: Iterable<{ name: string; type: number; desc: Uint8Array }>) {
  return [...notes].map((note) => ({ owner: note.name, type: note.type, descsz: note.desc.length }));
}

describe.skipIf(!available)("ElfFile against readelf --wide", () => {
  it("has at least 50 files to compare", () => {
    console.info(`Comparing ${files.length} ELF files with readelf`);
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  describe.each(files)("%s", (_label, path) => {
    let elf: ElfFile;
    let readelf: ReadelfOutput;

    beforeAll(() => {
      elf = new ElfFile(bufferSource(readFileSync(path)));
      readelf = parseReadelf(runReadelf(path, ["-h", "-l", "-S", "-s", "--dyn-syms", "-n", "-d"]));
    });
    afterAll(() => {
      // Let the bytes of large libraries be collected between files.
      elf = undefined as unknown as ElfFile;
      readelf = undefined as unknown as ReadelfOutput;
    });

    it("new ElfFile() reads the ELF header readelf -h prints", () => {
      const expected = readelf.header!;
      expect(expected).toBeDefined();
      const { header } = elf;
      expect({
        ei_class: header.ei_class,
        ei_data: header.ei_data,
        ei_osabi: header.ei_osabi,
        e_type: header.e_type,
        e_machine: header.e_machine,
        e_version: header.e_version,
        e_entry: header.e_entry,
        e_phoff: header.e_phoff,
        e_shoff: header.e_shoff,
        e_flags: header.e_flags,
        e_ehsize: header.e_ehsize,
        e_phentsize: header.e_phentsize,
        e_phnum: header.e_phnum,
        e_shentsize: header.e_shentsize,
        e_shnum: header.e_shnum,
        e_shstrndx: header.e_shstrndx,
      }).toEqual(expected);
      expect(elf.is64).toBe(expected.ei_class === 2);
      expect(elf.littleEndian).toBe(expected.ei_data === 1);
    });

    it("programHeaders equal readelf -l", () => {
      const expected = readelf.segments!;
      expect(expected).toBeDefined();
      expect(elf.programHeaders.map((p) => p.index)).toEqual(expected.map((_, i) => i));
      expect(
        elf.programHeaders.map((p) => ({
          p_type: p.p_type,
          p_offset: p.p_offset,
          p_vaddr: p.p_vaddr,
          p_paddr: p.p_paddr,
          p_filesz: p.p_filesz,
          p_memsz: p.p_memsz,
          p_flags_rwx: p.p_flags & 7,
          p_align: p.p_align,
        })),
      ).toEqual(expected);
    });

    it("sections equal readelf -S", () => {
      const expected = readelf.sections!;
      expect(expected).toBeDefined();
      expect(elf.sections.length).toBe(expected.length);
      expect(elf.sections.length).toBe(elf.header.e_shnum);
      const actual = elf.sections.map((s) => ({
        index: s.index,
        name: s.name,
        sh_type: s.sh_type,
        sh_addr: s.sh_addr,
        sh_offset: s.sh_offset,
        sh_size: s.sh_size,
        sh_entsize: s.sh_entsize,
        flagLetters: flagLetters(s.sh_flags, elf.header.e_machine),
        sh_link: s.sh_link,
        sh_info: s.sh_info,
        sh_addralign: s.sh_addralign,
      }));
      const wanted = expected.map((s) => ({ ...s, flagLetters: [...s.flagLetters].sort().join("") }));
      // Compare in one go, but report the first difference by index rather than a 65k-line diff.
      for (let i = 0; i < wanted.length; i++) {
        if (JSON.stringify(actual[i], bigintJson) !== JSON.stringify(wanted[i], bigintJson)) expect(actual[i]).toEqual(wanted[i]);
      }
      // section(name) finds the first section of each name.
      const firstByName = new Map<string, SectionHeader>();
      for (const section of elf.sections) if (!firstByName.has(section.name)) firstByName.set(section.name, section);
      for (const [name, first] of firstByName) if (name !== "") expect(elf.section(name)).toBe(first);
    });

    it("readNotes() over each SHT_NOTE section equals readelf -n", () => {
      const noteSections = elf.sections.filter((s) => s.sh_type === SHT_NOTE);
      const actual = noteSections.flatMap((section) =>
        noteSummary(
          readNotes(elf.sectionBytes(section), { littleEndian: elf.littleEndian, align: Number(section.sh_addralign), offset: section.sh_offset }),
        ).map((note) => ({ where: section.name, ...note })),
      );
      const expected = readelf.notes.map((note) => ({ where: note.where, owner: note.owner, type: note.type, descsz: note.descsz }));
      expect(actual).toEqual(expected);
      // Offsets point at the note headers: re-reading n_namesz/n_descsz/n_type there gives the same note.
      for (const section of noteSections) {
        for (const note of readNotes(elf.sectionBytes(section), {
          littleEndian: elf.littleEndian,
          align: Number(section.sh_addralign),
          offset: section.sh_offset,
        })) {
          const raw = new DataView(new Uint8Array(elf.source.bytes(note.offset, 12)).buffer);
          expect(raw.getUint32(4, elf.littleEndian)).toBe(note.desc.length);
          expect(raw.getUint32(8, elf.littleEndian)).toBe(note.type);
        }
      }
    });

    it("elfNotes() reads the notes of the PT_NOTE segments (or of the note sections)", () => {
      const segments = elf.programHeaders.filter((p) => p.p_type === PT_NOTE);
      const noteSections = elf.sections.filter((s) => s.sh_type === SHT_NOTE);
      let expectedSections: SectionHeader[];
      if (segments.length > 0) {
        // The notes of a segment are those of the note sections its file range holds, in segment order.
        expectedSections = segments.flatMap((segment) =>
          noteSections
            .filter((s) => s.sh_offset >= segment.p_offset && s.sh_offset + s.sh_size <= segment.p_offset + segment.p_filesz && s.sh_size > 0)
            .sort((a, b) => a.sh_offset - b.sh_offset),
        );
        expect(expectedSections.reduce((sum, s) => sum + s.sh_size, 0)).toBe(segments.reduce((sum, s) => sum + s.p_filesz, 0));
      } else {
        expectedSections = noteSections;
      }
      const names = new Set(expectedSections.map((s) => s.name));
      const expected = readelf.notes.filter((note) => names.has(note.where)).map((note) => ({ owner: note.owner, type: note.type, descsz: note.descsz }));
      expect(noteSummary(elfNotes(elf))).toEqual(expected);
    });

    it("buildId() equals the Build ID readelf -n prints", () => {
      const expected = readelfBuildId(readelf);
      const actual = buildId(elf);
      expect(actual === undefined ? undefined : buildIdHex(actual)).toBe(expected);
    });

    it("dynamicEntries(), neededLibraries() and soname() equal readelf -d", () => {
      const expected = readelf.dynamic!;
      expect(expected).toBeDefined();
      const entries = dynamicEntries(elf);
      expect(entries.map((e) => e.tag)).toEqual(expected.map((e) => e.tag));
      entries.forEach((entry, i) => {
        if (expected[i]!.value !== undefined) expect(entry.value).toBe(expected[i]!.value);
      });
      expect(neededLibraries(elf)).toEqual(expected.filter((e) => e.tag === DT_NEEDED).map((e) => e.string));
      expect(soname(elf)).toBe(expected.find((e) => e.tag === DT_SONAME)?.string);
    });

    for (const which of ["symtab", "dynsym"] as const) {
      it(`ElfSymbols.${which} holds every entry readelf -s prints for .${which}`, () => {
        const expected = readelf.symbolTables.get(`.${which}`);
        const table: SymbolTable | undefined = ElfSymbols.of(elf)[which];
        // readelf names the table by its section; files here use the usual names.
        if (!expected) {
          expect(table).toBeUndefined();
          return;
        }
        expect(table).toBeDefined();
        expect(table!.count).toBe(expected.count);
        expect(expected.symbols.length).toBe(expected.count);
        let index = 0;
        for (const symbol of table!) {
          const wanted = expected.symbols[index]!;
          const ndx = ndxText(symbol.st_shndx, wanted.ndx);
          const actual = {
            num: symbol.index,
            // readelf names an unnamed STT_SECTION symbol after its section.
            name: symbol.type === 3 && symbol.name === "" && /^\d+$/.test(ndx) ? elf.sections[Number(ndx)]?.name : symbol.name,
            value: symbol.st_value,
            size: symbol.st_size,
            type: SYMBOL_TYPES[symbol.type] ?? `type ${symbol.type}`,
            bind: SYMBOL_BINDS[symbol.bind] ?? `bind ${symbol.bind}`,
            vis: VISIBILITIES[symbol.st_other & 3]!,
            ndx,
          };
          const want = {
            num: wanted.num,
            name: wanted.name,
            value: wanted.value,
            size: wanted.size,
            type: wanted.type,
            bind: wanted.bind,
            vis: wanted.vis,
            ndx: wanted.ndx,
          };
          if (JSON.stringify(actual, bigintJson) !== JSON.stringify(want, bigintJson)) expect(actual).toEqual(want);
          index++;
        }
        expect(index).toBe(expected.count);
      });

      it(`SymbolTable.byName() on .${which} finds the defined symbols readelf lists`, (context) => {
        const expected = readelf.symbolTables.get(`.${which}`);
        const table = ElfSymbols.of(elf)[which];
        if (!expected || !table) return context.skip(`no .${which} in this file`);
        const defined = expected.symbols.filter((s) => s.ndx !== "UND" && s.name !== "" && s.num !== 0 && s.type !== "SECTION");
        const counts = new Map<string, number>();
        for (const symbol of defined) counts.set(symbol.name, (counts.get(symbol.name) ?? 0) + 1);
        // Names defined once: the answer is that entry. (.dynsym: all of them, through the hash table.)
        const unique = defined.filter((s) => counts.get(s.name) === 1);
        const picks = which === "dynsym" ? unique : spread(unique, 200);
        for (const wanted of picks) {
          const found = table.byName(wanted.name);
          if (found?.index !== wanted.num) expect({ name: wanted.name, index: found?.index }).toEqual({ name: wanted.name, index: wanted.num });
          expect(found!.st_value).toBe(wanted.value);
        }
        // Names defined several times: one of them (never an undefined import).
        for (const name of spread(
          [...counts].filter(([, n]) => n > 1).map(([name]) => name),
          50,
        )) {
          const found = table.byName(name);
          expect(found, name).toBeDefined();
          expect(defined.some((s) => s.num === found!.index && s.name === name)).toBe(true);
        }
        // Names only imported, and names nowhere: undefined.
        const definedNames = new Set(defined.map((s) => s.name));
        const imports = expected.symbols.filter((s) => s.ndx === "UND" && s.name !== "" && !definedNames.has(s.name));
        for (const imported of spread(imports, 50)) expect(table.byName(imported.name), imported.name).toBeUndefined();
        for (const name of ["", "corestack_no_such_symbol", `${defined[0]?.name ?? "x"}_not`]) expect(table.byName(name)).toBeUndefined();
      });
    }

    it("ElfSymbols.byName() prefers .dynsym, then .symtab", () => {
      const symbols = ElfSymbols.of(elf);
      const dynsym = readelf.symbolTables.get(".dynsym")?.symbols ?? [];
      const symtab = readelf.symbolTables.get(".symtab")?.symbols ?? [];
      const definedDynamic = new Set(dynsym.filter((s) => s.ndx !== "UND").map((s) => s.name));
      const onlySymtab = symtab.filter((s) => s.ndx !== "UND" && s.name !== "" && s.type !== "SECTION" && !definedDynamic.has(s.name));
      const counts = new Map<string, number>();
      for (const symbol of onlySymtab) counts.set(symbol.name, (counts.get(symbol.name) ?? 0) + 1);
      for (const wanted of spread(
        onlySymtab.filter((s) => counts.get(s.name) === 1),
        100,
      )) {
        const found = symbols.byName(wanted.name);
        expect(describeSymbol(found)).toBe(`${wanted.name}@0x${wanted.value.toString(16)}+${wanted.size}`);
      }
      for (const wanted of spread(
        dynsym.filter((s) => s.ndx !== "UND" && s.name !== "" && s.num !== 0),
        100,
      )) {
        const found = symbols.byName(wanted.name);
        const fromDynsym = symbols.dynsym!.byName(wanted.name);
        expect(found?.name).toBe(wanted.name);
        expect(fromDynsym).toBeDefined();
        expect(found?.index).toBe(fromDynsym!.index);
        expect(found?.st_value).toBe(fromDynsym!.st_value);
      }
    });

    it("ElfSymbols.at() answers 200 addresses as readelf's tables say", () => {
      const symbols = ElfSymbols.of(elf);
      const symtab = (readelf.symbolTables.get(".symtab")?.symbols ?? []).filter(isAddressCandidate);
      const dynsym = (readelf.symbolTables.get(".dynsym")?.symbols ?? []).filter(isAddressCandidate);
      const all = [...symtab, ...dynsym];
      if (all.length === 0) {
        expect(symbols.at(0x1000n)).toBeUndefined();
        return;
      }
      const sized = all.filter((s) => s.size > 0n).sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.num - b.num));
      // Inside sized symbols, just past their ends, and just before the first symbol.
      const addresses = [...spread(sized, 150).map((s) => s.value + s.size / 2n), ...spread(sized, 50).map((s) => s.value + s.size)];
      const lowest = all.reduce((min, s) => (s.value < min ? s.value : min), all[0]!.value);
      if (lowest > 0n) addresses.push(lowest - 1n);
      const containing = (table: ReadelfSymbol[], address: bigint) => table.filter((s) => s.value <= address && address < s.value + s.size);
      for (const address of addresses) {
        const found = symbols.at(address);
        const label = `at(0x${address.toString(16)}) = ${describeSymbol(found)}`;
        let candidates = containing(symtab, address);
        if (candidates.length === 0) candidates = containing(dynsym, address);
        if (candidates.length > 0) {
          // The innermost containing symbol: the greatest start.
          const start = candidates.reduce((max, s) => (s.value > max ? s.value : max), candidates[0]!.value);
          const innermost = candidates.filter((s) => s.value === start);
          expect(found, label).toBeDefined();
          expect(
            innermost.some((s) => s.name === found!.name && s.value === found!.st_value && s.size === found!.st_size),
            label,
          ).toBe(true);
          continue;
        }
        const preceding = all.filter((s) => isEligible(s) && s.value <= address);
        if (preceding.length === 0) {
          expect(found, label).toBeUndefined();
          continue;
        }
        const start = preceding.reduce((max, s) => (s.value > max ? s.value : max), preceding[0]!.value);
        expect(found, label).toBeDefined();
        expect(
          preceding.some((s) => s.value === start && s.name === found!.name && s.value === found!.st_value),
          label,
        ).toBe(true);
      }
    });
  });
});

describe.skipIf(!fixtures?.files.has(ODD_BUILD_ID))("a note whose descriptor is not padded", () => {
  it("readNotes() accepts a last note without descriptor padding (readelf warns and shows nothing)", () => {
    const path = fixtures!.files.get(ODD_BUILD_ID)!;
    const elf = new ElfFile(bufferSource(readFileSync(path)));
    const section = elf.section(".note.gnu.build-id")!;
    expect(section.sh_size).toBe(12 + 4 + 3);
    const notes = [...readNotes(elf.sectionBytes(section), { littleEndian: true, align: 4, offset: section.sh_offset })];
    expect(notes.map((n) => [n.name, n.type, [...n.desc]])).toEqual([["GNU", 3, [0xc0, 0xff, 0xee]]]);
    expect(parseReadelf(runReadelf(path, ["-n"])).notes).toEqual([]);
  });
});

describe.skipIf(!fixtures?.files.has("relocatable, compressed debug"))("compressed sections against objcopy", () => {
  it("sectionContents() inflates each SHF_COMPRESSED section to what objcopy --decompress-debug-sections writes", () => {
    const compressedPath = fixtures!.files.get("relocatable, compressed debug")!;
    const plainPath = `${compressedPath}.decompressed`;
    execFileSync("objcopy", ["--decompress-debug-sections", compressedPath, plainPath]);
    const compressed = new ElfFile(bufferSource(readFileSync(compressedPath)));
    const plain = new ElfFile(bufferSource(readFileSync(plainPath)));
    const sections = compressed.sections.filter((s) => (s.sh_flags & 0x800n) !== 0n);
    expect(sections.map((s) => s.name)).toEqual(expect.arrayContaining([".debug_info", ".debug_aranges"]));
    for (const section of sections) {
      const expected = plain.sectionBytes(plain.section(section.name)!);
      const actual = sectionContents(compressed, section);
      expect(actual.length, section.name).toBe(expected.length);
      expect(Buffer.from(actual).equals(Buffer.from(expected)), section.name).toBe(true);
    }
    // Uncompressed sections come back as stored.
    const text = compressed.section(".text")!;
    expect(sectionContents(compressed, text)).toEqual(compressed.sectionBytes(text));
  });
});

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

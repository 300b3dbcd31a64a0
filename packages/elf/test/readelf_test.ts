// @corestack/elf against GNU binutils: for each ELF file, one `readelf --wide -h -l -S -s
// --dyn-syms -n` run is parsed and compared field by field with what ElfFile, readNotes,
// elfNotes, ElfSymbols and buildId return for the same bytes.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElfFile, PT_NOTE, SHT_NOTE, type SectionHeader, bufferSource, elfNotes, readNotes } from "../src/mod.js";
import { compileFixtures, pythonFiles, systemLibraries } from "./_fixtures.js";
import { type ReadelfOutput, parseReadelf, readelfAvailable, runReadelf } from "./_readelf.js";

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
      ...[...fixtures!.files]
        .filter(([label]) => label !== ODD_BUILD_ID)
        .map(([label, path]): [string, string] => [`compiled ${label}`, path]),
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
      "1": "W", "2": "A", "4": "X", "16": "M", "32": "S", "64": "I", "128": "L", "256": "O", "512": "G",
      "1024": "T", "2048": "C", "2147483648": "E", "2097152": "R", "16777216": "D",
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

function noteSummary(notes: Iterable<{ name: string; type: number; desc: Uint8Array }>) {
  return [...notes].map((note) => ({ owner: note.name, type: note.type, descsz: note.desc.length }));
}

describe.skipIf(!available)("ElfFile against readelf --wide", () => {
  it("has at least 50 files to compare", () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  describe.each(files)("%s", (_label, path) => {
    let elf: ElfFile;
    let readelf: ReadelfOutput;

    beforeAll(() => {
      elf = new ElfFile(bufferSource(readFileSync(path)));
      readelf = parseReadelf(runReadelf(path, ["-h", "-l", "-S", "-s", "--dyn-syms", "-n"]));
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
        for (const note of readNotes(elf.sectionBytes(section), { littleEndian: elf.littleEndian, align: Number(section.sh_addralign), offset: section.sh_offset })) {
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
      const expected = readelf.notes
        .filter((note) => names.has(note.where))
        .map((note) => ({ owner: note.owner, type: note.type, descsz: note.descsz }));
      expect(noteSummary(elfNotes(elf))).toEqual(expected);
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

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}

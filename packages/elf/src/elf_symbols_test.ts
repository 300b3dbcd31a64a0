import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ByteSource, bufferSource } from "./byte_source.js";
import {
  SHT_DYNSYM,
  SHT_GNU_HASH,
  SHT_HASH,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FILE,
  STT_FUNC,
  STT_NOTYPE,
  STT_OBJECT,
  STT_SECTION,
} from "./constants.js";
import { ElfFile } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";
import { type ElfSymbol, SymbolTable } from "./elf_symbols.js";
import { ElfSymbols } from "./symbol_lookup.js";
import { ByteWriter, type TestSymbol, buildElf, dynamicSymbolTable, stringTable, symbolEntries, TEST_LAYOUTS } from "./_test_elf_builder.js";
import { expectFormatError, hasTool } from "../test/_expect.js";

const LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const LIBPYTHON = join(homedir(), ".pyenv/versions/3.12.1/lib/libpython3.12.so.1.0");
const PYTHON311 = "/usr/bin/python3.11";
const LS = "/bin/ls";

const hasReadelf = hasTool("readelf");
const hasGcc = hasTool("gcc");

function open(path: string): ElfFile {
  return new ElfFile(bufferSource(readFileSync(path)));
}

interface ReadelfSymbol {
  index: number;
  value: bigint;
  size: bigint;
  type: number;
  bind: number;
  visibility: number;
  shndx: number;
  name: string;
  /** "@" version (hidden), "@@" (default), or "" */
  version: "" | "@" | "@@";
}

const TYPES: Record<string, number> = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6, IFUNC: 10 };
const BINDS: Record<string, number> = { LOCAL: 0, GLOBAL: 1, WEAK: 2, UNIQUE: 10 };
const VISIBILITIES: Record<string, number> = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 };
const INDEXES: Record<string, number> = { UND: 0, ABS: 0xfff1, COM: 0xfff2 };

/** Parses `readelf --wide --syms` output: the tables by section name. */
function readelfSymbols(path: string, option = "--syms"): Map<string, ReadelfSymbol[]> {
  const output = execFileSync("readelf", ["--wide", option, path], { encoding: "utf8", maxBuffer: 1 << 28 });
  const tables = new Map<string, ReadelfSymbol[]>();
  let current: ReadelfSymbol[] | undefined;
  let currentName = "";
  for (const line of output.split("\n")) {
    const header = /^Symbol table '([^']+)' contains/.exec(line);
    if (header) {
      current = [];
      currentName = header[1]!;
      tables.set(currentName, current);
      continue;
    }
    const match = /^\s*(\d+): ([0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+) ?(.*)$/.exec(line);
    if (!match || !current) continue;
    let name = match[8]!;
    let version: ReadelfSymbol["version"] = "";
    if (currentName === ".dynsym") {
      // Dynamic symbols: readelf appends "@VERSION (n)" or "@@VERSION" from .gnu.version.
      const versioned = /^(.*?)(@@?)[^@\s]+(?: \(\d+\))?$/.exec(name);
      if (versioned) {
        name = versioned[1]!;
        version = versioned[2] as "@" | "@@";
      }
    }
    current.push({
      index: Number(match[1]),
      value: BigInt(`0x${match[2]}`),
      size: BigInt(match[3]!),
      type: TYPES[match[4]!] ?? -1,
      bind: BINDS[match[5]!] ?? -1,
      visibility: VISIBILITIES[match[6]!] ?? -1,
      shndx: INDEXES[match[7]!] ?? Number(match[7]),
      name,
      version,
    });
  }
  return tables;
}

function expectSameAsReadelf(table: SymbolTable, expected: readonly ReadelfSymbol[]): void {
  expect(table.count).toBe(expected.length);
  let index = 0;
  for (const symbol of table) {
    const want = expected[index]!;
    const got = {
      index: symbol.index,
      value: symbol.st_value,
      size: symbol.st_size,
      type: symbol.type,
      bind: symbol.bind,
      visibility: symbol.st_other & 3,
      shndx: symbol.st_shndx,
      name: symbol.name,
    };
    const wanted = {
      index: want.index,
      value: want.value,
      size: want.size,
      type: want.type,
      bind: want.bind,
      visibility: want.visibility,
      shndx: want.shndx,
      name: want.name,
    };
    if (JSON.stringify(got, replacer) !== JSON.stringify(wanted, replacer)) expect(got).toEqual(wanted);
    index++;
  }
  expect(index).toBe(expected.length);
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

/** The rank byName prefers: defined only; non-local and default version first; then the lowest index. */
function expectedByName(symbols: readonly ReadelfSymbol[], name: string): ReadelfSymbol | undefined {
  let best: ReadelfSymbol | undefined;
  let bestRank = Infinity;
  for (const symbol of symbols) {
    if (symbol.name !== name || symbol.shndx === 0 || symbol.index === 0) continue;
    const rank = (symbol.version === "@" ? 2 : 0) + (symbol.bind === STB_LOCAL ? 1 : 0);
    if (rank < bestRank) {
      best = symbol;
      bestRank = rank;
    }
  }
  return best;
}

/** A ByteSource that records every range asked for. */
function recordingSource(bytes: Uint8Array): { source: ByteSource; ranges: Array<[number, number]> } {
  const inner = bufferSource(bytes);
  const ranges: Array<[number, number]> = [];
  return {
    ranges,
    source: {
      size: inner.size,
      bytes(offset: number, length: number): Uint8Array {
        ranges.push([offset, offset + length]);
        return inner.bytes(offset, length);
      },
    },
  };
}

const temporary = mkdtempSync(join(tmpdir(), "corestack-elf-symbols-"));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

describe.skipIf(!hasReadelf || !existsSync(LIBC))("SymbolTable on libc", () => {
  const elf = open(LIBC);
  const expected = readelfSymbols(LIBC, "--dyn-syms").get(".dynsym")!;
  const dynsym = new SymbolTable(elf, elf.section(".dynsym")!);

  it("SymbolTable decodes every .dynsym entry as readelf --dyn-syms does", () => {
    expect(dynsym.hash).toBe("gnu");
    expectSameAsReadelf(dynsym, expected);
  });

  it("SymbolTable.byName() through .gnu.hash equals the linear scan for every libc .dynsym name", () => {
    const linear = new SymbolTable(elf, elf.section(".dynsym")!, { useHash: false });
    expect(linear.hash).toBe("none");
    const names = new Set(expected.map((s) => s.name).filter((n) => n !== ""));
    expect(names.size).toBeGreaterThan(2000);
    for (const name of names) {
      const want = expectedByName(expected, name);
      const viaHash = dynsym.byName(name);
      const viaMap = linear.byName(name);
      if (viaHash?.index !== want?.index || viaMap?.index !== want?.index) {
        expect({ name, hash: viaHash?.index, map: viaMap?.index }).toEqual({ name, hash: want?.index, map: want?.index });
      }
    }
    expect(dynsym.byName("no_such_symbol_at_all")).toBeUndefined();
    expect(dynsym.byName("")).toBeUndefined();
  });

  it("SymbolTable.byName() returns the default version of a versioned name and never an import", () => {
    const memcpy = dynsym.byName("memcpy")!;
    const defaultVersion = expected.find((s) => s.name === "memcpy" && s.version === "@@")!;
    expect(memcpy.st_value).toBe(defaultVersion.value);
    const imported = expected.find((s) => s.shndx === 0 && s.index > 0 && !expected.some((t) => t.name === s.name && t.shndx !== 0))!;
    expect(dynsym.byName(imported.name)).toBeUndefined();
  });

  it("SymbolTable.byName() through the SysV .hash equals the linear scan", () => {
    // libc carries both: hide the GNU table by using a copy of the file whose .gnu.hash is retyped.
    const bytes = new Uint8Array(readFileSync(LIBC));
    const gnu = elf.sections.find((s) => s.sh_type === SHT_GNU_HASH)!;
    const header = elf.header.e_shoff + gnu.index * elf.header.e_shentsize;
    new DataView(bytes.buffer).setUint32(header + 4, 1, true); // SHT_PROGBITS
    const copy = new ElfFile(bufferSource(bytes));
    const sysv = new SymbolTable(copy, copy.section(".dynsym")!);
    expect(sysv.hash).toBe("sysv");
    for (const name of new Set(expected.map((s) => s.name))) {
      expect(sysv.byName(name)?.index, name).toBe(expectedByName(expected, name)?.index);
    }
  });

  it("SymbolTable.at() returns the containing sized symbol, else the nearest preceding function or object", () => {
    const candidates = expected.filter((s) => s.shndx !== 0 && s.shndx < 0xff00 && s.type !== STT_SECTION && s.type !== STT_FILE && s.type !== 6);
    for (const symbol of candidates.filter((s) => s.size > 0n)) {
      for (const address of [symbol.value, symbol.value + symbol.size / 2n, symbol.value + symbol.size - 1n]) {
        const found = dynsym.at(address)!;
        expect(found.st_value <= address && address < found.st_value + found.st_size).toBe(true);
        // Innermost: no containing candidate starts later.
        const later = candidates.some((s) => s.value > found.st_value && s.value <= address && address < s.value + s.size);
        expect(later).toBe(false);
      }
    }
    // An address in a gap: the nearest preceding function/object symbol.
    const sorted = candidates.filter((s) => s.type === STT_FUNC || s.type === STT_OBJECT || s.type === 10).sort((a, b) => (a.value < b.value ? -1 : 1));
    let checked = 0;
    for (let i = 0; i + 1 < sorted.length && checked < 200; i++) {
      const a = sorted[i]!;
      const b = sorted[i + 1]!;
      const gap = a.value + a.size + 1n;
      if (a.size === 0n || gap >= b.value) continue;
      const covered = candidates.some((s) => s.value <= gap && gap < s.value + s.size);
      if (covered) continue;
      expect(dynsym.containing(gap)).toBeUndefined();
      expect(dynsym.at(gap)!.st_value).toBe(a.value);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(dynsym.at(0n)).toBeUndefined();
    expect(dynsym.at(-1n)).toBeUndefined();
  });
});

describe.skipIf(!hasReadelf || !existsSync(LIBPYTHON))("SymbolTable on libpython 3.12", () => {
  const bytes = readFileSync(LIBPYTHON);
  const elf = new ElfFile(bufferSource(bytes));
  const tables = readelfSymbols(LIBPYTHON);

  it("SymbolTable decodes .symtab and .dynsym as readelf --syms does", () => {
    const symbols = ElfSymbols.of(elf);
    expectSameAsReadelf(symbols.symtab!, tables.get(".symtab")!);
    expectSameAsReadelf(symbols.dynsym!, tables.get(".dynsym")!);
  });

  it("ElfSymbols.byName() on a cold file reads only the hash table, .dynsym and .dynstr", () => {
    const { source, ranges } = recordingSource(bytes);
    const cold = new ElfFile(source);
    const before = ranges.length;
    const runtime = ElfSymbols.of(cold).byName("_PyRuntime")!;
    expect(runtime.name).toBe("_PyRuntime");
    expect(runtime.st_value).toBe(tables.get(".dynsym")!.find((s) => s.name === "_PyRuntime")!.value);
    const allowed = [".gnu.hash", ".dynsym", ".dynstr", ".gnu.version"].map((name) => cold.section(name)!);
    for (const [start, end] of ranges.slice(before)) {
      expect(
        allowed.some((s) => start >= s.sh_offset && end <= s.sh_offset + s.sh_size),
        `range ${start}..${end}`,
      ).toBe(true);
    }
  });

  it("ElfSymbols.byName() finds a local .symtab symbol that .dynsym lacks", () => {
    const symtab = tables.get(".symtab")!;
    const dynamicNames = new Set(tables.get(".dynsym")!.map((s) => s.name));
    const local = symtab.find(
      (s) => s.bind === STB_LOCAL && s.type === STT_FUNC && !dynamicNames.has(s.name) && symtab.filter((t) => t.name === s.name).length === 1,
    )!;
    expect(ElfSymbols.of(elf).byName(local.name)?.st_value).toBe(local.value);
  });

  it("SymbolTable.byName() on .symtab equals the linear scan for every name", () => {
    const byName = new Map<string, ReadelfSymbol[]>();
    for (const symbol of tables.get(".symtab")!) byName.set(symbol.name, [...(byName.get(symbol.name) ?? []), symbol]);
    const table = ElfSymbols.of(elf).symtab!;
    for (const [name, symbols] of byName) {
      if (name === "") continue;
      expect(table.byName(name)?.index, name).toBe(expectedByName(symbols, name)?.index);
    }
  });

  it("ElfSymbols.at() names every sized function of .symtab from inside it", () => {
    const symbols = ElfSymbols.of(elf);
    const functions = tables.get(".symtab")!.filter((s) => s.type === STT_FUNC && s.size > 0n && s.shndx !== 0);
    expect(functions.length).toBeGreaterThan(5000);
    for (const fn of functions) {
      const found = symbols.at(fn.value + fn.size / 2n)!;
      // Aliases share a start; nested symbols start later.
      expect(found.st_value >= fn.value && found.st_value <= fn.value + fn.size / 2n, fn.name).toBe(true);
      expect(fn.value + fn.size / 2n < found.st_value + found.st_size).toBe(true);
    }
    const evalFrame = symbols.byName("_PyEval_EvalFrameDefault")!;
    expect(symbols.at(evalFrame.st_value + 100n)?.name).toBe("_PyEval_EvalFrameDefault");
  });

  it("ElfSymbols.of() caches one instance per ElfFile", () => {
    expect(ElfSymbols.of(elf)).toBe(ElfSymbols.of(elf));
    expect(ElfSymbols.of(elf).dynsym).toBe(ElfSymbols.of(elf).dynsym);
  });
});

describe.skipIf(!hasReadelf || !existsSync(PYTHON311))("SymbolTable on a stripped python3.11", () => {
  const elf = open(PYTHON311);
  const dynamic = readelfSymbols(PYTHON311, "--dyn-syms").get(".dynsym")!;

  it("ElfSymbols.byName() finds _PyRuntime and Py_Version in .dynsym", () => {
    const symbols = ElfSymbols.of(elf);
    expect(symbols.symtab).toBeUndefined();
    expect(symbols.dynsym!.hash).toBe("gnu");
    for (const name of ["_PyRuntime", "Py_Version", "PyEval_EvalFrameDefault", "main"]) {
      const want = dynamic.find((s) => s.name === name && s.shndx !== 0);
      expect(symbols.byName(name)?.st_value, name).toBe(want?.value);
    }
    expectSameAsReadelf(symbols.dynsym!, dynamic);
  });

  it("ElfSymbols.at() falls back to the nearest preceding exported function in stripped code", () => {
    const symbols = ElfSymbols.of(elf);
    const functions = dynamic.filter((s) => s.type === STT_FUNC && s.shndx !== 0 && s.size > 0n).sort((a, b) => (a.value < b.value ? -1 : 1));
    const a = functions.find((s, i) => functions[i + 1] && functions[i + 1]!.value > s.value + s.size + 16n)!;
    const address = a.value + a.size + 8n;
    const covered = dynamic.some((s) => s.shndx !== 0 && s.value <= address && address < s.value + s.size);
    if (!covered) expect(symbols.at(address)?.st_value).toBe(a.value);
  });
});

describe.skipIf(!hasReadelf || !existsSync(LS))("SymbolTable on /bin/ls", () => {
  it("SymbolTable decodes .dynsym as readelf does", () => {
    const elf = open(LS);
    const expected = readelfSymbols(LS, "--dyn-syms").get(".dynsym")!;
    const table = ElfSymbols.of(elf).dynsym!;
    expectSameAsReadelf(table, expected);
    for (const symbol of expected) if (symbol.name) expect(table.byName(symbol.name)?.index).toBe(expectedByName(expected, symbol.name)?.index);
  });
});

describe.skipIf(!hasReadelf || !hasGcc)("SymbolTable on ELF32 libraries built with gcc -m32", () => {
  const source = join(temporary, "s.c");
  writeFileSync(
    source,
    "int counter = 3;\nstatic int hidden;\nint add(int a, int b) { return a + b + counter + hidden; }\n" +
      "static int helper(int x) { return x * 2; }\nint use(int x) { return helper(x); }\n" +
      'const char *name(void) { return "x"; }\nint weak_one(void) __attribute__((weak));\nint weak_one(void) { return 1; }\n',
  );
  for (const style of ["gnu", "sysv"] as const) {
    const output = join(temporary, `lib32-${style}.so`);
    const built = spawnSync("gcc", ["-m32", "-shared", "-nostdlib", "-fPIC", `-Wl,--hash-style=${style}`, source, "-o", output]).status === 0;
    it.skipIf(!built)(`SymbolTable reads ELF32 .dynsym/.symtab with a ${style} hash`, () => {
      const elf = open(output);
      expect(elf.is64).toBe(false);
      const tables = readelfSymbols(output);
      const symbols = ElfSymbols.of(elf);
      expect(symbols.dynsym!.hash).toBe(style);
      expectSameAsReadelf(symbols.dynsym!, tables.get(".dynsym")!);
      expectSameAsReadelf(symbols.symtab!, tables.get(".symtab")!);
      for (const name of ["add", "use", "name", "counter", "weak_one"]) {
        const want = tables.get(".dynsym")!.find((s) => s.name === name)!;
        expect(symbols.byName(name)?.st_value, name).toBe(want.value);
        expect(symbols.at(want.value + 1n)?.name).toBe(name);
      }
      const helper = tables.get(".symtab")!.find((s) => s.name === "helper")!;
      expect(symbols.byName("helper")?.st_value).toBe(helper.value);
      expect(symbols.at(helper.value + 2n)?.name).toBe("helper");
    });
  }
});

// ----- hand-built tables: both classes, both byte orders -----

const layouts = TEST_LAYOUTS;

const SAMPLE: TestSymbol[] = [
  { name: "imported", shndx: 0 },
  { name: "alpha", value: 0x1000n, size: 0x40n },
  { name: "beta", value: 0x1040n, size: 0x20n },
  { name: "gamma", value: 0x1100n, size: 0n },
  { name: "outer", value: 0x2000n, size: 0x100n, type: STT_OBJECT },
  { name: "inner", value: 0x2010n, size: 0x10n, type: STT_OBJECT },
  { name: "label", value: 0x3000n, size: 0n, type: STT_NOTYPE },
  { name: "weak_alias", value: 0x1000n, size: 0x40n, bind: STB_WEAK },
  { name: "local_thing", value: 0x4000n, size: 8n, bind: STB_LOCAL },
  { name: "dup", value: 0x5000n, size: 8n, bind: STB_LOCAL },
  { name: "dup", value: 0x5008n, size: 8n, bind: STB_GLOBAL },
  { name: "ünïcode", value: 0x6000n, size: 4n },
  ...Array.from({ length: 40 }, (_, i): TestSymbol => ({ name: `sym_${i}`, value: 0x10000n + BigInt(i) * 0x10n, size: 0x10n })),
];

function sampleElf(
  layout: { is64: boolean; littleEndian: boolean },
  extra: { nbuckets?: number; dynsymEntsize?: number; gnuHashSize?: number; strtabLink?: string } = {},
): { bytes: Uint8Array; symbols: TestSymbol[] } {
  const table = dynamicSymbolTable(SAMPLE, { ...layout, nbuckets: extra.nbuckets ?? 5 });
  const entsize = layout.is64 ? 24 : 16;
  const bytes = buildElf({
    ...layout,
    sections: [
      { name: ".gnu.hash", type: SHT_GNU_HASH, link: ".dynsym", data: table.gnuHash, ...(extra.gnuHashSize === undefined ? {} : { size: extra.gnuHashSize }) },
      { name: ".hash", type: SHT_HASH, link: ".dynsym", entsize: 4, data: table.sysvHash },
      { name: ".dynsym", type: SHT_DYNSYM, link: extra.strtabLink ?? ".dynstr", entsize: extra.dynsymEntsize ?? entsize, info: 1, data: table.dynsym },
      { name: ".dynstr", type: SHT_STRTAB, align: 1, data: table.dynstr },
    ],
  });
  return { bytes, symbols: table.symbols };
}

describe("SymbolTable on hand-built tables", () => {
  for (const layout of layouts) {
    const { label } = layout;
    it(`SymbolTable.byName() finds every defined symbol through GNU, SysV and the map (${label})`, () => {
      const { bytes, symbols } = sampleElf(layout);
      const elf = new ElfFile(bufferSource(bytes));
      const section = elf.section(".dynsym")!;
      const gnu = new SymbolTable(elf, section);
      const map = new SymbolTable(elf, section, { useHash: false });
      // Retype .gnu.hash to reach the SysV table.
      const copy = bytes.slice();
      const gnuSection = elf.section(".gnu.hash")!;
      new DataView(copy.buffer).setUint32(elf.header.e_shoff + gnuSection.index * elf.header.e_shentsize + 4, 1, layout.littleEndian);
      const sysvElf = new ElfFile(bufferSource(copy));
      const sysv = new SymbolTable(sysvElf, sysvElf.section(".dynsym")!);
      expect([gnu.hash, sysv.hash, map.hash]).toEqual(["gnu", "sysv", "none"]);
      expect(gnu.count).toBe(symbols.length + 1);
      symbols.forEach((symbol, i) => {
        const got = gnu.get(i + 1);
        expect(got.name).toBe(symbol.name);
        expect(got.st_value).toBe(symbol.value ?? 0n);
        expect(got.st_size).toBe(symbol.size ?? 0n);
      });
      for (const symbol of symbols) {
        const want =
          symbol.shndx === 0
            ? undefined
            : symbols.filter((s) => s.name === symbol.name && s.shndx !== 0).sort((a, b) => Number(a.bind === STB_LOCAL) - Number(b.bind === STB_LOCAL))[0];
        for (const table of [gnu, sysv, map]) {
          const found = table.byName(symbol.name);
          expect(found?.st_value, `${table.hash} ${symbol.name}`).toBe(want?.value);
        }
      }
      expect(gnu.byName("dup")!.st_value).toBe(0x5008n); // the global one, not the local
      for (const table of [gnu, sysv, map]) expect(table.byName("missing")).toBeUndefined();
    });

    it(`SymbolTable.at() picks innermost, aliases and preceding symbols (${label})`, () => {
      const elf = new ElfFile(bufferSource(sampleElf(layout).bytes));
      const table = new SymbolTable(elf, elf.section(".dynsym")!);
      expect(table.at(0x1010n)?.name).toBe("alpha"); // global preferred over its weak alias
      expect(table.at(0x1050n)?.name).toBe("beta");
      expect(table.at(0x1080n)?.name).toBe("beta"); // past beta's end: preceding function
      expect(table.containing(0x1080n)).toBeUndefined();
      expect(table.at(0x1100n)?.name).toBe("gamma"); // size 0: preceding
      expect(table.at(0x2018n)?.name).toBe("inner");
      expect(table.at(0x2020n)?.name).toBe("outer");
      expect(table.at(0x3004n)?.name).toBe("inner"); // the nearest preceding object; NOTYPE labels are not candidates
      expect(table.at(0x10015n)?.name).toBe("sym_1");
      expect(table.at(0xfffn)).toBeUndefined();
      expect(table.at(0xffffffffffffffffn)?.name).toBe("sym_39");
    });
  }

  it("SymbolTable handles 64-bit values above 2^53 exactly", () => {
    const high = 0xffffffff81000000n;
    const symbols: TestSymbol[] = [
      { name: "kernel_a", value: high, size: 0x100n },
      { name: "kernel_b", value: high + 0x100n, size: 0x100n },
      { name: "wraps", value: 0xffffffffffffff00n, size: 0x200n },
    ];
    const strings = stringTable(symbols.map((s) => s.name));
    const bytes = buildElf({
      is64: true,
      littleEndian: false,
      sections: [
        { name: ".symtab", type: SHT_SYMTAB, link: ".strtab", entsize: 24, data: symbolEntries(symbols, strings.offsets, true, false) },
        { name: ".strtab", type: SHT_STRTAB, data: strings.bytes },
      ],
    });
    const elf = new ElfFile(bufferSource(bytes));
    const table = ElfSymbols.of(elf).symtab!;
    expect(table.at(high + 0xffn)?.name).toBe("kernel_a");
    expect(table.at(high + 0x100n)?.name).toBe("kernel_b");
    expect(table.at(0xffffffffffffffffn)?.name).toBe("wraps");
    expect(table.byName("kernel_b")?.st_value).toBe(high + 0x100n);
  });

  it("ElfSymbols.at() prefers a containing .dynsym symbol over a preceding .symtab one", () => {
    const dynamic = dynamicSymbolTable([{ name: "exported", value: 0x2000n, size: 0x100n }], { is64: true, littleEndian: true });
    const local: TestSymbol[] = [{ name: "static_fn", value: 0x1000n, size: 0x10n, bind: STB_LOCAL }];
    const strings = stringTable(local.map((s) => s.name));
    const bytes = buildElf({
      is64: true,
      littleEndian: true,
      sections: [
        { name: ".dynsym", type: SHT_DYNSYM, link: ".dynstr", entsize: 24, data: dynamic.dynsym },
        { name: ".dynstr", type: SHT_STRTAB, data: dynamic.dynstr },
        { name: ".symtab", type: SHT_SYMTAB, link: ".strtab", entsize: 24, data: symbolEntries(local, strings.offsets, true, true) },
        { name: ".strtab", type: SHT_STRTAB, data: strings.bytes },
      ],
    });
    const symbols = ElfSymbols.of(new ElfFile(bufferSource(bytes)));
    expect(symbols.dynsym!.hash).toBe("none");
    expect(symbols.at(0x2010n)?.name).toBe("exported");
    expect(symbols.at(0x1008n)?.name).toBe("static_fn");
    expect(symbols.at(0x1800n)?.name).toBe("static_fn");
    expect(symbols.at(0x3000n)?.name).toBe("exported");
    expect(symbols.byName("static_fn")?.st_value).toBe(0x1000n);
    expect(symbols.byName("exported")?.st_value).toBe(0x2000n);
  });
});

// ----- malformed input -----

describe("SymbolTable on malformed input", () => {
  const layout = { is64: true, littleEndian: true };

  it("SymbolTable rejects sh_entsize 0 and a size that is not a multiple of it", () => {
    const zero = new ElfFile(bufferSource(sampleElf(layout, { dynsymEntsize: 0 }).bytes));
    expectFormatError(() => new SymbolTable(zero, zero.section(".dynsym")!), "bad-value");
    expectFormatError(() => ElfSymbols.of(zero).byName("alpha"), "bad-value");
    const odd = new ElfFile(bufferSource(sampleElf(layout, { dynsymEntsize: 16 }).bytes));
    expectFormatError(() => new SymbolTable(odd, odd.section(".dynsym")!), "bad-value");
  });

  it("SymbolTable rejects a sh_link that is not a string table", () => {
    const elf = new ElfFile(bufferSource(sampleElf(layout, { strtabLink: ".hash" }).bytes));
    expectFormatError(() => new SymbolTable(elf, elf.section(".dynsym")!), "bad-value");
  });

  it("SymbolTable throws TypeError for a section that is not a symbol table", () => {
    const elf = new ElfFile(bufferSource(sampleElf(layout).bytes));
    expect(() => new SymbolTable(elf, elf.section(".dynstr")!)).toThrow(TypeError);
    expect(() => new SymbolTable(elf, elf.section(".dynsym")!).get(1000)).toThrow(RangeError);
  });

  it("SymbolTable iteration stops at a name outside the string table", () => {
    const strings = stringTable(["ok"]);
    const w = new ByteWriter(false, false);
    w.u32(0).u32(0).u32(0).u8(0).u8(0).u16(0);
    w.u32(strings.offsets.get("ok")!).u32(0x10).u32(4).u8(0x12).u8(0).u16(1);
    w.u32(0x1000).u32(0x20).u32(4).u8(0x12).u8(0).u16(1); // st_name out of range
    const bytes = buildElf({
      is64: false,
      littleEndian: false,
      sections: [
        { name: ".symtab", type: SHT_SYMTAB, link: ".strtab", entsize: 16, data: w.finish() },
        { name: ".strtab", type: SHT_STRTAB, data: strings.bytes },
      ],
    });
    const table = ElfSymbols.of(new ElfFile(bufferSource(bytes))).symtab!;
    const seen: string[] = [];
    expectFormatError(() => {
      for (const symbol of table) seen.push(symbol.name);
    }, "bad-value");
    expect(seen).toEqual(["", "ok"]);
    // The first lookups scan names in order: "ok" comes before the bad entry, a miss reaches it.
    expect(table.byName("ok")?.name).toBe("ok");
    expectFormatError(() => table.byName("missing"), "bad-value");
    expectFormatError(() => table.at(0x20n), "bad-value");
    expect(table.at(0x10n)?.name).toBe("ok");
  });

  it("SymbolTable.byName() reports a truncated or inconsistent .gnu.hash", () => {
    for (const size of [0, 10, 20, 40]) {
      const elf = new ElfFile(bufferSource(sampleElf(layout, { gnuHashSize: size }).bytes));
      expectFormatError(() => ElfSymbols.of(elf).byName("alpha"), "truncated");
    }
    // A bucket naming a symbol past the table.
    const { bytes } = sampleElf(layout, { nbuckets: 1 });
    const elf = new ElfFile(bufferSource(bytes));
    const gnu = elf.section(".gnu.hash")!;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const bucketAt = gnu.sh_offset + 16 + 8 * 2;
    view.setUint32(bucketAt, 5000, true);
    expectFormatError(() => new SymbolTable(new ElfFile(bufferSource(bytes)), elf.section(".dynsym")!).byName("alpha"), "bad-value");
    // A chain whose last entry lacks the end bit runs past the table.
    const { bytes: endless } = sampleElf(layout, { nbuckets: 1 });
    const chainEnd = gnu.sh_offset + gnu.sh_size - 4;
    const endView = new DataView(endless.buffer, endless.byteOffset);
    endView.setUint32(chainEnd, endView.getUint32(chainEnd, true) & ~1, true);
    for (let word = 0; word < 2; word++) endView.setBigUint64(gnu.sh_offset + 16 + word * 8, 0xffffffffffffffffn, true); // every name passes the bloom filter
    expectFormatError(() => new SymbolTable(new ElfFile(bufferSource(endless)), elf.section(".dynsym")!).byName("no_such_name_here"));
  });

  it("SymbolTable.byName() reports a truncated or looping SysV .hash", () => {
    const { bytes } = sampleElf(layout);
    const elf = new ElfFile(bufferSource(bytes));
    const retype = (copy: Uint8Array): void => {
      const gnu = elf.section(".gnu.hash")!;
      new DataView(copy.buffer).setUint32(elf.header.e_shoff + gnu.index * elf.header.e_shentsize + 4, 1, true);
    };
    const looping = bytes.slice();
    retype(looping);
    const hash = elf.section(".hash")!;
    const view = new DataView(looping.buffer);
    const nbucket = view.getUint32(hash.sh_offset, true);
    // Point every chain entry at itself.
    const chainStart = hash.sh_offset + 8 + nbucket * 4;
    for (let i = 1; i < 10; i++) view.setUint32(chainStart + i * 4, i, true);
    for (let b = 0; b < nbucket; b++) view.setUint32(hash.sh_offset + 8 + b * 4, 1 + (b % 9), true);
    expectFormatError(() => new SymbolTable(new ElfFile(bufferSource(looping)), elf.section(".dynsym")!).byName("no_such_name"), "bad-value");
    const truncated = bytes.slice();
    retype(truncated);
    new DataView(truncated.buffer).setUint32(hash.sh_offset + 4, 100000, true); // nchain too large
    expectFormatError(() => new SymbolTable(new ElfFile(bufferSource(truncated)), elf.section(".dynsym")!).byName("alpha"), "truncated");
  });

  it("SymbolTable reports a table that runs past the end of the file", () => {
    const { bytes } = sampleElf(layout);
    const elf = new ElfFile(bufferSource(bytes));
    const dynsym = elf.section(".dynsym")!;
    const copy = bytes.slice();
    // sh_size of .dynsym: 24 * 100000.
    new DataView(copy.buffer).setBigUint64(elf.header.e_shoff + dynsym.index * elf.header.e_shentsize + 32, 2400000n, true);
    expectFormatError(() => ElfSymbols.of(new ElfFile(bufferSource(copy))).dynsym, "truncated");
  });

  it("SymbolTable, on random corruptions of a valid file, returns values or throws ElfFormatError only", () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const layout of layouts) {
      const { bytes, symbols } = sampleElf(layout);
      for (let round = 0; round < 300; round++) {
        const copy = bytes.slice();
        for (let flips = 1 + random(8); flips > 0; flips--) copy[random(copy.length)] = random(256);
        const names = symbols.map((s) => s.name);
        try {
          const elf = new ElfFile(bufferSource(copy));
          for (const section of elf.sections) {
            if (section.sh_type !== SHT_DYNSYM && section.sh_type !== SHT_SYMTAB) continue;
            for (const useHash of [true, false]) {
              try {
                const table = new SymbolTable(elf, section, { useHash });
                const seen: ElfSymbol[] = [];
                for (const symbol of table) seen.push(symbol);
                for (const name of names) table.byName(name);
                for (const address of [0n, 0x1000n, 0x2018n, 0x10015n, 0xffffffffn]) table.at(address);
              } catch (error) {
                if (!ElfFormatError.isInstance(error)) throw error;
              }
            }
          }
          const all = new ElfSymbols(elf);
          try {
            all.byName("alpha");
            all.at(0x1010n);
          } catch (error) {
            if (!ElfFormatError.isInstance(error)) throw error;
          }
        } catch (error) {
          if (!ElfFormatError.isInstance(error)) throw error;
        }
      }
    }
  });
});

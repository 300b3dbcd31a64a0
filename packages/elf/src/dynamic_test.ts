import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { DT_NEEDED, DT_NULL, DT_SONAME, DT_STRSZ, DT_STRTAB, PT_DYNAMIC, PT_LOAD, SHT_DYNAMIC, SHT_STRTAB } from "./constants.js";
import { decodeDynamic, dynamicEntries, neededLibraries, soname } from "./dynamic.js";
import { ElfFile } from "./elf_file.js";
import { ElfFormatError } from "./elf_format_error.js";
import { ByteWriter, buildElf, stringTable, TEST_LAYOUTS } from "./_test_elf_builder.js";
import { SAMPLE_FILES, expectFormatError, hasTool } from "../test/_expect.js";

const FILES = SAMPLE_FILES;

const hasReadelf = hasTool("readelf");
const hasObjcopy = hasTool("objcopy");

interface ReadelfDynamic {
  tag: number;
  text: string;
}

/** Parses `readelf -d`: each entry's tag and printed value, DT_NULL included. */
function readelfDynamic(path: string): ReadelfDynamic[] {
  const output = execFileSync("readelf", ["--wide", "-d", path], { encoding: "utf8" });
  const entries: ReadelfDynamic[] = [];
  for (const line of output.split("\n")) {
    const match = /^\s*0x([0-9a-f]+)\s+\((\w+)\)\s+(.*)$/.exec(line);
    if (match) entries.push({ tag: Number.parseInt(match[1]!, 16), text: match[3]!.trim() });
  }
  return entries;
}

function open(path: string): ElfFile {
  return new ElfFile(bufferSource(readFileSync(path)));
}

describe.skipIf(!hasReadelf)("dynamicEntries() on real files", () => {
  for (const path of FILES) {
    it(`dynamicEntries(), neededLibraries() and soname() match readelf -d for ${path}`, () => {
      const elf = open(path);
      const expected = readelfDynamic(path);
      expect(expected.at(-1)?.tag).toBe(DT_NULL);
      const entries = dynamicEntries(elf);
      // readelf lists the terminating DT_NULL; the function stops before it.
      const firstNull = expected.findIndex((e) => e.tag === DT_NULL);
      expect(entries.map((e) => e.tag)).toEqual(expected.slice(0, firstNull).map((e) => e.tag));
      entries.forEach((entry, i) => {
        const text = expected[i]!.text;
        if (/^0x[0-9a-f]+$/.test(text)) expect(entry.value).toBe(BigInt(text));
        const bytes = /^(\d+) \(bytes\)$/.exec(text);
        if (bytes) expect(entry.value).toBe(BigInt(bytes[1]!));
      });
      const needed = expected.filter((e) => e.tag === DT_NEEDED).map((e) => /\[(.*)\]/.exec(e.text)![1]);
      expect(neededLibraries(elf)).toEqual(needed);
      const name = expected.find((e) => e.tag === DT_SONAME);
      expect(soname(elf)).toBe(name ? /\[(.*)\]/.exec(name.text)![1] : undefined);
    });
  }

  it("soname() reads libc.so.6 and libpython's names", () => {
    const libc = FILES.find((p) => p.endsWith("libc.so.6"));
    if (libc) expect(soname(open(libc))).toBe("libc.so.6");
    const libpython = FILES.find((p) => p.includes("libpython"));
    if (libpython) expect(soname(open(libpython))).toBe("libpython3.12.so.1.0");
    const ls = FILES.find((p) => p.endsWith("/ls"));
    if (ls) expect(soname(open(ls))).toBeUndefined();
  });
});

describe.skipIf(!hasObjcopy || !existsSync("/bin/ls"))("dynamicEntries() on a separate debug file", () => {
  const directory = mkdtempSync(join(tmpdir(), "corestack-elf-dynamic-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  it("dynamicEntries() is empty when the dynamic array is not stored (objcopy --only-keep-debug)", () => {
    const output = join(directory, "ls.debug");
    execFileSync("objcopy", ["--only-keep-debug", "/bin/ls", output]);
    const elf = open(output);
    expect(dynamicEntries(elf)).toEqual([]);
    expect(neededLibraries(elf)).toEqual([]);
    expect(soname(elf)).toBeUndefined();
  });
});

/** A file whose dynamic array names its strings by address, as a linked file does. */
function dynamicElf(
  layout: { is64: boolean; littleEndian: boolean },
  options: { strtabAddress?: bigint; neededOffset?: number; truncate?: number; withDynstr?: boolean; withSegments?: boolean } = {},
): Uint8Array {
  const strings = stringTable(["libfoo.so.1", "libbar.so.2", "libself.so.3"]);
  const strtabAddress = options.strtabAddress ?? 0x10200n;
  const dynamic = new ByteWriter(layout.is64, layout.littleEndian);
  const entry = (tag: number, value: bigint | number): void => {
    if (layout.is64) dynamic.u64(tag).u64(value);
    else dynamic.u32(tag).u32(Number(value));
  };
  entry(DT_NEEDED, options.neededOffset ?? strings.offsets.get("libfoo.so.1")!);
  entry(DT_NEEDED, strings.offsets.get("libbar.so.2")!);
  entry(DT_SONAME, strings.offsets.get("libself.so.3")!);
  entry(DT_STRTAB, strtabAddress);
  entry(DT_STRSZ, strings.bytes.length);
  entry(0x6ffffef5, 0x10100n);
  entry(DT_NULL, 0);
  entry(DT_NEEDED, 1); // after DT_NULL: ignored
  let array = dynamic.finish();
  if (options.truncate !== undefined) array = array.subarray(0, options.truncate);
  const withSegments = options.withSegments ?? true;
  return buildElf({
    ...layout,
    sections: [
      { name: options.withDynstr === false ? ".strings" : ".dynstr", type: SHT_STRTAB, addr: 0x10200n, align: 1, data: strings.bytes },
      { name: ".dynamic", type: SHT_DYNAMIC, addr: 0x10300n, link: options.withDynstr === false ? 0 : ".dynstr", entsize: layout.is64 ? 16 : 8, data: array },
    ],
    segments: withSegments
      ? [
          { type: PT_LOAD, section: ".dynstr", vaddr: 0x10200n, ...(options.withDynstr === false ? { section: ".strings" } : {}) },
          { type: PT_DYNAMIC, section: ".dynamic" },
        ]
      : [],
  });
}

describe("dynamicEntries() on hand-built files", () => {
  for (const layout of TEST_LAYOUTS) {
    const { label } = layout;
    it(`dynamicEntries() stops at DT_NULL and resolves DT_STRTAB through PT_LOAD (${label})`, () => {
      const elf = new ElfFile(bufferSource(dynamicElf(layout)));
      const entries = dynamicEntries(elf);
      expect(entries.map((e) => e.tag)).toEqual([DT_NEEDED, DT_NEEDED, DT_SONAME, DT_STRTAB, DT_STRSZ, 0x6ffffef5]);
      expect(entries[5]!.value).toBe(0x10100n);
      expect(neededLibraries(elf)).toEqual(["libfoo.so.1", "libbar.so.2"]);
      expect(soname(elf)).toBe("libself.so.3");
    });

    it(`dynamicEntries() falls back to the .dynamic and .dynstr sections without program headers (${label})`, () => {
      const elf = new ElfFile(bufferSource(dynamicElf(layout, { withSegments: false })));
      expect(neededLibraries(elf)).toEqual(["libfoo.so.1", "libbar.so.2"]);
    });
  }

  it("neededLibraries() uses .dynstr when DT_STRTAB is in no segment", () => {
    const elf = new ElfFile(bufferSource(dynamicElf({ is64: true, littleEndian: true }, { strtabAddress: 0x99999999n })));
    expect(neededLibraries(elf)).toEqual(["libfoo.so.1", "libbar.so.2"]);
  });

  it("neededLibraries() reports a string offset outside the string table", () => {
    const elf = new ElfFile(bufferSource(dynamicElf({ is64: true, littleEndian: true }, { neededOffset: 5000 })));
    expectFormatError(() => neededLibraries(elf), "bad-value");
  });

  it("neededLibraries() reports a missing string table", () => {
    const elf = new ElfFile(
      bufferSource(dynamicElf({ is64: false, littleEndian: true }, { strtabAddress: 0x99999999n, withDynstr: false, withSegments: false })),
    );
    expectFormatError(() => neededLibraries(elf), "not-found");
  });

  it("dynamicEntries() reports a partial entry before DT_NULL", () => {
    const elf = new ElfFile(bufferSource(dynamicElf({ is64: true, littleEndian: false }, { truncate: 40 })));
    expectFormatError(() => dynamicEntries(elf), "truncated");
  });

  it("decodeDynamic() decodes memory bytes and rejects tags beyond safe integers", () => {
    const w = new ByteWriter(true, true).u64(DT_NEEDED).u64(7).u64(0).u64(0);
    expect(decodeDynamic(w.finish(), { is64: true, littleEndian: true })).toEqual([{ tag: DT_NEEDED, value: 7n }]);
    const bad = new ByteWriter(true, true).u64(0x7fffffffffffffffn).u64(1).finish();
    expectFormatError(() => decodeDynamic(bad, { is64: true, littleEndian: true, offset: 0x100 }), "bad-value");
    expect(decodeDynamic(new Uint8Array(0), { is64: false, littleEndian: true })).toEqual([]);
  });

  it("dynamicEntries(), on random corruptions, returns values or throws ElfFormatError only", () => {
    let seed = 99;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const is64 of [true, false]) {
      const bytes = dynamicElf({ is64, littleEndian: !is64 });
      for (let round = 0; round < 500; round++) {
        const copy = bytes.slice();
        for (let flips = 1 + random(6); flips > 0; flips--) copy[random(copy.length)] = random(256);
        try {
          const elf = new ElfFile(bufferSource(copy));
          dynamicEntries(elf);
          neededLibraries(elf);
          soname(elf);
        } catch (error) {
          if (!ElfFormatError.isInstance(error)) throw error;
        }
      }
    }
  });
});

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildIdHex } from "./build_id.js";
import { bufferSource } from "./byte_source.js";
import { SHT_PROGBITS } from "./constants.js";
import { debugAltLink, debugLink, debugLinkCrc32 } from "./debug_link.js";
import { ElfFile } from "./elf_file.js";
import { ByteWriter, buildElf } from "./_test_elf_builder.js";
import { expectFormatError, hasTool } from "../test/_expect.js";

const FILES = ["/bin/ls", "/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6"].filter((path) => existsSync(path));
const hasReadelf = hasTool("readelf");
const hasObjcopy = hasTool("objcopy");

interface ReadelfLinks {
  file?: string;
  crc?: number;
  altFile?: string;
  altBuildId?: string;
}

/** Parses `readelf --debug-dump=links` (warnings about missing files go to stderr). */
function readelfLinks(path: string): ReadelfLinks {
  const result = spawnSync("readelf", ["--debug-dump=links", path], { encoding: "utf8" });
  const links: ReadelfLinks = {};
  const sections = result.stdout.split(/Contents of the (\S+) section/);
  for (let i = 1; i < sections.length; i += 2) {
    const body = sections[i + 1]!;
    const file = /Separate debug info file: (.*)/.exec(body)?.[1]?.trim();
    if (sections[i] === ".gnu_debuglink") {
      if (file !== undefined) links.file = file;
      const crc = /CRC value: 0x([0-9a-f]+)/.exec(body)?.[1];
      if (crc !== undefined) links.crc = Number.parseInt(crc, 16);
    } else if (sections[i] === ".gnu_debugaltlink") {
      if (file !== undefined) links.altFile = file;
      const bytes = /Build-ID \(0x[0-9a-f]+ bytes\):\s*\n([0-9a-f ]+)/.exec(body)?.[1];
      if (bytes !== undefined) links.altBuildId = bytes.trim().replace(/\s+/g, "");
    }
  }
  return links;
}

const directory = mkdtempSync(join(tmpdir(), "corestack-elf-debug-link-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!hasReadelf)("debugLink() on real files", () => {
  for (const path of FILES) {
    it(`debugLink() and debugAltLink() match readelf --debug-dump=links for ${path}`, () => {
      const elf = new ElfFile(bufferSource(readFileSync(path)));
      const expected = readelfLinks(path);
      const link = debugLink(elf);
      expect(link?.file).toBe(expected.file);
      expect(link?.crc).toBe(expected.crc);
      const alt = debugAltLink(elf);
      expect(alt?.file).toBe(expected.altFile);
      expect(alt && buildIdHex(alt.buildId)).toBe(expected.altBuildId);
    });
  }
});

describe.skipIf(!hasObjcopy || !existsSync("/bin/ls"))("debugLink() with objcopy --add-gnu-debuglink", () => {
  it("debugLink().crc equals debugLinkCrc32() of the linked file", () => {
    const debugFile = join(directory, "ls.debug");
    const linked = join(directory, "ls.linked");
    execFileSync("objcopy", ["--only-keep-debug", "/bin/ls", debugFile]);
    execFileSync("objcopy", ["--remove-section=.gnu_debuglink", `--add-gnu-debuglink=${debugFile}`, "/bin/ls", linked]);
    const link = debugLink(new ElfFile(bufferSource(readFileSync(linked))))!;
    expect(link.file).toBe("ls.debug");
    const debugBytes = readFileSync(debugFile);
    expect(debugLinkCrc32(debugBytes)).toBe(link.crc);
    // In pieces, below and above the native threshold.
    let crc = 0;
    for (let at = 0; at < debugBytes.length; at += 1000) crc = debugLinkCrc32(debugBytes.subarray(at, at + 1000), crc);
    expect(crc).toBe(link.crc);
  });
});

describe("debugLinkCrc32()", () => {
  it("debugLinkCrc32() matches the check value and zlib.crc32", () => {
    expect(debugLinkCrc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(debugLinkCrc32(new Uint8Array(0))).toBe(0);
    const data = new Uint8Array(100_000).map((_, i) => (i * 7919) & 0xff);
    for (const length of [1, 100, 4095, 4096, 100_000]) expect(debugLinkCrc32(data.subarray(0, length))).toBe(crc32(data.subarray(0, length)));
  });
});

function linkElf(layout: { is64: boolean; littleEndian: boolean }, debuglink: Uint8Array | undefined, altlink?: Uint8Array): ElfFile {
  const sections = [];
  if (debuglink) sections.push({ name: ".gnu_debuglink", type: SHT_PROGBITS, align: 4, data: debuglink });
  if (altlink) sections.push({ name: ".gnu_debugaltlink", type: SHT_PROGBITS, align: 1, data: altlink });
  return new ElfFile(bufferSource(buildElf({ ...layout, sections })));
}

describe("debugLink() on hand-built files", () => {
  for (const littleEndian of [true, false]) {
    it(`debugLink() reads the CRC in the file's byte order (${littleEndian ? "LE" : "BE"})`, () => {
      for (const name of ["a", "abc", "abcd", "python3.11.debug"]) {
        const w = new ByteWriter(false, littleEndian).cstring(name).align(4).u32(0x12345678);
        const link = debugLink(linkElf({ is64: false, littleEndian }, w.finish()))!;
        expect(link).toEqual({ file: name, crc: 0x12345678 });
      }
    });
  }

  it("debugLink() and debugAltLink() are undefined without their sections", () => {
    const elf = linkElf({ is64: true, littleEndian: true }, undefined);
    expect(debugLink(elf)).toBeUndefined();
    expect(debugAltLink(elf)).toBeUndefined();
  });

  it("debugAltLink() reads the path and the build-id", () => {
    const w = new ByteWriter(true, true).cstring("/usr/lib/debug/.dwz/x.debug").bytes(new Uint8Array([1, 2, 3, 0xff]));
    const alt = debugAltLink(linkElf({ is64: true, littleEndian: true }, undefined, w.finish()))!;
    expect(alt.file).toBe("/usr/lib/debug/.dwz/x.debug");
    expect([...alt.buildId]).toEqual([1, 2, 3, 0xff]);
  });

  it("debugLink() reports a name without NUL and a missing CRC", () => {
    expectFormatError(() => debugLink(linkElf({ is64: true, littleEndian: true }, new TextEncoder().encode("abcdefgh"))), "bad-value");
    expectFormatError(() => debugLink(linkElf({ is64: true, littleEndian: true }, new ByteWriter(true, true).cstring("abc").finish())), "truncated");
    expectFormatError(() => debugLink(linkElf({ is64: true, littleEndian: true }, new ByteWriter(true, true).cstring("abc").u16(1).finish())), "truncated");
    expectFormatError(() => debugAltLink(linkElf({ is64: true, littleEndian: true }, undefined, new TextEncoder().encode("no-nul"))), "bad-value");
  });
});

// A file with a debuglink written by objcopy from a hand-made name, as a last cross-check.
describe.skipIf(!hasObjcopy || !hasReadelf || !existsSync("/bin/ls"))("debugLink() against readelf on objcopy output", () => {
  it("debugLink() reads a name that needs padding", () => {
    const target = join(directory, "x.debug");
    writeFileSync(target, "not really a debug file");
    const linked = join(directory, "ls.linked2");
    execFileSync("objcopy", ["--remove-section=.gnu_debuglink", `--add-gnu-debuglink=${target}`, "/bin/ls", linked]);
    const expected = readelfLinks(linked);
    expect(debugLink(new ElfFile(bufferSource(readFileSync(linked))))).toEqual({ file: expected.file, crc: expected.crc });
    expect(expected.crc).toBe(debugLinkCrc32(readFileSync(target)));
  });
});

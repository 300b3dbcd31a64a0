// CoreFile against crafted notes (issue 9, items 4 and 9): an NT_FILE note of more mappings than a
// process can have is cut at MAX_FILE_MAPPINGS with one warning (3.5 million entries took 33 s
// and 2.7 GB); thread notes that do not decode for the header's machine are said as such, not as
// "no NT_PRSTATUS note"; a file whose size is 0 (/proc/cpuinfo) is not "0 bytes, fewer than 16".
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { EM_AARCH64, NT_FILE, NT_PRSTATUS } from "./constants.js";
import { CoreFile } from "./core_file.js";
import { MAX_FILE_MAPPINGS, decodeFileNote } from "./core_notes.js";
import { ElfFormatError } from "./elf_format_error.js";
import { buildCore, fileNote, prStatus } from "./_test_core_builder.js";

/** An NT_FILE descriptor of `count` one-page mappings named "a"…"z", written directly (fileNote is slow at this size). */
function bigFileNote(count: number, order: (i: number) => number = (i) => i): Uint8Array {
  const desc = new Uint8Array(16 + count * 24 + count * 2);
  const view = new DataView(desc.buffer);
  view.setBigUint64(0, BigInt(count), true);
  view.setBigUint64(8, 4096n, true);
  for (let i = 0; i < count; i++) {
    const start = 0x1000_0000n + BigInt(order(i)) * 0x2000n;
    view.setBigUint64(16 + i * 24, start, true);
    view.setBigUint64(24 + i * 24, start + 0x1000n, true);
    desc[16 + count * 24 + i * 2] = 0x61 + (i % 26);
  }
  return desc;
}

const core = (desc: Uint8Array) =>
  new CoreFile(
    bufferSource(
      buildCore({
        notes: [
          { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
          { name: "CORE", type: NT_FILE, desc },
        ],
      }),
    ),
  );

describe("NT_FILE limits", () => {
  it("uses the first MAX_FILE_MAPPINGS of a note listing more, and says so once", () => {
    const count = MAX_FILE_MAPPINGS + 1000;
    // Descending addresses: the note is sorted, in O(n log n), after the cut (a quadratic sort of
    // this many entries would take hours: the test's timeout is the guard).
    const parsed = core(bigFileNote(count, (i) => count - i));
    expect(parsed.mappings).toHaveLength(MAX_FILE_MAPPINGS);
    expect(parsed.warnings).toEqual([
      `NT_FILE note at offset 0x${parsed.notes[1]!.offset.toString(16)} lists ${count} mappings, more than the ${MAX_FILE_MAPPINGS} a process can have: only the first ${MAX_FILE_MAPPINGS} are used`,
    ]);
    // The first entries of the note, in address order.
    expect(parsed.mappings[0]!.start).toBe(0x1000_0000n + BigInt(count - MAX_FILE_MAPPINGS + 1) * 0x2000n);
    expect(parsed.mappings.every((m, i) => i === 0 || parsed.mappings[i - 1]!.start < m.start)).toBe(true);
    expect(MAX_FILE_MAPPINGS).toBe(1 << 18);
  });

  it("a note within the limit: every mapping, no warning; decodeFileNote takes a lower limit", () => {
    const parsed = core(
      fileNote([
        { start: 0x2000n, end: 0x3000n, path: "/b" },
        { start: 0x1000n, end: 0x2000n, path: "/a" },
      ]),
    );
    expect(parsed.warnings).toEqual([]);
    expect(parsed.mappings.map((m) => m.path)).toEqual(["/a", "/b"]);
    expect(decodeFileNote(bigFileNote(10), { is64: true, littleEndian: true, maxMappings: 3 }).map((m) => m.path)).toEqual(["a", "b", "c"]);
  });

  it("names are their bytes as UTF-8, whether decoded at once (a real note) or one by one (a huge one)", () => {
    /** An NT_FILE descriptor of `count` mappings followed by `names` and `padding` zero bytes. */
    const note = (count: number, names: number[], padding: number) => {
      const desc = new Uint8Array(16 + count * 24 + names.length + padding);
      const view = new DataView(desc.buffer);
      view.setBigUint64(0, BigInt(count), true);
      view.setBigUint64(8, 4096n, true);
      for (let i = 0; i < count; i++) view.setBigUint64(16 + i * 24, 0x1000n * BigInt(i + 1), true);
      desc.set(names, 16 + count * 24);
      return desc;
    };
    const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
    const names = [
      ...ascii("/usr/lib/a.so"),
      0,
      ...[0xef, 0xbb, 0xbf, ...ascii("/bom")], // a byte-order mark is part of the name
      0,
      ...[...ascii("/caf"), 0xc3, 0xa9],
      0,
      ...[0x2f, 0xc3], // a character cut short by the NUL
      0,
      ...ascii("tail"),
    ];
    const layout = { is64: true, littleEndian: true };
    const expected = ["/usr/lib/a.so", "\ufeff/bom", "/caf\u00e9", "/\ufffd", "tail", ""];
    expect(decodeFileNote(note(6, names, 0), layout).map((m) => m.path)).toEqual(expected);
    // Past 4 MiB of names: decoded one by one, the same names ("tail" is NUL-terminated by the padding).
    expect(decodeFileNote(note(6, names, (1 << 22) + 1), layout).map((m) => m.path)).toEqual(expected);
  });
});

describe("CoreFile: why there are no threads", () => {
  it("x86-64 thread notes under an EM_AARCH64 header: none decodes, and the error says so", () => {
    const bytes = buildCore({
      notes: [
        { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
        { name: "CORE", type: NT_PRSTATUS, desc: prStatus(2) },
      ],
    });
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(18, EM_AARCH64, true);
    let error: unknown;
    try {
      new CoreFile(bufferSource(bytes));
    } catch (caught) {
      error = caught;
    }
    expect(ElfFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^None of its 2 NT_PRSTATUS notes can be decoded for EM_AARCH64 \(the ELF header's e_machine\): Cannot decode NT_PRSTATUS note at offset 0x[0-9a-f]+: 336 of 384 bytes$/,
    );
  });

  it("a core without thread notes still opens (the caller says there are none)", () => {
    expect(new CoreFile(bufferSource(buildCore({ notes: [] }))).threads).toEqual([]);
  });

  it("a file of 0 bytes (empty, or /proc/cpuinfo, which has contents but no size) is said to be that", () => {
    expect(() => new CoreFile(bufferSource(new Uint8Array(0)))).toThrowError(
      "Not a core file: its size is 0 bytes (an empty file, or a /proc or /sys file, which has no size)",
    );
  });
});

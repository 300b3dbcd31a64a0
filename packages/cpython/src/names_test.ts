import fc from "fast-check";
// Names in escaped form (names.ts): what no JavaScript string or UTF-8 text can hold is an escape
// that no real name can be mistaken for, and a long name is cut with a mark instead of ending the
// stack. Each case failed before: lone surrogates and invalid bytes became U+FFFD, a backslash was
// itself (so `\udc80` typed in a name looked like a lost surrogate), a kind-2 string's surrogate
// pair became one astral character, and a name over 65 536 characters was "implausible".
import { type PythonLayout, layouts } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader, WalkError } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { MAX_NAME_CHARACTERS, escapeCodePoints, escapeUtf8, unescapeName } from "./names.js";
import { ObjectReader } from "./read_objects.js";
import { readThreadNames } from "./thread_names.js";

const L312 = layouts["3.12"];
const L27 = layouts["2.7"];

function units(points: readonly number[], width: 1 | 2 | 4): Uint8Array {
  const bytes = new Uint8Array(points.length * width);
  const view = new DataView(bytes.buffer);
  points.forEach((p, i) => (width === 1 ? view.setUint8(i, p) : width === 2 ? view.setUint16(i * 2, p, true) : view.setUint32(i * 4, p, true)));
  return bytes;
}

/** A 3.x compact `str` of `kind` holding `points` (non-ASCII layout), with `length` as its length field. */
function wideStr(objects: TestObjects, points: readonly number[], kind: 1 | 2 | 4, length = points.length): bigint {
  const L = objects.layout;
  const A = L.PyASCIIObject!;
  const s = L.PyASCIIObject_state!;
  const header = L.sizeof.PyCompactUnicodeObject!;
  const o = objects.object(objects.type("str"), header + (points.length + 1) * kind);
  objects.memory.u64(o + BigInt(A.length), BigInt(length));
  objects.memory.u32(o + BigInt(A.state), (kind << s.kind.bit) | (1 << s.compact.bit));
  objects.memory.set(o + BigInt(header), units(points, kind));
  return o;
}

/** A 3.x compact ASCII `str` whose length field says `length` (its bytes: `text`). */
function asciiStr(objects: TestObjects, text: string, length = text.length): bigint {
  const o = objects.str(text);
  objects.memory.u64(o + BigInt(objects.layout.PyASCIIObject!.length), BigInt(length));
  return o;
}

const read = (objects: TestObjects, object: bigint) => new ObjectReader(new Reader(objects.memory), objects.layout).string(object, "co_name");

describe("escapeCodePoints / escapeUtf8 / unescapeName", () => {
  it("doubles a backslash, escapes lone surrogates and impossible code points, keeps everything else", () => {
    expect(escapeCodePoints(units([0x61, 0x5c, 0x62], 1), 1)).toBe("a\\\\b");
    expect(escapeCodePoints(units([0x6c, 0xdc80, 0x7a], 2), 2)).toBe("l\\udc80z");
    // Two surrogate code points of a str are two characters, not one astral character.
    expect(escapeCodePoints(units([0xd83d, 0xde00], 2), 2)).toBe("\\ud83d\\ude00");
    expect(escapeCodePoints(units([0xd83d, 0xde00], 2), 2, { pairs: true })).toBe("😀");
    expect(escapeCodePoints(units([0x1f600, 0x110000, 0x202e], 4), 4)).toBe("😀\\U00110000\u202e");
    expect(escapeCodePoints(units([0x1b, 0x0a, 0xff], 1), 1)).toBe("\x1b\n\xff");
  });

  it("gives one-byte strings of any length as each byte its character, a backslash doubled (fast path or not)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 8180, maxLength: 8200 })),
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        (bytes, length) => {
          let expected = "";
          for (const byte of bytes) expected += byte === 0x5c ? "\\\\" : String.fromCharCode(byte);
          const total = length ?? bytes.length;
          if (total > bytes.length) expected += `\\…[+${total - bytes.length} ${total - bytes.length === 1 ? "character" : "characters"}]`;
          expect(escapeCodePoints(bytes, 1, length === undefined ? {} : { length })).toBe(expected);
        },
      ),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it("decodes UTF-8, writing each byte that is not part of a valid sequence as \\xHH", () => {
    const utf8 = (text: string) => [...new TextEncoder().encode(text)];
    expect(escapeUtf8(new Uint8Array([...utf8("ok é "), 0xff, 0x61]))).toBe("ok é \\xffa");
    // A UTF-8-encoded surrogate, an overlong slash, a truncated sequence at the end.
    expect(escapeUtf8(new Uint8Array([0xed, 0xb2, 0x80]))).toBe("\\xed\\xb2\\x80");
    expect(escapeUtf8(new Uint8Array([0xc0, 0xaf]))).toBe("\\xc0\\xaf");
    expect(escapeUtf8(new Uint8Array([0x61, 0xe2, 0x80]))).toBe("a\\xe2\\x80");
    expect(escapeUtf8(new Uint8Array([...utf8("a\\b")]))).toBe("a\\\\b");
  });

  it("cuts with a mark saying how much is not shown; a character cut in two is not shown", () => {
    expect(escapeCodePoints(units([0x61, 0x62], 1), 1, { length: 10 })).toBe("ab\\…[+8 characters]");
    expect(escapeCodePoints(units([0x61], 1), 1, { length: 2 })).toBe("a\\…[+1 character]");
    expect(escapeCodePoints(units([0x61, 0xd83d], 2), 2, { length: 5, pairs: true })).toBe("a\\…[+4 characters]");
    // "é" is two bytes: the bound falls between them.
    expect(escapeUtf8(new Uint8Array([0x61, 0xc3]), 5)).toBe("a\\…[+4 bytes]");
  });

  it("unescapes names that are whole, and refuses the others", () => {
    expect(unescapeName("/srv/a.py")).toBe("/srv/a.py");
    expect(unescapeName("C:\\\\x\\\\udc80.py")).toBe("C:\\x\\udc80.py");
    expect(unescapeName("a\\udc80")).toBeUndefined();
    expect(unescapeName("a\\xff")).toBeUndefined();
    expect(unescapeName("aaa\\…[+5 characters]")).toBeUndefined();
  });
});

describe("ObjectReader.string(): names no JavaScript string can hold, 3.12", () => {
  it("a lone surrogate in a kind-2 str is \\udc80, and a typed '\\udc80' is \\\\udc80: never the same", () => {
    const objects = new TestObjects(L312);
    const lone = wideStr(objects, [..."lone"].map((c) => c.charCodeAt(0)).concat(0xdc80), 2);
    const typed = asciiStr(objects, "lone\\udc80");
    expect(read(objects, lone)).toBe("lone\\udc80");
    expect(read(objects, typed)).toBe("lone\\\\udc80");
  });

  it("a kind-4 str with a surrogate pair's two code points and a code point above U+10FFFF", () => {
    const objects = new TestObjects(L312);
    expect(read(objects, wideStr(objects, [0x66, 0xd83d, 0xde00, 0x110000, 0x1f600], 4))).toBe("f\\ud83d\\ude00\\U00110000😀");
  });

  it("format characters stay themselves (the renderers escape them for a terminal)", () => {
    const objects = new TestObjects(L312);
    expect(read(objects, wideStr(objects, [0x2f, 0x202e, 0x67, 0x202c, 0xfeff], 2))).toBe("/\u202eg\u202c\ufeff");
  });

  it("a 100 000-character name is cut at MAX_NAME_CHARACTERS with a mark, reading 4 KiB and its last byte", () => {
    const objects = new TestObjects(L312);
    const long = objects.str("f".repeat(100_000));
    let bytesRead = 0;
    const reader = new ObjectReader(
      new Reader({
        ...objects.memory,
        read: (a: bigint, n: number) => {
          bytesRead += n;
          return objects.memory.read(a, n);
        },
        findSymbol: () => undefined,
        modules: () => [],
        threads: () => [],
      }),
      L312,
    );
    expect(reader.string(long, "co_name")).toBe(`${"f".repeat(MAX_NAME_CHARACTERS)}\\…[+${100_000 - MAX_NAME_CHARACTERS} characters]`);
    expect(bytesRead).toBeLessThan(8192);
  });

  it("a long length whose string is not all in memory is unreadable, not a cut name", () => {
    const objects = new TestObjects(L312);
    const liar = asciiStr(objects, "short", 1_000_000);
    expect(() => read(objects, liar)).toThrowError(WalkError);
    expect(() => read(objects, liar)).toThrowError(/^cannot read co_name at 0x/);
  });

  it("a length beyond 2^40 is implausible", () => {
    const objects = new TestObjects(L312);
    expect(() => read(objects, asciiStr(objects, "x", 2 ** 41))).toThrowError(/has an implausible length 2199023255552$/);
  });
});

describe("ObjectReader.string(): Python 2 names", () => {
  it("a byte string with bytes that are not UTF-8: \\xHH each, the valid characters themselves", () => {
    const objects = new TestObjects(L27);
    const name = objects.bytes([...new TextEncoder().encode("na\u00efve\\"), 0xff, 0xed, 0xb2, 0x80]);
    expect(read(objects, name)).toBe("naïve\\\\\\xff\\xed\\xb2\\x80");
  });

  it("a 70 000-byte byte string is cut at MAX_NAME_CHARACTERS bytes with a mark in bytes", () => {
    const objects = new TestObjects(L27);
    expect(read(objects, objects.bytes(new Array<number>(70_000).fill(0x64)))).toBe(
      `${"d".repeat(MAX_NAME_CHARACTERS)}\\…[+${70_000 - MAX_NAME_CHARACTERS} bytes]`,
    );
  });

  it("unicode objects: UCS-4 surrogates are lone; a narrow build's pairs are characters", () => {
    for (const width of [2, 4] as const) {
      // A narrow (UCS-2) build: its table says so in sizeof and in the text model.
      const text = L27.models.text.kind === "string_and_unicode" ? { ...L27.models.text, unicodeWidth: width } : L27.models.text;
      const layout = { ...L27, sizeof: { ...L27.sizeof, Py_UNICODE: width }, models: { ...L27.models, text } } as PythonLayout;
      const objects = new TestObjects(layout);
      const points = [0x61, 0xd83d, 0xde00, 0xdc80];
      const data = objects.memory.alloc(points.length * width);
      objects.memory.set(data, units(points, width));
      const o = objects.object(objects.type("unicode"), layout.sizeof.PyUnicodeObject!);
      objects.memory.u64(o + BigInt(layout.PyUnicodeObject.length!), BigInt(points.length));
      objects.memory.u64(o + BigInt(layout.PyUnicodeObject.str!), data);
      expect(read(objects, o), `Py_UNICODE ${width}`).toBe(width === 2 ? "a😀\\udc80" : "a\\ud83d\\ude00\\udc80");
    }
  });
});

describe("readThreadNames(): a long name", () => {
  it("a Thread named with 100 002 characters is named, cut with a mark, not 'unreadable'", () => {
    const build = new TestObjects(L312);
    const { object: thread } = build.instance("Thread", [["_name", build.str("t".repeat(100_002))]], "dictoffset");
    const active = build.dict([[build.int(0x7f0001n), thread]]);
    const globals = build.dict([[build.str("_active"), active]]);
    const modules = build.dict([[build.str("threading"), build.module(globals)]]);
    const interp = build.memory.alloc(L312.sizeof.PyInterpreterState);
    build.memory.u64(interp + BigInt(L312.PyInterpreterState.imports_modules!), modules);
    const warnings: string[] = [];
    const names = readThreadNames(new ObjectReader(new Reader(build.memory), L312), interp, warnings);
    expect(warnings).toEqual([]);
    expect(names.get(0x7f0001n)).toBe(`${"t".repeat(MAX_NAME_CHARACTERS)}\\…[+${100_002 - MAX_NAME_CHARACTERS} characters]`);
  });
});

import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Reader } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { ObjectReader } from "./read_objects.js";
import { REPR_LIMITS, ReprReader, floatRepr, stringRepr } from "./repr.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

function setup(layout: PythonLayout, options: ConstructorParameters<typeof ReprReader>[1] = {}) {
  const build = new TestObjects(layout);
  const objects = new ObjectReader(new Reader(build.memory), layout);
  return { build, reprs: new ReprReader(objects, options) };
}

describe.each(VERSIONS)("ReprReader.repr() on %s", (version, layout) => {
  const python2 = version === "2.7";

  it("prints None, bools, ints, big ints and floats as repr() does", () => {
    const { build, reprs } = setup(layout);
    expect(reprs.repr(build.none())).toBe("None");
    expect(reprs.repr(build.bool(true))).toBe("True");
    expect(reprs.repr(build.bool(false))).toBe("False");
    expect(reprs.repr(build.int(0n))).toBe("0");
    expect(reprs.repr(build.int(-42n))).toBe("-42");
    expect(reprs.repr(build.int(1n << 100n))).toBe(python2 ? "1267650600228229401496703205376L" : "1267650600228229401496703205376");
    expect(reprs.repr(build.int(-(1n << 64n)))).toBe(python2 ? "-18446744073709551616L" : "-18446744073709551616");
    // Over REPR_LIMITS.intBits: the size, not the digits.
    expect(reprs.repr(build.int(1n << 5000n))).toBe(python2 ? "<long of 5001 bits>" : "<int of 5001 bits>");
    expect(reprs.repr(build.int(-(3n ** 3000n)))).toBe(python2 ? "<long of 4755 bits>" : "<int of 4755 bits>");
    expect(reprs.repr(build.float(2.5))).toBe("2.5");
    expect(reprs.repr(build.float(-0))).toBe("-0.0");
    expect(reprs.repr(build.float(Number.NaN))).toBe("nan");
  });

  it("prints strings and bytes as repr() does: quotes, escapes, prefixes", () => {
    const { build, reprs } = setup(layout);
    expect(reprs.repr(build.str("hello"))).toBe("'hello'");
    expect(reprs.repr(build.str("it's"))).toBe(`"it's"`);
    expect(reprs.repr(build.str(`it's "x"`))).toBe(`'it\\'s "x"'`);
    expect(reprs.repr(build.str("a\\b\t\n\r\x00\x1b[31m\x7f"))).toBe("'a\\\\b\\t\\n\\r\\x00\\x1b[31m\\x7f'");
    expect(reprs.repr(build.bytes([0x61, 0x00, 0xff, 0x27]))).toBe(python2 ? `"a\\x00\\xff'"` : `b"a\\x00\\xff'"`);
    if (python2) {
      expect(reprs.repr(build.text("na\u00efve \u20ac \u{1f600}"))).toBe("u'na\\xefve \\u20ac \\U0001f600'");
    } else {
      expect(reprs.repr(build.text("na\u00efve \u00a0\u20ac \u200b\u202e \u{1f600}\udc80"))).toBe("'naïve \\xa0€ \\u200b\\u202e 😀\\udc80'");
    }
  });

  it("shows the first characters of a long string, then ...", () => {
    const { build, reprs } = setup(layout);
    const shown = "x".repeat(REPR_LIMITS.characters);
    expect(reprs.repr(build.str("x".repeat(100_000)))).toBe(`'${shown}'...`);
    expect(reprs.repr(build.bytes(Array.from({ length: 300 }, () => 0x61)))).toBe(`${python2 ? "" : "b"}'${"a".repeat(REPR_LIMITS.characters)}'...`);
  });

  it("prints containers as repr() does, empty ones included", () => {
    const { build, reprs } = setup(layout);
    const one = build.int(1n);
    const two = build.str("two");
    expect(reprs.repr(build.tuple([]))).toBe("()");
    expect(reprs.repr(build.tuple([one]))).toBe("(1,)");
    expect(reprs.repr(build.tuple([one, two]))).toBe("(1, 'two')");
    expect(reprs.repr(build.list([]).list)).toBe("[]");
    expect(reprs.repr(build.list([one, build.list([two]).list]).list)).toBe("[1, ['two']]");
    expect(reprs.repr(build.dict([]))).toBe("{}");
    expect(
      reprs.repr(
        build.dict([
          [two, one],
          [one, build.none()],
        ]),
      ),
    ).toBe("{'two': 1, 1: None}");
    expect(reprs.repr(build.dict([[one, one]], { deleted: 3 }))).toBe("{1: 1}");
    expect(reprs.repr(build.set([]))).toBe(python2 ? "set([])" : "set()");
    expect(reprs.repr(build.set([], { frozen: true }))).toBe(python2 ? "frozenset([])" : "frozenset()");
    expect(reprs.repr(build.set([one], { deleted: 2 }))).toBe(python2 ? "set([1])" : "{1}");
    expect(reprs.repr(build.set([two], { frozen: true }))).toBe(python2 ? "frozenset(['two'])" : "frozenset({'two'})");
    if (!python2) expect(reprs.repr(build.splitDict(["a", "b"], [one, two]))).toBe("{'a': 1, 'b': 'two'}");
  });

  it("bounds items, depth and length, and shows recursion as repr() does", () => {
    const { build, reprs } = setup(layout);
    const numbers = Array.from({ length: 40 }, (_, i) => build.int(BigInt(i)));
    const first = numbers
      .slice(0, REPR_LIMITS.items)
      .map((_, i) => String(i))
      .join(", ");
    expect(reprs.repr(build.list(numbers).list)).toBe(`[${first}, ...]`);
    expect(reprs.repr(build.tuple(numbers))).toBe(`(${first}, ...)`);
    expect(reprs.repr(build.dict(numbers.map((n) => [n, n] as const)))).toMatch(/^\{(\d+: \d+, ){16}\.\.\.\}$/);
    let nested = build.list([build.str("deep")]).list;
    for (let i = 0; i < 6; i++) nested = build.list([nested]).list;
    expect(reprs.repr(nested)).toBe("[[[[[...]]]]]");
    // A list that holds itself: [1, [...]].
    const loop = build.list([numbers[1]!, 0n]);
    build.memory.u64(loop.items + 8n, loop.list);
    expect(reprs.repr(loop.list)).toBe("[1, [...]]");
    // A whole repr is cut at REPR_LIMITS.length code points.
    const words = build.list(Array.from({ length: 16 }, () => build.str("w".repeat(150)))).list;
    const text = reprs.repr(words);
    expect(text.endsWith("...")).toBe(true);
    expect([...text].length).toBe(REPR_LIMITS.length + 3);
  });

  it("shows other objects by type and address, and unreadable memory as such", () => {
    const { build, reprs } = setup(layout);
    // A class named int is a heap type: not read as an int.
    const fake = build.object(build.type("int", { flags: BigInt(layout.constants.Py_TPFLAGS_HEAPTYPE) }), 64);
    expect(reprs.repr(fake)).toBe(`<int object at 0x${fake.toString(16)}>`);
    const module = build.module(build.dict([]));
    expect(reprs.repr(module)).toBe(`<module object at 0x${module.toString(16)}>`);
    expect(reprs.repr(0xdead0000n)).toBe("<unreadable object at 0xdead0000>");
    const list = build.list([build.int(1n), 0xdead0000n]).list;
    expect(reprs.repr(list)).toBe("[1, <unreadable object at 0xdead0000>]");
    // A list whose item array is unreadable: one mark, not a half-written list.
    const broken = build.list([build.int(1n)]).list;
    build.memory.u64(broken + BigInt(layout.PyListObject.ob_item), 0xbad0000n);
    expect(reprs.repr(broken)).toBe(`<unreadable list object at 0x${broken.toString(16)}>`);
  });

  it("stops when the work of all reprs is used up, and says so", () => {
    const { build, reprs } = setup(layout, { maxWork: 50 });
    const numbers = build.list(Array.from({ length: 16 }, (_, i) => build.int(BigInt(i)))).list;
    expect(reprs.repr(numbers)).toMatch(/^\[0, 1, .*\]$/);
    expect(reprs.exhausted).toBe(false);
    for (let i = 0; i < 4; i++) reprs.repr(numbers);
    expect(reprs.exhausted).toBe(true);
    expect(reprs.repr(build.int(1n))).toBe("<not read: the limit of values read was reached>");
  });

  it("any bytes give a string, never an exception (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 256 }), fc.integer({ min: 0, max: 56 }), (bytes, offset) => {
        const { build, reprs } = setup(layout, { maxWork: 10_000 });
        // A real list whose item is garbage: an object header (type pointer) at random bytes.
        const garbage = build.memory.alloc(bytes.length);
        build.memory.set(garbage, bytes);
        const list = build.list([garbage + BigInt(offset)]).list;
        expect(typeof reprs.repr(list)).toBe("string");
      }),
      { numRuns: 50 },
    );
  });
});

describe("stringRepr()", () => {
  const raw = (text: string, type: "str" | "bytes" | "unicode" = "str") => {
    const points = [...text].map((ch) => ch.codePointAt(0)!);
    const bytes = new Uint8Array(points.length * 4);
    const view = new DataView(bytes.buffer);
    points.forEach((point, i) => view.setUint32(i * 4, point, true));
    return { type, bytes, width: 4 as const, length: points.length };
  };
  it("escapes what Python 3's repr() escapes and keeps printable characters", () => {
    expect(stringRepr(raw("é\u0085\u2028\ufeff\u{e0001}"), false)).toBe("'é\\x85\\u2028\\ufeff\\U000e0001'");
  });
  it("escapes every non-ASCII character of a 2.7 unicode", () => {
    expect(stringRepr(raw("é\u2028\u{1f600}", "unicode"), true)).toBe("u'\\xe9\\u2028\\U0001f600'");
  });
});

describe("floatRepr()", () => {
  it("writes what Python's float repr writes", () => {
    const cases: Array<[number, string]> = [
      [1, "1.0"],
      [0.1, "0.1"],
      [1 / 3, "0.3333333333333333"],
      [1e16, "1e+16"],
      [1e15, "1000000000000000.0"],
      [123456789012345680, "1.2345678901234568e+17"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [1.5e-7, "1.5e-07"],
      [-2.5e300, "-2.5e+300"],
      [5e-324, "5e-324"],
      [Number.MAX_VALUE, "1.7976931348623157e+308"],
      [Infinity, "inf"],
      [-Infinity, "-inf"],
      [0, "0.0"],
      [-0, "-0.0"],
    ];
    for (const [value, text] of cases) expect(floatRepr(value), String(value)).toBe(text);
  });
});

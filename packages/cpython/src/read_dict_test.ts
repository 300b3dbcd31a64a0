import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Reader, WalkError } from "./_reader.js";
import { type AttributeStorage, TestObjects } from "./_test_objects.js";
import { DictReader } from "./read_dict.js";
import { ObjectReader } from "./read_objects.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

function setup(layout: PythonLayout) {
  const build = new TestObjects(layout);
  const objects = new ObjectReader(new Reader(build.memory), layout);
  return { build, objects, dicts: new DictReader(objects) };
}

/** Items as [key text, value text] for comparison. */
function texts(objects: ObjectReader, items: ReadonlyArray<{ key: bigint; value: bigint }>): string[][] {
  return items.map(({ key, value }) => [objects.string(key, "key"), objects.string(value, "value")]);
}

function storages(layout: PythonLayout): AttributeStorage[] {
  return layout.constants.Py_TPFLAGS_MANAGED_DICT === undefined ? ["dictoffset"] : ["dictoffset", "managed-dict", "values"];
}

describe.each(VERSIONS)("DictReader on %s", (_version, layout) => {
  it("items() returns every item of a combined dict, deleted entries left out", () => {
    const { build, objects, dicts } = setup(layout);
    const pairs = ["threading", "sys", "os", "_active", "x"].map((k) => [build.str(k), build.str(`${k}!`)] as const);
    const dict = build.dict(pairs, { deleted: 3 });
    const got = texts(objects, dicts.items(dict, "d"));
    const want = ["threading", "sys", "os", "_active", "x"].map((k) => [k, `${k}!`]);
    // 2.7 tables are in slot order; 3.6+ in insertion order.
    if (layout.version.major === 2) expect(got).toEqual(expect.arrayContaining(want));
    else expect(got).toEqual(want);
    expect(got).toHaveLength(want.length);
  });

  it("items() reads a large dict (2-byte indices) and an empty one", () => {
    const { build, dicts } = setup(layout);
    const pairs = Array.from({ length: 300 }, (_, i) => [build.int(BigInt(i)), build.str(`v${i}`)] as const);
    expect(dicts.items(build.dict(pairs), "d")).toHaveLength(300);
    expect(dicts.items(build.dict([]), "d")).toEqual([]);
  });

  it("find() returns the value of a str key, or undefined", () => {
    const { build, objects, dicts } = setup(layout);
    const items = dicts.items(
      build.dict([
        [build.int(1n), build.str("one")],
        [build.str("_name"), build.str("Thread-1")],
        [build.str("_nam"), build.str("no")],
      ]),
      "d",
    );
    expect(objects.string(dicts.find(items, "_name")!, "v")).toBe("Thread-1");
    expect(dicts.find(items, "missing")).toBeUndefined();
  });

  it.skipIf(layout.version.major === 2)("items() reads a split dict's values", () => {
    const { build, objects, dicts } = setup(layout);
    const dict = build.splitDict(["_name", "_ident", "gone"], [build.str("A"), build.str("B"), 0n]);
    expect(texts(objects, dicts.items(dict, "d"))).toEqual([
      ["_name", "A"],
      ["_ident", "B"],
    ]);
  });

  for (const storage of storages(layout)) {
    it(`attributes() reads an instance's attributes (${storage})`, () => {
      const { build, objects, dicts } = setup(layout);
      const { object } = build.instance(
        "Thread",
        [
          ["_target", build.str("t")],
          ["_name", build.str("worker")],
        ],
        storage,
      );
      const items = dicts.attributes(object, "Thread");
      expect(texts(objects, items)).toEqual(
        expect.arrayContaining([
          ["_name", "worker"],
          ["_target", "t"],
        ]),
      );
      expect(objects.string(dicts.find(items, "_name")!, "name")).toBe("worker");
    });
  }

  it("attributes() is empty for an instance without a dict, and an error for a type without one", () => {
    const { build, dicts } = setup(layout);
    const withSlot = build.type("Plain", { basicsize: layout.sizeof.PyObject + 8, dictoffset: layout.sizeof.PyObject });
    expect(dicts.attributes(build.object(withSlot, layout.sizeof.PyObject + 8), "o")).toEqual([]);
    const without = build.type("NoDict", { basicsize: layout.sizeof.PyObject });
    expect(() => dicts.attributes(build.object(without, layout.sizeof.PyObject), "o")).toThrow(WalkError);
  });

  it("items() rejects a non-dict and a dict with an implausible item count", () => {
    const { build, dicts } = setup(layout);
    expect(() => dicts.items(build.str("x"), "d")).toThrow(/not a 'dict'/);
    const dict = build.dict([[build.str("a"), build.str("b")]]);
    build.memory.u64(dict + BigInt(layout.PyDictObject.ma_used), 1n << 40n);
    expect(() => dicts.items(dict, "d")).toThrow(/implausible/);
    build.memory.u64(dict + BigInt(layout.PyDictObject.ma_used), BigInt.asUintN(64, -1n));
    expect(() => dicts.items(dict, "d")).toThrow(/implausible/);
  });

  it("items() rejects malformed table sizes instead of reading them", () => {
    const { build, dicts } = setup(layout);
    const fresh = () => build.dict([[build.str("a"), build.str("b")]]);
    const m = build.memory;
    const K = layout._dictkeysobject;
    const keysOf = (dict: bigint) => {
      const b = m.read(dict + BigInt(layout.PyDictObject.ma_keys!), 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    };
    const broken: Array<(dict: bigint) => void> = [];
    if (layout.version.major === 2) {
      broken.push((d) => m.u64(d + BigInt(layout.PyDictObject.ma_mask!), 6n)); // not 2^n - 1
      broken.push((d) => m.u64(d + BigInt(layout.PyDictObject.ma_mask!), (1n << 40n) - 1n));
      broken.push((d) => m.u64(d + BigInt(layout.PyDictObject.ma_mask!), BigInt.asUintN(64, -1n)));
      broken.push((d) => m.u64(d + BigInt(layout.PyDictObject.ma_table!), 0n));
    } else if (K?.dk_size !== undefined) {
      broken.push((d) => m.u64(keysOf(d) + BigInt(K.dk_size!), 12n));
      broken.push((d) => m.u64(keysOf(d) + BigInt(K.dk_size!), 1n << 50n));
      broken.push((d) => m.u64(keysOf(d) + BigInt(K.dk_size!), 0n));
      broken.push((d) => m.u64(keysOf(d) + BigInt(K!.dk_nentries), 1000n));
      broken.push((d) => m.u64(keysOf(d) + BigInt(K!.dk_nentries), BigInt.asUintN(64, -1n)));
    } else {
      broken.push((d) => m.u8(keysOf(d) + BigInt(K!.dk_log2_size!), 200));
      broken.push((d) => m.u8(keysOf(d) + BigInt(K!.dk_log2_index_bytes!), 60));
      broken.push((d) => m.u8(keysOf(d) + BigInt(K!.dk_log2_index_bytes!), 1));
      broken.push((d) => m.u8(keysOf(d) + BigInt(K!.dk_kind!), 7));
      broken.push((d) => m.u64(keysOf(d) + BigInt(K!.dk_nentries), 1000n));
    }
    if (layout.version.major === 3) broken.push((d) => m.u64(d + BigInt(layout.PyDictObject.ma_keys!), 0x1234n));
    for (const breakIt of broken) {
      const dict = fresh();
      breakIt(dict);
      expect(() => dicts.items(dict, "d")).toThrow(WalkError);
    }
  });

  it("items() and attributes() return or throw WalkError on random corruption, quickly", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(160), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(2), (patches, which) => {
        const { build, dicts } = setup(layout);
        const storage = storages(layout)[which % storages(layout).length]!;
        const { object } = build.instance(
          "Thread",
          [
            ["_name", build.str("n")],
            ["_ident", build.int(5n)],
          ],
          storage,
        );
        const dict = build.dict(Array.from({ length: 6 }, (_, i) => [build.str(`k${i}`), build.int(BigInt(i))] as const));
        // Corrupt bytes of the dict, its keys/table, and the instance's pre-header, header and values.
        const targets = [dict, object - 32n];
        for (const [offset, value] of patches) {
          for (const base of targets) {
            try {
              build.memory.u8(base + BigInt(offset), value);
            } catch {
              // outside the region: nothing to corrupt
            }
          }
        }
        for (const run of [() => dicts.items(dict, "d"), () => dicts.attributes(object, "o")]) {
          try {
            const items = run();
            expect(items.length).toBeLessThanOrEqual(1 << 20);
          } catch (error) {
            expect(error).toBeInstanceOf(WalkError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

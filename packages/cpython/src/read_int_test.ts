import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader, WalkError } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { MAX_INT_DIGITS, readInt } from "./read_int.js";
import { ObjectReader } from "./read_objects.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

function setup(layout: PythonLayout) {
  const build = new TestObjects(layout);
  return { build, objects: new ObjectReader(new Reader(build.memory), layout) };
}

describe.each(VERSIONS)("readInt() on %s", (_version, layout) => {
  it("reads zero, small, multi-digit, negative and 64-bit values exactly", () => {
    const { build, objects } = setup(layout);
    const values = [0n, 1n, 7n, (1n << 30n) - 1n, 1n << 30n, 0x7f12_3456_7890n, -5n, -(1n << 40n), (1n << 64n) - 1n, 1n << 100n];
    for (const value of values) expect(readInt(objects, build.int(value), "int")).toBe(value);
  });

  it("rejects an object that is not an int", () => {
    const { build, objects } = setup(layout);
    expect(() => readInt(objects, build.str("12"), "int")).toThrow(WalkError);
  });

  it("rejects an implausible digit count without reading it", () => {
    const { build, objects } = setup(layout);
    const o = build.int(1n << 70n); // 2.7: a long
    const tag = layout.PyLongObject.long_value_lv_tag;
    if (tag !== undefined) build.memory.u64(o + BigInt(tag), BigInt(MAX_INT_DIGITS + 1) << 3n);
    else build.memory.u64(o + BigInt(layout.PyVarObject.ob_size), BigInt.asUintN(64, -(1n << 62n)));
    expect(() => readInt(objects, o, "int")).toThrow(/implausible/);
  });

  it("rejects a digit wider than PyLong_SHIFT bits", () => {
    const { build, objects } = setup(layout);
    const o = build.int(1n << 70n);
    const digit = layout.PyLongObject.long_value_ob_digit ?? layout.PyLongObject.ob_digit!;
    build.memory.u32(o + BigInt(digit), 0xffff_ffff);
    expect(() => readInt(objects, o, "int")).toThrow(/out of range/);
  });
});

describe("readInt() on 3.12+ lv_tag", () => {
  it("rejects sign 3 and a zero with digits", () => {
    const layout = layouts["3.12"];
    const { build, objects } = setup(layout);
    const o = build.int(5n);
    const tag = BigInt(layout.PyLongObject.long_value_lv_tag!);
    build.memory.u64(o + tag, (1n << 3n) | 3n);
    expect(() => readInt(objects, o, "int")).toThrow(/sign/);
    build.memory.u64(o + tag, (1n << 3n) | 1n);
    expect(() => readInt(objects, o, "int")).toThrow(/zero/);
  });
});

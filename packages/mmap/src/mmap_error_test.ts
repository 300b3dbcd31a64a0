import { expect, test } from "vitest";
import { MmapError } from "./mmap_error.js";

test("MmapError carries its code, path, offset and errno", () => {
  const error = new MmapError("Cannot map", { code: "map-failed", path: "/core", offset: 4096, errno: 12 });
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe("MmapError");
  expect([error.code, error.path, error.offset, error.errno]).toEqual(["map-failed", "/core", 4096, 12]);
});

test("MmapError.isInstance() recognises errors of any copy of the package by their marker", () => {
  expect(MmapError.isInstance(new MmapError("x", { code: "short-read", path: "/core" }))).toBe(true);
  const fromAnotherCopy = Object.assign(new Error("x"), { [Symbol.for("corestack.error.MmapError")]: true });
  expect(MmapError.isInstance(fromAnotherCopy)).toBe(true);
  expect(MmapError.isInstance(new Error("x"))).toBe(false);
  expect(MmapError.isInstance(null)).toBe(false);
  expect(MmapError.isInstance("MmapError")).toBe(false);
});

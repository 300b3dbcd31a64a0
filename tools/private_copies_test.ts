// Files that several packages keep a private copy of, because the packages cannot share a
// dependency (elf and dwarf depend on nothing): the copies must stay byte-identical, so that the
// one test of the first copy covers them all.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../", import.meta.url);
const COPIES: Readonly<Record<string, readonly string[]>> = {
  "packages/elf/src/_search.ts": ["packages/dwarf/src/_search.ts", "packages/symbols/src/_search.ts", "packages/unwind/src/_search.ts"],
};

describe("private copies", () => {
  for (const [original, copies] of Object.entries(COPIES)) {
    const text = readFileSync(new URL(original, ROOT), "utf8");
    for (const copy of copies) {
      it(`${copy} is ${original}`, () => {
        expect(readFileSync(new URL(copy, ROOT), "utf8")).toBe(text);
      });
    }
  }
});

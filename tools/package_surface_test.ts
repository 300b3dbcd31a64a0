// Each package as npm would publish it: its file list and the names each `exports` entry gives
// must equal the committed packages/<name>/surface.txt, so that a leaked file or export shows as a
// diff in review; nothing documented `@internal` is exported; no test helper or fuzz harness is
// published. Reads the built `.d.ts` (`pnpm test` builds first) and runs `npm pack --dry-run`.
import { describe, expect, it } from "vitest";
import { committedText, readSurfaces, surfaceText } from "./package_surface.mjs";

const surfaces = await readSurfaces();

describe("package surfaces", () => {
  it("finds every package", () => {
    expect(surfaces.map((s) => s.name)).toEqual(expect.arrayContaining(["@corestack/elf", "@corestack/dwarf", "@corestack/cli"]));
  });
  for (const surface of surfaces) {
    it(`${surface.name}: files and exports equal surface.txt (node tools/package_surface.mjs --write after a deliberate change)`, () => {
      expect(surfaceText(surface)).toBe(committedText(surface));
    });
    it(`${surface.name}: no export is documented @internal`, () => {
      const internal = [...surface.entries.values()]
        .flat()
        .filter((n) => n.internal)
        .map((n) => n.name);
      expect(internal).toEqual([]);
    });
    it(`${surface.name}: no test helper, test or fuzz harness is published`, () => {
      expect(surface.files.filter((file) => /(^|\/)_test_|_test\.|_exercise\.|(^|\/)test\//.test(file))).toEqual([]);
    });
  }
});

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compileProgram, loadFile, type LoadedFile } from "../test/_info_files.js";
import { mutate, mutations } from "../test/_mutations.js";
import { bufferSource, type DwarfSections } from "./mod.js";
import { exerciseDebugInfo } from "./_info_exercise.js";

const MUTATED = [".debug_info", ".debug_abbrev", ".debug_rnglists", ".debug_ranges", ".debug_str_offsets", ".debug_addr", ".debug_aranges"];

function withMutated(file: LoadedFile, name: string, bytes: Uint8Array): DwarfSections {
  const key = name.slice(1);
  return { ...file.sections, [key]: bufferSource(bytes) } as DwarfSections;
}

describe("exerciseDebugInfo() on mutated sections", () => {
  for (const flags of [
    ["-O2", "-gdwarf-5"],
    ["-O2", "-gdwarf-4"],
  ]) {
    test(`exerciseDebugInfo() throws only DwarfFormatError for mutated sections of gcc ${flags.join(" ")}`, () => {
      const path = compileProgram(flags);
      expect(path).toBeDefined();
      const file = loadFile(path!);
      const addresses: bigint[] = [];
      for (let address = file.text.begin; address < file.text.end; address += 7n) addresses.push(address);
      const clean = exerciseDebugInfo(file.sections, { addresses });
      expect(clean.errors).toBe(0);
      expect(clean.frames).toBeGreaterThan(50);
      const names = MUTATED.filter((name) => file.raw.has(name));
      let slowest = 0;
      let errors = 0;
      fc.assert(
        fc.property(fc.constantFrom(...names), mutations(4), (name, changes) => {
          const started = performance.now();
          const result = exerciseDebugInfo(withMutated(file, name, mutate(file.raw.get(name)!, changes)), { addresses, maxEntries: 20_000 });
          errors += result.errors;
          slowest = Math.max(slowest, performance.now() - started);
        }),
        { seed: 0x5eed, numRuns: 400 },
      );
      console.log(`${flags.join(" ")}: 400 runs, ${errors} DwarfFormatErrors caught, slowest run ${slowest.toFixed(1)} ms`);
      expect(errors).toBeGreaterThan(0);
    });
  }
});

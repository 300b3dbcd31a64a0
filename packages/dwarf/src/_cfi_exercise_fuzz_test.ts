import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { le } from "../test/_bytes.js";
import { CfiBuilder, ehFrameHdr } from "../test/_cfi_builder.js";
import { compilePrograms, loadFileCfi } from "../test/_cfi_files.js";
import { hasTool } from "../test/_files.js";
import { mutate, mutations } from "../test/_mutations.js";
import { exerciseCallFrameInfo, type CfiExerciseInput } from "./_cfi_exercise.js";

/** A hand-built .eh_frame + .eh_frame_hdr + .debug_frame using every instruction family. */
function builtCorpus(): CfiExerciseInput {
  const eh = new CfiBuilder({ eh: true });
  const cie = eh.cie({ augmentation: "zPLR", augmentationData: [0x9b, ...le(0x40, 4), 0x1b, 0x1b], instructions: [0x0c, 7, 8, 0x90, 1] });
  const instructions = [
    [0x41],
    [0x0e, 16],
    [0x86, 2],
    [0x0a],
    [0x02, 3],
    [0x0d, 6],
    [0x11, 12, 0x7c],
    [0x2f, 13, 2],
    [0x14, 14, 1],
    [0x09, 1, 2],
    [0x10, 8, 2, 0x77, 0],
    [0x16, 9, 1, 0x30],
    [0x2e, 32],
    [0x2d],
    [0x0b],
    [0x42],
    [0xc6],
    [0x0f, 2, 0x77, 8],
    [0x03, 0x10, 0],
    [0x0c, 7, 8],
    [0x13, 0x7e],
  ];
  const program = (count: number) => instructions.slice(0, count).flat();
  const entries: [bigint, bigint][] = [];
  for (let i = 0; i < 12; i++) {
    const start = BigInt(0x1000 + i * 0x80);
    const field = BigInt(eh.nextFieldOffset());
    const offset = eh.fde({ cie, addresses: [...le(start - (0x10000n + field), 4), ...le(0x60, 4)], augmentationData: le(0, 4), instructions: program(3 + i) });
    entries.push([start, 0x10000n + BigInt(offset)]);
  }
  const debug = new CfiBuilder({ eh: false });
  const v4 = debug.cie({ version: 4, afterAugmentation: [8, 0], instructions: [0x0c, 7, 8, 0x90, 1] });
  for (let i = 0; i < 6; i++) debug.fde({ cie: v4, addresses: [...le(0x4000 + i * 0x40, 8), ...le(0x30, 8)], instructions: program(6 + i * 3) });
  return {
    eh_frame: eh.terminator().build(),
    ehFrameAddress: 0x10000n,
    eh_frame_hdr: ehFrameHdr({ hdrAddress: 0x8000n, ehFrameAddress: 0x10000n, entries }),
    ehFrameHdrAddress: 0x8000n,
    debug_frame: debug.build(),
    littleEndian: true,
    addressSize: 8,
  };
}

/** Real sections: ld.so's .eh_frame and .eh_frame_hdr, and a .debug_frame gcc makes now (when it can). */
function realCorpora(): { name: string; input: CfiExerciseInput }[] {
  const corpora: { name: string; input: CfiExerciseInput }[] = [];
  const loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
  if (existsSync(loader)) {
    const cfi = loadFileCfi(loader);
    corpora.push({ name: "ld.so .eh_frame", input: { ...cfi.bytes, littleEndian: cfi.littleEndian, addressSize: cfi.addressSize } });
  }
  if (hasTool("gcc")) {
    for (const program of compilePrograms(["debug-frame-O0", "m32-eh-frame-O2"])) {
      if (!program.path) continue;
      const cfi = loadFileCfi(program.path);
      corpora.push({ name: `gcc ${program.name}`, input: { ...cfi.bytes, littleEndian: cfi.littleEndian, addressSize: cfi.addressSize } });
    }
  }
  return corpora;
}

const corpora = [{ name: "hand-built", input: builtCorpus() }, ...realCorpora()];

describe("exerciseCallFrameInfo() on mutated CFI (only DwarfFormatError)", () => {
  it("reads the unmutated corpora without any error", () => {
    for (const { name, input } of corpora) {
      const result = exerciseCallFrameInfo(input);
      expect(result.errors, name).toEqual({});
      expect(result.fdes, name).toBeGreaterThan(0);
      expect(result.rows, name).toBeGreaterThan(0);
    }
  });

  for (const { name, input } of corpora) {
    it(`survives bit flips, random words, zeroed spans and truncation of ${name}`, () => {
      const sections = (["eh_frame", "eh_frame_hdr", "debug_frame"] as const).filter((key) => input[key] !== undefined);
      // pcs around every original FDE, so lookups land in mutated records rather than nowhere.
      const original = exerciseCallFrameInfo({ ...input, maxFdes: 0, maxPcs: 0 });
      expect(original.fdes).toBeGreaterThan(0);
      let slowest = 0;
      const errors: Record<string, number> = {};
      fc.assert(
        fc.property(fc.constantFrom(...sections), mutations(6), fc.array(fc.bigInt({ min: 0n, max: 0x40000n }), { maxLength: 8 }), (section, changes, pcs) => {
          const started = performance.now();
          const result = exerciseCallFrameInfo({ ...input, [section]: mutate(input[section]!, changes), pcs, maxFdes: 32, maxPcs: 128 });
          slowest = Math.max(slowest, performance.now() - started);
          for (const [code, count] of Object.entries(result.errors)) errors[code] = (errors[code] ?? 0) + count;
        }),
        { seed: 0x5eed_cf1, numRuns: 500 },
      );
      // The mutations must have reached the parsers' error paths (the slowest input is logged; a
      // hang is the test's timeout).
      console.log(`${name}: 500 runs, errors by code ${JSON.stringify(errors)}, slowest run ${slowest.toFixed(1)} ms`);
      expect(Object.keys(errors).length).toBeGreaterThan(0);
    });
  }
});

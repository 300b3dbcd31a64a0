import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { X86_64 } from "./architecture.js";
import { TestMemory, debugFrame, uleb } from "./_test_cfi.js";
import { UNWIND_LIMITS } from "./limits.js";
import { UnwindError } from "./unwind_error.js";
import { unwindBudget, walkStack } from "./walk_stack.js";

// Every frame: CFA = rsp + 16, RA at CFA - 8: a stack of words [.., ra] repeated.
const cfi = debugFrame({
  returnAddressRegister: 16,
  initial: [0x0c, 7, ...uleb(16), 0x80 | 16, ...uleb(1)],
  fdes: [{ start: 0x1000n, end: 0x2000n, instructions: [] }],
});

function chain(frames: number): TestMemory {
  const words: bigint[] = [];
  for (let index = 0; index < frames; index++) words.push(0n, 0x1100n + BigInt(index % 0x800));
  return new TestMemory().words(0x10000n, words);
}

describe("UNWIND_LIMITS", () => {
  it("framesPerThread ends a deep stack with a marked end, never an exception", () => {
    const memory = chain(50);
    const { frames, end } = walkStack(
      new Map([
        [16, 0x1000n],
        [7, 0x10000n],
      ]),
      { architecture: X86_64, memory, littleEndian: true, row: (pc) => cfi.rowFor(pc) },
      { limits: { framesPerThread: 10 } },
    );
    expect(frames.length).toBe(10);
    expect(end).toMatchObject({ reason: "limit" });
    expect(end.message).toContain("framesPerThread");
  });

  it("totalFrames is shared by the threads of one analysis", () => {
    const memory = chain(50);
    const budget = unwindBudget({ totalFrames: 30 });
    const source = { architecture: X86_64, memory, littleEndian: true, row: (pc: bigint) => cfi.rowFor(pc) };
    const first = walkStack(
      new Map([
        [16, 0x1000n],
        [7, 0x10000n],
      ]),
      source,
      { budget },
    );
    const second = walkStack(
      new Map([
        [16, 0x1000n],
        [7, 0x10000n],
      ]),
      source,
      { budget },
    );
    expect(first.frames.length).toBe(30);
    expect(first.end.message).toContain("totalFrames");
    expect(second.frames.length).toBe(0);
    expect(second.end.reason).toBe("limit");
  });

  it("a real-sized limit holds a Python-recursion-sized stack", () => {
    expect(UNWIND_LIMITS.framesPerThread).toBeGreaterThan(10_000);
    const memory = chain(10_000);
    const { frames, end } = walkStack(
      new Map([
        [16, 0x1000n],
        [7, 0x10000n],
      ]),
      { architecture: X86_64, memory, littleEndian: true, row: (pc) => cfi.rowFor(pc) },
    );
    expect(frames.length).toBe(10_001); // frame 0, then one per saved return address
    expect(end.reason).toBe("unreadable");
  });
});

// CFA instructions the property test draws from, with random operands.
const instruction = fc.oneof(
  fc.tuple(fc.constantFrom(0x0c), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 300 })).map(([op, reg, off]) => [op, reg, ...uleb(off)]),
  fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 40 })).map(([reg, off]) => [0x80 | reg, ...uleb(off)]),
  fc.integer({ min: 0, max: 63 }).map((delta) => [0x40 | delta]),
  fc.integer({ min: 0, max: 400 }).map((off) => [0x0e, ...uleb(off)]),
  fc.uint8Array({ maxLength: 12 }).map((expr) => [0x0f, expr.length, ...expr]),
  fc.tuple(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 12 })).map(([reg, expr]) => [0x10, reg, expr.length, ...expr]),
  fc.tuple(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 12 })).map(([reg, expr]) => [0x16, reg, expr.length, ...expr]),
  fc.constantFrom([0x0a], [0x0b], [0x07, 16], [0x08, 7], [0x09, 6, 7], [0x00]),
  fc.uint8Array({ maxLength: 4 }).map((bytes) => [...bytes]),
);

describe("walkStack() on random CFI, registers and stacks (property)", () => {
  it("returns frames and a marked end within the limits, and throws nothing", () => {
    fc.assert(
      fc.property(
        fc.array(instruction, { maxLength: 12 }),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 4, maxLength: 64 }),
        fc.bigInt({ min: 0x1000n, max: 0x1fffn }),
        fc.bigInt({ min: 0n, max: 0x200n }),
        (instructions, words, pc, spOffset) => {
          const random = debugFrame({
            returnAddressRegister: 16,
            initial: [0x0c, 7, 8, 0x80 | 16, 1],
            fdes: [{ start: 0x1000n, end: 0x2000n, instructions: instructions.flat() }],
          });
          // Random words, some of them pointing back into the code and the stack.
          const stack = words.map((word, index) => (index % 3 === 0 ? 0x1000n + (word % 0x1000n) : index % 3 === 1 ? 0x10000n + (word % 0x200n) : word));
          const memory = new TestMemory().words(0x10000n, stack);
          const registers = new Map<number, bigint>([
            [16, pc],
            [7, 0x10000n + spOffset],
            [6, 0x10000n + (words[0]! % 0x200n)],
          ]);
          const result = walkStack(
            registers,
            { architecture: X86_64, memory, littleEndian: true, row: (address) => random.rowFor(address) },
            { limits: { framesPerThread: 64 } },
          );
          expect(result.frames.length).toBeLessThanOrEqual(64);
          expect(typeof result.end.reason).toBe("string");
        },
      ),
      { numRuns: 500 },
    );
  });

  it("applyUnwindRow and the expression evaluator throw only UnwindError", async () => {
    const { applyUnwindRow } = await import("./apply_unwind_row.js");
    fc.assert(
      fc.property(fc.array(instruction, { maxLength: 8 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (instructions, sp) => {
        let random;
        try {
          random = debugFrame({ returnAddressRegister: 16, initial: [], fdes: [{ start: 0n, end: 0x100n, instructions: instructions.flat() }] });
          var row = random.rowFor(0x80n);
        } catch {
          return; // malformed CFI is the dwarf package's DwarfFormatError, tested there
        }
        if (!row) return;
        try {
          applyUnwindRow(
            row,
            new Map([
              [7, sp],
              [16, 0x10n],
            ]),
            { architecture: X86_64, memory: new TestMemory().words(0x10000n, [1n, 2n, 3n]), littleEndian: true },
          );
        } catch (error) {
          expect(UnwindError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { evaluateExpression } from "./dwarf_expression.js";
import { TestMemory, sleb, uleb } from "./_test_cfi.js";
import { UnwindError } from "./unwind_error.js";

const memory = new TestMemory().words(0x1000n, [0x1111n, 0x2222n, 0xffff_ffff_ffff_fff0n]);
const context = { register: (n: number) => (n === 7 ? 0x1000n : n === 6 ? 0x2000n : undefined), memory, littleEndian: true };
const run = (bytes: number[], initial: bigint[] = []) => evaluateExpression(Uint8Array.from(bytes), context, initial);
const failure = (bytes: number[], limits: { maxOperations?: number; maxStack?: number } = {}) => {
  try {
    evaluateExpression(Uint8Array.from(bytes), { ...context, ...limits });
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("evaluateExpression()", () => {
  it("computes glibc's x86-64 signal-frame CFA: DW_OP_breg7 rsp+8; DW_OP_deref", () => {
    expect(run([0x77, ...sleb(8), 0x06])).toBe(0x2222n);
  });

  it("does 64-bit arithmetic, signed where DWARF says so", () => {
    expect(run([0x08, 5, 0x08, 7, 0x1c])).toBe((1n << 64n) - 2n); // 5 - 7 wraps
    expect(run([0x11, ...sleb(-9), 0x11, ...sleb(2), 0x1b])).toBe((1n << 64n) - 4n); // -9 / 2 = -4
    expect(run([0x11, ...sleb(-1), 0x30, 0x2d])).toBe(1n); // -1 < 0
    expect(run([0x10, ...uleb(0x80), 0x31, 0x24])).toBe(0x100n); // shl
    expect(run([0x11, ...sleb(-16), 0x32, 0x26])).toBe(BigInt.asUintN(64, -4n)); // shra
    expect(run([0x31, 0x32, 0x33, 0x17, 0x13, 0x13])).toBe(3n); // rot, drop, drop
  });

  it("pushes the initial stack (the CFA) for register rules", () => {
    expect(run([0x23, ...uleb(16)], [0x500n])).toBe(0x510n);
  });

  it("follows DW_OP_skip and DW_OP_bra", () => {
    // lit1; bra +1; lit5 (skipped); lit7 → 7 on top
    expect(run([0x31, 0x28, 1, 0, 0x35, 0x37])).toBe(7n);
  });

  it("reads with DW_OP_deref_size", () => {
    expect(run([0x77, ...sleb(16), 0x94, 2])).toBe(0xfff0n);
  });

  it("throws UnwindError for invalid and unsupported operations, never another error", () => {
    for (const bytes of [[0x1c], [0x30, 0x30, 0x1b], [0x50], [0x9c], [0xff], [0x2f, 0x40, 0], [0x75, 0], [0x30, 0x06], [0x0e, 1, 2]]) {
      const error = failure(bytes);
      expect(UnwindError.isInstance(error), `${bytes}`).toBe(true);
    }
    const unreadable = failure([0x0a, 0x00, 0x90, 0x06]) as UnwindError;
    expect(unreadable.code).toBe("unreadable");
  });

  it("ends a loop at expressionOperations and a deep stack at expressionStack", () => {
    const loop = failure([0x2f, 0xfd, 0xff], { maxOperations: 100 }) as UnwindError; // skip -3: jumps to itself
    expect(loop.code).toBe("limit");
    expect(loop.message).toContain("expressionOperations");
    const deep = failure(
      Array.from({ length: 20 }, () => 0x30),
      { maxStack: 10 },
    ) as UnwindError;
    expect(deep.code).toBe("limit");
    expect(deep.message).toContain("expressionStack");
  });

  it("shares the whole-analysis budget between evaluations", () => {
    const budget = { operations: 5 };
    evaluateExpression(Uint8Array.of(0x30, 0x31, 0x22), { ...context, budget });
    expect(budget.operations).toBe(2);
    expect(() => evaluateExpression(Uint8Array.of(0x30, 0x31, 0x22), { ...context, budget })).toThrow(/totalExpressionOperations/);
  });
});

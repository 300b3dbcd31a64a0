import { describe, expect, it } from "vitest";
import { AARCH64, X86_64 } from "./architecture.js";
import { TestMemory, debugFrame, sleb, uleb } from "./_test_cfi.js";
import { walkStack } from "./walk_stack.js";

// x86-64 CIE: CFA = rsp + 8, RA (16) at CFA - 8.
const X86_CIE = [0x0c, 7, ...uleb(8), 0x80 | 16, ...uleb(1)];
// A function after its prologue (push rbp; sub): CFA = rsp + 32, rbp at CFA - 16.
const BODY = [0x0e, ...uleb(32), 0x80 | 6, ...uleb(2)];

function x86(registers: Record<number, bigint>): Map<number, bigint> {
  return new Map(Object.entries(registers).map(([key, value]) => [Number(key), value]));
}

describe("walkStack() on x86-64", () => {
  const cfi = debugFrame({ returnAddressRegister: 16, initial: X86_CIE, fdes: [{ start: 0x1000n, end: 0x2000n, instructions: BODY }] });
  // Three frames of 32 bytes: [.., rbp, ra] each; the last return address is 0.
  const memory = new TestMemory().words(0x7000n, [0n, 0n, 0x7100n, 0x1234n, 0n, 0n, 0x7200n, 0x1456n, 0n, 0n, 0n, 0n]);
  const source = { architecture: X86_64, memory, littleEndian: true, row: (pc: bigint) => cfi.rowFor(pc) };

  it("unwinds with CFI to the outermost frame", () => {
    const { frames, end } = walkStack(x86({ 16: 0x1100n, 7: 0x7000n, 6: 0x7000n }), source);
    expect(frames.map((frame) => [frame.pc, frame.cfa, frame.how])).toEqual([
      [0x1100n, 0x7020n, "registers"],
      [0x1234n, 0x7040n, "cfi"],
      [0x1456n, 0x7060n, "cfi"],
    ]);
    expect(frames[1]!.lookupPc).toBe(0x1233n);
    expect(end.reason).toBe("outermost");
  });

  it("follows the frame pointer where no CFI covers a pc, and marks the frame", () => {
    // pc 0x9000 has no FDE: rbp 0x7f00 holds [caller rbp, return address].
    // After it, CFI again: CFA = rsp + 32 = 0x7f30, the return address at 0x7f28.
    const stack = new TestMemory().words(0x7f00n, [0x7000n, 0x1234n, 0n, 0n, 0n, 0x1456n, 0n, 0n, 0n, 0n, 0n, 0n]);
    const { frames, end } = walkStack(x86({ 16: 0x9000n, 7: 0x7ef0n, 6: 0x7f00n }), { ...source, memory: stack });
    expect(frames.map((frame) => frame.how)).toEqual(["registers", "frame-pointer", "cfi"]);
    expect(end.reason).toBe("outermost");
  });

  it("takes the return address from the stack top when frame 0's pc is in no image", () => {
    const stack = new TestMemory().words(0x7018n, [0x1234n]).words(0x7020n, [0n, 0n, 0n, 0n]);
    const { frames } = walkStack(x86({ 16: 0n, 7: 0x7018n, 6: 0n }), { ...source, memory: stack, mapped: () => false });
    expect(frames.map((frame) => [frame.pc, frame.how])).toEqual([
      [0n, "registers"],
      [0x1234n, "heuristic"],
    ]);
  });

  it("goes through a glibc-style signal frame (augmentation S, DW_OP expressions) to the interrupted pc", () => {
    // __restore_rt at 0x3000: CFA = *(rsp + 160); rip = *(rsp + 168); rsp = *(rsp + 160) (as val).
    const signal = debugFrame({
      returnAddressRegister: 16,
      initial: [],
      fdes: [{ start: 0x3000n, end: 0x3010n, instructions: [0x0f, 4, 0x77, ...sleb(160), 0x06, 0x10, 16, 3, 0x77, ...sleb(168)] }],
    });
    const row = signal.rowFor(0x3000n)!;
    const sigcontext = Array.from({ length: 22 }, () => 0n);
    sigcontext[20] = 0x7e00n; // rsp at +160
    sigcontext[21] = 0x1100n; // rip at +168
    const stack = new TestMemory().words(0x6000n, sigcontext).words(0x7e00n, [0n, 0n, 0n, 0n, 0n, 0n]);
    const rows = (pc: bigint) => (pc >= 0x3000n && pc < 0x3010n ? { ...row, signalFrame: true } : cfi.rowFor(pc));
    const { frames } = walkStack(x86({ 16: 0x3000n, 7: 0x6000n }), { ...source, memory: stack, row: rows });
    expect(frames[0]!.signalTrampoline).toBe(true);
    expect(frames[1]!.how).toBe("signal");
    expect(frames[1]!.pc).toBe(0x1100n);
    expect(frames[1]!.lookupPc).toBe(0x1100n); // the interrupted instruction, not a return address
  });

  it("recognises __restore_rt by its instructions where no CFI covers it", () => {
    const code = Uint8Array.of(0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05);
    const gregs = Array.from({ length: 17 }, () => 0n);
    gregs[15] = 0x7e00n; // rsp
    gregs[16] = 0x1100n; // rip
    const stack = new TestMemory()
      .bytes(0x5000n, code)
      .words(0x6000n + 40n, gregs)
      .words(0x7e00n, [0n, 0n, 0n, 0n, 0n, 0n]);
    const { frames } = walkStack(x86({ 16: 0x5000n, 7: 0x6000n }), { ...source, memory: stack });
    expect(frames.map((frame) => [frame.pc, frame.how, frame.signalTrampoline])).toEqual([
      [0x5000n, "registers", true],
      [0x1100n, "signal", false],
    ]);
  });

  it("ends a stack whose CFA does not move up, and a repeated frame", () => {
    const flat = debugFrame({
      returnAddressRegister: 16,
      initial: [0x0c, 7, 0, 0x80 | 16, ...uleb(0)],
      fdes: [{ start: 0x1000n, end: 0x2000n, instructions: [] }],
    });
    const stack = new TestMemory().words(0x7000n, [0x1100n]);
    const { frames, end } = walkStack(x86({ 16: 0x1100n, 7: 0x7000n }), { ...source, memory: stack, row: (pc) => flat.rowFor(pc) });
    expect(frames.length).toBe(2);
    expect(end.reason).toBe("cfa-not-increasing");
  });

  it("ends with the memory error's address when a saved register is not in the core", () => {
    const { frames, end } = walkStack(x86({ 16: 0x1100n, 7: 0x9000n }), source);
    expect(frames.length).toBe(1);
    expect(end.reason).toBe("unreadable");
    expect(end.message).toContain("0x9018");
  });
});

describe("walkStack() on aarch64 (register mapping on synthetic CFI)", () => {
  // CIE: CFA = sp + 0, RA column x30. FDE body: CFA = sp + 32 (31), x29 at CFA-32, x30 at CFA-24.
  const cfi = debugFrame({
    returnAddressRegister: 30,
    initial: [0x0c, 31, 0],
    fdes: [{ start: 0x1000n, end: 0x2000n, instructions: [0x0e, ...uleb(32), 0x80 | 29, ...uleb(4), 0x80 | 30, ...uleb(3)] }],
  });
  const leaf = debugFrame({ returnAddressRegister: 30, initial: [0x0c, 31, 0], fdes: [{ start: 0x3000n, end: 0x3100n, instructions: [] }] });
  const rows = (pc: bigint) => (pc >= 0x3000n ? leaf.rowFor(pc) : cfi.rowFor(pc));

  it("takes a leaf's return address from x30 and the others from their saved slots, sp = CFA", () => {
    const memory = new TestMemory().words(0x8000n, [0x8100n, 0x1300n, 0n, 0n, 0n, 0n, 0n, 0n]);
    const registers = new Map<number, bigint>([
      [32, 0x3004n],
      [31, 0x8000n],
      [30, 0x1200n],
      [29, 0x8000n],
    ]);
    const { frames, end } = walkStack(registers, { architecture: AARCH64, memory, littleEndian: true, row: rows });
    expect(frames.map((frame) => [frame.pc, frame.cfa])).toEqual([
      [0x3004n, 0x8000n],
      [0x1200n, 0x8020n],
      [0x1300n, 0x8040n],
    ]);
    expect(end.reason).toBe("outermost");
  });

  it("strips pointer-authentication bits from a signed return address", () => {
    const memory = new TestMemory().words(0x8000n, [0n, 0n, 0n, 0n]);
    const registers = new Map<number, bigint>([
      [32, 0x3004n],
      [31, 0x8000n],
      [30, 0x00ab_0000_0000_1200n],
    ]);
    const { frames } = walkStack(registers, { architecture: AARCH64, memory, littleEndian: true, row: rows });
    expect(frames[1]!.pc).toBe(0x1200n);
  });

  it("recognises __kernel_rt_sigreturn and reads the interrupted registers from the sigcontext", () => {
    const code = Uint8Array.of(0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4);
    const regs = Array.from({ length: 33 }, () => 0n);
    regs[29] = 0x8800n;
    regs[31] = 0x8800n; // sp
    regs[32] = 0x1100n; // pc
    const memory = new TestMemory()
      .bytes(0x5000n, code)
      .words(0x6000n + 312n, regs)
      .words(0x8800n, [0n, 0n, 0n, 0n, 0n, 0n]);
    const registers = new Map<number, bigint>([
      [32, 0x5000n],
      [31, 0x6000n],
    ]);
    const { frames } = walkStack(registers, { architecture: AARCH64, memory, littleEndian: true, row: rows });
    expect(frames.slice(0, 2).map((frame) => [frame.pc, frame.how, frame.signalTrampoline])).toEqual([
      [0x5000n, "registers", true],
      [0x1100n, "signal", false],
    ]);
  });
});

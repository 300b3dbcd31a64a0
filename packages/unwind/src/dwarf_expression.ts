import { MemoryError, type Memory } from "@corestack/elf";
import { ADDRESS_MASK } from "./architecture.js";
import { UNWIND_LIMITS } from "./limits.js";
import { UnwindError, hex } from "./unwind_error.js";

/** `DW_OP_*` operations (DWARF 5, section 7.7.1) that call frame expressions use. */
export const DW_OP_addr = 0x03;
export const DW_OP_deref = 0x06;
export const DW_OP_const1u = 0x08;
export const DW_OP_const1s = 0x09;
export const DW_OP_const2u = 0x0a;
export const DW_OP_const2s = 0x0b;
export const DW_OP_const4u = 0x0c;
export const DW_OP_const4s = 0x0d;
export const DW_OP_const8u = 0x0e;
export const DW_OP_const8s = 0x0f;
export const DW_OP_constu = 0x10;
export const DW_OP_consts = 0x11;
export const DW_OP_dup = 0x12;
export const DW_OP_drop = 0x13;
export const DW_OP_over = 0x14;
export const DW_OP_pick = 0x15;
export const DW_OP_swap = 0x16;
export const DW_OP_rot = 0x17;
export const DW_OP_abs = 0x19;
export const DW_OP_and = 0x1a;
export const DW_OP_div = 0x1b;
export const DW_OP_minus = 0x1c;
export const DW_OP_mod = 0x1d;
export const DW_OP_mul = 0x1e;
export const DW_OP_neg = 0x1f;
export const DW_OP_not = 0x20;
export const DW_OP_or = 0x21;
export const DW_OP_plus = 0x22;
export const DW_OP_plus_uconst = 0x23;
export const DW_OP_shl = 0x24;
export const DW_OP_shr = 0x25;
export const DW_OP_shra = 0x26;
export const DW_OP_xor = 0x27;
export const DW_OP_bra = 0x28;
export const DW_OP_eq = 0x29;
export const DW_OP_ge = 0x2a;
export const DW_OP_gt = 0x2b;
export const DW_OP_le = 0x2c;
export const DW_OP_lt = 0x2d;
export const DW_OP_ne = 0x2e;
export const DW_OP_skip = 0x2f;
export const DW_OP_lit0 = 0x30;
export const DW_OP_lit31 = 0x4f;
export const DW_OP_reg0 = 0x50;
export const DW_OP_reg31 = 0x6f;
export const DW_OP_breg0 = 0x70;
export const DW_OP_breg31 = 0x8f;
export const DW_OP_regx = 0x90;
export const DW_OP_bregx = 0x92;
export const DW_OP_deref_size = 0x94;
export const DW_OP_nop = 0x96;

/** What an expression can read: registers of the frame being unwound, and memory. */
export interface ExpressionContext {
  /** The value of a register (DWARF number) in the frame being unwound; undefined when not known. */
  register(number: number): bigint | undefined;
  /** The target's memory. */
  readonly memory: Memory;
  /** Byte order of the target. */
  readonly littleEndian: boolean;
  /**
   * Operations left for all evaluations that share this object (the whole-analysis budget);
   * decremented. Defaults to {@link UNWIND_LIMITS.totalExpressionOperations} per call.
   */
  readonly budget?: { operations: number } | undefined;
  /** Operations one evaluation may execute (default {@link UNWIND_LIMITS.expressionOperations}). */
  readonly maxOperations?: number | undefined;
  /** Values on the stack at once (default {@link UNWIND_LIMITS.expressionStack}). */
  readonly maxStack?: number | undefined;
}

const SIGN = 1n << 63n;

function signed(value: bigint): bigint {
  return value & SIGN ? value - (1n << 64n) : value;
}

/**
 * Reads an unsigned little- or big-endian integer of `size` bytes from memory, as an
 * {@link UnwindError} with code `"unreadable"` when the target lacks it.
 * @param memory the target.
 * @param address where.
 * @param size 1 to 8 bytes.
 * @param littleEndian byte order.
 * @returns the value.
 * @throws {UnwindError} when the memory is not in the target.
 * @internal
 */
export function readUnsigned(memory: Memory, address: bigint, size: number, littleEndian: boolean): bigint {
  let bytes: Uint8Array;
  try {
    bytes = memory.read(address & ADDRESS_MASK, size);
  } catch (error) {
    if (!MemoryError.isInstance(error)) throw error;
    throw new UnwindError(`cannot read ${size} bytes at ${hex(address & ADDRESS_MASK)}`, { code: "unreadable", address: address & ADDRESS_MASK, cause: error });
  }
  let value = 0n;
  if (littleEndian) for (let index = size - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[index]!);
  else for (let index = 0; index < size; index++) value = (value << 8n) | BigInt(bytes[index]!);
  return value;
}

/**
 * Evaluates a DWARF expression of call frame information (a `DW_CFA_def_cfa_expression`,
 * `DW_CFA_expression` or `DW_CFA_val_expression` operand) to the value left on top of its stack:
 * the stack operations, arithmetic and logic on 64-bit values (signed where DWARF says so),
 * comparisons, `DW_OP_skip`/`DW_OP_bra`, constants, `DW_OP_breg*`/`DW_OP_bregx` (register plus
 * offset), `DW_OP_deref` and `DW_OP_deref_size`. Operations that describe a location rather than
 * compute a value (`DW_OP_reg*`, `DW_OP_piece`, `DW_OP_fbreg`, `DW_OP_call_frame_cfa`…) are not
 * allowed in call frame information and are rejected.
 *
 * Every loop ends: the operations of one evaluation, of all evaluations sharing `budget`, and the
 * stack depth are bounded ({@link UNWIND_LIMITS}).
 *
 * @param bytes the expression.
 * @param context registers, memory, byte order and budgets.
 * @param initialStack values pushed before the first operation (the CFA, for register rules).
 * @returns the top of the stack at the end, as an unsigned 64-bit value.
 * @throws {UnwindError} for an invalid or unsupported operation, a stack underflow, a division by
 *   zero, a branch outside the expression, an unknown register, unreadable memory, or a limit.
 * @example
 * ```ts
 * // glibc's x86-64 signal frame: CFA = *(rsp + 160)
 * const cfa = evaluateExpression(Uint8Array.of(0x77, 0xa0, 0x01, 0x06), {
 *   register: (n) => (n === 7 ? rsp : undefined), memory: target, littleEndian: true,
 * });
 * ```
 */
export function evaluateExpression(bytes: Uint8Array, context: ExpressionContext, initialStack: readonly bigint[] = []): bigint {
  const maxOperations = context.maxOperations ?? UNWIND_LIMITS.expressionOperations;
  const maxStack = context.maxStack ?? UNWIND_LIMITS.expressionStack;
  const budget = context.budget ?? { operations: UNWIND_LIMITS.totalExpressionOperations };
  const stack: bigint[] = initialStack.map((value) => value & ADDRESS_MASK);
  let position = 0;
  let operations = 0;

  const fail = (message: string, at: number): never => {
    throw new UnwindError(`${message} at offset ${at} of a ${bytes.length}-byte DWARF expression`, { code: "bad-expression" });
  };
  const need = (count: number, at: number, what: string): void => {
    if (position + count > bytes.length) fail(`${what} runs past the end`, at);
  };
  const uleb = (at: number): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      need(1, at, "an unsigned LEB128 operand");
      const byte = bytes[position++]!;
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) return result & ADDRESS_MASK;
    }
  };
  const sleb = (at: number): bigint => {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    do {
      need(1, at, "a signed LEB128 operand");
      byte = bytes[position++]!;
      if (shift < 64n) result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte & 0x80);
    if (byte & 0x40 && shift < 64n) result -= 1n << shift;
    return result & ADDRESS_MASK;
  };
  const fixed = (size: number, isSigned: boolean, at: number): bigint => {
    need(size, at, `a ${size}-byte operand`);
    let value = 0n;
    for (let index = size - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[position + index]!);
    position += size;
    if (isSigned && value & (1n << BigInt(size * 8 - 1))) value -= 1n << BigInt(size * 8);
    return value & ADDRESS_MASK;
  };
  const push = (value: bigint, at: number): void => {
    if (stack.length >= maxStack) {
      throw new UnwindError(`a DWARF expression pushes more than ${maxStack} values (expressionStack) at offset ${at}`, { code: "limit" });
    }
    stack.push(value & ADDRESS_MASK);
  };
  const pop = (at: number, opName: string): bigint => {
    const value = stack.pop();
    if (value === undefined) return fail(`${opName} finds the stack empty`, at);
    return value;
  };
  const register = (number: number, at: number): bigint => {
    const value = context.register(number);
    if (value === undefined) {
      throw new UnwindError(`a DWARF expression reads register ${number}, whose value is not known, at offset ${at}`, { code: "bad-rule" });
    }
    return value;
  };
  const jump = (offset: bigint, at: number): void => {
    const target = position + Number(signed(offset));
    if (target < 0 || target > bytes.length) fail(`a branch to offset ${target} leaves the expression`, at);
    position = target;
  };

  while (position < bytes.length) {
    const at = position;
    if (++operations > maxOperations) {
      throw new UnwindError(`a DWARF expression runs more than ${maxOperations} operations (expressionOperations)`, { code: "limit" });
    }
    if (--budget.operations < 0) {
      throw new UnwindError(
        `the DWARF expressions of this analysis ran more than ${UNWIND_LIMITS.totalExpressionOperations} operations (totalExpressionOperations)`,
        { code: "limit" },
      );
    }
    const op = bytes[position++]!;
    if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
      push(BigInt(op - DW_OP_lit0), at);
      continue;
    }
    if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
      const offset = sleb(at);
      push(register(op - DW_OP_breg0, at) + offset, at);
      continue;
    }
    if (op >= DW_OP_reg0 && op <= DW_OP_reg31) fail(`DW_OP_reg${op - DW_OP_reg0} (a register location) is not allowed in call frame information`, at);
    switch (op) {
      case DW_OP_addr:
        push(fixed(8, false, at), at);
        break;
      case DW_OP_deref:
        push(readUnsigned(context.memory, pop(at, "DW_OP_deref"), 8, context.littleEndian), at);
        break;
      case DW_OP_deref_size: {
        need(1, at, "the DW_OP_deref_size operand");
        const size = bytes[position++]!;
        if (size < 1 || size > 8) fail(`DW_OP_deref_size of ${size} bytes`, at);
        push(readUnsigned(context.memory, pop(at, "DW_OP_deref_size"), size, context.littleEndian), at);
        break;
      }
      case DW_OP_const1u:
        push(fixed(1, false, at), at);
        break;
      case DW_OP_const1s:
        push(fixed(1, true, at), at);
        break;
      case DW_OP_const2u:
        push(fixed(2, false, at), at);
        break;
      case DW_OP_const2s:
        push(fixed(2, true, at), at);
        break;
      case DW_OP_const4u:
        push(fixed(4, false, at), at);
        break;
      case DW_OP_const4s:
        push(fixed(4, true, at), at);
        break;
      case DW_OP_const8u:
        push(fixed(8, false, at), at);
        break;
      case DW_OP_const8s:
        push(fixed(8, true, at), at);
        break;
      case DW_OP_constu:
        push(uleb(at), at);
        break;
      case DW_OP_consts:
        push(sleb(at), at);
        break;
      case DW_OP_dup: {
        const top = pop(at, "DW_OP_dup");
        push(top, at);
        push(top, at);
        break;
      }
      case DW_OP_drop:
        pop(at, "DW_OP_drop");
        break;
      case DW_OP_over: {
        if (stack.length < 2) fail("DW_OP_over needs two values", at);
        push(stack[stack.length - 2]!, at);
        break;
      }
      case DW_OP_pick: {
        need(1, at, "the DW_OP_pick operand");
        const index = bytes[position++]!;
        if (index >= stack.length) fail(`DW_OP_pick ${index} with ${stack.length} values on the stack`, at);
        push(stack[stack.length - 1 - index]!, at);
        break;
      }
      case DW_OP_swap: {
        const a = pop(at, "DW_OP_swap");
        const b = pop(at, "DW_OP_swap");
        stack.push(a, b);
        break;
      }
      case DW_OP_rot: {
        const a = pop(at, "DW_OP_rot");
        const b = pop(at, "DW_OP_rot");
        const c = pop(at, "DW_OP_rot");
        stack.push(a, c, b);
        break;
      }
      case DW_OP_abs: {
        const value = signed(pop(at, "DW_OP_abs"));
        push(value < 0n ? -value : value, at);
        break;
      }
      case DW_OP_neg:
        push(-signed(pop(at, "DW_OP_neg")), at);
        break;
      case DW_OP_not:
        push(~pop(at, "DW_OP_not"), at);
        break;
      case DW_OP_plus_uconst:
        push(pop(at, "DW_OP_plus_uconst") + uleb(at), at);
        break;
      case DW_OP_and:
      case DW_OP_div:
      case DW_OP_minus:
      case DW_OP_mod:
      case DW_OP_mul:
      case DW_OP_or:
      case DW_OP_plus:
      case DW_OP_shl:
      case DW_OP_shr:
      case DW_OP_shra:
      case DW_OP_xor:
      case DW_OP_eq:
      case DW_OP_ge:
      case DW_OP_gt:
      case DW_OP_le:
      case DW_OP_lt:
      case DW_OP_ne: {
        const b = pop(at, "a binary operation");
        const a = pop(at, "a binary operation");
        push(binary(op, a, b, at, fail), at);
        break;
      }
      case DW_OP_skip:
        jump(fixed(2, true, at), at);
        break;
      case DW_OP_bra: {
        const offset = fixed(2, true, at);
        if (pop(at, "DW_OP_bra") !== 0n) jump(offset, at);
        break;
      }
      case DW_OP_bregx: {
        const number = uleb(at);
        const offset = sleb(at);
        if (number > 0xffffn) fail(`DW_OP_bregx names register ${number}`, at);
        push(register(Number(number), at) + offset, at);
        break;
      }
      case DW_OP_nop:
        break;
      default:
        fail(`operation ${hex(op)} is not supported in call frame information`, at);
    }
  }
  const result = stack.pop();
  if (result === undefined) return fail("the expression leaves the stack empty", bytes.length);
  return result;
}

function binary(op: number, a: bigint, b: bigint, at: number, fail: (message: string, at: number) => never): bigint {
  switch (op) {
    case DW_OP_and:
      return a & b;
    case DW_OP_or:
      return a | b;
    case DW_OP_xor:
      return a ^ b;
    case DW_OP_plus:
      return a + b;
    case DW_OP_minus:
      return a - b;
    case DW_OP_mul:
      return a * b;
    case DW_OP_div: {
      if (b === 0n) return fail("DW_OP_div by zero", at);
      return signed(a) / signed(b);
    }
    case DW_OP_mod: {
      if (b === 0n) return fail("DW_OP_mod by zero", at);
      return a % b;
    }
    case DW_OP_shl:
      return b >= 64n ? 0n : a << b;
    case DW_OP_shr:
      return b >= 64n ? 0n : a >> b;
    case DW_OP_shra:
      return signed(a) >> (b >= 64n ? 63n : b);
    case DW_OP_eq:
      return a === b ? 1n : 0n;
    case DW_OP_ne:
      return a !== b ? 1n : 0n;
    case DW_OP_ge:
      return signed(a) >= signed(b) ? 1n : 0n;
    case DW_OP_gt:
      return signed(a) > signed(b) ? 1n : 0n;
    case DW_OP_le:
      return signed(a) <= signed(b) ? 1n : 0n;
    case DW_OP_lt:
      return signed(a) < signed(b) ? 1n : 0n;
  }
  return fail(`operation ${hex(op)} is not a binary operation`, at);
}

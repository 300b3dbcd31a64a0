import type { Memory } from "@corestack/elf";
import type { UnwindRow } from "@corestack/dwarf";
import { ADDRESS_MASK, type Architecture, registerName } from "./architecture.js";
import { evaluateExpression, readUnsigned } from "./dwarf_expression.js";
import { UnwindError } from "./unwind_error.js";

/** What {@link applyUnwindRow} needs besides the row and the registers. */
export interface UnwindStepContext {
  readonly architecture: Architecture;
  readonly memory: Memory;
  readonly littleEndian: boolean;
  /** Expression operations left for the whole analysis; decremented (see {@link evaluateExpression}). */
  readonly budget?: { operations: number } | undefined;
}

/** The caller's registers, as one unwind row recovers them. */
export interface UnwoundRegisters {
  /** The canonical frame address of the frame the row describes. */
  readonly cfa: bigint;
  /**
   * The caller's registers by DWARF number: those with a rule recovered by it, the others kept
   * (DWARF's "same value", which is what compilers mean for callee-saved registers); the stack
   * pointer is the CFA unless a rule says otherwise; the pc is the return address.
   */
  readonly registers: Map<number, bigint>;
  /**
   * The return address (the value of the row's return-address column), masked by the
   * architecture's {@link Architecture.returnAddressMask} when signed; undefined when the rule
   * says the column is undefined — the outermost frame (`_start`, `clone`).
   */
  readonly returnAddress: bigint | undefined;
}

/**
 * Applies one row of call frame information (from `@corestack/dwarf`'s `CallFrameInfo.rowFor`) to
 * a frame's registers: computes the CFA (a register plus an offset, or an expression), then each
 * register's rule (`offset`, `val-offset`, `register`, `same-value`, `undefined`, `expression`,
 * `val-expression`) and the return address.
 *
 * @param row the unwind row at the frame's pc.
 * @param registers the frame's registers by DWARF number.
 * @param context architecture, memory, byte order, budget.
 * @returns the CFA, the caller's registers and the return address.
 * @throws {UnwindError} when the CFA rule is undefined or names a register without a value, a
 *   saved register cannot be read, or an expression fails ({@link evaluateExpression}).
 * @example
 * ```ts
 * const row = cfi.rowFor(pc - bias)!;
 * const caller = applyUnwindRow(row, registers, { architecture: X86_64, memory: target, littleEndian: true });
 * caller.returnAddress; // the caller's pc
 * ```
 */
export function applyUnwindRow(row: UnwindRow, registers: ReadonlyMap<number, bigint>, context: UnwindStepContext): UnwoundRegisters {
  const { architecture, memory, littleEndian } = context;
  const size = architecture.addressSize;
  const expressionContext = { register: (number: number) => registers.get(number), memory, littleEndian, budget: context.budget };
  let cfa: bigint;
  const cfaRule = row.cfa;
  if (cfaRule.rule === "register") {
    const base = registers.get(cfaRule.register);
    if (base === undefined) {
      throw new UnwindError(`the CFA rule uses ${registerName(architecture, cfaRule.register)}, whose value is not known`, { code: "bad-rule" });
    }
    cfa = (base + BigInt(cfaRule.offset)) & ADDRESS_MASK;
  } else if (cfaRule.rule === "expression") {
    cfa = evaluateExpression(cfaRule.expression, expressionContext);
  } else {
    throw new UnwindError("the call frame information defines no CFA rule", { code: "bad-rule" });
  }

  const caller = new Map(registers);
  caller.set(architecture.sp, cfa);
  const lost = new Set<number>();
  for (const [number, rule] of row.registers) {
    let value: bigint | undefined;
    switch (rule.rule) {
      case "undefined":
        value = undefined;
        break;
      case "same-value":
        value = registers.get(number);
        break;
      case "offset":
        value = readUnsigned(memory, cfa + BigInt(rule.offset), size, littleEndian);
        break;
      case "val-offset":
        value = (cfa + BigInt(rule.offset)) & ADDRESS_MASK;
        break;
      case "register":
        value = registers.get(rule.register);
        break;
      case "expression":
        value = readUnsigned(memory, evaluateExpression(rule.expression, expressionContext, [cfa]), size, littleEndian);
        break;
      case "val-expression":
        value = evaluateExpression(rule.expression, expressionContext, [cfa]);
        break;
    }
    if (value === undefined) {
      caller.delete(number);
      lost.add(number);
    } else caller.set(number, value);
  }

  const column = row.returnAddressRegister;
  let returnAddress: bigint | undefined;
  if (lost.has(column)) returnAddress = undefined;
  else if (row.registers.has(column)) returnAddress = caller.get(column);
  else returnAddress = registers.get(column);
  if (returnAddress !== undefined) {
    if (row.negateRaState || architecture.linkRegister === column) returnAddress &= architecture.returnAddressMask;
    caller.set(architecture.pc, returnAddress);
  } else caller.delete(architecture.pc);
  return { cfa, registers: caller, returnAddress };
}

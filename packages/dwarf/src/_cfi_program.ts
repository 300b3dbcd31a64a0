import { Reader } from "./_reader.js";
import { basesOf, type CfiSection, type CommonInformationEntry, type FrameDescriptionEntry } from "./_cfi_records.js";
import { readEncodedPointer } from "./_cfi_pointer.js";
import {
  DW_CFA_AArch64_negate_ra_state,
  DW_CFA_advance_loc,
  DW_CFA_advance_loc1,
  DW_CFA_advance_loc2,
  DW_CFA_advance_loc4,
  DW_CFA_def_cfa,
  DW_CFA_def_cfa_expression,
  DW_CFA_def_cfa_offset,
  DW_CFA_def_cfa_offset_sf,
  DW_CFA_def_cfa_register,
  DW_CFA_def_cfa_sf,
  DW_CFA_expression,
  DW_CFA_GNU_args_size,
  DW_CFA_GNU_negative_offset_extended,
  DW_CFA_MIPS_advance_loc8,
  DW_CFA_nop,
  DW_CFA_offset,
  DW_CFA_offset_extended,
  DW_CFA_offset_extended_sf,
  DW_CFA_register,
  DW_CFA_remember_state,
  DW_CFA_restore,
  DW_CFA_restore_extended,
  DW_CFA_restore_state,
  DW_CFA_same_value,
  DW_CFA_set_loc,
  DW_CFA_undefined,
  DW_CFA_val_expression,
  DW_CFA_val_offset,
  DW_CFA_val_offset_sf,
  DW_EH_PE_indirect,
  cfaInstructionName,
} from "./cfa_constants.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";

/**
 * How to find a register's value in the caller's frame (DWARF 5 section 6.4.1). A register with no
 * rule in a row has the ABI's default rule, which CFI does not say.
 * - `undefined`: the value is lost (`DW_CFA_undefined`);
 * - `same-value`: unchanged from this frame;
 * - `offset`: saved at CFA + `offset`; `val-offset`: the value is CFA + `offset`;
 * - `register`: saved in another register;
 * - `expression`: saved at the address the DWARF expression computes (with the CFA pushed);
 *   `val-expression`: the value is what it computes. Expressions are views into the section,
 *   not evaluated here.
 */
export type RegisterRule =
  | { readonly rule: "undefined" }
  | { readonly rule: "same-value" }
  | { readonly rule: "offset"; readonly offset: number }
  | { readonly rule: "val-offset"; readonly offset: number }
  | { readonly rule: "register"; readonly register: number }
  | { readonly rule: "expression"; readonly expression: Uint8Array }
  | { readonly rule: "val-expression"; readonly expression: Uint8Array };

/**
 * How to compute the canonical frame address: a register plus an offset, or a DWARF expression.
 * `undefined` when neither the CIE nor the FDE defined it (no real producer does that).
 */
export type CfaRule =
  | { readonly rule: "register"; readonly register: number; readonly offset: number }
  | { readonly rule: "expression"; readonly expression: Uint8Array }
  | { readonly rule: "undefined" };

/** One row of the unwind table: the rules that hold for `[startAddress, endAddress)`. */
export interface UnwindRow {
  readonly startAddress: bigint;
  /** One past the last address of the row (at most the FDE's end). */
  readonly endAddress: bigint;
  readonly cfa: CfaRule;
  /** Rules by DWARF register number; registers without an entry keep the ABI's default rule. */
  readonly registers: ReadonlyMap<number, RegisterRule>;
  /** The column holding the return address (the CIE's). */
  readonly returnAddressRegister: number;
  /** True for a signal trampoline (augmentation 'S'): the pc is not a return address. */
  readonly signalFrame: boolean;
  /** The last `DW_CFA_GNU_args_size` operand: bytes of outgoing arguments pushed. */
  readonly argsSize: bigint;
  /**
   * True after an odd number of `DW_CFA_AArch64_negate_ra_state` (0x2d): on AArch64 the return
   * address is signed. On SPARC the same opcode is `DW_CFA_GNU_window_save`.
   */
  readonly negateRaState: boolean;
}

const UNDEFINED_CFA: CfaRule = { rule: "undefined" };
const UNDEFINED: RegisterRule = { rule: "undefined" };
const SAME_VALUE: RegisterRule = { rule: "same-value" };

/** The rules a row is made of, with copy-on-write register maps shared by rows and saved states. */
class RuleState {
  cfa: CfaRule = UNDEFINED_CFA;
  registers = new Map<number, RegisterRule>();
  /** The map is also held by a row or a saved state: copy it before changing it. */
  shared = false;
  negateRaState = false;

  snapshot(): { cfa: CfaRule; registers: Map<number, RegisterRule>; negateRaState: boolean } {
    this.shared = true;
    return { cfa: this.cfa, registers: this.registers, negateRaState: this.negateRaState };
  }

  restoreFrom(saved: { cfa: CfaRule; registers: Map<number, RegisterRule>; negateRaState: boolean }): void {
    this.cfa = saved.cfa;
    this.registers = saved.registers;
    this.negateRaState = saved.negateRaState;
    this.shared = true;
  }

  #writable(): Map<number, RegisterRule> {
    if (this.shared) {
      this.registers = new Map(this.registers);
      this.shared = false;
    }
    return this.registers;
  }

  set(register: number, rule: RegisterRule, reader: Reader, at: number): void {
    if (this.registers.size >= DWARF_LIMITS.cfiRegisterRules && !this.registers.has(register)) {
      limitReached("cfiRegisterRules", "The register rules of one row", { section: reader.section.name, offset: at });
    }
    this.#writable().set(register, rule);
  }

  delete(register: number): void {
    if (this.registers.has(register)) this.#writable().delete(register);
  }
}

/** The state after a CIE's initial instructions: what `DW_CFA_restore` returns to. */
interface InitialRules {
  readonly cfa: CfaRule;
  readonly registers: ReadonlyMap<number, RegisterRule>;
  readonly negateRaState: boolean;
}

function factored(reader: Reader, value: number, factor: number, at: number, what: string): number {
  const product = value * factor;
  if (!Number.isSafeInteger(product)) reader.fail(`${what} ${value} × ${factor} does not fit a safe integer`, "bad-value", at);
  return product === 0 ? 0 : product;
}

function expressionBlock(reader: Reader, at: number): Uint8Array {
  const length = reader.ulebNumber("The expression length");
  if (length > DWARF_LIMITS.expressionBytes)
    limitReached("expressionBytes", `A DWARF expression of ${length} bytes`, { section: reader.section.name, offset: at });
  return reader.block(length, "a DWARF expression");
}

/** The rules after each CIE's initial instructions, and how many instructions that took. */
const initialStates = new WeakMap<CommonInformationEntry, { rules: ReturnType<RuleState["snapshot"]>; executed: number }>();

/**
 * Executes the instructions of one CIE and then one FDE, pausing at each advance of the location.
 * Counts every instruction (CIE and FDE together) against {@link DWARF_LIMITS.cfiInstructions}.
 */
class CfaMachine {
  readonly state = new RuleState();
  readonly #context: CfiSection;
  readonly #cie: CommonInformationEntry;
  readonly #stack: ReturnType<RuleState["snapshot"]>[] = [];
  #executed = 0;
  #initial: InitialRules | undefined;
  #functionAddress: bigint | undefined;
  /** The current location; 0 while running a CIE. */
  location = 0n;
  argsSize = 0n;

  constructor(context: CfiSection, cie: CommonInformationEntry) {
    this.#context = context;
    this.#cie = cie;
  }

  /**
   * Runs the CIE's initial instructions (no advance allowed) and records them for restores. The
   * result is kept per CIE; its instructions still count against this row's budget.
   */
  runInitial(): void {
    const cie = this.#cie;
    const cached = initialStates.get(cie);
    if (cached) {
      this.state.restoreFrom(cached.rules);
      this.#executed = cached.executed;
      this.#initial = cached.rules;
      return;
    }
    const reader = new Reader(this.#context.section, cie.initialInstructionsOffset, cie.initialInstructionsOffset + cie.initialInstructions.length);
    const stop = this.run(reader);
    if (stop !== undefined) reader.fail("The initial instructions of a CIE advance the location", "bad-value", cie.initialInstructionsOffset);
    // The remember stack does not carry over from the CIE to the FDE.
    this.#stack.length = 0;
    const rules = this.state.snapshot();
    this.#initial = rules;
    initialStates.set(cie, { rules, executed: this.#executed });
  }

  /** Switches to an FDE's program. */
  startFde(fde: FrameDescriptionEntry): void {
    this.location = fde.initialLocation;
    this.#functionAddress = fde.initialLocation;
  }

  /**
   * Executes from the reader's position until an instruction moves the location, and returns the
   * new location (the caller applies it), or undefined at the end of the bytes.
   */
  run(reader: Reader): bigint | undefined {
    const state = this.state;
    const cie = this.#cie;
    const where = (at: number) => ({ section: reader.section.name, offset: at });
    const inCie = this.#initial === undefined;
    const daf = cie.dataAlignmentFactor;
    const advanceBy = (delta: bigint, at: number, op: number): bigint => {
      if (inCie) reader.fail(`${cfaInstructionName(op)} in the initial instructions of a CIE`, "bad-value", at);
      const to = this.location + delta * BigInt(cie.codeAlignmentFactor);
      if (to >= 1n << BigInt(cie.addressSize * 8))
        reader.fail(`${cfaInstructionName(op)} advances the location to ${hex(to)}, past the end of the address space`, "bad-value", at);
      return to;
    };
    const register = () => reader.ulebNumber("A register number");
    const offset = (signed: boolean, at: number) =>
      factored(reader, signed ? reader.slebNumber("An offset") : reader.ulebNumber("An offset"), daf, at, "An offset");
    while (!reader.atEnd) {
      const at = reader.position;
      if (++this.#executed > DWARF_LIMITS.cfiInstructions) limitReached("cfiInstructions", "The CFA instructions executed for one row", where(at));
      const op = reader.u8();
      const high = op & 0xc0;
      const low = op & 0x3f;
      if (high === DW_CFA_advance_loc) return advanceBy(BigInt(low), at, op);
      if (high === DW_CFA_offset) {
        state.set(low, { rule: "offset", offset: offset(false, at) }, reader, at);
        continue;
      }
      if (high === DW_CFA_restore) {
        this.#restore(low, reader, at);
        continue;
      }
      switch (op) {
        case DW_CFA_nop:
          break;
        case DW_CFA_set_loc: {
          if (inCie) reader.fail("DW_CFA_set_loc in the initial instructions of a CIE", "bad-value", at);
          if (cie.fdePointerEncoding & DW_EH_PE_indirect) reader.fail("DW_CFA_set_loc with an indirect encoding", "unsupported", at);
          const bases = { ...basesOf(this.#context, cie.addressSize), functionAddress: this.#functionAddress };
          const to = readEncodedPointer(reader, cie.fdePointerEncoding, bases, "a DW_CFA_set_loc address").value;
          if (to < this.location) reader.fail(`DW_CFA_set_loc moves the location back from ${hex(this.location)} to ${hex(to)}`, "bad-value", at);
          return to;
        }
        case DW_CFA_advance_loc1:
          return advanceBy(BigInt(reader.u8()), at, op);
        case DW_CFA_advance_loc2:
          return advanceBy(BigInt(reader.u16()), at, op);
        case DW_CFA_advance_loc4:
          return advanceBy(BigInt(reader.u32()), at, op);
        case DW_CFA_MIPS_advance_loc8:
          return advanceBy(reader.u64(), at, op);
        case DW_CFA_offset_extended:
        case DW_CFA_offset_extended_sf: {
          const number = register();
          state.set(number, { rule: "offset", offset: offset(op === DW_CFA_offset_extended_sf, at) }, reader, at);
          break;
        }
        case DW_CFA_GNU_negative_offset_extended: {
          const number = register();
          state.set(number, { rule: "offset", offset: 0 - offset(false, at) }, reader, at);
          break;
        }
        case DW_CFA_val_offset:
        case DW_CFA_val_offset_sf: {
          const number = register();
          state.set(number, { rule: "val-offset", offset: offset(op === DW_CFA_val_offset_sf, at) }, reader, at);
          break;
        }
        case DW_CFA_restore_extended:
          this.#restore(register(), reader, at);
          break;
        case DW_CFA_undefined:
          state.set(register(), UNDEFINED, reader, at);
          break;
        case DW_CFA_same_value:
          state.set(register(), SAME_VALUE, reader, at);
          break;
        case DW_CFA_register: {
          const number = register();
          state.set(number, { rule: "register", register: register() }, reader, at);
          break;
        }
        case DW_CFA_expression:
        case DW_CFA_val_expression: {
          const number = register();
          const expression = expressionBlock(reader, at);
          state.set(number, op === DW_CFA_expression ? { rule: "expression", expression } : { rule: "val-expression", expression }, reader, at);
          break;
        }
        case DW_CFA_remember_state:
          if (this.#stack.length >= DWARF_LIMITS.cfiRememberDepth) limitReached("cfiRememberDepth", "DW_CFA_remember_state nesting", where(at));
          this.#stack.push(state.snapshot());
          break;
        case DW_CFA_restore_state: {
          const saved = this.#stack.pop();
          if (!saved) reader.fail("DW_CFA_restore_state without a matching DW_CFA_remember_state", "bad-value", at);
          state.restoreFrom(saved);
          break;
        }
        case DW_CFA_def_cfa: {
          const number = register();
          state.cfa = { rule: "register", register: number, offset: reader.ulebNumber("A CFA offset") };
          break;
        }
        case DW_CFA_def_cfa_sf: {
          const number = register();
          state.cfa = { rule: "register", register: number, offset: offset(true, at) };
          break;
        }
        case DW_CFA_def_cfa_register: {
          const number = register();
          if (state.cfa.rule !== "register")
            reader.fail(`DW_CFA_def_cfa_register when the CFA rule is ${state.cfa.rule === "expression" ? "an expression" : "not defined"}`, "bad-value", at);
          state.cfa = { rule: "register", register: number, offset: state.cfa.offset };
          break;
        }
        case DW_CFA_def_cfa_offset:
        case DW_CFA_def_cfa_offset_sf: {
          const value = op === DW_CFA_def_cfa_offset ? reader.ulebNumber("A CFA offset") : offset(true, at);
          if (state.cfa.rule !== "register")
            reader.fail(`${cfaInstructionName(op)} when the CFA rule is ${state.cfa.rule === "expression" ? "an expression" : "not defined"}`, "bad-value", at);
          state.cfa = { rule: "register", register: state.cfa.register, offset: value };
          break;
        }
        case DW_CFA_def_cfa_expression:
          state.cfa = { rule: "expression", expression: expressionBlock(reader, at) };
          break;
        case DW_CFA_GNU_args_size:
          this.argsSize = reader.uleb();
          break;
        case DW_CFA_AArch64_negate_ra_state:
          state.negateRaState = !state.negateRaState;
          break;
        default:
          reader.fail(`Undefined call frame instruction ${hex(op)} (${cfaInstructionName(op)})`, "bad-value", at);
      }
    }
    return undefined;
  }

  #restore(register: number, reader: Reader, at: number): void {
    const rule = this.#initial?.registers.get(register);
    if (rule) this.state.set(register, rule, reader, at);
    else this.state.delete(register);
  }
}

/**
 * The rows of an FDE's unwind table, in address order, lazily: each row is made when the
 * instructions advance past it, so a consumer that stops early stops the work. Rows that cover no
 * address (an advance by 0) are skipped; the last row ends at the FDE's end, and instructions past
 * the end are not read. @internal
 */
export function* unwindRows(context: CfiSection, fde: FrameDescriptionEntry): Generator<UnwindRow, void, undefined> {
  const cie = fde.cie;
  const machine = new CfaMachine(context, cie);
  machine.runInitial();
  machine.startFde(fde);
  const end = fde.endAddress;
  const reader = new Reader(context.section, fde.instructionsOffset, fde.instructionsOffset + fde.instructions.length);
  for (;;) {
    const next = machine.run(reader);
    const rowEnd = next !== undefined && next < end ? next : end;
    if (machine.location < rowEnd) {
      const shared = machine.state.snapshot();
      yield {
        startAddress: machine.location,
        endAddress: rowEnd,
        cfa: shared.cfa,
        registers: shared.registers,
        returnAddressRegister: cie.returnAddressRegister,
        signalFrame: cie.signalFrame,
        argsSize: machine.argsSize,
        negateRaState: shared.negateRaState,
      };
    }
    if (next === undefined || next >= end) return;
    machine.location = next;
  }
}

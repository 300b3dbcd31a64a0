import { EM_AARCH64, EM_X86_64, machineName } from "@corestack/elf/constants";

/**
 * What the unwinder needs to know of a processor: the DWARF register numbers (the columns of call
 * frame information) of the pc, stack pointer, frame pointer and default return-address column,
 * and how `NT_PRSTATUS` names each register.
 */
export interface Architecture {
  /** `x86-64` or `aarch64`. */
  readonly name: string;
  /** The ELF `e_machine` of its cores. */
  readonly machine: number;
  /** The DWARF register holding the program counter (x86-64: 16, rip; aarch64: 32, pc). */
  readonly pc: number;
  /** The stack pointer (x86-64: 7, rsp; aarch64: 31, sp). */
  readonly sp: number;
  /** The frame pointer (x86-64: 6, rbp; aarch64: 29, x29). */
  readonly fp: number;
  /** The link register, when calls leave the return address in one (aarch64: 30, x30). */
  readonly linkRegister: number | undefined;
  /** The DWARF register number of each `NT_PRSTATUS` register the unwinder uses. */
  readonly dwarfRegisters: ReadonlyMap<string, number>;
  /** The name of each DWARF register number (for messages): `rbp`, `x29`… */
  readonly registerNames: ReadonlyMap<number, string>;
  /** Bytes of an address. */
  readonly addressSize: 8;
  /** Mask applied to a return address before use: clears the pointer-authentication bits on aarch64. */
  readonly returnAddressMask: bigint;
}

/** Every bit of a 64-bit address. @internal */
export const ADDRESS_MASK = (1n << 64n) - 1n;

/**
 * x86-64 (System V psABI, figure 3.36): rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6, rsp 7,
 * r8–r15 8–15, the return address column 16 (rip).
 */
export const X86_64: Architecture = (() => {
  const order = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"];
  return {
    name: "x86-64",
    machine: EM_X86_64,
    pc: 16,
    sp: 7,
    fp: 6,
    linkRegister: undefined,
    dwarfRegisters: new Map(order.map((name, index) => [name, index])),
    registerNames: new Map(order.map((name, index) => [index, name])),
    addressSize: 8,
    returnAddressMask: ADDRESS_MASK,
  };
})();

/**
 * AArch64 (DWARF for the Arm 64-bit Architecture, section 4.1): x0–x30 0–30, sp 31, pc 32. The
 * return address column of CIEs is 30 (the link register). Return addresses signed by pointer
 * authentication (after `DW_CFA_AArch64_negate_ra_state`) are masked to the 48-bit user address
 * space (Linux's default `VA_BITS`; a 52-bit user space needs the `NT_ARM_PAC_MASK` note).
 */
export const AARCH64: Architecture = (() => {
  const entries: [string, number][] = [];
  for (let index = 0; index <= 30; index++) entries.push([`x${index}`, index]);
  entries.push(["sp", 31], ["pc", 32]);
  return {
    name: "aarch64",
    machine: EM_AARCH64,
    pc: 32,
    sp: 31,
    fp: 29,
    linkRegister: 30,
    dwarfRegisters: new Map(entries),
    registerNames: new Map(entries.map(([name, number]) => [number, name])),
    addressSize: 8,
    returnAddressMask: (1n << 48n) - 1n,
  };
})();

/**
 * The architecture of a core's `e_machine`.
 * @param machine an ELF `e_machine` value.
 * @returns the architecture, or undefined for a machine the unwinder does not know.
 * @example
 * ```ts
 * architectureOf(core.elf.header.e_machine)?.name; // "x86-64"
 * ```
 */
export function architectureOf(machine: number): Architecture | undefined {
  if (machine === EM_X86_64) return X86_64;
  if (machine === EM_AARCH64) return AARCH64;
  return undefined;
}

/**
 * The registers of a thread by DWARF number, from `NT_PRSTATUS` names (as `@corestack/elf`'s
 * `PrStatus.registers` gives them). Registers the architecture does not unwind are left out.
 * @param architecture the thread's architecture.
 * @param registers registers by `NT_PRSTATUS` name (`rip`, `rsp`… or `pc`, `sp`, `x29`…).
 * @returns a new map from DWARF register number to value.
 * @example
 * ```ts
 * const registers = dwarfRegisters(X86_64, core.threads[0]!.registers);
 * registers.get(X86_64.pc); // the thread's rip
 * ```
 */
export function dwarfRegisters(architecture: Architecture, registers: Readonly<Record<string, bigint>>): Map<number, bigint> {
  const result = new Map<number, bigint>();
  for (const [name, number] of architecture.dwarfRegisters) {
    const value = registers[name];
    if (typeof value === "bigint") result.set(number, value & ADDRESS_MASK);
  }
  return result;
}

/**
 * The name of a DWARF register for messages: `rbp`, `x29`, or `r<number>` when unknown.
 * @param architecture the architecture.
 * @param register a DWARF register number.
 * @returns the name.
 * @internal
 */
export function registerName(architecture: Architecture, register: number): string {
  return architecture.registerNames.get(register) ?? `r${register}`;
}

/** The message for a core of an unknown machine. @internal */
export function unsupportedMachine(machine: number): string {
  return `native unwinding of ${machineName(machine)} cores is not supported (x86-64 and aarch64 are)`;
}

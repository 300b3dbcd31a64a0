// The line-number state machine (DWARF 5 section 6.2.2), shared by rows(), sequences(), locate()
// and the whole-section index. Addresses are kept as two 32-bit halves so that 64-bit values
// survive without a bigint per opcode.

import { hex } from "./dwarf_format_error.js";
import {
  DW_LNE_define_file,
  DW_LNE_end_sequence,
  DW_LNE_set_address,
  DW_LNE_set_discriminator,
  DW_LNS_advance_line,
  DW_LNS_advance_pc,
  DW_LNS_const_add_pc,
  DW_LNS_copy,
  DW_LNS_fixed_advance_pc,
  DW_LNS_negate_stmt,
  DW_LNS_set_basic_block,
  DW_LNS_set_column,
  DW_LNS_set_epilogue_begin,
  DW_LNS_set_file,
  DW_LNS_set_isa,
  DW_LNS_set_prologue_end,
} from "./line_constants.js";
import type { LineFileEntry, LineProgramHeader } from "./_line_header.js";
import { readOldFileEntry } from "./_line_header.js";
import { type ResolvedLineLimits, lineLimitReached } from "./_line_limits.js";
import { Reader, type Section } from "./_reader.js";

const TWO_32 = 0x1_0000_0000;
/** Lines stay below this; a larger one (or a negative one) is a `bad-value`. */
export const LINE_MAX = 0x8000_0000;

/** What the machine needs from its program. @internal */
export interface MachineProgram {
  readonly header: LineProgramHeader;
  readonly section: Section;
  readonly limits: ResolvedLineLimits;
  /** Records a file that `DW_LNE_define_file` adds as the `ordinal`-th (from 0) of this program's run. */
  defineFile(ordinal: number, entry: LineFileEntry): void;
}

/**
 * Runs one line program. {@link next} executes opcodes until a row is appended to the matrix and
 * leaves that row in the registers. @internal
 */
export class LineMachine {
  addressHi = 0;
  addressLo = 0;
  opIndex = 0;
  file = 1;
  line = 1;
  column = 0;
  isStmt: boolean;
  basicBlock = false;
  endSequence = false;
  prologueEnd = false;
  epilogueBegin = false;
  isa = 0;
  discriminator = 0;
  /** Offset of the opcode that appended the current row. */
  rowOffset = 0;
  /** Opcodes executed so far. */
  opcodes = 0;

  readonly #program: MachineProgram;
  readonly #reader: Reader;
  readonly #bytes: Uint8Array;
  readonly #header: LineProgramHeader;
  readonly #opcodeLimit: number;
  #addressSize: number | undefined;
  #resetPending = false;
  #clearPending = false;
  #defined = 0;

  constructor(program: MachineProgram) {
    this.#program = program;
    this.#header = program.header;
    this.#reader = new Reader(program.section, program.header.programOffset, program.header.endOffset);
    this.#bytes = program.section.bytes;
    this.#opcodeLimit = program.limits.lineOpcodes;
    this.#addressSize = program.header.address_size;
    this.isStmt = program.header.default_is_stmt;
  }

  /** The address of the current row as a bigint. */
  get address(): bigint {
    return this.addressHi === 0 ? BigInt(this.addressLo) : (BigInt(this.addressHi) << 32n) | BigInt(this.addressLo);
  }

  /** Whether opcodes remain. */
  get done(): boolean {
    return this.#reader.position >= this.#reader.end;
  }

  /**
   * Executes opcodes until one appends a row.
   * @returns true with the row in the registers, false at the end of the program.
   */
  next(): boolean {
    if (this.#resetPending) this.#reset();
    else if (this.#clearPending) this.#clear();
    const reader: Reader = this.#reader;
    const bytes = this.#bytes;
    const header = this.#header;
    const opcodeBase = header.opcode_base;
    while (reader.position < reader.end) {
      const at = reader.position;
      if (++this.opcodes > this.#opcodeLimit) {
        lineLimitReached(this.#program.limits, "lineOpcodes", `The line program at ${hex(header.offset)}`, { section: reader.section.name, offset: at });
      }
      const opcode = bytes[at]!;
      reader.position = at + 1;
      if (opcode >= opcodeBase) {
        const adjusted = opcode - opcodeBase;
        this.#advance(Math.floor(adjusted / header.line_range), at);
        this.#setLine(this.line + header.line_base + (adjusted % header.line_range), at);
        return this.#emit(at);
      }
      switch (opcode) {
        case 0:
          if (this.#extended(at)) return this.#emit(at);
          break;
        case DW_LNS_copy:
          return this.#emit(at);
        case DW_LNS_advance_pc:
          this.#advance(reader.ulebNumber("A DW_LNS_advance_pc operand"), at);
          break;
        case DW_LNS_advance_line:
          this.#setLine(this.line + this.#sleb(), at);
          break;
        case DW_LNS_set_file:
          this.file = this.#u32("A DW_LNS_set_file operand");
          break;
        case DW_LNS_set_column:
          this.column = this.#u32("A DW_LNS_set_column operand");
          break;
        case DW_LNS_negate_stmt:
          this.isStmt = !this.isStmt;
          break;
        case DW_LNS_set_basic_block:
          this.basicBlock = true;
          break;
        case DW_LNS_const_add_pc:
          this.#advance(Math.floor((255 - opcodeBase) / header.line_range), at);
          break;
        case DW_LNS_fixed_advance_pc:
          this.#add(reader.u16(), at);
          this.opIndex = 0;
          break;
        case DW_LNS_set_prologue_end:
          this.prologueEnd = true;
          break;
        case DW_LNS_set_epilogue_begin:
          this.epilogueBegin = true;
          break;
        case DW_LNS_set_isa:
          this.isa = this.#u32("A DW_LNS_set_isa operand");
          break;
        default: {
          // An opcode this reader does not know: skip the operands the header declares.
          const count = header.standard_opcode_lengths[opcode - 1] ?? 0;
          for (let i = 0; i < count; i++) reader.uleb();
        }
      }
    }
    return false;
  }

  /** Executes an extended opcode; true when it appended a row (DW_LNE_end_sequence). */
  #extended(at: number): boolean {
    const reader: Reader = this.#reader;
    const length = reader.ulebNumber("An extended opcode length");
    if (length === 0) reader.fail("An extended opcode has length 0", "bad-value", at);
    const start = reader.position;
    if (length > reader.end - start) reader.fail(`An extended opcode of ${length} bytes runs past the end of the line program`, "truncated", at);
    const end = start + length;
    const outerEnd = reader.end;
    reader.end = end;
    const sub = reader.u8();
    let row = false;
    switch (sub) {
      case DW_LNE_end_sequence:
        this.endSequence = true;
        row = true;
        break;
      case DW_LNE_set_address: {
        const size = length - 1;
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8) reader.fail(`DW_LNE_set_address with a ${size}-byte address`, "bad-value", at);
        if (this.#addressSize === undefined) this.#addressSize = size;
        if (size === 8) {
          const value = reader.u64();
          this.addressHi = Number(value >> 32n);
          this.addressLo = Number(value & 0xffff_ffffn);
        } else {
          this.addressHi = 0;
          this.addressLo = Number(reader.unsigned(size));
        }
        this.opIndex = 0;
        break;
      }
      case DW_LNE_define_file: {
        const path = reader.cString("a DW_LNE_define_file name");
        const entry = readOldFileEntry(reader, path);
        const limits = this.#program.limits;
        if (this.#header.file_names.length + this.#defined >= limits.lineHeaderEntries) {
          lineLimitReached(limits, "lineHeaderEntries", "The files of a line program with DW_LNE_define_file", { section: reader.section.name, offset: at });
        }
        this.#program.defineFile(this.#defined++, entry);
        break;
      }
      case DW_LNE_set_discriminator:
        this.discriminator = this.#u32("A DW_LNE_set_discriminator operand");
        break;
      default:
        // DW_LNE_lo_user..hi_user and unknown codes: the length says how far to skip.
        reader.position = end;
    }
    // Extra bytes inside the stated length are skipped, as readers do.
    reader.position = end;
    reader.end = outerEnd;
    return row;
  }

  #emit(at: number): true {
    this.rowOffset = at;
    if (this.endSequence) this.#resetPending = true;
    else this.#clearPending = true;
    return true;
  }

  /** After a row: the registers that describe only one row go back to their defaults. */
  #clear(): void {
    this.#clearPending = false;
    this.discriminator = 0;
    this.basicBlock = false;
    this.prologueEnd = false;
    this.epilogueBegin = false;
  }

  /** After DW_LNE_end_sequence: every register back to its initial value. */
  #reset(): void {
    this.#resetPending = false;
    this.#clearPending = false;
    this.addressHi = 0;
    this.addressLo = 0;
    this.opIndex = 0;
    this.file = 1;
    this.line = 1;
    this.column = 0;
    this.isStmt = this.#header.default_is_stmt;
    this.basicBlock = false;
    this.endSequence = false;
    this.prologueEnd = false;
    this.epilogueBegin = false;
    this.isa = 0;
    this.discriminator = 0;
  }

  /** Applies an operation advance (DWARF 4+ VLIW rule; plain address advance when max ops is 1). */
  #advance(operationAdvance: number, at: number): void {
    const header = this.#header;
    const maxOps = header.maximum_operations_per_instruction;
    let delta: number;
    if (maxOps === 1) {
      delta = header.minimum_instruction_length * operationAdvance;
    } else {
      const total = this.opIndex + operationAdvance;
      delta = header.minimum_instruction_length * Math.floor(total / maxOps);
      this.opIndex = total % maxOps;
    }
    if (!Number.isSafeInteger(delta)) this.#reader.fail(`An address advance of ${operationAdvance} operations overflows the address`, "bad-value", at);
    this.#add(delta, at);
  }

  /** Adds a non-negative safe integer to the address; past the address size is a `bad-value`. */
  #add(delta: number, at: number): void {
    if (delta === 0) return;
    let lo = this.addressLo;
    let hi = this.addressHi;
    if (delta < TWO_32) {
      lo += delta;
    } else {
      const high = Math.floor(delta / TWO_32);
      hi += high;
      lo += delta - high * TWO_32;
    }
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    const size = this.#addressSize ?? 8;
    if (size === 8 ? hi >= TWO_32 : hi !== 0 || (size < 4 && lo >= 2 ** (8 * size))) {
      this.#reader.fail(`An address advance of ${delta} overflows the ${size}-byte address ${hex(this.address)}`, "bad-value", at);
    }
    this.addressLo = lo;
    this.addressHi = hi;
  }

  #setLine(line: number, at: number): void {
    if (line < 0 || line >= LINE_MAX) this.#reader.fail(`Line ${line} is out of range (0..${LINE_MAX - 1})`, "bad-value", at);
    this.line = line;
  }

  /** A signed LEB128 operand as a number, quickly for the common one- and two-byte values. */
  #sleb(): number {
    const reader: Reader = this.#reader;
    const bytes = this.#bytes;
    const start = reader.position;
    if (start + 2 <= reader.end) {
      const first = bytes[start]!;
      if ((first & 0x80) === 0) {
        reader.position = start + 1;
        return first & 0x40 ? first - 0x80 : first;
      }
      const second = bytes[start + 1]!;
      if ((second & 0x80) === 0) {
        reader.position = start + 2;
        const value = (first & 0x7f) | (second << 7);
        return second & 0x40 ? value - 0x4000 : value;
      }
    }
    return reader.slebNumber("A DW_LNS_advance_line operand");
  }

  /** An unsigned LEB128 operand that must fit 32 bits (file, column, isa, discriminator). */
  #u32(what: string): number {
    const reader: Reader = this.#reader;
    const bytes = this.#bytes;
    const start = reader.position;
    if (start < reader.end) {
      const first = bytes[start]!;
      if ((first & 0x80) === 0) {
        reader.position = start + 1;
        return first;
      }
    }
    const value = reader.ulebNumber(what);
    if (value >= TWO_32) reader.fail(`${what} ${value} does not fit 32 bits`, "bad-value", start);
    return value;
  }
}

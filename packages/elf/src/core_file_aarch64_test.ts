// aarch64 cores read on any machine: NT_PRSTATUS gives x0–x30, sp, pc and pstate; each thread's
// NT_ARM_TLS (written after its NT_PRSTATUS by Linux; qemu-user 7.2 writes none) gives tpidr_el0,
// the thread pointer that identifies its pthread. Hand-built notes, so that every value is known.
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { EM_AARCH64, NT_ARM_TLS, NT_AUXV, NT_PRSTATUS, coreNoteTypeName } from "./constants.js";
import { CoreFile } from "./core_file.js";
import { decodeArmTls, decodePrStatus } from "./core_notes.js";
import { ElfFormatError } from "./elf_format_error.js";
import { aarch64PrStatus, buildCore } from "./_test_core_builder.js";

const tls = (value: bigint, size = 8) => {
  const desc = new Uint8Array(size);
  new DataView(desc.buffer).setBigUint64(0, value, true);
  return desc;
};

const registers = (tid: number): Record<string, bigint> => ({
  ...Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`x${i}`, BigInt(tid * 1000 + i)])),
  sp: 0x55_0000_7000n + BigInt(tid),
  pc: 0x40_1234n + BigInt(tid),
  pstate: 0x6000_0000n,
});

describe("aarch64 NT_PRSTATUS and NT_ARM_TLS", () => {
  it("decodes every general register by name, in note order", () => {
    const status = decodePrStatus(aarch64PrStatus(42, registers(42)), { is64: true, littleEndian: true, machine: EM_AARCH64 });
    expect(status.tid).toBe(42);
    expect(Object.keys(status.registers)).toEqual([...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "pc", "pstate"]);
    expect(status.registers).toEqual(registers(42));
  });

  it("gives each thread the tpidr_el0 of the NT_ARM_TLS that follows its NT_PRSTATUS", () => {
    const core = new CoreFile(
      bufferSource(
        buildCore({
          machine: EM_AARCH64,
          notes: [
            // Before any thread: belongs to none.
            { name: "LINUX", type: NT_ARM_TLS, desc: tls(0xdeadn) },
            { name: "CORE", type: NT_PRSTATUS, desc: aarch64PrStatus(7, registers(7)) },
            { name: "LINUX", type: NT_ARM_TLS, desc: tls(0x55_0000_1740n) },
            // A second one for the same thread is not taken.
            { name: "LINUX", type: NT_ARM_TLS, desc: tls(0x1n) },
            { name: "CORE", type: NT_PRSTATUS, desc: aarch64PrStatus(8, registers(8)) },
            // 16 bytes: tpidr2_el0 follows on kernels with SME.
            { name: "LINUX", type: NT_ARM_TLS, desc: tls(0x55_0080_2740n, 16) },
            { name: "CORE", type: NT_PRSTATUS, desc: aarch64PrStatus(9, registers(9)) },
            { name: "CORE", type: NT_AUXV, desc: new Uint8Array(16) },
          ],
        }),
      ),
    );
    expect(core.warnings).toEqual([]);
    expect(core.threads.map((t) => [t.tid, t.registers.tpidr_el0])).toEqual([
      [7, 0x55_0000_1740n],
      [8, 0x55_0080_2740n],
      [9, undefined],
    ]);
    expect(core.threads[0]!.registers.pc).toBe(0x40_1234n + 7n);
    expect(coreNoteTypeName(NT_ARM_TLS)).toBe("NT_ARM_TLS");
  });

  it("a short NT_ARM_TLS is a warning, and the thread has no tpidr_el0; an x86-64 core ignores the type", () => {
    const core = new CoreFile(
      bufferSource(
        buildCore({
          machine: EM_AARCH64,
          notes: [
            { name: "CORE", type: NT_PRSTATUS, desc: aarch64PrStatus(7) },
            { name: "LINUX", type: NT_ARM_TLS, desc: new Uint8Array(4) },
          ],
        }),
      ),
    );
    expect(core.warnings).toEqual([`Cannot decode NT_ARM_TLS note at offset 0x${core.notes[1]!.offset.toString(16)}: 4 of 8 bytes`]);
    expect(core.threads[0]!.registers.tpidr_el0).toBeUndefined();
    expect(() => decodeArmTls(new Uint8Array(7), { littleEndian: true })).toThrow(ElfFormatError);
    expect(decodeArmTls(tls(0x1234n), { littleEndian: true })).toBe(0x1234n);
  });

  it("an aarch64 thread note that does not decode gives its NT_ARM_TLS to no other thread", () => {
    const core = new CoreFile(
      bufferSource(
        buildCore({
          machine: EM_AARCH64,
          notes: [
            { name: "CORE", type: NT_PRSTATUS, desc: aarch64PrStatus(7) },
            { name: "CORE", type: NT_PRSTATUS, desc: new Uint8Array(100) },
            { name: "LINUX", type: NT_ARM_TLS, desc: tls(0x99n) },
          ],
        }),
      ),
    );
    expect(core.threads.map((t) => [t.tid, t.registers.tpidr_el0])).toEqual([[7, undefined]]);
    expect(core.warnings).toHaveLength(1);
  });
});

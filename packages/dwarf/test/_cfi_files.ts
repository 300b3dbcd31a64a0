// Test helpers: the real files the CFI tests read, the small C program they compile, and
// CallFrameInfo objects made from an ELF file's sections.
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { bufferSource } from "../src/byte_source.js";
import { CallFrameInfo } from "../src/call_frame_info.js";
import { compile, openElf, scratchDirectory, sectionBytes, writeFiles } from "./_files.js";

/** libpython of every pyenv interpreter, Debian's python3.11, libc and the dynamic loader (those present). */
export function realFiles(): string[] {
  const files: string[] = [];
  const versions = join(homedir(), ".pyenv", "versions");
  if (existsSync(versions)) {
    for (const version of readdirSync(versions).sort()) {
      const lib = join(versions, version, "lib");
      if (!existsSync(lib)) continue;
      for (const name of readdirSync(lib).sort()) if (/^libpython.*\.so\.1\.0$/.test(name)) files.push(join(lib, name));
    }
  }
  for (const path of ["/usr/bin/python3.11", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"]) {
    if (existsSync(path)) files.push(path);
  }
  return files;
}

/** A C program whose frames need every common kind of rule: saved registers, VLAs, alloca, realignment. */
export const C_SOURCE = `
static volatile int sink;
__attribute__((noinline)) int leaf(int x) { return x * 3 + sink; }
__attribute__((noinline)) int vla(int n) { volatile char buf[n]; for (int i = 0; i < n; i++) buf[i] = (char)i; return buf[n / 2] + leaf(n); }
__attribute__((noinline)) int with_alloca(int n) {
  char *p = __builtin_alloca(n + 16);
  for (int i = 0; i < n; i++) p[i] = (char)(i * 7);
  sink = p[n / 3];
  return p[0] + leaf(p[1]);
}
__attribute__((noinline)) int aligned(int n) {
  volatile char big[64] __attribute__((aligned(64)));
  big[n & 63] = (char)n;
  return big[(n + 1) & 63] + leaf(n);
}
__attribute__((noinline)) long many(long a, long b, long c, long d, long e, long f) {
  long x = a * b, y = c * d, z = e * f;
  if (a > 100) return leaf((int)(x + y));
  for (int i = 0; i < (int)b; i++) { x += leaf(i) * y; y ^= leaf((int)x) + z; z += x; }
  if (c == 3) return x;
  return x + y + z;
}
__attribute__((noinline)) int recurse(int n) { if (n <= 0) return sink; return recurse(n - 1) + vla(n) + with_alloca(n) + aligned(n); }
int main(int argc, char **argv) { (void)argv; return (int)many(argc, 2, 3, 4, 5, 6) + recurse(argc); }
`;

/** One compiled program, or why it could not be made. */
export interface CompiledProgram {
  readonly name: string;
  readonly path: string | undefined;
  readonly skipReason: string | undefined;
}

/** Compiles {@link C_SOURCE} in the variants the tests need (all, or those named `only`) into a scratch directory. */
export function compilePrograms(only?: readonly string[]): CompiledProgram[] {
  const directory = scratchDirectory("cfi");
  writeFiles(directory, { "prog.c": C_SOURCE });
  const variants: [string, string[]][] = [
    ["debug-frame-O0", ["-g", "-O0", "-fno-asynchronous-unwind-tables"]],
    ["debug-frame-gdwarf4-O1", ["-gdwarf-4", "-O1", "-fno-asynchronous-unwind-tables"]],
    ["eh-frame-O2", ["-O2"]],
    ["eh-frame-O2-g", ["-O2", "-g"]],
    ["m32-eh-frame-O2", ["-m32", "-O2", "-fPIC", "-shared", "-nostdlib"]],
    ["m32-debug-frame-O1", ["-m32", "-g", "-O1", "-fno-asynchronous-unwind-tables", "-fPIC", "-shared", "-nostdlib"]],
  ];
  return variants
    .filter(([name]) => !only || only.includes(name))
    .map(([name, flags]) => ({ name, path: undefined, skipReason: undefined, ...compile(directory, { flags, inputs: ["prog.c"], output: name }) }));
}

/** The CFI of an ELF file: `.eh_frame` with and without `.eh_frame_hdr`, and `.debug_frame`. */
export interface FileCfi {
  readonly machine: "x86-64" | "i386";
  readonly addressSize: 4 | 8;
  readonly littleEndian: boolean;
  readonly ehFrame: CallFrameInfo | undefined;
  readonly ehFrameIndexOnly: CallFrameInfo | undefined;
  readonly debugFrame: CallFrameInfo | undefined;
  readonly bytes: { eh_frame?: Uint8Array; eh_frame_hdr?: Uint8Array; debug_frame?: Uint8Array; ehFrameAddress: bigint; ehFrameHdrAddress: bigint };
}

/** Reads the CFI sections of a file with @corestack/elf. */
export function loadFileCfi(path: string): FileCfi {
  const elf = openElf(path);
  const machine = elf.header.e_machine === 3 ? "i386" : "x86-64";
  const addressSize = elf.is64 ? 8 : 4;
  const littleEndian = elf.littleEndian;
  const nonEmpty = (name: string) => (elf.section(name)?.sh_size ? sectionBytes(elf, name) : undefined);
  const eh_frame = nonEmpty(".eh_frame");
  const eh_frame_hdr = nonEmpty(".eh_frame_hdr");
  const debug_frame = nonEmpty(".debug_frame");
  const ehFrameAddress = elf.section(".eh_frame")?.sh_addr ?? 0n;
  const ehFrameHdrAddress = elf.section(".eh_frame_hdr")?.sh_addr ?? 0n;
  return {
    machine,
    addressSize,
    littleEndian,
    ehFrame: eh_frame
      ? CallFrameInfo.fromEhFrame({
          eh_frame: bufferSource(eh_frame),
          ehFrameAddress,
          ...(eh_frame_hdr ? { eh_frame_hdr: bufferSource(eh_frame_hdr), ehFrameHdrAddress } : {}),
          littleEndian,
          addressSize,
        })
      : undefined,
    ehFrameIndexOnly: eh_frame ? CallFrameInfo.fromEhFrame({ eh_frame: bufferSource(eh_frame), ehFrameAddress, littleEndian, addressSize }) : undefined,
    debugFrame: debug_frame ? CallFrameInfo.fromDebugFrame({ debug_frame: bufferSource(debug_frame), littleEndian, addressSize }) : undefined,
    bytes: {
      ...(eh_frame ? { eh_frame } : {}),
      ...(eh_frame_hdr ? { eh_frame_hdr } : {}),
      ...(debug_frame ? { debug_frame } : {}),
      ehFrameAddress,
      ehFrameHdrAddress,
    },
  };
}

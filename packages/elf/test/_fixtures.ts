// ELF files for the comparison and fuzz tests: a deterministic choice of files already on this
// machine, plus small objects compiled at test time (64- and 32-bit, relocatable, shared, static,
// PIE, SysV and GNU hash, compressed debug sections, extended section numbering, big-endian).
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/** True when the file starts with the ELF magic. */
export function isElf(path: string): boolean {
  try {
    const fd = openSync(path, "r");
    try {
      const magic = Buffer.alloc(4);
      return readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

const LIBRARY_DIRECTORY = "/usr/lib/x86_64-linux-gnu";

/**
 * About `count` shared libraries from /usr/lib/x86_64-linux-gnu: the regular `*.so*` ELF files of
 * 10 KiB to 3 MiB, sorted by name, picked at even steps; plus libc and the dynamic loader.
 */
export function systemLibraries(count = 30): string[] {
  if (!existsSync(LIBRARY_DIRECTORY)) return [];
  const candidates = readdirSync(LIBRARY_DIRECTORY)
    .filter((name) => /\.so(\.|$)/.test(name))
    .sort()
    .map((name) => join(LIBRARY_DIRECTORY, name))
    .filter((path) => {
      const stat = statSync(path, { throwIfNoEntry: false });
      return stat?.isFile() && stat.size >= 10 * 1024 && stat.size <= 3 * 1024 * 1024 && isElf(path);
    });
  const picked = new Set<string>();
  for (let i = 0; i < count && i < candidates.length; i++) picked.add(candidates[Math.floor((i * candidates.length) / count)]!);
  for (const name of ["libc.so.6", "ld-linux-x86-64.so.2"]) {
    const path = join(LIBRARY_DIRECTORY, name);
    if (existsSync(path) && isElf(path)) picked.add(realpathSync(path));
  }
  return [...picked].sort();
}

/** Every pyenv `libpython*.so.1.0` and `bin/python*` ELF binary (by real path), and /usr/bin/python3.11. */
export function pythonFiles(): string[] {
  const result = new Set<string>();
  const versions = join(homedir(), ".pyenv", "versions");
  if (existsSync(versions)) {
    for (const version of readdirSync(versions).sort()) {
      for (const sub of ["lib", "bin"]) {
        const directory = join(versions, version, sub);
        if (!existsSync(directory)) continue;
        for (const name of readdirSync(directory).sort()) {
          const matches = sub === "lib" ? /^libpython.*\.so\.1\.0$/.test(name) : /^python/.test(name);
          if (!matches) continue;
          const path = join(directory, name);
          const stat = statSync(path, { throwIfNoEntry: false });
          if (stat?.isFile() && isElf(path)) result.add(realpathSync(path));
        }
      }
    }
  }
  if (existsSync("/usr/bin/python3.11") && isElf("/usr/bin/python3.11")) result.add(realpathSync("/usr/bin/python3.11"));
  return [...result].sort();
}

const PROGRAM = `
#include <stdio.h>
__thread int tls_counter = 7;
int global_data[100] = {1};
static int local_bss[50];
const char greeting[] = "hello";
static int helper(int x) { return x * 3 + local_bss[x % 50]; }
int exported_function(int x) { return helper(x) + global_data[x % 100] + tls_counter; }
int main(int argc, char **argv) { (void)argv; printf("%s %d\\n", greeting, exported_function(argc)); return 0; }
`;

// No includes: builds with -m32 / -mx32 without a 32-bit libc.
const LIBRARY = `
int library_counter = 3;
static int library_table[64];
const char library_name[] = "corestack-test";
static int library_helper(int x) { return x ^ library_table[x & 63]; }
int library_function(int x) { return library_helper(x) + library_counter; }
int library_other(int x, int y) { library_table[x & 63] = y; return library_function(y); }
void library_start(void) { for (;;) library_other(1, 2); }
`;

export interface CompiledFixtures {
  directory: string;
  /** Every compiled file, by a short label. */
  files: Map<string, string>;
  /** Commands that failed (e.g. no gcc -m32), with their error, for the test log. */
  skipped: string[];
  cleanup(): void;
}

function tool(name: string): boolean {
  return spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Compiles the test objects into a new temporary directory. Variants whose toolchain is missing
 * are listed in `skipped`, not thrown.
 */
export function compileFixtures(): CompiledFixtures {
  const directory = mkdtempSync(join(tmpdir(), "corestack-elf-"));
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const program = join(directory, "program.c");
  const library = join(directory, "library.c");
  writeFileSync(program, PROGRAM);
  writeFileSync(library, LIBRARY);
  const run = (label: string, command: string, args: string[], output: string) => {
    const path = join(directory, output);
    const result = spawnSync(
      command,
      args.map((a) => a.replace("$OUT", path)),
      { cwd: directory, encoding: "utf8" },
    );
    if (result.status === 0 && existsSync(path)) files.set(label, path);
    else skipped.push(`${label}: ${command} ${args.join(" ")}: ${(result.stderr || String(result.error)).trim().split("\n").slice(-1)[0]}`);
  };
  if (tool("gcc")) {
    run("relocatable", "gcc", ["-c", "-O1", "-g", program, "-o", "$OUT"], "program.o");
    run("relocatable, compressed debug", "gcc", ["-c", "-O1", "-g", "-gz=zlib", program, "-o", "$OUT"], "program_gz.o");
    run("PIE", "gcc", ["-O1", "-fPIE", "-pie", program, "-o", "$OUT"], "program_pie");
    run("non-PIE executable", "gcc", ["-O1", "-no-pie", "-fno-pie", program, "-o", "$OUT"], "program_nopie");
    run("static executable", "gcc", ["-O1", "-static", program, "-o", "$OUT"], "program_static");
    run("shared, GNU hash", "gcc", ["-O1", "-shared", "-fPIC", "-Wl,--hash-style=gnu", library, "-o", "$OUT"], "library_gnu.so");
    run("shared, SysV hash", "gcc", ["-O1", "-shared", "-fPIC", "-Wl,--hash-style=sysv", "-Wl,--build-id=md5", library, "-o", "$OUT"], "library_sysv.so");
    run(
      "shared, both hashes, 4-byte build-id",
      "gcc",
      ["-O1", "-shared", "-fPIC", "-Wl,--hash-style=both", "-Wl,--build-id=0xc0ffee01", library, "-o", "$OUT"],
      "library_both.so",
    );
    // A 3-byte build-id: ld does not pad the last note, which readelf rejects (see readelf_test.ts).
    run("shared, 3-byte build-id", "gcc", ["-O1", "-shared", "-fPIC", "-Wl,--build-id=0xc0ffee", library, "-o", "$OUT"], "library_odd_build_id.so");
    run("shared, stripped", "gcc", ["-O1", "-shared", "-fPIC", "-s", library, "-o", "$OUT"], "library_stripped.so");
    run("32-bit relocatable", "gcc", ["-m32", "-c", "-O1", "-g", library, "-o", "$OUT"], "library32.o");
    run("32-bit shared, SysV hash", "gcc", ["-m32", "-O1", "-shared", "-fPIC", "-nostdlib", "-Wl,--hash-style=sysv", library, "-o", "$OUT"], "library32.so");
    run("32-bit shared, GNU hash", "gcc", ["-m32", "-O1", "-shared", "-fPIC", "-nostdlib", "-Wl,--hash-style=gnu", library, "-o", "$OUT"], "library32_gnu.so");
    run("32-bit static executable", "gcc", ["-m32", "-O1", "-static", "-nostdlib", "-e", "library_start", library, "-o", "$OUT"], "library32_exe");
    run("x32 relocatable", "gcc", ["-mx32", "-c", "-O1", library, "-o", "$OUT"], "library_x32.o");
  } else skipped.push("gcc is not installed: no compiled objects");
  if (tool("as")) {
    // More than SHN_LORESERVE sections: e_shnum = 0 and e_shstrndx = SHN_XINDEX, real values in section 0.
    const source = join(directory, "many.s");
    writeFileSync(source, Array.from({ length: 65300 }, (_, i) => `.section .s${i},"a"\n.byte ${i % 256}\n`).join(""));
    run("extended section numbering", "as", [source, "-o", "$OUT"], "many_sections.o");
  }
  if (tool("objcopy")) {
    // Big-endian files: binutils on x86-64 cannot convert code, but can wrap bytes in a generic ELF.
    const data = join(directory, "data.bin");
    writeFileSync(data, Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff)));
    const note = join(directory, "note_be.bin");
    const header = Buffer.alloc(12);
    header.writeUInt32BE(4, 0);
    header.writeUInt32BE(20, 4);
    header.writeUInt32BE(3, 8);
    writeFileSync(note, Buffer.concat([header, Buffer.from("GNU\0"), Buffer.from(Array.from({ length: 20 }, (_, i) => 0xa0 + i))]));
    for (const format of ["elf64-big", "elf32-big"]) {
      run(
        `big-endian ${format}`,
        "objcopy",
        [
          "-I",
          "binary",
          "-O",
          format,
          "--add-section",
          `.note.gnu.build-id=${note}`,
          "--set-section-flags",
          ".note.gnu.build-id=alloc,readonly,contents",
          data,
          "$OUT",
        ],
        `data_${format}.o`,
      );
    }
    const little = files.get("relocatable");
    if (little) run("elf32-x86-64 conversion", "objcopy", ["-O", "elf32-x86-64", little, "$OUT"], "program_elf32_x86_64.o");
  }
  return {
    directory,
    files,
    skipped,
    cleanup: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Reads a whole file (used for files up to a few tens of MiB). */
export function readBytes(path: string): Uint8Array {
  return readFileSync(path);
}

/** Runs a command and returns stdout, or undefined when it fails. */
export function tryRun(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return undefined;
  }
}

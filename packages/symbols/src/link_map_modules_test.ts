// The module map of a core without NT_FILE, from the dynamic linker's list: on a hand-built core
// (x86-64 or aarch64 notes, memory holding the executable's dynamic section, r_debug and the
// link_map entries) and hand-built executable and library files, so that every address is known.
// A list that loops, or points outside memory, ends the walk with a problem, never a hang.
import fc from "fast-check";
import { type ByteSource, CoreFile, bufferSource } from "@corestack/elf";
import { AT_ENTRY, AT_EXECFN, AT_PAGESZ, AT_PHDR, AT_PHNUM, DT_DEBUG, EM_AARCH64, EM_X86_64, NT_AUXV, NT_PRSTATUS } from "@corestack/elf/constants";
import { describe, expect, it } from "vitest";
import { aarch64PrStatus, buildCore, prStatus } from "../../../tools/testing/builders.js";
import { ByteWriter } from "../../../tools/testing/builders.js";
import { CoreTarget } from "./core_target.js";
import { linkMapModules } from "./link_map_modules.js";

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_PHDR = 6;

/** An ELF64 little-endian file of program headers only (at offset 64), `size` bytes, with `strings` written at their offsets. */
function image(spec: {
  type: 2 | 3;
  machine: number;
  entry: bigint;
  headers: { type: number; offset: number; vaddr: bigint; filesz: number }[];
  size: number;
  strings?: Record<number, string>;
}): Uint8Array {
  const w = new ByteWriter(true, true);
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(spec.type).u16(spec.machine).u32(1).u64(spec.entry).u64(64).u64(0).u32(0);
  w.u16(64).u16(56).u16(spec.headers.length).u16(64).u16(0).u16(0);
  for (const h of spec.headers)
    w.u32(h.type)
      .u32(h.type === PT_LOAD ? 5 : 4)
      .u64(h.offset)
      .u64(h.vaddr)
      .u64(h.vaddr)
      .u64(h.filesz)
      .u64(h.filesz)
      .u64(4096);
  const bytes = new Uint8Array(spec.size);
  bytes.set(w.finish());
  for (const [at, text] of Object.entries(spec.strings ?? {})) new TextEncoder().encodeInto(`${text}\0`, bytes.subarray(Number(at)));
  return bytes;
}

const LIBX_BIAS = 0x7f00_0000_0000n;
const LD_BIAS = 0x7f10_0000_0000n;

/** The executable: non-PIE, its program headers at 0x400040, PT_INTERP's string "/lib/ld.so" at 0x400200 (in the read-only page a core may leave out), .dynamic at 0x401000. */
const executable = (machine = EM_X86_64) =>
  image({
    type: 2,
    machine,
    entry: 0x400100n,
    headers: [
      { type: PT_PHDR, offset: 64, vaddr: 0x400040n, filesz: 4 * 56 },
      { type: PT_LOAD, offset: 0, vaddr: 0x400000n, filesz: 0x1000 },
      { type: PT_LOAD, offset: 0x1000, vaddr: 0x401000n, filesz: 0x800 },
      { type: PT_DYNAMIC, offset: 0x1000, vaddr: 0x401000n, filesz: 0x40 },
    ],
    size: 0x1800,
    strings: { 0x200: "/lib/ld.so" },
  });
/** A shared library whose dynamic section is at link-time `dynamic`. */
const library = (dynamic: bigint, machine = EM_X86_64) =>
  image({
    type: 3,
    machine,
    entry: 0n,
    headers: [
      { type: PT_LOAD, offset: 0, vaddr: 0n, filesz: 0x1000 },
      { type: PT_LOAD, offset: 0x1000, vaddr: dynamic, filesz: 0x800 },
      { type: PT_DYNAMIC, offset: 0x1000, vaddr: dynamic, filesz: 0x40 },
    ],
    size: 0x1800,
  });

interface Setup {
  /** l_next of the last entry (ld.so's): 0, or an address to make a cycle. */
  lastNext?: bigint;
  /** l_next of libx's entry (default the vDSO's entry). */
  libxNext?: bigint;
  machine?: number;
  execfn?: boolean;
}

/**
 * A core: the executable's dynamic section (dumped) at 0x401000 with DT_DEBUG → r_debug at
 * 0x600000, whose r_map lists the executable, /lib/libx.so, the vDSO and /lib/ld.so (named by the
 * executable's PT_INTERP string, not dumped); AT_EXECFN "/bin/app" at 0x600500.
 */
function core(setup: Setup = {}): Uint8Array {
  const machine = setup.machine ?? EM_X86_64;
  const dynamic = new ByteWriter(true, true).u64(DT_DEBUG).u64(0x600000).u64(0).u64(0).finish();
  const data = new Uint8Array(0x1000);
  const view = new DataView(data.buffer);
  const set = (at: number, value: bigint) => view.setBigUint64(at - 0x600000, value, true);
  set(0x600000, 1n);
  set(0x600008, 0x600100n);
  const entries = [
    { at: 0x600100, addr: 0n, name: 0x600400n, ld: 0x401000n, next: 0x600140n },
    { at: 0x600140, addr: LIBX_BIAS, name: 0x600410n, ld: LIBX_BIAS + 0x1000n, next: setup.libxNext ?? 0x600180n },
    { at: 0x600180, addr: 0x7ffff000n, name: 0x600430n, ld: 0x7ffff3a0n, next: 0x6001c0n },
    { at: 0x6001c0, addr: LD_BIAS, name: 0x400200n, ld: LD_BIAS + 0x2000n, next: setup.lastNext ?? 0n },
  ];
  for (const e of entries) {
    set(e.at, e.addr);
    set(e.at + 8, e.name);
    set(e.at + 16, e.ld);
    set(e.at + 24, e.next);
  }
  new TextEncoder().encodeInto("\0", data.subarray(0x400));
  new TextEncoder().encodeInto("/lib/libx.so\0", data.subarray(0x410));
  new TextEncoder().encodeInto("linux-vdso.so.1\0", data.subarray(0x430));
  new TextEncoder().encodeInto("/bin/app\0", data.subarray(0x500));
  const auxv = new ByteWriter(true, true).u64(AT_PHDR).u64(0x400040).u64(AT_PHNUM).u64(4).u64(AT_PAGESZ).u64(4096).u64(AT_ENTRY).u64(0x400100);
  if (setup.execfn !== false) auxv.u64(AT_EXECFN).u64(0x600500);
  auxv.u64(0).u64(0);
  return buildCore({
    machine,
    notes: [
      { name: "CORE", type: NT_PRSTATUS, desc: machine === EM_AARCH64 ? aarch64PrStatus(1) : prStatus(1) },
      { name: "CORE", type: NT_AUXV, desc: auxv.finish() },
    ],
    loads: [
      { vaddr: 0x401000n, data: dynamic },
      { vaddr: 0x600000n, data },
    ],
  });
}

function files(overrides: Record<string, Uint8Array | undefined> = {}, machine = EM_X86_64): (path: string) => ByteSource {
  const all: Record<string, Uint8Array | undefined> = {
    "/bin/app": executable(machine),
    "/lib/libx.so": library(0x1000n, machine),
    "/lib/ld.so": library(0x2000n, machine),
    ...overrides,
  };
  return (path) => {
    const bytes = all[path];
    if (!bytes) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
    return bufferSource(bytes);
  };
}

const locate = (path: string) => [path];

describe("linkMapModules()", () => {
  for (const machine of [EM_X86_64, EM_AARCH64]) {
    it(`builds the module map from the link map and each file's PT_LOAD headers (e_machine ${machine})`, () => {
      const parsed = new CoreFile(bufferSource(core({ machine })));
      expect(parsed.mappings).toEqual([]);
      const { modules, entries, problems } = linkMapModules(parsed, { locate, open: files({}, machine) });
      expect(problems).toEqual([]);
      expect(entries.map((e) => e.name)).toEqual(["", "/lib/libx.so", "linux-vdso.so.1", "/lib/ld.so"]);
      expect(modules.map((m) => [m.path, m.bias, m.mappings.map((x) => [x.start, x.end, x.fileOffset])])).toEqual([
        [
          "/bin/app",
          0n,
          [
            [0x400000n, 0x401000n, 0n],
            [0x401000n, 0x402000n, 0x1000n],
          ],
        ],
        [
          "/lib/libx.so",
          LIBX_BIAS,
          [
            [LIBX_BIAS, LIBX_BIAS + 0x1000n, 0n],
            [LIBX_BIAS + 0x1000n, LIBX_BIAS + 0x2000n, 0x1000n],
          ],
        ],
        [
          "/lib/ld.so",
          LD_BIAS,
          [
            [LD_BIAS, LD_BIAS + 0x1000n, 0n],
            [LD_BIAS + 0x2000n, LD_BIAS + 0x3000n, 0x1000n],
          ],
        ],
      ]);
    });
  }

  it("CoreTarget uses it when the core has no NT_FILE: modules by address, reads of undumped pages from the files", () => {
    const target = new CoreTarget(new CoreFile(bufferSource(core())), { open: files() });
    expect(target.moduleSource).toBe("link-map");
    expect(target.modules().map((m) => m.path)).toEqual(["/bin/app", "/lib/libx.so", "/lib/ld.so"]);
    expect(target.moduleAt(0x400100n)?.path).toBe("/bin/app");
    expect(target.moduleAt(LIBX_BIAS + 0x1010n)?.bias).toBe(LIBX_BIAS);
    // The executable's read-only page is not in the core: its file gives it.
    expect(new TextDecoder().decode(target.read(0x400200n, 10))).toBe("/lib/ld.so");
    expect(target.checkLinkMap().problems).toEqual([]);
    expect(target.machine).toBe("x86_64");
  });

  it("the EXECUTABLE argument is tried first; without AT_EXECFN it is the only way in", () => {
    const parsed = new CoreFile(bufferSource(core({ execfn: false })));
    expect(linkMapModules(parsed, { locate, open: files() }).problems).toEqual([
      "the core has no NT_FILE note, and no executable to start the dynamic linker's list from (no AT_EXECFN): pass EXECUTABLE",
    ]);
    const named = linkMapModules(parsed, { locate, open: files({ "/copy/app": executable() }), executable: "/copy/app" });
    expect(named.problems).toEqual([]);
    expect(named.modules.map((m) => m.path)).toEqual(["/copy/app", "/lib/libx.so", "/lib/ld.so"]);
  });

  it("refuses files of another machine and of another build, and says why", () => {
    const parsed = new CoreFile(bufferSource(core()));
    const foreign = linkMapModules(parsed, { locate, open: files({ "/bin/app": executable(EM_AARCH64) }) });
    expect(foreign.modules).toEqual([]);
    expect(foreign.problems).toEqual([
      "the core has no NT_FILE note, and no executable fits it to start the dynamic linker's list from: tried /bin/app (EM_AARCH64, the core is EM_X86_64)",
    ]);
    const other = linkMapModules(parsed, { locate, open: files({ "/lib/libx.so": library(0x3000n), "/lib/ld.so": undefined }) });
    expect(other.problems).toEqual([
      "/lib/libx.so is in the dynamic linker's list but was not found: tried /lib/libx.so (its dynamic section is not where the link map says)",
      "/lib/ld.so is in the dynamic linker's list but was not found: tried /lib/ld.so",
    ]);
    // Kept without mappings: its bias is known, its file is not.
    expect(other.modules.find((m) => m.path === "/lib/libx.so")).toMatchObject({ bias: LIBX_BIAS, mappings: [], file: undefined });
    const target = new CoreTarget(parsed, { open: files({ "/lib/libx.so": library(0x3000n) }) });
    expect(target.modules().find((m) => m.path === "/lib/libx.so")?.error?.message).toMatch(/^Cannot find \/lib\/libx\.so: tried /);
  });

  it("a list that loops ends with a problem (no hang); so does an entry outside memory", () => {
    const parsed = new CoreFile(bufferSource(core({ lastNext: 0x600140n })));
    const looped = linkMapModules(parsed, { locate, open: files() });
    expect(looped.problems).toEqual(["the link map loops back to 0x600140 after 4 entries"]);
    expect(looped.modules).toHaveLength(3);
    const outside = linkMapModules(new CoreFile(bufferSource(core({ libxNext: 0x9999_0000n }))), { locate, open: files() });
    expect(outside.problems).toEqual(["link map entry at 0x99990000 cannot be read: the 2 entries before it are checked"]);
    expect(outside.modules.map((m) => m.path)).toEqual(["/bin/app", "/lib/libx.so"]);
  });

  it("any bytes where r_debug and the list are: modules or problems, never an exception", () => {
    const base = core();
    const parsed = new CoreFile(bufferSource(base));
    const at = parsed.segments.find((s) => s.start === 0x600000n)!.offset;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0x200, maxLength: 0x200 }), (bytes) => {
        const copy = base.slice();
        copy.set(bytes, at);
        const { modules, problems } = linkMapModules(new CoreFile(bufferSource(copy)), { locate, open: files() });
        expect(modules.length).toBeGreaterThanOrEqual(1);
        for (const problem of problems) expect(typeof problem).toBe("string");
      }),
      { seed: 20261202, numRuns: 200 },
    );
  });
});

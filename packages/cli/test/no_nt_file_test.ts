// Cores without an NT_FILE note: the module map is built from the dynamic linker's list. Two kinds,
// each compared with what is known to be right:
// - qemu-user's cores of Debian's arm64 python3.11 (tools/testing/arm64_python.mjs provides it and
//   qemu-aarch64-static): aarch64 cores read on this machine, whatever it is, equal to the truth
//   each scenario recorded;
// - a copy of a real core of this machine with its NT_FILE note's type changed: the same JSON as
//   the original.

import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreFile } from "@corestack/elf";
import { AT_EXECFN, EM_AARCH64, NT_FILE } from "@corestack/elf/constants";
import { openFile } from "@corestack/mmap";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CoreCase,
  CoreUnavailableError,
  type Interpreter,
  arm64Interpreter,
  arm64PythonSkipReason,
  coreAvailability,
  findInterpreters,
  makeCore,
  scenariosFor,
} from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectMatchesTruth } from "./_truth_compare.js";

const missing = arm64PythonSkipReason();
const emulated = arm64Interpreter();

/** The core's notes and machine, read with the package under test's own parser. */
function coreFacts(path: string): { machine: number; hasFile: boolean; threads: number } {
  const core = new CoreFile(openFile(path));
  return { machine: core.elf.header.e_machine, hasFile: core.notes.some((n) => n.name === "CORE" && n.type === NT_FILE), threads: core.threads.length };
}

/** qemu's core of the scenario; a skip saying why when this machine lets no core be written (a hard core size limit of 0). */
async function qemuCore(interpreter: Interpreter, scenario: string, context: { skip: (note?: string) => never }): Promise<CoreCase> {
  try {
    return await makeCore(interpreter, scenario);
  } catch (error) {
    if (CoreUnavailableError.isInstance(error)) context.skip((error as Error).message);
    throw error;
  }
}

describe("aarch64 cores of qemu-user (no NT_FILE): corestack core --json equals the truth", () => {
  if (missing !== null && !missing.failed) it.skip(missing.reason, () => {});
  if (missing?.failed === true) {
    it("the arm64 Python provider did not fail", () => {
      throw new Error(missing!.reason);
    });
  }
  const interpreter = emulated as Interpreter | null;
  if (interpreter === null) return;
  const root = interpreter.emulator!.root;
  const work = mkdtempSync(join(tmpdir(), "corestack-qemu-core-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // Every crash scenario of 3.11 (each is emulated: a few seconds to tens of seconds, cached after)
  // but the one that cannot run under qemu-user.
  const cannot: Record<string, string> = {
    deleted_script: "deleted_script os.execv()s the arm64 interpreter, which only a binfmt_misc handler for qemu could run (Exec format error)",
  };
  for (const name of Object.keys(cannot)) it.skip(`${interpreter.id} ${name}: ${cannot[name]}`, () => {});
  for (const scenario of scenariosFor(interpreter).filter((s) => s.mode === "crash" && !Object.hasOwn(cannot, s.name))) {
    it(`${interpreter.id} ${scenario.name}`, { timeout: 400_000 }, async (context) => {
      const c = await qemuCore(interpreter, scenario.name, context);
      const facts = coreFacts(c.core);
      expect(facts.machine).toBe(EM_AARCH64);
      expect(facts.hasFile, "qemu 7.2 writes no NT_FILE note").toBe(false);
      expect(facts.threads).toBe(c.truth.threads.length);
      // AT_EXECFN names the executable by its path here; the libraries are found under the root.
      const { status, stdout, stderr } = corestack(["core", c.core, "--json", "--locals", "--lib-search-root", root]);
      expect(stderr, stderr).toBe("");
      expect(status).toBe(0);
      expectMatchesTruth(c, JSON.parse(stdout));
      // The EXECUTABLE argument gives the same.
      const named = corestack(["core", c.core, c.executable, "--json", "--locals", "--lib-search-root", root]);
      expect(named.stderr, named.stderr).toBe("");
      expectMatchesTruth(c, JSON.parse(named.stdout));
    });
  }

  it(`${interpreter.id} threads --native: every thread unwound to its end, the Python frames in place`, { timeout: 400_000 }, async (context) => {
    const c = await qemuCore(interpreter, "threads", context);
    const { status, stdout, stderr } = corestack(["core", c.core, "--json", "--native", "--lib-search-root", root]);
    expect(stderr, stderr).toBe("");
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as { threads: { frames: { kind: string; function?: string }[]; nativeError?: string; nativeEnd?: string }[] };
    for (const thread of report.threads) {
      expect(thread.frames.some((f) => f.kind === "native")).toBe(true);
      // Each stack ends where it starts (aarch64's _start leaves x30 undefined, its CFA at its
      // callee's: the outermost frame, not a broken one), and merges with the Python frames.
      expect(thread.nativeEnd).toBeUndefined();
      expect(thread.nativeError).toBeUndefined();
    }
    expect(report.threads[0]!.frames[0]!.function).toBe("_start");
    expectMatchesTruth(c, { ...report, threads: report.threads.map((t) => ({ ...t, frames: t.frames.filter((f) => f.kind === "python") })) } as never);
  });

  it(`${interpreter.id} threads, AT_EXECFN rewritten to /usr/bin/python3.11 (this machine's own, of another architecture): the root's is used`, {
    timeout: 400_000,
  }, async (context) => {
    const c = await qemuCore(interpreter, "threads", context);
    // As under binfmt_misc, where the guest runs /usr/bin/python3.11 by that name: the path in
    // the core's copy of the stack (AT_EXECFN points at it) is cut to the Debian path.
    const bytes = readFileSync(c.core);
    const parsed = new CoreFile(openFile(c.core));
    const execfn = parsed.auxvValue(AT_EXECFN)!;
    const segment = parsed.segmentAt(execfn)!;
    const at = segment.offset + Number(execfn - segment.start);
    expect(bytes.subarray(at, at + interpreter.path.length).toString()).toBe(interpreter.path);
    Buffer.from("/usr/bin/python3.11\0").copy(bytes, at);
    const copy = join(work, `${interpreter.id}-execfn.core`);
    writeFileSync(copy, bytes);
    const { status, stdout, stderr } = corestack(["core", copy, "--json", "--lib-search-root", root]);
    expect(stderr, stderr).toBe("");
    expect(status).toBe(0);
    const report = JSON.parse(stdout);
    // Not this machine's x86-64 /usr/bin/python3.11 (refused for its e_machine), found under the root.
    expect(report.source.executable).toBeNull();
    expectMatchesTruth(c, report);
  });

  it(`${interpreter.id} without --lib-search-root: the libraries not found are warnings, the stacks are still right`, { timeout: 400_000 }, async (context) => {
    const c = await qemuCore(interpreter, "threads", context);
    const { status, stdout, stderr } = corestack(["core", c.core, "--json"]);
    expect(status, stderr).toBe(0);
    const report = JSON.parse(stdout);
    // This machine has no /lib/aarch64-linux-gnu (or, where it has, those are not refused).
    for (const warning of report.warnings as string[]) expect(warning).toMatch(/ is in the dynamic linker's list but was not found: tried /);
    expectMatchesTruth(c, report);
  });
});

const availability = coreAvailability();
/** The interpreters whose threads and nested cores are copied without their NT_FILE note: one old, one 3.11, the newest. */
function chosen(): Interpreter[] {
  const all = findInterpreters();
  const picks = [all.find((i) => i.major === 3 && i.minor < 11), all.find((i) => i.major === 3 && i.minor === 11), all.at(-1)];
  return [...new Set(picks.filter((i): i is Interpreter => i !== undefined))];
}

describe.skipIf(!availability.ok)("a real core whose NT_FILE note was removed: the same JSON as the original", () => {
  if (!availability.ok) it.skip(`no cores here: ${availability.reason}`, () => {});
  const work = mkdtempSync(join(tmpdir(), "corestack-no-nt-file-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A copy of the core with the NT_FILE note's n_type changed, so that no reader takes it for one. */
  function withoutFileNote(c: CoreCase, name: string): string {
    const note = new CoreFile(openFile(c.core)).notes.find((n) => n.name === "CORE" && n.type === NT_FILE);
    expect(note, "the kernel's core has an NT_FILE note").toBeDefined();
    const copy = join(work, name);
    copyFileSync(c.core, copy);
    const handle = openSync(copy, "r+");
    try {
      // n_namesz, n_descsz, n_type: the type is the third word of the note header.
      const type = Buffer.alloc(4);
      type.writeUInt32LE(0x4e4f4e45, 0); // "ENON": no note type of any owner
      writeSync(handle, type, 0, 4, note!.offset + 8);
    } finally {
      closeSync(handle);
    }
    expect(coreFacts(copy).hasFile).toBe(false);
    return copy;
  }

  for (const interpreter of availability.ok ? chosen() : []) {
    for (const scenario of ["threads", "nested"]) {
      it(`${interpreter.id} ${scenario}`, async (context) => {
        if (!scenariosFor(interpreter).some((s) => s.name === scenario)) return context.skip(`${scenario} does not run on ${interpreter.version}`);
        const c = await makeCore(interpreter, scenario);
        const copy = withoutFileNote(c, `${interpreter.id}-${scenario}.core`);
        const original = corestack(["core", c.core, "--json", "--locals"]);
        const stripped = corestack(["core", copy, "--json", "--locals"]);
        expect(stripped.stderr, stripped.stderr).toBe("");
        expect(stripped.status).toBe(original.status);
        const a = JSON.parse(original.stdout);
        const b = JSON.parse(stripped.stdout);
        // Everything but the core's own path.
        expect({ ...b, source: { ...b.source, path: "" } }).toEqual({ ...a, source: { ...a.source, path: "" } });
        expectMatchesTruth(c, b);
      });
    }
  }
});

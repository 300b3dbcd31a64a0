// `corestack core --exhaustive`: cores of interpreters whose files give no path to the runtime
// (tools/testing/variants.mjs's hiddenRuntimeInterpreter(): no .symtab, no section headers, so no
// _PyRuntime, .PyRuntime, interp_head or _PyThreadState_Current). Without --exhaustive the run
// must fail in one line with a hint; with it, the stacks must be the truth the scenario recorded.
// Then the same core doctored: a decoy interpreter state planted beside the real one, a decoy
// that cannot be told from it, the real one corrupted: a warning naming the choice, or an error,
// never a silent wrong answer.
import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layoutFor } from "@corestack/cpython-layouts";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CoreCase,
  type Interpreter,
  CoreUnavailableError,
  coreAvailability,
  findInterpreters,
  getScenario,
  makeCore,
  makeNativeCore,
  scenarioApplies,
} from "../../../tools/testing/cores.js";
import { embeddedInterpreter, hasSectionHeaders, hiddenRuntimeInterpreter } from "../../../tools/testing/variants.mjs";
import { ENTRY, NODE, corestack } from "./_cli.js";
import { expectNoStackTrace, expectOneErrorLine, skipReason } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const HINT = "Nothing in the interpreter's files leads to its state: try --exhaustive, which scans the core's writable memory for it.";
/** The versions the issue names; 3.11 from pyenv, else Debian's /usr/bin/python3.11. */
const WANTED = ["2.7", "3.8", "3.11", "3.12", "3.13"];
const all = coreAvailability().ok ? findInterpreters() : [];
const chosen: { readonly name: string; readonly interpreter: Interpreter | undefined }[] = [
  ...WANTED.map((minor) => ({
    name: minor,
    interpreter:
      all.find((i) => `${i.major}.${i.minor}` === minor && i.source === "pyenv") ?? all.find((i) => `${i.major}.${i.minor}` === minor && i.source === "debian"),
  })),
  // Debian's builds (tools/testing/debian_pythons.mjs): static libpython, non-PIE. The newest of
  // the matrix, and 3.14.
  { name: "the newest Debian build", interpreter: all.filter((i) => i.source === "debian" && !i.id.endsWith("-dbg") && i.major === 3 && i.minor >= 15).at(-1) },
  { name: "Debian 3.14", interpreter: all.find((i) => i.source === "debian" && !i.id.endsWith("-dbg") && i.minor === 14) },
  // A Py_DEBUG build: its runtime is checked with the layout its own _Py_DebugOffsets describe.
  { name: "Debian 3.14 -dbg", interpreter: all.find((i) => i.source === "debian" && i.id.endsWith("-dbg") && i.minor === 14) },
];
for (const { name, interpreter } of chosen) {
  if (!interpreter) console.warn(`skipping --exhaustive on ${name}: ${skipReason(`CPython ${name}`)}`);
}

/** The variant's core of `scenario`, skipping (with its reason) when this machine cannot make it. */
async function hiddenCore(context: { skip: (reason: string) => void }, interpreter: Interpreter, scenario = "threads"): Promise<CoreCase | undefined> {
  try {
    const hidden = hiddenRuntimeInterpreter(interpreter);
    expect(hasSectionHeaders(hidden.executable)).toBe(false);
    if (hidden.libpython) expect(hasSectionHeaders(hidden.libpython)).toBe(false);
    return await hidden.run(() => makeCore(hidden.interpreter, scenario));
  } catch (error) {
    if (CoreUnavailableError.isInstance(error)) {
      context.skip(error.message);
      return undefined;
    }
    throw error;
  }
}

describe.each(chosen.filter((c) => c.interpreter !== undefined).map((c) => [c.interpreter!.id, c.interpreter!] as const))(
  "%s without a path to its runtime",
  (_id, interpreter) => {
    it("without --exhaustive: one error line, with the hint to try it", async (context) => {
      const made = await hiddenCore(context, interpreter);
      if (!made) return;
      const run = corestack(["core", made.core]);
      expect(run.status, run.stderr).toBe(3);
      expect(expectOneErrorLine(run.stderr)).toMatch(/^The core cannot be analysed: Cannot find the Python runtime: /);
      expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(HINT);
      expect(run.stdout).toBe("");
    }, 180_000);

    it("with --exhaustive: the truth's stacks, no warning", async (context) => {
      const made = await hiddenCore(context, interpreter);
      if (!made) return;
      const run = corestack(["core", made.core, "--exhaustive", "--json"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr, run.stderr).toBe("");
      const json = JSON.parse(run.stdout) as JsonReport;
      expect(json.warnings).toEqual([]);
      expectMatchesTruth(made, json);
      const verbose = corestack(["core", made.core, "--exhaustive", "--verbose"]);
      expect(verbose.status, verbose.stderr).toBe(0);
      expect(verbose.stderr).toMatch(
        /^exhaustive scan: [\d.]+ MiB of writable memory in [\d.]+ s \(\d+ MB\/s\), \d+ candidates; interpreter state at 0x[0-9a-f]+/m,
      );
      if (interpreter.major === 3 && interpreter.minor >= 7) expect(verbose.stderr).toMatch(/^exhaustive scan: .*, runtime at 0x[0-9a-f]+$/m);
    }, 180_000);

    it.skipIf(!scenarioApplies(getScenario("subinterpreters"), interpreter))(
      "with --exhaustive, subinterpreters (3.12+): every interpreter of the list, the truth's stacks",
      async (context) => {
        const made = await hiddenCore(context, interpreter, "subinterpreters");
        if (!made) return;
        const run = corestack(["core", made.core, "--exhaustive", "--json"]);
        expect(run.status, run.stderr).toBe(0);
        expect(run.stderr, run.stderr).toBe("");
        const json = JSON.parse(run.stdout) as JsonReport;
        expect(new Set(json.threads.map((t) => t.interpreter))).toEqual(new Set([0, 1, 2]));
        expectMatchesTruth(made, json);
      },
      180_000,
    );
  },
);

describe("a program that embeds CPython, stripped of its symbols and section headers", () => {
  const cases = [
    {
      name: "statically (the newest Debian build): no file names the version",
      interpreter: chosen.find((c) => c.name === "the newest Debian build")?.interpreter,
      static: true,
    },
    { name: "with a shared libpython (3.12)", interpreter: chosen.find((c) => c.name === "3.12")?.interpreter, static: false },
  ];
  for (const c of cases) {
    it(`${c.name}: found by --exhaustive, the truth's stacks`, async (context) => {
      if (!c.interpreter) return context.skip(skipReason(c.name));
      let made: CoreCase;
      try {
        const embedded = embeddedInterpreter(c.interpreter, { strip: true });
        expect(embedded.linkage).toBe(c.static ? "static" : "shared");
        const hidden = hiddenRuntimeInterpreter(embedded.interpreter);
        expect(hasSectionHeaders(hidden.executable)).toBe(false);
        made = await hidden.run(() => makeCore(hidden.interpreter, "threads"));
      } catch (error) {
        if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
        throw error;
      }
      const without = corestack(["core", made.core]);
      expect(without.status, without.stderr).toBe(3);
      expect(expectOneErrorLine(without.stderr)).toMatch(
        c.static ? /^The core is not a Python process: Not a Python process: / : /^The core cannot be analysed: Cannot find the Python runtime: /,
      );
      const run = corestack(["core", made.core, "--exhaustive", "--json"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr, run.stderr).toBe("");
      expectMatchesTruth(made, JSON.parse(run.stdout) as JsonReport);
    }, 180_000);
  }

  it("a program that is not Python: --exhaustive finds no version in memory either", async (context) => {
    let native;
    try {
      native = await makeNativeCore();
    } catch (error) {
      if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
      throw error;
    }
    const run = corestack(["core", native.core, "--exhaustive"]);
    expect(run.status, run.stderr).toBe(3);
    expect(expectOneErrorLine(run.stderr)).toBe(
      "The core is not a Python process: Not a Python process: no Py_Version, _PyRuntime, or libpython/python executable mapped, and no Python version string or _Py_DebugOffsets in its writable memory",
    );
  }, 180_000);
});

it("--exhaustive on a core whose files lead to the runtime: no scan, the same stacks", async (context) => {
  const interpreter = chosen.find((c) => c.name === "3.12")?.interpreter;
  if (!interpreter) return context.skip(skipReason("CPython 3.12"));
  const made = await makeCore(interpreter, "threads");
  const run = corestack(["core", made.core, "--exhaustive", "--verbose"]);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toContain("exhaustive scan not needed: the interpreter's files lead to its state");
  expect(run.stderr).not.toMatch(/^exhaustive scan: /m);
}, 180_000);

describe("the progress bar", () => {
  const script = spawnSync("script", ["--version"], { encoding: "utf8" });
  it("is drawn on a terminal (script's pseudo-terminal) and erased at the end; never when stderr is not one", async (context) => {
    if (script.status !== 0) return context.skip("script (util-linux) is not installed: no pseudo-terminal to draw on");
    const interpreter = chosen.find((c) => c.name === "3.12")?.interpreter;
    if (!interpreter) return context.skip(skipReason("CPython 3.12"));
    const made = await hiddenCore(context, interpreter);
    if (!made) return;
    // stdout to /dev/null, stderr on the pseudo-terminal: what script records is stderr's.
    const command = [NODE, ENTRY, "core", made.core, "--exhaustive"].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
    const recorded = spawnSync("script", ["-qec", `${command} >/dev/null`, "/dev/null"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 120_000,
    });
    expect(recorded.status, recorded.stdout).toBe(0);
    expect(recorded.stdout).toMatch(/\rscanning memory \[[#-]{30}\] \d+% [\d.]+\/[\d.]+ MiB/);
    expect(recorded.stdout).toContain("\r\x1b[K");
    // Not a terminal: nothing but the output.
    const piped = corestack(["core", made.core, "--exhaustive"]);
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toBe("");
    expect(piped.stdout).not.toContain("scanning memory");
  }, 180_000);
});

// ---- Doctored cores: decoys and corruption ----

interface Load {
  readonly vaddr: bigint;
  readonly offset: number;
  readonly filesz: number;
  readonly writable: boolean;
}

/** The PT_LOAD segments of a core (ELF64 little-endian). */
function loads(fd: number): Load[] {
  const header = Buffer.alloc(64);
  readSync(fd, header, 0, 64, 0);
  const phoff = Number(header.readBigUInt64LE(0x20));
  const phnum = header.readUInt16LE(0x38);
  const table = Buffer.alloc(phnum * 56);
  readSync(fd, table, 0, table.length, phoff);
  const result: Load[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * 56;
    if (table.readUInt32LE(at) !== 1) continue;
    result.push({
      vaddr: table.readBigUInt64LE(at + 16),
      offset: Number(table.readBigUInt64LE(at + 8)),
      filesz: Number(table.readBigUInt64LE(at + 32)),
      writable: (table.readUInt32LE(at + 4) & 2) !== 0,
    });
  }
  return result;
}

/** Reads and writes a copy of a core by address. */
class DoctoredCore {
  readonly path: string;
  readonly #fd: number;
  readonly #loads: Load[];
  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, "r+");
    this.#loads = loads(this.#fd);
  }
  #offset(address: bigint, length: number): number {
    const load = this.#loads.find((l) => l.vaddr <= address && address + BigInt(length) <= l.vaddr + BigInt(l.filesz));
    if (!load) throw new RangeError(`0x${address.toString(16)} is not dumped`);
    return load.offset + Number(address - load.vaddr);
  }
  read(address: bigint, length: number): Buffer {
    const buffer = Buffer.alloc(length);
    readSync(this.#fd, buffer, 0, length, this.#offset(address, length));
    return buffer;
  }
  ptr(address: bigint): bigint {
    return this.read(address, 8).readBigUInt64LE(0);
  }
  write(address: bigint, bytes: Buffer): void {
    writeSync(this.#fd, bytes, 0, bytes.length, this.#offset(address, bytes.length));
  }
  setPtr(address: bigint, value: bigint): void {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(value);
    this.write(address, bytes);
  }
  /** An 8-aligned run of `length` zero bytes in a writable segment (the heap's unused end). */
  zeros(length: number): bigint {
    for (const load of this.#loads.filter((l) => l.writable && l.filesz >= length + 4096).reverse()) {
      const bytes = Buffer.alloc(load.filesz);
      readSync(this.#fd, bytes, 0, bytes.length, load.offset);
      let run = 0;
      for (let at = bytes.length - 8; at >= 0; at -= 8) {
        run = bytes.readBigUInt64LE(at) === 0n ? run + 8 : 0;
        if (run >= length + 64) return load.vaddr + BigInt(at + 32);
      }
    }
    throw new Error("no free space in the core's writable memory");
  }
  close(): void {
    closeSync(this.#fd);
  }
}

describe("doctored cores: no silent wrong answer", () => {
  const interpreter = chosen.find((c) => c.name === "3.12")?.interpreter;
  const layout = layoutFor(3, 12)!;
  const directory = mkdtempSync(join(tmpdir(), "corestack-exhaustive-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** A copy of the 3.12 variant's core, its interpreter state and thread states (head first). */
  async function doctored(context: { skip: (reason: string) => void }, name: string) {
    if (!interpreter) {
      context.skip(skipReason("CPython 3.12"));
      return undefined;
    }
    const made = await hiddenCore(context, interpreter);
    if (!made) return undefined;
    const verbose = corestack(["core", made.core, "--exhaustive", "--verbose"]);
    const interp = BigInt(/interpreter state at (0x[0-9a-f]+)/.exec(verbose.stderr)![1]!);
    const path = join(directory, name);
    copyFileSync(made.core, path);
    const core = new DoctoredCore(path);
    const threads: bigint[] = [];
    for (
      let tstate = core.ptr(interp + BigInt(layout.PyInterpreterState.threads_head!));
      tstate !== 0n;
      tstate = core.ptr(tstate + BigInt(layout.PyThreadState.next))
    ) {
      threads.push(tstate);
    }
    expect(threads.length).toBe(made.truth.threads.length);
    return { made, core, interp, threads };
  }

  /**
   * Plants a copy of the interpreter state's checked fields and of `count` of its thread states
   * (linked to each other and to the copy) in unused memory: "almost" the interpreter state.
   */
  function plantDecoy(core: DoctoredCore, interp: bigint, threads: readonly bigint[], count: number): bigint {
    const tstateSize = layout.sizeof.PyThreadState;
    const interpSize = 4096;
    const base = core.zeros(interpSize + count * (tstateSize + 64));
    const decoy = base;
    // The fields the scan checks: the thread list, sys and builtins dicts, the next interpreter.
    for (const field of [layout.PyInterpreterState.sysdict, layout.PyInterpreterState.builtins]) {
      core.setPtr(decoy + BigInt(field), core.ptr(interp + BigInt(field)));
    }
    const copies = threads.slice(0, count).map((_, index) => base + BigInt(interpSize + index * (tstateSize + 64)));
    copies.forEach((copy, index) => {
      core.write(copy, core.read(threads[index]!, tstateSize));
      core.setPtr(copy + BigInt(layout.PyThreadState.interp), decoy);
      core.setPtr(copy + BigInt(layout.PyThreadState.prev!), index === 0 ? 0n : copies[index - 1]!);
      core.setPtr(copy + BigInt(layout.PyThreadState.next), copies[index + 1] ?? 0n);
    });
    core.setPtr(decoy + BigInt(layout.PyInterpreterState.threads_head!), copies[0]!);
    return decoy;
  }

  it("a decoy with fewer of the core's threads: the real one, and a warning naming both", async (context) => {
    const found = await doctored(context, "decoy-fewer");
    if (!found) return;
    const decoy = plantDecoy(found.core, found.interp, found.threads, 1);
    found.core.close();
    const run = corestack(["core", found.core.path, "--exhaustive", "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as JsonReport;
    const warning = `the exhaustive scan found 2 interpreter states that pass the structural checks: using the one at 0x${found.interp.toString(16)}, whose threads match ${found.threads.length} of the core's threads (the next best, at 0x${decoy.toString(16)}, matches 1 of 1)`;
    expect(json.warnings).toEqual([warning]);
    expect(run.stderr).toBe(`warning: ${warning}\n`);
    expectMatchesTruth(found.made, json);
  }, 180_000);

  it("a decoy that cannot be told from the real one: an error, no stacks", async (context) => {
    const found = await doctored(context, "decoy-tie");
    if (!found) return;
    plantDecoy(found.core, found.interp, found.threads, found.threads.length);
    found.core.close();
    const run = corestack(["core", found.core.path, "--exhaustive", "--json"]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toBe("");
    expect(expectOneErrorLine(run.stderr)).toMatch(
      /^The core cannot be analysed: The exhaustive scan found 2 interpreter states that pass every check and cannot be told apart \(at 0x[0-9a-f]+, 0x[0-9a-f]+\): refusing to guess$/,
    );
  }, 180_000);

  it("the real one corrupted (a thread state that does not link back): an error naming why", async (context) => {
    const found = await doctored(context, "corrupt");
    if (!found) return;
    const second = found.threads[1]!;
    found.core.setPtr(second + BigInt(layout.PyThreadState.prev!), second);
    found.core.close();
    const run = corestack(["core", found.core.path, "--exhaustive"]);
    expect(run.status, run.stderr).toBe(3);
    expect(run.stdout).toBe("");
    expectNoStackTrace(run.stderr);
    expect(expectOneErrorLine(run.stderr)).toMatch(
      new RegExp(
        `^The core cannot be analysed: The exhaustive scan of [\\d.]+ MiB of writable memory found no valid Python 3\\.12 interpreter state \\(\\d+ candidates checked; rejected: .*0x${found.interp.toString(16)}: thread state 0x${second.toString(16)} does not link back to 0x${found.threads[0]!.toString(16)}.*\\)$`,
      ),
    );
  }, 180_000);
});

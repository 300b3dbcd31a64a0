// "Never crash, never hang, never lie": the fixed-seed fuzz batch of CI, the replay of every
// reproducer the fuzzer ever saved (tools/fuzz/findings/), corruption planted at chosen places of
// real cores (the output must say so, not print garbage as frames), inputs that would make a
// careless reader hang, and a trace showing that nothing is executed or written.

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreFile, bufferSource } from "@corestack/elf";
import { CoreTarget } from "@corestack/symbols";
import { type PythonThread, analyse } from "@corestack/cpython";
import { type PythonLayout, layoutFor } from "@corestack/cpython-layouts";
import { type CoreCase, coreAvailability, findInterpreters, makeCore } from "../../../tools/testing/cores.js";
import { FINDINGS_DIR, formatSummary, replay, runBatch } from "../../../tools/fuzz/fuzz_lib.mjs";
import { CLI } from "./_cli.js";

const availability = coreAvailability();
const interpreters = availability.ok ? findInterpreters() : [];

interface JsonFrame {
  kind: string;
  file: string;
  function: string;
  line: number;
}
interface JsonThread {
  tid: number | null;
  frames: JsonFrame[];
  error?: string;
}
interface JsonReport {
  threads: JsonThread[];
}

/** Runs the built CLI with a time limit; a hang shows as `timedOut`. */
function run(args: readonly string[], timeoutMs = 20_000): { status: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 256 << 20,
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  const timedOut = (result.error as { code?: string } | undefined)?.code === "ETIMEDOUT";
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? "", stderr: result.stderr ?? "", timedOut };
}

const frameText = (f: JsonFrame) => `${f.file}:${f.line} ${f.function}`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-fuzz-test-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A copy of `core` with bytes written at file offsets. */
function patched(core: string, name: string, patches: readonly { offset: number; bytes: Uint8Array }[]): string {
  const path = join(scratch, name);
  copyFileSync(core, path);
  const fd = openSync(path, "r+");
  try {
    for (const { offset, bytes } of patches) writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
  return path;
}

function u64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
}
function i32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// 1. The CI batch: a fixed seed, every input analysed or refused cleanly.

describe.skipIf(!availability.ok || interpreters.length === 0)("fuzz: fixed-seed batch of mutated real cores", () => {
  it("100 mutants of seven real cores (2.7 to 3.15): 0 crashes, 0 hangs", { timeout: 600_000 }, async () => {
    const batch = await runBatch({ seed: 20261126, runs: 100, workers: 2, cli: CLI, save: false, timeoutMs: 20_000 });
    const bad = batch.results.filter((r) => r.class === "crash" || r.class === "hang");
    const report = bad.map(
      (r) =>
        `input ${r.index} (${r.case}, ${r.mode}): ${r.class}: ${r.reason}\n  mutations ${JSON.stringify(r.mutations)}\n  ${r.stderr.split("\n").slice(0, 6).join("\n  ")}`,
    );
    expect(bad, `${formatSummary(batch.summary)}\n\n${report.join("\n")}`).toEqual([]);
    expect(batch.runs).toBe(100);
    // The batch exercises both outcomes: most mutants analyse, some are refused.
    expect(batch.summary.total.analysed).toBeGreaterThan(0);
    expect(batch.summary.total.refusal).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Every reproducer the fuzzer saved is a regression test.

const findings = existsSync(FINDINGS_DIR)
  ? readdirSync(FINDINGS_DIR)
      .filter((name) => name.endsWith(".json"))
      .sort()
  : [];

describe.skipIf(!availability.ok || findings.length === 0)("fuzz: saved reproducers replay cleanly", () => {
  for (const name of findings) {
    it(name, { timeout: 120_000 }, async () => {
      const finding = JSON.parse(readFileSync(join(FINDINGS_DIR, name), "utf8")) as { case: { version: string } };
      if (!interpreters.some((i) => `${i.major}.${i.minor}` === finding.case.version)) return; // no such Python here
      for (const mode of ["json", "text"] as const) {
        const outcome = await replay(join(FINDINGS_DIR, name), { cli: CLI, mode });
        expect(["analysed", "refusal"], `${mode}: ${outcome.class}: ${outcome.reason}\n${outcome.stderr}`).toContain(outcome.class);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 3. Never lie: corruption planted at chosen places.

/** A Python frame of a real core: where its frame lives and what it runs. */
interface PlacedFrame {
  /** The frame object (≤ 3.10) or `_PyInterpreterFrame` (3.11+). */
  readonly frame: bigint;
  /** Address of the frame's pointer to the next outer frame (`f_back` / `previous`). */
  readonly back: bigint;
  /** Address of the frame's instruction field (`f_lasti` / `prev_instr` / `instr_ptr`). */
  readonly instr: bigint;
  readonly code: bigint;
}

interface Anatomy {
  readonly core: CoreFile;
  readonly layout: PythonLayout;
  readonly threads: readonly PythonThread[];
  /** Per thread (same order), its Python frames outermost first, as analyse() reports them. */
  readonly frames: readonly (readonly PlacedFrame[])[];
  /** File offset of `length` bytes at `address`, when the core holds them. */
  offset(address: bigint, length: number): number;
  ptr(address: bigint): bigint;
}

/** Reads a core through the libraries and places each Python frame in memory. */
function anatomy(c: CoreCase): Anatomy {
  const core = new CoreFile(bufferSource(readFileSync(c.core)));
  const target = new CoreTarget(core, { executable: c.executable });
  const analysis = analyse(target);
  const layout = layoutFor(analysis.version.major, analysis.version.minor)!;
  const ptr = (address: bigint) => {
    const b = target.read(address, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  };
  const frames = analysis.threads.map((thread) => {
    const codes = thread.frames.map((f) => f.code).reverse(); // innermost first, as the chain runs
    const placed: PlacedFrame[] = [];
    const model = layout.models.frames;
    if (model.kind === "frame_object") {
      for (let frame = ptr(thread.address + BigInt(model.tstate_frame)); frame !== 0n; frame = ptr(frame + BigInt(model.f_back))) {
        placed.push({ frame, back: frame + BigInt(model.f_back), instr: frame + BigInt(model.f_lasti), code: ptr(frame + BigInt(model.f_code)) });
      }
    } else {
      const start = model.start;
      const untag = model.reference.kind === "tagged" ? ~BigInt(model.reference.tagBits) : ~0n;
      let frame =
        start.kind === "current_frame"
          ? ptr(thread.address + BigInt(start.current_frame))
          : ptr(ptr(thread.address + BigInt(start.cframe)) + BigInt(start.current_frame));
      for (; frame !== 0n; frame = ptr(frame + BigInt(model.previous))) {
        const code = ptr(frame + BigInt(model.executable)) & untag;
        if (placed.length < codes.length && code === codes[placed.length]) {
          placed.push({ frame, back: frame + BigInt(model.previous), instr: frame + BigInt(model.instruction), code });
        }
      }
    }
    expect(
      placed.map((p) => p.code),
      `frames of thread ${thread.tid}`,
    ).toEqual(codes);
    return placed.reverse();
  });
  const offset = (address: bigint, length: number) => {
    const segment = core.segmentAt(address);
    if (!segment || address + BigInt(length) > segment.end) throw new Error(`0x${address.toString(16)} is not dumped in the core`);
    return segment.offset + Number(address - segment.start);
  };
  return { core, layout, threads: analysis.threads, frames, offset, ptr };
}

/** The thread with the most frames, and a middle frame of it whose code object no other frame runs. */
function chooseFrame(a: Anatomy): { thread: number; index: number } {
  const counts = new Map<bigint, number>();
  for (const frames of a.frames) for (const f of frames) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  const order = a.frames.map((frames, thread) => ({ thread, n: frames.length })).sort((x, y) => y.n - x.n);
  for (const { thread, n } of order) {
    // Outermost first: index 0 is <module>; prefer one with real frames on both sides.
    const candidates = [...Array(n).keys()].filter((i) => i > 0 && i < n - 1 && counts.get(a.frames[thread]![i]!.code) === 1);
    if (candidates.length > 0) return { thread, index: candidates[Math.floor(candidates.length / 2)]! };
  }
  throw new Error("no thread with three frames and a frame of its own code");
}

interface Planted {
  readonly status: number | null;
  readonly stderr: string;
  readonly report: JsonReport;
}

function runPlanted(path: string): Planted {
  const result = run(["core", path, "--json"]);
  expect(result.timedOut, "time limit").toBe(false);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return { status: result.status, stderr: result.stderr, report: JSON.parse(result.stdout) as JsonReport };
}

/**
 * The verdict every planted corruption must get: exit 1, the thread named on stderr, its stack
 * ending with an error after exactly the frames that are real (`keep`, innermost frames), and
 * every other thread as in the untouched core.
 */
function expectHonest(planted: Planted, baseline: JsonReport, tid: number | null, keep: readonly JsonFrame[], error?: RegExp): void {
  expect(planted.status, planted.stderr).toBe(1);
  expect(planted.stderr).toMatch(new RegExp(`^corestack: 1 of \\d+ threads could not be read completely: ${tid}$`, "m"));
  const thread = planted.report.threads.find((t) => t.tid === tid);
  expect(thread?.error, "the thread says its stack is incomplete").toBeDefined();
  if (error) expect(thread!.error).toMatch(error);
  expect(thread!.frames.map(frameText)).toEqual(keep.map(frameText));
  for (const other of baseline.threads.filter((t) => t.tid !== tid)) {
    const got = planted.report.threads.find((t) => t.tid === other.tid);
    expect(got?.error, `thread ${other.tid} is untouched`).toBeUndefined();
    expect(got!.frames.map(frameText)).toEqual(other.frames.map(frameText));
  }
}

const PLANT_CASES = [
  { version: "2.7", prefer: "pyenv-2.7.18", scenario: "nested" },
  { version: "3.8", prefer: "pyenv-3.8.18", scenario: "threads" },
  { version: "3.11", prefer: "debian-3.11", scenario: "nested" },
  { version: "3.12", prefer: "pyenv-3.12.1", scenario: "threads" },
  { version: "3.13", prefer: "pyenv-3.13.0", scenario: "recursion" },
] as const;

for (const plant of PLANT_CASES) {
  const interpreter = interpreters.find((i) => i.id === plant.prefer) ?? interpreters.find((i) => `${i.major}.${i.minor}` === plant.version);
  describe.skipIf(!interpreter)(`never lie: corruption planted in a ${plant.version} core (${plant.scenario})`, () => {
    let c: CoreCase;
    let a: Anatomy;
    let baseline: JsonReport;
    let chosen: { thread: number; index: number };
    let tid: number | null;
    let outer: JsonFrame[]; // the chosen thread's frames in the untouched output, outermost first
    beforeAll(async () => {
      c = await makeCore(interpreter!, plant.scenario);
      a = anatomy(c);
      const clean = run(["core", c.core, "--json"]);
      expect(clean.status, clean.stderr).toBe(0);
      baseline = JSON.parse(clean.stdout) as JsonReport;
      chosen = chooseFrame(a);
      tid = a.threads[chosen.thread]!.tid;
      outer = baseline.threads.find((t) => t.tid === tid)!.frames;
      expect(outer.length).toBe(a.frames[chosen.thread]!.length);
    }, 300_000);
    const target = () => a.frames[chosen.thread]![chosen.index]!;
    const inner = (from: number) => outer.slice(from);

    it("a co_name pointing at a non-string: the frame is not printed, the thread is marked incomplete", () => {
      const { code } = target();
      const at = a.offset(code + BigInt(a.layout.PyCodeObject.co_name), 8);
      const planted = runPlanted(patched(c.core, "co_name.core", [{ offset: at, bytes: u64(code) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index + 1), /co_name .* is a 'code', not a/);
    });

    it("a co_name pointing into unreadable memory: the frame is not printed", () => {
      const { code } = target();
      const at = a.offset(code + BigInt(a.layout.PyCodeObject.co_name), 8);
      const planted = runPlanted(patched(c.core, "co_name_wild.core", [{ offset: at, bytes: u64(0x4141414141414141n) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index + 1), /cannot read/);
    });

    it("a code object whose type is not 'code': the frame is not printed (nor skipped silently)", () => {
      const { code } = target();
      const filename = a.ptr(code + BigInt(a.layout.PyCodeObject.co_filename));
      const strType = a.ptr(filename + BigInt(a.layout.PyObject.ob_type));
      const at = a.offset(code + BigInt(a.layout.PyObject.ob_type), 8);
      const planted = runPlanted(patched(c.core, "code_type.core", [{ offset: at, bytes: u64(strType) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index + 1), /code object at 0x[0-9a-f]+ is a '(str|unicode)', not a 'code'/);
    });

    it("a negative co_firstlineno: no line is invented", () => {
      const { code } = target();
      const at = a.offset(code + BigInt(a.layout.PyCodeObject.co_firstlineno), 4);
      const planted = runPlanted(patched(c.core, "firstlineno.core", [{ offset: at, bytes: i32(-7) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index + 1), /co_firstlineno -7/);
    });

    it("an instruction pointer far outside the code: no line is invented", () => {
      const { instr, code } = target();
      const frameObjects = a.layout.models.frames.kind === "frame_object";
      const at = a.offset(instr, frameObjects ? 4 : 8);
      const bytes = frameObjects ? i32(0x3fffffff) : u64(code + 0x100000n);
      const planted = runPlanted(patched(c.core, "instr.core", [{ offset: at, bytes }]));
      expectHonest(planted, baseline, tid, inner(chosen.index + 1), /instruction offset \d+ is outside code object/);
    });

    it("a frame chain pointer into garbage: the stack ends with a marker after the real frames", () => {
      const { back, code } = target();
      // The characters of a file name: readable memory that is no frame.
      const filename = a.ptr(code + BigInt(a.layout.PyCodeObject.co_filename));
      const garbage = filename + BigInt(a.layout.sizeof.PyASCIIObject ?? a.layout.PyStringObject!.ob_sval);
      const path = patched(c.core, "back_garbage.core", [{ offset: a.offset(back, 8), bytes: u64(garbage) }]);
      const planted = runPlanted(path);
      expectHonest(planted, baseline, tid, inner(chosen.index));
      // The text output says it too, where the stack ends.
      const text = run(["core", path]);
      expect(text.status, text.stderr).toBe(1);
      expect(text.stdout).toContain(planted.report.threads.find((t) => t.tid === tid)!.error!);
    });

    it("a frame chain that points to itself: the walk ends with a loop marker", () => {
      const { back, frame } = target();
      const planted = runPlanted(patched(c.core, "back_self.core", [{ offset: a.offset(back, 8), bytes: u64(frame) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index), /the frame chain loops/);
    });

    it("a frame chain that joins another thread's: both stacks end at the join, each naming the other thread", (context) => {
      // Two threads cannot run one frame: one chain is corrupt, and which cannot be told, so
      // neither stack prints the other's frames as its own. (Single-threaded scenarios: skipped.)
      const other = a.frames.findIndex((frames, thread) => thread !== chosen.thread && frames.length >= 2);
      if (other < 0) return context.skip();
      const k = Math.floor(a.frames[other]!.length / 2);
      const join = a.frames[other]![k]!.frame;
      const otherTid = a.threads[other]!.tid;
      const planted = runPlanted(patched(c.core, "back_join.core", [{ offset: a.offset(target().back, 8), bytes: u64(join) }]));
      expect(planted.status, planted.stderr).toBe(1);
      expect(planted.stderr).toMatch(/^corestack: 2 of \d+ threads could not be read completely: /m);
      const mine = planted.report.threads.find((t) => t.tid === tid)!;
      expect(mine.frames.map(frameText)).toEqual(inner(chosen.index).map(frameText));
      expect(mine.error).toMatch(new RegExp(`^frame 0x${join.toString(16)} is also on the stack of thread ${otherTid} `));
      const theirs = planted.report.threads.find((t) => t.tid === otherTid)!;
      const theirBaseline = baseline.threads.find((t) => t.tid === otherTid)!.frames;
      expect(theirs.frames.map(frameText)).toEqual(theirBaseline.slice(k + 1).map(frameText));
      expect(theirs.error).toMatch(new RegExp(`^frame 0x${join.toString(16)} is also on the stack of thread ${tid} `));
      for (const untouched of baseline.threads.filter((t) => t.tid !== tid && t.tid !== otherTid)) {
        const got = planted.report.threads.find((t) => t.tid === untouched.tid)!;
        expect(got.error).toBeUndefined();
        expect(got.frames.map(frameText)).toEqual(untouched.frames.map(frameText));
      }
    });

    it("a frame chain that loops back to the innermost frame: the walk ends with a loop marker", () => {
      const frames = a.frames[chosen.thread]!;
      const innermost = frames[frames.length - 1]!.frame;
      const planted = runPlanted(patched(c.core, "back_cycle.core", [{ offset: a.offset(target().back, 8), bytes: u64(innermost) }]));
      expectHonest(planted, baseline, tid, inner(chosen.index), /the frame chain loops/);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Never hang: names in the core that lead to files which never end or never open.

const py312 = interpreters.find((i) => i.id === "pyenv-3.12.1") ?? interpreters.find((i) => i.major === 3 && i.minor >= 11);

/** The file offset and length of a str object's characters (compact ASCII, 3.x). */
function asciiString(a: Anatomy, object: bigint): { data: number; length: number; lengthAt: number } {
  const A = a.layout.PyASCIIObject!;
  const lengthAt = a.offset(object + BigInt(A.length), 8);
  const b = a.core.read(object + BigInt(A.length), 8);
  const length = Number(new DataView(b.buffer, b.byteOffset, 8).getBigInt64(0, true));
  return { data: a.offset(object + BigInt(a.layout.sizeof.PyASCIIObject!), length), length, lengthAt };
}

describe.skipIf(!availability.ok || !py312)("never hang: files named by the core", () => {
  let c: CoreCase;
  let a: Anatomy;
  beforeAll(async () => {
    c = await makeCore(py312!, "threads");
    a = anatomy(c);
  }, 300_000);

  /** Rewrites the co_filename of the innermost frame of the first thread to `path` (no longer than it). */
  function withFilename(path: string, name: string): string {
    const frames = a.frames.find((f) => f.length > 0)!;
    const code = frames[frames.length - 1]!.code;
    const filename = a.ptr(code + BigInt(a.layout.PyCodeObject.co_filename));
    const { data, length, lengthAt } = asciiString(a, filename);
    expect(path.length).toBeLessThanOrEqual(length);
    const text = new TextEncoder().encode(`${path}\0`);
    return patched(c.core, name, [
      { offset: lengthAt, bytes: u64(BigInt(path.length)) },
      { offset: data, bytes: text },
    ]);
  }

  it("text output does not read a source 'file' that is a device (/dev/zero)", () => {
    const result = run(["core", withFilename("/dev/zero", "dev_zero.core")], 20_000);
    expect(result.timedOut, "time limit").toBe(false);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('File "/dev/zero"');
  });

  it("text output does not open a source 'file' that is a FIFO", () => {
    const fifo = join(scratch, "fifo");
    const made = spawnSync("mkfifo", [fifo]);
    if (made.status !== 0) return; // no mkfifo: nothing to show
    const result = run(["core", withFilename(fifo, "fifo_source.core")], 20_000);
    expect(result.timedOut, "time limit").toBe(false);
    expect(result.status, result.stderr).toBe(0);
    rmSync(fifo);
  });

  it("a CORE argument that is a FIFO is refused, not waited on", (context) => {
    const fifo = join(scratch, "core-fifo");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return context.skip("mkfifo failed");
    const result = run(["core", fifo], 20_000);
    expect(result.timedOut, "time limit").toBe(false);
    expect(result.status, result.stderr).toBe(3);
    expect(result.stderr).toBe(`corestack: Not a regular file: ${fifo}\n`);
    rmSync(fifo);
  });

  it("a mapped file path in NT_FILE that names a FIFO is not waited on", (context) => {
    // Rewrite the path of the libpython (or executable) mapping, in place, to a FIFO's path of the same length.
    const bytes = readFileSync(c.core);
    const paths = [c.interpreter.libpython, c.executable].filter((p): p is string => typeof p === "string");
    const found = paths.map((p) => new TextEncoder().encode(`${p}\0`)).map((original) => ({ original, at: bytes.indexOf(Buffer.from(original)) }));
    const hit = found.find((f) => f.at > 0);
    expect(hit, `none of ${paths.join(", ")} in the core's NT_FILE note`).toBeDefined();
    const { original, at } = hit!;
    const fifoDir = mkdtempSync(join(scratch, "f"));
    const fifo = `${fifoDir}/${"p".repeat(original.length)}`.slice(0, original.length - 1);
    if (!fifo.startsWith(`${fifoDir}/`) || fifo.length <= fifoDir.length + 1)
      return context.skip("the temporary directory's name is longer than the mapped path");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return context.skip("mkfifo failed");
    const path = patched(c.core, "fifo_mapping.core", [{ offset: at, bytes: new TextEncoder().encode(fifo) }]);
    const result = run(["core", path, "--json"], 20_000);
    expect(result.timedOut, "time limit").toBe(false);
    expect([0, 1, 3], result.stderr).toContain(result.status);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Nothing from the analysed system is executed or written.

const strace = spawnSync("strace", ["-V"]).status === 0;

describe.skipIf(!availability.ok || !strace || !py312)("nothing is executed or written (strace)", () => {
  for (const mode of ["json", "text"] as const) {
    it(`corestack core (${mode}) runs no program and opens no file for writing`, { timeout: 120_000 }, async () => {
      const c = await makeCore(py312!, "threads");
      const log = join(scratch, `strace-${mode}.log`);
      const result = spawnSync(
        "strace",
        [
          "-f",
          "-qq",
          "-e",
          "trace=execve,execveat,openat,open,creat,openat2",
          "-o",
          log,
          process.execPath,
          CLI,
          "core",
          c.core,
          ...(mode === "json" ? ["--json"] : []),
        ],
        { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 256 << 20, timeout: 60_000 },
      );
      if (result.status !== 0 && /ptrace|Operation not permitted/.test(result.stderr)) return; // strace cannot trace here
      expect(result.status, result.stderr).toBe(0);
      const lines = readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "");
      const execs = lines.filter((l) => /\bexecve(at)?\(/.test(l));
      expect(execs, "only the initial execve").toHaveLength(1);
      expect(execs[0]).toContain(process.execPath);
      const opens = lines.filter((l) => /\b(open|openat|openat2|creat)\(/.test(l));
      expect(opens.length).toBeGreaterThan(0);
      const writing = opens.filter((l) => /\bcreat\(|O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(l));
      expect(writing, "files opened for writing").toEqual([]);
    });
  }
});

import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  SCENARIOS,
  type CoreCase,
  type Interpreter,
  coreAvailability,
  findInterpreters,
  gcoreAvailability,
  getScenario,
  makeCore,
  makeGcore,
  makeNativeCore,
  scenarioApplies,
  scenariosFor,
  startLive,
  truthProblems,
} from "./cores.js";
import { _coreAvailabilityFrom, _coreFileRegExp } from "./core_maker.mjs";

const available = coreAvailability();
const gcore = gcoreAvailability();
const interpreters = findInterpreters();
const GENERATION_TIMEOUT = 180_000;

/** The interpreter for "major.minor", preferring pyenv builds (debug info, shared libpython). */
function interpreterFor(version: string): Interpreter | undefined {
  const matching = interpreters.filter((interpreter) => `${interpreter.major}.${interpreter.minor}` === version);
  return matching.find((interpreter) => interpreter.source === "pyenv") ?? matching[0];
}

function readAt(file: string, offset: number, length: number): Buffer {
  const handle = fs.openSync(file, "r");
  try {
    const bytes = Buffer.alloc(length);
    const read = fs.readSync(handle, bytes, 0, length, offset);
    return bytes.subarray(0, read);
  } finally {
    fs.closeSync(handle);
  }
}

/** A minimal ELF64 little-endian core reader: e_type, and the pr_pid of every NT_PRSTATUS note in order. */
function coreSummary(file: string): { magic: boolean; elfClass: number; eType: number; prstatusTids: number[] } {
  const header = readAt(file, 0, 64);
  const magic = header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  const elfClass = header[4] ?? 0;
  const eType = header.readUInt16LE(16);
  const prstatusTids: number[] = [];
  if (!magic || elfClass !== 2 || header[5] !== 1) return { magic, elfClass, eType, prstatusTids };
  const phoff = Number(header.readBigUInt64LE(32));
  const phentsize = header.readUInt16LE(54);
  let phnum = header.readUInt16LE(56);
  if (phnum === 0xffff) {
    const shoff = Number(header.readBigUInt64LE(40));
    phnum = readAt(file, shoff, 64).readUInt32LE(44); // PN_XNUM: the count is section 0's sh_info
  }
  const table = readAt(file, phoff, phnum * phentsize);
  for (let index = 0; index < phnum; index++) {
    const entry = table.subarray(index * phentsize, (index + 1) * phentsize);
    if (entry.readUInt32LE(0) !== 4) continue; // PT_NOTE
    const notes = readAt(file, Number(entry.readBigUInt64LE(8)), Number(entry.readBigUInt64LE(32)));
    for (let at = 0; at + 12 <= notes.length; ) {
      const namesz = notes.readUInt32LE(at);
      const descsz = notes.readUInt32LE(at + 4);
      const type = notes.readUInt32LE(at + 8);
      const desc = at + 12 + Math.ceil(namesz / 4) * 4;
      if (type === 1 && descsz >= 36) prstatusTids.push(notes.readInt32LE(desc + 32)); // NT_PRSTATUS.pr_pid
      at = desc + Math.ceil(descsz / 4) * 4;
    }
  }
  return { magic, elfClass, eType, prstatusTids };
}

function expectRealCore(made: CoreCase): void {
  const summary = coreSummary(made.core);
  expect(summary.magic, "ELF magic").toBe(true);
  expect(summary.eType, "e_type ET_CORE").toBe(4);
  expect(truthProblems(made.truth, made.scenario, made.interpreter)).toEqual([]);
  // The truth's threads are exactly the core's threads.
  // (A thread that entered a subinterpreter is in the truth once per interpreter.)
  expect([...summary.prstatusTids].sort()).toEqual([...new Set(made.truth.threads.map((thread) => thread.tid))].sort());
  if (made.method === "kernel" && made.scenario.mode === "crash") {
    // The kernel writes the thread that took SIGABRT first.
    expect(summary.prstatusTids[0]).toBe(made.truth.threads.find((thread) => thread.crashing)?.tid);
  }
}

describe("SCENARIOS", () => {
  it("SCENARIOS lists every scenario file with its header", () => {
    const names = SCENARIOS.map((scenario) => scenario.name);
    for (const expected of [
      "simple",
      "nested",
      "threads",
      "recursion",
      "generators",
      "coroutines",
      "exceptions",
      "ctypes_callback",
      "unicode",
      "deleted_script",
      "command",
      "idle",
    ]) {
      expect(names).toContain(expected);
    }
    for (const scenario of SCENARIOS) {
      expect(scenario.expect.length, scenario.name).toBeGreaterThan(0);
      expect(fs.existsSync(scenario.file)).toBe(true);
    }
    expect(getScenario("idle").mode).toBe("hang");
    expect(getScenario("command").runAs).toBe("command");
    expect(() => getScenario("nope")).toThrow(RangeError);
  });

  it("scenarioApplies() keeps 3.x-only scenarios away from 2.7", () => {
    const python27 = { major: 2, minor: 7 } as Interpreter;
    const python36 = { major: 3, minor: 6 } as Interpreter;
    expect(scenarioApplies("coroutines", python27)).toBe(false);
    expect(scenarioApplies("unicode", python27)).toBe(false);
    expect(scenarioApplies("coroutines", python36)).toBe(true);
    expect(scenarioApplies("threads", python27)).toBe(true);
  });

  it("coreAvailability() answers ok or says why not", () => {
    expect(available.ok || (typeof available.reason === "string" && available.reason.length > 0)).toBe(true);
  });
});

describe("coreAvailability() decisions", () => {
  const facts = { platform: "linux", pattern: "core", hardLimit: "unlimited", gcore: { ok: true }, writable: () => true };

  it("_coreAvailabilityFrom() accepts a plain file pattern", () => {
    expect(_coreAvailabilityFrom(facts)).toEqual({ ok: true });
    expect(_coreAvailabilityFrom({ ...facts, pattern: "/var/crash/core.%e.%p" })).toEqual({ ok: true });
  });

  it("_coreAvailabilityFrom() explains a pipe pattern and what to do", () => {
    const pattern = "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h";
    const answer = _coreAvailabilityFrom({ ...facts, pattern, hardLimit: null });
    expect(answer.ok).toBe(false);
    expect(answer.reason).toContain(pattern);
    expect(answer.reason).toContain("sudo sysctl -w kernel.core_pattern=core");
    expect(answer.reason).toContain("coredumpctl dump");
    expect(answer.reason).toContain("makeGcore()");
    const noGdb = _coreAvailabilityFrom({ ...facts, pattern, gcore: { ok: false, reason: "gdb is not installed" } });
    expect(noGdb.reason).toContain("gdb is not installed");
  });

  it("_coreAvailabilityFrom() refuses a zero or small hard limit and an unwritable directory", () => {
    expect(_coreAvailabilityFrom({ ...facts, hardLimit: "0" }).reason).toContain("ulimit -Hc");
    expect(_coreAvailabilityFrom({ ...facts, hardLimit: "1024" }).reason).toContain("truncated");
    expect(_coreAvailabilityFrom({ ...facts, hardLimit: String(4 * 1024 * 1024) })).toEqual({ ok: true });
    expect(_coreAvailabilityFrom({ ...facts, pattern: "/var/crash/core", writable: () => false }).reason).toContain("/var/crash");
    expect(_coreAvailabilityFrom({ ...facts, platform: "darwin" }).ok).toBe(false);
  });

  it("_coreFileRegExp() follows the kernel's naming", () => {
    expect(_coreFileRegExp("core", 42, false).regExp.test("core")).toBe(true);
    expect(_coreFileRegExp("core", 42, true).regExp.test("core.42")).toBe(true);
    expect(_coreFileRegExp("core", 42, true).regExp.test("core.43")).toBe(false);
    const named = _coreFileRegExp("core.%e.%p.%t", 42, true);
    expect(named.hasPid).toBe(true);
    expect(named.regExp.test("core.python3.12.42.1700000000")).toBe(true);
    expect(named.regExp.test("core.python3.12.42.1700000000.42")).toBe(false);
    expect(_coreFileRegExp("100%%-%p", 7, false).regExp.test("100%-7")).toBe(true);
  });
});

describe.skipIf(!available.ok)("makeCore() on representative interpreters", () => {
  for (const version of ["2.7", "3.8", "3.12"]) {
    const interpreter = interpreterFor(version);
    for (const scenario of ["simple", "threads"]) {
      it.skipIf(!interpreter)(`makeCore() gives a real ELF core and a well-formed truth: ${version} ${scenario}`, { timeout: GENERATION_TIMEOUT }, async () => {
        const made = await makeCore(interpreter as Interpreter, scenario);
        expect(fs.statSync(made.core).size).toBeGreaterThan(100_000);
        expectRealCore(made);
        expect(made.truth.python_version).toBe(interpreter?.version);
        const main = made.truth.threads.find((thread) => thread.main);
        expect(main?.frames.at(-1)?.function).toBe("crash");
        expect(main?.tid).toBe(made.truth.pid);
        if (scenario === "threads") {
          expect(made.truth.threads.length).toBeGreaterThanOrEqual(4);
          expect(new Set(made.truth.threads.map((thread) => thread.tid)).size).toBe(made.truth.threads.length);
          expect(made.truth.threads.map((thread) => thread.name)).toContain("lock-waiter");
        }
      });
    }
  }

  it("makeCore() returns the cached case the second time", { timeout: GENERATION_TIMEOUT }, async (context) => {
    const interpreter = interpreters.at(-1);
    if (!interpreter) return context.skip("no interpreter found");
    const first = await makeCore(interpreter, "simple");
    const modified = fs.statSync(first.core).mtimeMs;
    const truthModified = fs.statSync(first.truthPath).mtimeMs;
    const second = await makeCore(interpreter, "simple");
    // Served from the cache, not made again: neither the core nor the truth was rewritten.
    expect(second.core).toBe(first.core);
    expect(fs.statSync(second.core).mtimeMs).toBe(modified);
    expect(fs.statSync(second.truthPath).mtimeMs).toBe(truthModified);
  });

  it("makeCore() rejects a scenario the interpreter cannot run", async (context) => {
    const python27 = interpreterFor("2.7");
    if (!python27) return context.skip("no Python 2.7 found");
    await expect(makeCore(python27, "coroutines")).rejects.toThrow(RangeError);
  });
});

describe.skipIf(!available.ok)("makeCore() matrix: every scenario under every interpreter", () => {
  for (const interpreter of interpreters) {
    for (const scenario of scenariosFor(interpreter)) {
      it(`${interpreter.id} ${scenario.name}`, { timeout: GENERATION_TIMEOUT }, async () => {
        expectRealCore(await makeCore(interpreter, scenario));
      });
    }
  }
});

describe.skipIf(!available.ok)("makeNativeCore()", () => {
  it("makeNativeCore() gives the core of a 3-thread C program", { timeout: GENERATION_TIMEOUT }, async () => {
    const made = await makeNativeCore();
    const summary = coreSummary(made.core);
    expect(summary.magic).toBe(true);
    expect(summary.eType).toBe(4);
    expect(made.truth.tids.length).toBe(3);
    expect(made.truth.tids[0]).toBe(made.truth.pid);
    expect([...summary.prstatusTids].sort()).toEqual([...made.truth.tids].sort());
  });
});

describe.skipIf(!gcore.ok)("makeGcore()", () => {
  for (const version of ["2.7", "3.12"]) {
    const interpreter = interpreterFor(version);
    for (const scenario of ["idle", "threads"]) {
      it.skipIf(!interpreter)(`makeGcore() dumps a live process with gdb: ${version} ${scenario}`, { timeout: GENERATION_TIMEOUT }, async () => {
        const made = await makeGcore(interpreter as Interpreter, scenario);
        expect(made.method).toBe("gcore");
        expect(made.truth.end).toBe(scenario === "idle" ? "hang" : "stop");
        expectRealCore(made);
      });
    }
  }
});

describe.skipIf(process.platform !== "linux")("startLive()", () => {
  for (const scenario of ["idle", "simple"]) {
    it(`startLive() holds a ${scenario} process still with its truth written`, { timeout: GENERATION_TIMEOUT }, async (context) => {
      const interpreter = interpreters.at(-1);
      if (!interpreter) return context.skip("no interpreter found");
      const live = await startLive(interpreter, scenario);
      try {
        expect(live.truth.pid).toBe(live.pid);
        expect(truthProblems(live.truth, scenario, interpreter)).toEqual([]);
        const state = fs.readFileSync(`/proc/${live.pid}/stat`, "utf8").split(") ")[1]?.[0];
        expect(state).toBe(scenario === "idle" ? "S" : "T");
        expect(fs.readdirSync(`/proc/${live.pid}/task`).map(Number).sort()).toEqual(live.truth.threads.map((thread) => thread.tid).sort());
      } finally {
        await live.kill();
      }
      expect(fs.existsSync(`/proc/${live.pid}`)).toBe(false);
    });
  }
});

import { copyFileSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, CoreUnavailableError, findInterpreters, gcoreAvailability, makeCore, makeGcore } from "../../../tools/testing/cores.js";
import { corestack } from "./_cli.js";
import { expectNoStackTrace, expectOneErrorLine, interpreterFor, skipReason } from "./_expect_output.js";
import { type JsonReport, expectMatchesTruth } from "./_truth_compare.js";

const python312 = interpreterFor(3, 12);

let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "corestack-core-info-"));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The value after `label` on the line of the text output that has it. */
function field(text: string, label: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)${label}: (\\S+)`, "m").exec(text);
  return match?.[1];
}

describe.skipIf(!python312)("the core information block says what the core says (3.12, kernel core)", () => {
  if (!python312) console.warn(`skipping core information: ${skipReason("CPython 3.12")}`);
  let made: CoreCase;
  let text: string;
  let json: JsonReport;
  beforeAll(async () => {
    made = await makeCore(python312!, "threads");
    const textRun = corestack(["core", made.core]);
    expect(textRun.status, textRun.stderr).toBe(0);
    text = textRun.stdout;
    const jsonRun = corestack(["core", made.core, "--json"]);
    expect(jsonRun.status, jsonRun.stderr).toBe(0);
    json = JSON.parse(jsonRun.stdout) as JsonReport;
  });

  it("text: pid is the process's pid; the executable and its arguments are the interpreter's", () => {
    expect(text).toContain("\nCore file information:\n");
    expect(text).toMatch(new RegExp(`^pid: ${made.truth.pid} ppid: \\d+ sid: \\d+$`, "m"));
    expect(field(text, "executable")).toBe(basename(python312!.path).slice(0, 15));
    // pr_psargs: the command line, cut at 80 bytes by the kernel.
    const args = /^executable: \S+ arguments: (.*)$/m.exec(text)?.[1] ?? "";
    expect(args.length).toBeGreaterThan(10);
    expect(`${python312!.path} ${made.truth.argv.join(" ")}`.startsWith(args), args).toBe(true);
  });

  it("text: 'Using executable found in the core file:' names the interpreter that ran", () => {
    const first = text.split("\n")[0]!;
    expect(first).toMatch(/^Using executable found in the core file: \//);
    const path = first.slice("Using executable found in the core file: ".length);
    // AT_EXECFN (the path it was run as) or the mapped file: either way, that interpreter.
    expect(realpathSync(path)).toBe(realpathSync(python312!.executable));
  });

  it("text: the signal line says SIGABRT; the Python version is the truth's", () => {
    expect(text).toMatch(/^The process died due to receiving signal SIGABRT$/m);
    expect(text).toMatch(new RegExp(`^Python version: ${made.truth.python_version.replaceAll(".", "\\.")}$`, "m"));
    expect(text).not.toContain("generated on demand");
  });

  it("--json: schema 1, the pid, SIGABRT, the version, the thread count and the executable", () => {
    expect(json.schema).toBe(1);
    expect(json.source.kind).toBe("core");
    expect(json.source.path).toBe(made.core);
    expect(json.source.process.pid).toBe(made.truth.pid);
    expect(json.source.process.signal?.name).toBe("SIGABRT");
    expect(json.source.process.signal?.number).toBe(6);
    expect(json.source.process.threadCount).toBe(made.truth.threads.length);
    expect(json.python?.version).toBe(made.truth.python_version);
    expect(json.source.executableFoundBy).toBe("execfn");
    expect(realpathSync(json.source.executable!)).toBe(realpathSync(python312!.executable));
  });

  it("--verbose adds the layout source and the files used on stderr, and changes nothing on stdout", () => {
    const verbose = corestack(["core", made.core, "--verbose"]);
    expect(verbose.status).toBe(0);
    expect(verbose.stdout).toBe(text);
    expect(verbose.stderr).toMatch(
      new RegExp(`^Python ${made.truth.python_version.replaceAll(".", "\\.")} \\(version from .+, layout from (table|debug offsets)\\)$`, "m"),
    );
    expect(verbose.stderr).toMatch(/^using \/\S*libpython3\.12\S* for \/\S*libpython3\.12/m);
    expectNoStackTrace(verbose.stderr);
  });

  it("--verbose says how files are read: mmap, or the pread fallback when the binding is not used", () => {
    expect(corestack(["core", made.core, "--verbose"]).stderr).toMatch(/^reading files with mmap \(/m);
    const fallback = corestack(["core", made.core, "--verbose"], { CORESTACK_NO_MMAP: "1" });
    expect(fallback.status).toBe(0);
    expect(fallback.stdout).toBe(text);
    expect(fallback.stderr).toMatch(/^reading files with pread \(CORESTACK_NO_MMAP=1/m);
  });

  describe("the EXECUTABLE argument", () => {
    it("an explicit EXECUTABLE (a copy of the interpreter) wins: 'Using executable: <it>', and it is the file read", () => {
      const copy = join(scratch, "python-copy");
      copyFileSync(python312!.executable, copy);
      const run = corestack(["core", made.core, copy, "--verbose"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.split("\n")[0]).toBe(`Using executable: ${copy}`);
      expect(run.stderr).toContain(`using ${copy} for `);
      expect(run.stderr).not.toMatch(/^warning:/m);
      const json = JSON.parse(corestack(["core", made.core, copy, "--json"]).stdout) as JsonReport;
      expect(json.source.executable).toBe(copy);
      expect(json.source.executableFoundBy).toBe("argument");
      expectMatchesTruth(made, json);
    });

    it("a nonexistent EXECUTABLE → exit 3 naming the file", () => {
      const missing = join(scratch, "no-such-python");
      const run = corestack(["core", made.core, missing]);
      expect(run.status, run.stderr).toBe(3);
      expect(run.stdout).toBe("");
      expect(expectOneErrorLine(run.stderr)).toBe(`No such file: ${missing} (the EXECUTABLE argument)`);
    });

    it("an EXECUTABLE that is a directory, or not an ELF file → exit 3 naming it", () => {
      const directory = corestack(["core", made.core, scratch]);
      expect(directory.status).toBe(3);
      expect(expectOneErrorLine(directory.stderr)).toBe(`Not a regular file: ${scratch} (the EXECUTABLE argument)`);
      const notElf = corestack(["core", made.core, made.truthPath]);
      expect(notElf.status).toBe(3);
      expect(expectOneErrorLine(notElf.stderr)).toBe(`${made.truthPath} (the EXECUTABLE argument) is not an ELF file`);
    });

    it("an EXECUTABLE of another program: a warning that it was not used, and the right stacks all the same", () => {
      const other = findInterpreters().find((i) => i.minor !== 12 && i.major === 3)?.executable ?? "/bin/ls";
      const run = corestack(["core", made.core, other, "--json"]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        new RegExp(`^warning: ${other.replaceAll(".", "\\.")} is not the executable the process ran \\(.+\\); using .+ instead$`, "m"),
      );
      expectNoStackTrace(run.stderr);
      expectMatchesTruth(made, JSON.parse(run.stdout) as JsonReport);
    });
  });
});

const gcore = gcoreAvailability();

describe.skipIf(!python312 || !gcore.ok)("the core information block of a gcore core (3.12, no fatal signal)", () => {
  if (python312 && !gcore.ok) console.warn(`skipping gcore core information: ${gcore.reason}`);

  it("says the core was generated on demand; JSON signal null; pid and stacks from the truth", async (context) => {
    let made: CoreCase;
    try {
      made = await makeGcore(python312!, "idle");
    } catch (error) {
      if (CoreUnavailableError.isInstance(error)) return context.skip(error.message);
      throw error;
    }
    const text = corestack(["core", made.core]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^The core file was generated on demand \(no fatal signal\)$/m);
    expect(text.stdout).not.toMatch(/The process died/);
    expect(text.stdout).toMatch(new RegExp(`^pid: ${made.truth.pid} `, "m"));
    const run = corestack(["core", made.core, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as JsonReport;
    expect(json.source.process.signal).toBeNull();
    expect(json.source.process.pid).toBe(made.truth.pid);
    expectMatchesTruth(made, json);
  });
});

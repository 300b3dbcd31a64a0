import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, makeCore } from "../../../tools/testing/cores.js";
import { BUNDLED_CLI, ENTRY, NODE } from "./_cli.js";
import { interpreterFor, skipReason } from "./_expect_output.js";
import { type RelocatedCore, relocatedCore } from "./_relocated_python.js";

const STRACE = "/usr/bin/strace";
const python312 = interpreterFor(3, 12);
// The newest Python as distributions build it: one static, stripped, non-PIE executable.
const python314 = interpreterFor(3, 14);
const straceWorks = existsSync(STRACE) && spawnSync(STRACE, ["-o", "/dev/null", "true"]).status === 0;

/** One `open`/`openat` call from strace's log. */
interface OpenCall {
  readonly path: string;
  readonly flags: string;
  /** The returned descriptor, or -1 (and the errno) when it failed. */
  readonly result: number;
}

/** Undoes strace's C-style string escapes (`-s` keeps whole paths; non-ASCII bytes are octal). */
function unescapeStrace(text: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char !== "\\") {
      bytes.push(...Buffer.from(char, "utf8"));
      continue;
    }
    const next = text[++index]!;
    const octal = /^[0-7]{1,3}/.exec(text.slice(index))?.[0];
    if (octal) {
      bytes.push(parseInt(octal, 8));
      index += octal.length - 1;
    } else if (next === "x") {
      bytes.push(parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(({ n: 10, t: 9, r: 13, v: 11, f: 12 } as Record<string, number>)[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Runs the built CLI under `strace -f` and returns its opens (in order), its execve calls and its output.
 * A call that strace split (`<unfinished …>` / `<… resumed>`) is joined back by thread id.
 */
function traced(
  args: readonly string[],
  log: string,
  options: { entry?: string; env?: Record<string, string> } = {},
): { opens: OpenCall[]; renames: [string, string][]; execs: string[]; status: number; stderr: string } {
  const run = spawnSync(
    STRACE,
    [
      "-f",
      "-qq",
      "-s",
      "4096",
      "-e",
      "trace=open,openat,openat2,creat,execve,execveat,rename,renameat,renameat2",
      "-o",
      log,
      NODE,
      options.entry ?? ENTRY,
      ...args,
    ],
    {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      maxBuffer: 64 << 20,
      timeout: 60_000,
    },
  );
  const pending = new Map<string, string>();
  const opens: OpenCall[] = [];
  const renames: [string, string][] = [];
  const execs: string[] = [];
  for (const raw of readFileSync(log, "utf8").split("\n")) {
    const match = /^(\d+)\s+(.*)$/.exec(raw);
    if (!match) continue;
    const [, tid, rest] = match as unknown as [string, string, string];
    let line = rest;
    if (line.endsWith("<unfinished ...>")) {
      pending.set(tid, line.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (resumed) {
      line = (pending.get(tid) ?? "") + resumed[1];
      pending.delete(tid);
    }
    const exec = /^execve(?:at)?\((?:\w+, )?"((?:[^"\\]|\\.)*)"/.exec(line);
    if (exec) {
      execs.push(unescapeStrace(exec[1]!));
      continue;
    }
    const rename = /^rename(?:at2?)?\((?:AT_FDCWD, )?"((?:[^"\\]|\\.)*)", (?:AT_FDCWD, )?"((?:[^"\\]|\\.)*)".*\)\s*=\s*0/.exec(line);
    if (rename) {
      renames.push([unescapeStrace(rename[1]!), unescapeStrace(rename[2]!)]);
      continue;
    }
    const open = /^(open|openat2?|creat)\((?:AT_FDCWD|\d+)?(?:, )?"((?:[^"\\]|\\.)*)",? ?([^)]*)\)\s*=\s*(-?\d+)/.exec(line);
    if (open) {
      const flags = open[1] === "creat" ? "O_CREAT|O_WRONLY|O_TRUNC" : open[3]!;
      opens.push({ path: unescapeStrace(open[2]!), flags, result: Number(open[4]) });
    }
  }
  return { opens, renames, execs, status: run.status ?? -1, stderr: run.stderr };
}

/**
 * The files a core maps (its `NT_FILE` note), read with fs here rather than with corestack's own
 * parser (the system's readelf may be a 32-bit build that cannot decode 64-bit NT_FILE notes).
 * ELF64 little-endian cores only.
 */
function mappedFiles(core: string): string[] {
  const bytes = readFileSync(core);
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  const files = new Set<string>();
  for (let index = 0; index < phnum; index++) {
    const header = phoff + index * phentsize;
    if (bytes.readUInt32LE(header) !== 4) continue; // PT_NOTE
    const start = Number(bytes.readBigUInt64LE(header + 8));
    const end = start + Number(bytes.readBigUInt64LE(header + 32));
    for (let at = start; at + 12 <= end; ) {
      const namesz = bytes.readUInt32LE(at);
      const descsz = bytes.readUInt32LE(at + 4);
      const type = bytes.readUInt32LE(at + 8);
      const desc = at + 12 + ((namesz + 3) & ~3);
      if (type === 0x46494c45) {
        // NT_FILE: count, page size, count × (start, end, offset), then count NUL-terminated paths.
        const count = Number(bytes.readBigUInt64LE(desc));
        let name = desc + 16 + count * 24;
        for (let n = 0; n < count; n++) {
          const nul = bytes.indexOf(0, name);
          files.add(bytes.toString("utf8", name, nul));
          name = nul + 1;
        }
      }
      at = desc + ((descsz + 3) & ~3);
    }
  }
  expect(files.size, "NT_FILE lists the mapped files").toBeGreaterThan(3);
  return [...files];
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * The files corestack reads are the core, the ELF files the core maps, and Python sources. Node's
 * own start-up (its shared libraries, the CLI's modules, package.json files) happens before the
 * core is opened and is not corestack's business.
 */
function corestackOpens(opens: OpenCall[], core: string, mapped: string[]): OpenCall[] {
  const coreReal = real(core);
  const first = opens.findIndex((call) => real(call.path) === coreReal);
  expect(first, "the core was never opened").toBeGreaterThanOrEqual(0);
  const ours = new Set([coreReal, ...mapped.map(real)]);
  return opens.slice(first).filter((call) => ours.has(real(call.path)) || call.path.endsWith(".py"));
}

/** Each file opened (successfully) at most once, whatever path named it; no open for writing, failed ones included. */
function expectEachOpenedOnceReadOnly(calls: OpenCall[]): void {
  const counts = new Map<string, OpenCall[]>();
  for (const call of calls.filter((c) => c.result >= 0)) {
    const key = real(call.path);
    counts.set(key, [...(counts.get(key) ?? []), call]);
  }
  const twice = [...counts].filter(([, list]) => list.length > 1).map(([path, list]) => `${path}: ${list.map((c) => c.path).join(", ")}`);
  expect(twice, `opened more than once:\n${twice.join("\n")}`).toEqual([]);
  const writing = calls.filter((call) => /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/.test(call.flags));
  expect(writing.map((c) => `${c.path} ${c.flags}`)).toEqual([]);
}

describe.skipIf(!straceWorks || !python312)("corestack opens each file it reads once, read-only, and runs nothing (strace)", () => {
  if (!straceWorks) console.warn(`skipping the open-once tests: ${STRACE} is missing or cannot trace here`);
  else if (!python312) console.warn(`skipping the open-once tests: ${skipReason("CPython 3.12")}`);
  let made: CoreCase;
  let scratch = "";
  beforeAll(async () => {
    made = await makeCore(python312!, "threads");
    scratch = mkdtempSync(join(tmpdir(), "corestack-strace-"));
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const cases = [{ name: "3.12", core: () => made }, ...(python314 ? [{ name: `${python314.id} (static libpython, stripped)`, core: () => made314 }] : [])];
  let made314: CoreCase;
  beforeAll(async () => {
    if (python314) made314 = await makeCore(python314, "threads");
  }, 300_000);
  for (const { name, core } of cases) {
    for (const json of [false, true]) {
      it(`${name}: core CORE${json ? " --json" : " (text, with source lines)"}: the core, each mapped ELF file and each source file opened at most once; no write; one execve`, () => {
        const made = core();
        const { opens, execs, status, stderr } = traced(
          ["core", made.core, ...(json ? ["--json"] : [])],
          join(scratch, `strace-${name.replace(/\W+/g, "_")}-${json}.log`),
        );
        expect(status, stderr).toBe(0);
        expect(execs, "corestack must not run any program").toEqual([NODE]);
        const mapped = mappedFiles(made.core);
        const ours = corestackOpens(opens, made.core, mapped);
        expectEachOpenedOnceReadOnly(ours);
        // Not vacuous: the core, the interpreter and libpython were read (the text also reads sources).
        const opened = new Set(ours.filter((c) => c.result >= 0).map((c) => real(c.path)));
        const files = [made.core, made.interpreter.executable, ...(made.interpreter.libpython ? [made.interpreter.libpython] : [])];
        for (const file of files) expect(opened, file).toContain(real(file));
        const sources = ours.filter((c) => c.path.endsWith(".py") && c.result >= 0).map((c) => c.path);
        // Text output shows source lines; --json has none, so it opens no source file.
        if (!json) expect(sources).toContain(made.scenario.file);
        else expect(sources).toEqual([]);
      });
    }
  }

  it("the published command (dist/corestack.cjs): its code cache is its own file, read once before the core, written only when missing, through a temporary file renamed into place; nothing else is written, and neither the decoders' nor the native script is read", () => {
    const home = join(scratch, "cache-home");
    const directory = join(home, "corestack", "code-cache");
    const writing = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
    for (const phase of ["cold", "warm"] as const) {
      const { opens, renames, execs, status, stderr } = traced(["core", made.core], join(scratch, `strace-cache-${phase}.log`), {
        entry: BUNDLED_CLI,
        env: { XDG_CACHE_HOME: home },
      });
      expect(status, stderr).toBe(0);
      expect(execs).toEqual([NODE]);
      const coreAt = opens.findIndex((call) => real(call.path) === real(made.core));
      const cacheOpens = opens.filter((call) => call.path.startsWith(`${directory}/`));
      const reads = cacheOpens.filter((call) => !writing.test(call.flags));
      expect(
        reads.map((call) => call.path),
        phase,
      ).toHaveLength(1);
      expect(reads[0]!.path).toMatch(/\.bin$/);
      expect(opens.indexOf(reads[0]!), "the cache is read before the core is opened").toBeLessThan(coreAt);
      const writes = cacheOpens.filter((call) => writing.test(call.flags));
      if (phase === "cold") {
        expect(reads[0]!.result, "no cache yet").toBeLessThan(0);
        expect(writes).toHaveLength(1);
        expect(writes[0]!.flags, "a new temporary file, never an existing one").toMatch(/O_CREAT/);
        expect(writes[0]!.flags).toMatch(/O_EXCL/);
        expect(writes[0]!.path).toMatch(/\.tmp$/);
        expect(renames).toEqual([[writes[0]!.path, reads[0]!.path]]);
      } else {
        expect(reads[0]!.result, "the cache written by the cold run").toBeGreaterThanOrEqual(0);
        expect(writes).toEqual([]);
        expect(renames).toEqual([]);
      }
      // The scripts of their own (build.mjs) are not read for an uncompressed core without --native.
      expect(opens.filter((call) => /\/corestack_(decompress|native)\.js$/.test(call.path)).map((call) => call.path)).toEqual([]);
      // Outside the cache directory, nothing at all is opened for writing.
      expect(opens.filter((call) => writing.test(call.flags) && !call.path.startsWith(`${directory}/`)).map((call) => `${call.path} ${call.flags}`)).toEqual(
        [],
      );
      expectEachOpenedOnceReadOnly(corestackOpens(opens, made.core, mappedFiles(made.core)));
    }
  });

  it.skipIf(!python312?.libpython)(
    "a relocated interpreter found with --lib-search-root: still once each",
    async () => {
      const moved: RelocatedCore = await relocatedCore(python312!, "threads");
      const { opens, execs, status, stderr } = traced(["core", moved.core, "--lib-search-root", moved.movedTo], join(scratch, "strace-relocated.log"));
      expect(status, stderr).toBe(0);
      expect(execs).toEqual([NODE]);
      const first = opens.findIndex((call) => real(call.path) === real(moved.core));
      expect(first).toBeGreaterThanOrEqual(0);
      // The recorded paths (gone) and their counterparts under B are the candidates.
      const mapped = mappedFiles(moved.core);
      const candidates = new Set([...mapped, ...mapped.map((p) => p.replace(moved.ranFrom, moved.movedTo))].map(real));
      const ours = opens
        .slice(first)
        .filter((c) => c.path === moved.core || candidates.has(real(c.path)) || c.path.endsWith(".py") || c.path.startsWith(moved.movedTo));
      expectEachOpenedOnceReadOnly(ours);
      expect(ours.some((c) => c.path === `${moved.movedTo}/${moved.libpythonName}` && c.result >= 0)).toBe(true);
    },
    300_000,
  );
});

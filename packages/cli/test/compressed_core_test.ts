import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CoreCase, makeCore } from "../../../tools/testing/cores.js";
import { CLI, corestack } from "./_cli.js";
import { expectNoStackTrace, expectOneErrorLine, interpreterFor, skipReason } from "./_expect_output.js";

/** The compressors, the Debian package of each, and how each writes a file. */
const COMPRESSORS = [
  { compression: "gzip", program: "gzip", debian: "gzip", args: ["-c"] },
  { compression: "zstd", program: "zstd", debian: "zstd", args: ["-q", "-c"] },
  { compression: "lz4", program: "lz4", debian: "lz4", args: ["-q", "-c"] },
  { compression: "xz", program: "xz", debian: "xz-utils", args: ["-c", "-T2"] },
] as const;
const installed = (program: string): boolean => spawnSync(program, ["--version"]).error === undefined;
const missing = COMPRESSORS.filter((c) => !installed(c.program));
for (const c of missing) console.warn(`skipping ${c.compression} cores: the ${c.program} program is not installed (Debian package ${c.debian})`);
const available = COMPRESSORS.filter((c) => installed(c.program));

const python = interpreterFor(3, 12) ?? interpreterFor(3, 11);

/** Compresses `file` into `output` with `program` (reading a pipe, as systemd-coredump streams). */
function compress(program: string, args: readonly string[], file: string, output: string): string {
  const input = openSync(file, "r");
  const out = openSync(output, "w");
  try {
    const result = spawnSync(program, args, { stdio: [input, out, "pipe"] });
    if (result.status !== 0) throw new Error(`${program} ${args.join(" ")} < ${file}: ${result.stderr.toString()}`);
  } finally {
    closeSync(input);
    closeSync(out);
  }
  return output;
}

/** The raw core compressed by each program, made once per run (xz takes seconds). */
const compressedOnce = new Map<string, Buffer>();
function compressedCore(core: string, program: string, args: readonly string[], output: string): string {
  const key = `${program} ${args.join(" ")}`;
  let bytes = compressedOnce.get(key);
  if (bytes === undefined) {
    bytes = readFileSync(compress(program, args, core, output));
    compressedOnce.set(key, bytes);
  } else writeFileSync(output, bytes);
  return output;
}

/** The --json report with the path the user gave taken out (it is the only field that differs). */
function report(core: string, env: Record<string, string>): unknown {
  const run = corestack(["core", core, "--json"], env);
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toBe("");
  const json = JSON.parse(run.stdout) as { source: { path: unknown } };
  expect(json.source.path).toBe(core);
  json.source.path = "CORE";
  return json;
}

describe.skipIf(python === undefined)("corestack core on compressed cores", () => {
  if (python === undefined) console.warn(`skipping compressed cores: ${skipReason("CPython 3.11 or 3.12")}`);
  let scratch = "";
  /** TMPDIR of every run: nothing may be left in it. */
  let temporary = "";
  let env: Record<string, string> = {};
  let raw: CoreCase;
  let expected: unknown;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "corestack-compressed-"));
    temporary = join(scratch, "tmp");
    mkdirSync(temporary);
    env = { TMPDIR: temporary };
    raw = await makeCore(python!, "threads");
    expected = report(raw.core, env);
  }, 300_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  const nothingLeft = (): void => expect(readdirSync(temporary)).toEqual([]);

  for (const { compression, program, args } of available) {
    it(`${compression} (made by ${program}): the same JSON as the raw core, nothing left in TMPDIR`, () => {
      const file = compressedCore(raw.core, program, args, join(scratch, `core.${compression}`));
      expect(report(file, env)).toEqual(expected);
      nothingLeft();
    });

    it(`${compression}: recognised by its bytes, not its name`, () => {
      const file = compressedCore(raw.core, program, args, join(scratch, `plain-name-${compression}`));
      expect(report(file, env)).toEqual(expected);
      nothingLeft();
    });

    it(`${compression}, truncated: one line, exit 3, nothing left`, () => {
      const whole = readFileSync(compressedCore(raw.core, program, args, join(scratch, `whole.${compression}`)));
      for (const fraction of [0.5, 0.99]) {
        const file = join(scratch, `truncated-${fraction}.${compression}`);
        writeFileSync(file, whole.subarray(0, Math.floor(whole.length * fraction)));
        const run = corestack(["core", file], env);
        expect(run.status, run.stderr).toBe(3);
        expect(run.stdout).toBe("");
        expect(expectOneErrorLine(run.stderr)).toMatch(
          new RegExp(`^${file.replaceAll(".", "\\.")} is a truncated ${compression} file: .*bytes were decompressed before it ended$`),
        );
      }
      nothingLeft();
    });
  }

  it("the fallback without O_TMPFILE (a name removed at once) gives the same JSON and leaves nothing", (context) => {
    const zstd = available.find((c) => c.compression === "zstd");
    if (!zstd) return context.skip("no zstd program");
    const file = compressedCore(raw.core, "zstd", zstd.args, join(scratch, "fallback.zst"));
    expect(report(file, { ...env, CORESTACK_TMPFILE: "named" })).toEqual(expected);
    const verbose = corestack(["core", file, "--json", "--verbose"], { ...env, CORESTACK_TMPFILE: "named" });
    expect(verbose.stderr).toContain("removed as soon as it was opened");
    expect(corestack(["core", file, "--json", "--verbose"], env).stderr).toContain("O_TMPFILE");
    nothingLeft();
  });

  it("the published bundle (dist/corestack.cjs) and the pread backend (CORESTACK_NO_MMAP=1) read them the same", () => {
    const bundle = join(CLI, "..", "corestack.cjs");
    for (const { compression, program, args } of available.filter((c) => c.compression === "gzip" || c.compression === "zstd")) {
      const file = compressedCore(raw.core, program, args, join(scratch, `bundle.${compression}`));
      // gzip runs in a worker evaluated from a string, zstd through the bundled fzstd.
      const run = spawnSync(process.execPath, [bundle, "core", file, "--json"], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
      expect(run.status, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout) as { source: { path: unknown } };
      json.source.path = "CORE";
      expect(json).toEqual(expected);
      expect(report(file, { ...env, CORESTACK_NO_MMAP: "1" })).toEqual(expected);
    }
    nothingLeft();
  });

  it("systemd-coredump's storage: a zstd stream (no content size) named core.COMM.UID.BOOT.PID.TIME.zst", (context) => {
    if (!installed("zstd")) return context.skip("no zstd program");
    const name = `core.python3\\x2e12.0.6d1c3c5b0e4f4bbf9b3b2d2f2a9c1e11.${raw.pid}.1733140800000000.zst`;
    const file = compress("zstd", ["-q", "-c", "-"], raw.core, join(scratch, name));
    // A frame written from a pipe does not say its size, as systemd's streaming writes.
    const header = readFileSync(file).subarray(0, 6);
    expect((header[4]! >> 6) & 3, "Frame_Content_Size_flag").toBe(0);
    expect(report(file, env)).toEqual(expected);
    nothingLeft();
  });

  it("corrupt data (a byte changed in the middle) is one line, exit 3", () => {
    for (const { compression, program, args } of available.filter((c) => c.compression !== "zstd")) {
      const bytes = readFileSync(compressedCore(raw.core, program, args, join(scratch, `corrupt.${compression}`)));
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle]! ^ 0x55;
      const file = join(scratch, `corrupt.${compression}`);
      writeFileSync(file, bytes);
      const run = corestack(["core", file], env);
      expect(run.status, run.stderr).toBe(3);
      expect(expectOneErrorLine(run.stderr)).toMatch(new RegExp(`is a (corrupt|truncated) ${compression} file: `));
    }
    nothingLeft();
  });

  it("a compressed file that is not a core, and a bzip2 core, are one line, exit 3", () => {
    const ls = compress("gzip", ["-c"], "/bin/ls", join(scratch, "ls.gz"));
    const run = corestack(["core", ls], env);
    expect(run.status).toBe(3);
    // An ELF file, so it reaches the core's parser, which says what it is.
    expect(expectOneErrorLine(run.stderr)).toBe(`${ls} is not a usable core file: Not a core file: ELF type is ET_DYN, not ET_CORE`);
    const text = join(scratch, "text");
    writeFileSync(text, "not a core\n".repeat(1000));
    const textGz = compress("gzip", ["-c"], text, join(scratch, "text.gz"));
    const notElf = corestack(["core", textGz], env);
    expect(notElf.status).toBe(3);
    expect(expectOneErrorLine(notElf.stderr)).toBe(`${textGz} is a gzip-compressed file, but not of a core: it does not decompress to an ELF file`);
    if (installed("bzip2")) {
      const bz = compress("bzip2", ["-c"], raw.core, join(scratch, "core.bz2"));
      const refused = corestack(["core", bz], env);
      expect(refused.status).toBe(3);
      expect(expectOneErrorLine(refused.stderr)).toBe(`${bz} is a bzip2-compressed file, which corestack does not decompress: bunzip2 it first`);
    }
    nothingLeft();
  });

  it("a core that decompresses to far more than its ELF headers describe is stopped", () => {
    // The real core, then 64 MiB of zeros its headers know nothing of.
    const padded = join(scratch, "padded");
    copyFileSync(raw.core, padded);
    const fd = openSync(padded, "r+");
    const size = readFileSync(raw.core).length;
    ftruncateSync(fd, size + (64 << 20));
    closeSync(fd);
    const file = compress("gzip", ["-c", "-1"], padded, join(scratch, "padded.gz"));
    const run = corestack(["core", file], env);
    expect(run.status, run.stderr).toBe(3);
    expect(expectOneErrorLine(run.stderr)).toMatch(/decompresses to more than the core its ELF headers describe \(\d+ bytes\): stopped after \d+ bytes$/);
    nothingLeft();
  });
});

/**
 * A zstd file of a core-shaped ELF file that decompresses to `gib` GiB, nearly all zeros: the
 * ELF header and one PT_LOAD that covers the rest. Slow enough to decompress to interrupt.
 */
function bigCompressedCore(directory: string, gib: number): string {
  const file = join(directory, "big-core");
  const fd = openSync(file, "w");
  const header = Buffer.alloc(64 + 56);
  header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  header.writeUInt16LE(4, 16); // ET_CORE
  header.writeUInt16LE(62, 18); // EM_X86_64
  header.writeUInt32LE(1, 20);
  header.writeBigUInt64LE(64n, 0x20); // e_phoff
  header.writeUInt16LE(64, 0x34);
  header.writeUInt16LE(56, 0x36);
  header.writeUInt16LE(1, 0x38);
  header.writeUInt32LE(1, 64); // PT_LOAD
  header.writeBigUInt64LE(4096n, 64 + 8); // p_offset
  header.writeBigUInt64LE(BigInt(gib) << 30n, 64 + 32); // p_filesz
  writeSync(fd, header);
  ftruncateSync(fd, 4096 + gib * 2 ** 30);
  // One non-zero byte every 32 MiB: the decompressed file grows while it is written (the zeros
  // between stay holes), which is how the SIGINT test below knows it is interrupting mid-way.
  for (let at = 32 << 20; at < gib * 2 ** 30; at += 32 << 20) writeSync(fd, Buffer.from([0xa5]), 0, 1, 4096 + at);
  closeSync(fd);
  return compress("zstd", ["-q", "-1", "-T2", "-c"], file, join(directory, "big-core.zst"));
}

/** The number of the descriptor of `pid` open on a file of `directory`. */
function descriptorNumber(pid: number, directory: string): string {
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${name}`).startsWith(directory)) return name;
    } catch {
      // closed meanwhile
    }
  }
  throw new Error(`no descriptor of ${pid} in ${directory}`);
}

/** Descriptors of `pid` whose target is in `directory`. */
function descriptorsIn(pid: number, directory: string): string[] {
  const found: string[] = [];
  try {
    for (const name of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${name}`);
        if (target.startsWith(directory)) found.push(target);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // the process is gone
  }
  return found;
}

describe.skipIf(!installed("zstd"))("decompressing a large core", () => {
  let scratch = "";
  let big = "";
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "corestack-big-compressed-"));
    big = bigCompressedCore(scratch, 3);
  }, 120_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (const mode of ["O_TMPFILE", "named"] as const) {
    it(`SIGINT while it decompresses (${mode}): the file it writes has no name, and nothing is left`, async () => {
      const temporary = mkdtempSync(join(scratch, "tmp-"));
      const child = spawn(process.execPath, [CLI, "core", big], {
        env: { ...process.env, TMPDIR: temporary, ...(mode === "named" ? { CORESTACK_TMPFILE: "named" } : {}) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("close", (code, signal) => resolve({ code, signal })),
      );
      // Wait until it writes its temporary file, then look at it and interrupt.
      let open: string[] = [];
      const deadline = Date.now() + 30_000;
      while (open.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        open = descriptorsIn(child.pid!, temporary);
      }
      expect(open, stderr).toHaveLength(1);
      expect(open[0]).toMatch(/ \(deleted\)$/);
      // Runs of zeros are holes: the file grows, its blocks do not (stat follows /proc's link to it).
      let grown = statSync(`/proc/${child.pid}/fd/${descriptorNumber(child.pid!, temporary)}`);
      for (let wait = 0; grown.size < 256 << 20 && wait < 200; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        grown = statSync(`/proc/${child.pid}/fd/${descriptorNumber(child.pid!, temporary)}`);
      }
      expect(grown.size).toBeGreaterThanOrEqual(256 << 20);
      expect(grown.blocks * 512).toBeLessThan(grown.size / 16);
      expect(readdirSync(temporary)).toEqual([]);
      child.kill("SIGINT");
      const { signal } = await exited;
      expect(signal, stderr).toBe("SIGINT");
      expect(readdirSync(temporary)).toEqual([]);
    }, 60_000);
  }

  it("streams: memory stays far below the core's size; no progress bar when stderr is not a terminal", (context) => {
    const temporary = mkdtempSync(join(scratch, "tmp-"));
    // GNU time's maximum resident set size, in KiB.
    const timed = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, CLI, "core", big, "--verbose"], {
      encoding: "utf8",
      env: { ...process.env, TMPDIR: temporary },
      timeout: 120_000,
    });
    if (timed.error) return context.skip(`cannot run /usr/bin/time: ${timed.error.message}`);
    const lines = timed.stderr.trim().split("\n");
    const maxKib = Number(lines.at(-1));
    expect(timed.stderr).toMatch(/decompressed .*big-core\.zst \(zstd, \d+ bytes\) to 3221229568 bytes/);
    // The core is not Python: exit 3 after decompressing all of it.
    expect(timed.status).toBe(3);
    expect(maxKib, timed.stderr).toBeLessThan(400 * 1024);
    expect(timed.stderr).not.toContain("\r");
    expectNoStackTrace(timed.stderr.split("\n").slice(0, -2).join("\n"));
  }, 120_000);

  it("a progress bar on stderr when it is a terminal", (context) => {
    if (!installed("script")) return context.skip("no script program (util-linux) for a terminal");
    const temporary = mkdtempSync(join(scratch, "tmp-"));
    const command = `${process.execPath} ${CLI} core ${big} 2>&1`;
    const run = spawnSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: { ...process.env, TMPDIR: temporary }, timeout: 120_000 });
    expect(run.stdout).toMatch(/\rdecompressing .*big-core\.zst \(zstd\) \[[#-]{24}\] +\d+% [\d.]+ MiB out, [\d.]+ MiB\/s/);
    // The bar is removed before the error line.
    expect(run.stdout).toMatch(/\r\x1b\[Kcorestack: /);
  }, 120_000);
});

import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { type Interpreter, REPO_ROOT, type Truth, getScenario, interpreterFromPath, makeCore } from "../../../tools/testing/cores.js";

/** A core of a Python whose files have moved since it ran. */
export interface RelocatedCore {
  /** The core file. */
  readonly core: string;
  readonly truth: Truth;
  readonly interpreter: Interpreter;
  /** Where the interpreter's tree was when it ran (gone now): its files' recorded paths start here. */
  readonly ranFrom: string;
  /** Where the tree is now (bin/, lib/). */
  readonly movedTo: string;
  /** `bin/python3.12` under each. */
  readonly executableName: string;
  /** `lib/libpython3.12.so.1.0` under each. */
  readonly libpythonName: string;
  /** How long making it took (0 when cached). */
  readonly ms: number;
}

/** Parts of the stdlib no scenario needs (tests, GUIs, the static library: ~230 MB of 3.12's 300). */
const SKIP = new Set(["test", "idlelib", "tkinter", "turtledemo", "ensurepip", "site-packages", "__pycache__", "lib2to3"]);

function fingerprint(file: string): string {
  const stat = statSync(file);
  return `${file}:${stat.size}:${stat.mtimeMs}`;
}

/**
 * Copies an interpreter's executable, libpython and stdlib to directory A, runs a scenario with A's
 * python (LD_LIBRARY_PATH=A/lib: pyenv's RUNPATH is the original absolute lib directory) until it
 * dumps core, then moves A to B. Cached under .cache/relocated/ by interpreter and scenario
 * sources: the first run copies ~60 MB and runs the scenario, later runs only read.
 * @param interpreter a CPython with a shared libpython under `<prefix>/lib`, run as `<prefix>/bin/…`.
 * @param scenarioName a crash scenario.
 * @returns the core, its truth, and the old and new places of the tree.
 */
export async function relocatedCore(interpreter: Interpreter, scenarioName: string): Promise<RelocatedCore> {
  if (!interpreter.libpython) throw new RangeError(`${interpreter.id} has no shared libpython`);
  const prefix = dirname(dirname(interpreter.executable));
  const libpythonName = relative(prefix, interpreter.libpython);
  const executableName = relative(prefix, interpreter.executable);
  if (libpythonName.startsWith("..") || executableName.startsWith("..")) {
    throw new RangeError(`${interpreter.id}: ${interpreter.libpython} is not under ${prefix}`);
  }
  const stdlib = join(prefix, "lib", `python${interpreter.major}.${interpreter.minor}`);
  const scenario = getScenario(scenarioName);
  const hash = createHash("sha256").update("relocated 1\n");
  for (const file of [interpreter.executable, interpreter.libpython]) hash.update(`${fingerprint(file)}\n`);
  for (const file of [scenario.file, join(dirname(scenario.file), "_truth.py")]) hash.update(readFileSync(file));
  const key = hash.digest("hex").slice(0, 12);
  const root = join(REPO_ROOT, ".cache", "relocated");
  const dir = join(root, `${interpreter.id}-${scenario.name}-${key}`);
  const read = (ms: number): RelocatedCore | undefined => {
    try {
      const done = JSON.parse(readFileSync(join(dir, "done.json"), "utf8")) as { ranFrom: string; interpreter: Interpreter };
      const core = join(dir, "case", "core");
      if (!existsSync(core)) return undefined;
      const truth = JSON.parse(readFileSync(join(dir, "case", "truth.json"), "utf8")) as Truth;
      return { core, truth, interpreter: done.interpreter, ranFrom: done.ranFrom, movedTo: join(dir, "B"), executableName, libpythonName, ms };
    } catch {
      return undefined;
    }
  };
  const cached = read(0);
  if (cached) return cached;
  // Published trees always have done.json: one without it was damaged by hand.
  if (existsSync(dir) && !existsSync(join(dir, "done.json"))) rmSync(dir, { recursive: true, force: true });

  const started = performance.now();
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, `.${basename(dir)}.tmp-`));
  const a = join(tmp, "A");
  const savedLibraryPath = process.env["LD_LIBRARY_PATH"];
  try {
    mkdirSync(join(a, "bin"), { recursive: true });
    cpSync(interpreter.executable, join(a, executableName));
    cpSync(interpreter.libpython, join(a, libpythonName));
    cpSync(stdlib, join(a, relative(prefix, stdlib)), {
      recursive: true,
      filter: (source) => !SKIP.has(basename(source)) && !basename(source).startsWith("config-"),
    });
    // The scenario's python, and the probe that describes it, load libpython from A.
    process.env["LD_LIBRARY_PATH"] = join(a, "lib");
    const moved = interpreterFromPath(join(a, executableName), { id: `relocated-${interpreter.version}`, source: "path" });
    if (moved.libpython !== join(a, libpythonName)) {
      throw new Error(`the copy in ${a} loaded ${moved.libpython}, not its own libpython: the relocation would prove nothing`);
    }
    await makeCore(moved, scenario, { outDir: join(tmp, "case") });
    renameSync(a, join(tmp, "B"));
    writeFileSync(join(tmp, "done.json"), `${JSON.stringify({ ranFrom: a, interpreter: moved }, null, 1)}\n`);
    try {
      renameSync(tmp, dir);
    } catch (error) {
      // Another test process published the same tree first: use theirs.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  } finally {
    if (savedLibraryPath === undefined) delete process.env["LD_LIBRARY_PATH"];
    else process.env["LD_LIBRARY_PATH"] = savedLibraryPath;
  }
  // Older copies of this tree (another interpreter build, older scenario sources) are garbage.
  for (const name of readdirSync(root)) {
    const older = name.startsWith(`${interpreter.id}-${scenario.name}-`) && name !== basename(dir);
    const abandoned = name.startsWith(`.${interpreter.id}-${scenario.name}-`) && Date.now() - statSync(join(root, name)).mtimeMs > 3_600_000;
    if (older || abandoned) rmSync(join(root, name), { recursive: true, force: true });
  }
  const made = read(performance.now() - started);
  if (!made) throw new Error(`${dir}: relocated core vanished right after it was made`);
  return made;
}

// @ts-check
// CPython as users really have it, for corestack's tests: interpreters whose symbol tables were
// stripped, and programs that embed CPython (not `python`: an application linking libpython).
// Each is built once into the core cache (<cache>/variants/<id>-<key>/) and described as an
// Interpreter (core_maker.mjs's interpreterFromPath()), so that makeCore() runs scenarios under it
// like under any interpreter. Checked JavaScript (JSDoc types); see tools/testing/README.md.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { CoreUnavailableError, cacheRoot, interpreterFromPath } from "./core_maker.mjs";
import { which } from "./_which.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EMBED_SOURCE = path.join(HERE, "native", "embed_python.c");
/** Bump when a change here changes what is built. */
const VARIANTS_VERSION = 1;
/** Bump when a change to hiddenRuntimeInterpreter() changes what it builds. */
const HIDDEN_RUNTIME_VERSION = 2;

/** @typedef {import("./core_maker.mjs").Interpreter} Interpreter */

/**
 * A stripped copy of an interpreter with a shared libpython (strippedInterpreter()).
 * @typedef {object} StrippedInterpreter
 * @property {Interpreter} interpreter The copy, as makeCore() takes it (id "stripped-<original id>").
 * @property {string} executable The copy's bin/pythonX.Y, without .symtab.
 * @property {string} libpython The copy's libpython, without .symtab.
 * @property {<T>(action: () => T) => T} run Runs `action` (makeCore()) with LD_LIBRARY_PATH at the copy's lib/, so
 *   that the copy's libpython is the one loaded.
 */

/**
 * A copy of an interpreter that gives no path to its runtime (hiddenRuntimeInterpreter()).
 * @typedef {object} HiddenRuntimeInterpreter
 * @property {Interpreter} interpreter The copy, as makeCore() takes it (id "hidden-runtime-<original id>").
 * @property {string} executable The copy's bin/pythonX.Y: stripped, without section headers.
 * @property {string | null} libpython The copy's libpython (the same treatment), or null for an interpreter that links
 *   it statically.
 * @property {<T>(action: () => T) => T} run Runs `action` (makeCore()) with LD_LIBRARY_PATH at the copy's lib/ when it
 *   has a libpython.
 */

/**
 * A program that embeds CPython (embeddedInterpreter()).
 * @typedef {object} EmbeddedProgram
 * @property {Interpreter} interpreter The program, as makeCore() takes it (id "embedded-<original id>", "-stripped"
 *   when stripped).
 * @property {string} program The program: `host_app`, not `python`.
 * @property {"shared" | "static"} linkage "shared": links libpython.so; "static": holds the runtime itself.
 * @property {boolean} stripped Every symbol table of the program was removed.
 */

/** @param {string} file */
function stamp(file) {
  const stat = fs.statSync(file);
  return `${file}:${stat.size}:${stat.mtimeMs}`;
}

/**
 * Runs a program; throws with its output when it fails.
 * @param {string} program @param {string[]} args
 */
function run(program, args) {
  const result = spawnSync(program, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    throw new Error(
      `${program} ${args.join(" ")} failed (${result.error?.message ?? `exit ${result.status}`}):\n${`${result.stdout}${result.stderr}`.trim().split("\n").slice(-20).join("\n")}`,
    );
  }
  return result;
}

/** Whether an ELF file has a .symtab section (readelf -S). @param {string} file */
export function hasSymtab(file) {
  return /\s\.symtab\s/.test(run("readelf", ["-S", "-W", file]).stdout);
}

/**
 * Builds `dir` with build(tmp) in a sibling temporary directory, renamed into place; an existing
 * `dir` (with its done marker) is used as it is.
 * @param {string} dir @param {(tmp: string) => void} build
 */
function publish(dir, build) {
  if (fs.existsSync(path.join(dir, "done"))) return;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    build(tmp);
    fs.writeFileSync(path.join(tmp, "done"), "");
    try {
      fs.renameSync(tmp, dir);
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (error) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Runs `action` with LD_LIBRARY_PATH set to `libraryPath` (the scenario and the probe inherit it).
 * @template T @param {string} libraryPath @param {() => T} action @returns {T}
 */
function withLibraryPath(libraryPath, action) {
  const saved = process.env["LD_LIBRARY_PATH"];
  process.env["LD_LIBRARY_PATH"] = libraryPath;
  const restore = () => {
    if (saved === undefined) delete process.env["LD_LIBRARY_PATH"];
    else process.env["LD_LIBRARY_PATH"] = saved;
  };
  try {
    const result = action();
    if (result instanceof Promise) return /** @type {T} */ (/** @type {unknown} */ (result.finally(restore)));
    restore();
    return result;
  } catch (error) {
    restore();
    throw error;
  }
}

/**
 * A copy of a pyenv-style interpreter (bin/pythonX.Y and its shared libpython) with every symbol
 * table removed (`strip --strip-all`: no .symtab, no debug info; .dynsym stays, the dynamic linker
 * needs it). The standard library is a symbolic link to the original's. Runs with
 * LD_LIBRARY_PATH pointing at the copy's lib/ (pyenv's RUNPATH names the original), which
 * `run()` of the returned object sets around makeCore().
 *
 * @param {Interpreter} interpreter a CPython with a shared libpython.
 * @returns {StrippedInterpreter}
 */
export function strippedInterpreter(interpreter) {
  if (!interpreter.libpython) throw new RangeError(`${interpreter.id} has no shared libpython to strip beside its executable`);
  const strip = which("strip");
  if (!strip) throw new CoreUnavailableError("strip", "strip (binutils) is not installed: cannot make stripped interpreters");
  const prefix = path.dirname(path.dirname(interpreter.executable));
  const minor = `${interpreter.major}.${interpreter.minor}`;
  const key = createHash("sha256")
    .update(`stripped ${VARIANTS_VERSION}\n${stamp(interpreter.executable)}\n${stamp(interpreter.libpython)}\n`)
    .digest("hex")
    .slice(0, 12);
  const dir = path.join(cacheRoot(), "variants", `stripped-${interpreter.id}-${key}`);
  const executableName = path.basename(interpreter.executable);
  const libpythonName = path.basename(interpreter.libpython);
  publish(dir, (tmp) => {
    fs.mkdirSync(path.join(tmp, "bin"));
    fs.mkdirSync(path.join(tmp, "lib"));
    fs.copyFileSync(interpreter.executable, path.join(tmp, "bin", executableName));
    // The soname the executable asks for (libpython3.12.so.1.0), whatever the real file's name.
    fs.copyFileSync(/** @type {string} */ (interpreter.libpython), path.join(tmp, "lib", libpythonName)); // checked above
    fs.symlinkSync(path.join(prefix, "lib", `python${minor}`), path.join(tmp, "lib", `python${minor}`));
    run(strip, ["--strip-all", path.join(tmp, "bin", executableName), path.join(tmp, "lib", libpythonName)]);
  });
  const executable = path.join(dir, "bin", executableName);
  const libpython = path.join(dir, "lib", libpythonName);
  const libraryPath = path.join(dir, "lib");
  const described = withLibraryPath(libraryPath, () => interpreterFromPath(executable, { id: `stripped-${interpreter.id}`, source: "path" }));
  if (described.libpython !== libpython) {
    throw new Error(`the stripped copy ${executable} loaded ${described.libpython}, not ${libpython}: the test would prove nothing`);
  }
  return {
    interpreter: described,
    executable,
    libpython,
    run: (action) => withLibraryPath(libraryPath, action),
  };
}

/**
 * Removes an ELF file's section header table in place (what `sstrip` does): `e_shoff`, `e_shnum`
 * and `e_shstrndx` set to 0. The kernel and the dynamic linker read only the program headers
 * (`PT_LOAD`, `PT_DYNAMIC`: the dynamic symbol table through `DT_SYMTAB`/`DT_GNU_HASH`), so the
 * program still runs; every section is gone for a reader that finds them by their headers.
 * @param {string} file an ELF64 little-endian file.
 */
export function dropSectionHeaders(file) {
  const fd = fs.openSync(file, "r+");
  try {
    const header = Buffer.alloc(64);
    fs.readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) throw new RangeError(`${file} is not an ELF64 little-endian file`);
    header.writeBigUInt64LE(0n, 0x28); // e_shoff
    header.writeUInt16LE(0, 0x3c); // e_shnum
    header.writeUInt16LE(0, 0x3e); // e_shstrndx
    fs.writeSync(fd, header, 0, 64, 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether an ELF file still has a section header table. @param {string} file */
export function hasSectionHeaders(file) {
  const header = Buffer.alloc(64);
  const fd = fs.openSync(file, "r");
  try {
    fs.readSync(fd, header, 0, 64, 0);
  } finally {
    fs.closeSync(fd);
  }
  return header.readBigUInt64LE(0x28) !== 0n && header.readUInt16LE(0x3c) !== 0;
}

/**
 * A copy of an interpreter (its bin/pythonX.Y, and its shared libpython when it has one) that
 * gives no path to the Python runtime: `strip --strip-all` (no `.symtab`; a file without one is left as
 * it is), then the section header table dropped (dropSectionHeaders()). Renaming `.PyRuntime` with objcopy is not enough: the
 * runtime's symbols (`_PyRuntime` 3.7+, `_PyThreadState_Current` before) are exported in
 * `.dynsym`, which the dynamic linker needs by name (extension modules such as `_json` and
 * `math` import `_PyRuntime`), so a runnable copy keeps them. Without section headers, neither
 * `.symtab`, `.dynsym`, `.PyRuntime` nor `.data`/`.bss` can be found, while the process runs as
 * before: the cores are of the doctored copy itself. The version is left in the file names
 * (libpython3.12.so.1.0, python3.12) and in memory. The standard library is a symbolic link to
 * the original's; `run()` sets LD_LIBRARY_PATH for a shared libpython, as strippedInterpreter().
 *
 * @param {Interpreter} interpreter
 * @returns {HiddenRuntimeInterpreter}
 */
export function hiddenRuntimeInterpreter(interpreter) {
  const strip = which("strip");
  if (!strip) throw new CoreUnavailableError("strip", "strip (binutils) is not installed: cannot make interpreters without a runtime symbol");
  const prefix = path.dirname(path.dirname(interpreter.executable));
  const minor = `${interpreter.major}.${interpreter.minor}`;
  const key = createHash("sha256")
    .update(
      `hidden-runtime ${VARIANTS_VERSION} ${HIDDEN_RUNTIME_VERSION}\n${stamp(interpreter.executable)}\n${interpreter.libpython ? stamp(interpreter.libpython) : ""}\n`,
    )
    .digest("hex")
    .slice(0, 12);
  const id = `hidden-runtime-${interpreter.id}`;
  const dir = path.join(cacheRoot(), "variants", `${id}-${key}`);
  const executableName = path.basename(interpreter.executable);
  const libpythonName = interpreter.libpython ? path.basename(interpreter.libpython) : undefined;
  publish(dir, (tmp) => {
    fs.mkdirSync(path.join(tmp, "bin"));
    fs.mkdirSync(path.join(tmp, "lib"));
    const files = [path.join(tmp, "bin", executableName)];
    fs.copyFileSync(interpreter.executable, /** @type {string} */ (files[0]));
    if (interpreter.libpython && libpythonName) {
      files.push(path.join(tmp, "lib", libpythonName));
      fs.copyFileSync(interpreter.libpython, /** @type {string} */ (files[1])); // just pushed
    }
    fs.symlinkSync(path.join(prefix, "lib", `python${minor}`), path.join(tmp, "lib", `python${minor}`));
    // Not Debian's builds: debian_pythons.mjs patchelf'ed them, and strip's rewrite of such a file
    // crashes when run (the release build has no .symtab anyway; the -dbg build's is unreachable
    // once the section headers are gone).
    const unstripped = interpreter.source === "debian" ? [] : files.filter((file) => hasSymtab(file));
    if (unstripped.length > 0) run(strip, ["--strip-all", ...unstripped]);
    for (const file of files) dropSectionHeaders(file);
  });
  const executable = path.join(dir, "bin", executableName);
  const libpython = libpythonName ? path.join(dir, "lib", libpythonName) : null;
  const libraryPath = path.join(dir, "lib");
  /** @type {<T>(action: () => T) => T} */
  const within = (action) => (libpython ? withLibraryPath(libraryPath, action) : action());
  const described = within(() => interpreterFromPath(executable, { id, source: "path" }));
  if (described.libpython !== libpython) {
    throw new Error(`the doctored copy ${executable} loaded ${described.libpython}, not ${libpython}: the test would prove nothing`);
  }
  return {
    interpreter: described,
    executable,
    libpython,
    run: (action) => (libpython ? withLibraryPath(libraryPath, action) : action()),
  };
}

/**
 * Compiler and linker arguments to embed `interpreter`: its pythonX.Y-config for a build with a
 * shared libpython (pyenv), or, for Debian's builds provided by debian_pythons.mjs (static
 * libpython, their own glibc), the static library linked against that glibc.
 * @param {Interpreter} interpreter
 * @returns {{ args: string[]; linkage: "shared" | "static"; home: string }}
 */
function embedArguments(interpreter) {
  const minor = `${interpreter.major}.${interpreter.minor}`;
  const prefix = path.dirname(path.dirname(interpreter.executable));
  if (interpreter.libpython) {
    const config = path.join(prefix, "bin", `python${minor}-config`);
    if (!fs.existsSync(config)) throw new CoreUnavailableError("python-config", `${interpreter.id} has no ${config}: cannot embed it`);
    const embed = interpreter.major > 3 || (interpreter.major === 3 && interpreter.minor >= 8) ? ["--embed"] : [];
    const flags = (/** @type {string[]} */ ...options) => run(config, options).stdout.trim().split(/\s+/).filter(Boolean);
    return {
      args: [
        ...flags("--includes"),
        ...flags("--ldflags", ...embed),
        ...(embed.length ? [] : flags("--libs")),
        `-Wl,-rpath,${path.dirname(interpreter.libpython)}`,
      ],
      linkage: "shared",
      home: prefix,
    };
  }
  const archive = path.join(prefix, "lib", `python${minor}`, `config-${minor}-x86_64-linux-gnu`, `libpython${minor}.a`);
  const libraries = path.join(prefix, "lib", "x86_64-linux-gnu");
  if (!fs.existsSync(archive) || !fs.existsSync(path.join(libraries, "libc.so.6"))) {
    throw new CoreUnavailableError("python-config", `${interpreter.id} has no static ${archive} with its own glibc: cannot embed it`);
  }
  // The archive was compiled against its distribution's newer glibc: link against that one (the
  // files themselves: the build has no libc6-dev), and run with its dynamic linker.
  const needed = run("readelf", ["-d", interpreter.executable])
    .stdout.split("\n")
    .map((line) => /\(NEEDED\)\s+Shared library: \[(.+)\]/.exec(line)?.[1])
    .filter((name) => name !== undefined && fs.existsSync(path.join(libraries, name)))
    .map((name) => path.join(libraries, /** @type {string} */ (name)));
  return {
    args: [
      `-I${path.join(prefix, "include", `python${minor}`)}`,
      `-I${path.join(prefix, "include")}`,
      archive,
      ...needed,
      path.join(libraries, "ld-linux-x86-64.so.2"),
      `-Wl,--dynamic-linker=${path.join(libraries, "ld-linux-x86-64.so.2")}`,
      `-Wl,-rpath,${libraries}`,
      "-no-pie",
    ],
    linkage: "static",
    home: prefix,
  };
}

/**
 * A C program that embeds `interpreter` (tools/testing/native/embed_python.c: `host_app SCRIPT`
 * runs the scenario from C; `host_app -c CODE` answers the probe), linked with its shared
 * libpython, or with its static one for Debian's builds; with `strip: true`, every symbol table
 * of the program is removed too (a static build keeps no symbol at all then: only the .PyRuntime
 * section and, on 3.13+, _Py_DebugOffsets lead to the runtime).
 *
 * @param {Interpreter} interpreter
 * @param {{ readonly strip?: boolean }} [options]
 * @returns {EmbeddedProgram}
 */
export function embeddedInterpreter(interpreter, options = {}) {
  const gcc = which("gcc") ?? which("cc");
  if (!gcc) throw new CoreUnavailableError("gcc", "gcc is not installed: cannot build the embedding program");
  const strip = Boolean(options.strip);
  const { args, linkage, home } = embedArguments(interpreter);
  const key = createHash("sha256")
    .update(`embedded ${VARIANTS_VERSION} ${strip}\n${stamp(interpreter.executable)}\n${interpreter.libpython ? stamp(interpreter.libpython) : ""}\n`)
    .update(fs.readFileSync(EMBED_SOURCE))
    .digest("hex")
    .slice(0, 12);
  const id = `embedded-${interpreter.id}${strip ? "-stripped" : ""}`;
  const dir = path.join(cacheRoot(), "variants", `${id}-${key}`);
  const program = path.join(dir, "host_app");
  publish(dir, (tmp) => {
    const output = path.join(tmp, "host_app");
    const compile = (/** @type {string[]} */ extra) =>
      spawnSync(gcc, ["-O1", "-g", "-o", output, EMBED_SOURCE, ...extra, `-DEMBED_HOME="${home}"`, ...args, "-lm"], { encoding: "utf8", maxBuffer: 64 << 20 });
    let built = compile([]);
    if (built.status !== 0 && linkage === "static") {
      // Debian links HACL* (hashlib's primitives) from a library it does not ship: stand-ins that
      // abort, for functions no scenario calls.
      const missing = [...new Set([...built.stderr.matchAll(/undefined reference to `(_Py_LibHacl_\w+)'/g)].map((match) => match[1]))];
      if (missing.length > 0) {
        const stubs = path.join(tmp, "hacl_stubs.c");
        fs.writeFileSync(stubs, `#include <stdlib.h>\n${missing.map((name) => `void ${name}(void) { abort(); }\n`).join("")}`);
        built = compile([stubs]);
      }
    }
    if (built.status !== 0)
      throw new Error(`gcc could not build ${EMBED_SOURCE} for ${interpreter.id}:\n${built.stderr.trim().split("\n").slice(-20).join("\n")}`);
    if (strip) {
      const stripProgram = which("strip");
      if (!stripProgram) throw new CoreUnavailableError("strip", "strip (binutils) is not installed");
      run(stripProgram, ["--strip-all", output]);
    }
  });
  return { interpreter: interpreterFromPath(program, { id, source: "path" }), program, linkage, stripped: strip };
}

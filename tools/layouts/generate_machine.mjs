#!/usr/bin/env node
// @ts-check
// Generates packages/cpython-layouts/src/machines.ts: the layout values that another machine's
// CPython build lays out otherwise than x86-64's, per machine and version, probed from that
// machine's own build.
//
//   node tools/layouts/generate_machine.mjs           # write machines.ts
//   node tools/layouts/generate_machine.mjs --check   # compare with the committed file, write nothing
//
// The tables (vX_Y.ts) are probed on x86-64. Both x86-64 and aarch64 are LP64, but glibc's
// pthread_mutex_t is 40 bytes on one and 48 on the other, and CPython 3.11's _gil_runtime_state
// (inside _PyRuntimeState) holds two of them: everything after it moves. So, for each machine and
// version it can run:
//   1. the same probe generate.mjs writes is compiled twice from one Debian source version: for
//      this machine against its own headers (/usr/bin/python3.11 and python3.11-dev), and for
//      aarch64 with Debian's cross compiler against the arm64 libpython3.11-dev headers
//      (tools/testing/arm64_python.mjs --toolchain provides both, and qemu-aarch64-static), run
//      under qemu;
//   2. the two layouts (with their reading models) are compared key by key: what differs is the
//      machine's, since the CPython source is the same;
//   3. machines.ts lists those values; layoutFor(major, minor, { machine }) applies them to the
//      table of the version.
// Only aarch64 3.11 (Debian 12's python3.11) is probed today; another machine or version is added
// to TARGETS with the interpreters that describe it.

import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { provideArm64Toolchain } from "../testing/arm64_python.mjs";
import { OUT_DIR, describeInterpreter, runProbe, toLayout } from "./generate.mjs";

const FILE = join(OUT_DIR, "machines.ts");

/** Keys that say where a layout came from, not how a struct is laid out. */
const OWN_KEYS = new Set(["source"]);

/**
 * The values of `other` that differ from `base`, as a nested object of the same shape; undefined
 * when none does. A key of one only is a difference too (the probes list the same fields, so none
 * should be).
 * @param {unknown} base @param {unknown} other
 * @returns {unknown}
 */
export function differences(base, other) {
  if (typeof base !== "object" || base === null || typeof other !== "object" || other === null || Array.isArray(base) !== Array.isArray(other)) {
    return Object.is(base, other) ? undefined : other;
  }
  if (Array.isArray(base)) return JSON.stringify(base) === JSON.stringify(other) ? undefined : other;
  /** @type {Record<string, unknown>} */
  const result = {};
  const a = /** @type {Record<string, unknown>} */ (base);
  const b = /** @type {Record<string, unknown>} */ (other);
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (OWN_KEYS.has(key)) continue;
    if (!(key in b)) throw new Error(`${key} is in the x86-64 layout but not in the other machine's: the probes differ`);
    const difference = differences(a[key], b[key]);
    if (difference !== undefined) result[key] = difference;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** @param {unknown} value @param {string} indent @returns {string} */
function render(value, indent) {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  const entries = Object.entries(value).map(([key, item]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)}: ${render(item, inner)},`);
  return `{\n${entries.join("\n")}\n${indent}}`;
}

/**
 * The machines and versions probed, each with the two interpreters that describe it.
 * @returns {Promise<{ machine: string; version: string; host: { python: string }; other: { python: string; launcher: string[]; cc: string; env: NodeJS.ProcessEnv; compileArgs: string[]; describe: string } }[]>}
 */
async function targets() {
  const { python, toolchain } = await provideArm64Toolchain();
  const host = `/usr/bin/python${python.minor}`;
  if (!existsSync(host))
    throw new Error(`${host} is missing: the x86-64 side of the comparison is this machine's Debian python${python.minor} (with python${python.minor}-dev)`);
  return [
    {
      machine: "aarch64",
      version: python.minor,
      host: { python: host },
      other: {
        python: python.python,
        launcher: [python.qemu, "-L", python.root],
        cc: toolchain.gcc,
        env: { ...process.env, LD_LIBRARY_PATH: toolchain.libraryPath },
        compileArgs: ["-static"],
        describe: `Debian's arm64 CPython ${python.version} headers (${python.debianVersion}), compiled by aarch64-linux-gnu-gcc-12 and run under ${python.qemuVersion}`,
      },
    },
  ];
}

async function main() {
  const check = process.argv.includes("--check");
  /** @type {Record<string, Record<string, unknown>>} */
  const machines = {};
  const sources = [];
  for (const target of await targets()) {
    const hostInterpreter = await describeInterpreter(target.host.python);
    const hostLayout = toLayout(hostInterpreter, await runProbe(hostInterpreter));
    const otherInterpreter = await describeInterpreter(target.other.python, { launcher: target.other.launcher });
    const otherLayout = toLayout(otherInterpreter, await runProbe(otherInterpreter, target.other));
    const { major, minor, micro } = hostInterpreter.version;
    const other = otherInterpreter.version;
    if (major !== other.major || minor !== other.minor || micro !== other.micro) {
      throw new Error(
        `${target.host.python} is ${major}.${minor}.${micro}, ${target.other.python} ${other.major}.${other.minor}.${other.micro}: compare one source version`,
      );
    }
    (machines[target.machine] ??= {})[target.version] = differences(hostLayout, otherLayout) ?? {};
    sources.push(`${target.machine} ${target.version}: ${target.other.describe}, against this machine's ${target.host.python} (${major}.${minor}.${micro})`);
  }
  const text = [
    "// generated by tools/layouts/generate_machine.mjs — do not edit by hand.",
    ...sources.map((source) => `// ${source}.`),
    "",
    "/**",
    " * The layout values another machine's CPython build lays out otherwise than x86-64's (whose",
    " * headers the tables are probed from), per machine (`uname -m`) and `major.minor`: each struct",
    " * group and reading model that differs, with only the values that differ. Probed from both",
    " * machines' builds of one CPython source version, so what differs is the machine's (glibc's",
    " * pthread_mutex_t is 40 bytes on x86-64 and 48 on aarch64). A machine or version missing here",
    " * was not probed: its builds may still differ.",
    " */",
    `export const machineLayoutDifferences: Readonly<Record<string, Readonly<Record<string, object>>>> = ${render(machines, "")};`,
    "",
  ].join("\n");
  const old = existsSync(FILE) ? await readFile(FILE, "utf8") : undefined;
  const name = relative(process.cwd(), FILE);
  if (old === text) console.log(`${name}: up to date`);
  else if (check) {
    console.log(`${name}: differs from what the probes give`);
    process.exitCode = 1;
  } else {
    await writeFile(FILE, text);
    console.log(`${name}: ${old === undefined ? "created" : "updated"}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

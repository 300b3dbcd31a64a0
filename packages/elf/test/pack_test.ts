// @corestack/elf on its own: the packed tarball installs with plain npm into an empty project,
// brings no dependencies, ships no tests, and reads /bin/ls's dynamic symbols as readelf does.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseReadelf, readelfAvailable, runReadelf } from "./_readelf.js";

const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(PACKAGE, "..", "..");
const tools = { pnpm: spawnSync("pnpm", ["--version"]).status === 0, npm: spawnSync("npm", ["--version"]).status === 0 };
const runnable = tools.pnpm && tools.npm && existsSync("/bin/ls");
if (!runnable) console.warn(`Skipping the packed-package test: needs pnpm (${tools.pnpm}), npm (${tools.npm}) and /bin/ls`);

describe.skipIf(!runnable)("@corestack/elf as a packed, installed package", () => {
  let work: string;
  let tarball: string;
  let listing: string[];
  let project: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "corestack-elf-pack-"));
    // `pnpm test` builds first. Build here only when dist is missing (a lone run of this file):
    // rebuilding under other tests that run the CLI from dist could let them see half-written files.
    if (!existsSync(join(PACKAGE, "dist", "mod.js"))) {
      const tsc = join(ROOT, "node_modules", ".bin", "tsc");
      execFileSync(existsSync(tsc) ? tsc : "npx", existsSync(tsc) ? ["-b"] : ["tsc", "-b"], { cwd: PACKAGE, stdio: "pipe" });
    }
    expect(existsSync(join(PACKAGE, "dist", "mod.js"))).toBe(true);
    execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: PACKAGE, stdio: "pipe", encoding: "utf8" });
    const packed = readdirSync(work).filter((name) => name.endsWith(".tgz"));
    expect(packed).toHaveLength(1);
    tarball = join(work, packed[0]!);
    listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");

    project = join(work, "consumer");
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
    execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--offline", "--no-package-lock"], {
      cwd: project,
      stdio: "pipe",
      encoding: "utf8",
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the tarball holds dist and package.json, and no tests", () => {
    expect(listing).toContain("package/package.json");
    expect(listing).toContain("package/dist/mod.js");
    expect(listing).toContain("package/dist/mod.d.ts");
    expect(listing.filter((path) => /_test|test\//.test(path))).toEqual([]);
    // Sources ship for the declaration maps and the "@corestack/source" condition; tests do not.
    expect(listing).toContain("package/src/mod.ts");
  });

  it("installs with no dependencies: node_modules holds only @corestack/elf", () => {
    const installed = JSON.parse(readFileSync(join(project, "node_modules", "@corestack", "elf", "package.json"), "utf8")) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    expect(installed.name).toBe("@corestack/elf");
    expect(Object.keys(installed.dependencies ?? {})).toEqual([]);
    expect(Object.keys(installed.peerDependencies ?? {})).toEqual([]);
    expect(Object.keys(installed.optionalDependencies ?? {})).toEqual([]);
    const top = readdirSync(join(project, "node_modules")).filter((name) => !name.startsWith("."));
    expect(top).toEqual(["@corestack"]);
    expect(readdirSync(join(project, "node_modules", "@corestack"))).toEqual(["elf"]);
  });

  it.skipIf(!readelfAvailable())("an ESM script lists /bin/ls's dynamic symbols as readelf --dyn-syms does", () => {
    const script = join(project, "list.mjs");
    writeFileSync(
      script,
      [
        'import { readFileSync } from "node:fs";',
        'import { ElfFile, ElfSymbols, bufferSource } from "@corestack/elf";',
        'const elf = new ElfFile(bufferSource(readFileSync("/bin/ls")));',
        "const dynsym = ElfSymbols.of(elf).dynsym;",
        "process.stdout.write(JSON.stringify([...dynsym].map((symbol) => symbol.name)));",
      ].join("\n"),
    );
    const names = JSON.parse(execFileSync(process.execPath, [script], { cwd: project, encoding: "utf8" })) as string[];
    const expected = parseReadelf(runReadelf("/bin/ls", ["--dyn-syms"])).symbolTables.get(".dynsym")!;
    expect(expected.count).toBeGreaterThan(50);
    expect(names).toEqual(expected.symbols.map((symbol) => symbol.name));
    expect(names).toContain("malloc");
  });
});

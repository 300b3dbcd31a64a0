// findDebugFile() on a real program split the way distributions split them (gcc, objcopy
// --only-keep-debug, strip, --add-gnu-debuglink), with the debug file placed where gdb's
// debug-file-directory search finds it: the build-id tree, DIR/<link>, DIR/<directory>/<link>.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ElfFile, buildId, buildIdHex } from "@corestack/elf";
import { openFile } from "@corestack/mmap";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findDebugFile } from "./debug_file.js";

const tools = ["gcc", "objcopy", "strip"].filter((tool) => spawnSync(tool, ["--version"]).status !== 0);

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
}

describe.skipIf(tools.length > 0)(`findDebugFile() with debug directories${tools.length > 0 ? ` (missing: ${tools.join(", ")})` : ""}`, () => {
  let root = "";
  let program = "";
  let debug = "";
  let id = "";
  let elf: ElfFile;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "corestack-debug-file-"));
    const build = join(root, "build");
    mkdirSync(build);
    writeFileSync(join(build, "p.c"), "int work(int x) { return x * 3; }\nint main(int argc, char **argv) { return work(argc); }\n");
    run("gcc", ["-g", "-O1", "-Wl,--build-id", "-o", "p", "p.c"], build);
    run("objcopy", ["--only-keep-debug", "p", "p.debug"], build);
    run("strip", ["--strip-all", "p"], build);
    run("objcopy", ["--add-gnu-debuglink=p.debug", "p"], build);
    // The stripped program elsewhere, without its debug file beside it.
    mkdirSync(join(root, "bin"));
    program = join(root, "bin", "p");
    copyFileSync(join(build, "p"), program);
    debug = join(build, "p.debug");
    elf = new ElfFile(openFile(program));
    id = buildIdHex(buildId(elf)!);
  });
  afterAll(() => {
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  it("finds nothing when no directory holds the debug file", () => {
    const found = findDebugFile(elf, program, { open: openFile, debugDirectories: [join(root, "empty")] });
    expect(found.file).toBeUndefined();
    expect(found.tried).toContain(join(root, "empty", ".build-id", id.slice(0, 2), `${id.slice(2)}.debug`));
    expect(found.tried).toContain(join(root, "empty", "p.debug"));
    expect(found.tried).toContain(join(root, "empty", root, "bin", "p.debug"));
  });

  it("finds it by build-id under DIR/.build-id/xx/rest.debug", () => {
    const directory = join(root, "by-id");
    mkdirSync(join(directory, ".build-id", id.slice(0, 2)), { recursive: true });
    copyFileSync(debug, join(directory, ".build-id", id.slice(0, 2), `${id.slice(2)}.debug`));
    const found = findDebugFile(elf, program, { open: openFile, debugDirectories: [join(root, "empty"), directory] });
    expect(found.file?.how).toBe("build-id");
    expect(found.file?.path).toBe(join(directory, ".build-id", id.slice(0, 2), `${id.slice(2)}.debug`));
  });

  it("finds it by its .gnu_debuglink name directly under DIR", () => {
    const directory = join(root, "flat");
    mkdirSync(directory);
    copyFileSync(debug, join(directory, "p.debug"));
    const found = findDebugFile(elf, program, { open: openFile, debugDirectories: [directory] });
    expect(found.file).toMatchObject({ how: "debuglink", path: join(directory, "p.debug") });
  });

  it("finds it by its .gnu_debuglink name under DIR/<directory of the program>", () => {
    const directory = join(root, "tree");
    mkdirSync(join(directory, root, "bin"), { recursive: true });
    copyFileSync(debug, join(directory, root, "bin", "p.debug"));
    const found = findDebugFile(elf, program, { open: openFile, debugDirectories: [directory] });
    expect(found.file).toMatchObject({ how: "debuglink", path: join(directory, root, "bin", "p.debug") });
  });

  it("refuses a file of that name from another build", () => {
    const directory = join(root, "wrong");
    mkdirSync(directory);
    writeFileSync(join(directory, "q.c"), "int main(void) { return 7; }\n");
    run("gcc", ["-g", "-Wl,--build-id", "-o", "p.debug", "q.c"], directory);
    const found = findDebugFile(elf, program, { open: openFile, debugDirectories: [directory] });
    expect(found.file).toBeUndefined();
    expect(found.tried.some((tried) => tried.startsWith(join(directory, "p.debug")) && /build-id/.test(tried))).toBe(true);
  });
});

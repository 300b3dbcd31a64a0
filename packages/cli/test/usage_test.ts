import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corestack } from "./_cli.js";
import { expectNoStackTrace, expectOneErrorLine } from "./_expect_output.js";

const packageVersion = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("corestack --help and --version", () => {
  for (const flag of ["--help", "-h"]) {
    it(`${flag} prints the usage on stdout, every exit code 0–4 and every option, and exits 0`, () => {
      const { status, stdout, stderr } = corestack([flag]);
      expect(status).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toMatch(/^Usage: corestack core /);
      const codes = stdout.slice(stdout.indexOf("Exit codes:"));
      for (const code of [0, 1, 2, 3, 4]) expect(codes, `exit code ${code}`).toMatch(new RegExp(`^\\s+${code}\\s+\\S`, "m"));
      for (const option of [
        "--json",
        "--native",
        "--native-all",
        "--native-last",
        "--debug-dir",
        "--lib-search-path",
        "--lib-search-root",
        "--color",
        "--no-color",
        "--verbose",
        "--help",
        "--version",
      ]) {
        expect(stdout, option).toMatch(new RegExp(`^\\s+(?:-\\w, )?${option}\\b`, "m"));
      }
    });
  }

  it("--help wins over a command and its arguments", () => {
    const { status, stdout } = corestack(["core", "/nonexistent/core", "--help"]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: /);
  });

  for (const flag of ["--version", "-V"]) {
    it(`${flag} prints "corestack <the package version>" and exits 0`, () => {
      const { status, stdout, stderr } = corestack([flag]);
      expect(status).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toBe(`corestack ${packageVersion}\n`);
    });
  }
});

describe("corestack usage errors exit 2 with one line on stderr", () => {
  const cases: { name: string; args: string[]; says: RegExp }[] = [
    { name: "no arguments", args: [], says: /Missing command/ },
    { name: "an unknown command", args: ["frobnicate", "core"], says: /Unknown command 'frobnicate'/ },
    { name: "an unknown option", args: ["core", "--bogus", "some-core"], says: /Unknown option '--bogus'/ },
    { name: "an unknown short option", args: ["core", "-Z", "some-core"], says: /Unknown option '-Z'/ },
    { name: "'core' without CORE_FILE", args: ["core"], says: /Missing CORE_FILE/ },
    { name: "too many arguments", args: ["core", "a", "b", "c", "d"], says: /Too many arguments: c d/ },
    { name: "an option without its value", args: ["core", "some-core", "--lib-search-root"], says: /--lib-search-root/ },
    { name: "a value given to a boolean option", args: ["core", "some-core", "--json=yes"], says: /--json/ },
  ];
  for (const { name, args, says } of cases) {
    it(`${name} (${JSON.stringify(args)}) → exit 2, "corestack: …", no stack trace, nothing on stdout`, () => {
      const { status, stdout, stderr } = corestack(args);
      expect(status, stderr).toBe(2);
      expect(stdout).toBe("");
      const error = expectOneErrorLine(stderr);
      expect(error).toMatch(says);
    });
  }

  it("--verbose does not add a stack trace to a usage error", () => {
    const { status, stderr } = corestack(["core", "--verbose", "--bogus"]);
    expect(status).toBe(2);
    expectOneErrorLine(stderr);
    expectNoStackTrace(stderr);
  });
});

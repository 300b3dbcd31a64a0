import fc from "fast-check";
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { parseArguments, parseOptions, UsageError } from "./parse_arguments.js";

/** The options as `util.parseArgs` takes them: the oracle of {@link parseOptions}. */
const REFERENCE = {
  json: { type: "boolean" },
  locals: { type: "boolean" },
  exhaustive: { type: "boolean" },
  native: { type: "boolean" },
  "native-all": { type: "boolean" },
  "native-last": { type: "boolean" },
  "no-color": { type: "boolean" },
  color: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  "lib-search-path": { type: "string", multiple: true },
  "lib-search-root": { type: "string" },
  "debug-dir": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** What parseArgs makes of `argv`: its values and positionals, or that it refused the line. */
function reference(argv: string[]): { values: Record<string, unknown>; positionals: string[] } | "refused" {
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: REFERENCE });
    return { values: { ...values }, positionals };
  } catch {
    return "refused";
  }
}

function ours(argv: string[]): { values: Record<string, unknown>; positionals: string[] } | "refused" {
  try {
    const { values, positionals } = parseOptions(argv);
    return { values: { ...values }, positionals };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return "refused";
  }
}

/** Words a command line is made of: options of every kind, their spellings with `=`, values, mistakes. */
const WORDS = [
  "core",
  "./core",
  "python3",
  "-",
  "--",
  "--json",
  "--json=yes",
  "--locals",
  "--exhaustive",
  "--native",
  "--native-all",
  "--native-last",
  "--color",
  "--no-color",
  "--verbose",
  "-v",
  "-h",
  "-V",
  "-vh",
  "-vV",
  "-vZ",
  "-Z",
  "--help",
  "--version",
  "--lib-search-path",
  "--lib-search-path=/a:/b",
  "--lib-search-path=",
  "--lib-search-root",
  "--lib-search-root=/root",
  "--lib-search-root=-x",
  "--debug-dir",
  "--debug-dir=/d",
  "/lib",
  "-x",
  "--bogus",
  "--bogus=1",
  "--=x",
  "---",
  "-v=1",
];

describe("parseOptions()", () => {
  it("answers every command line as util.parseArgs does (strict, positionals allowed): the same values and positionals, or a refusal", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }), (argv) => {
        expect(ours(argv)).toEqual(reference(argv));
      }),
      { seed: 20261202, numRuns: 5000 },
    );
  });

  it("says what is wrong in one line", () => {
    expect(() => parseOptions(["--bogus"])).toThrow("Unknown option '--bogus'");
    expect(() => parseOptions(["-vZ"])).toThrow("Unknown option '-Z'");
    expect(() => parseOptions(["--json=yes"])).toThrow("Option '--json' does not take an argument");
    expect(() => parseOptions(["--lib-search-root"])).toThrow("Option '--lib-search-root <value>' argument missing");
    expect(() => parseOptions(["--debug-dir", "-x"])).toThrow(/^Option '--debug-dir <value>' argument is ambiguous: .*'--debug-dir=-x'$/);
  });
});

describe("parseArguments()", () => {
  it("builds the core command from the options, repeated values kept in order", () => {
    const command = parseArguments(["core", "--lib-search-path", "/a:/b", "./core", "--debug-dir=/d1", "--debug-dir", "/d2", "exe", "--native-last", "-v"]);
    expect(command).toMatchObject({
      kind: "core",
      core: "./core",
      executable: "exe",
      libSearchPath: ["/a", "/b"],
      debugDirectories: ["/d1", "/d2"],
      native: { threads: "python", last: true },
      verbose: true,
    });
  });
});

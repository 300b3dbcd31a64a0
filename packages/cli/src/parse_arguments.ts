import { CliError, EXIT } from "./cli_error.js";

/** The parsed command line of `corestack`. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "core";
      readonly core: string;
      readonly executable: string | undefined;
      readonly json: boolean;
      readonly color: boolean | undefined;
      readonly verbose: boolean;
      readonly libSearchPath: readonly string[];
      readonly libSearchRoot: string | undefined;
      /** `--locals`: each frame's arguments and local variables. */
      readonly locals: boolean;
      /**
       * `--native` (threads with a Python state), `--native-all` (every thread), `--native-last`
       * (native frames only after the last Python frame); undefined without any of them.
       */
      readonly native: NativeMode | undefined;
      /** `--exhaustive`: when nothing in the files leads to the runtime, scan the core's writable memory for it. */
      readonly exhaustive: boolean;
      /** `--debug-dir DIR` (repeatable): directories of separate debug files, searched before `/usr/lib/debug`. */
      readonly debugDirectories: readonly string[];
    };

/** Which threads get native frames, and whether only those after the last Python frame. */
export interface NativeMode {
  readonly threads: "python" | "all";
  readonly last: boolean;
}

/**
 * Parses `corestack`'s arguments.
 * @param argv the arguments after the program name.
 * @returns the command to run.
 * @throws {CliError} with exit code 2 on wrong usage.
 * @example
 * ```ts
 * parseArguments(["core", "./core", "--json"]); // { kind: "core", core: "./core", json: true, … }
 * ```
 */
export function parseArguments(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new CliError(error.message, { exitCode: EXIT.usage, hint: "Run 'corestack --help' for usage." });
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, ...rest] = positionals;
  if (command === undefined)
    throw new CliError("Missing command: expected 'corestack core CORE_FILE [EXECUTABLE]'", {
      exitCode: EXIT.usage,
      hint: "Run 'corestack --help' for usage.",
    });
  if (command !== "core")
    throw new CliError(`Unknown command '${command}': the command is 'core'`, { exitCode: EXIT.usage, hint: "Run 'corestack --help' for usage." });
  if (rest.length === 0) throw new CliError("Missing CORE_FILE: 'corestack core CORE_FILE [EXECUTABLE]'", { exitCode: EXIT.usage });
  if (rest.length > 2) throw new CliError(`Too many arguments: ${rest.slice(2).join(" ")}`, { exitCode: EXIT.usage });
  return {
    kind: "core",
    core: rest[0]!,
    executable: rest[1],
    json: values.json === true,
    color: values["no-color"] ? false : values.color ? true : undefined,
    verbose: values.verbose === true,
    libSearchPath: (values["lib-search-path"] ?? []).flatMap((p) => p.split(":")).filter((p) => p !== ""),
    libSearchRoot: values["lib-search-root"],
    locals: values.locals === true,
    exhaustive: values.exhaustive === true,
    native:
      values.native || values["native-all"] || values["native-last"]
        ? { threads: values["native-all"] ? "all" : "python", last: values["native-last"] === true }
        : undefined,
    debugDirectories: (values["debug-dir"] ?? []).filter((p) => p !== ""),
  };
}

/** The options: a boolean flag or an option with a value (repeatable ones keep every value). */
const OPTIONS: Readonly<Record<string, { readonly kind: "flag" | "value" | "values"; readonly short?: string }>> = {
  json: { kind: "flag" },
  locals: { kind: "flag" },
  exhaustive: { kind: "flag" },
  native: { kind: "flag" },
  "native-all": { kind: "flag" },
  "native-last": { kind: "flag" },
  "no-color": { kind: "flag" },
  color: { kind: "flag" },
  verbose: { kind: "flag", short: "v" },
  "lib-search-path": { kind: "values" },
  "lib-search-root": { kind: "value" },
  "debug-dir": { kind: "values" },
  help: { kind: "flag", short: "h" },
  version: { kind: "flag", short: "V" },
};

/** A wrong command line: its message is the error line. */
export class UsageError extends Error {}

/** What {@link parseOptions} returns: `util.parseArgs`' `values` and `positionals`. */
export interface ParsedOptions {
  values: Record<string, boolean | string | string[] | undefined> & {
    json?: boolean;
    locals?: boolean;
    exhaustive?: boolean;
    native?: boolean;
    "native-all"?: boolean;
    "native-last"?: boolean;
    "no-color"?: boolean;
    color?: boolean;
    verbose?: boolean;
    "lib-search-path"?: string[];
    "lib-search-root"?: string;
    "debug-dir"?: string[];
    help?: boolean;
    version?: boolean;
  };
  positionals: string[];
}

/**
 * Splits a command line into {@link OPTIONS} and positionals, the way `util.parseArgs` does in
 * strict mode with positionals allowed (written here because loading `parseArgs` costs every run
 * about a millisecond of Node's start-up): `--name`, `--name=value` and `--name value`; short flags,
 * grouped too (`-vh`); `--` ends the options; `-` is a positional. `parse_arguments_test.ts`
 * holds it to `parseArgs`' answers.
 * @param argv the arguments after the program name.
 * @returns the options given and the positionals, in order.
 * @throws {UsageError} on an unknown option, a flag given a value, or an option without one.
 */
export function parseOptions(argv: readonly string[]): ParsedOptions {
  const values: ParsedOptions["values"] = {};
  const positionals: string[] = [];
  const set = (name: string, value: boolean | string) => {
    const option = OPTIONS[name]!;
    if (option.kind === "values") ((values[name] as string[] | undefined) ?? (values[name] = [])).push(value as string);
    else values[name] = value;
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === "--") {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (argument.startsWith("--")) {
      const equals = argument.indexOf("=");
      const name = argument.slice(2, equals < 0 ? undefined : equals);
      const option = Object.hasOwn(OPTIONS, name) ? OPTIONS[name]! : undefined;
      if (option === undefined) throw new UsageError(`Unknown option '--${name}'`);
      if (option.kind === "flag") {
        if (equals >= 0) throw new UsageError(`Option '--${name}' does not take an argument`);
        set(name, true);
      } else if (equals >= 0) {
        set(name, argument.slice(equals + 1));
      } else {
        const value = argv[index + 1];
        if (value === undefined) throw new UsageError(`Option '--${name} <value>' argument missing`);
        if (value.length > 1 && value.startsWith("-"))
          throw new UsageError(`Option '--${name} <value>' argument is ambiguous: to give a value that starts with '-', write '--${name}=${value}'`);
        set(name, value);
        index++;
      }
      continue;
    }
    if (argument.startsWith("-") && argument !== "-") {
      for (const letter of argument.slice(1)) {
        const name = Object.keys(OPTIONS).find((key) => OPTIONS[key]!.short === letter);
        if (name === undefined) throw new UsageError(`Unknown option '-${letter}'`);
        set(name, true);
      }
      continue;
    }
    positionals.push(argument);
  }
  return { values, positionals };
}

import { parseArgs } from "node:util";
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
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
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
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    throw new CliError(message, { exitCode: EXIT.usage, hint: "Run 'corestack --help' for usage." });
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

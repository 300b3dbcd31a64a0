// The published `corestack` command (`dist/corestack.cjs`, bundled from this file by build.mjs): it
// runs the bundled CLI (`dist/corestack_bundle.js`, everything of main.ts) through V8's code cache
// (code_cache.ts), so that a run after the first neither parses nor compiles the CLI's code.
// It is CommonJS, the one file of the package that is: Node 20 starts a CommonJS entry ~8 ms
// sooner than an ES module one (README.md, "Performance").
//
// The bundle is one JavaScript function expression (a script, not an ES module: only scripts take
// a code cache on every Node this package supports — `vm.Script`'s `cachedData`), called with the
// CommonJS-style `require` of the bundle's directory and an object whose `url` is the bundle's URL
// (its `import.meta.url`, made when first asked: most runs never ask).
// Everything here must stay cheap: it runs before every command.
import { Buffer, isAscii } from "node:buffer";
import { closeSync, fstatSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { Script } from "node:vm";
import {
  CODE_CACHE_MODE,
  type CodeCache,
  type CodeCacheKey,
  codeCacheDirectory,
  codeCacheFile,
  checksumFunction,
  encodeCodeCache,
  fileIdentity,
  readWhole,
  readCodeCache,
  writeCodeCache,
} from "./code_cache.js";

/** The bundle's file name, beside this launcher. */
export const BUNDLE_FILE = "corestack_bundle.js";

/** The bundle's function: CommonJS-style arguments, then its `import.meta` (build.mjs). */
type BundleMain = (
  require: NodeJS.Require,
  module: { exports: unknown },
  exports: unknown,
  filename: string,
  directory: string,
  meta: { readonly url: string },
) => void;

/**
 * An `import.meta` of `file` whose `url` is made at the first use (`node:url` loaded by
 * `require` then: most runs never ask).
 */
export function lazyMeta(file: string, require: NodeJS.Require): { readonly url: string } {
  let url: string | undefined;
  return {
    get url() {
      url ??= (require("node:url") as typeof import("node:url")).pathToFileURL(file).href;
      return url;
    },
  };
}

/** What build.mjs knows of the bundle it wrote beside the launcher. */
export interface BuiltBundle {
  /** checksumFunction() of its bytes: the launcher need not hash them at every start. */
  readonly sourceChecksum: string;
}

/**
 * The bytes of `file` and its {@link fileIdentity}, both from one descriptor; read into
 * `scratch(size)` when given.
 */
function readWithIdentity(file: string, scratch?: (size: number) => Uint8Array): { bytes: Uint8Array; identity: string } {
  const fd = openSync(file, "r");
  try {
    const stat = fstatSync(fd, { bigint: true });
    const size = Number(stat.size);
    const bytes = readWhole(fd, size, scratch?.(size));
    // Shorter than its size said (cut while read): the bytes read, under an identity no cache has.
    return { bytes, identity: bytes.length === Number(stat.size) ? fileIdentity(stat) : `${fileIdentity(stat)}:short` };
  } finally {
    closeSync(fd);
  }
}

/** Options that make any command line print the usage or the version and analyse nothing. */
const NO_ANALYSIS = ["--help", "-h", "--version", "-V"];

/** The {@link CODE_CACHE_MODE} bit of a `core` command line, or 0 for any other command. */
function commandMode(argv: readonly string[]): number {
  if (!argv.includes("core") || argv.some((argument) => NO_ANALYSIS.includes(argument))) return 0;
  return argv.includes("--json") ? CODE_CACHE_MODE.json : CODE_CACHE_MODE.text;
}

/**
 * Runs the bundle at `bundle` with the code cache of `env`'s cache directory; writes the cache
 * after a `core` run when it was missing, stale, rejected by V8 or made by runs of another output
 * mode. The command's own exit code is left in `process.exitCode`.
 * @param bundle absolute path of `corestack_bundle.js`.
 * @param argv the command's arguments (after the program name).
 * @param env the environment (cache directory; `CORESTACK_CODE_CACHE=0` turns the cache off).
 * @param require a `require` of the bundle's directory (the published launcher passes its own, which
 *   lives there). Not made here: `node:module` loads Node's ES module loader (~0.8 ms a start).
 * @param built what the build knows of the bundle (the published launcher has it); else the
 *   launcher hashes the bundle itself.
 */
export function launch(
  bundle: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  require: NodeJS.Require,
  built?: BuiltBundle,
): void {
  const directory = codeCacheDirectory(env);
  const checksum = directory === undefined ? undefined : checksumFunction();
  // The bundle, then the cache, are read into the checksum's memory: the pages the bundle touched
  // first take the cache, and neither is copied again to be checked (~180 page faults fewer a run).
  const { bytes: sourceBytes, identity } = readWithIdentity(bundle, checksum?.scratch);
  // build.mjs writes ASCII: Latin-1 decodes it to the same one-byte string, faster than UTF-8.
  const source = Buffer.from(sourceBytes.buffer, sourceBytes.byteOffset, sourceBytes.length).toString(isAscii(sourceBytes) ? "latin1" : "utf8");
  let file: string | undefined;
  let key: CodeCacheKey | undefined;
  let cache: CodeCache | undefined;
  if (directory !== undefined && checksum !== undefined) {
    file = codeCacheFile(directory, bundle, process.version, process.arch);
    key = {
      node: process.version,
      v8: process.versions.v8,
      arch: process.arch,
      sourceLength: sourceBytes.length,
      // Before the cache is read over the bundle's bytes.
      sourceChecksum: built?.sourceChecksum ?? checksum(sourceBytes),
      sourceFile: identity,
    };
    cache = readCodeCache(file, key, checksum);
  }
  const script = new Script(source, { filename: bundle, ...(cache === undefined ? {} : { cachedData: cache.data }) });
  const main = script.runInThisContext() as BundleMain;
  const module = { exports: {} };
  main(require, module, module.exports, bundle, dirname(bundle), lazyMeta(bundle, require));

  // Only after an analysis (exit 0 or 1): it is what compiled the code worth keeping.
  const mode = commandMode(argv);
  const exitCode = Number(process.exitCode ?? 0);
  const usable = cache !== undefined && script.cachedDataRejected !== true;
  const covered = usable && (cache!.modes & mode) === mode;
  if (file !== undefined && key !== undefined && checksum !== undefined && mode !== 0 && (exitCode === 0 || exitCode === 1) && !covered) {
    try {
      // The data holds every function compiled so far, those taken from the old cache included.
      const data = script.createCachedData();
      writeCodeCache(file, encodeCodeCache(key, (usable ? cache!.modes : 0) | mode, data, checksum));
    } catch {
      // The cache only saves time: a failure here changes nothing else.
    }
  }
  // A command that is over when main() returns has set its exit code by then (main.ts sets it from
  // run(), which writes its output synchronously; --native sets it later, from a promise): the
  // process ends here, without Node tearing down the V8 heap and the environment (~3.6 M
  // instructions of a run, callgrind) that nothing after it needs. `process.exit()` still emits
  // 'exit'.
  if (process.exitCode !== undefined) process.exit();
}

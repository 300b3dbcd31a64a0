#!/usr/bin/env node
// Bundles the `corestack` command: dist/corestack.cjs (the published `bin`, the launcher) and
// dist/corestack_bundle.js (the CLI itself), both read by `node` at every start.
//
// Runs after `tsc -b` (which type-checks and emits dist/*.js and .d.ts) and bundles that output:
// - dist/corestack_bundle.js: dist/main.js and the @corestack/* workspace packages it imports
//   (their dist/, through their `exports`). The @corestack/* packages are not published to npm, so
//   the published CLI must carry them; bundling also makes start-up faster (one file to read
//   instead of ~70 ES modules). It is one function expression, a script rather than an ES module,
//   because only a script takes V8's code cache on every supported Node (`vm.Script`, Node 20 too):
//   esbuild's CommonJS output (`import` → `require`) inside `(function (require, module, exports,
//   __filename, __dirname, __corestackMeta) { … })`, with `import.meta.url` → `__corestackMeta.url`
//   (the launcher makes the URL only when the code asks for it) and `import.meta.dirname` →
//   `__dirname`.
// - dist/corestack.cjs: dist/launcher.js, which runs the bundle with the code cache kept in the
//   user's cache directory (src/code_cache.ts); CommonJS, because Node 20 starts a CommonJS entry
//   sooner than an ES module. Numbers in README.md, "Performance".
// `@riaskov/mmap-io` (the native binding) stays external and is a real dependency of this package:
// @corestack/mmap loads it lazily with `createRequire`, which resolves it from dist/ to this
// package's node_modules.
//
// @corestack/unwind (--native) is imported by main.ts with a dynamic `import()`, which only
// --native and kin reach. In the build it is its own script, dist/corestack_native.js (unwind and
// @corestack/dwarf: ~40 % of the code), so that a default run neither reads nor checks those bytes:
// the bundle's `import("@corestack/unwind")` becomes a loader (NATIVE_LOADER below) that runs that
// script with a `require` answering the packages both use (SHARED) with the bundle's own modules, so
// there is one ElfFile class, one CoreTarget, one of each error. esbuild cannot split a CommonJS
// bundle itself. The native script takes no code cache: a --native run spends ~0.5 s unwinding,
// and compiling it costs a few milliseconds.
//
// The decoders of compressed cores (dist/decompress.js: gzip, zstd, LZ4, xz; ~85 KB) are a script
// of their own too, dist/corestack_decompress.js, for the same reason: only a compressed core needs
// them, yet every run read their bytes, made their functions and built fzstd's tables. The
// bundle's `import { decompressCore } from "./decompress.js"` becomes a module of the same exports
// (LAZY_SCRIPTS below) whose functions run that script at their first call, with the bundle's
// SHARED modules; `compressionOf` (src/compression.ts), asked of every core, stays in the bundle.
//
// Usage: node build.mjs [--metafile]   (part of `pnpm build`; --metafile prints what is inside)
import { build } from "esbuild";
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { checksumFunction } from "./dist/code_cache.js";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const launcherFile = here("dist/corestack.cjs");
const bundleFile = here("dist/corestack_bundle.js");
const nativeFile = here("dist/corestack_native.js");
/** The parameters of the bundle's function, in the order launcher.ts passes them. */
const PARAMETERS = "require, module, exports, __filename, __dirname, __corestackMeta";

/** The packages of the native script that are the bundle's too: it gets the bundle's modules. */
const SHARED = ["@corestack/elf", "@corestack/elf/constants", "@corestack/mmap", "@corestack/symbols"];

/**
 * Modules of the CLI (dist/) that the bundle does not carry: each is a script of its own, run at
 * the first call of one of its functions (see {@link lazyScripts}). Each is imported by the one
 * module named (the build stops if the bundle imports it from elsewhere).
 */
const LAZY_SCRIPTS = [{ module: "decompress.js", importer: "core_command.js", file: "corestack_decompress.js" }];

/**
 * The source of a statement that runs dist/`name` (a script of its own: a function like the
 * bundle's) with a `require` that gives it the bundle's own {@link SHARED} modules, and puts what
 * it exports in the variable `into`.
 */
function runScript(name, into) {
  return `const { readFileSync } = require("node:fs");
  const { Script } = require("node:vm");
  const { pathToFileURL } = require("node:url");
  const shared = require("corestack-shared");
  const file = __dirname + ${JSON.stringify(`/${name}`)};
  const main = new Script(readFileSync(file, "latin1"), { filename: file }).runInThisContext();
  const ran = { exports: {} };
  main((name) => (Object.hasOwn(shared, name) ? shared[name] : require(name)), ran, ran.exports, file, __dirname, { url: pathToFileURL(file).href });
  ${into} = ran.exports;`;
}

/** What `import("@corestack/unwind")` is in the bundle: runs dist/corestack_native.js. */
const NATIVE_LOADER = `{
  ${runScript("corestack_native.js", "module.exports")}
}
`;

/** The esbuild plugin that puts {@link NATIVE_LOADER} where main.js imports @corestack/unwind. */
const nativeLoader = {
  name: "corestack-native-loader",
  setup(build) {
    build.onResolve({ filter: /^@corestack\/unwind$/ }, () => ({ path: "corestack-native-loader", namespace: "corestack-native" }));
    build.onLoad({ filter: /.*/, namespace: "corestack-native" }, () => ({ contents: NATIVE_LOADER, loader: "js", resolveDir: here("dist") }));
    // The bundle's SHARED modules by name, made when a script of its own first needs them.
    build.onResolve({ filter: /^corestack-shared$/ }, () => ({ path: "corestack-shared", namespace: "corestack-shared" }));
    build.onLoad({ filter: /.*/, namespace: "corestack-shared" }, () => ({
      contents: `module.exports = { ${SHARED.map((name) => `${JSON.stringify(name)}: require(${JSON.stringify(name)})`).join(", ")} };\n`,
      loader: "js",
      resolveDir: here("dist"),
    }));
  },
};

/**
 * The esbuild plugin that puts, where the bundle imports a module of {@link LAZY_SCRIPTS}, a module
 * of the same function exports that runs the module's own script at the first call of any of them
 * (with a `require` giving it the bundle's {@link SHARED} modules, like NATIVE_LOADER) and calls
 * through. Only functions can be exported so: the build stops on any other export.
 */
const lazyScripts = {
  name: "corestack-lazy-scripts",
  setup(build) {
    for (const { module, importer } of LAZY_SCRIPTS) {
      const filter = new RegExp(`^\\./${module.replace(/\./g, "\\.")}$`);
      build.onResolve({ filter }, (args) => {
        if (!args.importer.endsWith(`/dist/${importer}`))
          throw new Error(`${args.importer} imports ${module}, which only ${importer} may: it is a lazy script (build.mjs)`);
        return { path: module, namespace: "corestack-lazy" };
      });
    }
    build.onLoad({ filter: /.*/, namespace: "corestack-lazy" }, async (args) => {
      const { file } = LAZY_SCRIPTS.find((lazy) => lazy.module === args.path);
      const real = await import(pathToFileURL(here(`dist/${args.path}`)).href);
      const names = Object.keys(real).sort();
      const other = names.filter((name) => typeof real[name] !== "function");
      if (other.length > 0)
        throw new Error(`dist/${args.path} exports ${other.join(", ")}, not functions: a lazy script can only export functions (build.mjs)`);
      const contents = `// dist/${args.path} as the bundle has it: dist/${file}, run at the first call (build.mjs, lazyScripts).
let loaded;
function load() {
  if (loaded !== undefined) return loaded;
  ${runScript(file, "loaded")}
  return loaded;
}
${names.map((name) => `export function ${name}(...args) {\n  return load().${name}(...args);\n}`).join("\n")}
`;
      return { contents, loader: "js", resolveDir: here("dist") };
    });
  },
};

/**
 * The esbuild plugin that makes `node:module` a module of its own `createRequire` (the only name the
 * packages take from it), which loads `node:module` at its first call. Loading `node:module` loads
 * Node's ES module loader (~50 functions compiled, ~0.8 ms a start), and the packages import it at
 * their top level for a `createRequire` that only rare paths call (the mmap binding's fallback
 * resolution, the terminal check). The build stops if the bundle takes any other name from it.
 */
const lazyNodeModule = {
  name: "corestack-lazy-node-module",
  setup(build) {
    build.onResolve({ filter: /^node:module$/ }, (args) =>
      args.namespace === "corestack-lazy-node-module"
        ? { path: "node:module", external: true }
        : { path: "node:module", namespace: "corestack-lazy-node-module" },
    );
    build.onLoad({ filter: /.*/, namespace: "corestack-lazy-node-module" }, () => ({
      contents: `// node:module as the bundle has it (build.mjs, lazyNodeModule): loaded at the first createRequire.
export function createRequire(path) {
  return require("node:module").createRequire(path);
}
`,
      loader: "js",
    }));
  },
};

/**
 * The esbuild plugin that gives the bundle a registry of CPython struct layouts
 * (`@corestack/cpython-layouts`' dist/layouts.js) whose tables are made at their first use. The
 * package's own registry imports every version's table, and a run builds them all (~11 tables of
 * nested object literals, ~8 M instructions of start-up) to use one. Here each table is a function
 * returning it as one literal (its values taken from the built package, shared groups written out),
 * called by a getter of `layouts` once: a run makes the table it reads, and the code cache keeps only
 * that function compiled. The table is a JSON string parsed then (`JSON.parse`), not an object
 * literal. The build stops unless every table made this way is deeply equal to the package's and
 * the module exports what the package's does.
 */
const lazyLayouts = {
  name: "corestack-lazy-layouts",
  setup(build) {
    build.onLoad({ filter: /[\\/]cpython-layouts[\\/]dist[\\/]layouts\.js$/ }, async (args) => ({
      contents: await lazyLayoutsModule(args.path),
      loader: "js",
      resolveDir: dirname(args.path),
    }));
  },
};

/** The source of the lazy registry standing for the module at `path` (see {@link lazyLayouts}). */
async function lazyLayoutsModule(path) {
  const real = await import(pathToFileURL(path).href);
  const exported = Object.keys(real).sort().join(", ");
  if (exported !== "layoutFor, layouts") throw new Error(`${path} exports ${exported}, not layoutFor and layouts: update build.mjs (lazyLayouts)`);
  const makers = Object.entries(real.layouts).map(([key, table]) => {
    const literal = JSON.stringify(table);
    if (!isDeepStrictEqual(JSON.parse(literal), table)) throw new Error(`${path}: the table of ${key} is not plain data: update build.mjs (lazyLayouts)`);
    // JSON.parse of a string rather than an object literal: V8 parses JSON faster than it runs a
    // large literal, and makes no boilerplate objects beside the table.
    return `  ${JSON.stringify(key)}: () => JSON.parse(${JSON.stringify(literal)}),`;
  });
  const source = `// The registry of ${path}, made by build.mjs (lazyLayouts): each table at its first use.
const make = {
${makers.join("\n")}
};
const made = {};
export const layouts = {};
for (const key of Object.keys(make)) Object.defineProperty(layouts, key, { enumerable: true, get: () => (made[key] ??= make[key]()) });
export function layoutFor(major, minor) {
  const key = \`\${major}.\${minor}\`;
  return Object.hasOwn(layouts, key) ? layouts[key] : undefined;
}
`;
  // The registry as the bundle will have it, checked against the package's before it goes in.
  const lazy = await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`);
  if (!isDeepStrictEqual(Object.keys(lazy.layouts), Object.keys(real.layouts))) throw new Error(`${path}: the lazy registry lists other versions`);
  for (const key of Object.keys(real.layouts)) {
    if (!isDeepStrictEqual(lazy.layouts[key], real.layouts[key])) throw new Error(`${path}: the lazy table of ${key} differs`);
    const [major, minor] = key.split(".").map(Number);
    if (lazy.layoutFor(major, minor) !== lazy.layouts[key] || real.layoutFor(major, minor) !== real.layouts[key])
      throw new Error(`${path}: layoutFor(${major}, ${minor}) differs`);
  }
  if (lazy.layoutFor(3, 99) !== undefined || lazy.layoutFor(1, 0) !== undefined) throw new Error(`${path}: layoutFor of an unknown version is not undefined`);
  return source;
}

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  // Names and line structure stay readable: `--verbose` prints stack traces from these files.
  minify: false,
  legalComments: "none",
  logLevel: "warning",
};

/**
 * Bundles `entry` into `file` as one function of {@link PARAMETERS}, in ASCII.
 * @returns esbuild's result (its metafile with --metafile).
 */
async function bundleScript(entry, file, options) {
  const result = await build({
    ...common,
    entryPoints: [entry],
    outfile: file,
    format: "cjs",
    charset: "ascii",
    define: { "import.meta.url": "__corestackMeta.url", "import.meta.dirname": "__dirname" },
    // The function's first line is the file's first line: stack traces keep the file's line numbers.
    banner: { js: `(function (${PARAMETERS}) {` },
    footer: { js: "})" },
    metafile: true,
    write: false,
    ...options,
  });
  // esbuild keeps the entry's hashbang (dist/main.js starts with `#!/usr/bin/env node`) above the
  // banner: it goes, the bundle is no program of its own.
  let text = result.outputFiles[0].text.replace(/^#![^\n]*\n/, "");
  if (!text.startsWith(`(function (${PARAMETERS}) {`)) throw new Error(`${file}: expected the bundle to start with its function`);
  // ASCII only, so that the launcher reads it as Latin-1 (a one-byte string, decoded ~4 times faster
  // than UTF-8): esbuild escapes non-ASCII characters in code (`charset: "ascii"`), not in the
  // comments it keeps, where an escape changes nothing.
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (!/[^\x00-\x7f]/.test(line)) continue;
    if (!/^\s*(\*|\/\/|\/\*)/.test(line)) throw new Error(`${file}:${index + 1}: a non-ASCII character outside a comment: ${line}`);
    lines[index] = line.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  text = lazyNamespaces(lines.join("\n"), file);
  writeFileSync(file, text);
  return result;
}

/**
 * Makes the bundle's namespace objects when first used instead of at load. esbuild fills the
 * namespace object of a module that something `require`s (here: the packages NATIVE_LOADER hands to
 * the native script) by a top-level `__export(name_exports, { a: () => a, ... })`: a getter per
 * export, hundreds in all, made by every run although only `--native` reads them. Each such statement
 * becomes a function run by the one `__toCommonJS(name_exports)` that reads the object; a bundle of
 * another shape stops the build.
 */
function lazyNamespaces(text, file) {
  const statement = /^__export\((\w+), \{\n(?: {2}.*\n)*?\}\);$/gm;
  const names = [...text.matchAll(statement)].map((match) => match[1]);
  for (const name of names) {
    const uses = text.split(`__toCommonJS(${name})`).length - 1;
    const mentions = text.match(new RegExp(`\\b${name}\\b`, "g"))?.length ?? 0;
    // Its `var`, its statement and one reader: anything else could read the object before it is filled.
    if (uses !== 1 || mentions !== 3) throw new Error(`${file}: ${name} is used ${mentions - 2} times, ${uses} of them by __toCommonJS: cannot fill it lazily`);
  }
  text = text.replace(statement, (found, name) => `var __fill_${name} = () => {\n  __fill_${name} = () => {};\n${found.replace(/^/gm, "  ")}\n};`);
  for (const name of names) text = text.replace(`__toCommonJS(${name})`, `__toCommonJS((__fill_${name}(), ${name}))`);
  return text;
}

// The binding is native (compiled at install); everything else is ours and goes in.
const result = await bundleScript(here("dist/main.js"), bundleFile, {
  external: ["@riaskov/mmap-io"],
  plugins: [nativeLoader, lazyScripts, lazyLayouts, lazyNodeModule],
});
const native = await bundleScript(createRequire(here("package.json")).resolve("@corestack/unwind"), nativeFile, { external: ["@riaskov/mmap-io", ...SHARED] });
const lazy = [];
for (const { module, file } of LAZY_SCRIPTS) {
  lazy.push([await bundleScript(here(`dist/${module}`), here(`dist/${file}`), { external: ["@riaskov/mmap-io", ...SHARED] }), here(`dist/${file}`)]);
}
// The splits hold only if the bundle kept none of the native code, and neither a lazy script's
// entry (the bundle has its stub instead) nor the npm packages the script carries (fzstd).
const unwindInBundle = Object.keys(result.metafile.inputs).filter((input) => /\/(unwind|dwarf)\//.test(input));
if (unwindInBundle.length > 0) throw new Error(`${bundleFile}: holds ${unwindInBundle.join(", ")}, which belong in ${nativeFile}`);
for (const [index, [built, file]] of lazy.entries()) {
  const inputs = Object.keys(built.metafile.inputs);
  const entry = inputs.find((input) => input.endsWith(`dist/${LAZY_SCRIPTS[index].module}`));
  if (entry === undefined) throw new Error(`${file}: does not hold its entry, dist/${LAZY_SCRIPTS[index].module}`);
  const inBundle = [entry, ...inputs.filter((input) => input.includes("node_modules/"))].filter((input) => Object.hasOwn(result.metafile.inputs, input));
  if (inBundle.length > 0) throw new Error(`${bundleFile}: holds ${inBundle.join(", ")}, which belong in ${file}`);
}
// The demangler of @corestack/unwind (--native) is WebAssembly, which no bundle holds: its file
// goes next to the bundle, where main.ts finds it (and passes it to `Demangler.load({ wasm })`).
const wasm = createRequire(here("../unwind/package.json")).resolve("gecko-profiler-demangle/index_bg.wasm");
copyFileSync(wasm, here("dist/index_bg.wasm"));

// The launcher's own `require` is one of the bundle's directory (dist/): launch() need not make one.
// It carries the bundle's checksum, which the code cache is keyed by: a run need not hash the bundle.
const sourceChecksum = checksumFunction()(readFileSync(bundleFile));
await build({
  ...common,
  stdin: {
    contents: `import { BUNDLE_FILE, launch } from "./dist/launcher.js";
launch(\`\${__dirname}/\${BUNDLE_FILE}\`, process.argv.slice(2), process.env, require, { sourceChecksum: ${JSON.stringify(sourceChecksum)} });
`,
    resolveDir: here("."),
    sourcefile: "corestack.cjs",
  },
  outfile: launcherFile,
  format: "cjs",
  banner: { js: "#!/usr/bin/env node" },
});
chmodSync(launcherFile, 0o755);
for (const [built, file] of [[result, bundleFile], [native, nativeFile], ...lazy]) {
  if (!process.argv.includes("--metafile")) break;
  const inputs = Object.entries(built.metafile.inputs).sort((a, b) => b[1].bytes - a[1].bytes);
  for (const [path, { bytes }] of inputs) console.log(`${String(bytes).padStart(8)}  ${path}`);
  console.log(`${inputs.length} modules in ${file}`);
}

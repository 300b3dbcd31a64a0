#!/usr/bin/env node
// Bundles the `corestack` command into one ESM file, dist/corestack.mjs: the published `bin`.
//
// Runs after `tsc -b` (which type-checks and emits dist/*.js and .d.ts) and bundles that output:
// dist/main.js and the @corestack/* workspace packages it imports (their dist/, through their
// `exports`). The @corestack/* packages are not published to npm, so the published CLI must carry
// them; bundling also makes start-up faster (one file to resolve and read instead of ~70 ES modules;
// numbers in README.md, "Performance"). `@riaskov/mmap-io` (the native binding) stays external and
// is a real dependency of this package: @corestack/mmap loads it lazily with `createRequire`, which
// resolves it from dist/ to this package's node_modules.
//
// Usage: node build.mjs [--metafile]   (part of `pnpm build`; --metafile prints what is inside)
import { build } from "esbuild";
import { chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const outfile = here("dist/corestack.mjs");

const result = await build({
  entryPoints: [here("dist/main.js")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The binding is native (compiled at install); everything else is ours and goes in.
  external: ["@riaskov/mmap-io"],
  // Names and line structure stay readable: `--verbose` prints stack traces from this file.
  minify: false,
  legalComments: "none",
  // dist/main.js starts with `#!/usr/bin/env node`; esbuild keeps an entry's hashbang.
  metafile: process.argv.includes("--metafile"),
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
if (result.metafile) {
  const inputs = Object.entries(result.metafile.inputs).sort((a, b) => b[1].bytes - a[1].bytes);
  for (const [path, { bytes }] of inputs) console.log(`${String(bytes).padStart(8)}  ${path}`);
  console.log(`${inputs.length} modules in ${outfile}`);
}

// @ts-check
// The published surface of each package: the files `npm pack` puts in its tarball and the names
// each entry of its `exports` gives (read from the built `.d.ts` with the TypeScript compiler), as
// the text committed in packages/<name>/surface.txt. A test (packages/cli/test/surface_test.ts)
// compares the two, so a file or an export that leaks into a package is a visible diff.
//
//   node tools/package_surface.mjs            print every package's surface
//   node tools/package_surface.mjs --check    exit 1 when a committed surface.txt differs
//   node tools/package_surface.mjs --write    rewrite the surface.txt files
//
// Needs `pnpm build` first (the `.d.ts` files are read from dist/).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = path.join(REPO, "packages");
export const SURFACE_FILE = "surface.txt";

/**
 * @typedef {{ name: string, kind: string, internal: boolean }} ExportedName
 * @typedef {{ directory: string, name: string, files: string[], entries: Map<string, ExportedName[]> }} Surface
 */

/** @returns {string[]} the package directories, by name. */
export function packageDirectories() {
  return readdirSync(PACKAGES)
    .filter((name) => existsSync(path.join(PACKAGES, name, "package.json")))
    .sort()
    .map((name) => path.join(PACKAGES, name));
}

/**
 * The files `npm pack` would publish, from npm itself (`--dry-run`: nothing is written).
 * @param {string} directory
 * @returns {Promise<string[]>}
 */
async function packedFiles(directory) {
  const { stdout } = await promisify(execFile)("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: directory,
    maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_loglevel: "silent" },
  });
  /** @type {{ files: { path: string }[] }[]} */
  const report = JSON.parse(stdout);
  const first = report[0];
  if (!first) throw new Error(`npm pack --dry-run printed no package for ${directory}`);
  return first.files.map((file) => file.path).sort();
}

/**
 * The `.d.ts` of each entry of a package's `exports` that has types.
 * @param {string} directory
 * @returns {Map<string, string>} entry ("." or "./constants") → absolute `.d.ts` path
 */
function typedEntries(directory) {
  /** @type {{ exports?: Record<string, unknown> }} */
  const manifest = JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8"));
  const entries = new Map();
  for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== "object" || target === null) continue;
    const types = /** @type {Record<string, unknown>} */ (target)["types"];
    if (typeof types === "string") entries.set(entry, path.join(directory, types));
  }
  return entries;
}

/**
 * What a declaration is, in one word.
 * @param {ts.Symbol} symbol
 * @returns {string}
 */
function kindOf(symbol) {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return "class";
  if (flags & ts.SymbolFlags.Function) return "function";
  if (flags & ts.SymbolFlags.Enum) return "enum";
  if (flags & ts.SymbolFlags.Interface) return "interface";
  if (flags & ts.SymbolFlags.TypeAlias) return "type";
  if (flags & ts.SymbolFlags.Variable) return "const";
  if (flags & ts.SymbolFlags.Namespace || flags & ts.SymbolFlags.ValueModule) return "namespace";
  return "other";
}

/**
 * The names an entry exports, with their kinds and whether their documentation says `@internal`.
 * @param {string[]} declarationFiles
 * @returns {Map<string, ExportedName[]>} by declaration file
 */
function exportedNames(declarationFiles) {
  const program = ts.createProgram(declarationFiles, { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const result = new Map();
  for (const file of declarationFiles) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`Cannot read the exports of ${file}: run pnpm build`);
    const names = checker.getExportsOfModule(moduleSymbol).map((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const internal = (symbol.declarations ?? []).some((declaration) => ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "internal"));
      return { name: exported.name, kind: kindOf(symbol), internal };
    });
    result.set(
      file,
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }
  return result;
}

/** @returns {Promise<Surface[]>} every package's surface, read now. */
export async function readSurfaces() {
  const directories = packageDirectories();
  const files = await Promise.all(directories.map(packedFiles));
  const entriesByPackage = directories.map(typedEntries);
  const names = exportedNames(entriesByPackage.flatMap((entries) => [...entries.values()]));
  return directories.map((directory, index) => {
    const entries = new Map();
    for (const [entry, file] of entriesByPackage[index] ?? []) entries.set(entry, names.get(file) ?? []);
    const { name } = JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8"));
    return { directory, name, files: files[index] ?? [], entries };
  });
}

/**
 * The committed text of a surface.
 * @param {Surface} surface
 * @returns {string}
 */
export function surfaceText(surface) {
  const lines = [
    `# ${surface.name}: the files npm publishes and the names each entry exports.`,
    "# Generated by tools/package_surface.mjs --write; a test compares it with the package as built.",
    "",
    "files:",
    ...surface.files.map((file) => `  ${file}`),
  ];
  for (const [entry, names] of surface.entries) {
    lines.push("", `exports ${JSON.stringify(entry)}:`, ...names.map((exported) => `  ${exported.kind} ${exported.name}`));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The committed surface of a package, or undefined.
 * @param {Surface} surface
 * @returns {string | undefined}
 */
export function committedText(surface) {
  const file = path.join(surface.directory, SURFACE_FILE);
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  const surfaces = await readSurfaces();
  let differs = false;
  for (const surface of surfaces) {
    const text = surfaceText(surface);
    const relative = path.relative(REPO, path.join(surface.directory, SURFACE_FILE));
    if (mode === "--write") {
      writeFileSync(path.join(surface.directory, SURFACE_FILE), text);
      console.log(`wrote ${relative}`);
    } else if (mode === "--check") {
      if (committedText(surface) !== text) {
        differs = true;
        console.log(`${relative} differs from the package as built`);
      }
    } else {
      process.stdout.write(`${text}\n`);
    }
    for (const names of surface.entries.values()) {
      for (const exported of names.filter((n) => n.internal)) console.log(`warning: ${surface.name} exports ${exported.name}, documented @internal`);
    }
  }
  process.exitCode = differs ? 1 : 0;
}

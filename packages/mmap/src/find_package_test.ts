// How the binding's package is found: the first `node_modules/<name>` directory of the module's
// directory and its ancestors, the answer Node's `require.resolve` gives for npm's and pnpm's layouts.
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { BINDING_PACKAGE, findPackageDirectory } from "./_binding.js";
import { temporaryDirectory } from "./_test_util.js";

const directory = temporaryDirectory();
afterAll(() => directory.remove());

test("finds the binding of this workspace where require.resolve does", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = findPackageDirectory(here, BINDING_PACKAGE);
  expect(found).toBeDefined();
  const resolved = dirname(createRequire(import.meta.url).resolve(`${BINDING_PACKAGE}/package.json`));
  expect(realpathSync(found!)).toBe(realpathSync(resolved));
});

test("takes the nearest node_modules, never looks inside a node_modules directory itself, and gives up at the root", () => {
  const root = directory.path;
  const make = (path: string) => {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, "package.json"), "{}");
  };
  // npm's hoisted layout: the CLI in node_modules/corestack, its dependency beside it.
  make("app/node_modules/@scope/dep");
  mkdirSync(join(root, "app/node_modules/corestack/dist"), { recursive: true });
  expect(findPackageDirectory(join(root, "app/node_modules/corestack/dist"), "@scope/dep")).toBe(join(root, "app/node_modules/@scope/dep"));
  // A nested copy wins over the hoisted one.
  make("app/node_modules/corestack/node_modules/@scope/dep");
  expect(findPackageDirectory(join(root, "app/node_modules/corestack/dist"), "@scope/dep")).toBe(
    join(root, "app/node_modules/corestack/node_modules/@scope/dep"),
  );
  // Not node_modules/node_modules/…: a `node_modules` directory is not searched for its own.
  make("app/node_modules/node_modules/@scope/other");
  expect(findPackageDirectory(join(root, "app/node_modules/corestack/dist"), "@scope/other")).toBeUndefined();
  // A file of that name is not a package directory.
  mkdirSync(join(root, "loose/node_modules/@scope"), { recursive: true });
  writeFileSync(join(root, "loose/node_modules/@scope/dep"), "not a directory");
  expect(findPackageDirectory(join(root, "loose"), "@scope/dep")).toBeUndefined();
  expect(findPackageDirectory(join(root, "app"), "@scope/missing")).toBeUndefined();
});

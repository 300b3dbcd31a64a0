// docs/errors.md lists every message corestack can show: each error the CLI raises or wraps,
// each warning, each reason a thread's stack ends early, each hint. This test reads the sources,
// finds those messages, and fails when one is missing from the catalogue, so that a new
// `new CliError(...)` (or PythonError, WalkError, ElfFormatError...) comes with its entry.
//
// A message is compared in a normal form: every `${...}` of a template literal becomes "…", and
// runs of white space become one space. docs/errors.md writes each message in that form inside a
// code span: `No such file: …`.

import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DOC = join(ROOT, "docs", "errors.md");

/** Where user-visible messages are made: a package's sources and the calls that make them there. */
const SOURCES: readonly { readonly dir: string; readonly calls: readonly string[] }[] = [
  // The CLI's own errors, hints, and the lines it writes to stderr.
  { dir: "packages/cli/src", calls: ["new CliError(", "hint: ", "io.stderr(", "note(`warning: ", "const message = "] },
  // Wrapped by the CLI: "The core …: <PythonError>"; a thread's "error" (WalkError); warnings.
  { dir: "packages/cpython/src", calls: ["new PythonError(", "new WalkError(", "warnings.push("] },
  // Wrapped: "Cannot read the Python interpreter's files. <SymbolsError>"; warnings.
  { dir: "packages/symbols/src", calls: ["new SymbolsError(", "warn(", "problems.push("] },
  // Wrapped: "<CORE> is not a usable core file: <ElfFormatError>"; note problems become warnings.
  { dir: "packages/elf/src", calls: ["new ElfFormatError(", "warnings.push("] },
  // Wrapped: "Cannot open <CORE>: <MmapError>".
  { dir: "packages/mmap/src", calls: ["new MmapError("] },
  // Wrapped in the warning "_Py_DebugOffsets unreadable: <LayoutFormatError>".
  { dir: "packages/cpython-layouts/src", calls: ["new LayoutFormatError("] },
];

interface Found {
  readonly file: string;
  readonly line: number;
  readonly call: string;
  /** The normal form, or undefined when the argument is not a literal. */
  readonly message: string | undefined;
  /** The argument's source text when it is not a literal. */
  readonly expression: string;
}

function sourceFiles(dir: string): string[] {
  const result: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) result.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry.name) && !/(_test|_bench)\.ts$|\.d\.ts$|^_test_/.test(entry.name)) result.push(path);
  }
  return result.sort();
}

/** Normal form: placeholders as "…", white space collapsed. */
export function normalise(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/…(\s*…)+/g, "…")
    .trim();
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "", "0": "" };

/**
 * Reads a string or template literal starting at `at` (its quote).
 * @returns the text with `${…}` replaced by "…", and where the literal ends.
 */
function readLiteral(source: string, at: number): { text: string; end: number } {
  const quote = source[at]!;
  let text = "";
  let i = at + 1;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1]!;
      text += ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    if (ch === quote) return { text, end: i + 1 };
    if (quote === "`" && ch === "$" && source[i + 1] === "{") {
      i = skipExpression(source, i + 2);
      text += "…";
      continue;
    }
    text += ch;
    i++;
  }
  throw new Error(`Unterminated literal at ${at}`);
}

/** Skips a `${ … }` body (nested braces, strings and templates), returning the index after its `}`. */
function skipExpression(source: string, at: number): number {
  let depth = 0;
  let i = at;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '"' || ch === "'" || ch === "`") {
      i = readLiteral(source, i).end;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}") {
      if (depth === 0) return i + 1;
      depth--;
    }
    i++;
  }
  throw new Error(`Unterminated expression at ${at}`);
}

/** The source text of a call argument up to its `,` or `)` at depth 0. */
function readExpression(source: string, at: number): string {
  let depth = 0;
  let i = at;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '"' || ch === "'" || ch === "`") {
      i = readLiteral(source, i).end;
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      if (depth === 0) break;
      depth--;
    } else if (ch === "," && depth === 0) break;
    i++;
  }
  return source.slice(at, i).trim();
}

/** The string and template literals of an expression that read like messages (several words). */
function literalsOf(expression: string): string[] {
  const result: string[] = [];
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i]!;
    if (ch !== '"' && ch !== "'" && ch !== "`") continue;
    const { text, end } = readLiteral(expression, i);
    if (/\S \S/.test(text)) result.push(text);
    i = end - 1;
  }
  return result;
}

/** Every message made by `calls` in the files of `dir`. */
export function findMessages(): Found[] {
  const found: Found[] = [];
  for (const { dir, calls } of SOURCES) {
    for (const file of sourceFiles(dir)) {
      const source = readFileSync(join(ROOT, file), "utf8");
      for (const call of calls) {
        for (let at = source.indexOf(call); at >= 0; at = source.indexOf(call, at + 1)) {
          // Skip doc comments and line comments (their examples are not messages).
          const lineStart = source.lastIndexOf("\n", at) + 1;
          const prefix = source.slice(lineStart, at).trim();
          if (prefix.startsWith("*") || prefix.startsWith("//") || prefix.startsWith("/*")) continue;
          // `warn(` must be a call, not part of another name (`#init.warn(` is fine, `prewarn(` is not).
          if (/^[a-z]/.test(call) && /[A-Za-z0-9_$]/.test(source[at - 1] ?? "") && source[at - 1] !== ".") continue;
          const line = source.slice(0, at).split("\n").length;
          let i = at + call.length;
          while (/\s/.test(source[i]!)) i++;
          const first = source[i]!;
          // `note(\`warning: ` already ate the opening of its literal.
          if (call.endsWith("`warning: ")) {
            const { text } = readLiteral(source, at + call.length - "`warning: ".length);
            found.push({ file, line, call, message: normalise(text.replace(/^warning: /, "")), expression: "" });
            continue;
          }
          if (first === '"' || first === "'" || first === "`") {
            // A literal, or literals joined with "+" (anything else joined becomes "…").
            let { text, end } = readLiteral(source, i);
            for (;;) {
              let rest = end;
              while (/\s/.test(source[rest]!)) rest++;
              if (source[rest] !== "+") break;
              rest++;
              while (/\s/.test(source[rest]!)) rest++;
              if (source[rest] !== '"' && source[rest] !== "'" && source[rest] !== "`") {
                text += "…";
                break;
              }
              const next = readLiteral(source, rest);
              text += next.text;
              end = next.end;
            }
            found.push({ file, line, call, message: normalise(text), expression: "" });
          } else if (call.endsWith("(")) {
            // Not a literal: the literals it chooses between (`a ? "x" : \`y ${z}\``) are messages;
            // a plain name (`message`) passes on a message made elsewhere.
            const expression = readExpression(source, i);
            const literals = [...expression.matchAll(/(?<![\w$])(["'`])/g)].length > 0 ? literalsOf(expression) : [];
            for (const text of literals) found.push({ file, line, call, message: normalise(text), expression });
            if (literals.length === 0) found.push({ file, line, call, message: undefined, expression });
          }
        }
      }
    }
  }
  return found;
}

/** The normal forms of every code span of the catalogue. */
function documented(): Set<string> {
  const text = readFileSync(DOC, "utf8");
  const spans = new Set<string>();
  for (const match of text.matchAll(/``\s?([\s\S]+?)\s?``|`([^`\n]+)`/g)) spans.add(normalise(match[1] ?? match[2] ?? ""));
  return spans;
}

/** Messages that are only a placeholder, or lines that only frame another message. */
function trivial(message: string): boolean {
  return message === "…" || message === "" || /^… ?\\?n?$/.test(message);
}

describe("docs/errors.md", () => {
  const messages = findMessages();
  const spans = documented();

  it("findMessages() finds the CLI's errors (the scan itself works)", () => {
    const cli = messages.filter((m) => m.call === "new CliError(" && m.message !== undefined);
    expect(cli.length).toBeGreaterThan(5);
    expect(cli.map((m) => m.message)).toContain("No such file: …");
    expect(messages.some((m) => m.call === "new WalkError(")).toBe(true);
    expect(messages.some((m) => m.call === "new ElfFormatError(")).toBe(true);
  });

  it("lists every message corestack can show (errors, wrapped errors, thread errors, warnings, hints)", () => {
    const missing = messages
      .filter((m) => m.message !== undefined && !trivial(m.message.replace(/\n$/, "")))
      .filter((m) => !spans.has(normalise(m.message!)))
      .map((m) => `${relative(ROOT, join(ROOT, m.file))}:${m.line} ${m.call} \`${m.message}\``);
    expect([...new Set(missing)], "add these to docs/errors.md, each in a code span, in the normal form shown").toEqual([]);
  });

  it("names every CliError whose message is not a literal (what it passes through is documented)", () => {
    const passed = messages.filter((m) => m.call === "new CliError(" && m.message === undefined);
    const missing = passed.map((m) => `${m.file.split("/").pop()}: ${m.expression}`).filter((key) => !spans.has(normalise(key)));
    expect(missing, "document each as `FILE: EXPRESSION` in docs/errors.md").toEqual([]);
  });

  it("gives every exit code its section", () => {
    const text = readFileSync(DOC, "utf8");
    for (const code of [0, 1, 2, 3, 4]) expect(text).toMatch(new RegExp(`^#+ .*exit ${code}\\b`, "mi"));
  });
});

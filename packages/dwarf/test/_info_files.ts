// Test helpers of the debug-info tests: the C program they compile, and an ELF file's DWARF
// sections with its function symbols.
import { SymbolTable } from "@corestack/elf";
import { compileSource, loadDwarf, type DwarfFile } from "./_files.js";

/** The DWARF sections and function symbols of one ELF file, for tests. */
export interface LoadedFile extends DwarfFile {
  /** `st_value` of every defined STT_FUNC symbol in .symtab inside .text, sorted, unique. */
  readonly functions: readonly bigint[];
  /** Every defined STT_FUNC symbol of .symtab, sorted by address. */
  readonly symbols: readonly { readonly value: bigint; readonly name: string }[];
}

export function loadFile(path: string): LoadedFile {
  const file = loadDwarf(path);
  const { elf, text } = file;
  const functions = new Set<bigint>();
  const symbols: { value: bigint; name: string }[] = [];
  const symtab = elf.section(".symtab");
  if (symtab !== undefined) {
    for (const symbol of new SymbolTable(elf, symtab)) {
      if (symbol.type !== 2 || symbol.st_shndx === 0) continue;
      symbols.push({ value: symbol.st_value, name: symbol.name });
      if (symbol.st_value >= text.begin && symbol.st_value < text.end) functions.add(symbol.st_value);
    }
  }
  return {
    ...file,
    functions: [...functions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    symbols: symbols.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)),
  };
}

/** A small C program with inlining at -O2. */
export const PROGRAM = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct point { int x, y; };
static int volatile sink;

static inline int square(int value) { return value * value; }
static inline int distance2(struct point a, struct point b) {
  int dx = a.x - b.x;
  int dy = a.y - b.y;
  return square(dx) + square(dy);
}
static inline __attribute__((always_inline)) int deepest(int v) { sink = v; return v ^ 0x55; }
static inline __attribute__((always_inline)) int deeper(int v) { if (v & 1) return deepest(v + 1) * 3; return deepest(v) - 1; }
static inline __attribute__((always_inline)) int deep(int v) { int r = 0; for (int i = 0; i < v; i++) r += deeper(i); return r; }

__attribute__((noinline)) int nearest(const struct point *points, int count, struct point target) {
  int best = -1, best_d = 0x7fffffff;
  for (int i = 0; i < count; i++) {
    int d = distance2(points[i], target);
    if (d < best_d) { best_d = d; best = i; }
  }
  return best;
}

__attribute__((noinline)) int chain(int v) { return deep(v) + deeper(v * 2); }

static int compare(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

__attribute__((noinline)) void sort_words(int *values, int count) {
  qsort(values, count, sizeof values[0], compare);
  for (int i = 0; i < count; i++) sink = values[i];
}

struct node { struct node *next; int value; };
__attribute__((noinline)) int list_sum(struct node *node) {
  int total = 0;
  { int scoped = 3; while (node) { total += node->value * scoped; node = node->next; } }
  return total;
}

int main(int argc, char **argv) {
  struct point points[4] = {{1, 2}, {3, 4}, {5, 6}, {argc, argc}};
  int values[5] = {5, 3, 1, 4, 2};
  struct node c = {0, 3}, b = {&c, 2}, a = {&b, argc};
  sort_words(values, 5);
  printf("%d %d %d %zu\n", nearest(points, 4, (struct point){2, 3}), chain(argc + 3), list_sum(&a), strlen(argv[0]));
  return 0;
}
`;

/** Compiles {@link PROGRAM} with gcc and extra flags; undefined when gcc refuses the flags. */
export function compileProgram(flags: readonly string[]): string | undefined {
  return compileSource(PROGRAM, flags).path;
}

// Programs built during the test, each crashing in a known native stack, compared with gdb:
// a CPython C extension three calls deep (gcc), a C++ program with namespaces, templates and an
// inlined helper (g++ -O2), a Rust cdylib called through ctypes (rustc), and a C program whose
// SIGUSR1 handler aborts (the stack goes through the signal frame and reaches main).
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, coreAvailability, findInterpreters } from "../../../tools/testing/cores.js";
import { compareWithGdb, corestackStacks, gdbBacktraces, gdbUnavailable, ourName, summary } from "./_gdb.js";
import { build, crash, hasCommand, plainCorePatternProblem } from "./_programs.js";

const LOG = `${REPO_ROOT}/.cache/unwind/programs.log`;
function log(line: string): void {
  mkdirSync(`${REPO_ROOT}/.cache/unwind`, { recursive: true });
  appendFileSync(LOG, `${line}\n`);
  console.log(line);
}

const skip = gdbUnavailable() ?? (coreAvailability().ok ? plainCorePatternProblem() : coreAvailability().reason);

function compare(label: string, executable: string, core: string) {
  const ours = corestackStacks(core, executable);
  const gdb = gdbBacktraces(executable, core);
  const comparison = compareWithGdb(ours.stacks, gdb.threads);
  log(summary(label, comparison));
  for (const line of comparison.mismatches.slice(0, 20)) log(`  ${line}`);
  return { ours, gdb, comparison };
}

const EXTENSION = String.raw`
#include <Python.h>
#include <stdlib.h>
static volatile int sink;
__attribute__((noinline)) static void level_three(int depth) { sink = depth; abort(); }
__attribute__((noinline)) static void level_two(int depth) { level_three(depth + 1); sink++; }
__attribute__((noinline)) static void level_one(int depth) { level_two(depth + 1); sink++; }
static PyObject *crash(PyObject *self, PyObject *args) { level_one(1); Py_RETURN_NONE; }
static PyMethodDef methods[] = {{"crash", crash, METH_NOARGS, "abort three calls deep"}, {NULL, NULL, 0, NULL}};
#if PY_MAJOR_VERSION >= 3
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "crashext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_crashext(void) { return PyModule_Create(&module); }
#else
PyMODINIT_FUNC initcrashext(void) { Py_InitModule("crashext", methods); }
#endif
`;

const CPP = String.raw`
#include <cstdlib>
namespace outer {
namespace inner {
static volatile long sink;
template <typename T> struct Box {
  T value;
  __attribute__((noinline)) T open(int depth) const;
};
static inline __attribute__((always_inline)) void helper(long v) {
  sink = v;
  if (v > 0) std::abort();
}
template <typename T> __attribute__((noinline)) T Box<T>::open(int depth) const {
  helper(depth + static_cast<long>(value));
  asm volatile("" ::: "memory");
  return value + sink;
}
template <typename T> __attribute__((noinline)) T unwrap(const Box<T>& box, int depth) {
  T result = box.open(depth);
  asm volatile("" ::: "memory");
  return result + 1;
}
}  // namespace inner
}  // namespace outer
namespace {
__attribute__((noinline)) int run(int n) {
  outer::inner::Box<long> box{n};
  int result = static_cast<int>(outer::inner::unwrap(box, n));
  asm volatile("" ::: "memory");
  return result + 1;
}
}  // namespace
int main(int argc, char**) { return run(argc) == 42 ? 1 : 0; }
`;

const RUST = String.raw`
#[inline(never)]
fn level_three(x: u32) -> u32 {
    if x < 1000 {
        std::process::abort();
    }
    x
}
#[inline(never)]
fn level_two(x: u32) -> u32 {
    level_three(x + 1) + 1
}
#[no_mangle]
pub extern "C" fn crash_from_rust(x: u32) -> u32 {
    level_two(x) * 2
}
`;

const SIGNAL = String.raw`
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
static volatile int sink;
__attribute__((noinline)) static void handler_inner(int signal) { sink = signal; abort(); }
static void on_usr1(int signal) { handler_inner(signal); sink++; }
__attribute__((noinline)) static void wait_for_signal(void) { raise(SIGUSR1); sink++; }
__attribute__((noinline)) static void interrupted(int depth) { if (depth > 0) interrupted(depth - 1); else wait_for_signal(); sink++; }
int main(void) {
  struct sigaction action = {0};
  action.sa_handler = on_usr1;
  sigaction(SIGUSR1, &action, NULL);
  interrupted(2);
  return 0;
}
`;

describe.skipIf(skip !== undefined)("native stacks of programs built here equal gdb's", () => {
  const interpreters = findInterpreters().filter((interpreter) => interpreter.source === "pyenv");
  for (const interpreter of interpreters) {
    it(`a C extension aborting three calls deep under ${interpreter.id}`, { timeout: 120_000 }, (context) => {
      if (!hasCommand("gcc")) return context.skip("gcc is not installed");
      const probe = spawnSync(interpreter.executable, ["-c", "import sysconfig, json; print(json.dumps(sysconfig.get_paths()['include']))"], {
        encoding: "utf8",
      });
      const include = JSON.parse(probe.stdout) as string;
      if (!existsSync(`${include}/Python.h`)) return context.skip(`${interpreter.id} has no headers (${include}/Python.h)`);
      const directory = build(`crashext-${interpreter.id}`, { "crashext.c": EXTENSION }, [
        ["gcc", "-shared", "-fPIC", "-O0", "-g", `-I${include}`, "-o", "crashext.so", "crashext.c"],
      ]);
      const core = crash(directory, [
        interpreter.executable,
        "-c",
        `import sys; sys.path.insert(0, ${JSON.stringify(directory)}); import crashext; crashext.crash()`,
      ]);
      const { ours, comparison } = compare(`C extension under ${interpreter.id}`, interpreter.executable, core);
      const names = ours.stacks[0]!.frames.map(ourName);
      const at = names.indexOf("level_three");
      expect(names.slice(at, at + 4)).toEqual(["level_three", "level_two", "level_one", "crash"]);
      expect(comparison.mismatches).toEqual([]);
    });
  }

  it("a C++ program with namespaces, templates and an inlined helper (g++ -O2)", { timeout: 120_000 }, (context) => {
    if (!hasCommand("g++")) return context.skip("g++ is not installed");
    const directory = build("cpp", { "crash.cpp": CPP }, [["g++", "-O2", "-g", "-o", "crash", "crash.cpp"]]);
    const core = crash(directory, [`${directory}/crash`]);
    const { ours, comparison } = compare("C++ program", `${directory}/crash`, core);
    const frames = ours.stacks[0]!.frames;
    const names = frames.map(ourName);
    const at = names.indexOf("outer::inner::helper");
    expect(names.slice(at)).toEqual([
      "outer::inner::helper",
      "outer::inner::Box<long>::open",
      "outer::inner::unwrap<long>",
      "(anonymous namespace)::run",
      "main",
    ]);
    expect(frames[at]!.inlined).toBe(true);
    expect(comparison.mismatches).toEqual([]);
  });

  it("a Rust cdylib called through ctypes", { timeout: 180_000 }, (context) => {
    if (!hasCommand("rustc")) return context.skip("rustc is not installed");
    const python = findInterpreters().at(-1);
    if (!python) return context.skip("no Python interpreter");
    const directory = build("rust", { "lib.rs": RUST }, [
      ["rustc", "--crate-type", "cdylib", "--crate-name", "crashrs", "-C", "debuginfo=2", "-C", "opt-level=1", "-o", "libcrashrs.so", "lib.rs"],
    ]);
    const core = crash(directory, [python.executable, "-c", `import ctypes; ctypes.CDLL(${JSON.stringify(`${directory}/libcrashrs.so`)}).crash_from_rust(1)`]);
    const { ours, comparison } = compare(`Rust cdylib under ${python.id}`, python.executable, core);
    const names = ours.stacks[0]!.frames.map(ourName);
    const at = names.indexOf("crashrs::level_three");
    expect(at).toBeGreaterThanOrEqual(0);
    expect(names.slice(at, at + 3)).toEqual(["crashrs::level_three", "crashrs::level_two", "crashrs::crash_from_rust"]);
    expect(comparison.mismatches).toEqual([]);
  });

  it("a SIGUSR1 handler that aborts: the stack goes through the signal frame to main", { timeout: 120_000 }, (context) => {
    if (!hasCommand("gcc")) return context.skip("gcc is not installed");
    const directory = build("signal", { "signal.c": SIGNAL }, [["gcc", "-O0", "-g", "-o", "signal", "signal.c"]]);
    const core = crash(directory, [`${directory}/signal`]);
    const { ours, comparison } = compare("SIGUSR1 handler", `${directory}/signal`, core);
    const stack = ours.stacks[0]!;
    const names = stack.frames.map(ourName);
    const trampoline = names.indexOf("<signal handler called>");
    expect(trampoline).toBeGreaterThan(0);
    expect(names.slice(0, trampoline)).toContain("handler_inner");
    expect(stack.frames[trampoline + 1]!.how).toBe("signal");
    expect(names.slice(trampoline)).toContain("wait_for_signal");
    expect(names.at(-1)).toBe("main");
    expect(stack.end.reason).toBe("main");
    expect(comparison.mismatches).toEqual([]);
  });
});

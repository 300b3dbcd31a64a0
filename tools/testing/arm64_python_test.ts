// Debian's arm64 python3.11 under qemu-user (tools/testing/arm64_python.mjs): what the provider
// left in its cache runs, is an aarch64 interpreter, and (with --toolchain) measures the layout
// values committed in packages/cpython-layouts/src/machines.ts. The provider runs before the tests
// (.ci/run, or by hand); these tests never reach the network: not provided is a skip saying why, a
// provider that failed (not merely offline) fails here.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { arm64Interpreter, arm64PythonSkipReason } from "./core_maker.mjs";
import { readProvidedArm64Toolchain } from "./arm64_python.mjs";

const missing = arm64PythonSkipReason();
const interpreter = arm64Interpreter();

describe("the arm64 Python under qemu-user", () => {
  if (missing !== null && !missing.failed) it.skip(missing.reason, () => {});
  if (missing?.failed === true) {
    it("the provider did not fail", () => {
      throw new Error(missing!.reason);
    });
  }
  if (interpreter === null) return;
  const emulator = interpreter.emulator!;

  it("is an aarch64 ELF executable of the sysroot, run by the machine's qemu-aarch64-static", () => {
    const header = fs.readFileSync(interpreter.executable).subarray(0, 20);
    expect([...header.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(header.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(interpreter.executable.startsWith(`${fs.realpathSync(emulator.root)}/`)).toBe(true);
    expect(emulator.version).toMatch(/^qemu-aarch64 version \d+\.\d+/);
    expect(interpreter.id).toBe(`qemu-aarch64-debian-${interpreter.version}`);
  });

  it("runs threading and ctypes under qemu, as aarch64, with its own stdlib", () => {
    const result = spawnSync(
      emulator.qemu,
      [
        "-L",
        emulator.root,
        interpreter.path,
        "-c",
        "import sys, platform, threading, ctypes; print(platform.machine(), '%d.%d.%d' % sys.version_info[:3], sys.prefix)",
      ],
      { encoding: "utf8", timeout: 120_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8" } },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`aarch64 ${interpreter.version} ${emulator.root}/usr`);
  });

  const toolchain = readProvidedArm64Toolchain();
  it.skipIf(toolchain === null)(
    `machines.ts is what tools/layouts/generate_machine.mjs measures${toolchain === null ? " (skipped: no cross toolchain; `node tools/testing/arm64_python.mjs --toolchain`)" : ""}`,
    { timeout: 180_000 },
    () => {
      const result = spawnSync(process.execPath, ["tools/layouts/generate_machine.mjs", "--check"], { encoding: "utf8", timeout: 170_000 });
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/machines\.ts: up to date/);
    },
  );
});

// CoreTarget against crafted cores: the cost of a read, a module lookup and the link-map check
// grows with the logarithm of the core's segments and mappings, not with their number.
import { CoreFile, MemoryError, bufferSource } from "@corestack/elf";
import { NT_FILE, NT_PRSTATUS } from "@corestack/elf/constants";
import { describe, expect, it } from "vitest";
import { buildCore, fileNote, prStatus } from "../../../tools/testing/builders.js";
import { CoreTarget } from "./core_target.js";

const PAGE = 0x1000n;
const BASE = 0x10_0000_0000n;

/** A core with `count` one-page file mappings (two pages apart, alternating between two files) and `count` empty PT_LOAD headers between them. */
function crowdedCore(count: number, extra: { start: bigint; end: bigint; pageOffset?: bigint; path: string }[] = []): CoreFile {
  const mappings = Array.from({ length: count }, (_, i) => ({
    start: BASE + BigInt(i) * 2n * PAGE,
    end: BASE + BigInt(i) * 2n * PAGE + PAGE,
    pageOffset: BigInt(i >> 1),
    path: i % 2 === 0 ? "/nonexistent/a.so" : "/nonexistent/b.so",
  }));
  const loads = Array.from({ length: count }, (_, i) => ({ vaddr: BASE + BigInt(i) * 2n * PAGE + PAGE, filesz: 0, offset: 0, memsz: PAGE }));
  const bytes = buildCore({
    notes: [
      { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
      { name: "CORE", type: NT_FILE, desc: fileNote([...mappings, ...extra]) },
    ],
    loads,
  });
  return new CoreFile(bufferSource(bytes));
}

const missing = () => {
  throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
};

describe("CoreTarget limits", () => {
  it("answers reads of memory neither dumped nor readable from a file without scanning every mapping and segment", () => {
    // 60 000 mappings and 60 000 segments; 200 000 reads of non-dumped file-backed pages (whose
    // files are missing), as a walk over wild pointers makes them. Scanning both lists for each
    // read is 200 000 × 120 000 comparisons of bigints (minutes): the test's timeout is the guard.
    const count = 60_000;
    const target = new CoreTarget(crowdedCore(count), { open: missing });
    let failures = 0;
    for (let i = 0; i < 200_000; i++) {
      const at = BASE + BigInt(count - 1 - (i % 100)) * 2n * PAGE + 8n;
      try {
        target.read(at, 8);
      } catch (error) {
        if (!MemoryError.isInstance(error)) throw error;
        if (/could not be opened/.test(error.message)) failures++;
      }
    }
    expect(failures).toBe(200_000);
  }, 30_000);

  it("finds the module of an address without scanning every mapping of every module", () => {
    const count = 60_000;
    const target = new CoreTarget(crowdedCore(count), { open: missing });
    // 2 × 262 144 lookups; scanning the 60 000 mappings for each is minutes: the test's timeout is the guard.
    let found = 0;
    for (let i = 0; i < 262_144; i++) {
      // In the gaps (dumped-segment pages) between mappings: no module, after checking each mapping.
      if (target.moduleAt(BASE + BigInt(count - 1 - (i % 100)) * 2n * PAGE + PAGE + 8n)) found++;
      const j = i % count;
      if (target.moduleAt(BASE + BigInt(j) * 2n * PAGE + 8n)?.path === (j % 2 === 0 ? "/nonexistent/a.so" : "/nonexistent/b.so")) found++;
    }
    expect(found).toBe(262_144);
  }, 30_000);

  it("resolves overlapping mappings as before: the first in address order that holds the address", () => {
    // Not from a real process: a big mapping of c.so over the first mappings of a.so and b.so.
    const big = { start: BASE - PAGE, end: BASE + 8n * PAGE, pageOffset: 0n, path: "/nonexistent/c.so" };
    const target = new CoreTarget(crowdedCore(8, [big]), { open: missing });
    expect(target.moduleAt(BASE + 8n)?.path).toBe("/nonexistent/c.so");
    expect(target.moduleAt(BASE + 8n * PAGE + 8n)?.path).toBe("/nonexistent/a.so");
    expect(() => target.read(BASE + 8n, 8)).toThrowError(/c\.so could not be opened/);
  });
});

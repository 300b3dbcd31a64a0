// Module against crafted cores: the core's copy of a module's first pages (read for its build-id)
// is input like any other: malformed notes there make no exception escape, and many notes cost
// little.
import { CoreFile, MAX_BUILD_ID_NOTES, bufferSource } from "@corestack/elf";
import { NT_FILE, NT_PRSTATUS } from "@corestack/elf/constants";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../../tools/testing/builders.js";
import { buildCore, fileNote, noteImage, prStatus } from "../../../tools/testing/builders.js";
import { CoreTarget } from "./core_target.js";
import { MAX_MISSING_MODULES } from "./module.js";

const START = 0x40_0000n;

/** A 64 KiB ELF image whose program headers are `noteHeaders` PT_NOTE entries over `noteBytes`. */
const image = (noteHeaders: number, noteBytes: Uint8Array) => noteImage(noteHeaders, noteBytes, 1 << 16);

/** A core mapping `paths` (files that do not exist) all at START, whose first pages are `first`. */
function core(paths: readonly string[], first: Uint8Array): CoreFile {
  return new CoreFile(
    bufferSource(
      buildCore({
        notes: [
          { name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) },
          { name: "CORE", type: NT_FILE, desc: fileNote(paths.map((path) => ({ start: START, end: START + BigInt(first.length), path }))) },
        ],
        loads: [{ vaddr: START, data: first }],
      }),
    ),
  );
}

/**
 * Runs `run` counting the 32-bit words read through any DataView (how notes and headers are read);
 * throws once `bound` is passed, so that a blow-up fails without running to its end.
 */
function countWords(bound: number, run: () => void): number {
  const original = DataView.prototype.getUint32;
  let words = 0;
  DataView.prototype.getUint32 = function (this: DataView, offset: number, littleEndian?: boolean): number {
    if (++words > bound) throw new Error(`more than ${bound} 32-bit words read`);
    return original.call(this, offset, littleEndian);
  };
  try {
    run();
  } finally {
    DataView.prototype.getUint32 = original;
  }
  return words;
}

const missing = () => {
  throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
};

describe("Module limits", () => {
  it("reports a missing file, not a format error, when the core's copy of its first page has malformed notes", () => {
    // One PT_NOTE whose note claims more bytes than the block holds, and no build-id anywhere.
    const malformed = new ByteWriter(true, true).u32(4).u32(0xffff).u32(3).finish();
    const target = new CoreTarget(core(["/nonexistent/python3.12"], image(1, malformed)), { open: missing });
    const [module] = target.modules();
    expect(module!.elf).toBeUndefined();
    expect(module!.error?.code).toBe("file-not-found");
  });

  it("reads a bounded number of notes for the build-id of a module's first pages", () => {
    // 400 PT_NOTE headers over one block of 3 000 empty notes: 1.2 million notes per module, and
    // 30 modules mapped at the same place, each loaded (every one is named like a Python).
    const empty = new Uint8Array(12 * 3000);
    const paths = Array.from({ length: 30 }, (_, i) => `/nonexistent/${i}/python3.12`);
    const target = new CoreTarget(core(paths, image(400, empty)), { open: missing });
    // The words read, not the time taken: a note is three 32-bit words, a program header six (its
    // type and flags, and its offset and file size read as two halves each), so each module costs at
    // most MAX_BUILD_ID_NOTES notes and its 400 headers, not 1.2 million notes (past the bound the
    // count throws, so a blow-up fails at once).
    const bound = paths.length * (3 * MAX_BUILD_ID_NOTES + 400 * 6) + 10_000;
    const words = countWords(bound, () => {
      for (const module of target.modules()) expect(module.elf).toBeUndefined();
    });
    expect(words).toBeGreaterThan(paths.length * MAX_BUILD_ID_NOTES);
  });

  it(`looks for at most ${MAX_MISSING_MODULES} missing files, says so once, and refuses the rest without a system call`, () => {
    const paths = Array.from({ length: MAX_MISSING_MODULES + 200 }, (_, i) => `/nonexistent/${i}/libpython3.12.so.1.0`);
    let opened = 0;
    const warnings: string[] = [];
    const target = new CoreTarget(core(paths, image(1, new Uint8Array(0))), {
      open: () => {
        opened += 1;
        return missing();
      },
      warn: (message) => warnings.push(message),
    });
    for (const module of target.modules()) expect(module.elf).toBeUndefined();
    expect(opened).toBe(MAX_MISSING_MODULES);
    expect(warnings).toEqual([`${MAX_MISSING_MODULES} files the process had mapped were not found: the others are not looked for`]);
    expect(target.modules().at(-1)!.error?.message).toMatch(/not looked for, after 1024 files of the process were not found$/);
  });
});

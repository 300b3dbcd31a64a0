// CoreFile against crafted cores: the notes read grow with the core's bytes, and a limit reached
// is said once.
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { NT_PRSTATUS } from "./constants.js";
import { CoreFile, MAX_THREADS } from "./core_file.js";
import { MAX_NOTES } from "./read_notes.js";
import { buildCore, prStatus } from "./_test_core_builder.js";

describe("CoreFile limits", () => {
  it("reads at most MAX_NOTES notes in all PT_NOTE segments together, and says so once", () => {
    // 1 100 PT_NOTE headers over one block of 1 000 small notes (20 KiB): 1.1 million notes from a
    // 80 KiB file. Each segment's own limit is a million, so 65 534 headers over a block of a
    // million notes would be 6.5 × 10^10.
    const notes = Array.from({ length: 1000 }, () => ({ name: "CORE", type: 0x999, desc: new Uint8Array(0) }));
    const core = new CoreFile(bufferSource(buildCore({ notes: [{ name: "CORE", type: NT_PRSTATUS, desc: prStatus(1) }, ...notes], noteSegments: 1100 })));
    expect(core.notes.length).toBeLessThanOrEqual(MAX_NOTES);
    expect(core.warnings).toEqual([`More than ${MAX_NOTES} notes in all PT_NOTE segments together: the rest are ignored`]);
    expect(core.threads.length).toBeGreaterThan(0);
  });

  it("says once that the NT_PRSTATUS limit was reached, not once per note past it", () => {
    const notes = Array.from({ length: MAX_THREADS + 3 }, (_, i) => ({ name: "CORE", type: NT_PRSTATUS, desc: prStatus(i + 1) }));
    const core = new CoreFile(bufferSource(buildCore({ notes })));
    expect(core.threads).toHaveLength(MAX_THREADS);
    expect(core.warnings).toEqual([`More than ${MAX_THREADS} NT_PRSTATUS notes: the rest are ignored`]);
  });
});

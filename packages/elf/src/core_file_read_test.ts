import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bufferSource } from "./byte_source.js";
import { CoreFile } from "./core_file.js";
import { MemoryError } from "./memory_error.js";
import { buildCore } from "./_test_core_builder.js";

/** What a read must give: each byte from the segment that holds its address, or a MemoryError. */
function reference(segments: readonly { vaddr: bigint; data: Uint8Array }[], address: bigint, length: number): Uint8Array | "missing" {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    const at = address + BigInt(index);
    const segment = segments.find((s) => at >= s.vaddr && at < s.vaddr + BigInt(s.data.length));
    if (!segment) return "missing";
    bytes[index] = segment.data[Number(at - segment.vaddr)]!;
  }
  // A read of nothing still needs its address dumped.
  if (length === 0 && !segments.some((s) => address >= s.vaddr && address < s.vaddr + BigInt(s.data.length))) return "missing";
  return bytes;
}

describe("CoreFile.read", () => {
  it("gives the dumped bytes of any range, within a segment, across adjacent ones, or a MemoryError across a gap (readIfDumped: undefined)", () => {
    fc.assert(
      fc.property(
        // Segments of 1-300 bytes, each after a gap of 0 (adjacent) to 40 bytes.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 5 }),
        // Reads near a segment's first or last byte (where off-by-one errors live), of a few bytes or
        // of hundreds, and anywhere at all.
        fc.array(
          fc.oneof(
            fc.tuple(fc.nat(4), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 9, max: 400 }))),
            fc.tuple(fc.constant(-1), fc.boolean(), fc.integer({ min: -20, max: 1800 }), fc.integer({ min: 0, max: 400 })),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (shape, reads) => {
          const base = 0x7f00_0000_0000n;
          let at = base;
          const segments = shape.map(([gap, size], index) => {
            const vaddr = at + BigInt(gap);
            at = vaddr + BigInt(size);
            return { vaddr, data: Uint8Array.from({ length: size }, (_, i) => (i * 7 + index * 31) & 0xff) };
          });
          const core = new CoreFile(bufferSource(buildCore({ loads: segments })));
          for (const [which, atEnd, delta, length] of reads) {
            const segment = which < 0 ? undefined : segments[which % segments.length]!;
            const edge = segment === undefined ? base : atEnd ? segment.vaddr + BigInt(segment.data.length) : segment.vaddr;
            const address = edge + BigInt(delta);
            const offset = `0x${address.toString(16)}`;
            const expected = reference(segments, address, length);
            if (expected === "missing") {
              expect(() => core.read(address, length), `read(${offset}, ${length})`).toThrow(MemoryError);
              expect(core.readIfDumped(address, length), `readIfDumped(${offset}, ${length})`).toBeUndefined();
            } else {
              expect(Buffer.from(core.read(address, length)).equals(Buffer.from(expected)), `read(${offset}, ${length})`).toBe(true);
              const again = core.readIfDumped(address, length);
              expect(again !== undefined && Buffer.from(again).equals(Buffer.from(expected)), `readIfDumped(${offset}, ${length})`).toBe(true);
            }
          }
        },
      ),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it("reads overlapping segments (a crafted core) the same whatever was read before", () => {
    // The second segment starts inside the first: its bytes win where they overlap.
    const loads = [
      { vaddr: 0x1000n, data: new Uint8Array(64).fill(1) },
      { vaddr: 0x1020n, data: new Uint8Array(64).fill(2) },
    ];
    const fresh = () => new CoreFile(bufferSource(buildCore({ loads })));
    const expected = fresh().read(0x1030n, 4);
    const core = fresh();
    core.read(0x1000n, 4); // the first segment's bytes, before the overlap
    expect(core.read(0x1030n, 4)).toEqual(expected);
    expect([...expected]).toEqual([2, 2, 2, 2]);
  });

  it("names the first byte not dumped in its error, past the segments that are", () => {
    const loads = [
      { vaddr: 0x1000n, data: new Uint8Array(16) },
      { vaddr: 0x1010n, data: new Uint8Array(16) },
    ];
    const core = new CoreFile(bufferSource(buildCore({ loads })));
    const error = (() => {
      try {
        core.read(0x1008n, 40);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })() as MemoryError;
    expect(error).toBeInstanceOf(MemoryError);
    expect(error.address).toBe(0x1020n);
    expect(error.length).toBe(40 - 0x18);
  });

  it("refuses an address far past every segment, whose distance is not a safe integer", () => {
    const core = new CoreFile(bufferSource(buildCore({ loads: [{ vaddr: 0x1000n, data: new Uint8Array(16) }] })));
    expect(() => core.read(0xffff_ffff_ffff_fff0n, 8)).toThrow(MemoryError);
    expect(() => core.read(0x1000n + (1n << 60n), 1)).toThrow(MemoryError);
  });
});

import { describe, expect, it } from "vitest";
import { progressBar } from "./progress.js";

describe("progressBar()", () => {
  it("draws one line with \\r, at most every 100 ms, and erases it at the end", () => {
    const written: string[] = [];
    let now = 0;
    const progress = progressBar(
      (text) => written.push(text),
      () => now,
    );
    progress(1 << 20, 4 << 20);
    now = 50;
    progress(2 << 20, 4 << 20); // too soon: not drawn
    now = 150;
    progress(3 << 20, 4 << 20);
    progress(4 << 20, 4 << 20);
    expect(written).toEqual([
      `\rscanning memory [${"#".repeat(8)}${"-".repeat(22)}] 25% 1.0/4.0 MiB`,
      `\rscanning memory [${"#".repeat(23)}${"-".repeat(7)}] 75% 3.0/4.0 MiB`,
      "\r\x1b[K",
    ]);
  });

  it("writes nothing for a scan that ends before the first redraw", () => {
    const written: string[] = [];
    const progress = progressBar(
      (text) => written.push(text),
      () => 0,
    );
    progress(8, 8);
    progress(1, 1);
    expect(written).toEqual([]);
  });
});

// pthreadMatcher(): a thread state's thread_id (pthread_self()) to the OS thread whose thread
// pointer says so, by the register each thread has, never by the machine running the analysis.
// Before 3.11 this is the only way from a thread state to its OS thread id.
import { describe, expect, it } from "vitest";
import { pthreadMatcher } from "./_threads.js";

describe("pthreadMatcher()", () => {
  it("x86-64: fs_base is pthread_self() itself", () => {
    const match = pthreadMatcher([
      { tid: 10, registers: { fs_base: 0x7f00_0000_0740n } },
      { tid: 11, registers: { fs_base: 0x7f00_0080_0740n } },
    ]);
    expect(match(0x7f00_0080_0740n)).toBe(11);
    expect(match(0x7f00_0000_0740n)).toBe(10);
    expect(match(0x7f00_0000_0000n)).toBeNull();
  });

  it("aarch64: tpidr_el0 is sizeof(struct pthread) above pthread_self(), whatever glibc's size (0x740 in 2.36)", () => {
    const threads = [
      { tid: 20, registers: { tpidr_el0: 0x55_0000_1740n } },
      { tid: 21, registers: { tpidr_el0: 0x55_0080_26f0n } },
      { tid: 22, registers: { tpidr_el0: 0n } },
    ];
    const match = pthreadMatcher(threads);
    expect(match(0x55_0000_1000n)).toBe(20);
    expect(match(0x55_0080_2000n)).toBe(21);
    // Exactly at the thread pointer, or more than 4 KiB below it: not a pthread of that thread.
    expect(match(0x55_0000_1740n)).toBeNull();
    expect(match(0x55_0000_0000n)).toBeNull();
    // Above every thread pointer.
    expect(match(0x56_0000_0000n)).toBeNull();
  });

  it("100 000 threads: one binary search per thread state", () => {
    const threads = Array.from({ length: 100_000 }, (_, i) => ({ tid: i + 1, registers: { tpidr_el0: 0x55_0000_0740n + BigInt(i) * 0x80_0000n } }));
    const match = pthreadMatcher(threads);
    // A scan of every thread per lookup would be 10^10 comparisons: the test's timeout is the guard.
    let wrong = 0;
    for (let i = 0; i < 100_000; i++) if (match(0x55_0000_0000n + BigInt(i) * 0x80_0000n) !== i + 1) wrong++;
    expect(wrong).toBe(0);
  });
});

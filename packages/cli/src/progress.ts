/** Columns of the bar itself. */
const WIDTH = 30;
/** Least time between two redraws: a 100 GiB core would otherwise redraw 100 000 times. */
const INTERVAL_MS = 100;

/**
 * A progress bar for the exhaustive scan, drawn on one line of a terminal (`\r` redraws it) and
 * erased when the scan ends, so that what follows starts on a clean line. Only for a terminal:
 * the caller passes it when stderr is one.
 * @param write writes text to the terminal (stderr).
 * @param now the clock, in milliseconds (a test hook).
 * @returns the callback for `AnalyseOptions.exhaustive.progress`: bytes scanned, bytes in all.
 * @example
 * ```ts
 * const progress = progressBar((text) => process.stderr.write(text));
 * progress(1 << 20, 8 << 20); // "\rscanning memory [####……] 12% 1.0/8.0 MiB"
 * ```
 */
export function progressBar(write: (text: string) => void, now: () => number = () => performance.now()): (scanned: number, total: number) => void {
  let last = -Infinity;
  let drawn = false;
  return (scanned, total) => {
    const done = scanned >= total;
    if (done) {
      if (drawn) write("\r\x1b[K");
      drawn = false;
      return;
    }
    const time = now();
    if (time - last < INTERVAL_MS) return;
    last = time;
    const fraction = total > 0 ? scanned / total : 1;
    const filled = Math.round(fraction * WIDTH);
    const mib = (bytes: number) => (bytes / (1 << 20)).toFixed(1);
    write(`\rscanning memory [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${mib(scanned)}/${mib(total)} MiB`);
    drawn = true;
  };
}

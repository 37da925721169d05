/**
 * Small measuring helpers for stats(): a busy-time meter per pool and a
 * recent-samples window for percentiles. Both take the time from the caller,
 * so tests drive them with a fake clock.
 */

/** Window of the utilization figure: the last full second. */
const BUSY_WINDOW_MS = 1000;

export class BusyMeter {
  private bucket = -1;
  private current = 0;
  private previous = 0;

  /** Adds `execNs` of work finished at `nowMs`. */
  add(nowMs: number, execNs: number): void {
    this.roll(nowMs);
    this.current += execNs;
  }

  /** Busy share of `workers` over the last full window, 0..1. */
  utilization(nowMs: number, workers: number): number {
    this.roll(nowMs);
    return Math.min(1, this.previous / (BUSY_WINDOW_MS * 1e6 * workers));
  }

  private roll(nowMs: number): void {
    const b = Math.floor(nowMs / BUSY_WINDOW_MS);
    if (b === this.bucket) return;
    this.previous = b === this.bucket + 1 ? this.current : 0;
    this.current = 0;
    this.bucket = b;
  }
}

/** Samples kept for percentiles: enough for a stable p99 (10 above it),
 *  small enough to sort on every stats() call. */
export const WINDOW_SAMPLES = 1024;

export class SampleWindow {
  private readonly samples = new Float64Array(WINDOW_SAMPLES);
  private count = 0;

  add(v: number): void {
    this.samples[this.count++ % WINDOW_SAMPLES] = v;
  }

  /** The q-quantile (0..1) of the recent samples; 0 when there are none. */
  quantile(q: number): number {
    const n = Math.min(this.count, WINDOW_SAMPLES);
    if (n === 0) return 0;
    const sorted = this.samples.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!;
  }
}

/**
 * Liveness: each pool reports progress natively (its stats: queued,
 * running, completed, panics). A pool with tasks running whose completed
 * count has not moved for graceMs is stalled ('degraded'): a hang is seen
 * even in tasks without a timeout. Tasks longer than graceMs look the
 * same, so graceMs (stuckGraceMs) should exceed the longest task.
 */
/** Native stats order (Rust stats.rs, Go stats.go): queued, running, completed, panics, workers. */
export const NATIVE_RUNNING = 1;
export const NATIVE_COMPLETED = 2;

/** One pool's liveness from its native progress counters (header). Pure: the clock comes in. */
export class Liveness {
  private completed = -1;
  private movedAt = 0;
  stalled = false;

  constructor(private readonly graceMs: number) {}

  /** A reading of the native counters at `now`; returns true when `stalled` changed. */
  observe(now: number, running: number, completed: number): boolean {
    if (completed !== this.completed || running === 0) {
      this.completed = completed;
      this.movedAt = now;
    }
    const stalled = running > 0 && now - this.movedAt >= this.graceMs;
    const changed = stalled !== this.stalled;
    this.stalled = stalled;
    return changed;
  }

  /** A completion arrived (progress, seen without reading the counters); returns true when `stalled` changed. */
  progressed(now: number): boolean {
    this.movedAt = now;
    const changed = this.stalled;
    this.stalled = false;
    return changed;
  }
}

/**
 * StuckWatch: a running task that is cancelled (timeout, abort) keeps its
 * slot until native code notices the cancel flag; built-in kinds notice
 * within 1 ms. One that has not come back after graceMs marks its worker
 * stuck (the pool is 'degraded') until it does.
 */
export interface Watched<P> {
  /** The pool the task ran on. */
  readonly pool: P | undefined;
}

export class StuckWatch<P, J extends Watched<P>> {
  /** Cancelled running tasks not yet back, with when they were cancelled. */
  private readonly since = new Map<J, number>();
  /** Tasks marked stuck, with the pool whose worker they hold. */
  private readonly marked = new Map<J, P>();
  /** Stuck workers per pool. */
  private readonly counts = new Map<P, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly onChange: (pool: P) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Workers of `pool` holding a task cancelled longer ago than the grace period. */
  stuckOn(pool: P): number {
    return this.counts.get(pool) ?? 0;
  }

  /** A running task was cancelled at `at`. */
  cancelled(job: J, at: number): void {
    this.since.set(job, at);
    this.timer ??= setInterval(() => this.check(), Math.max(10, this.graceMs / 4)).unref();
  }

  /** Its completion came back: its worker is free. */
  returned(job: J): void {
    if (!this.since.delete(job)) return;
    const pool = this.marked.get(job);
    if (pool !== undefined) {
      this.marked.delete(job);
      this.counts.set(pool, this.stuckOn(pool) - 1);
      this.onChange(pool);
    }
    this.stopIfIdle();
  }

  /** Marks the tasks past the grace period; exported for tests. */
  check(): void {
    const now = this.now();
    for (const [job, at] of this.since) {
      const pool = job.pool;
      if (this.marked.has(job) || now - at < this.graceMs || pool === undefined) continue;
      this.marked.set(job, pool);
      this.counts.set(pool, this.stuckOn(pool) + 1);
      this.onChange(pool);
    }
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private stopIfIdle(): void {
    if (this.since.size === 0) this.close();
  }
}

/**
 * Resilience pieces the scheduler wires in (docs/RESILIENCE.md): which
 * outcomes are the runtime's failures, the retry backoff, and the watch
 * that marks a worker stuck when a cancelled task does not come back.
 *
 * - A runtime failure (RUNTIME_FAILURES, or a running task that outlived
 *   its timeoutMs, or a failed boundary call) counts against the pool's
 *   breaker, and an idempotent task that met one is retried, preferring
 *   another pool, up to retry.maxAttempts attempts in all.
 * - Backoff before attempt n (n >= 2): uniform in
 *   [0, min(maxMs, baseMs * 2^(n-2))] ("full jitter": retries of a burst
 *   spread out instead of arriving together).
 * - StuckWatch: a running task that is cancelled (timeout, abort) keeps its
 *   slot until native code notices the cancel flag; built-in kinds notice
 *   within 1 ms. One that has not come back after graceMs marks its worker
 *   stuck (the pool is 'degraded') until it does.
 * - Liveness: each pool reports progress natively (its stats: queued,
 *   running, completed, panics). A pool with tasks running whose completed
 *   count has not moved for graceMs is stalled ('degraded'): a hang is seen
 *   even in tasks without a timeout. Tasks longer than graceMs look the
 *   same, so graceMs (stuckGraceMs) should exceed the longest task.
 */
import { STATUS } from './transport/layout.js';
import type { RetryConfig } from './options.js';

/** Statuses that mean the runtime failed the task: a panic, an injected fault, a descriptor the native checks refused. */
export const RUNTIME_FAILURES: ReadonlySet<number> = new Set([STATUS.INJECTED, STATUS.TASK_PANIC, STATUS.BAD_DESCRIPTOR]);

/** Backoff before attempt `attempt` (>= 2), ms (header). */
export function backoffMs(attempt: number, cfg: RetryConfig, rng: () => number): number {
  return rng() * Math.min(cfg.maxMs, cfg.baseMs * 2 ** (attempt - 2));
}

export interface Watched {
  /** The pool the task ran on; `stuck` counts its stuck workers. */
  readonly pool: { stuck: number } | undefined;
}

export class StuckWatch<J extends Watched> {
  /** Cancelled running tasks not yet back, with when they were cancelled. */
  private readonly since = new Map<J, number>();
  private readonly marked = new Set<J>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly onChange: (pool: J['pool']) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A running task was cancelled at `at`. */
  cancelled(job: J, at: number): void {
    this.since.set(job, at);
    this.timer ??= setInterval(() => this.check(), Math.max(10, this.graceMs / 4)).unref();
  }

  /** Its completion came back: its worker is free. */
  returned(job: J): void {
    if (!this.since.delete(job)) return;
    if (this.marked.delete(job)) {
      job.pool!.stuck--;
      this.onChange(job.pool);
    }
    this.stopIfIdle();
  }

  /** Marks the tasks past the grace period; exported for tests. */
  check(): void {
    const now = this.now();
    for (const [job, at] of this.since) {
      if (this.marked.has(job) || now - at < this.graceMs || job.pool === undefined) continue;
      this.marked.add(job);
      job.pool.stuck++;
      this.onChange(job.pool);
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

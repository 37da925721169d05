/**
 * Resilience pieces the scheduler wires in (docs/RESILIENCE.md): what each
 * outcome means for the pool's breaker and the kind's quarantine, the retry
 * backoff, the refusals of tasks no pool can take, and the watch that marks
 * a worker stuck when a cancelled task does not come back.
 *
 * - Outcomes (outcomeOf): 'runtime' — the runtime failed the task (an
 *   injected fault, a descriptor the native checks refused; the scheduler
 *   adds a running task that outlived its timeoutMs and a failed boundary
 *   call) — counts against the pool's breaker; 'panic' counts against the
 *   kind's quarantine on that pool and, for the pool, as a task it ran (it
 *   contained the panic); 'ok' is everything else, the task's own failures
 *   included; 'lost': a task cancelled while it ran says nothing either way
 *   (its probe, if it was one, is free again).
 * - An idempotent task that met a runtime failure or a panic is retried,
 *   preferring another pool (the panic may be that pool's implementation of
 *   the kind), up to retry.maxAttempts attempts in all.
 * - Backoff before attempt n (n >= 2): uniform in
 *   [0, min(maxMs, baseMs * 2^(n-2))] ("full jitter": retries of a burst
 *   spread out instead of arriving together).
 * - Refusals: a task that no pool can take (every candidate's breaker, or
 *   the kind's quarantine on it, is open) fails at once, counted as failed,
 *   but its rejection is delivered with the others refused meanwhile, every
 *   REFUSAL_BATCH_MS. Delivered in the microtasks of its submit, callers
 *   that resubmit on failure never let the event loop turn: no completion
 *   is drained, no timer fires (regression: 410 457 refusals in 4 s, 267
 *   completions, event-loop delay ~1 s); batched, each such caller costs
 *   one submit per batch (~6 µs measured).
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
import type { CrossfairError } from './errors.js';

/** Statuses that mean the runtime failed the task: an injected fault, a descriptor the native checks refused. */
export const RUNTIME_FAILURES: ReadonlySet<number> = new Set([STATUS.INJECTED, STATUS.BAD_DESCRIPTOR]);

/** What an outcome means for the pool's breaker and the kind's quarantine (header). */
export type Outcome = 'ok' | 'runtime' | 'panic' | 'lost';

/** The Outcome of a completion's status. */
export function outcomeOf(status: number): Outcome {
  if (status === STATUS.TASK_PANIC) return 'panic';
  return RUNTIME_FAILURES.has(status) ? 'runtime' : 'ok';
}

/** Backoff before attempt `attempt` (>= 2), ms (header). */
export function backoffMs(attempt: number, cfg: RetryConfig, rng: () => number): number {
  return rng() * Math.min(cfg.maxMs, cfg.baseMs * 2 ** (attempt - 2));
}

/** Interval at which refusals are delivered (header): short next to openMs (what a refused caller
 *  waits for anyway), long next to a refusal's cost (~6 µs: 64 callers resubmitting at once take
 *  ~4% of the event loop). Raise it if many more callers spin on refusals. */
export const REFUSAL_BATCH_MS = 10;

/** Rejections of refused tasks, delivered together every `delayMs` (header). */
export class Refusals {
  private rejects: ((e: CrossfairError) => void)[] = [];
  private errors: CrossfairError[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs = REFUSAL_BATCH_MS) {}

  get pending(): number {
    return this.rejects.length;
  }

  add(reject: (e: CrossfairError) => void, error: CrossfairError): void {
    this.rejects.push(reject);
    this.errors.push(error);
    this.timer ??= setTimeout(this.deliver, this.delayMs);
  }

  /** Delivers what is pending now (the timer calls it). */
  readonly deliver = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rejects = this.rejects;
    const errors = this.errors;
    this.rejects = [];
    this.errors = [];
    for (let i = 0; i < rejects.length; i++) rejects[i]!(errors[i]!);
  };
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

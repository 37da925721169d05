/**
 * Breaker: one pool's circuit breaker, and the pool's health derived from
 * it (quarantine.ts uses the same breaker per task kind on one pool, for
 * faults of the kind rather than of the runtime). Pure: the clock comes in
 * as arguments (ms), so tests drive it exactly.
 *
 *   closed ──(failure rate >= errorRate over >= minCalls in windowMs,
 *             or consecutiveFailures failures in a row)──▶ open
 *   open ──(openMs passed, checked when asked)──▶ half-open
 *   half-open: lets `probes` tasks through, one batch at a time;
 *     all of them succeed ──▶ closed (window cleared)
 *     any fails           ──▶ open (the wait starts again)
 *
 * What counts (resilience/outcomes.ts outcomeOf; the scheduler records outcomes in
 * settle/cancel): for the pool's breaker a failure is the runtime failing
 * the task — an injected fault, a corrupted descriptor, a boundary call
 * that failed, or a running task that outlived its timeoutMs (a latency
 * breach). A task that fails on its own terms (the `fail` kind, bad input)
 * counts as a success: the runtime did its job, and the same task would
 * fail on any pool. So does a panic: the runtime contained it; it is a
 * fault of the kind (and of its input), which the kind's quarantine counts.
 *
 * Two trips, as Envoy's outlier detection has them: the rate over a window
 * (consecutive errors are not needed: a pool failing half its tasks opens),
 * and a run of failures in a row, with its own small threshold, which opens
 * a pool that failed everything it ran although it ran too few tasks for
 * the rate to be trusted (regression: a pool failed the 16 tasks placed on
 * it, got no more, and stayed closed at 16 < minCalls), and sooner when a
 * healthy pool fails all at once: the window still holds the last second's
 * successes (measured: 459 ms to open on the rate alone at ~4 000 tasks/s,
 * a few ms on the run).
 *
 * The window is WINDOW_BUCKETS buckets of windowMs / WINDOW_BUCKETS, so
 * old outcomes age out in steps, without a timer.
 *
 * Health (BreakerState plus what the scheduler knows):
 *   down      the breaker is open (or the pool could not be loaded);
 *   degraded  half-open, or a worker is stuck (a cancelled task that has
 *             not come back after the grace period), or every outcome in
 *             the window failed (however few), or failures are at least
 *             DEGRADED_RATE of a window of at least minCalls / 2;
 *   healthy   otherwise.
 */
import type { BreakerState, PoolHealth } from '../types.js';

export interface BreakerConfig {
  /** Failure share of the window that opens the breaker (0..1]. */
  errorRate: number;
  /** Outcomes in the window before the rate is trusted. */
  minCalls: number;
  /** Failures in a row that open it whatever the window holds. */
  consecutiveFailures: number;
  windowMs: number;
  /** How long the breaker stays open before probing. */
  openMs: number;
  /** Tasks let through while half-open; all must succeed to close. */
  probes: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { errorRate: 0.5, minCalls: 20, consecutiveFailures: 5, windowMs: 1000, openMs: 1000, probes: 3 };
export const WINDOW_BUCKETS = 10;
/** Failure share at which a closed breaker's pool reports 'degraded'. */
export const DEGRADED_RATE = 0.1;

export type BreakerListener = (from: BreakerState, to: BreakerState, why: string) => void;

export class Breaker {
  state: BreakerState = 'closed';
  /** Times the breaker opened. */
  opened = 0;
  private readonly calls = new Array<number>(WINDOW_BUCKETS).fill(0);
  private readonly fails = new Array<number>(WINDOW_BUCKETS).fill(0);
  /** Sums of calls and fails: kept as buckets fill and empty (record runs once per task). */
  private callSum = 0;
  private failSum = 0;
  private bucketAt = 0;
  private openedAt = 0;
  private probesOut = 0;
  private probesOk = 0;
  /** Failures in a row while closed. */
  private streak = 0;

  constructor(
    private readonly cfg: BreakerConfig,
    private readonly onChange: BreakerListener = () => undefined,
    /** What a failed task did, for the reasons given ("failed", "panicked"). */
    private readonly failedWord = 'failed',
  ) {}

  /** May a task be dispatched to the pool now? Moves open → half-open when openMs has passed. */
  allows(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.cfg.openMs) return false;
      this.probesOut = 0;
      this.probesOk = 0;
      this.move('half-open', `${this.cfg.openMs} ms passed; probing`);
    }
    return this.probesOut < this.cfg.probes;
  }

  /** A task was dispatched (counts the probes while half-open). */
  dispatched(): void {
    if (this.state === 'half-open') this.probesOut++;
  }

  /** A task dispatched while half-open will report no outcome (cancelled): its probe is free again. */
  abandon(): void {
    if (this.state === 'half-open' && this.probesOut > 0) this.probesOut--;
  }

  /** A dispatched task's outcome, as the header defines it. */
  record(ok: boolean, now: number): void {
    if (this.state === 'open') return; // dispatched before it opened: the decision is made
    if (this.state === 'half-open') {
      if (!ok) {
        this.open(now, `a probe ${this.failedWord}`);
      } else if (++this.probesOk >= this.cfg.probes) {
        this.clear(now);
        this.move('closed', `${this.cfg.probes} probes succeeded`);
      }
      return;
    }
    this.roll(now);
    const b = this.bucket(now);
    this.calls[b]!++;
    this.callSum++;
    if (!ok) {
      this.fails[b]!++;
      this.failSum++;
    }
    this.streak = ok ? 0 : this.streak + 1;
    const calls = this.callSum;
    const fails = this.failSum;
    if (this.streak >= this.cfg.consecutiveFailures) {
      this.open(now, `${this.streak} tasks in a row ${this.failedWord}`);
    } else if (calls >= this.cfg.minCalls && fails / calls >= this.cfg.errorRate) {
      this.open(now, `${fails} of the last ${calls} tasks ${this.failedWord} in ${this.cfg.windowMs} ms (threshold ${this.cfg.errorRate})`);
    }
  }

  /** Failure share of the window now (0 without outcomes). */
  failureRate(now: number): number {
    this.roll(now);
    return this.callSum === 0 ? 0 : this.failSum / this.callSum;
  }

  /** The pool's health (header); `stuck` = workers the scheduler knows are stuck. */
  health(now: number, stuck: number): PoolHealth {
    if (this.state === 'open' && now - this.openedAt < this.cfg.openMs) return 'down';
    if (this.state !== 'closed' || stuck > 0) return 'degraded';
    const rate = this.failureRate(now);
    // rate 1: every outcome in the window failed, too few to open it yet.
    return rate === 1 || (rate >= DEGRADED_RATE && this.callSum >= this.cfg.minCalls / 2) ? 'degraded' : 'healthy';
  }

  private open(now: number, why: string): void {
    this.openedAt = now;
    this.opened++;
    this.clear(now);
    this.move('open', why);
  }

  private move(to: BreakerState, why: string): void {
    const from = this.state;
    this.state = to;
    this.onChange(from, to, why);
  }

  private clear(now: number): void {
    this.streak = 0;
    this.calls.fill(0);
    this.fails.fill(0);
    this.callSum = 0;
    this.failSum = 0;
    this.bucketAt = Math.floor(now / this.width());
  }

  private width(): number {
    return this.cfg.windowMs / WINDOW_BUCKETS;
  }

  private bucket(now: number): number {
    return Math.floor(now / this.width()) % WINDOW_BUCKETS;
  }

  /** Empties the buckets that time has passed since the last outcome. */
  private roll(now: number): void {
    const at = Math.floor(now / this.width());
    const steps = Math.min(WINDOW_BUCKETS, at - this.bucketAt);
    for (let k = 1; k <= steps; k++) {
      const b = (this.bucketAt + k) % WINDOW_BUCKETS;
      this.callSum -= this.calls[b]!;
      this.failSum -= this.fails[b]!;
      this.calls[b] = 0;
      this.fails[b] = 0;
    }
    if (at > this.bucketAt) this.bucketAt = at;
  }
}

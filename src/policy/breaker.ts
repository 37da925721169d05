/**
 * Breaker: one pool's circuit breaker, and the pool's health derived from
 * it. Pure: the clock comes in as arguments (ms), so tests drive it exactly.
 *
 *   closed ──(failure rate >= errorRate over >= minCalls in windowMs,
 *             or minCalls failures in a row)──▶ open
 *   open ──(openMs passed, checked when asked)──▶ half-open
 *   half-open: lets `probes` tasks through, one batch at a time;
 *     all of them succeed ──▶ closed (window cleared)
 *     any fails           ──▶ open (the wait starts again)
 *
 * What counts (the scheduler decides, scheduler.ts settle/cancel): a
 * failure is the runtime failing the task — a panic, an injected fault, a
 * corrupted descriptor, a boundary call that failed, or a running task that
 * outlived its timeoutMs (a latency breach). A task that fails on its own
 * terms (the `fail` kind, bad input) counts as a success: the runtime did
 * its job, and the same task would fail on any pool.
 *
 * The window is WINDOW_BUCKETS buckets of windowMs / WINDOW_BUCKETS, so
 * old outcomes age out in steps, without a timer. The run of failures in a
 * row trips it sooner when a healthy pool fails all at once: the window
 * still holds the last second's successes (measured: 459 ms to open on the
 * rate alone at ~4 000 tasks/s, a few ms on the run).
 *
 * Health (BreakerState plus what the scheduler knows):
 *   down      the breaker is open (or the pool could not be loaded);
 *   degraded  half-open, or a worker is stuck (a cancelled task that has
 *             not come back after the grace period), or failures are at
 *             least DEGRADED_RATE of the window;
 *   healthy   otherwise.
 */
import type { BreakerState, PoolHealth } from '../types.js';

export interface BreakerConfig {
  /** Failure share of the window that opens the breaker (0..1]. */
  errorRate: number;
  /** Outcomes in the window before the rate is trusted. */
  minCalls: number;
  windowMs: number;
  /** How long the breaker stays open before probing. */
  openMs: number;
  /** Tasks let through while half-open; all must succeed to close. */
  probes: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { errorRate: 0.5, minCalls: 20, windowMs: 1000, openMs: 1000, probes: 3 };
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

  /** A dispatched task's outcome, as the header defines it. */
  record(ok: boolean, now: number): void {
    if (this.state === 'open') return; // dispatched before it opened: the decision is made
    if (this.state === 'half-open') {
      if (!ok) {
        this.open(now, 'a probe failed');
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
    if (this.streak >= this.cfg.minCalls) {
      this.open(now, `${this.streak} tasks in a row failed`);
    } else if (calls >= this.cfg.minCalls && fails / calls >= this.cfg.errorRate) {
      this.open(now, `${fails} of the last ${calls} tasks failed in ${this.cfg.windowMs} ms (threshold ${this.cfg.errorRate})`);
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
    return this.failureRate(now) >= DEGRADED_RATE && this.callSum >= this.cfg.minCalls / 2 ? 'degraded' : 'healthy';
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


/**
 * TokenBucket: a rate limit of `ratePerSec` with bursts up to `burst`,
 * refilled continuously from the injected clock (ms). Pure: no timers; the
 * caller asks how long until the next token when it needs to wait.
 *
 *   tokens(t) = min(burst, tokens(t0) + (t - t0) * ratePerSec / 1000)
 */

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True if a token is available now (takes none). */
  has(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Milliseconds until a token is available (0 if one is). */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.ratePerSec;
  }

  /** Full again: indistinguishable from a new bucket, so it may be dropped. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSec) / 1000);
      this.last = now;
    }
  }
}

/** Default burst: one second's worth, at least 1. */
export function defaultBurst(ratePerSec: number): number {
  return Math.max(1, Math.ceil(ratePerSec));
}

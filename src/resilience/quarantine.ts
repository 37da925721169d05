/**
 * Quarantine: per task kind on one pool, a Breaker (breaker.ts, failedWord
 * "panicked") fed by that kind's outcomes there, a panic being the only
 * failure (resilience/outcomes.ts outcomeOf). Pure: the clock comes in as arguments
 * (ms); the wall clock for `since` is injectable.
 *
 * Protocol with the pool (pool/native-pool.ts):
 * 1. admits(kind, now) where credit is asked: false while the kind's
 *    breaker is open, or half-open with its probes out;
 * 2. dispatched(kind) when a task of the kind is staged (counts probes);
 * 3. record(kind, panicked, now) for its outcome; abandon(kind) when it
 *    will report none about the kind (cancelled, or the runtime failed it);
 * 4. cutOff(kind, now): the reason the kind will not go to the pool until
 *    openMs has passed (for the scheduler's E_POOL_UNAVAILABLE), else
 *    undefined.
 *
 * While one is open, tasks of the kind are not placed on the pool; the pool
 * keeps serving every other kind, and the kind keeps every other pool. A
 * kind's breaker is made at its first panic on the pool (its window starts
 * there): kinds that never panic cost one Map size check per placement.
 * `cfg` null: nothing is ever quarantined.
 *
 * Alternatives rejected: counting panics against the pool's breaker (the
 * first version: one tenant's panicking tasks opened every pool for every
 * tenant); a quarantine per tenant (a panic is a fault of the kind's code
 * on some input; the tenant is only where the input came from, and tenants
 * are unbounded, kinds are not).
 */
import { Breaker, type BreakerConfig } from './breaker.js';
import type { BreakerState } from '../types.js';

/** A kind cut off one pool, as stats() reports it. */
export interface QuarantineEntry {
  kind: string;
  /** 'open' (no task of the kind goes to the pool) or 'half-open' (probing). */
  state: BreakerState;
  /** When it was cut off, ms since the epoch (Date.now()). */
  since: number;
  /** The threshold crossed. */
  reason: string;
}

/** One kind's breaker on one pool (metrics read every kind ever quarantined). */
export interface KindBreaker {
  readonly kind: string;
  readonly breaker: Breaker;
  since: number;
  reason: string;
}

export type QuarantineListener = (kind: string, from: BreakerState, to: BreakerState, why: string) => void;

/** The kinds quarantined on one pool (header). */
export class Quarantine {
  private readonly kinds = new Map<string, KindBreaker>();

  constructor(
    private readonly cfg: BreakerConfig | null,
    private readonly onChange: QuarantineListener = () => undefined,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** Some kind has had a breaker here (the fast path is size 0). */
  get size(): number {
    return this.kinds.size;
  }

  /** May a task of `kind` be dispatched now? Moves open → half-open when openMs has passed. */
  admits(kind: string, now: number): boolean {
    const k = this.kinds.get(kind);
    return k === undefined || k.breaker.state === 'closed' || k.breaker.allows(now);
  }

  /** Why tasks of `kind` cannot go here until openMs has passed, or undefined when they can or soon may (closed; half-open, probing). */
  cutOff(kind: string, now: number): string | undefined {
    const k = this.kinds.get(kind);
    if (k === undefined || k.breaker.state === 'closed' || k.breaker.allows(now) || k.breaker.state !== 'open') return undefined;
    return `${kind} quarantined: ${k.reason}`;
  }

  dispatched(kind: string): void {
    if (this.kinds.size > 0) this.kinds.get(kind)?.breaker.dispatched();
  }

  /** An outcome of a task of `kind` here: panicked or not. */
  record(kind: string, panicked: boolean, now: number): void {
    let k = this.kinds.get(kind);
    if (k === undefined) {
      if (!panicked || this.cfg === null) return;
      k = this.make(kind);
    }
    k.breaker.record(!panicked, now);
  }

  /** A task of `kind` dispatched here reports nothing about the kind (cancelled, or the runtime failed it). */
  abandon(kind: string): void {
    if (this.kinds.size > 0) this.kinds.get(kind)?.breaker.abandon();
  }

  /** The kinds cut off now (open or half-open), for stats(). */
  list(): QuarantineEntry[] {
    const out: QuarantineEntry[] = [];
    for (const k of this.kinds.values()) {
      if (k.breaker.state !== 'closed') out.push({ kind: k.kind, state: k.breaker.state, since: k.since, reason: k.reason });
    }
    return out;
  }

  /** Every kind that has had a breaker here, whatever its state (metrics). */
  all(): Iterable<KindBreaker> {
    return this.kinds.values();
  }

  private make(kind: string): KindBreaker {
    const k: KindBreaker = {
      kind,
      since: 0,
      reason: '',
      breaker: new Breaker(
        this.cfg!,
        (from, to, why) => {
          if (to === 'open') {
            if (from === 'closed') k.since = this.wallClock();
            k.reason = why;
          }
          this.onChange(kind, from, to, why);
        },
        'panicked',
      ),
    };
    this.kinds.set(kind, k);
    return k;
  }
}

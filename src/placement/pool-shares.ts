/**
 * PoolShares: the pools' `minShare` / `maxShare`, i.e. bounds on the part
 * of the scheduler's work each pool does, counted in execution time charged
 * at dispatch over a window decaying with time constant SHARE_TAU_MS.
 *
 * Protocol with the scheduler (only built when some pool sets a share):
 * 1. tick(now) once per flush: decays every pool's sum;
 * 2. adjust(i, ...) after placement picks pool i for an unpinned task:
 *    - a pool at or over its maxShare is not a candidate: the task goes to
 *      the candidate with the smallest share below its own cap, or waits
 *      (-1) if there is none (a cap, like maxInFlight: nothing is refused);
 *    - a candidate under its minShare takes the task first (the one
 *      furthest under), so a pool the costs would starve still gets its
 *      floor;
 *    candidates are the pools that implement the kind and have credit;
 * 3. add(i, chargedUs) for every dispatch (pinned ones too: a pin is
 *    obeyed, but its work counts).
 * Until WARM_US of work is in the window no bound applies: a share of
 * almost nothing says nothing, and the first tasks must go somewhere.
 *
 * Invariant (options.ts checks it): the minShares sum to at most 1 and each
 * minShare <= its pool's maxShare, so the floors can all be met at once.
 */

/** Time constant of the share window, ms. */
export const SHARE_TAU_MS = 1000;
/** Work in the window before shares are enforced, µs. */
export const WARM_US = 10_000;

export interface ShareBounds {
  minShare: number;
  maxShare: number;
}

export interface ShareCandidate {
  readonly kinds: { has(kind: string): boolean };
  hasCreditFor(kind: string, urgent: boolean): boolean;
}

export class PoolShares {
  private readonly sums: number[];
  private total = 0;
  private last: number;

  constructor(
    private readonly bounds: readonly ShareBounds[],
    now: number,
  ) {
    this.sums = bounds.map(() => 0);
    this.last = now;
  }

  /** Step 1. */
  tick(now: number): void {
    const dt = now - this.last;
    if (dt <= 0) return;
    this.last = now;
    const f = Math.exp(-dt / SHARE_TAU_MS);
    this.total = 0;
    for (let i = 0; i < this.sums.length; i++) {
      this.sums[i]! *= f;
      this.total += this.sums[i]!;
    }
  }

  /** Step 3. */
  add(i: number, chargedUs: number): void {
    this.sums[i]! += chargedUs;
    this.total += chargedUs;
  }

  /** Pool i's share of the window's work (0 before any). */
  share(i: number): number {
    return this.total > 0 ? this.sums[i]! / this.total : 0;
  }

  /** Step 2. `i` is placement's pick (-1: none); returns the pool to use or -1. */
  adjust(i: number, kind: string, urgent: boolean, pools: readonly ShareCandidate[]): number {
    if (this.total < WARM_US) return i;
    let under = -1;
    let underBy = 0;
    let lowest = -1;
    for (let k = 0; k < pools.length; k++) {
      const p = pools[k]!;
      if (!p.kinds.has(kind) || !p.hasCreditFor(kind, urgent)) continue;
      const s = this.share(k);
      const b = this.bounds[k]!;
      if (s < b.minShare && b.minShare - s > underBy) {
        under = k;
        underBy = b.minShare - s;
      }
      if (s < b.maxShare && (lowest < 0 || s < this.share(lowest))) lowest = k;
    }
    if (under >= 0) return under;
    if (i >= 0 && this.share(i) < this.bounds[i]!.maxShare) return i;
    return lowest;
  }
}

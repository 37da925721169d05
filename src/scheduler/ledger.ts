/**
 * Ledger: the one place where tasks are counted. Every submitted task is in
 * exactly one state at a time, and one function (`move`) changes it, for the
 * task's class, its rollout arm and the totals together:
 *
 *   admit ──▶ QUEUED ──▶ IN_FLIGHT ──▶ COMPLETED | FAILED | CANCELLED
 *               ▲  │          │
 *               │  └──────────┼──────▶ FAILED | CANCELLED   (cancelled or
 *               │             ▼                              failed queued)
 *             BACKOFF ◀── (a retry waits out its backoff; counted as queued)
 *
 * So `submitted = completed + failed + cancelled + queued + inFlight` holds
 * by construction: admit adds one to `submitted` and one to a state, and a
 * move takes one from a state and gives it to another. With
 * CROSSFAIR_CHECK_INVARIANTS=1 in the environment (the test suite sets it)
 * every move also checks the sums and the move's legality, and throws on a
 * breach: a bug found where it happens, not in a stats() long after.
 */

/** A task's state; `queued` in stats() counts QUEUED and BACKOFF. */
export const QUEUED = 0;
export const IN_FLIGHT = 1;
/** Waiting out a retry backoff: counted as queued, not in the queue. */
export const BACKOFF = 2;
export const COMPLETED = 3;
export const FAILED = 4;
export const CANCELLED = 5;
export type TaskState = typeof QUEUED | typeof IN_FLIGHT | typeof BACKOFF | typeof COMPLETED | typeof FAILED | typeof CANCELLED;

/** The counter each state adds to. */
const Q = 0;
const F = 1;
const C = 2;
const X = 3;
const K = 4;
const SUBMITTED = 5;
const COUNTER: readonly number[] = [Q, F, Q, C, X, K];

/** Which moves are legal: from → to. */
const LEGAL: readonly (readonly TaskState[])[] = [
  /* QUEUED    */ [IN_FLIGHT, FAILED, CANCELLED],
  /* IN_FLIGHT */ [COMPLETED, FAILED, CANCELLED, BACKOFF],
  /* BACKOFF   */ [QUEUED, FAILED, CANCELLED],
  [],
  [],
  [],
];

/** Counts of one class, one arm or the totals. */
export class Counts {
  /** Indexed by the counters above; floats, since a long-lived process passes 2^31 tasks. */
  readonly n = new Float64Array(6);

  get submitted(): number {
    return this.n[SUBMITTED]!;
  }
  get queued(): number {
    return this.n[Q]!;
  }
  get inFlight(): number {
    return this.n[F]!;
  }
  get completed(): number {
    return this.n[C]!;
  }
  get failed(): number {
    return this.n[X]!;
  }
  get cancelled(): number {
    return this.n[K]!;
  }

  /** submitted - (completed + failed + cancelled + queued + inFlight): zero unless the ledger has a bug. */
  imbalance(): number {
    const n = this.n;
    return n[SUBMITTED]! - (n[Q]! + n[F]! + n[C]! + n[X]! + n[K]!);
  }
}

/** What the ledger needs of a task. */
export interface Entry {
  state: TaskState;
  /** Index of its class. */
  readonly classIndex: number;
  /** In the rollout's candidate arm. */
  readonly canary: boolean;
}

export class Ledger {
  readonly totals = new Counts();
  readonly classes: Counts[];
  /** [baseline, candidate] when a rollout runs. */
  readonly arms: [Counts, Counts] | undefined;
  private readonly check: boolean;

  constructor(classes: number, withArms: boolean, check = process.env.CROSSFAIR_CHECK_INVARIANTS === '1') {
    this.classes = Array.from({ length: classes }, () => new Counts());
    this.arms = withArms ? [new Counts(), new Counts()] : undefined;
    this.check = check;
  }

  /** A task was submitted: it starts QUEUED. */
  admit(e: Entry): void {
    e.state = QUEUED;
    this.add(e, SUBMITTED, 1);
    this.add(e, Q, 1);
  }

  /** Moves `e` to `to`, in every count it belongs to. */
  move(e: Entry, to: TaskState): void {
    const from = e.state;
    if (this.check && !LEGAL[from]!.includes(to)) throw new Error(`ledger: illegal move ${from} → ${to}`);
    e.state = to;
    const a = COUNTER[from]!;
    const b = COUNTER[to]!;
    if (a !== b) {
      this.add(e, a, -1);
      this.add(e, b, 1);
    }
    if (this.check) this.verify(e);
  }

  private add(e: Entry, counter: number, by: number): void {
    this.totals.n[counter]! += by;
    this.classes[e.classIndex]!.n[counter]! += by;
    if (this.arms !== undefined) this.arms[e.canary ? 1 : 0].n[counter]! += by;
  }

  private verify(e: Entry): void {
    const all = [this.totals, this.classes[e.classIndex]!, ...(this.arms ? [this.arms[e.canary ? 1 : 0]] : [])];
    for (const c of all) {
      if (c.imbalance() !== 0 || c.n.some((v) => v < 0)) throw new Error(`ledger: counts out of balance: ${Array.from(c.n).join(',')}`);
    }
  }
}

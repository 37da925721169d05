/**
 * PoolModel: what the scheduler has measured about one pool. Pure: every
 * time is passed in (ms on the scheduler's clock), nothing is read here.
 *
 * Owns, for one pool:
 * - per kind, the learned cost of a task in µs *on this pool* (wall execution
 *   time, the only time the native side reports), as two small fits:
 *     size fit:  cost = a + b·inLen          (fixed part + per-byte part)
 *     hint fit:  cost = a' + b'·estimate.cpuUs (calibrates the caller's hints)
 *   each an exponentially weighted least-squares line (below);
 * - the pool's capacity: execution µs completed per wall µs of busy time,
 *   i.e. how many tasks it really runs at once (≈ workers for a thread pool);
 * - per kind, the same figure for that kind alone ("overlap"): above the
 *   worker count it means the pool overlaps tasks of the kind, i.e. they
 *   spend their time waiting, and waiting is cheap there;
 * - its backlog: the estimated µs of work handed to it and not finished.
 *
 * Equations (x = inLen or hint, y = measured execUs, α = EWMA weight):
 *   α_n   = max(EWMA_ALPHA, 1/n)        (a plain mean until 1/EWMA_ALPHA samples)
 *   clamp: y ≤ max(OUTLIER_FACTOR · max(ŷ(x), CLAMP_FLOOR_US), ŷ(x) + DEV_K · dev)
 *          after WARMUP_SAMPLES; dev ← dev + DEV_ALPHA (|y − ŷ(x)| − dev)
 *   x̄ ← x̄ + α dx;  ȳ ← ȳ + α dy;  Cxx ← (1−α)(Cxx + α dx²);  Cxy ← (1−α)(Cxy + α dx dy)
 *   b = Cxy / Cxx when the sizes spread (Cxx > (SLOPE_MIN_CV · x̄)²), b ≥ 0, a = ȳ − b x̄ ≥ 0
 *   ŷ(x) = a + b x; without spread: ȳ (size fit), ȳ/x̄ · x (hint fit: hints are
 *   meant to be proportional to cost); x̄ < 1 (a byte, a µs): ȳ
 *   capacity = W / B, where on every start/finish after busy wall time dt:
 *     w = dt · min(1, inFlight / workers);  W ← W e^(−w/τ);  B ← B e^(−w/τ) + w
 *   and W += execUs at each finish. Idle time neither counts nor decays.
 *   Prior: W = workers · PRIOR_BUSY_US, B = PRIOR_BUSY_US.
 *
 * Estimate of a task's cost here, first that applies:
 *   1. this pool measured the kind: hint fit (task has a hint, fit has data),
 *      else size fit;
 *   2. another pool measured it: that pool's estimate × relativeSpeed (the
 *      geometric mean, over kinds both measured, of this pool's cost / its);
 *   3. the task's hint (`estimate.cpuUs`), as given;
 *   4. unknown (undefined; `start` charges DEFAULT_COST_US).
 *
 * What I/O-ness is learned from, honestly: the native side reports only wall
 * execution time, never CPU time, so "wall far above CPU" cannot be observed
 * per task. What *can* be observed soundly is overlap: a pool that runs more
 * tasks of a kind at once than it has workers (its measured concurrency for
 * the kind exceeds `workers`) is one where those tasks wait rather than
 * compute, i.e. where waiting is cheap. A pool of W threads can never show
 * more than W (up to attribution noise), so the signal is not fooled by slow
 * or loaded pools. Whether a *task* is I/O-bound is taken from `estimate.io`
 * only (predict.ts). A pool that time-slices CPU-bound tasks beyond its
 * workers would also show overlap; its per-task cost then inflates with the
 * concurrency, which the completion estimate sees.
 *
 * Invariants: inFlight ≥ 0; backlogUs ≥ 0 and is 0 when inFlight is 0;
 * every estimate is finite and ≥ 0; capacity() > 0 (it only tends to 0 when
 * the pool stays busy and completes nothing: a hung pool sheds work).
 *
 * Protocol with the scheduler:
 * 1. models share one peers array (`new PoolModel(name, workers, all)`, then
 *    `all.push(model)`), so a pool with no data for a kind borrows others';
 * 2. start(kind, inLen, hintUs, nowMs) when a task is handed to the pool;
 *    it returns the µs charged to the backlog — keep it for step 3;
 * 3. finish(kind, inLen, hintUs, chargedUs, execUs, nowMs, ok) when it
 *    completes (ok = false: failed or cancelled; it counts as work done and
 *    leaves the backlog, but its time is not learned as the kind's cost);
 * 4. costUs / capacity / backlogUs / overlap are read by placement.
 *
 * Alternatives rejected: a plain EWMA of execUs (the first version; cannot tell
 * a 1 MB sha256 from a 1 KB one); a two-EWMA split of fixed and per-byte
 * parts (needs a size threshold per kind); utilization over the last second
 * as capacity (measures demand, not what the pool can do: an idle pool would
 * look slow); correlating process CPU time with execution time to learn
 * I/O-ness (one process-wide counter for all pools and kinds: too confounded
 * to attribute on a 2-core machine).
 */
/** Weight of a new sample in the smoothed fits: about the last 10 tasks dominate. Tune with the fairness bench. */
export const EWMA_ALPHA = 0.1;
/** Samples above this multiple of the estimate are clamped (after warm-up). */
export const OUTLIER_FACTOR = 4;
/** Charge for a kind never seen and given no hint: a typical small task. */
export const DEFAULT_COST_US = 100;

/** Samples learned unclamped while the fit has no shape yet (sizes may still
 *  differ by orders of magnitude). Picked out of thin air: a few samples. */
export const WARMUP_SAMPLES = 4;
/** Mean-deviation weight and multiple: RFC 6298's RTTVAR (β = 1/4, K = 4),
 *  the classic robust "mean + 4·deviation" bound. */
export const DEV_ALPHA = 0.25;
export const DEV_K = 4;
/** The clamp never goes below OUTLIER_FACTOR × this: a kind measured at ~0 µs
 *  (an empty echo is ~0.1 µs) can still learn it got slower. */
export const CLAMP_FLOOR_US = 1;
/** Sizes whose coefficient of variation is below this are "all the same":
 *  no per-byte part is fitted (it would be noise). Picked: 10 %. */
export const SLOPE_MIN_CV = 0.1;
/** Decay horizon of the capacity and overlap meters, in busy wall µs: long
 *  against tasks (50–500 µs spin), short against a fault injected mid-run. */
export const CAPACITY_TAU_US = 500_000;
/** Weight of the prior "capacity = workers", in busy wall µs: washes out
 *  after ~10 ms of measured work. */
export const PRIOR_BUSY_US = 10_000;
/** Samples of a kind both pools need before it enters relativeSpeed. */
export const MIN_SHARED_SAMPLES = 3;
/** A pool is "where waiting is cheap" for a kind when it runs at least this
 *  multiple of its workers of that kind at once. A thread pool measures ≤ 1
 *  up to attribution noise (tasks are credited at completion), so 1.5 keeps
 *  noise out while any real overlap (2× and up) passes. */
export const IO_OVERLAP_MIN = 1.5;

/** cost = a + b·x, exponentially weighted least squares with damped outliers. */
class LineFit {
  n = 0;
  mx = 0;
  my = 0;
  private cxx = 0;
  private cxy = 0;
  private dev = 0;

  constructor(private readonly proportional: boolean) {}

  at(x: number): number {
    // Below one unit (a byte, a µs) of mean x a ratio is noise, and can
    // overflow (regression: hints of 5e-324 µs made estimates Infinity).
    if (this.mx < 1) return this.my;
    const spread = this.cxx > (SLOPE_MIN_CV * this.mx) ** 2;
    if (!spread) return this.proportional ? (this.my / this.mx) * x : this.my;
    // A cost that falls with size is noise; the intercept stays ≥ 0 (else the
    // line goes through the origin), so ŷ(x) ≥ 0 for every x ≥ 0.
    const b = Math.min(Math.max(0, this.cxy / this.cxx), this.my / this.mx);
    return Math.max(0, this.my + b * (x - this.mx)); // ≥ 0 up to rounding, made exact
  }

  add(x: number, y: number): void {
    if (!(y >= 0 && y < Infinity && x >= 0 && x < Infinity)) return;
    if (this.n === 0) this.dev = y / 2;
    else {
      const p = this.at(x);
      if (this.n >= WARMUP_SAMPLES) y = Math.min(y, Math.max(OUTLIER_FACTOR * Math.max(p, CLAMP_FLOOR_US), p + DEV_K * this.dev));
      this.dev += DEV_ALPHA * (Math.abs(y - p) - this.dev);
    }
    this.n++;
    const a = Math.max(EWMA_ALPHA, 1 / this.n);
    const dx = x - this.mx;
    const dy = y - this.my;
    this.mx += a * dx;
    this.my += a * dy;
    this.cxx = (1 - a) * (this.cxx + a * dx * dx);
    this.cxy = (1 - a) * (this.cxy + a * dx * dy);
  }
}

/** Execution µs completed per busy wall µs: decayed sums over busy time. */
class Concurrency {
  inFlight = 0;
  private work: number;
  private wall = PRIOR_BUSY_US;
  private last = NaN;

  constructor(prior: number) {
    this.work = prior * PRIOR_BUSY_US;
  }

  /** Accrues the busy time since the previous event; call before changing inFlight. */
  advance(nowMs: number, workers: number): void {
    const dtUs = (nowMs - this.last) * 1000;
    if (this.inFlight > 0 && dtUs > 0) {
      const w = dtUs * Math.min(1, this.inFlight / workers);
      const keep = Math.exp(-w / CAPACITY_TAU_US);
      this.work *= keep;
      this.wall = this.wall * keep + w;
    }
    if (!(dtUs < 0)) this.last = nowMs; // a clock that steps back is ignored
  }

  done(execUs: number): void {
    if (execUs > 0 && execUs < Infinity) this.work += execUs;
  }

  value(): number {
    return this.work / this.wall;
  }
}

class KindState {
  /** Estimated µs of this kind handed to the pool and not finished. */
  backlog = 0;
  /** waitsCheaply, recomputed when a task of the kind finishes (placement reads it per task). */
  cheap = false;
  readonly size = new LineFit(false);
  readonly hint = new LineFit(true);
  readonly meter: Concurrency;
  constructor(workers: number) {
    this.meter = new Concurrency(workers);
  }
}

export class PoolModel {
  private readonly kinds = new Map<string, KindState>();
  private readonly meter: Concurrency;
  private backlog = 0;

  constructor(
    readonly name: string,
    readonly workers: number,
    /** All pools' models (this one may be among them); read, never written here. */
    private readonly peers: readonly PoolModel[] = [],
  ) {
    this.meter = new Concurrency(workers);
  }

  /** Estimated µs of work handed to the pool and not yet finished. */
  get backlogUs(): number {
    return this.backlog;
  }

  get inFlight(): number {
    return this.meter.inFlight;
  }

  /** Work-µs per busy wall-µs: about how many tasks the pool runs at once. */
  capacity(): number {
    return this.meter.value();
  }

  /** Measured concurrency of `kind` here (see header); undefined if never run here. */
  overlap(kind: string): number | undefined {
    const k = this.kinds.get(kind);
    return k === undefined || k.size.n === 0 ? undefined : k.meter.value();
  }

  /** Samples learned for `kind` on this pool. */
  samples(kind: string): number {
    return this.kinds.get(kind)?.size.n ?? 0;
  }

  /** Estimated execution µs of a task here (header: "Estimate"); undefined if nothing is known. */
  costUs(kind: string, inLen: number, hintUs?: number): number | undefined {
    const own = this.measured(kind, inLen, hintUs);
    if (own !== undefined) return own;
    let from: PoolModel | undefined;
    for (const p of this.peers) if (p !== this && p.samples(kind) > (from?.samples(kind) ?? 0)) from = p;
    if (from !== undefined) return from.measured(kind, inLen, hintUs)! * this.relativeSpeed(from);
    return hintUs;
  }

  /**
   * This pool's cost over `other`'s for the same task (2 = twice as slow):
   * the geometric mean over kinds both measured, compared at `other`'s mean
   * size. 1 when they share no kind (no evidence either way).
   */
  relativeSpeed(other: PoolModel): number {
    let logSum = 0;
    let count = 0;
    for (const [kind, mine] of this.kinds) {
      const theirs = other.kinds.get(kind);
      if (theirs === undefined || mine.size.n < MIN_SHARED_SAMPLES || theirs.size.n < MIN_SHARED_SAMPLES) continue;
      const x = theirs.size.mx;
      const a = mine.size.at(x);
      const b = theirs.size.at(x);
      if (a < CLAMP_FLOOR_US || b < CLAMP_FLOOR_US) continue; // ratios of ~0 are noise
      logSum += Math.log(a / b);
      count++;
    }
    return count === 0 ? 1 : Math.exp(logSum / count);
  }

  /**
   * Tasks of `kind` overlap here beyond the worker count: they wait rather
   * than compute, and waiting is cheap on this pool (see the header).
   */
  waitsCheaply(kind: string): boolean {
    return this.kinds.get(kind)?.cheap ?? false;
  }

  /**
   * Predicted µs before a task of `kind` starts here. A kind that waits
   * cheaply queues behind nothing (its tasks overlap). Any other kind queues
   * behind the work that occupies workers: the backlog of kinds that do not
   * wait cheaply, drained at the pool's measured capacity for such work (at
   * most its workers: overlapping waits inflate the pool's overall capacity,
   * not its CPU). Regression: dividing the whole backlog by the whole
   * capacity made a Go pool full of cheap sleeps look fast for CPU tasks, and
   * spins avoided the idle Rust worker.
   */
  queueUs(kind: string): number {
    if (this.waitsCheaply(kind)) return 0;
    let busy = 0;
    for (const k of this.kinds.values()) if (k.backlog > 0 && !k.cheap) busy += k.backlog;
    return busy / Math.min(this.capacity(), this.workers);
  }

  /** Step 2 of the protocol. Returns the µs charged to the backlog. */
  start(kind: string, inLen: number, hintUs: number | undefined, nowMs: number): number {
    const charge = this.costUs(kind, inLen, hintUs) ?? DEFAULT_COST_US;
    const k = this.kind(kind);
    this.meter.advance(nowMs, this.workers);
    k.meter.advance(nowMs, this.workers);
    this.meter.inFlight++;
    k.meter.inFlight++;
    this.backlog += charge;
    k.backlog += charge;
    return charge;
  }

  /** Step 3 of the protocol. */
  finish(kind: string, inLen: number, hintUs: number | undefined, chargedUs: number, execUs: number, nowMs: number, ok = true): void {
    const k = this.kind(kind);
    this.meter.advance(nowMs, this.workers);
    k.meter.advance(nowMs, this.workers);
    this.meter.inFlight = Math.max(0, this.meter.inFlight - 1);
    k.meter.inFlight = Math.max(0, k.meter.inFlight - 1);
    this.meter.done(execUs);
    k.meter.done(execUs);
    // Reset on empty so rounding (and charges that changed meanwhile) cannot drift.
    this.backlog = this.meter.inFlight === 0 ? 0 : Math.max(0, this.backlog - chargedUs);
    k.backlog = k.meter.inFlight === 0 ? 0 : Math.max(0, k.backlog - chargedUs);
    if (ok) this.observe(kind, inLen, execUs, hintUs);
    const o = this.overlap(kind);
    k.cheap = o !== undefined && o >= IO_OVERLAP_MIN * this.workers;
  }

  /** Learns one measured execution time (finish calls it; tests call it directly). */
  observe(kind: string, inLen: number, execUs: number, hintUs?: number): void {
    const k = this.kind(kind);
    k.size.add(inLen, execUs);
    if (hintUs !== undefined) k.hint.add(hintUs, execUs);
  }

  /** This pool's own estimate (step 1 of "Estimate"); undefined without data. */
  private measured(kind: string, inLen: number, hintUs: number | undefined): number | undefined {
    const k = this.kinds.get(kind);
    if (k === undefined || k.size.n === 0) return undefined;
    return hintUs !== undefined && k.hint.n > 0 ? k.hint.at(hintUs) : k.size.at(inLen);
  }

  private kind(kind: string): KindState {
    let k = this.kinds.get(kind);
    if (k === undefined) {
      k = new KindState(this.workers);
      this.kinds.set(kind, k);
    }
    return k;
  }
}

/**
 * NativePool: one configured pool (a Rust or Go runtime behind one of the
 * three transports), as the scheduler sees it. The scheduler reaches every
 * runtime through this one class; what differs per runtime is the
 * NativeBackend that `openPools` (pool/open-pools.ts) gives it.
 *
 * Owns the pool's ring transport and its counters.
 *
 * Credits: the pool holds only as many tasks as keep it busy, so the
 * backlog waits in the scheduler's queue, where policy can still reorder it
 * (a deep FIFO inside a pool would undo fairness). With C the pool's
 * measured concurrency for work that occupies workers (completed work per
 * busy wall time, at most its worker count) and the measured mean execution
 * time per such task:
 *   credit = ceil(C) + ceil(C * QUEUE_TARGET_US / meanExecUs)
 * i.e. what runs at once plus about QUEUE_TARGET_US of work queued behind
 * it, at least 1, at most maxInFlight (a quota, even below workers). Tiny
 * tasks get deep credit (and so big batches); long ones shallow credit.
 * Neither input shrinks when credit starves the pool, so credit cannot
 * spiral down. Tasks of a kind that waits cheaply on the pool (they overlap
 * instead of queueing: PoolModel.waitsCheaply) neither use this credit nor
 * enter the mean: nothing of theirs waits in the pool where fairness could
 * have acted, so only maxInFlight (the ring) bounds them.
 *
 * Headroom: when some class has a latency budget, the pool is given a
 * `headroom` (a fraction); the top reserveFor(credit, headroom) credits are
 * then kept for tasks of such classes (urgent), so a spike of them finds a
 * credit at once instead of waiting for bulk work to complete.
 *
 * Everything the pool consults or tells is given at construction
 * (PoolParts): its breaker, quarantine, batcher, headroom, index and the
 * callbacks; none is replaced afterwards.
 *
 * Breaker and quarantine (resilience/breaker.ts): the pool's breaker admits or
 * refuses every task; the quarantine, per kind, the tasks of a kind that
 * panicked here. Both are checked where credit is (hasCredit,
 * hasCreditFor, admitsKind), so placement never sees a pool that would
 * refuse the task; cutOff(kind) says why a pool will not take a kind for a
 * while, for the scheduler's "no pool can run it" refusal.
 *
 * Batching: what a flush staged crosses in one boundary call, now or, when
 * the Batcher (pool/batcher.ts) says so, at the end of this event-loop
 * turn, so that later callbacks of the turn join the call.
 */
import type { NativeBackend } from '../native/backend.js';
import { RingTransport, STAGE_FULL, type Completion, type Staged } from '../transport/ring.js';
import type { CrossfairError } from '../errors.js';
import type { PoolConfig } from '../options.js';
import type { PoolStats, Runtime, Transport } from '../types.js';
import type { PoolView } from '../placement/baselines.js';
import { PoolModel } from '../placement/pool-model.js';
import { crossingUs, type PredictView } from '../placement/predict.js';
import { BusyMeter } from '../observability/windows.js';
import { TokenBucket, defaultBurst } from '../admission/token-bucket.js';
import type { Batcher } from './batcher.js';
import type { Breaker } from '../resilience/breaker.js';
import type { Quarantine } from '../resilience/quarantine.js';
import type { Outcome } from '../resilience/outcomes.js';

/** Work queued per worker inside a pool, beyond the task it runs: long
 *  enough to cover a wake-up and a batch crossing (~50-100 µs measured, see
 *  docs/BENCHMARKS.md) many times over, short next to a latency budget. */
export const QUEUE_TARGET_US = 2000;
/** Credit per worker before anything is measured. */
export const INITIAL_CREDIT_PER_WORKER = 16;
/** Weight of one task in the mean execution time: ~the last 20 tasks. */
const EXEC_EWMA_ALPHA = 0.05;

/** A task as a pool handles it: its own descriptor record (Staged) plus what the pool tracks. */
export interface PoolTask extends Staged {
  /** Kind name, for the pool's model. */
  readonly kind: string;
  /** Slot in this pool's ring while in flight. */
  slot: number;
  /** Its kind waits cheaply on the pool it was sent to (set at dispatch). */
  cheap: boolean;
  /** Its class has a latency budget: it never lingers in a batch. */
  readonly urgent: boolean;
}

/** What a pool is given when it is made: what it consults, and whom it tells. */
export interface PoolParts<T extends PoolTask> {
  /** Index among the scheduler's pools. */
  readonly index: number;
  /** Kind name to wire id, as the native library reported it. */
  readonly kinds: ReadonlyMap<string, number>;
  /** Admits or refuses every task (resilience/breaker.ts). */
  readonly breaker: Breaker;
  /** Cuts off kinds that panicked here (resilience/quarantine.ts). */
  readonly quarantine: Quarantine;
  /** Adaptive batching (header); null: every flush crosses at once. */
  readonly batcher: Batcher | null;
  /** Fraction of credit kept for urgent tasks (header); 0 = none. */
  readonly headroom: number;
  /** Every pool's model so far (peers for seeding estimates); this pool's joins them. */
  readonly models: PoolModel[];
  /** Called for each completion the ring drains. */
  readonly onSettle: (t: T, c: Completion, pool: NativePool<T>) => void;
  /** Called after every drain that settled something. */
  readonly onDrained: () => void;
  /** Called after each boundary call with its tasks and the JS time it took (metrics); undefined when nobody records it. */
  readonly onBatch: ((tasks: number, ms: number) => void) | undefined;
}

/** The pool's own figures; its health comes from the scheduler's health watch (scheduler/health.ts). */
export type OwnPoolStats = Omit<PoolStats, 'health' | 'healthy' | 'stuck' | 'stalled'>;

/** The credit formula of the header, as a pure function of concurrency C. */
export function creditFor(concurrency: number, meanExecUs: number, maxInFlight: number): number {
  const c = Math.max(concurrency, 0);
  const queued = Math.ceil((c * QUEUE_TARGET_US) / Math.max(meanExecUs, 0.01));
  // maxInFlight is the user's hard cap; at least 1 so a pool measured as
  // stuck still receives a probe and can show it recovered.
  return Math.max(1, Math.min(maxInFlight, Math.ceil(c) + queued));
}

/** Credits kept for urgent tasks: ceil(credit * headroom), leaving at least one for the rest. */
export function reserveFor(credit: number, headroom: number): number {
  return headroom <= 0 ? 0 : Math.min(credit - 1, Math.ceil(credit * headroom));
}

export class NativePool<T extends PoolTask> implements PoolView, PredictView {
  readonly name: string;
  readonly runtime: Runtime;
  readonly transport: Transport;
  readonly workers: number;
  readonly maxInFlight: number;
  readonly ring: RingTransport<T>;
  completed = 0;
  failed = 0;
  /** Boundary calls that carried tasks (one per flush with staged work). */
  batches = 0;
  /** Tasks in the last boundary call: what the next task's crossing is shared with. */
  private lastBatch = 1;
  /** What the scheduler has measured about this pool (placement, charges). */
  readonly model: PoolModel;
  /** Wake-ups received from the native side. */
  wakeups = 0;
  /** Tasks the pool may hold now (see the header); at most maxInFlight. */
  credit: number;
  readonly index: number;
  readonly kinds: ReadonlyMap<string, number>;
  readonly breaker: Breaker;
  readonly quarantine: Quarantine;
  private readonly headroom: number;
  private readonly batcher: Batcher | null;
  private readonly onSettle: PoolParts<T>['onSettle'];
  private readonly onDrained: () => void;
  private readonly onBatch: PoolParts<T>['onBatch'];
  /** A staged task is urgent: the batch crosses now. */
  private urgentStaged = false;
  /** A lingering batch will cross at the end of this turn. */
  private lingering = false;
  private closed = false;
  private meanExecUs = 0;
  /** In-flight tasks of kinds that wait cheaply here (they use no credit). */
  private cheapInFlight = 0;
  /** Paces dispatches when the pool has ratePerSec. */
  private readonly pace: TokenBucket | undefined;
  private backend!: NativeBackend;
  private referenced = false;
  private readonly busy = new BusyMeter();

  constructor(cfg: PoolConfig, parts: PoolParts<T>) {
    this.index = parts.index;
    this.kinds = parts.kinds;
    this.breaker = parts.breaker;
    this.quarantine = parts.quarantine;
    this.headroom = parts.headroom;
    this.batcher = parts.batcher;
    this.onSettle = parts.onSettle;
    this.onDrained = parts.onDrained;
    this.onBatch = parts.onBatch;
    this.name = cfg.name;
    this.runtime = cfg.runtime;
    this.transport = cfg.transport;
    this.workers = cfg.workers;
    this.maxInFlight = cfg.maxInFlight;
    this.model = new PoolModel(cfg.name, cfg.workers, parts.models);
    parts.models.push(this.model);
    this.credit = Math.min(cfg.maxInFlight, cfg.workers * INITIAL_CREDIT_PER_WORKER);
    if (cfg.ratePerSec !== undefined) this.pace = new TokenBucket(cfg.ratePerSec, defaultBurst(cfg.ratePerSec), performance.now());
    this.ring = new RingTransport<T>(cfg.ringSlots, cfg.arenaBytes, (t, c) => this.settle(t, c), cfg.workerNice);
  }

  async attach(backend: NativeBackend): Promise<void> {
    this.backend = backend;
    await this.ring.attach(backend);
  }

  /** The wake-up callback handed to the native side. */
  readonly wake = (): void => {
    this.wakeups++;
    if (this.ring.drain() > 0) this.onDrained();
  };

  get inFlight(): number {
    return this.ring.inFlight;
  }

  /** What crossing the boundary adds per task now (predict.ts). */
  get crossingUs(): number {
    return crossingUs(this.lastBatch);
  }

  get load(): number {
    return this.ring.inFlight / this.workers;
  }

  get hasCredit(): boolean {
    return this.ring.inFlight - this.cheapInFlight < this.credit && this.ring.inFlight < this.maxInFlight && this.paced() && this.admits();
  }

  /** The breaker lets a task through (closed, or a probe while half-open). */
  admits(): boolean {
    return this.breaker.state === 'closed' || this.breaker.allows(performance.now());
  }

  /** The breaker and the kind's quarantine let a task of `kind` through now. */
  admitsKind(kind: string): boolean {
    return this.admits() && (this.quarantine.size === 0 || this.quarantine.admits(kind, performance.now()));
  }

  /**
   * Why the pool will not take a task of `kind` until some openMs has
   * passed — its breaker is open, or the kind's quarantine here is — or
   * undefined when it can, or soon may (closed; half-open with its probes
   * out; merely out of credit).
   */
  cutOff(kind: string): string | undefined {
    if (!this.admits() && this.breaker.state === 'open') return 'breaker open';
    return this.quarantine.size === 0 ? undefined : this.quarantine.cutOff(kind, performance.now());
  }

  /** A dispatched task's outcome, for the breaker and the kind's quarantine (resilience/outcomes.ts Outcome). */
  record(kind: string, outcome: Outcome, now: number): void {
    if (outcome === 'lost') {
      this.breaker.abandon();
      this.quarantine.abandon(kind);
      return;
    }
    this.breaker.record(outcome !== 'runtime', now);
    if (outcome === 'runtime') this.quarantine.abandon(kind);
    else this.quarantine.record(kind, outcome === 'panic', now);
  }

  /** Credit for a task of `kind`: cheap waits are bounded by maxInFlight only; only urgent tasks use the headroom (header). A quarantined kind has none. */
  hasCreditFor(kind: string, urgent: boolean): boolean {
    if (this.quarantine.size > 0 && !this.quarantine.admits(kind, performance.now())) return false;
    if (this.model.waitsCheaply(kind)) return this.ring.inFlight < this.maxInFlight && this.paced() && this.admits();
    if (urgent || this.headroom === 0) return this.hasCredit;
    return (
      this.ring.inFlight - this.cheapInFlight < this.credit - reserveFor(this.credit, this.headroom) &&
      this.ring.inFlight < this.maxInFlight &&
      this.paced() &&
      this.admits()
    );
  }

  /** The pool's ratePerSec allows a dispatch now (always, when unpaced). */
  private paced(): boolean {
    return this.pace === undefined || this.pace.has(performance.now());
  }

  /** Ms until the pool's pace allows another dispatch: 0 if a token is there now, undefined if the pool is unpaced. */
  paceWaitMs(): number | undefined {
    return this.pace === undefined ? undefined : this.pace.waitMs(performance.now());
  }

  /**
   * Stages `t`: true when staged; false when the ring has no room for it
   * now (a slot, or shared memory for a large payload: see
   * transport/side.ts); an error when `t` can never be staged (its input
   * changed length since submit(), or its memory could not be allocated):
   * the caller fails that task and goes on with the others.
   */
  dispatch(t: T): boolean | CrossfairError {
    const slot = this.ring.stage(t, t);
    if (slot < 0) return slot === STAGE_FULL ? false : this.ring.refusal!;
    this.pace?.take(performance.now());
    t.slot = slot;
    t.cheap = this.model.waitsCheaply(t.kind);
    if (t.cheap) this.cheapInFlight++;
    if (t.urgent) this.urgentStaged = true;
    this.breaker.dispatched();
    this.quarantine.dispatched(t.kind);
    return true;
  }

  /**
   * Sends everything staged since the last flush in one boundary call, now
   * or at the end of this turn (header). `backlog`: tasks wait in the
   * scheduler's queue.
   */
  flush(onError: (e: unknown) => void, backlog = false): void {
    if (!this.referenced && this.ring.inFlight > 0) this.setRef(true);
    const staged = this.ring.stagedCount;
    if (staged === 0 || this.lingering) return;
    if (this.batcher?.linger(staged, this.workersBusy(staged), this.urgentStaged, backlog)) {
      this.lingering = true;
      setImmediate(() => {
        this.lingering = false;
        this.send(onError);
      });
      return;
    }
    this.send(onError);
  }

  /** Every worker has work already sent (staged tasks aside). */
  private workersBusy(staged: number): boolean {
    return this.ring.inFlight - staged - this.cheapInFlight >= this.workers;
  }

  private send(onError: (e: unknown) => void): void {
    const n = this.ring.stagedCount;
    if (n === 0 || this.closed) return;
    this.batches++;
    this.lastBatch = n;
    this.urgentStaged = false;
    this.batcher?.sent(n, this.meanExecUs);
    const t0 = this.onBatch === undefined ? 0 : performance.now();
    try {
      const r = this.ring.commit();
      if (typeof r !== 'number') r.catch(onError);
    } catch (e) {
      onError(e);
    }
    this.onBatch?.(n, performance.now() - t0);
  }

  cancel(t: T): void {
    this.ring.cancel(t.slot);
  }

  inject(errorRate: number, delayFactor: number, hangRate: number): void | Promise<void> {
    return this.backend.inject(errorRate, delayFactor, hangRate);
  }

  stats(now: number): OwnPoolStats {
    return {
      runtime: this.runtime,
      transport: this.transport,
      workers: this.workers,
      completed: this.completed,
      failed: this.failed,
      inFlight: this.ring.inFlight,
      maxInFlight: this.maxInFlight,
      credit: this.credit,
      batches: this.batches,
      batchTarget: this.batcher?.target ?? 1,
      wakeups: this.wakeups,
      utilization: this.busy.utilization(now, this.workers),
      breaker: this.breaker.state,
      breakerOpened: this.breaker.opened,
      anomalies: this.ring.anomalies,
      quarantined: this.quarantine.list(),
    };
  }

  nativeStats(): number[] | Promise<number[]> {
    return this.backend.stats();
  }

  /** Returns the workers still busy after `timeoutMs` (0 = all memory released). */
  async close(timeoutMs: number): Promise<number> {
    this.closed = true;
    this.setRef(false);
    return this.ring.close(timeoutMs);
  }

  private settle(t: T, c: Completion): void {
    this.busy.add(performance.now(), c.execNs);
    if (t.cheap) this.cheapInFlight--;
    else this.learnCredit(c.execNs / 1000);
    if (c.status === 0) this.completed++;
    else this.failed++;
    this.onSettle(t, c, this);
    if (this.referenced && this.ring.inFlight === 0) this.setRef(false);
  }

  private learnCredit(execUs: number): void {
    this.meanExecUs = this.meanExecUs === 0 ? execUs : this.meanExecUs + EXEC_EWMA_ALPHA * (execUs - this.meanExecUs);
    // CPU concurrency: at most the workers, though overlapping waits raise
    // the pool's overall capacity (regression: a Go pool full of cheap sleeps
    // earned ~1100 CPU credit, queued hundreds of spins locally, and sleeps
    // waited ~21 ms behind them in its FIFO).
    this.credit = creditFor(Math.min(this.model.capacity(), this.workers), this.meanExecUs, this.maxInFlight);
  }

  private setRef(on: boolean): void {
    this.referenced = on;
    this.backend.setRef(on);
  }
}

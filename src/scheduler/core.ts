/**
 * The state the stages of a task's life share (admission.ts, dispatch.ts,
 * settle.ts, health.ts, close.ts): the configuration, the classes, the pools,
 * the policy's queue, the ledger and the flags of the scheduler's life.
 * The stages change it; only the ledger (ledger.ts) counts task states.
 */
import type { Piscina } from 'piscina';
import type { CrossfairError } from '../errors.js';
import type { TaskContext } from '../admission/task.js';
import { FifoQueue, type PolicyQueue } from '../queue/policy-queue.js';
import { FairQueue } from '../queue/fair-queue.js';
import { SplitQueue } from '../queue/rollout.js';
import type { NativePool } from '../pool/native-pool.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { PoolConfig, SchedulerConfig } from '../options.js';
import type { PolicyName } from '../types.js';
import { Arm, ClassState, type Job } from './job.js';
import { Ledger, type Counts } from './ledger.js';

/** Events the scheduler emits. */
export type SchedulerEvent = 'breaker' | 'health' | 'drain' | 'quarantine';

/** A pool that could not be loaded (its options did not require it): 'down' for good. */
export interface DownPool {
  readonly cfg: PoolConfig;
  readonly error: CrossfairError;
}

export class Core {
  readonly classes = new Map<string, ClassState>();
  /** Every task's state, counted per class, per arm and in total. */
  readonly ledger: Ledger;
  readonly totals: Counts;
  /** Rollout arms: [baseline, candidate], when the option is set. */
  readonly arms: [Arm, Arm] | undefined;
  /** What task checks need to know: kinds, classes, pools (filled in when the pools open). */
  readonly ctx: TaskContext;
  /** Randomness for placement (power of two choices) and retry jitter. */
  readonly rng: () => number = Math.random;
  policy: PolicyName;
  queue: PolicyQueue<Job>;
  pools: NativePool<Job>[] = [];
  down: DownPool[] = [];
  ffiThreads: Piscina | undefined;
  /** Metrics recording on the task path, when metrics are on. */
  telemetry: Telemetry | undefined;
  /** Tasks refused at admission (never submitted) and retry attempts: events, not states. */
  rejected = 0;
  retries = 0;
  /** True from when queued tasks reach the high-water mark until they fall to the low one; then 'drain' is emitted. */
  needsDrain = false;
  /** close() was called: nothing new is admitted or retried. */
  closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly cfg: SchedulerConfig,
    private readonly emit: (event: SchedulerEvent, payload?: object) => void,
  ) {
    cfg.classes.forEach((c, i) => this.classes.set(c.name, new ClassState(c, i)));
    this.policy = cfg.policy;
    this.queue = this.makeQueue(cfg.policy);
    if (cfg.rollout !== undefined) {
      this.queue = new SplitQueue<Job>(this.queue, this.makeQueue(cfg.rollout.policy), cfg.policy === 'fair', cfg.rollout.policy === 'fair');
      this.arms = [new Arm(), new Arm()];
    }
    this.ctx = {
      kinds: new Set(),
      classes: new Set(this.classes.keys()),
      pools: new Map(),
      maxPayloadBytes: cfg.maxPayloadBytes,
      defaultClass: cfg.classes[0]!.name,
    };
    this.ledger = new Ledger(cfg.classes.length, this.arms !== undefined);
    this.totals = this.ledger.totals;
  }

  /** The opened pools join; task checks learn their kinds. */
  opened(pools: NativePool<Job>[], down: DownPool[], ffiThreads: Piscina | undefined): void {
    this.pools = pools;
    this.down = down;
    this.ffiThreads = ffiThreads;
    const kindsOf = this.ctx.pools as Map<string, ReadonlyMap<string, number>>;
    const kinds = new Set<string>();
    for (const d of down) kindsOf.set(d.cfg.name, new Map());
    for (const p of pools) {
      kindsOf.set(p.name, p.kinds);
      for (const k of p.kinds.keys()) kinds.add(k);
    }
    this.ctx.kinds = kinds;
  }

  makeQueue(policy: PolicyName): PolicyQueue<Job> {
    const workers = this.cfg.pools.reduce((n, p) => n + p.workers, 0);
    return policy === 'fair' ? new FairQueue<Job>(this.cfg.classes, () => performance.now(), workers) : new FifoQueue<Job>();
  }

  /**
   * Emits `event` once the current call stack is done (a microtask): never
   * inside placement, a flush or a native callback, so a listener sees a
   * consistent scheduler and may call back into it. A listener that throws
   * surfaces as an uncaught exception, as an EventEmitter's would, and
   * leaves the scheduler's state as it was.
   */
  notify(event: SchedulerEvent, payload?: object): void {
    queueMicrotask(() => this.emit(event, payload));
  }

  /** Emits 'drain' once queued tasks fall to the low-water mark after needsDrain was set. */
  checkDrain(): void {
    if (this.needsDrain && this.totals.queued <= this.cfg.drainLowWater) {
      this.needsDrain = false;
      this.notify('drain');
    }
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  checkIdle(): void {
    if (this.idleWaiters.length > 0 && this.totals.queued === 0 && this.totals.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}

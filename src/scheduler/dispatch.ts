/**
 * From the queue to the pools. flush(): while the task the queue offers
 * next can be placed on a pool with credit, stage it in that pool's ring;
 * then one boundary call per pool for everything staged. One flush runs per
 * tick of submits (a microtask), after every drain, and when a paced pool
 * can take work again.
 *
 * Under fair, the queue offers only tasks some pool can take now (canTake),
 * so a head no pool can take does not hold back tasks another pool could
 * run (work conservation); fifo and round-robin keep strict arrival order,
 * as baselines. With a rollout each task is placed by its arm's policy. A
 * task whose every candidate pool is cut off (breaker open, or its kind
 * quarantined there) fails E_POOL_UNAVAILABLE rather than hold the queue.
 *
 * setPolicy() swaps the queue; asked for while a flush walks the queue (a
 * listener, a tracer), it waits for the flush to end.
 */
import { CrossfairError, show } from '../errors.js';
import { placeByPrediction } from '../placement/predict.js';
import { leastLoaded, roundRobin } from '../placement/baselines.js';
import { PoolShares } from '../placement/pool-shares.js';
import { SplitQueue } from '../queue/rollout.js';
import { dispatched } from '../observability/tracing.js';
import type { NativePool } from '../pool/native-pool.js';
import type { PolicyName } from '../types.js';
import type { Core } from './core.js';
import type { Job } from './job.js';
import { IN_FLIGHT } from './ledger.js';
import type { Settle } from './settle.js';

export class Dispatch {
  /** Pool minShare/maxShare, when some pool sets one. */
  private readonly shares: PoolShares | undefined;
  private flushScheduled = false;
  /** True while flush() runs: a policy change asked for meanwhile waits for its end. */
  private flushing = false;
  private pendingPolicy: PolicyName | undefined;
  private paceTimer: NodeJS.Timeout | undefined;
  private rrPrevious = -1;
  /** The last placement canTake decided (job and pool), so flush does not place the same job twice. */
  private decidedJob: Job | undefined;
  private decidedPool = -1;
  private readonly flushMicrotask = (): void => this.flush();

  constructor(
    private readonly core: Core,
    private readonly settle: Settle,
  ) {
    const pools = core.cfg.pools;
    if (pools.some((p) => p.minShare > 0 || p.maxShare < 1)) this.shares = new PoolShares(pools, performance.now());
  }

  /** One flush at the end of this tick, however many ask for it. */
  schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushMicrotask);
  }

  /** Queues `job` (admitted, or back from a retry backoff) and schedules a flush. */
  readonly enqueue = (job: Job): void => {
    this.core.queue.push(job);
    this.schedule();
  };

  /** Stages what can go now and sends it. */
  flush(): void {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      this.flushQueue();
    } finally {
      this.flushing = false;
    }
    const policy = this.pendingPolicy;
    if (policy !== undefined) {
      this.pendingPolicy = undefined;
      this.setPolicy(policy);
    }
  }

  /** Nothing more goes out (close): paced pools stop being woken. */
  stop(): void {
    if (this.paceTimer !== undefined) clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
  }

  /**
   * Switches the policy at run time. Queued tasks move to the new policy's
   * queue in arrival order (none lost, none duplicated); tasks in flight
   * finish as they are, their cost corrections going to the new queue.
   */
  setPolicy(policy: PolicyName): void {
    if (policy !== 'fair' && policy !== 'fifo' && policy !== 'round-robin') {
      throw new CrossfairError('E_BAD_OPTIONS', `policy must be 'fair', 'fifo' or 'round-robin', got ${show(policy)}`);
    }
    if (this.flushing) {
      // Called back from inside a flush (a listener, a tracer): the queue
      // is being walked; swap it when the flush ends.
      this.pendingPolicy = policy;
      return;
    }
    const core = this.core;
    if (policy === core.policy) return;
    // With a rollout only the baseline arm changes policy.
    const split = core.queue instanceof SplitQueue ? (core.queue as SplitQueue<Job>) : undefined;
    const moving = (split ? split.base : core.queue).drain();
    const to = core.makeQueue(policy);
    for (const job of moving) to.push(job);
    if (split) {
      split.base = to;
      split.baseFair = policy === 'fair';
    } else core.queue = to;
    core.policy = policy;
    if (moving.length > 0) this.schedule();
  }

  private flushQueue(): void {
    const core = this.core;
    const pools = core.pools;
    const canTake = core.arms !== undefined ? this.canTakeAny : core.policy === 'fair' ? this.canTake : undefined;
    this.shares?.tick(performance.now());
    for (let job = core.queue.peek(canTake); job !== undefined; job = core.queue.peek(canTake)) {
      const kind = job.task.kind.name;
      const i = this.placeFor(job, this.policyOf(job));
      if (i < 0) {
        if (this.unavailable(job)) {
          this.settle.cancel(
            job,
            'E_POOL_UNAVAILABLE',
            `no pool can run ${kind} now: ${this.candidates(job)
              .map((p) => `${p.name} (${p.cutOff(kind)})`)
              .join(', ')}`,
            true,
          );
          continue;
        }
        break; // FIFO: the head waits for credit, and so does everything behind it
      }
      const pool = pools[i]!;
      job.kindId = pool.kinds.get(kind)!;
      const staged = pool.dispatch(job);
      if (staged !== true) {
        if (staged === false) break;
        this.settle.cancel(job, staged.code, staged.message, true); // only this task: its input changed or its memory could not be had
        continue;
      }
      job.dispatchedAt = performance.now();
      job.estimateUs = pool.model.start(kind, job.task.inLen, job.task.estimateCpuUs, job.dispatchedAt);
      core.queue.shift(job.estimateUs);
      this.shares?.add(i, job.estimateUs);
      this.rrPrevious = i;
      core.ledger.move(job, IN_FLIGHT);
      job.pool = pool;
      job.cls.waits.add(job.dispatchedAt - job.enqueuedAt);
      if (job.span) dispatched(job.span, job.dispatchedAt, pool.name, pool.runtime, job.attempts);
      if (core.arms) {
        const arm = core.arms[job.canary ? 1 : 0];
        arm.waits.add(job.dispatchedAt - job.enqueuedAt);
        arm.waitSumMs += job.dispatchedAt - job.enqueuedAt;
        arm.dispatched++;
      }
    }
    const backlog = core.queue.live > 0;
    for (const p of pools) p.flush((e) => this.settle.poolFailed(p, e), backlog);
    core.checkDrain();
    if (core.queue.live > 0) this.wakeForPace();
  }

  /** Under fair: can `job` go now? Also true when no pool will take it now (every candidate is cut off: breaker open or kind quarantined): flush then fails it. */
  private readonly canTake = (job: Job): boolean => {
    const pool = this.place(job);
    this.decidedJob = job;
    this.decidedPool = pool;
    return pool >= 0 || this.unavailable(job);
  };

  /** canTake for a rollout: placement by the task's arm's policy. */
  private readonly canTakeAny = (job: Job): boolean => {
    this.decidedJob = undefined;
    const pool = this.placeFor(job, this.policyOf(job));
    this.decidedJob = job;
    this.decidedPool = pool;
    return pool >= 0 || this.unavailable(job);
  };

  /** The policy that orders and places `job`: its rollout arm's. */
  private policyOf(job: Job): PolicyName {
    return job.canary ? this.core.cfg.rollout!.policy : this.core.policy;
  }

  /** The pool for `job` under `policy` (canTake's decision when it just made one), or -1. */
  private placeFor(job: Job, policy: PolicyName): number {
    const decided = this.decidedJob === job;
    this.decidedJob = undefined;
    if (decided) return this.decidedPool;
    if (policy === 'fair') return this.place(job);
    const kind = job.task.kind.name;
    const pools = this.core.pools;
    return this.steer(job, policy === 'round-robin' ? roundRobin(kind, job.pin, pools, this.rrPrevious) : leastLoaded(kind, job.pin, pools));
  }

  /** Placement under fair; a task with a budget carries what is left of it. */
  private place(job: Job): number {
    const budgetMs = job.cls.cfg.latencyBudgetMs;
    if (budgetMs !== undefined) job.budgetUs = (budgetMs - (performance.now() - job.enqueuedAt)) * 1000;
    return this.steer(job, placeByPrediction(job, this.core.pools, this.core.rng));
  }

  /**
   * Corrections to placement's pick `i` for an unpinned task: pool shares,
   * then a retry avoids the pool its last attempt failed on when another
   * can take it now.
   */
  private steer(job: Job, i: number): number {
    if (job.pin >= 0) return i;
    const pools = this.core.pools;
    if (this.shares !== undefined) i = this.shares.adjust(i, job.task.kind.name, job.urgent, pools);
    if (job.avoid >= 0 && (i === job.avoid || i < 0)) {
      // A retry goes to another pool that can run it, waiting for its
      // credit if need be; back to the failed pool only when no other
      // pool could take it at all (none has the kind, or all are open).
      const kind = job.task.kind.name;
      const urgent = job.urgent;
      let waitFor = -1;
      for (let k = 0; k < pools.length; k++) {
        const p = pools[k]!;
        if (k === job.avoid || !p.kinds.has(kind)) continue;
        if (p.hasCreditFor(kind, urgent)) return k;
        if (p.cutOff(kind) === undefined) waitFor = k;
      }
      if (waitFor >= 0) return -1;
    }
    return i;
  }

  /** The pools that could run `job`: its pinned pool, or every pool with its kind. */
  private candidates(job: Job): NativePool<Job>[] {
    const pools = this.core.pools;
    if (job.pin >= 0) return [pools[job.pin]!];
    return pools.filter((p) => p.kinds.has(job.task.kind.name));
  }

  /** True when every candidate is cut off for the task's kind: its breaker or the kind's quarantine there is open (not merely out of credit or probing). */
  private unavailable(job: Job): boolean {
    const pools = this.core.pools;
    if (job.pin >= 0) return pools[job.pin]!.cutOff(job.task.kind.name) !== undefined;
    const kind = job.task.kind.name;
    let any = false;
    for (const p of pools) {
      if (!p.kinds.has(kind)) continue;
      if (p.cutOff(kind) === undefined) return false;
      any = true;
    }
    return any;
  }

  /** Tasks wait only for paced pools: flush again when the earliest allows a dispatch. */
  private wakeForPace(): void {
    if (this.paceTimer !== undefined) return;
    let ms = Infinity;
    for (const p of this.core.pools) {
      const w = p.paceWaitMs();
      // A token that is there *now* came in after the flush found none
      // (time passed since): flush again shortly, or nothing ever would
      // (regression: 28 tasks stranded with an idle pool, 6 runs in 20).
      // At least 1 ms, so a paced pool with a token that cannot serve the
      // head (pinned elsewhere, say) re-checks at most every millisecond.
      if (w !== undefined) ms = Math.min(ms, Math.max(1, w));
    }
    if (ms === Infinity) return;
    this.paceTimer = setTimeout(() => {
      this.paceTimer = undefined;
      this.flush();
    }, Math.ceil(ms));
  }
}

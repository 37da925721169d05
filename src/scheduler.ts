/**
 * Scheduler: admission, the queue, placement, batching to the pools, and the
 * accounting of every task from submit() to its settlement.
 *
 * Life of a task (docs/ARCHITECTURE.md draws it):
 * 1. submit(): validate (task.ts); refuse with a code when closed or full;
 *    otherwise queue it and schedule one flush for this tick.
 * 2. flush(): while the head of the queue can be placed (policy/placement.ts)
 *    on a pool with credit, stage it in that pool's ring; then one boundary
 *    call per pool for everything staged.
 * 3. A pool wakes us; its ring drains; each completion settles its task
 *    (resolve, or reject with the code for its status) and frees credit, so
 *    the drain ends with another flush.
 * 4. Timeouts and aborts cancel a queued task at once, and a running one by
 *    setting its cancel flag; either way the task is settled right then, and
 *    a late completion is ignored: a task is settled exactly once.
 * 5. close(): refuse new tasks, wait for the rest up to a deadline, cancel
 *    what remains, close the pools.
 * 6. Resilience (resilience.ts, policy/breaker.ts): every outcome feeds its
 *    pool's breaker, and a panic the kind's quarantine on that pool; a pool
 *    whose breaker is open takes no task, nor one of a quarantined kind, and
 *    a task no pool can take because every candidate is cut off fails with
 *    E_POOL_UNAVAILABLE (its rejection delivered with the next batch of
 *    refusals); an idempotent task the runtime failed (or that panicked) waits a
 *    backoff (counted as queued) and is queued again, preferring another
 *    pool; a cancelled running task that does not come back marks its
 *    worker stuck. 'breaker' and 'health' events report the changes.
 *
 * Invariant, checked by the tests after every scenario:
 *   submitted = completed + failed + cancelled + queued + inFlight
 * (rejected tasks were never submitted).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { CrossfairError, guard, refusal, show, type ErrorCode } from './errors.js';
import { checkTask, type CheckedTask, type TaskContext } from './task.js';
import { FifoQueue, type PolicyQueue } from './policy/policy-queue.js';
import { FairQueue } from './policy/fair-queue.js';
import { placeByPrediction } from './policy/predict.js';
import { leastLoaded, roundRobin } from './policy/placement.js';
import { PoolShares } from './policy/pool-shares.js';
import { Breaker } from './policy/breaker.js';
import { Quarantine } from './policy/quarantine.js';
import { SplitQueue, inCanary } from './policy/rollout.js';
import { Liveness, NATIVE_COMPLETED, NATIVE_RUNNING, Refusals, StuckWatch, backoffMs, outcomeOf } from './resilience.js';
import type { NativePool } from './pool.js';
import { openPools } from './pools.js';
import { checkFaults } from './faults.js';
import { registerMetrics, type MetricsSource } from './metrics.js';
import { Telemetry } from './telemetry.js';
import { dispatched, ended, retrying, startTask, tracingOn } from './tracing.js';
import { Arm, ClassState, Job, nextJobSeq } from './job.js';
import { BACKOFF, CANCELLED, COMPLETED, FAILED, IN_FLIGHT, Ledger, QUEUED, type Counts } from './ledger.js';
import { SignalWatch } from './signal-watch.js';
import { serveDashboard } from './dashboard/server.js';
import { STATUS } from './transport/layout.js';
import type { Completion } from './transport/ring.js';
import type { SchedulerConfig } from './options.js';
import type { Piscina } from 'piscina';
import type { ClassStats, CloseOptions, Dashboard, DashboardOptions, Faults, PolicyName, PoolHealth, PoolStats, Scheduler, SchedulerStats, Task, TaskResult, Totals } from './types.js';
import type { PoolConfig } from './options.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  [STATUS.TASK_FAILED]: 'E_TASK_FAILED',
  [STATUS.TASK_PANIC]: 'E_TASK_PANIC',
  [STATUS.UNKNOWN_KIND]: 'E_UNKNOWN_KIND',
  [STATUS.BAD_INPUT]: 'E_BAD_INPUT',
  [STATUS.BAD_DESCRIPTOR]: 'E_BAD_DESCRIPTOR',
  [STATUS.OUTPUT_TOO_LARGE]: 'E_OUTPUT_TOO_LARGE',
  [STATUS.ABORTED]: 'E_ABORTED',
  [STATUS.INJECTED]: 'E_TASK_FAILED',
  [STATUS.NO_MEMORY]: 'E_NO_MEMORY',
};

export class CrossfairScheduler extends EventEmitter implements Scheduler {
  readonly registry: Registry;
  /** True from when queued tasks reach the high-water mark until they fall to the low one; then 'drain' is emitted. */
  needsDrain = false;
  private policy: PolicyName;
  private queue: PolicyQueue<Job>;
  /** Randomness for placement (power of two choices); injectable for tests. */
  private readonly rng: () => number = Math.random;
  private readonly classes = new Map<string, ClassState>();
  private pools: NativePool<Job>[] = [];
  private ffiThreads: Piscina | undefined;
  private readonly ctx: TaskContext;
  /** Every task's state, counted per class, per arm and in total (ledger.ts). */
  private readonly ledger: Ledger;
  private readonly totals: Counts;
  /** Tasks refused at admission (never submitted) and retry attempts: events, not states. */
  private rejected = 0;
  private retries = 0;
  /** One 'abort' listener per signal, however many tasks share it. */
  private readonly signals = new SignalWatch<Job>((job) => this.cancel(job, 'E_ABORTED', 'aborted by its signal'));
  /** True while flush() runs: a policy change asked for meanwhile waits for its end. */
  private flushing = false;
  private pendingPolicy: PolicyName | undefined;
  /** Tasks waiting out a retry backoff. */
  private readonly backingOff = new Set<Job>();
  private readonly stuck: StuckWatch<Job>;
  /** Rejections of tasks no pool could take, delivered in batches (resilience.ts). */
  private readonly refusals = new Refusals();
  private readonly health = new Map<NativePool<Job>, PoolHealth>();
  private liveness = new Map<NativePool<Job>, Liveness>();
  private livenessTimer: NodeJS.Timeout | undefined;
  /** Pools that could not be loaded (options did not require them): 'down' for good. */
  private down: { cfg: PoolConfig; error: CrossfairError }[] = [];
  /** Metrics recording on the task path (telemetry.ts), when metrics are on. */
  private telemetry: Telemetry | undefined;
  /** Rollout arms: [baseline, candidate], when the option is set. */
  private readonly arms: [Arm, Arm] | undefined;
  private flushScheduled = false;
  private paceTimer: NodeJS.Timeout | undefined;
  private rrPrevious = -1;
  private closing = false;
  private closed: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly flushMicrotask = (): void => this.flush();
  /** The last placement canTake decided, so flush does not place the same job twice. */
  private decided: { job: Job; pool: number } | undefined;
  /** Pool minShare/maxShare, when some pool sets one. */
  private shares: PoolShares | undefined;
  /** Under fair: can `job` go now? Also true when no pool will take it now (every candidate is cut off: breaker open or kind quarantined): flush then fails it. */
  private readonly canTake = (job: Job): boolean => {
    const pool = this.place(job);
    this.decided = { job, pool };
    return pool >= 0 || this.unavailable(job);
  };

  private constructor(private readonly cfg: SchedulerConfig, registry: Registry | undefined) {
    super();
    cfg.classes.forEach((c, i) => this.classes.set(c.name, new ClassState(c, i)));
    this.registry = registry ?? new Registry();
    this.policy = cfg.policy;
    this.queue = this.makeQueue(cfg.policy);
    if (cfg.rollout !== undefined) {
      this.queue = new SplitQueue<Job>(this.queue, this.makeQueue(cfg.rollout.policy), cfg.policy === 'fair', cfg.rollout.policy === 'fair');
      this.arms = [new Arm(), new Arm()];
    }
    this.ctx = { kinds: new Set(), classes: new Set(this.classes.keys()), pools: new Map(), maxPayloadBytes: cfg.maxPayloadBytes, defaultClass: cfg.classes[0]!.name };
    this.stuck = new StuckWatch<Job>(cfg.stuckGraceMs, (p) => this.checkHealth(p as NativePool<Job>));
    this.ledger = new Ledger(cfg.classes.length, this.arms !== undefined);
    this.totals = this.ledger.totals;
  }

  static async create(cfg: SchedulerConfig, registry?: Registry): Promise<CrossfairScheduler> {
    const s = new CrossfairScheduler(cfg, registry);
    const opened = await openPools<Job>(cfg, (job, c, pool) => s.settle(job, c, pool), () => s.flush());
    s.pools = opened.pools;
    s.ffiThreads = opened.ffiThreads;
    s.down = opened.down;
    for (const d of s.down) {
      process.emitWarning(`crossfair: pool ${d.cfg.name} (${d.cfg.runtime}) is down and the scheduler serves without it: ${d.error.message}`, { code: 'CROSSFAIR_POOL_DOWN' });
    }
    for (const p of s.pools) {
      p.breaker = new Breaker(cfg.breaker, (from, to, reason) => {
        s.telemetry?.breaker(p.index, to);
        // Transitions happen inside placement and settling: listeners run
        // later, where the scheduler's state is consistent.
        s.notify('breaker', { pool: p.name, runtime: p.runtime, from, to, reason });
        s.checkHealth(p);
      });
      p.quarantine = new Quarantine(cfg.quarantine, (kind, from, to, reason) => s.notify('quarantine', { pool: p.name, runtime: p.runtime, kind, from, to, reason }));
      s.health.set(p, 'healthy');
      s.liveness.set(p, new Liveness(cfg.stuckGraceMs));
    }
    s.livenessTimer = setInterval(() => s.checkLiveness(), Math.max(10, cfg.stuckGraceMs / 2)).unref();
    if (cfg.classes.some((c) => c.latencyBudgetMs !== undefined)) for (const p of s.pools) p.headroom = cfg.headroom;
    if (cfg.batching === 'immediate') for (const p of s.pools) p.batcher = null;
    if (cfg.pools.some((p) => p.minShare > 0 || p.maxShare < 1)) s.shares = new PoolShares(cfg.pools, performance.now());
    const kinds = new Set<string>();
    for (const d of s.down) (s.ctx.pools as Map<string, ReadonlyMap<string, number>>).set(d.cfg.name, new Map());
    for (const p of s.pools) {
      (s.ctx.pools as Map<string, ReadonlyMap<string, number>>).set(p.name, p.kinds);
      for (const k of p.kinds.keys()) kinds.add(k);
    }
    s.ctx.kinds = kinds;
    s.pools.forEach((p, i) => (p.index = i));
    if (cfg.metrics.enabled) {
      const t = new Telemetry(cfg.classes.length, s.pools.length, cfg.metrics.maxTenants);
      s.telemetry = t;
      for (const p of s.pools) p.onBatch = (n, ms) => t.batch(p.index, n, ms);
      const metricsSource: MetricsSource = {
        stats: () => s.stats(),
        telemetry: t,
        classNames: cfg.classes.map((c) => c.name),
        pools: s.pools,
        oldestQueued: () => {
          const now = performance.now();
          const at = s.queue.oldestByClass();
          return cfg.classes.map((c) => (at.has(c.name) ? now - at.get(c.name)! : 0));
        },
        oldestInFlightMs: (i) => {
          let oldest = Infinity;
          for (const job of s.pools[i]!.ring.owners()) if (job.state === IN_FLIGHT && job.dispatchedAt < oldest) oldest = job.dispatchedAt;
          return oldest === Infinity ? 0 : performance.now() - oldest;
        },
        capacity: (i) => s.pools[i]!.model.capacity(),
        maxQueue: cfg.maxQueue,
      };
      try {
        registerMetrics(s.registry, cfg.metricsPrefix, metricsSource);
      } catch (e) {
        await s.close({ timeoutMs: 0 });
        throw e;
      }
    }
    return s;
  }

  submit(task: Task): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve, reject) => this.admit(task, resolve, reject));
  }

  submitMany(tasks: readonly Task[]): Promise<(TaskResult | CrossfairError)[]> {
    let n: number;
    try {
      // A proxy or a revoked proxy throws from here: the array itself is bad.
      if (!Array.isArray(tasks)) throw new CrossfairError('E_BAD_INPUT', 'submitMany takes an array of tasks');
      n = tasks.length;
      if (!Number.isSafeInteger(n) || n < 0) throw new CrossfairError('E_BAD_INPUT', 'submitMany: the array has no valid length');
    } catch (e) {
      return Promise.reject(e instanceof CrossfairError ? e : new CrossfairError('E_BAD_INPUT', `submitMany: cannot read the array: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }));
    }
    // One promise per task that resolves either way (no rejection + catch pair).
    const out = new Array<Promise<TaskResult | CrossfairError>>(n);
    for (let i = 0; i < n; i++) {
      let task: Task;
      try {
        task = tasks[i]!;
      } catch (e) {
        this.rejected++;
        out[i] = Promise.resolve(new CrossfairError('E_BAD_INPUT', `submitMany: cannot read task ${i}: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }));
        continue;
      }
      out[i] = new Promise<TaskResult | CrossfairError>((resolve) => this.admit(task, resolve, resolve));
    }
    return Promise.all(out);
  }

  private admit(task: Task, resolve: (r: TaskResult) => void, reject: (e: CrossfairError) => void): void {
    let checked: CheckedTask;
    let clsIndex: number | undefined;
    try {
      if (this.closing) throw new CrossfairError('E_CLOSED', 'the scheduler is closed');
      if (this.down.length > 0) this.checkNotDown(task);
      checked = checkTask(task, this.ctx);
      clsIndex = this.classes.get(checked.className)!.index;
      if (checked.signal?.aborted) throw new CrossfairError('E_ABORTED', 'the signal was already aborted');
      if (this.totals.queued >= this.cfg.maxQueue) throw refusal('E_QUEUE_FULL', `${this.totals.queued} tasks queued; maxQueue is ${this.cfg.maxQueue}`);
      const c = this.classes.get(checked.className)!;
      c.limits.admit(this.ledger.classes[c.index]!.queued, checked.tenant, performance.now());
    } catch (e) {
      this.rejected++;
      this.telemetry?.rejectedTask(clsIndex, e instanceof CrossfairError ? e.code : 'E_BAD_INPUT');
      reject(e instanceof CrossfairError ? e : new CrossfairError('E_BAD_INPUT', `invalid task: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }));
      return;
    }
    const cls = this.classes.get(checked.className)!;
    const pin = checked.pool === undefined ? -1 : this.pools.findIndex((p) => p.name === checked.pool);
    const canary = this.cfg.rollout !== undefined && inCanary(this.cfg.rollout, cls.name, nextJobSeq());
    const job = new Job(checked, cls, pin, performance.now(), resolve, reject, canary);
    if (tracingOn(job.enqueuedAt)) job.span = startTask(job.enqueuedAt, { kind: checked.kind.name, className: cls.name, tenant: checked.tenant });
    if (checked.signal) this.signals.watch(checked.signal, job);
    if (checked.timeoutMs !== undefined) job.timer = setTimeout(() => this.cancel(job, 'E_TIMEOUT', `timed out after ${checked.timeoutMs} ms`), checked.timeoutMs);
    this.ledger.admit(job);
    this.queue.push(job);
    if (!this.needsDrain && this.totals.queued >= this.cfg.drainHighWater) this.needsDrain = true;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushMicrotask);
    }
  }

  /** A task pinned to a pool that could not be loaded fails E_POOL_UNAVAILABLE (before kind checks: that pool has none). */
  private checkNotDown(task: Task): void {
    const pool = typeof task === 'object' && task !== null ? (task as { pool?: unknown }).pool : undefined;
    const d = typeof pool === 'string' ? this.down.find((x) => x.cfg.name === pool) : undefined;
    if (d !== undefined) throw new CrossfairError('E_POOL_UNAVAILABLE', `pool ${d.cfg.name} is down: ${d.error.message}`, { pool: d.cfg.name, runtime: d.cfg.runtime });
  }

  /** Step 2 of the header. */
  private flush(): void {
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

  private flushQueue(): void {
    const pools = this.pools;
    // Under fair, a head that no pool can take now does not hold back tasks
    // another pool could run (work conservation); fifo and round-robin keep
    // strict arrival order, as baselines. With a rollout each task is
    // placed by its arm's policy.
    const canTake = this.arms !== undefined ? this.canTakeAny : this.policy === 'fair' ? this.canTake : undefined;
    this.shares?.tick(performance.now());
    for (let job = this.queue.peek(canTake); job !== undefined; job = this.queue.peek(canTake)) {
      const kind = job.task.kind.name;
      const i = this.placeFor(job, this.policyOf(job));
      if (i < 0) {
        // Every pool that could run it is cut off (breaker open, or the kind quarantined there): fail it now rather than hold the queue.
        if (this.unavailable(job)) {
          this.cancel(job, 'E_POOL_UNAVAILABLE', `no pool can run ${kind} now: ${this.candidates(job).map((p) => `${p.name} (${p.cutOff(kind)})`).join(', ')}`, true);
          continue;
        }
        break; // FIFO: the head waits for credit, and so does everything behind it
      }
      const pool = pools[i]!;
      job.kindId = pool.kinds.get(kind)!;
      const staged = pool.dispatch(job);
      if (staged !== true) {
        if (staged === false) break;
        this.cancel(job, staged.code, staged.message, true); // only this task: its input changed or its memory could not be had
        continue;
      }
      job.dispatchedAt = performance.now();
      job.estimateUs = pool.model.start(kind, job.task.inLen, job.task.estimateCpuUs, job.dispatchedAt);
      this.queue.shift(job.estimateUs);
      this.shares?.add(i, job.estimateUs);
      this.rrPrevious = i;
      this.ledger.move(job, IN_FLIGHT);
      job.pool = pool;
      job.cls.waits.add(job.dispatchedAt - job.enqueuedAt);
      if (job.span) dispatched(job.span, job.dispatchedAt, pool.name, pool.runtime, job.attempts);
      if (this.arms) {
        const arm = this.arms[job.canary ? 1 : 0];
        arm.waits.add(job.dispatchedAt - job.enqueuedAt);
        arm.waitSumMs += job.dispatchedAt - job.enqueuedAt;
        arm.dispatched++;
      }
    }
    const backlog = this.queue.live > 0;
    for (const p of pools) p.flush((e) => this.poolFailed(p, e), backlog);
    this.checkDrain();
    if (this.queue.live > 0) this.wakeForPace();
  }

  /** The policy that orders and places `job`: its rollout arm's. */
  private policyOf(job: Job): PolicyName {
    return job.canary ? this.cfg.rollout!.policy : this.policy;
  }

  /** The pool for `job` under `policy` (canTake's decision when it just made one), or -1. */
  private placeFor(job: Job, policy: PolicyName): number {
    const d = this.decided;
    this.decided = undefined;
    if (d !== undefined && d.job === job) return d.pool;
    if (policy === 'fair') return this.place(job);
    const kind = job.task.kind.name;
    return this.steer(job, policy === 'round-robin' ? roundRobin(kind, job.pin, this.pools, this.rrPrevious) : leastLoaded(kind, job.pin, this.pools));
  }

  /** canTake for a rollout: placement by the task's arm's policy. */
  private readonly canTakeAny = (job: Job): boolean => {
    this.decided = undefined;
    const pool = this.placeFor(job, this.policyOf(job));
    this.decided = { job, pool };
    return pool >= 0 || this.unavailable(job);
  };

  /** Placement under fair; a task with a budget carries what is left of it. */
  private place(job: Job): number {
    const budgetMs = job.cls.cfg.latencyBudgetMs;
    if (budgetMs !== undefined) job.budgetUs = (budgetMs - (performance.now() - job.enqueuedAt)) * 1000;
    return this.steer(job, placeByPrediction(job, this.pools, this.rng));
  }

  /**
   * Corrections to placement's pick `i` for an unpinned task: pool shares,
   * then a retry avoids the pool its last attempt failed on when another
   * can take it now.
   */
  private steer(job: Job, i: number): number {
    if (job.pin >= 0) return i;
    if (this.shares !== undefined) i = this.shares.adjust(i, job.task.kind.name, job.urgent, this.pools);
    if (job.avoid >= 0 && (i === job.avoid || i < 0)) {
      // A retry goes to another pool that can run it, waiting for its
      // credit if need be; back to the failed pool only when no other
      // pool could take it at all (none has the kind, or all are open).
      const kind = job.task.kind.name;
      const urgent = job.urgent;
      let waitFor = -1;
      for (let k = 0; k < this.pools.length; k++) {
        const p = this.pools[k]!;
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
    if (job.pin >= 0) return [this.pools[job.pin]!];
    return this.pools.filter((p) => p.kinds.has(job.task.kind.name));
  }

  /** True when every candidate is cut off for the task's kind: its breaker or the kind's quarantine there is open (not merely out of credit or probing). */
  private unavailable(job: Job): boolean {
    if (job.pin >= 0) return this.pools[job.pin]!.cutOff(job.task.kind.name) !== undefined;
    const kind = job.task.kind.name;
    let any = false;
    for (const p of this.pools) {
      if (!p.kinds.has(kind)) continue;
      if (p.cutOff(kind) === undefined) return false;
      any = true;
    }
    return any;
  }

  /** Reads each busy pool's native progress counters (resilience.ts Liveness). */
  private checkLiveness(): void {
    for (const [p, l] of this.liveness) {
      if (p.inFlight === 0 && !l.stalled) continue;
      const apply = (st: number[]): void => {
        if (l.observe(performance.now(), st[NATIVE_RUNNING] ?? 0, st[NATIVE_COMPLETED] ?? 0)) {
          p.stalled = l.stalled;
          this.checkHealth(p);
        }
      };
      try {
        const st = p.nativeStats();
        if (Array.isArray(st)) apply(st);
        else st.then(apply, () => undefined);
      } catch {
        // A closed pool has no stats; close() stops this timer.
      }
    }
  }

  /** Emits 'health' when a pool's health changed. */
  private checkHealth(p: NativePool<Job>): void {
    const h = p.health(performance.now());
    const was = this.health.get(p);
    if (was === h) return;
    this.health.set(p, h);
    this.notify('health', { pool: p.name, runtime: p.runtime, from: was, to: h });
  }

  /**
   * Emits `event` once the current call stack is done (a microtask): never
   * inside placement, a flush or a native callback, so a listener sees a
   * consistent scheduler and may call back into it. A listener that throws
   * surfaces as an uncaught exception, as an EventEmitter's would, and
   * leaves the scheduler's state as it was.
   */
  private notify(event: 'breaker' | 'health' | 'drain' | 'quarantine', payload?: object): void {
    queueMicrotask(() => (payload === undefined ? this.emit(event) : this.emit(event, payload)));
  }

  /** Tasks wait only for paced pools: flush again when the earliest allows a dispatch. */
  private wakeForPace(): void {
    if (this.paceTimer !== undefined) return;
    let ms = Infinity;
    for (const p of this.pools) {
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

  /** Emits 'drain' once queued tasks fall to the low-water mark after needsDrain was set. */
  private checkDrain(): void {
    if (this.needsDrain && this.totals.queued <= this.cfg.drainLowWater) {
      this.needsDrain = false;
      this.notify('drain');
    }
  }

  private makeQueue(policy: PolicyName): PolicyQueue<Job> {
    const workers = this.cfg.pools.reduce((n, p) => n + p.workers, 0);
    return policy === 'fair' ? new FairQueue<Job>(this.cfg.classes, () => performance.now(), workers) : new FifoQueue<Job>();
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
    if (policy === this.policy) return;
    // With a rollout only the baseline arm changes policy.
    const split = this.queue instanceof SplitQueue ? (this.queue as SplitQueue<Job>) : undefined;
    const from = split ? split.base : this.queue;
    const moving = from.drain();
    const to = this.makeQueue(policy);
    for (const job of moving) to.push(job);
    if (split) {
      split.base = to;
      split.baseFair = policy === 'fair';
    } else this.queue = to;
    this.policy = policy;
    if (!this.flushScheduled && moving.length > 0) {
      this.flushScheduled = true;
      queueMicrotask(this.flushMicrotask);
    }
  }

  /** Step 3: a completion from `pool`. */
  private settle(job: Job, c: Completion, pool: NativePool<Job>): void {
    const execUs = c.execNs / 1000;
    // One clock read for everything this completion updates.
    const now = performance.now();
    // The time was spent even if the task was cancelled meanwhile: charge it.
    this.queue.correct(job, job.estimateUs, execUs);
    pool.model.finish(job.task.kind.name, job.task.inLen, job.task.estimateCpuUs, job.estimateUs, execUs, now, c.status === STATUS.OK && job.state === IN_FLIGHT);
    if (pool.stalled && this.liveness.get(pool)!.progressed(now)) {
      pool.stalled = false;
      this.checkHealth(pool);
    }
    if (job.state !== IN_FLIGHT) {
      this.stuck.returned(job); // cancelled earlier and already settled; its worker is free again
      return;
    }
    const outcome = outcomeOf(c.status);
    pool.record(job.task.kind.name, outcome, now);
    if (outcome === 'runtime' || this.health.get(pool) !== 'healthy') this.checkHealth(pool);
    job.cls.servedNs += c.execNs;
    if (outcome !== 'ok' && this.retryable(job)) {
      this.retry(job, pool);
      return;
    }
    this.detach(job);
    if (job.span) ended(job.span, now, { pool: pool.name, runtime: pool.runtime, attempts: job.attempts, execUs, ...(c.status === STATUS.OK ? {} : { code: STATUS_CODES[c.status] ?? 'E_TASK_FAILED', message: c.message }) });
    if (this.telemetry) {
      this.telemetry.settled(job.cls.index, pool.index, job.dispatchedAt - job.enqueuedAt, execUs, now - job.submittedAt, c.status === STATUS.OK ? undefined : (STATUS_CODES[c.status] ?? 'E_TASK_FAILED'), job.task.tenant, now);
    }
    if (c.status === STATUS.OK) {
      this.ledger.move(job, COMPLETED);
      if (this.arms) this.arms[job.canary ? 1 : 0].execSumUs += c.execNs / 1000;
      job.resolve({
        output: c.output,
        pool: pool.name,
        runtime: pool.runtime,
        waitUs: Math.round((job.dispatchedAt - job.enqueuedAt) * 1000),
        execUs: Math.round(c.execNs / 1000),
        attempts: job.attempts,
      });
    } else {
      const code = STATUS_CODES[c.status] ?? 'E_TASK_FAILED';
      this.ledger.move(job, code === 'E_ABORTED' ? CANCELLED : FAILED);
      const message = c.status === STATUS.ABORTED ? 'the pool shut down while the task ran' : c.message;
      job.reject(new CrossfairError(code, message, { pool: pool.name, runtime: pool.runtime, kind: job.task.kind.name, attempts: job.attempts }));
    }
    this.checkIdle();
  }

  private retryable(job: Job): boolean {
    return job.task.idempotent && job.attempts < this.cfg.retry.maxAttempts && !this.closing;
  }

  /** Waits out the backoff (counted as queued), then queues `job` again, avoiding `pool`. */
  private retry(job: Job, pool: NativePool<Job>): void {
    job.attempts++;
    this.retries++;
    if (this.telemetry) this.telemetry.retried[job.cls.index]!++;
    job.avoid = this.pools.indexOf(pool);
    job.laneKey = `${job.task.kind.name}|${job.pin}|${job.task.estimateIo === true ? 1 : 0}|avoid${job.avoid}`;
    this.ledger.move(job, BACKOFF);
    job.pool = undefined;
    this.backingOff.add(job);
    const delay = backoffMs(job.attempts, this.cfg.retry, this.rng);
    if (job.span) retrying(job.span, performance.now(), job.attempts, delay);
    job.retryTimer = setTimeout(() => {
      job.retryTimer = undefined;
      this.backingOff.delete(job);
      if (job.state !== BACKOFF) return;
      this.ledger.move(job, QUEUED);
      job.enqueuedAt = performance.now();
      this.queue.push(job);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flushMicrotask);
      }
    }, delay);
  }

  /**
   * Step 4. `failed`: the task counts as failed, not cancelled (no pool
   * can run it). A running task's timeout is its pool's failure (a latency
   * breach, policy/breaker.ts).
   */
  private cancel(job: Job, code: ErrorCode, message: string, failed = false, inQueue = true): void {
    // No pool could take it (flush): its rejection waits for the next batch of refusals.
    const refused = code === 'E_POOL_UNAVAILABLE' && job.state === QUEUED;
    if (job.state === QUEUED) {
      if (inQueue) this.queue.cancelled(job);
    } else if (job.state === BACKOFF) {
      clearTimeout(job.retryTimer);
      this.backingOff.delete(job);
    } else if (job.state === IN_FLIGHT) {
      const pool = job.pool!;
      pool.cancel(job);
      const now = performance.now();
      this.stuck.cancelled(job, now);
      pool.record(job.task.kind.name, code === 'E_TIMEOUT' ? 'runtime' : 'lost', now);
      if (code === 'E_TIMEOUT') this.checkHealth(pool);
    } else return;
    this.ledger.move(job, failed ? FAILED : CANCELLED);
    this.detach(job);
    this.telemetry?.cancelledTask(job.cls.index, code);
    if (job.span) ended(job.span, performance.now(), { attempts: job.attempts, code, message, ...(job.pool ? { pool: job.pool.name, runtime: job.pool.runtime } : {}) });
    const details = { kind: job.task.kind.name, attempts: job.attempts, ...(job.pool ? { pool: job.pool.name, runtime: job.pool.runtime } : {}) };
    if (refused) this.refusals.add(job.reject, refusal('E_POOL_UNAVAILABLE', message, details));
    else job.reject(new CrossfairError(code, message, details));
    this.checkDrain();
    this.checkIdle();
  }

  private detach(job: Job): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (job.task.signal !== undefined) this.signals.unwatch(job.task.signal, job);
  }

  /** A boundary call failed: the tasks it carried cannot complete. */
  private poolFailed(pool: NativePool<Job>, e: unknown): void {
    const err = e instanceof CrossfairError ? e : new CrossfairError('E_POOL_UNAVAILABLE', e instanceof Error ? e.message : show(e), { pool: pool.name, runtime: pool.runtime });
    const now = performance.now();
    for (const job of pool.ring.owners()) {
      if (job.state !== IN_FLIGHT) continue;
      pool.breaker.record(false, now);
      this.cancel(job, err.code, `pool ${pool.name} failed: ${err.message}`, true);
    }
    this.checkHealth(pool);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length > 0 && this.totals.queued === 0 && this.totals.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  stats(): SchedulerStats {
    const now = performance.now();
    const classes: Record<string, ClassStats> = {};
    for (const [name, c] of this.classes) {
      const n = this.ledger.classes[c.index]!;
      classes[name] = {
        weight: c.cfg.weight,
        latencyBudgetMs: c.cfg.latencyBudgetMs,
        submitted: n.submitted,
        completed: n.completed,
        failed: n.failed,
        cancelled: n.cancelled,
        queued: n.queued,
        inFlight: n.inFlight,
        servedUs: Math.round(c.servedNs / 1000),
        waitP99Ms: c.waits.quantile(0.99),
      };
    }
    const pools: SchedulerStats['pools'] = {};
    for (const d of this.down) pools[d.cfg.name] = downStats(d.cfg);
    for (const p of this.pools) pools[p.name] = p.stats(now);
    const t = this.totals;
    const totals: Totals = { submitted: t.submitted, completed: t.completed, failed: t.failed, cancelled: t.cancelled, rejected: this.rejected, queued: t.queued, inFlight: t.inFlight, retries: this.retries };
    const out: SchedulerStats = { policy: this.policy, needsDrain: this.needsDrain, classes, pools, totals };
    if (this.arms) {
      const counts = this.ledger.arms!;
      out.rollout = { baseline: this.arms[0].stats(this.policy, counts[0]), candidate: this.arms[1].stats(this.cfg.rollout!.policy, counts[1]) };
    }
    return out;
  }

  inject(pool: string, faults: Faults | null): void {
    if (this.closing) throw new CrossfairError('E_CLOSED', 'the scheduler is closed');
    const p = this.pools.find((x) => x.name === pool);
    if (!p) throw new CrossfairError('E_BAD_INPUT', `unknown pool ${show(pool)}`);
    const f = guard('E_BAD_INPUT', () => checkFaults(faults));
    const r = p.inject(f.errorRate, f.delayFactor, f.hangRate);
    if (r) r.catch(() => undefined); // ffi: a closed pool has no faults to set
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  metricsHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e instanceof Error ? e.message : show(e)}\n`);
        },
      );
    };
  }

  /** The dashboard server (dashboard/server.ts) over this scheduler's stats() and metricsHandler(). */
  serveDashboard(options?: DashboardOptions): Promise<Dashboard> {
    return serveDashboard(this, options);
  }

  close(options: CloseOptions = {}): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = closeTimeout(options);
    } catch (e) {
      return Promise.reject(e instanceof CrossfairError ? e : new CrossfairError('E_BAD_OPTIONS', `close: ${e instanceof Error ? e.message : show(e)}`));
    }
    this.closed ??= this.shutdown(timeoutMs);
    return this.closed;
  }

  /** Step 5. */
  private async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    if (this.totals.queued + this.totals.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    // Paced pools kept dispatching while we waited; now nothing more goes out.
    if (this.paceTimer !== undefined) clearTimeout(this.paceTimer);
    for (const job of this.queue.drain()) this.cancel(job, 'E_CLOSED', 'the scheduler closed before the task ran', false, false);
    for (const job of [...this.backingOff]) this.cancel(job, 'E_CLOSED', 'the scheduler closed while the task waited to be retried');
    for (const p of this.pools) {
      for (const job of p.ring.owners()) if (job.state === IN_FLIGHT) this.cancel(job, 'E_CLOSED', 'the scheduler closed while the task ran');
    }
    const busy = await Promise.all(this.pools.map((p) => p.close(1000)));
    busy.forEach((n, i) => {
      if (n > 0) process.emitWarning(`crossfair: pool ${this.pools[i]!.name} still had ${n} busy worker(s) at close; its memory stays allocated`, { code: 'CROSSFAIR_CLOSE_BUSY' });
    });
    this.stuck.close();
    // Refusals still batched are delivered before close() resolves: no promise outlives it.
    this.refusals.deliver();
    clearInterval(this.livenessTimer);
    await this.ffiThreads?.destroy();
  }
}

/** close()'s deadline from its options (default 5000 ms). */
function closeTimeout(options: unknown): number {
  if (options === undefined) return 5000;
  if (typeof options !== 'object' || options === null) throw new CrossfairError('E_BAD_OPTIONS', 'close: options must be an object');
  const t = (options as CloseOptions).timeoutMs ?? 5000;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new CrossfairError('E_BAD_OPTIONS', 'close: timeoutMs must be a finite number >= 0');
  return t;
}

/** Stats of a pool that could not be loaded. */
function downStats(cfg: PoolConfig): PoolStats {
  return {
    runtime: cfg.runtime,
    transport: cfg.transport,
    workers: cfg.workers,
    completed: 0,
    failed: 0,
    inFlight: 0,
    maxInFlight: cfg.maxInFlight,
    credit: 0,
    batches: 0,
    batchTarget: 1,
    wakeups: 0,
    utilization: 0,
    breaker: 'open',
    breakerOpened: 0,
    health: 'down',
    healthy: false,
    stuck: 0,
    stalled: false,
    anomalies: 0,
    quarantined: [],
  };
}

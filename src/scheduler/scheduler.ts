/**
 * The scheduler users hold: the public API over the stages of a task's life
 * (docs/ARCHITECTURE.md draws it).
 *
 *   admission.ts  submit(): check, refuse with a code, or queue and schedule a flush
 *   dispatch.ts   flush(): place what the queue offers on pools with credit, one boundary call per pool
 *   settle.ts     a completion, a retry after a backoff, or a cancel settles the task exactly once
 *   health.ts     breakers, quarantines, stuck workers and native liveness: pool health in one place
 *   close.ts      refuse new tasks, wait up to a deadline, cancel the rest, close the pools
 *   stats.ts      stats() and what the metrics read
 *   core.ts       the state they share; the ledger (ledger.ts) counts every task's state
 *
 * Listeners are called in a microtask after the call that changed state
 * (Core.notify), never inside placement, a flush or a native callback.
 *
 * Invariant, checked on every ledger move when CROSSFAIR_CHECK_INVARIANTS=1:
 *   submitted = completed + failed + cancelled + queued + inFlight
 * (rejected tasks were never submitted).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { CrossfairError, guard, show } from '../errors.js';
import { checkFaults } from '../faults.js';
import { Batcher } from '../pool/batcher.js';
import { openPools } from '../pool/open-pools.js';
import { metricsHandler, registerMetrics } from '../observability/metrics.js';
import { Telemetry } from '../observability/telemetry.js';
import { serveDashboard } from '../dashboard/server.js';
import type { SchedulerConfig } from '../options.js';
import type { CloseOptions, Dashboard, DashboardOptions, Faults, PolicyName, Scheduler, SchedulerStats, Task, TaskResult } from '../types.js';
import { Admission } from './admission.js';
import { closeTimeout, shutdown } from './close.js';
import { Core } from './core.js';
import { Dispatch } from './dispatch.js';
import { HealthWatch } from './health.js';
import type { Job } from './job.js';
import { Settle } from './settle.js';
import { metricsSource, snapshot } from './stats.js';

export class CrossfairScheduler extends EventEmitter implements Scheduler {
  readonly registry: Registry;
  private readonly core: Core;
  private readonly health: HealthWatch;
  private readonly settle: Settle;
  private readonly dispatch: Dispatch;
  private readonly admission: Admission;
  private closed: Promise<void> | undefined;

  private constructor(cfg: SchedulerConfig, registry: Registry | undefined) {
    super();
    this.registry = registry ?? new Registry();
    this.core = new Core(cfg, (event, payload) => (payload === undefined ? this.emit(event) : this.emit(event, payload)));
    this.health = new HealthWatch(this.core);
    this.settle = new Settle(this.core, this.health, (job) => this.dispatch.enqueue(job));
    this.dispatch = new Dispatch(this.core, this.settle);
    this.admission = new Admission(this.core, this.settle, this.dispatch.enqueue);
  }

  static async create(cfg: SchedulerConfig, registry?: Registry): Promise<CrossfairScheduler> {
    const s = new CrossfairScheduler(cfg, registry);
    const core = s.core;
    if (cfg.metrics.enabled) core.telemetry = new Telemetry(cfg.classes.length, cfg.pools.length, cfg.metrics.maxTenants);
    const telemetry = core.telemetry;
    const budgets = cfg.classes.some((c) => c.latencyBudgetMs !== undefined);
    const opened = await openPools<Job>(cfg, (p, index) => ({
      breaker: s.health.breaker(p, index),
      quarantine: s.health.quarantine(p),
      batcher: cfg.batching === 'immediate' ? null : new Batcher(),
      headroom: budgets ? cfg.headroom : 0,
      onSettle: (job, c, pool) => s.settle.completed(job, c, pool),
      onDrained: () => s.dispatch.flush(),
      onBatch: telemetry === undefined ? undefined : (n, ms) => telemetry.batch(index, n, ms),
    }));
    core.opened(opened.pools, opened.down, opened.ffiThreads);
    for (const d of opened.down) {
      process.emitWarning(`crossfair: pool ${d.cfg.name} (${d.cfg.runtime}) is down and the scheduler serves without it: ${d.error.message}`, {
        code: 'CROSSFAIR_POOL_DOWN',
      });
    }
    s.health.start();
    if (telemetry !== undefined) {
      try {
        registerMetrics(
          s.registry,
          cfg.metricsPrefix,
          metricsSource(core, telemetry, () => s.stats()),
        );
      } catch (e) {
        await s.close({ timeoutMs: 0 });
        throw e;
      }
    }
    return s;
  }

  get needsDrain(): boolean {
    return this.core.needsDrain;
  }

  submit(task: Task): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve, reject) => this.admission.admit(task, resolve, reject));
  }

  submitMany(tasks: readonly Task[]): Promise<(TaskResult | CrossfairError)[]> {
    return this.admission.many(tasks);
  }

  setPolicy(policy: PolicyName): void {
    this.dispatch.setPolicy(policy);
  }

  stats(): SchedulerStats {
    return snapshot(this.core, this.health);
  }

  inject(pool: string, faults: Faults | null): void {
    if (this.core.closing) throw new CrossfairError('E_CLOSED', 'the scheduler is closed');
    const p = this.core.pools.find((x) => x.name === pool);
    if (!p) throw new CrossfairError('E_BAD_INPUT', `unknown pool ${show(pool)}`);
    const f = guard('E_BAD_INPUT', () => checkFaults(faults));
    const r = p.inject(f.errorRate, f.delayFactor, f.hangRate);
    if (r) r.catch(() => undefined); // ffi: a closed pool has no faults to set
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  metricsHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return metricsHandler(this.registry);
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
    this.closed ??= shutdown(this.core, this.dispatch, this.settle, this.health, timeoutMs);
    return this.closed;
  }
}

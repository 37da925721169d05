/**
 * What the scheduler reports: stats() (per class from the ledger, per pool
 * from the pool and the health watch, totals) and what the metrics read at
 * scrape time (observability/metrics.ts).
 */
import type { MetricsSource } from '../observability/metrics.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { PoolConfig } from '../options.js';
import type { ClassStats, PoolStats, SchedulerStats, Totals } from '../types.js';
import type { Core } from './core.js';
import type { HealthWatch } from './health.js';
import { IN_FLIGHT } from './ledger.js';

export function snapshot(core: Core, health: HealthWatch): SchedulerStats {
  const now = performance.now();
  const classes: Record<string, ClassStats> = {};
  for (const [name, c] of core.classes) {
    const n = core.ledger.classes[c.index]!;
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
  for (const d of core.down) pools[d.cfg.name] = downStats(d.cfg);
  for (const p of core.pools) pools[p.name] = { ...p.stats(now), ...health.stats(p, now) };
  const t = core.totals;
  const totals: Totals = {
    submitted: t.submitted,
    completed: t.completed,
    failed: t.failed,
    cancelled: t.cancelled,
    rejected: core.rejected,
    queued: t.queued,
    inFlight: t.inFlight,
    retries: core.retries,
  };
  const out: SchedulerStats = { policy: core.policy, needsDrain: core.needsDrain, classes, pools, totals };
  if (core.arms) {
    const counts = core.ledger.arms!;
    out.rollout = { baseline: core.arms[0].stats(core.policy, counts[0]), candidate: core.arms[1].stats(core.cfg.rollout!.policy, counts[1]) };
  }
  return out;
}

/** What the metrics read from the scheduler at scrape time. */
export function metricsSource(core: Core, telemetry: Telemetry, stats: () => SchedulerStats): MetricsSource {
  const cfg = core.cfg;
  return {
    stats,
    telemetry,
    classNames: cfg.classes.map((c) => c.name),
    pools: core.pools,
    oldestQueued: () => {
      const now = performance.now();
      const at = core.queue.oldestByClass();
      return cfg.classes.map((c) => (at.has(c.name) ? now - at.get(c.name)! : 0));
    },
    oldestInFlightMs: (i) => {
      let oldest = Infinity;
      for (const job of core.pools[i]!.ring.owners()) if (job.state === IN_FLIGHT && job.dispatchedAt < oldest) oldest = job.dispatchedAt;
      return oldest === Infinity ? 0 : performance.now() - oldest;
    },
    capacity: (i) => core.pools[i]!.model.capacity(),
    maxQueue: cfg.maxQueue,
  };
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

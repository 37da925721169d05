/**
 * Metrics: the Prometheus exposition (docs/OBSERVABILITY.md lists every
 * series). Values are read when scraped — from one stats() snapshot per
 * scrape and from Telemetry's counters and histograms (observability/telemetry.ts) — so
 * the task path only ever increments numbers. Every pool series carries the
 * pool's `runtime`. Series are registered as plain collector objects
 * (name, help, type, get()) in the user's prom-client registry or ours.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { CrossfairError, show } from '../errors.js';
import type { SchedulerStats } from '../types.js';
import type { FastHistogram, Telemetry } from './telemetry.js';
import type { KindBreaker } from '../resilience/quarantine.js';

type Labels = Record<string, string>;
interface Row {
  labels: Labels;
  value: number;
  metricName?: string;
}

export interface MetricsSource {
  stats(): SchedulerStats;
  readonly telemetry: Telemetry;
  readonly classNames: readonly string[];
  readonly pools: readonly { readonly name: string; readonly runtime: string; readonly quarantine?: { all(): Iterable<KindBreaker> } }[];
  /** Age of the oldest queued task of each class, ms (0 when none), in classNames order. */
  oldestQueued(): number[];
  /** Age of the oldest task in flight on pool i, ms (0 when none). */
  oldestInFlightMs(pool: number): number;
  /** Pool i's measured capacity (completed work per busy wall time, in workers). */
  capacity(pool: number): number;
  /** The scheduler's maxQueue. */
  readonly maxQueue: number;
}

const STATES = ['closed', 'open', 'half-open'] as const;
const HEALTHS = ['healthy', 'degraded', 'down'] as const;

/**
 * Registers every series in `registry`. A name the registry already has
 * (two schedulers sharing a registry with one prefix) is E_BAD_OPTIONS, and
 * the series registered before it are removed again: all or nothing.
 */
export function registerMetrics(registry: Registry, prefix: string, src: MetricsSource): void {
  const done: string[] = [];
  try {
    register(registry, prefix, src, done);
  } catch (e) {
    for (const name of done) registry.removeSingleMetric(name);
    throw e;
  }
}

function register(registry: Registry, prefix: string, src: MetricsSource, done: string[]): void {
  // One snapshot per scrape: the registry collects every metric in the same
  // tick, so the first collect takes it and the rest of the tick reuses it.
  let current: SchedulerStats | undefined;
  const snap = (): SchedulerStats => {
    if (current === undefined) {
      current = src.stats();
      queueMicrotask(() => (current = undefined));
    }
    return current;
  };
  const t = src.telemetry;
  const classes = src.classNames;
  const pools = src.pools;
  const poolLabels = (i: number): Labels => ({ pool: pools[i]!.name, runtime: pools[i]!.runtime });
  const add = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', rows: () => Row[]): void => {
    const full = prefix + name;
    if (registry.getSingleMetric(full) !== undefined) {
      throw new CrossfairError('E_BAD_OPTIONS', `registry: it already has a metric named ${full}; give each scheduler on one registry its own metricsPrefix`);
    }
    done.push(full);
    registry.registerMetric({
      name: full,
      help,
      type,
      get: () => ({ name: full, help, type, values: rows(), aggregator: 'sum' }),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  };
  const histogram = (name: string, help: string, each: () => [Labels, FastHistogram][]): void => {
    const full = prefix + name;
    add(name, help, 'histogram', () => {
      const rows: Row[] = [];
      for (const [labels, h] of each()) {
        if (h.count === 0) continue;
        let cum = 0;
        h.buckets.forEach((le, i) => {
          cum += h.counts[i]!;
          rows.push({ metricName: `${full}_bucket`, labels: { ...labels, le: String(le) }, value: cum });
        });
        rows.push({ metricName: `${full}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
        rows.push({ metricName: `${full}_sum`, labels, value: h.sum });
        rows.push({ metricName: `${full}_count`, labels, value: h.count });
      }
      return rows;
    });
  };
  const classPool =
    (pick: (c: number, p: number) => FastHistogram): (() => [Labels, FastHistogram][]) =>
    () =>
      classes.flatMap((cls, c) => pools.map((_, p) => [{ class: cls, ...poolLabels(p) }, pick(c, p)] as [Labels, FastHistogram]));

  // Tasks, by class (and pool, runtime, reason where they have one).
  add('tasks_submitted_total', 'Tasks accepted by submit(), by class.', 'counter', () =>
    classes.map((cls) => ({ labels: { class: cls }, value: snap().classes[cls]!.submitted })),
  );
  add('tasks_completed_total', 'Tasks that returned a result, by class and the pool that ran them.', 'counter', () =>
    classes.flatMap((cls, c) => pools.map((_, p) => ({ labels: { class: cls, ...poolLabels(p) }, value: t.completed[c]![p]! }))),
  );
  add('tasks_failed_total', 'Tasks a pool ended with an error, by class, pool and reason (error code).', 'counter', () =>
    classes.flatMap((cls, c) =>
      pools.flatMap((_, p) => [...t.failed[c]![p]!].map(([reason, v]) => ({ labels: { class: cls, ...poolLabels(p), reason }, value: v }))),
    ),
  );
  add('tasks_cancelled_total', 'Tasks cancelled (timeout, abort, close, no pool available), by class and reason.', 'counter', () =>
    classes.flatMap((cls, c) => [...t.cancelled[c]!].map(([reason, v]) => ({ labels: { class: cls, reason }, value: v }))),
  );
  add(
    'tasks_rejected_total',
    'Tasks refused at submit() and never queued, by class (empty when refused before its class was known) and reason (error code).',
    'counter',
    () => t.rejected.flatMap((m, c) => [...m].map(([reason, v]) => ({ labels: { class: classes[c] ?? '', reason }, value: v }))),
  );
  add('tasks_retried_total', 'Attempts after the first (idempotent tasks after a runtime failure), by class.', 'counter', () =>
    classes.map((cls, c) => ({ labels: { class: cls }, value: t.retried[c]! })),
  );
  if (t.tenants !== undefined) {
    add(
      'tenant_tasks_completed_total',
      `Completed tasks by class and tenant (at most ${t.maxTenants} tenants per class; the rest as "other").`,
      'counter',
      () => classes.flatMap((cls, c) => [...t.tenants![c]!].map(([tenant, v]) => ({ labels: { class: cls, tenant }, value: v }))),
    );
  }
  histogram(
    'task_wait_seconds',
    'Time queued in the scheduler, submit (or retry) to dispatch.',
    classPool((c, p) => t.tasks[c]![p]!.wait),
  );
  histogram(
    'task_exec_seconds',
    'Execution time measured natively.',
    classPool((c, p) => t.tasks[c]![p]!.exec),
  );
  histogram(
    'task_latency_seconds',
    'End to end, submit() to result, for tasks a pool settled.',
    classPool((c, p) => t.tasks[c]![p]!.latency),
  );

  // Classes: backlog, age, fairness.
  add('queue_depth', 'Tasks waiting in the scheduler (retry backoffs included), by class.', 'gauge', () =>
    classes.map((cls) => ({ labels: { class: cls }, value: snap().classes[cls]!.queued })),
  );
  add('queue_limit', 'maxQueue: queued tasks in all beyond which submit() refuses with E_QUEUE_FULL.', 'gauge', () => [{ labels: {}, value: src.maxQueue }]);
  add('class_oldest_task_age_seconds', 'Age of the oldest task waiting in the scheduler, by class (0 when none; retry backoffs not counted).', 'gauge', () => {
    const ages = src.oldestQueued();
    return classes.map((cls, c) => ({ labels: { class: cls }, value: ages[c]! / 1000 }));
  });
  add('class_latency_budget_seconds', "The class's latencyBudgetMs, for comparing waits against it.", 'gauge', () =>
    classes.flatMap((cls) => {
      const b = snap().classes[cls]!.latencyBudgetMs;
      return b === undefined ? [] : [{ labels: { class: cls }, value: b / 1000 }];
    }),
  );
  const shares = (): { served: number[]; entitled: number[]; jain: number } => {
    const s = snap();
    const served = Array.from(t.servedNow(performance.now()));
    const total = served.reduce((a, b) => a + b, 0);
    // Entitlement among the classes active in the window: served something, or waiting now.
    const active = classes.map((cls, c) => served[c]! > total * 1e-3 || s.classes[cls]!.queued > 0);
    const weights = classes.map((cls, c) => (active[c] ? s.classes[cls]!.weight : 0));
    const wsum = weights.reduce((a, b) => a + b, 0);
    const norm = classes.flatMap((_, c) => (active[c] && weights[c]! > 0 ? [served[c]! / weights[c]!] : []));
    const nsum = norm.reduce((a, b) => a + b, 0);
    const nsq = norm.reduce((a, b) => a + b * b, 0);
    return {
      served: served.map((v) => (total > 0 ? v / total : 0)),
      entitled: weights.map((w) => (wsum > 0 ? w / wsum : 0)),
      jain: nsq > 0 ? (nsum * nsum) / (norm.length * nsq) : 1,
    };
  };
  add('class_served_share', 'Share of the execution time served over the last ~10 s (decaying), by class.', 'gauge', () => {
    const sh = shares();
    return classes.map((cls, c) => ({ labels: { class: cls }, value: sh.served[c]! }));
  });
  add('class_entitled_share', 'What the class is entitled to by weight among the classes active in the same window.', 'gauge', () => {
    const sh = shares();
    return classes.map((cls, c) => ({ labels: { class: cls }, value: sh.entitled[c]! }));
  });
  add('fairness_jain_index', "Jain's index over weight-normalised served time of the active classes (1 = exactly fair).", 'gauge', () => [
    { labels: {}, value: shares().jain },
  ]);

  // Pools, each with its runtime.
  const byPool =
    (pick: (p: SchedulerStats['pools'][string], i: number) => number): (() => Row[]) =>
    () =>
      pools.map((pl, i) => ({ labels: poolLabels(i), value: pick(snap().pools[pl.name]!, i) }));
  add(
    'pool_in_flight',
    'Tasks handed to the pool and not yet completed.',
    'gauge',
    byPool((p) => p.inFlight),
  );
  add(
    'pool_utilization',
    'Busy share of the pool workers over the last full second (0..1).',
    'gauge',
    byPool((p) => p.utilization),
  );
  add(
    'pool_credit',
    'Tasks the pool may hold now (sized from measurements).',
    'gauge',
    byPool((p) => p.credit),
  );
  add(
    'pool_capacity',
    'Measured capacity: completed work per busy wall time, in workers.',
    'gauge',
    byPool((_, i) => src.capacity(i)),
  );
  add(
    'pool_oldest_task_age_seconds',
    'Age of the oldest task in flight on the pool since dispatch (0 when none).',
    'gauge',
    byPool((_, i) => src.oldestInFlightMs(i) / 1000),
  );
  add(
    'pool_completed_total',
    'Tasks the pool completed successfully.',
    'counter',
    byPool((p) => p.completed),
  );
  add(
    'pool_failed_total',
    'Tasks the pool ended with an error.',
    'counter',
    byPool((p) => p.failed),
  );
  add(
    'pool_batches_total',
    'Boundary calls that carried tasks to the pool.',
    'counter',
    byPool((p) => p.batches),
  );
  add(
    'pool_wakeups_total',
    'Wake-ups received from the pool.',
    'counter',
    byPool((p) => p.wakeups),
  );
  add('pool_breaker_state', 'Circuit breaker state: 1 for the current state, 0 for the others.', 'gauge', () =>
    pools.flatMap((pl, i) => STATES.map((state) => ({ labels: { ...poolLabels(i), state }, value: snap().pools[pl.name]!.breaker === state ? 1 : 0 }))),
  );
  add('pool_breaker_transitions_total', 'Breaker transitions, by the state entered.', 'counter', () =>
    pools.flatMap((_, i) => [...t.transitions[i]!].map(([state, v]) => ({ labels: { ...poolLabels(i), state }, value: v }))),
  );
  add('pool_health', 'Pool health: 1 for the current one, 0 for the others.', 'gauge', () =>
    pools.flatMap((pl, i) => HEALTHS.map((health) => ({ labels: { ...poolLabels(i), health }, value: snap().pools[pl.name]!.health === health ? 1 : 0 }))),
  );
  // Kinds cut off a pool for their panics: every kind ever quarantined there keeps its series.
  const kinds =
    (row: (k: KindBreaker) => number): (() => Row[]) =>
    () =>
      pools.flatMap((pl, i) => [...(pl.quarantine?.all() ?? [])].map((k) => ({ labels: { ...poolLabels(i), kind: k.kind }, value: row(k) })));
  add(
    'pool_kind_quarantined',
    'A task kind the pool takes no more of for now, because it panicked there: 1 while open or half-open, 0 once closed again.',
    'gauge',
    kinds((k) => (k.breaker.state === 'closed' ? 0 : 1)),
  );
  add(
    'pool_kind_quarantines_total',
    'Times a task kind was quarantined on the pool for its panics.',
    'counter',
    kinds((k) => k.breaker.opened),
  );
  histogram('pool_batch_size', 'Tasks per boundary call.', () => pools.map((_, i) => [poolLabels(i), t.batchSize[i]!]));
  histogram('pool_crossing_seconds', 'JS time of one boundary call (submit of a batch).', () => pools.map((_, i) => [poolLabels(i), t.crossing[i]!]));
}

/** A `node:http` handler serving the registry's exposition (GET, HEAD). */
export function metricsHandler(registry: Registry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e instanceof Error ? e.message : show(e)}\n`);
      },
    );
  };
}

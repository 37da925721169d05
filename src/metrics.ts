/**
 * Metrics: Prometheus series derived from stats() when scraped, so the task
 * hot path pays nothing for them. Every pool series carries the pool's
 * `runtime`. This is the baseline set; issue 5 adds histograms, fairness
 * gauges and tracing.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { SchedulerStats } from './types.js';

type Labels = Record<string, string>;
/** One value per label set, read from a fresh snapshot. */
type Rows = (s: SchedulerStats) => [Labels, number][];

const byClass = (pick: (c: SchedulerStats['classes'][string]) => number): Rows => (s) => Object.entries(s.classes).map(([cls, c]) => [{ class: cls }, pick(c)]);
const byPool = (pick: (p: SchedulerStats['pools'][string]) => number): Rows => (s) => Object.entries(s.pools).map(([pool, p]) => [{ pool, runtime: p.runtime }, pick(p)]);

export function registerMetrics(registry: Registry, prefix: string, stats: () => SchedulerStats): void {
  // One snapshot per scrape: prom-client collects every metric in the same
  // tick, so the first collect takes it and the rest of the tick reuses it.
  let current: SchedulerStats | undefined;
  const snapshot = (): SchedulerStats => {
    if (current === undefined) {
      current = stats();
      queueMicrotask(() => (current = undefined));
    }
    return current;
  };
  const counter = (name: string, help: string, labelNames: string[], rows: Rows): void => {
    new Counter({
      name: prefix + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, v] of rows(snapshot())) this.inc(labels, v);
      },
    });
  };
  const gauge = (name: string, help: string, labelNames: string[], rows: Rows): void => {
    new Gauge({
      name: prefix + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const [labels, v] of rows(snapshot())) this.set(labels, v);
      },
    });
  };
  const cls = ['class'];
  const pool = ['pool', 'runtime'];
  counter('tasks_submitted_total', 'Tasks accepted by submit(), by class.', cls, byClass((c) => c.submitted));
  counter('tasks_completed_total', 'Tasks that returned a result, by class.', cls, byClass((c) => c.completed));
  counter('tasks_failed_total', 'Tasks that ended with an error other than cancellation, by class.', cls, byClass((c) => c.failed));
  counter('tasks_cancelled_total', 'Tasks cancelled by timeout, abort or close, by class.', cls, byClass((c) => c.cancelled));
  counter('tasks_rejected_total', 'Tasks refused at submit() (bad input, queue full, closed).', [], (s) => [[{}, s.totals.rejected]]);
  gauge('queue_depth', 'Tasks waiting in the scheduler queue, by class.', cls, byClass((c) => c.queued));
  gauge('pool_in_flight', 'Tasks handed to the pool and not yet completed.', pool, byPool((p) => p.inFlight));
  gauge('pool_utilization', 'Busy share of the pool workers over the last full second (0..1).', pool, byPool((p) => p.utilization));
  counter('pool_completed_total', 'Tasks the pool completed successfully.', pool, byPool((p) => p.completed));
  counter('pool_failed_total', 'Tasks the pool ended with an error.', pool, byPool((p) => p.failed));
  counter('pool_batches_total', 'Boundary calls that carried tasks to the pool.', pool, byPool((p) => p.batches));
  counter('pool_wakeups_total', 'Wake-ups received from the pool.', pool, byPool((p) => p.wakeups));
}

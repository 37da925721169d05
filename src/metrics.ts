/**
 * Metrics: Prometheus series derived from stats() when scraped, so the task
 * hot path pays nothing for them. Every pool series carries the pool's
 * `runtime`. This is the baseline set; issue 5 adds histograms, fairness
 * gauges and tracing.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { SchedulerStats } from './types.js';

export function registerMetrics(registry: Registry, prefix: string, snapshot: () => SchedulerStats): void {
  const classCounter = (name: string, help: string, pick: (c: SchedulerStats['classes'][string]) => number): void => {
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: ['class'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [cls, c] of Object.entries(snapshot().classes)) this.inc({ class: cls }, pick(c));
      },
    });
  };
  classCounter('tasks_submitted_total', 'Tasks accepted by submit(), by class.', (c) => c.submitted);
  classCounter('tasks_completed_total', 'Tasks that returned a result, by class.', (c) => c.completed);
  classCounter('tasks_failed_total', 'Tasks that ended with an error other than cancellation, by class.', (c) => c.failed);
  classCounter('tasks_cancelled_total', 'Tasks cancelled by timeout, abort or close, by class.', (c) => c.cancelled);
  new Counter({
    name: `${prefix}tasks_rejected_total`,
    help: 'Tasks refused at submit() (bad input, queue full, closed).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(snapshot().totals.rejected);
    },
  });
  new Gauge({
    name: `${prefix}queue_depth`,
    help: 'Tasks waiting in the scheduler queue, by class.',
    labelNames: ['class'],
    registers: [registry],
    collect() {
      for (const [cls, c] of Object.entries(snapshot().classes)) this.set({ class: cls }, c.queued);
    },
  });
  const poolGauge = (name: string, help: string, pick: (p: SchedulerStats['pools'][string]) => number): void => {
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames: ['pool', 'runtime'],
      registers: [registry],
      collect() {
        for (const [pool, p] of Object.entries(snapshot().pools)) this.set({ pool, runtime: p.runtime }, pick(p));
      },
    });
  };
  poolGauge('pool_in_flight', 'Tasks handed to the pool and not yet completed.', (p) => p.inFlight);
  poolGauge('pool_utilization', 'Busy share of the pool workers over the last full second (0..1).', (p) => p.utilization);
  const poolCounter = (name: string, help: string, pick: (p: SchedulerStats['pools'][string]) => number): void => {
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: ['pool', 'runtime'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [pool, p] of Object.entries(snapshot().pools)) this.inc({ pool, runtime: p.runtime }, pick(p));
      },
    });
  };
  poolCounter('pool_completed_total', 'Tasks the pool completed successfully.', (p) => p.completed);
  poolCounter('pool_failed_total', 'Tasks the pool ended with an error.', (p) => p.failed);
}

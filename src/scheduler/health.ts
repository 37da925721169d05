/**
 * Pool health, in one place: each pool's breaker and kind quarantine are
 * made here (with the callbacks that report their changes), and here is
 * what else counts against a pool — workers stuck on a cancelled task
 * (resilience/stuck-watch.ts) and native progress that stopped
 * (resilience/liveness.ts). `of(pool)` is a pool's health;
 * `check(pool)` emits 'health' when it changed since it was last reported.
 */
import { Breaker } from '../resilience/breaker.js';
import { Quarantine } from '../resilience/quarantine.js';
import { Liveness, NATIVE_COMPLETED, NATIVE_RUNNING } from '../resilience/liveness.js';
import { StuckWatch } from '../resilience/stuck-watch.js';
import type { NativePool } from '../pool/native-pool.js';
import type { PoolConfig } from '../options.js';
import type { PoolHealth, PoolStats } from '../types.js';
import type { Core } from './core.js';
import type { Job } from './job.js';

type Pool = NativePool<Job>;

export class HealthWatch {
  /** Cancelled running tasks that did not come back: their workers are stuck. */
  readonly stuck: StuckWatch<Pool, Job>;
  /** The health last reported, and the liveness, per pool index (arrays: read on every completion). */
  private readonly reported: PoolHealth[] = [];
  private readonly liveness: Liveness[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly core: Core) {
    this.stuck = new StuckWatch<Pool, Job>(core.cfg.stuckGraceMs, (p) => this.check(p));
  }

  /** The breaker of pool `index`: its transitions reach metrics and listeners, and may change the pool's health. */
  breaker(cfg: PoolConfig, index: number): Breaker {
    return new Breaker(this.core.cfg.breaker, (from, to, reason) => {
      this.core.telemetry?.breaker(index, to);
      this.core.notify('breaker', { pool: cfg.name, runtime: cfg.runtime, from, to, reason });
      const pool = this.core.pools[index];
      if (pool !== undefined) this.check(pool);
    });
  }

  /** The kind quarantine of a pool: its transitions reach listeners. */
  quarantine(cfg: PoolConfig): Quarantine {
    return new Quarantine(this.core.cfg.quarantine, (kind, from, to, reason) =>
      this.core.notify('quarantine', { pool: cfg.name, runtime: cfg.runtime, kind, from, to, reason }),
    );
  }

  /** The pools are open: each starts healthy, and their native progress is read every half grace period. */
  start(): void {
    const graceMs = this.core.cfg.stuckGraceMs;
    for (const p of this.core.pools) {
      this.reported[p.index] = 'healthy';
      this.liveness[p.index] = new Liveness(graceMs);
    }
    this.timer = setInterval(() => this.poll(), Math.max(10, graceMs / 2)).unref();
  }

  /** Breaker state, stuck workers and native liveness, together (resilience/breaker.ts). */
  of(pool: Pool, now: number): PoolHealth {
    return pool.breaker.health(now, this.stuck.stuckOn(pool) + (this.stalled(pool) ? 1 : 0));
  }

  /** The health fields of the pool's stats. */
  stats(pool: Pool, now: number): Pick<PoolStats, 'health' | 'healthy' | 'stuck' | 'stalled'> {
    const health = this.of(pool, now);
    return { health, healthy: health === 'healthy', stuck: this.stuck.stuckOn(pool), stalled: this.stalled(pool) };
  }

  /** Emits 'health' when the pool's health changed since it was last reported. */
  check(pool: Pool): void {
    const h = this.of(pool, performance.now());
    const was = this.reported[pool.index];
    if (was === h) return;
    this.reported[pool.index] = h;
    this.core.notify('health', { pool: pool.name, runtime: pool.runtime, from: was, to: h });
  }

  /** Health that is not plainly healthy: every outcome on such a pool may change it. */
  unsettled(pool: Pool): boolean {
    return this.reported[pool.index] !== 'healthy';
  }

  /** A completion arrived from `pool` at `now`: progress, seen without reading its counters. */
  progressed(pool: Pool, now: number): void {
    const l = this.liveness[pool.index];
    if (l !== undefined && l.stalled && l.progressed(now)) this.check(pool);
  }

  close(): void {
    this.stuck.close();
    clearInterval(this.timer);
  }

  private stalled(pool: Pool): boolean {
    return this.liveness[pool.index]?.stalled ?? false;
  }

  /** Reads each busy pool's native progress counters. */
  private poll(): void {
    for (const p of this.core.pools) {
      const l = this.liveness[p.index]!;
      if (p.inFlight === 0 && !l.stalled) continue;
      const apply = (st: number[]): void => {
        if (l.observe(performance.now(), st[NATIVE_RUNNING] ?? 0, st[NATIVE_COMPLETED] ?? 0)) this.check(p);
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
}

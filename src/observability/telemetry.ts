/**
 * Telemetry: what the metrics (observability/metrics.ts) need that stats() does not keep,
 * recorded on the task path as cheaply as possible: fixed-bucket histograms
 * in typed arrays (a bucket search and three adds per observation), counters
 * by label in arrays or small maps, and a decaying window of served time per
 * class for the fairness gauges. Nothing here allocates per task once a
 * label set has been seen. With metrics off, the scheduler holds none.
 *
 * Label sets: class × pool for task histograms and completions (indices,
 * not strings, on the hot path); failures add the error code (a small map
 * per class × pool); tenants only when enabled, capped, the rest "other".
 */

/** Seconds: 50 µs to 10 s. */
export const SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Tasks per boundary call. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
/** Time constant of the served-share window, ms. */
export const SHARE_WINDOW_MS = 10_000;

export class FastHistogram {
  /** counts[i]: observations <= buckets[i] and > buckets[i-1]; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length + 1);
  }

  observe(v: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    this.counts[i]!++;
    this.sum += v;
    this.count++;
  }
}

export interface TaskHistograms {
  wait: FastHistogram;
  exec: FastHistogram;
  latency: FastHistogram;
}

export class Telemetry {
  /** [class][pool] */
  readonly tasks: TaskHistograms[][];
  readonly completed: Float64Array[];
  /** [class][pool]: error code -> count */
  readonly failed: Map<string, number>[][];
  /** [class]: reason -> count */
  readonly cancelled: Map<string, number>[];
  readonly retried: Float64Array;
  /** [class]: reason -> count; the last entry is for tasks refused before their class was known. */
  readonly rejected: Map<string, number>[];
  /** [pool] */
  readonly batchSize: FastHistogram[];
  readonly crossing: FastHistogram[];
  /** [pool]: state -> transitions into it */
  readonly transitions: Map<string, number>[];
  /** [class]: tenant -> completed, at most maxTenants tenants, the rest under "other". */
  readonly tenants: Map<string, number>[] | undefined;
  /** Decayed served execution µs per class (SHARE_WINDOW_MS). */
  readonly served: Float64Array;
  private servedAt = 0;

  constructor(
    classes: number,
    pools: number,
    readonly maxTenants: number | undefined,
  ) {
    const grid = <T>(make: () => T): T[][] => Array.from({ length: classes }, () => Array.from({ length: pools }, make));
    this.tasks = grid(() => ({
      wait: new FastHistogram(SECONDS_BUCKETS),
      exec: new FastHistogram(SECONDS_BUCKETS),
      latency: new FastHistogram(SECONDS_BUCKETS),
    }));
    this.completed = Array.from({ length: classes }, () => new Float64Array(pools));
    this.failed = grid(() => new Map<string, number>());
    this.cancelled = Array.from({ length: classes }, () => new Map<string, number>());
    this.retried = new Float64Array(classes);
    this.rejected = Array.from({ length: classes + 1 }, () => new Map<string, number>());
    this.batchSize = Array.from({ length: pools }, () => new FastHistogram(BATCH_BUCKETS));
    this.crossing = Array.from({ length: pools }, () => new FastHistogram(SECONDS_BUCKETS));
    this.transitions = Array.from({ length: pools }, () => new Map<string, number>());
    this.tenants = maxTenants === undefined ? undefined : Array.from({ length: classes }, () => new Map<string, number>());
    this.served = new Float64Array(classes);
  }

  /** A task settled by a pool (completed or failed). Times in ms, exec in µs. */
  settled(
    cls: number,
    pool: number,
    waitMs: number,
    execUs: number,
    latencyMs: number,
    code: string | undefined,
    tenant: string | undefined,
    now: number,
  ): void {
    const h = this.tasks[cls]![pool]!;
    h.wait.observe(waitMs / 1000);
    h.exec.observe(execUs / 1e6);
    h.latency.observe(latencyMs / 1000);
    this.serve(cls, execUs, now);
    if (code === undefined) {
      this.completed[cls]![pool]!++;
      if (this.tenants !== undefined) {
        const m = this.tenants[cls]!;
        const key = tenant !== undefined && (m.has(tenant) || m.size < this.maxTenants!) ? tenant : 'other';
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    } else bump(this.failed[cls]![pool]!, code);
  }

  cancelledTask(cls: number, code: string): void {
    bump(this.cancelled[cls]!, code);
  }

  /** A task refused at submit(); `cls` undefined when it was refused before its class was known. */
  rejectedTask(cls: number | undefined, code: string): void {
    bump(this.rejected[cls ?? this.rejected.length - 1]!, code);
  }

  batch(pool: number, size: number, crossingMs: number): void {
    this.batchSize[pool]!.observe(size);
    this.crossing[pool]!.observe(crossingMs / 1000);
  }

  breaker(pool: number, to: string): void {
    bump(this.transitions[pool]!, to);
  }

  /** The served-time window as of `now` (decays it). */
  servedNow(now: number): Float64Array {
    this.decay(now);
    return this.served;
  }

  private serve(cls: number, execUs: number, now: number): void {
    this.decay(now);
    this.served[cls]! += execUs;
  }

  private decay(now: number): void {
    const dt = now - this.servedAt;
    if (dt < 10) return; // at most a hundred decays a second, whatever the task rate
    const f = Math.exp(-dt / SHARE_WINDOW_MS);
    for (let i = 0; i < this.served.length; i++) this.served[i]! *= f;
    this.servedAt = now;
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

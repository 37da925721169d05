/**
 * A deterministic discrete-event simulator for the queueing policy: pools of
 * configurable speed and credit, a virtual clock in ms, tasks with true costs
 * and (possibly wrong) estimates. The queue under test is driven exactly as
 * the scheduler drives it: peek → shift(estimate) on dispatch, correct(...)
 * on completion. No native code, no wall clock.
 */
import { FairQueue, type FairClass } from '../src/queue/fair-queue.js';

export interface SimTask {
  className: string;
  tenant: string | undefined;
  enqueuedAt: number;
  queued: boolean;
  /** True execution cost in µs at speed 1. */
  costUs: number;
  estimateUs: number;
  dispatchedAt?: number;
  /** Lane in its tenant's queue (FairItem.laneKey) and arrival order. */
  laneKey?: string;
  seq?: number;
}

export interface SimPool {
  /** Cost units processed per µs per worker. */
  speed: number;
  workers: number;
  /** Tasks this pool holds at once (credit). */
  maxInFlight: number;
}

export interface SimResult {
  /** Execution µs served per class (completed tasks). */
  served: Record<string, number>;
  /** Longest queueing wait per class, ms. */
  maxWaitMs: Record<string, number>;
  /** Every queueing wait per class, ms, in dispatch order. */
  waits: Record<string, number[]>;
  completed: number;
  /** Dispatch points at which a pool had credit and tasks waited, but none was dispatched. */
  idleWithBacklog: number;
  endMs: number;
}

interface Running {
  at: number;
  task: SimTask;
  pool: number;
  worker: number;
}

/**
 * Runs until `untilMs`. `source(nowMs)` is asked for new tasks at every
 * event; it returns tasks to enqueue (keeping classes backlogged is its job).
 */
export function simulate(
  classes: FairClass[],
  pools: SimPool[],
  untilMs: number,
  source: (nowMs: number, queued: (cls: string) => number) => SimTask[],
): SimResult {
  let now = 0;
  const q = new FairQueue<SimTask>(
    classes,
    () => now,
    pools.reduce((n, p) => n + p.workers, 0),
  );
  const queuedPerClass = new Map<string, number>(classes.map((c) => [c.name, 0]));
  const served: Record<string, number> = Object.fromEntries(classes.map((c) => [c.name, 0]));
  const maxWaitMs: Record<string, number> = Object.fromEntries(classes.map((c) => [c.name, 0]));
  const waits: Record<string, number[]> = Object.fromEntries(classes.map((c) => [c.name, []]));
  const inFlight = pools.map(() => 0);
  // Each worker's next free time; a pool's local queue is FIFO over its workers.
  const freeAt = pools.map((p) => new Array<number>(p.workers).fill(0));
  const running: Running[] = [];
  let completed = 0;
  let idleWithBacklog = 0;

  const enqueue = (): void => {
    for (const t of source(now, (c) => queuedPerClass.get(c)!)) {
      t.enqueuedAt = now;
      t.queued = true;
      queuedPerClass.set(t.className, queuedPerClass.get(t.className)! + 1);
      q.push(t);
    }
  };
  const dispatch = (): void => {
    for (;;) {
      const t = q.peek();
      if (t === undefined) return;
      // Least loaded pool with credit.
      let best = -1;
      for (let i = 0; i < pools.length; i++) {
        if (inFlight[i]! < pools[i]!.maxInFlight && (best < 0 || inFlight[i]! / pools[i]!.workers < inFlight[best]! / pools[best]!.workers)) best = i;
      }
      if (best < 0) return;
      q.shift(t.estimateUs);
      t.queued = false;
      t.dispatchedAt = now;
      queuedPerClass.set(t.className, queuedPerClass.get(t.className)! - 1);
      maxWaitMs[t.className] = Math.max(maxWaitMs[t.className]!, now - t.enqueuedAt);
      waits[t.className]!.push(now - t.enqueuedAt);
      inFlight[best]!++;
      const workers = freeAt[best]!;
      let w = 0;
      for (let i = 1; i < workers.length; i++) if (workers[i]! < workers[w]!) w = i;
      const start = Math.max(now, workers[w]!);
      const end = start + t.costUs / pools[best]!.speed / 1000;
      workers[w] = end;
      running.push({ at: end, task: t, pool: best, worker: w });
    }
  };

  enqueue();
  dispatch();
  while (running.length > 0) {
    running.sort((a, b) => a.at - b.at);
    const next = running.shift()!;
    if (next.at > untilMs) break;
    now = next.at;
    inFlight[next.pool]!--;
    const actual = next.task.costUs / pools[next.pool]!.speed;
    q.correct(next.task, next.task.estimateUs, actual);
    served[next.task.className]! += actual;
    completed++;
    enqueue();
    dispatch();
    if (q.live > 0 && inFlight.some((n, i) => n < pools[i]!.maxInFlight)) idleWithBacklog++;
  }
  return { served, maxWaitMs, waits, completed, idleWithBacklog, endMs: now };
}

/** A small seeded PRNG (mulberry32) so scenarios are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Jain's fairness index over weight-normalised shares. */
export function jain(shares: number[]): number {
  const sum = shares.reduce((a, b) => a + b, 0);
  const sq = shares.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (sum * sum) / (shares.length * sq);
}

/**
 * Placement by prediction: the pool where a task is predicted to finish
 * first, from what the pool models measured (pool-model.ts). Pure and
 * deterministic given its inputs (randomness comes in as `rng`).
 *
 *   completion_p = queue_p(kind) + cost_p(task) + crossing_p
 *
 * queue is how long the work already handed to the pool delays this task,
 * per resource (PoolModel.queueUs): nothing for a kind that waits cheaply
 * there (its tasks overlap), else the backlog of work that occupies workers
 * over the pool's capacity for it; cost is the task's learned cost *there* (so a kind that
 * runs 3× cheaper on one pool goes there, and a pool slowed by faults sheds
 * work as its costs rise and its backlog drains slower); crossing is what
 * the boundary adds per task at the pool's batch size. Nothing here knows a
 * runtime's name: only measured figures differ between pools.
 *
 * Protocol:
 * 1. candidates: a pinned task (pin ≥ 0) considers only its pool; otherwise
 *    every pool with credit that implements the kind. No credit → -1 (the
 *    task waits in the fair queue, where fairness can still act).
 * 2. an I/O task (`io: true`, declared: see pool-model.ts for why it cannot
 *    be learned from wall time) keeps only the candidates where waiting is
 *    measurably cheap — overlap(kind) ≥ IO_OVERLAP_MIN × workers — if any
 *    is; otherwise every pool holds a worker per waiting task alike, and the
 *    completion estimate decides (it already favours the pool that runs more
 *    at once, through capacity).
 *    Spill: a task with a latency budget (`budgetUs`, what is left of it)
 *    keeps every candidate when each cheap-waiting one is predicted to
 *    finish past the budget and another one is not.
 * 3. ≤ 2 candidates: the earliest predicted completion, ties to the lower
 *    index. > 2: power-of-two choices — two distinct candidates drawn with
 *    `rng`, the earlier of the two; for a task with a budget that the pick
 *    would break, the earliest of all candidates (spill).
 *
 * Credit: a task of a class with a latency budget (`urgent`) may use the
 * pool's headroom, the part of its credit kept for such tasks
 * (NativePool.hasCreditFor), so a burst of them does not wait for a credit
 * to free up behind bulk work.
 *
 * Why power-of-two (Sparrow; Mitzenmacher's "power of two choices"): a
 * flush places a whole batch before any completion updates the models, so
 * the capacity and cost figures are stale within it, and the exact argmin
 * sends the batch's tasks to the same pool until its backlog term catches
 * up. Two random probes keep most of argmin's benefit (against one random
 * probe, the maximum load falls from ~log n/log log n to ~log log n) while
 * spreading ties and stale estimates, at constant cost per task. With two candidates sampling two is
 * the full comparison, so it is done exactly, without the rng.
 *
 * Alternatives rejected: least-loaded by task count (placement.ts, the
 * baseline: blind to costs and speeds); join-shortest-expected-delay over
 * all pools (herds on stale figures, as above); weighted round robin by
 * measured speed (ignores the current backlog).
 */
import { DEFAULT_COST_US } from './pool-model.js';
import type { PoolModel } from './pool-model.js';

/**
 * Per-task crossing cost, from docs/BENCHMARKS.md "boundary" (2-core machine,
 * ns/task for empty echo through the rings): Rust napi 33 742 at batch 1 and
 * 197 at batch 256; fitted as perBatch / batch + perTask, which also matches
 * batch 16 (2 184 → 2.17 µs) and 4096 (78 → 0.074 µs). Go shim: 29.0 µs per
 * batch + 0.105 per task; ffi-rs: 119.7 + 0.175. Retune from that bench.
 */
export const CROSSING_PER_BATCH_US = 33.7;
export const CROSSING_PER_TASK_US = 0.066;

/** Per-task crossing µs at a batch size (≥ 1), for PredictView.crossingUs. */
export function crossingUs(batch: number, perBatchUs = CROSSING_PER_BATCH_US, perTaskUs = CROSSING_PER_TASK_US): number {
  return perBatchUs / Math.max(1, batch) + perTaskUs;
}

export { IO_OVERLAP_MIN } from './pool-model.js';

export interface PredictTask {
  readonly kind: string;
  readonly inLen: number;
  /** `estimate.cpuUs`. */
  readonly hintUs?: number | undefined;
  /** `estimate.io`. */
  readonly io?: boolean | undefined;
  /** Index of the pinned pool, or -1. */
  readonly pin: number;
  /** Its class has a latency budget: it may use the pools' headroom. */
  readonly urgent?: boolean | undefined;
  /** What is left of its latency budget, µs (set just before placing). */
  budgetUs?: number | undefined;
}

export interface PredictView {
  readonly kinds: { has(kind: string): boolean };
  /** Can take one more task now. */
  readonly hasCredit: boolean;
  /** Credit for a task of `kind`, where it differs from `hasCredit` (cheap waits do not use CPU credit; urgent tasks may use the headroom). */
  hasCreditFor?(kind: string, urgent: boolean): boolean;
  /** What the boundary adds per task now (`crossingUs(batch)`). */
  readonly crossingUs: number;
  readonly model: PoolModel;
}

/** Predicted µs until `task` would finish on `p` (header formula). */
export function predictedCompletionUs(task: PredictTask, p: PredictView): number {
  const m = p.model;
  const cost = m.costUs(task.kind, task.inLen, task.hintUs) ?? DEFAULT_COST_US;
  return m.queueUs(task.kind) + cost + p.crossingUs;
}

function credit(p: PredictView, task: PredictTask): boolean {
  return p.hasCreditFor ? p.hasCreditFor(task.kind, task.urgent === true) : p.hasCredit;
}

/** True when waiting is measurably cheap on `p` for `kind` (step 2). */
export function waitsCheaply(kind: string, p: PredictView): boolean {
  return p.model.waitsCheaply(kind);
}

/** The pool index for `task`, or -1 if none can take it now (header protocol). */
export function placeByPrediction(task: PredictTask, pools: readonly PredictView[], rng: () => number): number {
  if (task.pin >= 0) {
    const p = pools[task.pin];
    return p !== undefined && credit(p, task) && p.kinds.has(task.kind) ? task.pin : -1;
  }
  // Step 1 and 2 without allocating: count the candidates, and the cheap-waiting ones.
  let eligible = 0;
  let cheap = 0;
  for (const p of pools) {
    if (!credit(p, task) || !p.kinds.has(task.kind)) continue;
    eligible++;
    if (task.io === true && waitsCheaply(task.kind, p)) cheap++;
  }
  if (eligible === 0) return -1;
  const onlyCheap = cheap > 0 && !(cheap < eligible && task.budgetUs !== undefined && cheapBreaksBudget(task, pools));
  const n = onlyCheap ? cheap : eligible;
  const isCandidate = (p: PredictView): boolean => credit(p, task) && p.kinds.has(task.kind) && (!onlyCheap || waitsCheaply(task.kind, p));

  if (n <= 2) return earliest(task, pools, isCandidate);
  // Step 3, power-of-two: the a-th and b-th candidates, a ≠ b.
  const a = Math.min(n - 1, Math.floor(rng() * n));
  let b = Math.min(n - 2, Math.floor(rng() * (n - 1)));
  if (b >= a) b++;
  const i = nthCandidate(pools, isCandidate, Math.min(a, b));
  const j = nthCandidate(pools, isCandidate, Math.max(a, b));
  const ui = predictedCompletionUs(task, pools[i]!);
  const uj = predictedCompletionUs(task, pools[j]!);
  const pick = uj < ui ? j : i;
  if (task.budgetUs !== undefined && Math.min(ui, uj) > task.budgetUs) return earliest(task, pools, isCandidate);
  return pick;
}

/** The candidate with the earliest predicted completion, ties to the lower index; -1 if none. */
function earliest(task: PredictTask, pools: readonly PredictView[], isCandidate: (p: PredictView) => boolean): number {
  let best = -1;
  let bestUs = Infinity;
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    if (!isCandidate(p)) continue;
    const us = predictedCompletionUs(task, p);
    if (best < 0 || us < bestUs) {
      best = i;
      bestUs = us;
    }
  }
  return best;
}

/** Step 2's spill test: every cheap-waiting candidate breaks the budget, and some other candidate keeps it. */
function cheapBreaksBudget(task: PredictTask, pools: readonly PredictView[]): boolean {
  let cheapBest = Infinity;
  let otherBest = Infinity;
  for (const p of pools) {
    if (!credit(p, task) || !p.kinds.has(task.kind)) continue;
    const us = predictedCompletionUs(task, p);
    if (waitsCheaply(task.kind, p)) cheapBest = Math.min(cheapBest, us);
    else otherBest = Math.min(otherBest, us);
  }
  return cheapBest > task.budgetUs! && otherBest <= task.budgetUs!;
}

function nthCandidate(pools: readonly PredictView[], isCandidate: (p: PredictView) => boolean, k: number): number {
  for (let i = 0; i < pools.length; i++) if (isCandidate(pools[i]!) && k-- === 0) return i;
  return -1; // unreachable: k < the number of candidates
}

/**
 * Batcher: adaptive batching for one pool. Decides, at each flush, whether
 * the tasks staged for the pool cross now or linger until the end of this
 * event-loop turn (setImmediate) so that tasks submitted by later callbacks
 * of the same turn share the boundary call.
 *
 * Signals (smoothed, EWMA with BATCH_ALPHA):
 *   share = crossing / (crossing + execution) per task, from the batch sizes
 *           the pool actually sent (crossingUs, predict.ts) and its measured
 *           mean execution time;
 *   batch = tasks per boundary call.
 * Rule, applied every ADAPT_EVERY boundary calls (bounded steps, x2 or /2):
 *   share > GROW_SHARE and lingering still fills batches
 *     (batch >= 3/4 target)                    -> target x2, up to MAX_TARGET
 *   share < SHRINK_SHARE, or lingering does not fill
 *     (batch < target / 4)                     -> target / 2, down to 1
 *   otherwise                                  -> unchanged
 * The gap between the thresholds (hysteresis) and the smoothing keep the
 * target from oscillating; target 1 means "never linger".
 *
 * When to linger (all must hold; otherwise cross now):
 *   - fewer than `target` tasks are staged;
 *   - every worker of the pool is busy with work already sent (an idle
 *     worker is never kept waiting);
 *   - no task waits in the scheduler's queue: a backlog means the pools,
 *     not the crossings, limit throughput, and a turn of a loaded event
 *     loop can outlast the work the pool holds (measured: utilization fell
 *     from ~0.9 to ~0.65 beside a flood when batches lingered anyway);
 *   - no staged task belongs to a class with a latency budget: batching
 *     shrinks to nothing rather than spend a budget.
 *
 * Alternatives rejected: a timer-based linger (Node's timers have 1 ms
 * granularity, a long time next to tasks of microseconds); a fixed batch
 * size (wrong for either tiny or long tasks).
 */
import { crossingUs } from '../placement/predict.js';

export const MAX_TARGET = 256;
export const ADAPT_EVERY = 16;
export const GROW_SHARE = 0.1;
export const SHRINK_SHARE = 0.02;
export const BATCH_ALPHA = 0.1;

export class Batcher {
  /** Tasks a boundary call should carry before it goes without waiting. */
  target = 1;
  private share = 0;
  private batch = 1;
  private calls = 0;

  constructor(private readonly crossing: (batch: number) => number = crossingUs) {}

  /** A boundary call carried `batch` tasks; `meanExecUs` is the pool's measured mean (0: unknown). */
  sent(batch: number, meanExecUs: number): void {
    const c = this.crossing(batch);
    const share = meanExecUs > 0 ? c / (c + meanExecUs) : 0;
    this.share += BATCH_ALPHA * (share - this.share);
    this.batch += BATCH_ALPHA * (batch - this.batch);
    if (++this.calls % ADAPT_EVERY !== 0) return;
    if (this.share < SHRINK_SHARE || this.batch < this.target / 4) this.target = Math.max(1, this.target / 2);
    else if (this.share > GROW_SHARE && this.batch >= 0.75 * this.target) this.target = Math.min(MAX_TARGET, this.target * 2);
  }

  /** Linger (true) or cross now (false); see the header. */
  linger(staged: number, workersBusy: boolean, urgentStaged: boolean, backlog: boolean): boolean {
    return staged < this.target && workersBusy && !urgentStaged && !backlog;
  }

  /** Smoothed figures, for stats and tests. */
  get signals(): { share: number; batch: number } {
    return { share: this.share, batch: this.batch };
  }
}

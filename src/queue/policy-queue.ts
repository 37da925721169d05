/**
 * PolicyQueue: what the scheduler needs from the queue of waiting tasks,
 * whatever the policy. `fifo` and `round-robin` order tasks by arrival
 * (FifoQueue); `fair` by weighted virtual time (FairQueue).
 *
 * Protocol: push → peek (decide) → shift(estimateUs) (take and charge) →
 * correct(estimateUs, actualUs) on completion; cancelled(t) for a queued
 * task cancelled in place; drain() to take every queued task out at once
 * (a policy change, close): it does not depend on the tasks' states, so it
 * cannot hand back the same task twice or leave one behind.
 */
import { TaskQueue } from './task-queue.js';
import type { FairItem } from './fair-queue.js';

export interface PolicyQueue<T extends FairItem> {
  readonly live: number;
  push(t: T): void;
  /** With `canTake` (fair only), may pass over a head no pool can take now; undefined when none can go. */
  peek(canTake?: (t: T) => boolean): T | undefined;
  shift(estimateUs: number): T | undefined;
  correct(t: T, estimateUs: number, actualUs: number): void;
  cancelled(t: T): void;
  /** Every queued task, in arrival order; the queue is left empty. */
  drain(): T[];
  /** When the oldest queued task of each class was queued (metrics, at scrape time). */
  oldestByClass(): Map<string, number>;
}

/** Keeps the smaller `at` per class in `out`. */
export function keepOldest(out: Map<string, number>, className: string, at: number): void {
  const prev = out.get(className);
  if (prev === undefined || at < prev) out.set(className, at);
}

/** Arrival order; charges and corrections mean nothing to it. */
export class FifoQueue<T extends FairItem> implements PolicyQueue<T> {
  private q = new TaskQueue<T>();

  get live(): number {
    return this.q.live;
  }

  push(t: T): void {
    this.q.push(t);
  }

  peek(): T | undefined {
    return this.q.peek();
  }

  shift(): T | undefined {
    return this.q.shift();
  }

  correct(): void {}

  cancelled(): void {
    this.q.cancelled();
  }

  drain(): T[] {
    const out = [...this.q.queuedTasks()];
    this.q = new TaskQueue<T>();
    return out;
  }

  oldestByClass(): Map<string, number> {
    // Arrival order: the first task seen of each class is its oldest.
    const out = new Map<string, number>();
    for (const t of this.q.queuedTasks()) if (!out.has(t.className)) out.set(t.className, t.enqueuedAt);
    return out;
  }
}

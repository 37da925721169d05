/**
 * PolicyQueue: what the scheduler needs from the queue of waiting tasks,
 * whatever the policy. `fifo` and `round-robin` order tasks by arrival
 * (FifoQueue); `fair` by weighted virtual time (FairQueue).
 *
 * Protocol: push → peek (decide) → shift(estimateUs) (take and charge) →
 * correct(estimateUs, actualUs) on completion; cancelled(t) for a queued
 * task cancelled in place.
 */
import { TaskQueue } from '../queue/task-queue.js';
import type { FairItem } from './fair-queue.js';

export interface PolicyQueue<T extends FairItem> {
  readonly live: number;
  push(t: T): void;
  /** With `canTake` (fair only), may pass over a head no pool can take now. */
  peek(canTake?: (t: T) => boolean): T | undefined;
  shift(estimateUs: number): T | undefined;
  correct(t: T, estimateUs: number, actualUs: number): void;
  cancelled(t: T): void;
}

/** Arrival order; charges and corrections mean nothing to it. */
export class FifoQueue<T extends FairItem> implements PolicyQueue<T> {
  private readonly q = new TaskQueue<T>();

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
}

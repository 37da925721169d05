/**
 * TaskQueue: a growable ring buffer of queued tasks, FIFO, O(1) push/shift.
 *
 *   [ . . . h x x x x t . . . ]   h = head, t = head + length (mod capacity)
 *
 * Cancelled tasks are not removed from the middle (that would be O(n));
 * their owner marks them and `peek` skips them. `live` counts the rest.
 * Capacity doubles when full, from the size the owner chose: the
 * scheduler-wide queue starts at 1024 entries; a tenant's lane starts at
 * SMALL_CAPACITY, since there may be a hundred thousand tenants holding one
 * task each (regression: 1024 slots per tenant held 759 MiB for 100k
 * one-shot tenants).
 */

export interface Cancellable {
  /** True while the task still waits in the queue. */
  readonly queued: boolean;
}

const INITIAL_CAPACITY = 1024;
/** Capacity of a queue that usually holds a few tasks (a power of two). */
export const SMALL_CAPACITY = 4;

export class TaskQueue<T extends Cancellable> {
  private buf: (T | undefined)[];
  private head = 0;
  private length = 0;
  /** Queued tasks not yet cancelled. */
  live = 0;

  /** @param capacity initial slots, a power of two. */
  constructor(capacity = INITIAL_CAPACITY) {
    this.buf = new Array<T | undefined>(capacity);
  }

  push(t: T): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[(this.head + this.length) & (this.buf.length - 1)] = t;
    this.length++;
    this.live++;
  }

  /** The oldest task still queued, dropping cancelled ones on the way. */
  peek(): T | undefined {
    while (this.length > 0) {
      const t = this.buf[this.head]!;
      if (t.queued) return t;
      this.drop();
    }
    return undefined;
  }

  /** Removes and returns the task `peek` returned. */
  shift(): T | undefined {
    const t = this.peek();
    if (t !== undefined) {
      this.drop();
      this.live--;
    }
    return t;
  }

  /** A queued task was cancelled in place. */
  cancelled(): void {
    this.live--;
  }

  /** The tasks still queued, oldest first (for scrapes, not the task path). */
  *queuedTasks(): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) {
      const t = this.buf[(this.head + i) & (this.buf.length - 1)]!;
      if (t.queued) yield t;
    }
  }

  private drop(): void {
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.length--;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.buf.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}

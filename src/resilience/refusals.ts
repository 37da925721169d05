/**
 * Refusals: a task that no pool can take (every candidate's breaker, or
 * the kind's quarantine on it, is open) fails at once, counted as failed,
 * but its rejection is delivered with the others refused meanwhile, every
 * REFUSAL_BATCH_MS. Delivered in the microtasks of its submit, callers
 * that resubmit on failure never let the event loop turn: no completion
 * is drained, no timer fires (regression: 410 457 refusals in 4 s, 267
 * completions, event-loop delay ~1 s); batched, each such caller costs
 * one submit per batch (~6 µs measured).
 */
import type { CrossfairError } from '../errors.js';

/** Interval at which refusals are delivered (header): short next to openMs (what a refused caller
 *  waits for anyway), long next to a refusal's cost (~6 µs: 64 callers resubmitting at once take
 *  ~4% of the event loop). Raise it if many more callers spin on refusals. */
export const REFUSAL_BATCH_MS = 10;

/** Rejections of refused tasks, delivered together every `delayMs` (header). */
export class Refusals {
  private rejects: ((e: CrossfairError) => void)[] = [];
  private errors: CrossfairError[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs = REFUSAL_BATCH_MS) {}

  get pending(): number {
    return this.rejects.length;
  }

  add(reject: (e: CrossfairError) => void, error: CrossfairError): void {
    this.rejects.push(reject);
    this.errors.push(error);
    this.timer ??= setTimeout(this.deliver, this.delayMs);
  }

  /** Delivers what is pending now (the timer calls it). */
  readonly deliver = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const rejects = this.rejects;
    const errors = this.errors;
    this.rejects = [];
    this.errors = [];
    for (let i = 0; i < rejects.length; i++) rejects[i]!(errors[i]!);
  };
}

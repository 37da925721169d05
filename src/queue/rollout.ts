/**
 * Rollout: a candidate policy run beside the current one on part of the
 * traffic, so the two can be compared in `stats().rollout` before the
 * candidate becomes the policy (`setPolicy`). Option `rollout: { policy,
 * classes?, fraction? }`: a task is in the candidate arm when its class is
 * listed, or else when its arrival number hashes below `fraction`
 * (Fibonacci hashing of the sequence number: deterministic, and spread
 * evenly whatever the arrival pattern).
 *
 * SplitQueue is one PolicyQueue over the two arms' queues, so the
 * scheduler's protocol (push → peek → shift → correct, cancelled) is
 * unchanged:
 * - push/cancelled/correct go to the task's arm;
 * - peek looks at both arms' next task and offers the one that arrived
 *   first, unless only the other can be placed now (then that one: a
 *   blocked arm does not hold back the other);
 * - shift takes the task the last peek offered.
 * Each arm orders its own tasks by its own policy; between arms, arrival
 * order. Both share the pools and their credits.
 */
import type { FairItem } from './fair-queue.js';
import { keepOldest, type PolicyQueue } from './policy-queue.js';
import type { PolicyName } from '../types.js';

export interface RolloutConfig {
  policy: PolicyName;
  classes: string[];
  fraction: number;
}

export interface ArmItem extends FairItem {
  readonly seq: number;
  /** In the candidate arm. */
  readonly canary: boolean;
}

/** Fibonacci hashing of `seq` into [0, 1). */
export function armHash(seq: number): number {
  return (Math.imul(seq, 0x9e3779b1) >>> 0) / 2 ** 32;
}

/** Whether a task of `className` arriving as `seq` goes to the candidate arm. */
export function inCanary(cfg: RolloutConfig, className: string, seq: number): boolean {
  return cfg.classes.includes(className) || armHash(seq) < cfg.fraction;
}

export class SplitQueue<T extends ArmItem> implements PolicyQueue<T> {
  private from: PolicyQueue<T> | undefined;

  constructor(
    public base: PolicyQueue<T>,
    readonly canary: PolicyQueue<T>,
    /** Whether each arm's queue uses canTake (only 'fair' passes over heads). */
    public baseFair: boolean,
    readonly canaryFair: boolean,
  ) {}

  get live(): number {
    return this.base.live + this.canary.live;
  }

  push(t: T): void {
    this.arm(t).push(t);
  }

  peek(canTake?: (t: T) => boolean): T | undefined {
    const a = this.base.peek(this.baseFair ? canTake : undefined);
    const b = this.canary.peek(this.canaryFair ? canTake : undefined);
    let pick: T | undefined;
    if (a === undefined || b === undefined) pick = a ?? b;
    else {
      const [older, newer] = a.seq <= b.seq ? [a, b] : [b, a];
      pick = canTake !== undefined && !canTake(older) && canTake(newer) ? newer : older;
    }
    this.from = pick === undefined ? undefined : this.arm(pick);
    return pick;
  }

  shift(estimateUs: number): T | undefined {
    if (this.from === undefined) this.peek();
    const q = this.from;
    this.from = undefined;
    return q?.shift(estimateUs);
  }

  correct(t: T, estimateUs: number, actualUs: number): void {
    this.arm(t).correct(t, estimateUs, actualUs);
  }

  cancelled(t: T): void {
    this.arm(t).cancelled(t);
    this.from = undefined;
  }

  drain(): T[] {
    this.from = undefined;
    return [...this.base.drain(), ...this.canary.drain()].sort((a, b) => a.seq - b.seq);
  }

  oldestByClass(): Map<string, number> {
    const out = this.base.oldestByClass();
    for (const [cls, at] of this.canary.oldestByClass()) keepOldest(out, cls, at);
    return out;
  }

  private arm(t: T): PolicyQueue<T> {
    return t.canary ? this.canary : this.base;
  }
}

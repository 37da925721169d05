/**
 * Placement: which pool takes a task. Pure functions of the task and the
 * pools' current state (no I/O, no clock), so they are tested directly.
 *
 * - leastLoaded: among pools that implement the kind and have credit, the one
 *   with the fewest tasks in flight per worker; ties go to the earlier pool.
 * - roundRobin: the next such pool after the previous choice.
 * A pinned task considers only its pool. -1: no pool can take it now.
 *
 * The fair policy replaces these with predicted completion time
 * from measured costs; these stay as the baselines it is compared with.
 */

export interface PoolView {
  readonly kinds: ReadonlyMap<string, number>;
  /** Tasks in flight per worker. */
  readonly load: number;
  /** Can take one more task now. */
  readonly hasCredit: boolean;
}

export function leastLoaded(kind: string, pinned: number, pools: readonly PoolView[]): number {
  if (pinned >= 0) return pools[pinned]!.hasCredit ? pinned : -1;
  let best = -1;
  let bestLoad = Infinity;
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    if (p.hasCredit && p.load < bestLoad && p.kinds.has(kind)) {
      best = i;
      bestLoad = p.load;
    }
  }
  return best;
}

export function roundRobin(kind: string, pinned: number, pools: readonly PoolView[], previous: number): number {
  if (pinned >= 0) return pools[pinned]!.hasCredit ? pinned : -1;
  for (let k = 1; k <= pools.length; k++) {
    const i = (previous + k) % pools.length;
    const p = pools[i]!;
    if (p.hasCredit && p.kinds.has(kind)) return i;
  }
  return -1;
}

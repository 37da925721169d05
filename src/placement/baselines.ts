/**
 * Placement: which pool takes a task. Pure functions of the task and the
 * pools' current state (no I/O, no clock), so they are tested directly.
 *
 * - leastLoaded: among pools that implement the kind and have credit, the one
 *   with the fewest tasks in flight per worker; ties go to the earlier pool.
 * - roundRobin: the next such pool after the previous choice.
 * A pinned task considers only its pool. -1: no pool can take it now.
 * "Can take" is credit (which includes the pool's breaker), the kind, and
 * the kind's quarantine on the pool (admitsKind, when the view has one).
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
  /** Its breaker and the kind's quarantine there let a task of `kind` through now (NativePool). */
  admitsKind?(kind: string): boolean;
}

function takes(p: PoolView, kind: string): boolean {
  return p.hasCredit && p.kinds.has(kind) && (p.admitsKind === undefined || p.admitsKind(kind));
}

export function leastLoaded(kind: string, pinned: number, pools: readonly PoolView[]): number {
  if (pinned >= 0) return takes(pools[pinned]!, kind) ? pinned : -1;
  let best = -1;
  let bestLoad = Infinity;
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    if (p.load < bestLoad && takes(p, kind)) {
      best = i;
      bestLoad = p.load;
    }
  }
  return best;
}

export function roundRobin(kind: string, pinned: number, pools: readonly PoolView[], previous: number): number {
  if (pinned >= 0) return takes(pools[pinned]!, kind) ? pinned : -1;
  for (let k = 1; k <= pools.length; k++) {
    const i = (previous + k) % pools.length;
    if (takes(pools[i]!, kind)) return i;
  }
  return -1;
}

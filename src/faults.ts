/**
 * Fault injection settings (`scheduler.inject`): the one place their ranges
 * are stated and checked. The native pools accept exactly these ranges and
 * nothing else (Rust `FaultConfig::validate`, Go `Faults.normalize`); the
 * shared vectors in test/vectors/faults.json hold all of them to it.
 */
import { CrossfairError } from './errors.js';
import type { Faults } from './types.js';

/** Inclusive range of each setting. */
export const FAULT_RANGES = {
  /** Probability that a task ends INJECTED without running. */
  errorRate: { min: 0, max: 1 },
  /** A task's run is stretched to delayFactor x its time; 1 is no delay. */
  delayFactor: { min: 1, max: 1000 },
  /** Probability that a task's handler hangs until cancelled. */
  hangRate: { min: 0, max: 1 },
} as const satisfies Record<keyof Faults, { min: number; max: number }>;

/** The settings that inject nothing (what `inject(pool, null)` sets). */
export const NO_FAULTS: Readonly<Required<Faults>> = Object.freeze({ errorRate: 0, delayFactor: 1, hangRate: 0 });

/** The full settings `f` asks for (unset fields inject nothing); E_BAD_INPUT when a value is out of range. */
export function checkFaults(f: Faults | null): Required<Faults> {
  if (f === null) return { ...NO_FAULTS };
  if (typeof f !== 'object' || f === undefined) throw new CrossfairError('E_BAD_INPUT', 'faults must be an object or null');
  for (const k of Object.keys(f)) if (!Object.hasOwn(FAULT_RANGES, k)) throw new CrossfairError('E_BAD_INPUT', `unknown fault ${JSON.stringify(k)}`);
  const value = (name: keyof Faults): number => {
    const v: unknown = f[name];
    if (v === undefined) return NO_FAULTS[name];
    const { min, max } = FAULT_RANGES[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new CrossfairError('E_BAD_INPUT', `faults.${name} must be a finite number in ${min}..${max}`);
    }
    return v;
  };
  return { errorRate: value('errorRate'), delayFactor: value('delayFactor'), hangRate: value('hangRate') };
}

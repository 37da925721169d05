/**
 * Pool models fed by hand, shared by the placement tests (predict,
 * budget-placement): what a pool "measured", without any pool.
 */
import { PoolModel } from '../src/placement/pool-model.js';

/** A model that measured each kind at the given cost (10 observations of input size 3). */
export function measured(name: string, costs: Record<string, number>, workers = 1): PoolModel {
  const m = new PoolModel(name, workers);
  for (const [k, c] of Object.entries(costs)) for (let i = 0; i < 10; i++) m.observe(k, 3, c);
  return m;
}

/** Pool 0 overlaps sleeps (8 at once on 2 workers) at 1000 µs each; pool 1 runs them on its 2 workers at 700 µs. */
export function ioPools(): [PoolModel, PoolModel] {
  const overlapping = new PoolModel('overlapping', 2);
  const threads = new PoolModel('threads', 2);
  for (let k = 0, t = 0; k < 200; k++, t += 2) {
    const a = Array.from({ length: 8 }, () => overlapping.start('sleep', 3, undefined, t));
    a.forEach((c) => overlapping.finish('sleep', 3, undefined, c, 1000, t + 1));
    const b = Array.from({ length: 2 }, () => threads.start('sleep', 3, undefined, t));
    b.forEach((c) => threads.finish('sleep', 3, undefined, c, 700, t + 0.7));
  }
  return [overlapping, threads];
}

// Pool minShare / maxShare (placement/pool-shares.ts): bounds on each pool's
// part of the work over a decaying window. Deterministic: injected clock,
// placement stubbed as "always pool 0".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PoolShares, SHARE_TAU_MS, WARM_US } from '../src/placement/pool-shares.js';
import { resolveOptions } from '../src/options.js';
import { CrossfairError } from '../src/errors.js';

const pool = (credit = true, kinds = ['spin']) => ({ kinds: new Set(kinds), hasCreditFor: () => credit });

/** Dispatches `n` tasks of `costUs`, one per `stepMs`, placement always picking `pick`; returns the pools used. */
function drive(shares: PoolShares, pools: ReturnType<typeof pool>[], n: number, costUs: number, stepMs: number, pick = 0): number[] {
  const used = pools.map(() => 0);
  for (let k = 0, now = 0; k < n; k++, now += stepMs) {
    shares.tick(now);
    const i = shares.adjust(pick, 'spin', false, pools);
    if (i < 0) continue;
    shares.add(i, costUs);
    used[i]!++;
  }
  return used;
}

test('no bound applies before the window holds WARM_US of work', () => {
  const s = new PoolShares(
    [
      { minShare: 0, maxShare: 0.1 },
      { minShare: 0, maxShare: 1 },
    ],
    0,
  );
  s.add(0, WARM_US - 1);
  assert.equal(s.adjust(0, 'spin', false, [pool(), pool()]), 0);
  s.add(0, 1);
  assert.equal(s.adjust(0, 'spin', false, [pool(), pool()]), 1);
});

test('property: a pool never takes much more than its maxShare, whatever placement prefers', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.integer({ min: 50, max: 2000 }), (cap, costUs) => {
      const s = new PoolShares(
        [
          { minShare: 0, maxShare: cap },
          { minShare: 0, maxShare: 1 },
        ],
        0,
      );
      drive(s, [pool(), pool()], 5000, costUs, 0.1);
      // One task of slack: the last one dispatched before the check.
      assert.ok(s.share(0) <= cap + 0.02, `share ${s.share(0)} > cap ${cap}`);
      assert.ok(s.share(0) >= cap - 0.05, `share ${s.share(0)} far below cap ${cap}: work went elsewhere needlessly`);
    }),
    { numRuns: 60 },
  );
});

test('a pool under its minShare takes tasks first, up to its floor', () => {
  const s = new PoolShares(
    [
      { minShare: 0, maxShare: 1 },
      { minShare: 0.4, maxShare: 1 },
    ],
    0,
  );
  drive(s, [pool(), pool()], 5000, 200, 0.1);
  assert.ok(Math.abs(s.share(1) - 0.4) < 0.02, `share ${s.share(1)}`);
});

test('a capped pool with no other candidate: the task waits (-1), nothing is refused', () => {
  const s = new PoolShares(
    [
      { minShare: 0, maxShare: 0.5 },
      { minShare: 0, maxShare: 1 },
    ],
    0,
  );
  s.add(0, 2 * WARM_US);
  assert.equal(s.adjust(0, 'spin', false, [pool(), pool(false)]), -1, 'the other pool has no credit');
  assert.equal(s.adjust(0, 'spin', false, [pool(), pool(true, ['echo'])]), -1, 'the other pool lacks the kind');
  assert.equal(s.adjust(0, 'spin', false, [pool(), pool()]), 1);
});

test('the window decays: old work stops counting as time passes', () => {
  const s = new PoolShares(
    [
      { minShare: 0, maxShare: 1 },
      { minShare: 0, maxShare: 1 },
    ],
    0,
  );
  s.add(0, 1e6);
  s.tick(SHARE_TAU_MS);
  s.add(1, 1e6 * Math.exp(-1));
  assert.ok(Math.abs(s.share(0) - 0.5) < 1e-9, `share ${s.share(0)}`);
  s.tick(20 * SHARE_TAU_MS);
  s.add(1, 1000);
  assert.ok(s.share(0) < 0.02, `share ${s.share(0)}`);
});

test('options: shares are checked for consistency', () => {
  const bad = (pools: unknown, match: RegExp): void =>
    assert.throws(
      () => resolveOptions({ pools }),
      (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_OPTIONS' && match.test(e.message),
    );
  bad({ a: { runtime: 'rust', minShare: 0.6, maxShare: 0.5 }, b: { runtime: 'go' } }, /minShare: must be at most maxShare/);
  bad({ a: { runtime: 'rust', minShare: 0.6 }, b: { runtime: 'go', minShare: 0.6 } }, /minShares add up to 1.2/);
  bad({ a: { runtime: 'rust', maxShare: 0.3 }, b: { runtime: 'go', maxShare: 0.3 } }, /maxShares add up to 0.6/);
  bad({ a: { runtime: 'rust', maxShare: 0 }, b: { runtime: 'go' } }, /maxShare: must be a finite number in 0.001..1/);
  const ok = resolveOptions({ pools: { a: { runtime: 'rust', minShare: 0.2, maxShare: 0.5 }, b: { runtime: 'go' } } });
  assert.deepEqual(
    ok.pools.map((p) => [p.minShare, p.maxShare]),
    [
      [0.2, 0.5],
      [0, 1],
    ],
  );
});

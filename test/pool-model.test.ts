// The per-pool model: learned cost per kind (noise, outliers, size scaling,
// hints, other pools), measured capacity and overlap, backlog. Pure: every
// time is a number passed in, no wall clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PoolModel } from '../src/placement/pool-model.js';
import { DEFAULT_COST_US } from '../src/placement/pool-model.js';
import { rng } from './sim.js';

const near = (actual: number | undefined, expected: number, rel: number, what = ''): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= rel * expected, `${what} ${actual} not within ${rel * 100}% of ${expected}`);
};

/** Feeds `n` samples of `cost` × (1 ± noise) for `kind` at input size `inLen`. */
function feed(m: PoolModel, kind: string, n: number, cost: (inLen: number) => number, r: () => number, noise = 0, size: () => number = () => 3): void {
  for (let i = 0; i < n; i++) {
    const x = size();
    m.observe(kind, x, cost(x) * (1 + noise * (2 * r() - 1)));
  }
}

test('converges to a stable cost under ±20% noise', () => {
  const r = rng(1);
  const m = new PoolModel('p', 2);
  feed(m, 'spin', 200, () => 100, r, 0.2);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < 100; i++) {
    feed(m, 'spin', 1, () => 100, r, 0.2);
    const c = m.costUs('spin', 3)!;
    lo = Math.min(lo, c);
    hi = Math.max(hi, c);
  }
  assert.ok(lo > 90 && hi < 110, `estimates ranged ${lo}..${hi} around 100`);
});

test('property: any cost from 0.1 µs to 10 s is learned within 15% under ±20% noise', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.1, max: 1e7, noNaN: true }), fc.integer({ min: 1, max: 1 << 30 }), (cost, seed) => {
      const m = new PoolModel('p', 1);
      feed(m, 'k', 200, () => cost, rng(seed), 0.2);
      near(m.costUs('k', 3), cost, 0.15);
    }),
  );
});

test('a single 100x outlier is damped, and forgotten', () => {
  const r = rng(2);
  const m = new PoolModel('p', 2);
  feed(m, 'spin', 50, () => 100, r, 0.1);
  m.observe('spin', 3, 10_000);
  // An undamped EWMA (alpha 0.1) would jump to ~1090.
  assert.ok(m.costUs('spin', 3)! < 150, `after the outlier: ${m.costUs('spin', 3)}`);
  feed(m, 'spin', 30, () => 100, r, 0.1);
  near(m.costUs('spin', 3), 100, 0.08, '30 samples later');
});

test('a lasting change is followed despite the outlier clamp (3x, then 10x slower)', () => {
  const r = rng(3);
  const m = new PoolModel('p', 2);
  feed(m, 'spin', 50, () => 100, r, 0.1);
  feed(m, 'spin', 40, () => 300, r, 0.1);
  near(m.costUs('spin', 3), 300, 0.08, '3x');
  feed(m, 'spin', 60, () => 3000, r, 0.1);
  near(m.costUs('spin', 3), 3000, 0.08, '10x');
});

test('fits size scaling: cost = 10 + 0.01·bytes', () => {
  const r = rng(4);
  const exact = new PoolModel('p', 1);
  feed(
    exact,
    'sha256',
    200,
    (x) => 10 + 0.01 * x,
    r,
    0,
    () => Math.floor(r() * 100_000),
  );
  near(exact.costUs('sha256', 0), 10, 0.05, 'fixed part');
  near(exact.costUs('sha256', 50_000), 510, 0.01, '50 KB');
  near(exact.costUs('sha256', 1_000_000), 10_010, 0.01, '1 MB (extrapolated)');

  const noisy = new PoolModel('p', 1);
  feed(
    noisy,
    'sha256',
    300,
    (x) => 10 + 0.01 * x,
    r,
    0.1,
    () => Math.floor(r() * 100_000),
  );
  near(noisy.costUs('sha256', 50_000), 510, 0.1, 'noisy, 50 KB');
  near(noisy.costUs('sha256', 100_000), 1010, 0.1, 'noisy, 100 KB');
});

test('sizes that do not vary fit no per-byte part (a flat cost, not noise)', () => {
  const r = rng(5);
  const m = new PoolModel('p', 1);
  feed(
    m,
    'spin',
    100,
    () => 200,
    r,
    0.2,
    () => 3,
  );
  const at3 = m.costUs('spin', 3)!;
  assert.equal(m.costUs('spin', 1 << 20), at3);
});

test('seeds from the hint when nothing is measured; charges the default without one', () => {
  const m = new PoolModel('p', 2);
  assert.equal(m.costUs('spin', 3, 250), 250);
  assert.equal(m.costUs('spin', 3), undefined);
  assert.equal(m.start('spin', 3, undefined, 0), DEFAULT_COST_US);
});

test('hints are calibrated by what was measured (a pool 2x slower than hinted)', () => {
  const r = rng(6);
  const m = new PoolModel('p', 1);
  for (let i = 0; i < 100; i++) {
    const hint = 50 + Math.floor(r() * 451);
    m.observe('spin', 3, 2 * hint, hint);
  }
  near(m.costUs('spin', 3, 400), 800, 0.02, 'hint 400');
  near(m.costUs('spin', 3, 60), 120, 0.05, 'hint 60');
  near(m.costUs('spin', 3), 550, 0.3, 'no hint: the mean');
});

test('seeds from other pools, scaled by their relative speed', () => {
  const all: PoolModel[] = [];
  const a = new PoolModel('a', 2, all);
  const b = new PoolModel('b', 2, all);
  all.push(a, b);
  const r = rng(7);
  feed(a, 'echo', 20, () => 10, r);
  feed(b, 'echo', 20, () => 30, r);
  feed(a, 'sha256', 20, () => 100, r);
  near(b.relativeSpeed(a), 3, 1e-9, 'b is 3x slower');
  near(b.costUs('sha256', 3), 300, 1e-9, 'borrowed from a, x3');
  near(b.costUs('sha256', 3, 50), 300, 1e-9, 'measured elsewhere beats a hint');
  feed(b, 'sha256', 20, () => 200, r);
  near(b.costUs('sha256', 3), 200, 1e-9, 'its own data beats borrowed');

  // No kind in common: equal speed assumed.
  const lone: PoolModel[] = [];
  const c = new PoolModel('c', 1, lone);
  const d = new PoolModel('d', 1, lone);
  lone.push(c, d);
  feed(c, 'sha256', 5, () => 80, r);
  assert.equal(d.relativeSpeed(c), 1);
  near(d.costUs('sha256', 3), 80, 1e-9);
});

/** Runs `rounds` rounds: `n` tasks started at once, finished after `durUs`, `execUs` each. */
function rounds(m: PoolModel, kind: string, rounds: number, n: number, durUs: number, execUs: number, startMs = 0, gapMs = 0): number {
  let t = startMs;
  for (let k = 0; k < rounds; k++) {
    const charges = Array.from({ length: n }, () => m.start(kind, 3, undefined, t));
    t += durUs / 1000;
    for (const c of charges) m.finish(kind, 3, undefined, c, execUs, t);
    t += gapMs;
  }
  return t;
}

test('capacity is what the pool runs at once; idle time does not lower it', () => {
  const threads = new PoolModel('threads', 2);
  assert.equal(threads.capacity(), 2, 'prior: its workers');
  // 8 in flight on 2 workers: 4 waves of 100 µs, 2 tasks each.
  for (let k = 0, t = 0; k < 500; k++) {
    const cs = Array.from({ length: 8 }, () => threads.start('spin', 3, undefined, t));
    for (let w = 0; w < 4; w++) {
      t += 0.1;
      threads.finish('spin', 3, undefined, cs[2 * w]!, 100, t);
      threads.finish('spin', 3, undefined, cs[2 * w + 1]!, 100, t);
    }
    t += 5; // idle between bursts
  }
  near(threads.capacity(), 2, 0.05, 'thread pool');
  near(threads.overlap('spin'), 2, 0.05, 'its overlap of spin');

  // One task at a time on 2 workers: a worker idles, the pool is not slow.
  const light = new PoolModel('light', 2);
  rounds(light, 'spin', 500, 1, 100, 100, 0, 1);
  near(light.capacity(), 2, 0.05, 'lightly loaded pool');

  const overlapping = new PoolModel('overlapping', 2);
  rounds(overlapping, 'sleep', 500, 8, 1000, 1000, 0, 20);
  near(overlapping.capacity(), 8, 0.05, '8 sleeps at once on 2 workers');
  near(overlapping.overlap('sleep'), 8, 0.05);
  assert.equal(overlapping.overlap('spin'), undefined, 'never ran spin');
});

test('a pool that stays busy and completes nothing loses its capacity (a hung pool sheds work)', () => {
  const m = new PoolModel('p', 2);
  rounds(m, 'spin', 100, 2, 100, 100);
  const before = m.capacity();
  m.start('spin', 3, undefined, 100);
  m.start('spin', 3, undefined, 100);
  m.start('spin', 3, undefined, 3100); // 3 s later: still nothing finished
  assert.ok(m.capacity() < before * 0.01, `${before} -> ${m.capacity()}`);
  assert.ok(m.capacity() > 0);
});

test('backlog: charged at start, released at finish, zero when idle', () => {
  const m = new PoolModel('p', 2);
  feed(m, 'spin', 10, () => 100, rng(8));
  const c1 = m.start('spin', 3, undefined, 0);
  const c2 = m.start('spin', 3, 500, 0);
  assert.equal(c1, 100);
  assert.equal(m.backlogUs, c1 + c2);
  assert.equal(m.inFlight, 2);
  m.finish('spin', 3, undefined, c1, 90, 0.1);
  assert.equal(m.backlogUs, c2);
  m.finish('spin', 3, 500, c2, 1000, 0.2, false);
  assert.equal(m.backlogUs, 0);
  assert.equal(m.inFlight, 0);
  near(m.costUs('spin', 3), 99, 0.02, 'failed task not learned');
});

test('property: estimates stay finite and non-negative whatever is observed', () => {
  const sample = fc.tuple(
    fc.constantFrom('a', 'b'),
    fc.nat({ max: 1 << 24 }),
    fc.double({ min: 0, max: 1e9, noNaN: true }),
    fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
  );
  fc.assert(
    fc.property(fc.array(sample, { maxLength: 200 }), fc.nat({ max: 1 << 24 }), (obs, x) => {
      const all: PoolModel[] = [];
      const m = new PoolModel('m', 2, all);
      const o = new PoolModel('o', 2, all);
      all.push(m, o);
      obs.forEach(([k, len, us, hint], i) => (i % 2 ? m : o).observe(k, len, us, hint));
      for (const k of ['a', 'b', 'c']) {
        for (const h of [undefined, 0, 100]) {
          const c = m.costUs(k, x, h);
          assert.ok(c === undefined || (Number.isFinite(c) && c >= 0), `${k} ${x} ${h}: ${c}`);
        }
      }
      assert.ok(Number.isFinite(m.relativeSpeed(o)) && m.relativeSpeed(o) > 0);
    }),
  );
});

// Latency budgets as virtual deadlines (EEVDF-style) in the fair queue,
// driven by the deterministic simulator (injected clock): a class with a
// budget is served first while it is owed service, and never beyond its
// weight's share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FairQueue } from '../src/queue/fair-queue.js';
import { rng, simulate, type SimPool, type SimTask } from './sim.js';

const task = (className: string, costUs: number, estimateUs = costUs): SimTask => ({
  className,
  tenant: undefined,
  enqueuedAt: 0,
  queued: true,
  costUs,
  estimateUs,
});
const POOLS: SimPool[] = [
  { speed: 1, workers: 1, maxInFlight: 2 },
  { speed: 1, workers: 1, maxInFlight: 2 },
];

test('at equal virtual time the class with a budget goes first, whatever the arrival order', () => {
  const q = new FairQueue<SimTask>(
    [
      { name: 'bulk', weight: 1 },
      { name: 'ui', weight: 1, latencyBudgetMs: 20 },
    ],
    () => 0,
    2,
  );
  q.push(task('bulk', 100));
  q.push(task('ui', 100));
  assert.equal(q.peek()!.className, 'ui');
  // Without budgets, arrival order breaks the tie (plain SFQ).
  const sfq = new FairQueue<SimTask>(
    [
      { name: 'bulk', weight: 1 },
      { name: 'ui', weight: 1 },
    ],
    () => 0,
    2,
  );
  sfq.push(task('bulk', 100));
  sfq.push(task('ui', 100));
  assert.equal(sfq.peek()!.className, 'bulk');
});

test('a budget class is not served past its share: it is eligible only while owed service', () => {
  const q = new FairQueue<SimTask>(
    [
      { name: 'bulk', weight: 1 },
      { name: 'ui', weight: 1, latencyBudgetMs: 20 },
    ],
    () => 0,
    2,
  );
  for (let i = 0; i < 50; i++) {
    q.push(task('bulk', 100));
    q.push(task('ui', 100));
  }
  const order: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = q.shift(100)!;
    t.queued = false;
    order.push(t.className);
  }
  const ui = order.filter((c) => c === 'ui').length;
  assert.equal(ui, 20, order.join(' '));
  // It goes first at each tie, so it alternates starting with ui.
  assert.deepEqual(order.slice(0, 4), ['ui', 'bulk', 'ui', 'bulk']);
});

/** Four flood classes kept backlogged; `ui` sends one task every 7 ms. */
function uiWaits(budget: number | undefined): number[] {
  const floods = ['f0', 'f1', 'f2', 'f3'];
  const r = rng(11);
  let nextUi = 0;
  const res = simulate([...floods.map((name) => ({ name, weight: 1 })), { name: 'ui', weight: 1, latencyBudgetMs: budget }], POOLS, 2000, (now, queued) => {
    const out: SimTask[] = [];
    for (const f of floods) for (let k = queued(f); k < 20; k++) out.push(task(f, 50 + Math.floor(r() * 451)));
    if (now >= nextUi) {
      out.push(task('ui', 200));
      nextUi = now + 7;
    }
    return out;
  });
  return res.waits.ui!;
}

test('a budget shortens the light class waits beside flooding classes (sim)', () => {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withBudget = uiWaits(20);
  const without = uiWaits(undefined);
  assert.ok(withBudget.length > 200 && without.length > 200);
  assert.ok(mean(withBudget) < mean(without), `mean wait with budget ${mean(withBudget)} ms, without ${mean(without)} ms`);
  assert.ok(Math.max(...withBudget) <= Math.max(...without), `max wait with budget ${Math.max(...withBudget)} ms, without ${Math.max(...without)} ms`);
});

test('property: with budgets, backlogged classes keep |S_i/w_i - S_j/w_j| within the stated bound', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined })), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 1 << 30 }),
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(1, 0.5, 2),
      (spec, seed, credit, estimateFactor) => {
        const r = rng(seed);
        const names = spec.map((_, i) => `c${i}`);
        const pools: SimPool[] = [
          { speed: 1, workers: 1, maxInFlight: credit },
          { speed: 0.5, workers: 1, maxInFlight: credit },
        ];
        const res = simulate(
          names.map((name, i) => ({ name, weight: spec[i]![0], latencyBudgetMs: spec[i]![1] })),
          pools,
          300,
          (_now, queued) => {
            const out: SimTask[] = [];
            for (const n of names)
              for (let k = queued(n); k < 3 * credit + 2; k++) {
                const c = 50 + Math.floor(r() * 451);
                out.push(task(n, c, c * estimateFactor));
              }
            return out;
          },
        );
        const cmax = 1000 * Math.max(1, estimateFactor);
        const inflight = 2 * credit;
        for (let i = 0; i < names.length; i++) {
          for (let j = i + 1; j < names.length; j++) {
            const wi = spec[i]![0];
            const wj = spec[j]![0];
            const gap = Math.abs(res.served[names[i]!]! / wi - res.served[names[j]!]! / wj);
            const bound = (1 + inflight) * cmax * (1 / wi + 1 / wj);
            assert.ok(gap <= bound, `gap ${gap} > bound ${bound} (${JSON.stringify(spec)}, credit ${credit})`);
          }
        }
        assert.equal(res.idleWithBacklog, 0, 'work conservation');
      },
    ),
    { numRuns: 80 },
  );
});

// Latency budgets in placement: spill to another pool when the preferred one
// would break the budget, and the headroom of credit kept for budget
// classes. Deterministic: models are fed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PoolModel } from '../src/placement/pool-model.js';
import { placeByPrediction, type PredictTask, type PredictView } from '../src/placement/predict.js';
import { reserveFor } from '../src/pool/native-pool.js';
import { ioPools, measured } from './models.js';

const ALL = new Set(['spin', 'sleep']);
const view = (model: PoolModel, credit: (kind: string, urgent: boolean) => boolean = () => true): PredictView => ({
  model,
  kinds: ALL,
  crossingUs: 0.2,
  hasCredit: credit('spin', false),
  hasCreditFor: credit,
});
const task = (kind: string, extra: Partial<PredictTask> = {}): PredictTask => ({ kind, inLen: 3, pin: -1, ...extra });
const noRng = (): number => assert.fail('rng must not be used with <= 2 candidates');

test('spill: an I/O task whose cheap-waiting pool would break its budget goes where it keeps it', () => {
  const [overlapping, threads] = ioPools();
  assert.ok(overlapping.waitsCheaply('sleep') && !threads.waitsCheaply('sleep'));
  const pools = [view(overlapping), view(threads)];
  assert.equal(placeByPrediction(task('sleep', { io: true }), pools, noRng), 0, 'no budget: where waiting is cheap');
  assert.equal(placeByPrediction(task('sleep', { io: true, budgetUs: 5000 }), pools, noRng), 0, 'a budget both keep: still cheap');
  assert.equal(placeByPrediction(task('sleep', { io: true, budgetUs: 800 }), pools, noRng), 1, 'only the other pool keeps 800 µs: spill');
  // When no pool keeps it, spilling gains nothing: the cheap pool keeps it.
  assert.equal(placeByPrediction(task('sleep', { io: true, budgetUs: 100 }), pools, noRng), 0);
  // The other pool keeps the budget only while its backlog is short.
  for (let i = 0; i < 4; i++) threads.start('sleep', 3, undefined, 400);
  assert.equal(placeByPrediction(task('sleep', { io: true, budgetUs: 800 }), pools, noRng), 0);
});

test('spill beyond two pools: when both sampled candidates break the budget, the earliest of all is taken', () => {
  const slow = [measured('s0', { spin: 3000 }), measured('s1', { spin: 3000 }), measured('s2', { spin: 3000 })];
  const fast = measured('fast', { spin: 100 });
  const pools = [...slow, fast].map((m) => view(m));
  // An rng that always samples candidates 0 and 1 (both slow).
  const first = (): number => 0;
  assert.equal(placeByPrediction(task('spin'), pools, first), 0, 'no budget: the better of the two sampled');
  assert.equal(placeByPrediction(task('spin', { budgetUs: 2000 }), pools, first), 3, 'budget broken by both: the earliest of all');
  assert.equal(placeByPrediction(task('spin', { budgetUs: 5000 }), pools, first), 0, 'budget kept by the sample: no full scan');
});

test('headroom: the top credits are kept for urgent tasks, leaving at least one for the rest', () => {
  assert.equal(reserveFor(10, 0), 0);
  assert.equal(reserveFor(10, 0.1), 1);
  assert.equal(reserveFor(11, 0.1), 2);
  assert.equal(reserveFor(5, 0.5), 3);
  assert.equal(reserveFor(1, 0.9), 0, 'a single credit is never reserved');
  for (let credit = 1; credit <= 64; credit++) {
    for (const h of [0.05, 0.1, 0.3, 0.9]) {
      const r = reserveFor(credit, h);
      assert.ok(r >= 0 && r <= credit - 1, `credit ${credit} headroom ${h}: reserve ${r}`);
      assert.ok(r >= Math.min(credit - 1, credit * h), `reserve ${r} below ${credit * h}`);
    }
  }
  // Placement asks for credit as urgent or not.
  const full = (_kind: string, urgent: boolean): boolean => urgent; // only the headroom is left
  const m = measured('p', { spin: 100 });
  assert.equal(placeByPrediction(task('spin'), [view(m, full)], noRng), -1);
  assert.equal(placeByPrediction(task('spin', { urgent: true }), [view(m, full)], noRng), 0);
  assert.equal(placeByPrediction(task('spin', { urgent: true, pin: 0 }), [view(m, full)], noRng), 0, 'pins use the headroom too');
});

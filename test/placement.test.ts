// Baseline placement: least loaded, round robin, pins, kinds, credit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastLoaded, roundRobin, type PoolView } from '../src/placement/baselines.js';

const all = new Map([
  ['echo', 1],
  ['spin', 3],
]);
const echoOnly = new Map([['echo', 1]]);
const pool = (load: number, hasCredit = true, kinds: ReadonlyMap<string, number> = all): PoolView => ({ load, hasCredit, kinds });

test('least loaded picks the pool with the fewest tasks per worker', () => {
  assert.equal(leastLoaded('echo', -1, [pool(3), pool(1), pool(2)]), 1);
  assert.equal(leastLoaded('echo', -1, [pool(1), pool(1)]), 0, 'ties go to the earlier pool');
});

test('pools without credit or without the kind are skipped', () => {
  assert.equal(leastLoaded('echo', -1, [pool(0, false), pool(5)]), 1);
  assert.equal(leastLoaded('spin', -1, [pool(0, true, echoOnly), pool(5)]), 1);
  assert.equal(leastLoaded('spin', -1, [pool(0, true, echoOnly), pool(5, false)]), -1);
});

test('a pinned task goes to its pool or waits', () => {
  assert.equal(leastLoaded('echo', 2, [pool(0), pool(0), pool(9)]), 2);
  assert.equal(leastLoaded('echo', 0, [pool(0, false), pool(0)]), -1);
  assert.equal(roundRobin('echo', 1, [pool(0), pool(0)], 1), 1);
});

test('round robin rotates over eligible pools', () => {
  const pools = [pool(0), pool(0), pool(0, true, echoOnly)];
  assert.equal(roundRobin('spin', -1, pools, -1), 0);
  assert.equal(roundRobin('spin', -1, pools, 0), 1);
  assert.equal(roundRobin('spin', -1, pools, 1), 0, 'skips the pool without the kind');
  assert.equal(roundRobin('echo', -1, pools, 1), 2);
});

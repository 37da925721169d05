// Backpressure: needsDrain turns on at the high-water mark of queued tasks,
// and 'drain' is emitted once, when the queue falls to the low-water mark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { withScheduler } from './helpers.js';

test("needsDrain at the high-water mark, then one 'drain' at the low one", async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } }, maxQueue: 100, drainHighWater: 10, drainLowWater: 3 }, async (s) => {
    let drains = 0;
    s.on('drain', () => drains++);
    const tasks: Promise<unknown>[] = [];
    for (let i = 0; i < 9; i++) tasks.push(s.submit({ kind: 'sleep', input: '2000' }));
    assert.equal(s.needsDrain, false, '9 queued, below 10');
    tasks.push(s.submit({ kind: 'sleep', input: '2000' }));
    assert.equal(s.needsDrain, true, '10 queued');
    assert.equal(s.stats().needsDrain, true);
    await once(s, 'drain');
    assert.equal(s.needsDrain, false);
    assert.ok(s.stats().totals.queued <= 3, `queued ${s.stats().totals.queued} at drain`);
    await Promise.all(tasks);
    assert.equal(drains, 1);
  });
});

test('defaults: high water is half of maxQueue, low water half of that', async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } }, maxQueue: 8 }, async (s) => {
    const tasks = [0, 1, 2, 3].map(() => s.submit({ kind: 'sleep', input: '1000' }));
    assert.equal(s.needsDrain, true, '4 of 8 queued');
    const drained = once(s, 'drain');
    await Promise.all(tasks);
    await drained;
  });
});

// close(): drains what it can, cancels the rest at the deadline, and leaves
// the accounting whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScheduler } from '../src/index.js';
import { ALL_PATHS, assertAccounting } from './helpers.js';

test('close() while tasks run waits for them', async () => {
  const s = await createScheduler(ALL_PATHS);
  const tasks = Promise.allSettled(Array.from({ length: 60 }, (_, i) => s.submit({ kind: i % 2 ? 'spin' : 'sleep', input: '2000' })));
  await s.close({ timeoutMs: 10_000 });
  const settled = await tasks;
  assert.ok(settled.every((r) => r.status === 'fulfilled'));
  assert.equal(s.stats().totals.completed, 60);
  assertAccounting(s);
});

test('close() past its deadline cancels queued and running tasks with E_CLOSED', async () => {
  const s = await createScheduler(ALL_PATHS);
  const tasks = Promise.allSettled(Array.from({ length: 30 }, () => s.submit({ kind: 'sleep', input: '10000000' })));
  const t0 = performance.now();
  await s.close({ timeoutMs: 100 });
  assert.ok(performance.now() - t0 < 5000, 'close waited for the 10 s sleeps');
  const settled = await tasks;
  for (const r of settled) {
    assert.equal(r.status, 'rejected');
    assert.equal((r as PromiseRejectedResult).reason.code, 'E_CLOSED');
  }
  const t = s.stats().totals;
  assert.equal(t.cancelled, 30);
  assert.equal(t.queued + t.inFlight, 0);
  assertAccounting(s);
});

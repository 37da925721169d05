// timeoutMs and AbortSignal: queued tasks are cancelled at once, running ones
// cooperatively (spin and sleep poll the slot's cancel flag); a cancelled
// task is settled once and counted as cancelled.
import { test } from 'node:test';
import { getEventListeners } from 'node:events';
import assert from 'node:assert/strict';
import { ALL_PATHS, assertAccounting, expectCode, withScheduler } from './helpers.js';

for (const pool of ['rust', 'go', 'goffi']) {
  test(`timeout stops a running spin on ${pool}, and the worker is free again`, async () => {
    await withScheduler(ALL_PATHS, async (s) => {
      const t0 = performance.now();
      await expectCode(s.submit({ kind: 'spin', input: '5000000', pool, timeoutMs: 50 }), 'E_TIMEOUT', /timed out after 50 ms/);
      // The worker saw the flag: the next task runs long before the 5 s spin would have ended.
      const r = await s.submit({ kind: 'echo', input: 'next', pool });
      assert.equal(Buffer.from(r.output).toString(), 'next');
      assert.ok(performance.now() - t0 < 4000, 'the cancelled spin kept its worker');
      assert.equal(s.stats().totals.cancelled, 1);
    });
  });

  test(`abort signal cancels running and queued tasks on ${pool}`, async () => {
    await withScheduler({ pools: { [pool]: ALL_PATHS.pools![pool]! } }, async (s) => {
      const ac = new AbortController();
      const running = s.submit({ kind: 'sleep', input: '5000000', pool, signal: ac.signal });
      const queued = Array.from({ length: 5 }, () => s.submit({ kind: 'sleep', input: '5000000', pool, signal: ac.signal }));
      setTimeout(() => ac.abort(), 20);
      await expectCode(running, 'E_ABORTED');
      for (const q of queued) await expectCode(q, 'E_ABORTED');
      assert.equal(s.stats().totals.cancelled, 6);
      assertAccounting(s);
    });
  });
}

test('a task whose signal is already aborted is rejected, not submitted', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    await expectCode(s.submit({ kind: 'echo', input: '', signal: AbortSignal.abort() }), 'E_ABORTED');
    assert.equal(s.stats().totals.submitted, 0);
    assert.equal(s.stats().totals.rejected, 1);
  });
});

test('queued tasks time out while the pool is busy', async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } } }, async (s) => {
    const blocker = s.submit({ kind: 'sleep', input: '300000' });
    const waiting = s.submit({ kind: 'echo', input: 'x', timeoutMs: 30 });
    await expectCode(waiting, 'E_TIMEOUT');
    assert.equal(s.stats().classes.default!.queued, 0);
    await blocker;
    assertAccounting(s);
  });
});

test('a completion racing a timeout settles the task exactly once', async () => {
  // Breakers that never open: timeouts of running tasks count against them,
  // and a run of them would open one and refuse the rest instead of racing.
  await withScheduler({ ...ALL_PATHS, breaker: { minCalls: 1_000_000, consecutiveFailures: 1_000_000 } }, async (s) => {
    let settledTwice = false;
    const tasks = Array.from({ length: 400 }, (_, i) => {
      let n = 0;
      return s
        .submit({ kind: 'spin', input: String(50 + (i % 7) * 40), timeoutMs: 1 + (i % 5) })
        .then(
          () => 'ok',
          (e: { code: string }) => e.code,
        )
        .finally(() => {
          if (++n > 1) settledTwice = true;
        });
    });
    const outcomes = await Promise.all(tasks);
    assert.equal(settledTwice, false);
    assert.ok(
      outcomes.every((o) => o === 'ok' || o === 'E_TIMEOUT'),
      outcomes.join(','),
    );
    const t = s.stats().totals;
    assert.equal(t.completed + t.cancelled, 400);
    assert.equal(t.completed, outcomes.filter((o) => o === 'ok').length);
  });
});

test('regression: tasks sharing one AbortSignal add one listener to it; its abort cancels them all and nothing stays attached', async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } } }, async (s) => {
    const ac = new AbortController();
    const running = s.submit({ kind: 'spin', input: '20000' });
    const n = 20_000;
    const outcomes = Array.from({ length: n }, (_, i) =>
      s.submit({ kind: 'echo', input: `t${i}`, signal: ac.signal }).then(
        () => 'ok',
        (e: { code?: string }) => String(e.code),
      ),
    );
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1, 'one listener for all the tasks that share the signal');
    ac.abort();
    const got = await Promise.all(outcomes);
    assert.deepEqual(new Set(got), new Set(['E_ABORTED']));
    assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
    await running;
    // Tasks that complete take their share of the listener with them.
    const ac2 = new AbortController();
    await Promise.all(Array.from({ length: 100 }, () => s.submit({ kind: 'echo', input: 'x', signal: ac2.signal })));
    assert.equal(getEventListeners(ac2.signal, 'abort').length, 0);
    assertAccounting(s);
  });
});

// Fault injection is applied inside each runtime (docs/NATIVE-RULES.md §14: a hang
// and a panic in each runtime must be survivable): injected errors fail
// tasks with a clear message, a hang ends at the task's timeout and frees
// its worker, a delay stretches execution, and clearing restores service.
// No waits are needed between inject() and submit(): the napi and shim calls
// are synchronous, and the ffi backend orders its calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PATHS, expectCode, withScheduler } from './helpers.js';

for (const pool of ['rust', 'go', 'goffi']) {
  test(`errorRate 1 on ${pool} fails every task, opens its breaker, and clearing restores it through a probe`, async () => {
    await withScheduler({ ...ALL_PATHS, breaker: { openMs: 30, probes: 1 } }, async (s) => {
      const moves: string[] = [];
      s.on('breaker', (e: { pool: string; from: string; to: string }) => e.pool === pool && moves.push(`${e.from}->${e.to}`));
      s.inject(pool, { errorRate: 1 });
      const results = await s.submitMany(Array.from({ length: 5 }, () => ({ kind: 'echo', input: 'x', pool })));
      for (const r of results) {
        assert.ok(r instanceof Error);
        assert.equal((r as { code: string }).code, 'E_TASK_FAILED');
        assert.equal(r.message, 'injected fault');
      }
      // 5 of 5 failed: the breaker (5 failures in a row) is open, the pool down.
      assert.deepEqual(moves, ['closed->open']);
      assert.equal(s.stats().pools[pool]!.health, 'down');
      await expectCode(s.submit({ kind: 'echo', input: 'x', pool }), 'E_POOL_UNAVAILABLE', /breaker open/);
      // The other runtime is untouched.
      const other = pool === 'rust' ? 'go' : 'rust';
      assert.equal(Buffer.from((await s.submit({ kind: 'echo', input: 'y', pool: other })).output).toString(), 'y');
      s.inject(pool, null);
      await new Promise((r) => setTimeout(r, 40)); // past openMs: timers never fire early
      assert.equal(Buffer.from((await s.submit({ kind: 'echo', input: 'z', pool })).output).toString(), 'z');
      assert.deepEqual(moves, ['closed->open', 'open->half-open', 'half-open->closed']);
      assert.equal(s.stats().pools[pool]!.health, 'healthy');
    });
  });

  test(`a hang on ${pool} ends at the task's timeout and frees the worker`, async () => {
    await withScheduler(ALL_PATHS, async (s) => {
      s.inject(pool, { hangRate: 1 });
      await expectCode(s.submit({ kind: 'echo', input: 'x', pool, timeoutMs: 50 }), 'E_TIMEOUT');
      s.inject(pool, null);
      // With one worker, this completes only if the hung handler saw its cancel flag.
      const r = await s.submit({ kind: 'echo', input: 'after', pool });
      assert.equal(Buffer.from(r.output).toString(), 'after');
    });
  });

  test(`delayFactor 3 on ${pool} stretches execution at least threefold`, async () => {
    await withScheduler(ALL_PATHS, async (s) => {
      s.inject(pool, { delayFactor: 3 });
      const r = await s.submit({ kind: 'spin', input: '2000', pool });
      assert.ok(r.execUs >= 5500, `execUs ${r.execUs}`); // lower bound only: 3 x 2000 us, less clock slack
      s.inject(pool, null);
    });
  });
}

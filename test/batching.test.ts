// Crossing is batched: tasks submitted in one tick reach a pool in one
// boundary call, and wake-ups coalesce instead of coming one per task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PATHS, withScheduler } from './helpers.js';
import { INITIAL_CREDIT_PER_WORKER } from '../src/pool/native-pool.js';

for (const pool of ['rust', 'go', 'goffi']) {
  test(`tasks submitted in one tick, up to the credit, cross to ${pool} in one call`, async () => {
    await withScheduler({ pools: { [pool]: { ...ALL_PATHS.pools![pool]!, maxInFlight: 1024 } } }, async (s) => {
      // Credit starts small and grows once execution time is measured (pool/native-pool.ts).
      await s.submitMany(Array.from({ length: 50 }, () => ({ kind: 'echo', input: '' })));
      const before = s.stats().pools[pool]!;
      // How deep depends on the machine (credit = 1 + 2000 µs / mean echo
      // time: 89 on a loaded CI runner, ~300 here); that it grew past the
      // initial credit does not. Its formula has its own tests (units.test).
      assert.ok(before.credit > INITIAL_CREDIT_PER_WORKER, `tiny tasks earn credit past the initial ${INITIAL_CREDIT_PER_WORKER}, got ${before.credit}`);
      const n = before.credit;
      const results = await s.submitMany(Array.from({ length: n }, (_, i) => ({ kind: 'echo', input: `t${i}` })));
      assert.ok(results.every((r) => !(r instanceof Error)));
      const p = s.stats().pools[pool]!;
      assert.equal(p.batches - before.batches, 1, `${n} tasks`);
      assert.ok(p.wakeups > before.wakeups);
      // A wake-up is sent only when the wake word was clear, which only a
      // drain does: so there can never be more wake-ups than completions.
      assert.ok(p.wakeups - before.wakeups <= n, `${p.wakeups - before.wakeups} wake-ups`);
    });
  });

  test(`with credit for 100, 1000 tasks to ${pool} cross in at most 1000/100 + drains batches`, async () => {
    await withScheduler({ pools: { [pool]: { ...ALL_PATHS.pools![pool]!, maxInFlight: 100 } } }, async (s) => {
      await s.submitMany(Array.from({ length: 1000 }, () => ({ kind: 'echo', input: '' })));
      const p = s.stats().pools[pool]!;
      // The first batch fills the credit; afterwards each drain refills what it
      // freed in one call, so batches never exceed 1 + wake-ups.
      assert.ok(p.batches >= 10, `${p.batches} batches`);
      assert.ok(p.batches <= 1 + p.wakeups, `${p.batches} batches, ${p.wakeups} wake-ups`);
    });
  });
}

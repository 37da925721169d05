// setPolicy at run time: queued tasks move to the new policy in arrival
// order; none is lost, none runs twice, the accounting holds throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccounting, expectCode, withScheduler } from './helpers.js';

test('switching fifo → fair → round-robin while tasks queue loses and duplicates nothing', async () => {
  await withScheduler(
    {
      pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 2 }, go: { runtime: 'go', workers: 1, maxInFlight: 2 } },
      classes: { a: { weight: 1 }, b: { weight: 3 } },
      policy: 'fifo',
    },
    async (s) => {
      const seen = new Map<string, number>();
      const submit = (i: number) =>
        s.submit({ kind: 'echo', input: `task-${i}`, class: i % 2 ? 'a' : 'b' }).then((r) => {
          const k = Buffer.from(r.output).toString();
          seen.set(k, (seen.get(k) ?? 0) + 1);
        });
      const all: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) all.push(submit(i));
      s.setPolicy('fair');
      assert.equal(s.stats().policy, 'fair');
      assertAccounting(s);
      for (let i = 300; i < 600; i++) all.push(submit(i));
      await new Promise((r) => setImmediate(r));
      s.setPolicy('round-robin');
      assertAccounting(s);
      for (let i = 600; i < 900; i++) all.push(submit(i));
      s.setPolicy('fair');
      await Promise.all(all);
      assert.equal(seen.size, 900);
      assert.ok([...seen.values()].every((n) => n === 1));
      assert.equal(s.stats().totals.completed, 900);
    },
  );
});

test("setPolicy refuses an unknown policy and keeps the current one; 'fair' is the default", async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1 } } }, async (s) => {
    assert.equal(s.stats().policy, 'fair');
    await expectCode(Promise.resolve().then(() => s.setPolicy('lottery' as never)), 'E_BAD_OPTIONS');
    assert.equal(s.stats().policy, 'fair');
  });
});

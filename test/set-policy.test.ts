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
    await expectCode(
      Promise.resolve().then(() => s.setPolicy('lottery' as never)),
      'E_BAD_OPTIONS',
    );
    assert.equal(s.stats().policy, 'fair');
  });
});

/** Settles with the outcome of every promise, or fails when some never settle within `ms`. */
async function settleWithin<T>(ps: Promise<T>[], ms: number): Promise<PromiseSettledResult<T>[]> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${ms} ms passed and tasks were still unsettled`)), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(ps), limit]);
  } finally {
    clearTimeout(timer);
  }
}

test('regression: setPolicy while a class with maxWaitMs has overdue tasks moves every task once (none lost, none served twice)', async () => {
  await withScheduler(
    {
      pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } },
      classes: { heavy: { weight: 1000 }, light: { weight: 1, maxWaitMs: 5 } },
    },
    async (s) => {
      // Every task spins 20 ms on the only worker: after 40 ms, light's
      // queued tasks are overdue and aging would serve them next.
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) all.push(s.submit({ kind: 'spin', input: '20000', class: 'heavy' }));
      for (let i = 0; i < 6; i++) all.push(s.submit({ kind: 'spin', input: '20000', class: 'light' }));
      await new Promise((r) => setTimeout(r, 40));
      assert.ok(s.stats().classes.light!.queued > 1, 'light still has overdue tasks queued');
      s.setPolicy('fifo');
      assertAccounting(s);
      const settled = await settleWithin(all, 10_000);
      assert.deepEqual(
        settled.map((r) => r.status),
        all.map(() => 'fulfilled'),
      );
      const st = s.stats();
      assert.equal(st.classes.light!.completed, 6);
      assert.equal(st.classes.heavy!.completed, 4);
      assert.equal(st.totals.completed, 10, 'each task ran once');
    },
  );
});

test("regression: setPolicy from a 'breaker' listener (open → half-open happens while placing) neither throws nor loses a task", async () => {
  await withScheduler(
    {
      pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 2 }, go: { runtime: 'go', workers: 1 } },
      // Weights make 'fair' pick other than the oldest task: a queue swapped
      // under it then removes a task that was never dispatched.
      classes: { a: { weight: 1 }, b: { weight: 8 } },
      breaker: { openMs: 5, minCalls: 5 },
    },
    async (s) => {
      const seen: string[] = [];
      // Back and forth, so the swap often happens while 'fair' is placing.
      const policies = ['fifo', 'fair'] as const;
      let n = 0;
      s.on('breaker', (e: { to: string }) => {
        seen.push(e.to);
        // Only on open → half-open, which placement itself triggers: the
        // policy alternates, so half the swaps land inside 'fair' placing.
        if (e.to !== 'half-open') return;
        s.setPolicy(policies[n++ % 2]!);
        assertAccounting(s);
      });
      s.inject('go', { errorRate: 1 });
      // Each outcome is taken at once (its code, or 'ok'): rejections are expected here.
      const all: Promise<string>[] = [];
      const outcome = (p: Promise<unknown>, want: string) =>
        p.then(
          (r) => (Buffer.from((r as { output: Uint8Array }).output).toString() === want ? 'ok' : 'wrong output'),
          (e: { code?: string }) => String(e.code),
        );
      // Pinned to go: the breaker opens, then each probe after openMs
      // fails and opens it again, while tasks keep queueing.
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 5; i++) all.push(outcome(s.submit({ kind: 'echo', input: `go-${round}-${i}`, pool: 'go' }), `go-${round}-${i}`));
        for (let i = 0; i < 200; i++) all.push(outcome(s.submit({ kind: 'spin', input: '50', class: i % 2 ? 'a' : 'b' }), ''));
        await new Promise((r) => setTimeout(r, 7));
      }
      const settled = await settleWithin(all, 20_000);
      assert.ok(seen.includes('half-open'), `breaker went half-open: ${seen.join(',')}`);
      for (const r of settled) {
        assert.equal(r.status, 'fulfilled');
        assert.match((r as PromiseFulfilledResult<string>).value, /^(ok|E_TASK_FAILED|E_POOL_UNAVAILABLE)$/);
      }
      s.inject('go', null);
    },
  );
});

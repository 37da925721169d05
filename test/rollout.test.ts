// Rolling a candidate policy out beside the current one (queue/rollout.ts):
// which tasks go to which arm, the split queue's order, and both arms served
// and compared in stats() on the real pools, with nothing lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FifoQueue } from '../src/queue/policy-queue.js';
import { SplitQueue, armHash, inCanary, type ArmItem } from '../src/queue/rollout.js';
import { resolveOptions } from '../src/options.js';
import { CrossfairError } from '../src/errors.js';
import { BOTH, assertAccounting, withScheduler } from './helpers.js';

test('a fraction of tasks by arrival hash, spread evenly; listed classes always', () => {
  for (const fraction of [0.05, 0.3, 0.5]) {
    let n = 0;
    for (let seq = 0; seq < 20_000; seq++) if (armHash(seq) < fraction) n++;
    assert.ok(Math.abs(n / 20_000 - fraction) < 0.01, `fraction ${fraction}: ${n / 20_000}`);
    // Evenly: every block of 1000 consecutive arrivals gets its share.
    for (let b = 0; b < 20; b++) {
      let m = 0;
      for (let seq = b * 1000; seq < (b + 1) * 1000; seq++) if (armHash(seq) < fraction) m++;
      assert.ok(Math.abs(m / 1000 - fraction) < 0.04, `block ${b}: ${m / 1000}`);
    }
  }
  const cfg = { policy: 'fair' as const, classes: ['beta'], fraction: 0 };
  assert.equal(inCanary(cfg, 'beta', 1), true);
  assert.equal(inCanary(cfg, 'main', 1), false);
});

test('the split queue offers the earlier arrival of the two arms, unless only the other can be placed', () => {
  const item = (seq: number, canary: boolean): ArmItem & { queued: boolean } => ({
    seq,
    canary,
    queued: true,
    className: 'c',
    tenant: undefined,
    enqueuedAt: 0,
  });
  const q = new SplitQueue(new FifoQueue<ReturnType<typeof item>>(), new FifoQueue<ReturnType<typeof item>>(), false, false);
  const xs = [item(0, false), item(1, true), item(2, true), item(3, false)];
  xs.forEach((x) => q.push(x));
  assert.equal(q.live, 4);
  const order: number[] = [];
  for (let t = q.peek(); t !== undefined; t = q.peek()) {
    q.shift(0);
    t.queued = false;
    order.push(t.seq);
  }
  assert.deepEqual(order, [0, 1, 2, 3]);
  const ys = [item(4, false), item(5, true)];
  ys.forEach((x) => q.push(x));
  assert.equal(q.peek((t) => t.canary)?.seq, 5, 'the baseline arm is blocked: the candidate goes');
  assert.equal(q.shift(0)?.seq, 5);
});

test('rollout on the real pools: both arms served and compared in stats(), nothing lost', async () => {
  await withScheduler(
    { ...BOTH, policy: 'fifo', classes: { main: { weight: 1 }, beta: { weight: 1 } }, rollout: { policy: 'fair', classes: ['beta'], fraction: 0.25 } },
    async (s) => {
      const tasks = Array.from({ length: 2000 }, (_, i) =>
        s.submit({ kind: i % 2 ? 'echo' : 'spin', input: i % 2 ? 'x' : '20', class: i % 10 === 0 ? 'beta' : 'main' }),
      );
      const results = await Promise.all(tasks);
      assert.equal(results.length, 2000);
      const r = s.stats().rollout!;
      assert.equal(r.baseline.policy, 'fifo');
      assert.equal(r.candidate.policy, 'fair');
      assert.equal(r.baseline.submitted + r.candidate.submitted, 2000);
      // 200 beta tasks always, and about a quarter of the other 1800.
      assert.ok(r.candidate.submitted >= 200 + 1800 * 0.18 && r.candidate.submitted <= 200 + 1800 * 0.32, `candidate ${r.candidate.submitted}`);
      assert.equal(r.baseline.completed, r.baseline.submitted);
      assert.equal(r.candidate.completed, r.candidate.submitted);
      assert.ok(r.candidate.execMeanUs > 0 && r.baseline.waitP99Ms >= 0);
      // The baseline's policy can change under a rollout; the candidate keeps its own.
      const more = Array.from({ length: 500 }, () => s.submit({ kind: 'spin', input: '50' }));
      s.setPolicy('round-robin');
      await Promise.all(more);
      assert.equal(s.stats().rollout!.baseline.policy, 'round-robin');
      assert.equal(s.stats().rollout!.candidate.policy, 'fair');
      assert.equal(s.stats().totals.completed, 2500);
      assertAccounting(s);
    },
  );
});

test('rollout options are checked', () => {
  const bad = (rollout: unknown, re: RegExp): void =>
    assert.throws(
      () => resolveOptions({ classes: { a: {} }, rollout }),
      (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_OPTIONS' && re.test(e.message),
    );
  bad({ policy: 'lottery', fraction: 0.1 }, /rollout.policy/);
  bad({ policy: 'fair' }, /name classes or a fraction/);
  bad({ policy: 'fair', classes: ['nope'] }, /rollout.classes\[0\]: no class "nope"/);
  bad({ policy: 'fair', fraction: 2 }, /rollout.fraction/);
  bad({ policy: 'fair', fraction: 0.1, extra: 1 }, /rollout.extra: unknown option/);
});

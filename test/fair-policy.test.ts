// policy 'fair' on the real native pools: the scheduler drives the fair queue
// (peek → shift with an estimate → correct with the measured cost), the
// accounting holds, and a heavier class is served first in proportion.
// Share figures per time window are measured by the fairness bench, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOTH, kindVectors, withScheduler } from './helpers.js';
import { DEFAULT_COST_US } from '../src/placement/pool-model.js';

test("policy 'fair' serves weights 1:4 in about that ratio of execution time while both are backlogged", async () => {
  await withScheduler(
    {
      policy: 'fair',
      pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 2 }, go: { runtime: 'go', workers: 1, maxInFlight: 2 } },
      classes: { light: { weight: 1 }, heavy: { weight: 4 } },
    },
    async (s) => {
      // Shares are counted in measured execution time, not task counts: a
      // preempted spin is charged its whole measured time. On a loaded
      // machine one preemption of a few ms dominates a short window, so the
      // assertion is the stated bound (docs/FAIRNESS.md) with the largest
      // charge actually seen, not a fixed ratio (regressions: a count check
      // failed at 90:10, a 2.5..6.5 ratio check at 1.17 after an outlier).
      const served: { cls: string; us: number }[] = [];
      const tasks: Promise<unknown>[] = [];
      for (let i = 0; i < 150; i++) {
        for (const cls of ['light', 'heavy']) tasks.push(s.submit({ kind: 'spin', input: '100', class: cls }).then((r) => served.push({ cls, us: r.execUs })));
      }
      await Promise.all(tasks);
      // While both were backlogged (the first 100 completions: heavy runs out after ~120+):
      const first = served.slice(0, 100);
      const us = (c: string): number => first.filter((x) => x.cls === c).reduce((a, x) => a + x.us, 0);
      const cmax = Math.max(DEFAULT_COST_US, ...served.map((x) => x.us));
      const inflight = 2 * 2; // two pools, maxInFlight 2
      const gap = Math.abs(us('heavy') / 4 - us('light') / 1);
      const bound = (1 + inflight) * cmax * (1 / 4 + 1 / 1);
      assert.ok(
        gap <= bound,
        `|S_heavy/4 - S_light/1| = ${gap.toFixed(0)} us > bound ${bound.toFixed(0)} us (${us('heavy')} / ${us('light')} us, max charge ${cmax} us)`,
      );
      // With no outlier the bound is tight enough to see the weights: served 1:1 (fifo) would miss it by ~10x.
      if (cmax <= 3 * DEFAULT_COST_US) assert.ok(us('heavy') > 2 * us('light'), `heavy ${us('heavy')} us, light ${us('light')} us`);
      assert.equal(s.stats().totals.completed, 300);
    },
  );
});

test("policy 'fair' runs every vector and keeps tenants apart", async () => {
  await withScheduler({ ...BOTH, policy: 'fair' }, async (s) => {
    const vectors = kindVectors().filter((v) => v.status === 'OK');
    const results = await s.submitMany(vectors.map((v, i) => ({ kind: v.kind, input: Buffer.from(v.input_hex, 'hex'), tenant: `t${i % 3}` })));
    results.forEach((r, i) => {
      assert.ok(!(r instanceof Error), String(r));
      assert.equal(Buffer.from(r.output).toString('hex'), vectors[i]!.output_hex);
    });
  });
});

test('a pool maxShare holds on the real pools, and the other pool takes the rest', async () => {
  await withScheduler({ policy: 'fair', pools: { rust: { runtime: 'rust', workers: 1, maxShare: 0.25 }, go: { runtime: 'go', workers: 1 } } }, async (s) => {
    const results = await Promise.all(Array.from({ length: 600 }, () => s.submit({ kind: 'spin', input: '200' })));
    const us = (pool: string): number => results.filter((r) => r.pool === pool).reduce((a, r) => a + r.execUs, 0);
    const share = us('rust') / (us('rust') + us('go'));
    // Uncapped, two equal single-worker pools split ~50:50; the window
    // counts charged estimates, measured times drift on a loaded machine.
    assert.ok(share > 0.1 && share < 0.35, `rust share of execution time ${share.toFixed(3)}`);
    assert.equal(s.stats().totals.completed, 600);
  });
});

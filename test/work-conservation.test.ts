// Work conservation on the real pools: a class pinned to one pool (with or
// without aging) must not idle the other pool while tasks it could run
// wait. Busy time is read from the tasks' own execution times, so a loaded
// machine slows the tasks but does not fake idleness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccounting, withScheduler } from './helpers.js';
import type { Scheduler, Task } from '../src/types.js';

const SPIN_US = 1000;
const RUN_MS = 1500;

/** Keeps `depth` tasks made by `make()` outstanding until `until`; sums execution µs per pool. */
async function closedLoop(s: Scheduler, depth: number, until: number, make: () => Task, busyUs: Map<string, number>): Promise<number> {
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < until) {
      const r = await s.submit(make());
      busyUs.set(r.pool, (busyUs.get(r.pool) ?? 0) + r.execUs);
      done++;
    }
  };
  await Promise.all(Array.from({ length: depth }, lane));
  return done;
}

for (const aging of [false, true]) {
  test(`regression: a class pinned to go${aging ? ' with maxWaitMs and overdue tasks' : ''} leaves rust to the unpinned class (both pools busy)`, async (t) => {
    await withScheduler(
      {
        pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } },
        classes: { p: { weight: 3, ...(aging ? { maxWaitMs: 50 } : {}) }, u: { weight: 1 } },
      },
      async (s) => {
        const busy = new Map<string, number>();
        const start = performance.now();
        const until = start + RUN_MS;
        const spin = String(SPIN_US);
        const [, uDone] = await Promise.all([
          closedLoop(s, aging ? 400 : 200, until, () => ({ kind: 'spin', input: spin, class: 'p', pool: 'go' }), busy),
          closedLoop(s, 200, until, () => ({ kind: 'spin', input: spin, class: 'u' }), busy),
        ]);
        const elapsedUs = (performance.now() - start) * 1000;
        const rustBusy = (busy.get('rust') ?? 0) / elapsedUs;
        const goBusy = (busy.get('go') ?? 0) / elapsedUs;
        t.diagnostic(`rust busy ${rustBusy.toFixed(2)}, go busy ${goBusy.toFixed(2)}, u completed ${uDone}`);
        assert.ok(uDone > 0, 'the unpinned class completed tasks');
        // Measured 0.33 (pinned) and 0.00 (pinned with aging) before the fix, ~0.9 after.
        assert.ok(rustBusy > 0.6, `rust busy ${rustBusy.toFixed(2)} (go ${goBusy.toFixed(2)}), u completed ${uDone}`);
        assert.ok(goBusy > 0.6, `go busy ${goBusy.toFixed(2)}`);
        assertAccounting(s);
      },
    );
  });
}

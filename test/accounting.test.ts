// Cancellation accounting as a property, on the real native pools: under any
// mix of submits, aborts, timeouts, failing kinds, injected faults (errors,
// hangs, delays, so breakers open and idempotent tasks retry) and policy
// switches,
//   submitted = completed + failed + cancelled + queued + inFlight
// holds after every step, every promise settles exactly once, and the
// totals match what the callers saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertAccounting, BOTH, withScheduler } from './helpers.js';
import type { PolicyName, Scheduler, Task } from '../src/types.js';

type Op =
  | {
      op: 'submit';
      kind: 'echo' | 'spin' | 'sleep' | 'fail';
      us: number;
      timeoutMs: number;
      idempotent: boolean;
      abortAfterMs?: number | undefined;
      cls: 'a' | 'b';
    }
  | { op: 'policy'; policy: PolicyName }
  | { op: 'fault'; pool: 'rust' | 'go'; errorRate: number; hangRate: number; delayFactor: number; clear: boolean }
  | { op: 'yield' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('submit' as const),
      kind: fc.constantFrom('echo' as const, 'spin' as const, 'sleep' as const, 'fail' as const),
      us: fc.integer({ min: 1, max: 3000 }),
      // Always a timeout: an injected hang ends only at one (or at close).
      timeoutMs: fc.integer({ min: 2, max: 60 }),
      idempotent: fc.boolean(),
      abortAfterMs: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      cls: fc.constantFrom('a' as const, 'b' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('policy' as const), policy: fc.constantFrom<PolicyName>('fair', 'fifo', 'round-robin') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('fault' as const),
      pool: fc.constantFrom('rust' as const, 'go' as const),
      errorRate: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      hangRate: fc.double({ min: 0, max: 0.5, noNaN: true }),
      delayFactor: fc.double({ min: 1, max: 3, noNaN: true }),
      clear: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'yield' as const }) },
);

async function play(s: Scheduler, ops: Op[]): Promise<void> {
  const outcomes: Promise<string>[] = [];
  let doubleSettle = false;
  for (const o of ops) {
    if (o.op === 'policy') s.setPolicy(o.policy);
    else if (o.op === 'fault') s.inject(o.pool, o.clear ? null : { errorRate: o.errorRate, hangRate: o.hangRate, delayFactor: o.delayFactor });
    else if (o.op === 'yield') await new Promise(setImmediate);
    else {
      const ac = o.abortAfterMs === undefined ? undefined : new AbortController();
      if (ac) setTimeout(() => ac.abort(), o.abortAfterMs);
      const task: Task = {
        kind: o.kind,
        input: o.kind === 'echo' || o.kind === 'fail' ? 'x' : String(o.us),
        class: o.cls,
        idempotent: o.idempotent,
        timeoutMs: o.timeoutMs,
      };
      if (ac) task.signal = ac.signal;
      let n = 0;
      outcomes.push(
        s
          .submit(task)
          .then(
            () => 'ok',
            (e: { code: string }) => e.code,
          )
          .finally(() => {
            if (++n > 1) doubleSettle = true;
          }),
      );
    }
    assertAccounting(s);
  }
  const seen = await Promise.all(outcomes);
  assert.equal(doubleSettle, false, 'a promise settled twice');
  assertAccounting(s);
  const t = s.stats().totals;
  const count = (...codes: string[]): number => seen.filter((c) => codes.includes(c)).length;
  assert.equal(t.queued + t.inFlight, 0);
  assert.equal(t.submitted, seen.length);
  assert.equal(t.completed, count('ok'));
  assert.equal(t.cancelled, count('E_TIMEOUT', 'E_ABORTED'));
  assert.equal(t.failed, count('E_TASK_FAILED', 'E_POOL_UNAVAILABLE'));
  assert.equal(
    seen.length,
    count('ok', 'E_TIMEOUT', 'E_ABORTED', 'E_TASK_FAILED', 'E_POOL_UNAVAILABLE'),
    `unexpected outcomes ${[...new Set(seen)].join(',')}`,
  );
}

test('property: accounting holds under random submits, aborts, timeouts, failures, injected faults (errors, hangs, delays; breakers opening) and policy switches', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 100, size: 'medium' }), async (ops) => {
      await withScheduler(
        { ...BOTH, classes: { a: { weight: 1 }, b: { weight: 3, latencyBudgetMs: 5 } }, breaker: { minCalls: 5, openMs: 5 }, retry: { baseMs: 1 } },
        (s) => play(s, ops),
      );
    }),
    { numRuns: 40 },
  );
});

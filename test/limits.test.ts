// Quotas and limits: class maxQueue → E_QUEUE_FULL; class and tenant rates
// → E_RATE_LIMITED; a pool's ratePerSec paces dispatch (tasks wait, none is
// refused). The token bucket itself runs on an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TokenBucket } from '../src/admission/token-bucket.js';
import { Limits } from '../src/admission/limits.js';
import { expectCode, withScheduler } from './helpers.js';

test('token bucket: burst, refill, wait time (injected clock)', () => {
  const b = new TokenBucket(10, 3, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
  assert.equal(b.waitMs(0), 100);
  assert.equal(b.take(50), false);
  assert.equal(b.take(100), true);
  assert.equal(b.full(10_000), true);
});

test('property: a bucket never grants more than burst + rate x elapsed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 50 }),
      fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }),
      (rate, burst, steps) => {
        const b = new TokenBucket(rate, burst, 0);
        let now = 0;
        let granted = 0;
        for (const dt of steps) {
          now += dt;
          if (b.take(now)) granted++;
        }
        assert.ok(granted <= burst + (rate * now) / 1000 + 1e-9, `${granted} > ${burst} + ${rate}*${now}ms`);
      },
    ),
  );
});

test('limits unit: class maxQueue, class rate, tenant rate, and idle tenant buckets dropped', () => {
  const l = new Limits({ name: 'c', maxQueue: 2, ratePerSec: 1000, tenantRatePerSec: 2 }, 0);
  assert.throws(() => l.admit(2, 't', 0), /maxQueue is 2/);
  l.admit(0, 'a', 0);
  l.admit(0, 'a', 0);
  assert.throws(
    () => l.admit(0, 'a', 0),
    (e: { code: string }) => e.code === 'E_RATE_LIMITED',
  );
  l.admit(0, 'b', 0); // another tenant has its own budget
  assert.equal(l.tenantBuckets, 2);
});

test('class limits refuse at submit with clear codes', async () => {
  await withScheduler(
    {
      pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } },
      classes: { small: { maxQueue: 2 }, slow: { ratePerSec: 3, burst: 3 }, shared: { tenantRatePerSec: 2 } },
    },
    async (s) => {
      const ok: Promise<unknown>[] = [];
      ok.push(s.submit({ kind: 'sleep', input: '1000', class: 'small' }), s.submit({ kind: 'sleep', input: '1000', class: 'small' }));
      await expectCode(s.submit({ kind: 'echo', input: '', class: 'small' }), 'E_QUEUE_FULL', /class small has 2 tasks queued/);
      for (let i = 0; i < 3; i++) ok.push(s.submit({ kind: 'echo', input: '', class: 'slow' }));
      await expectCode(s.submit({ kind: 'echo', input: '', class: 'slow' }), 'E_RATE_LIMITED', /class slow is over 3 tasks\/s/);
      for (let i = 0; i < 2; i++) ok.push(s.submit({ kind: 'echo', input: '', class: 'shared', tenant: 'acme' }));
      await expectCode(s.submit({ kind: 'echo', input: '', class: 'shared', tenant: 'acme' }), 'E_RATE_LIMITED', /tenant "acme"/);
      ok.push(s.submit({ kind: 'echo', input: '', class: 'shared', tenant: 'globex' }));
      await Promise.all(ok);
      const t = s.stats().totals;
      assert.equal(t.rejected, 3);
      assert.equal(t.completed, 8);
    },
  );
});

test("a pool's ratePerSec paces dispatch: tasks wait, none is refused", async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, ratePerSec: 100 } } }, async (s) => {
    const t0 = performance.now();
    // Burst is one second's worth (100); 30 more must wait for tokens at 100/s.
    const results = await s.submitMany(Array.from({ length: 130 }, () => ({ kind: 'echo', input: '' })));
    const ms = performance.now() - t0;
    assert.ok(results.every((r) => !(r instanceof Error)));
    assert.ok(ms >= 250, `130 tasks at 100/s after a burst of 100 took only ${ms.toFixed(0)} ms`); // lower bound only
    assert.equal(s.stats().totals.rejected, 0);
  });
});

test('bad limit options are refused', async () => {
  const { createScheduler } = await import('../src/index.js');
  await expectCode(createScheduler({ classes: { a: { burst: 3 } } }), 'E_BAD_OPTIONS', /classes.a.burst: needs ratePerSec/);
  await expectCode(createScheduler({ classes: { a: { ratePerSec: 0 } } }), 'E_BAD_OPTIONS', /classes.a.ratePerSec/);
  await expectCode(createScheduler({ pools: { r: { runtime: 'rust', ratePerSec: -1 } } }), 'E_BAD_OPTIONS', /pools.r.ratePerSec/);
});

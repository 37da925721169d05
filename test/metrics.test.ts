// metrics(): the Prometheus exposition (docs/OBSERVABILITY.md): counters by
// class, pool, runtime and reason; histograms of wait, execution and end to
// end latency; fairness gauges; breaker state and health; tenants only when
// enabled and capped; a user registry and prefix honoured; metrics off
// registers and records nothing. promtool's lint is test/promtool.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { BOTH, expectCode, withScheduler } from './helpers.js';

const line = (text: string, re: RegExp): number => {
  const m = re.exec(text);
  assert.ok(m, `no line matching ${re}`);
  return Number(m[1]);
};

test('completions, failures and rejections by class, pool, runtime and reason', async () => {
  await withScheduler({ ...BOTH, classes: { default: { maxQueue: 1_000 } } }, async (s) => {
    await s.submitMany([
      { kind: 'echo', input: 'a', pool: 'rust' },
      { kind: 'echo', input: 'b', pool: 'go' },
      { kind: 'fail', input: 'x', pool: 'go' },
    ]);
    await expectCode(s.submit({ kind: 'nope', input: '' }), 'E_UNKNOWN_KIND');
    await expectCode(s.submit({ kind: 'spin', input: '1000000', timeoutMs: 5 }), 'E_TIMEOUT');
    const text = await s.metrics();
    assert.match(text, /^crossfair_tasks_submitted_total\{class="default"\} 4$/m);
    assert.match(text, /^crossfair_tasks_completed_total\{class="default",pool="rust",runtime="rust"\} 1$/m);
    assert.match(text, /^crossfair_tasks_completed_total\{class="default",pool="go",runtime="go"\} 1$/m);
    assert.match(text, /^crossfair_tasks_failed_total\{class="default",pool="go",runtime="go",reason="E_TASK_FAILED"\} 1$/m);
    assert.match(text, /^crossfair_tasks_rejected_total\{class="",reason="E_UNKNOWN_KIND"\} 1$/m);
    assert.match(text, /^crossfair_tasks_cancelled_total\{class="default",reason="E_TIMEOUT"\} 1$/m);
    assert.match(text, /^crossfair_pool_in_flight\{pool="go",runtime="go"\} \d+$/m);
    assert.match(text, /^crossfair_pool_breaker_state\{pool="go",runtime="go",state="closed"\} 1$/m);
    assert.match(text, /^crossfair_pool_health\{pool="rust",runtime="rust",health="healthy"\} 1$/m);
  });
});

test('a refusal after the class is known carries the class', async () => {
  await withScheduler({ ...BOTH, classes: { small: { maxQueue: 3 } } }, async (s) => {
    const burst = Array.from({ length: 4 }, () => s.submit({ kind: 'echo', input: '', class: 'small' }).catch((e: { code: string }) => e.code));
    assert.equal((await Promise.all(burst)).filter((c) => c === 'E_QUEUE_FULL').length, 1, 'one over the class maxQueue, in one tick');
    assert.match(await s.metrics(), /^crossfair_tasks_rejected_total\{class="small",reason="E_QUEUE_FULL"\} 1$/m);
  });
});

test('histograms: cumulative buckets, +Inf = count, sum in seconds', async () => {
  await withScheduler(BOTH, async (s) => {
    await Promise.all(Array.from({ length: 50 }, () => s.submit({ kind: 'spin', input: '2000', pool: 'rust' })));
    const text = await s.metrics();
    const count = line(text, /^crossfair_task_exec_seconds_count\{class="default",pool="rust",runtime="rust"\} (\d+)$/m);
    const inf = line(text, /^crossfair_task_exec_seconds_bucket\{class="default",pool="rust",runtime="rust",le="\+Inf"\} (\d+)$/m);
    const le1ms = line(text, /^crossfair_task_exec_seconds_bucket\{class="default",pool="rust",runtime="rust",le="0.001"\} (\d+)$/m);
    const le25ms = line(text, /^crossfair_task_exec_seconds_bucket\{class="default",pool="rust",runtime="rust",le="0.0025"\} (\d+)$/m);
    const sum = line(text, /^crossfair_task_exec_seconds_sum\{class="default",pool="rust",runtime="rust"\} ([\d.e-]+)$/m);
    assert.equal(count, 50);
    assert.equal(inf, 50);
    assert.equal(le1ms, 0, '2 ms spins are above 1 ms');
    assert.ok(le25ms <= 50 && le25ms >= 0);
    assert.ok(sum >= 50 * 0.002 && sum < 50 * 0.05, `sum ${sum}`);
    assert.ok(line(text, /^crossfair_pool_batch_size_count\{pool="rust",runtime="rust"\} (\d+)$/m) >= 1);
  });
});

test('fairness gauges: served and entitled shares sum to 1; Jain in (0, 1]', async () => {
  await withScheduler({ ...BOTH, classes: { a: { weight: 1 }, b: { weight: 3, latencyBudgetMs: 20 } } }, async (s) => {
    await Promise.all(Array.from({ length: 400 }, (_, i) => s.submit({ kind: 'spin', input: '100', class: i % 2 ? 'a' : 'b' })));
    const text = await s.metrics();
    const served = ['a', 'b'].map((c) => line(text, new RegExp(`^crossfair_class_served_share\\{class="${c}"\\} ([\\d.e-]+)$`, 'm')));
    const entitled = ['a', 'b'].map((c) => line(text, new RegExp(`^crossfair_class_entitled_share\\{class="${c}"\\} ([\\d.e-]+)$`, 'm')));
    assert.ok(Math.abs(served[0]! + served[1]! - 1) < 1e-9);
    assert.deepEqual(entitled, [0.25, 0.75]);
    const jain = line(text, /^crossfair_fairness_jain_index ([\d.e-]+)$/m);
    assert.ok(jain > 0 && jain <= 1);
    assert.match(text, /^crossfair_class_latency_budget_seconds\{class="b"\} 0.02$/m);
    assert.doesNotMatch(text, /crossfair_class_latency_budget_seconds\{class="a"\}/);
  });
});

test('tenants are a label only when enabled, capped per class, the rest as "other"', async () => {
  await withScheduler({ ...BOTH, metrics: { tenantLabel: true, maxTenants: 2 } }, async (s) => {
    await s.submitMany(['t1', 't2', 't3', 't4', 't1'].map((tenant) => ({ kind: 'echo', input: '', tenant })));
    const text = await s.metrics();
    // The first two tenants to complete get a label (the pools race); the rest count as "other".
    const series = [...text.matchAll(/^crossfair_tenant_tasks_completed_total\{class="default",tenant="([^"]+)"\} (\d+)$/gm)].map(
      (m) => [m[1]!, Number(m[2])] as const,
    );
    const named = series.filter(([t]) => t !== 'other');
    assert.equal(named.length, 2, JSON.stringify(series));
    assert.ok(
      series.some(([t, n]) => t === 'other' && n >= 1),
      JSON.stringify(series),
    );
    assert.equal(
      series.reduce((a, [, n]) => a + n, 0),
      5,
    );
  });
  await withScheduler(BOTH, async (s) => {
    await s.submit({ kind: 'echo', input: '', tenant: 't1' });
    assert.doesNotMatch(await s.metrics(), /tenant/);
  });
});

test('a user registry and prefix are used; metrics: false registers nothing', async () => {
  const registry = new Registry();
  await withScheduler({ ...BOTH, registry, metricsPrefix: 'app_cf_' }, async (s) => {
    assert.equal(s.registry, registry);
    assert.match(await registry.metrics(), /^app_cf_queue_depth\{class="default"\} 0$/m);
  });
  // A second scheduler on the same registry and prefix: refused, coded, nothing left behind.
  const shared = new Registry();
  await withScheduler({ ...BOTH, registry: shared }, async () => {
    const before = (await shared.getMetricsAsJSON()).length;
    await expectCode(
      withScheduler({ ...BOTH, registry: shared }, async () => undefined),
      'E_BAD_OPTIONS',
      /already has a metric named crossfair_tasks_submitted_total/,
    );
    assert.equal((await shared.getMetricsAsJSON()).length, before);
    await withScheduler({ ...BOTH, registry: shared, metricsPrefix: 'second_' }, async (s2) => assert.match(await s2.metrics(), /^second_queue_depth/m));
  });
  await withScheduler({ ...BOTH, metrics: false }, async (s) => {
    await s.submit({ kind: 'echo', input: '' });
    assert.equal((await s.metrics()).trim(), '');
  });
});

for (const policy of ['fair', 'fifo'] as const) {
  test(`oldest task age per class and per pool, under ${policy}`, async () => {
    await withScheduler({ policy, pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } }, classes: { a: {}, b: {} } }, async (s) => {
      const running = s.submit({ kind: 'spin', input: '300000', class: 'a' }); // holds the only credit for 300 ms
      const queued = [s.submit({ kind: 'echo', input: '', class: 'a' }), s.submit({ kind: 'echo', input: '', class: 'a', tenant: 'x' })];
      await Promise.resolve(); // the flush (a microtask queued by the first submit) has dispatched the spin
      const after = performance.now(); // every task above was queued, and the spin dispatched, before this
      // Timers may fire up to a millisecond early against performance.now(): the age is checked against the clock itself.
      await new Promise((r) => setTimeout(r, 60));
      const waited = (performance.now() - after) / 1000;
      const text = await s.metrics();
      assert.ok(waited > 0.05, `waited ${waited} s`);
      assert.ok(line(text, /^crossfair_class_oldest_task_age_seconds\{class="a"\} ([\d.e-]+)$/m) >= waited);
      assert.equal(line(text, /^crossfair_class_oldest_task_age_seconds\{class="b"\} ([\d.e-]+)$/m), 0);
      assert.ok(line(text, /^crossfair_pool_oldest_task_age_seconds\{pool="rust",runtime="rust"\} ([\d.e-]+)$/m) >= waited);
      await Promise.all([running, ...queued]);
      assert.equal(line(await s.metrics(), /^crossfair_class_oldest_task_age_seconds\{class="a"\} ([\d.e-]+)$/m), 0);
    });
  });
}

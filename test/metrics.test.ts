// metrics(): Prometheus text from the scheduler's own counters, with every
// pool series labelled by runtime; a user registry is honoured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { BOTH, withScheduler } from './helpers.js';

test('metrics expose per-class counters and per-runtime pool gauges', async () => {
  await withScheduler(BOTH, async (s) => {
    await s.submitMany([{ kind: 'echo', input: 'a', pool: 'rust' }, { kind: 'echo', input: 'b', pool: 'go' }, { kind: 'fail', input: 'x', pool: 'go' }]);
    const text = await s.metrics();
    assert.match(text, /^crossfair_tasks_submitted_total\{class="default"\} 3$/m);
    assert.match(text, /^crossfair_tasks_completed_total\{class="default"\} 2$/m);
    assert.match(text, /^crossfair_tasks_failed_total\{class="default"\} 1$/m);
    assert.match(text, /^crossfair_pool_completed_total\{pool="rust",runtime="rust"\} 1$/m);
    assert.match(text, /^crossfair_pool_failed_total\{pool="go",runtime="go"\} 1$/m);
    assert.match(text, /^crossfair_pool_in_flight\{pool="go",runtime="go"\} 0$/m);
  });
});

test('a user registry and prefix are used', async () => {
  const registry = new Registry();
  await withScheduler({ ...BOTH, registry, metricsPrefix: 'app_cf_' }, async (s) => {
    assert.equal(s.registry, registry);
    assert.match(await registry.metrics(), /^app_cf_queue_depth\{class="default"\} 0$/m);
  });
});

// A real Prometheus server (Debian's `prometheus`, installed by .ci/run)
// scrapes a busy scheduler on loopback and answers the PromQL query for
// per-runtime utilization with a non-zero value for both runtimes.
// The protocol is in prometheus-server.ts, shared with
// `npm run bench -- prometheus`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOTH, withScheduler } from './helpers.js';
import { scrapeUtilization, UTILIZATION_QUERY } from './prometheus-server.js';

test('Prometheus scrapes metricsHandler() and answers utilization per runtime', { timeout: 30_000 }, async (t) => {
  await withScheduler(BOTH, async (s) => {
    const r = await scrapeUtilization(s, { deadlineMs: 15_000 });
    t.diagnostic(`Prometheus ${r.version}: ${r.query} = ${JSON.stringify(r.utilization)} after ${Math.round(r.answeredMs)} ms`);
    assert.equal(r.query, UTILIZATION_QUERY);
    assert.deepEqual(Object.keys(r.utilization).sort(), ['go', 'rust']);
    for (const [runtime, u] of Object.entries(r.utilization)) {
      assert.ok(u > 0 && u <= 1, `${runtime} utilization ${u} is in (0, 1]`);
    }
  });
});

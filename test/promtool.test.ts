// The exposition passes `promtool check metrics` ("reports
// nothing") after a workload that gives every family samples. promtool comes
// from Debian's `prometheus` package, which .ci/run installs: when it is
// missing this test fails rather than skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { withScheduler } from './helpers.js';
import { EXPECTED_OUTCOMES, WORKLOAD_OPTIONS, mixedWorkload } from './metrics-workload.js';

/** Families declared by `# TYPE` lines that have no sample line. */
function familiesWithoutSamples(text: string): string[] {
  const families = [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].map((m) => m[1]!);
  const sampled = new Set([...text.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));
  return families.filter((f) => !sampled.has(f));
}

test('promtool check metrics reports nothing on the exposition of a busy scheduler', async () => {
  await withScheduler(WORKLOAD_OPTIONS, async (s) => {
    assert.deepEqual(await mixedWorkload(s), EXPECTED_OUTCOMES);
    assert.equal(s.stats().pools.go?.breaker, 'open', 'the workload tripped the Go breaker');
    const text = await s.metrics();
    assert.deepEqual(familiesWithoutSamples(text), [], 'every metric family has samples');

    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      assert.fail('promtool is not on PATH: install it with `apt-get install prometheus` (.ci/run does)');
    }
    assert.ifError(r.error);
    assert.equal(r.stdout + r.stderr, '', 'promtool output');
    assert.equal(r.status, 0, 'promtool exit status');
  });
});

// A panic in either runtime fails only that task; the pool keeps serving.
// Quarantine off: every panic here really runs (test/quarantine.test.ts
// covers what a kind that keeps panicking gets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PATHS, withScheduler } from './helpers.js';
import { CrossfairError } from '../src/index.js';

for (const pool of ['rust', 'go', 'goffi']) {
  test(`a panic on ${pool} fails only its task`, async () => {
    await withScheduler({ ...ALL_PATHS, quarantine: false }, async (s) => {
      const tasks = Array.from({ length: 200 }, (_, i) =>
        i % 10 === 3 ? { kind: 'panic', input: `boom ${i}`, pool } : { kind: 'echo', input: `ok ${i}`, pool },
      );
      const results = await s.submitMany(tasks);
      results.forEach((r, i) => {
        if (i % 10 === 3) {
          assert.ok(r instanceof CrossfairError);
          assert.equal(r.code, 'E_TASK_PANIC');
          assert.equal(r.message, `boom ${i}`);
          assert.equal(r.pool, pool);
        } else {
          assert.ok(!(r instanceof Error), String(r));
          assert.equal(Buffer.from(r.output).toString(), `ok ${i}`);
        }
      });
      const after = await s.submit({ kind: 'sha256', input: 'still here', pool });
      assert.equal(after.output.byteLength, 32);
      assert.equal(s.stats().pools[pool]!.failed, 20);
    });
  });
}

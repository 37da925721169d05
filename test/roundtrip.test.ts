// The first "must show": digests, large payloads, and results that
// name the pool and runtime which ran them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ALL_PATHS, withScheduler } from './helpers.js';

const ABC = createHash('sha256').update('abc').digest('hex');

test("sha256 of 'abc' on go and on rust equals node:crypto's digest", async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    for (const [pool, runtime] of [
      ['go', 'go'],
      ['rust', 'rust'],
      ['goffi', 'go'],
    ] as const) {
      const r = await s.submit({ kind: 'sha256', input: 'abc', pool });
      assert.equal(Buffer.from(r.output).toString('hex'), ABC);
      assert.equal(r.pool, pool);
      assert.equal(r.runtime, runtime);
      assert.equal(r.attempts, 1);
      assert.ok(r.waitUs >= 0 && r.execUs >= 0);
    }
  });
});

test('a 4 MiB echo round-trips byte-identical on every path', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    const input = randomBytes(4 * 1024 * 1024);
    for (const pool of ['rust', 'go', 'goffi']) {
      const r = await s.submit({ kind: 'echo', input, pool });
      assert.equal(r.output.byteLength, input.byteLength);
      assert.ok(Buffer.from(r.output).equals(input), pool);
    }
  });
});

test('string input is sent as UTF-8', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    for (const pool of ['rust', 'go', 'goffi']) {
      const r = await s.submit({ kind: 'echo', input: 'héllo ✓ 𝄞', pool });
      assert.equal(Buffer.from(r.output).toString('utf8'), 'héllo ✓ 𝄞');
    }
  });
});

test('payload sizes around the arena classes and side segments', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    const sizes = [0, 1, 7, 8, 63, 64, 65, 32 * 1024, 32 * 1024 + 1, 64 * 1024 - 8, 64 * 1024, 200_000];
    const tasks = sizes.flatMap((n) => ['rust', 'go', 'goffi'].map((pool) => ({ kind: 'echo', input: randomBytes(n), pool })));
    const results = await s.submitMany(tasks);
    results.forEach((r, i) => {
      assert.ok(!(r instanceof Error), String(r));
      assert.ok(Buffer.from(r.output).equals(tasks[i]!.input), `size ${tasks[i]!.input.length} on ${tasks[i]!.pool}`);
    });
  });
});

test('unpinned work spreads over both runtimes', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    const results = await Promise.all(Array.from({ length: 64 }, () => s.submit({ kind: 'spin', input: '200' })));
    const runtimes = new Set(results.map((r) => r.runtime));
    assert.deepEqual([...runtimes].sort(), ['go', 'rust']);
  });
});

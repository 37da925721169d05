// Every shared vector through every path (Rust napi, Go shim, Go ffi-rs):
// the same outputs, statuses and messages everywhere, equal to the vector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ALL_PATHS, STATUS_TO_CODE, kindVectors, withScheduler } from './helpers.js';
import type { CrossfairError } from '../src/index.js';

for (const pool of Object.keys(ALL_PATHS.pools!)) {
  test(`vectors on ${pool}`, async () => {
    await withScheduler(ALL_PATHS, async (s) => {
      const vectors = kindVectors();
      const results = await s.submitMany(vectors.map((v) => ({ kind: v.kind, input: Buffer.from(v.input_hex, 'hex'), pool })));
      assert.equal(results.length, vectors.length);
      vectors.forEach((v, i) => {
        const r = results[i]!;
        if (v.status === 'OK') {
          assert.ok(!(r instanceof Error), `${v.name}: ${(r as Error).message}`);
          assert.equal(Buffer.from(r.output).toString('hex'), v.output_hex, v.name);
          assert.equal(r.pool, pool);
        } else {
          assert.ok(r instanceof Error, `${v.name} should fail`);
          const e = r as CrossfairError;
          assert.equal(e.code, STATUS_TO_CODE[v.status], `${v.name}: ${e.message}`);
          // Inputs the JS side rejects before crossing carry its own message.
          if (v.message !== undefined) assert.equal(e.message, v.message, v.name);
        }
      });
    });
  });
}

test('sha256 matches node:crypto on random inputs, on every path', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    for (const pool of Object.keys(ALL_PATHS.pools!)) {
      for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 70_000]) {
        const input = new Uint8Array(n).map((_, i) => (i * 131 + n) & 0xff);
        const r = await s.submit({ kind: 'sha256', input, pool });
        assert.equal(Buffer.from(r.output).toString('hex'), createHash('sha256').update(input).digest('hex'), `${pool} n=${n}`);
      }
    }
  });
});

// Importing the package loads nothing native: a worker_thread that imports it
// (ESM or CommonJS entry) and exits leaves the process running, and it exits 0.
// Native code is loaded only when a pool that needs it opens, on the main
// thread (docs/NATIVE-RULES.md §17). The ffi path, which loads its native
// module lazily, still opens, runs and closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createScheduler } from '../src/index.js';
import { root } from './helpers.js';

function runFixture(entry: 'esm' | 'cjs' | 'ffi-pool'): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'test', 'fixtures', 'worker-import.mjs'), entry], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

for (const entry of ['esm', 'cjs'] as const) {
  test(`regression: a worker_thread that imports the ${entry.toUpperCase()} entry and exits does not crash the process`, () => {
    const r = runFixture(entry);
    assert.equal(r.signal, null, `child died by ${r.signal}\n${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'got function\nworker exit 0\n');
  });
}

test('an ffi pool opens, runs a task and closes with its native module loaded lazily', async () => {
  const s = await createScheduler({ pools: { goffi: { runtime: 'go', workers: 1, transport: 'ffi' } } });
  try {
    const r = await s.submit({ kind: 'sha256', input: 'abc', pool: 'goffi' });
    assert.equal(Buffer.from(r.output).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  } finally {
    await s.close();
  }
  const again = await createScheduler({ pools: { goffi: { runtime: 'go', workers: 1, transport: 'ffi' } } });
  await again.close();
});

test('regression: an ffi pool asked for on a worker thread is refused (E_POOL_UNAVAILABLE) and the process exits cleanly', () => {
  const r = runFixture('ffi-pool');
  assert.equal(r.signal, null, `child died by ${r.signal}\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'got E_POOL_UNAVAILABLE\nworker exit 0\n');
});

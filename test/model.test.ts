// Model-based test of the public API on the real pools (model-run.ts says
// what it generates and checks). A short run here; longer locally:
//   MODEL_RUNS=2000 MODEL_STEPS=100 node dist-test/test/model-run.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './helpers.js';

test('random sequences of public calls keep every promise settled once, the accounting exact and no error uncaught', () => {
  const r = spawnSync(process.execPath, [join(root, 'dist-test', 'test', 'model-run.js')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MODEL_RUNS: process.env.MODEL_RUNS ?? '25', MODEL_STEPS: process.env.MODEL_STEPS ?? '60' },
    timeout: 240_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  assert.equal(r.status, 0, `${last}\n${r.stderr.slice(-4000)}`);
  const out = JSON.parse(last) as { runs: number; steps: number; failure?: string };
  assert.equal(out.failure, undefined);
  assert.ok(out.runs >= 1 && out.steps >= out.runs, last);
});

// Adaptive batching (pool/batcher.ts): the target grows while crossing is
// a visible share of the work and lingering fills batches, shrinks when it
// is not, never lingers past a budget or with an idle worker, and settles
// without oscillating. Deterministic: the environment is a formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ADAPT_EVERY, Batcher, MAX_TARGET } from '../src/pool/batcher.js';

/** `calls` boundary calls where lingering gathers up to `perTurn` tasks and each runs `execUs`. */
function run(b: Batcher, calls: number, perTurn: number, execUs: number): number[] {
  const targets: number[] = [];
  for (let i = 0; i < calls; i++) {
    b.sent(Math.min(b.target, perTurn), execUs);
    targets.push(b.target);
  }
  return targets;
}

test('tiny tasks arriving 64 per turn: the target grows to gather them, then holds', () => {
  const b = new Batcher();
  const targets = run(b, 2000, 64, 0.5);
  assert.ok(b.target >= 64 && b.target <= 128, `target ${b.target}`);
  assert.equal(new Set(targets.slice(-500)).size, 1, 'settled: no oscillation');
});

test('long tasks: crossing is invisible next to them, the target stays 1 (never lingers)', () => {
  const b = new Batcher();
  run(b, 500, 64, 1000);
  assert.equal(b.target, 1);
});

test('lingering that gathers nothing does not grow the target', () => {
  const b = new Batcher();
  run(b, 2000, 1, 0.5);
  assert.ok(b.target <= 2, `target ${b.target}`);
});

test('when tasks grow long the target shrinks back', () => {
  const b = new Batcher();
  run(b, 2000, 256, 0.5);
  assert.ok(b.target >= 128, `target ${b.target}`);
  run(b, 2000, 256, 2000);
  assert.equal(b.target, 1);
});

test('linger only with a batch below target, all workers busy, nothing urgent and no backlog', () => {
  const b = new Batcher();
  b.target = 16;
  assert.equal(b.linger(4, true, false, false), true);
  assert.equal(b.linger(16, true, false, false), false, 'target reached');
  assert.equal(b.linger(4, false, false, false), false, 'an idle worker is never kept waiting');
  assert.equal(b.linger(4, true, true, false), false, 'a task with a latency budget crosses now');
  assert.equal(b.linger(4, true, false, true), false, 'tasks wait for the pools: they are the limit, not crossings');
  assert.equal(new Batcher().linger(1, true, false, false), false, 'target 1 never lingers');
});

test('property: the target stays a power of two in 1..MAX_TARGET, moves one step per ADAPT_EVERY calls, and settles in a steady environment', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 1024 }), fc.double({ min: 0, max: 5000, noNaN: true })), { minLength: 1, maxLength: 400 }),
      fc.integer({ min: 1, max: 512 }),
      fc.double({ min: 0.1, max: 5000, noNaN: true }),
      (noise, perTurn, execUs) => {
        const b = new Batcher();
        let prev = b.target;
        for (const [batch, exec] of noise) {
          b.sent(batch, exec);
          const t = b.target;
          assert.ok(t >= 1 && t <= MAX_TARGET && (t & (t - 1)) === 0, `target ${t}`);
          assert.ok(t === prev || t === prev * 2 || t === prev / 2, `step ${prev} -> ${t}`);
          prev = t;
        }
        // Then a steady environment: after 100 adaptation rounds it holds.
        const targets = run(b, 100 * ADAPT_EVERY, perTurn, execUs);
        assert.equal(new Set(targets.slice(-20 * ADAPT_EVERY)).size, 1, `still moving: ${targets.slice(-20 * ADAPT_EVERY).join(',')}`);
      },
    ),
    { numRuns: 100 },
  );
});

// The circuit breaker and pool health (resilience/breaker.ts) and the stuck
// watch (resilience/stuck-watch.ts), liveness and backoff, on an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Breaker, DEFAULT_BREAKER, WINDOW_BUCKETS, type BreakerConfig } from '../src/resilience/breaker.js';
import { Quarantine } from '../src/resilience/quarantine.js';
import { Liveness } from '../src/resilience/liveness.js';
import { StuckWatch } from '../src/resilience/stuck-watch.js';
import { backoffMs } from '../src/resilience/outcomes.js';

const cfg = (o: Partial<BreakerConfig> = {}): BreakerConfig => ({ ...DEFAULT_BREAKER, ...o });

test('opens once failures reach errorRate over at least minCalls, not before', () => {
  const moves: string[] = [];
  const b = new Breaker(cfg({ minCalls: 10, errorRate: 0.5, consecutiveFailures: 100 }), (f, t) => moves.push(`${f}->${t}`));
  for (let i = 0; i < 9; i++) b.record(false, 100); // 9 failures: below minCalls
  assert.equal(b.state, 'closed');
  b.record(false, 100);
  assert.equal(b.state, 'open');
  assert.deepEqual(moves, ['closed->open']);
  assert.equal(b.allows(100 + DEFAULT_BREAKER.openMs - 1), false);
  assert.equal(b.health(200, 0), 'down');
});

test('half-open lets `probes` through; all succeed -> closed, one fails -> open again', () => {
  const b = new Breaker(cfg({ minCalls: 2, openMs: 50, probes: 2 }));
  b.record(false, 0);
  b.record(false, 0);
  assert.equal(b.state, 'open');
  assert.equal(b.allows(49), false);
  assert.equal(b.allows(50), true);
  assert.equal(b.state, 'half-open');
  assert.equal(b.health(50, 0), 'degraded');
  b.dispatched();
  b.dispatched();
  assert.equal(b.allows(51), false, 'both probes are out');
  b.record(true, 52);
  b.record(false, 53);
  assert.equal(b.state, 'open', 'a failed probe opens it again');
  assert.equal(b.opened, 2);
  assert.equal(b.allows(102), false);
  assert.equal(b.allows(103), true);
  b.dispatched();
  b.dispatched();
  b.record(true, 104);
  b.record(true, 105);
  assert.equal(b.state, 'closed');
  assert.equal(b.health(106, 0), 'healthy');
});

test('a healthy pool that starts failing everything opens after consecutiveFailures failures in a row, whatever the window holds', () => {
  const b = new Breaker(cfg({ minCalls: 20, consecutiveFailures: 20 }));
  for (let i = 0; i < 1000; i++) b.record(true, 0);
  for (let i = 0; i < 19; i++) b.record(false, 1);
  assert.equal(b.state, 'closed');
  b.record(false, 1);
  assert.equal(b.state, 'open');
});

test('with the defaults a fresh breaker opens after 5 failures in a row, far under minCalls', () => {
  // Regression: a pool that failed the 16 tasks it ran and got no more stayed closed (16 < minCalls 20).
  const moves: string[] = [];
  const b = new Breaker(DEFAULT_BREAKER, (_f, t, why) => moves.push(`${t}: ${why}`));
  for (let i = 0; i < 4; i++) b.record(false, 0);
  assert.equal(b.state, 'closed');
  b.record(false, 0);
  assert.equal(b.state, 'open');
  assert.deepEqual(moves, ['open: 5 tasks in a row failed']);
  assert.equal(b.health(1, 0), 'down');
});

test('health: a pool whose every outcome in the window failed is degraded, however few they are', () => {
  const b = new Breaker(DEFAULT_BREAKER);
  b.record(false, 0);
  b.record(false, 0);
  assert.equal(b.state, 'closed');
  assert.equal(b.health(0, 0), 'degraded', 'it failed all it ran');
  b.record(true, 0);
  assert.equal(b.health(0, 0), 'healthy', '2 of 3 failed, but 3 outcomes are under minCalls / 2');
  assert.equal(b.health(5000, 0), 'healthy', 'aged out');
});

test('old outcomes age out of the window; outcomes of tasks sent before it opened are ignored', () => {
  const b = new Breaker(cfg({ minCalls: 4, windowMs: 1000 }));
  for (let i = 0; i < 3; i++) b.record(false, 0);
  for (let i = 0; i < 4; i++) b.record(true, 1500); // the failures are more than a window old
  b.record(false, 1500);
  assert.equal(b.state, 'closed', `rate ${b.failureRate(1500)}`);
  assert.equal(b.failureRate(1500), 0.2);
  assert.equal(b.failureRate(1500 + 1000 + 1000 / WINDOW_BUCKETS), 0, 'all aged out');
  const o = new Breaker(cfg({ minCalls: 1 }));
  o.record(false, 0);
  o.record(true, 1);
  assert.equal(o.state, 'open');
});

test('health: degraded with a stuck worker, or failures at 10% of a trusted window', () => {
  const b = new Breaker(cfg({ minCalls: 20 }));
  assert.equal(b.health(0, 1), 'degraded');
  for (let i = 0; i < 9; i++) b.record(true, 0);
  b.record(false, 0);
  assert.equal(b.health(0, 0), 'degraded', '1 of 10 failed, 10 >= minCalls/2');
  for (let i = 0; i < 10; i++) b.record(true, 0);
  assert.equal(b.health(0, 0), 'healthy', '1 of 20 failed: 5% < 10%');
});

test('property: the breaker opens exactly when the window holds >= minCalls outcomes with failures >= errorRate, or consecutiveFailures fail in a row', () => {
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      (outcomes, minCalls, consecutiveFailures, errorRate) => {
        const b = new Breaker(cfg({ minCalls, consecutiveFailures, errorRate }));
        let calls = 0;
        let fails = 0;
        let streak = 0;
        for (const ok of outcomes) {
          b.record(ok, 10); // one instant: nothing ages out
          calls++;
          if (!ok) fails++;
          streak = ok ? 0 : streak + 1;
          const should = streak >= consecutiveFailures || (calls >= minCalls && fails / calls >= errorRate);
          assert.equal(b.state === 'open', should, `calls ${calls} fails ${fails}`);
          if (should) return;
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a probe whose task was cancelled is given back, so the half-open breaker can still close', () => {
  const b = new Breaker(cfg({ consecutiveFailures: 1, openMs: 10, probes: 2 }));
  b.record(false, 0);
  assert.equal(b.allows(10), true);
  b.dispatched();
  b.dispatched();
  assert.equal(b.allows(10), false);
  b.abandon(); // aborted while it ran: no outcome will come
  assert.equal(b.allows(11), true);
  b.dispatched();
  b.record(true, 12);
  b.record(true, 13);
  assert.equal(b.state, 'closed');
  b.abandon(); // closed: nothing to give back
  assert.equal(b.state, 'closed');
});

test('quarantine: a kind that panics in a row is cut off the pool, other kinds are not, and probes bring it back', () => {
  const moves: string[] = [];
  let wall = 1_000_000;
  const q = new Quarantine(
    cfg({ openMs: 100, probes: 2 }),
    (kind, from, to, why) => moves.push(`${kind} ${from}->${to}: ${why}`),
    () => wall,
  );
  for (let i = 0; i < 100; i++) q.record('sha256', false, 0);
  assert.equal(q.size, 0, 'a kind that never panicked has no breaker');
  for (let i = 0; i < 4; i++) q.record('panic', true, 0);
  assert.equal(q.admits('panic', 0), true);
  q.record('panic', true, 1);
  assert.equal(q.admits('panic', 1), false);
  assert.equal(q.admits('sha256', 1), true);
  assert.equal(q.cutOff('panic', 1), 'panic quarantined: 5 tasks in a row panicked');
  assert.equal(q.cutOff('sha256', 1), undefined);
  assert.deepEqual(q.list(), [{ kind: 'panic', state: 'open', since: 1_000_000, reason: '5 tasks in a row panicked' }]);
  wall += 100;
  // openMs passed: half-open, probing; not cut off (tasks may wait for the probes).
  assert.equal(q.admits('panic', 101), true);
  assert.equal(q.cutOff('panic', 101), undefined);
  q.dispatched('panic');
  q.dispatched('panic');
  assert.equal(q.admits('panic', 101), false, 'both probes are out');
  assert.equal(q.cutOff('panic', 101), undefined);
  q.record('panic', true, 102);
  assert.deepEqual(q.list(), [{ kind: 'panic', state: 'open', since: 1_000_000, reason: 'a probe panicked' }], 'cut off since it first opened');
  q.admits('panic', 202);
  q.dispatched('panic');
  q.dispatched('panic');
  q.abandon('panic'); // its task was cancelled
  q.dispatched('panic');
  q.record('panic', false, 203);
  q.record('panic', false, 204);
  assert.deepEqual(q.list(), []);
  assert.equal(q.admits('panic', 205), true);
  assert.deepEqual(moves, [
    'panic closed->open: 5 tasks in a row panicked',
    'panic open->half-open: 100 ms passed; probing',
    'panic half-open->open: a probe panicked',
    'panic open->half-open: 100 ms passed; probing',
    'panic half-open->closed: 2 probes succeeded',
  ]);
  const off = new Quarantine(null);
  for (let i = 0; i < 100; i++) off.record('panic', true, 0);
  assert.equal(off.admits('panic', 0), true);
  assert.equal(off.size, 0, 'disabled: never quarantines');
});

test('backoff: full jitter under min(maxMs, baseMs * 2^(n-2))', () => {
  const c = { maxAttempts: 5, baseMs: 10, maxMs: 35 };
  assert.equal(backoffMs(2, c, () => 0.999999) < 10, true);
  assert.ok(Math.abs(backoffMs(3, c, () => 1) - 20) < 1e-9);
  assert.ok(Math.abs(backoffMs(5, c, () => 1) - 35) < 1e-9, 'capped');
  assert.equal(
    backoffMs(4, c, () => 0),
    0,
  );
});

test('stuck watch: a cancelled task not back after the grace marks its worker stuck until it returns', () => {
  let now = 0;
  const changes: number[] = [];
  const pool = { name: 'p' };
  const w = new StuckWatch<typeof pool, { pool: typeof pool }>(
    100,
    (p) => changes.push(w.stuckOn(p)),
    () => now,
  );
  const a = { pool };
  const b = { pool };
  w.cancelled(a, 0);
  w.cancelled(b, 50);
  now = 99;
  w.check();
  assert.equal(w.stuckOn(pool), 0);
  now = 120;
  w.check();
  assert.equal(w.stuckOn(pool), 1, 'a is past the grace, b is not');
  w.returned(b); // back in time: never stuck
  now = 500;
  w.check();
  assert.equal(w.stuckOn(pool), 1);
  w.returned(a);
  assert.equal(w.stuckOn(pool), 0);
  assert.deepEqual(changes, [1, 0]);
  w.close();
});

test('liveness: tasks running and no native completion for the grace period is a stall; progress or idleness ends it', () => {
  const l = new Liveness(100);
  assert.equal(l.observe(0, 1, 5), false);
  assert.equal(l.observe(99, 1, 5), false);
  assert.equal(l.observe(100, 1, 5), true, 'stalled changed');
  assert.equal(l.stalled, true);
  assert.equal(l.observe(150, 1, 6), true, 'a completion: progress');
  assert.equal(l.stalled, false);
  assert.equal(l.observe(400, 0, 6), false, 'nothing running: never stalled');
  assert.equal(l.observe(450, 1, 6), false, 'the clock restarts when work starts');
  assert.equal(l.observe(550, 1, 6), true);
  assert.equal(l.progressed(560), true, 'a completion seen directly');
  assert.equal(l.stalled, false);
});

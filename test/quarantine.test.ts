// Task-level faults are isolated per kind × pool (docs/RESILIENCE.md,
// Quarantine): one tenant's panicking tasks cut that kind off a pool for a
// while, never the pool from everyone. Refusals of tasks no pool can take
// come back after the event loop turned, so a caller that resubmits at once
// cannot spin it. On the real native pools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOTH, expectCode, withScheduler } from './helpers.js';
import type { TaskResult } from '../src/types.js';

type Outcome = TaskResult | { code: string; message: string };
const settle = (p: Promise<TaskResult>): Promise<Outcome> => p.catch((e: { code: string; message: string }) => e);

test("one tenant's panicking tasks do not take the pools from another tenant", async () => {
  // Regression: tenant A kept 64 `panic` tasks outstanding beside tenant B's
  // 64 lanes of sha256; the panics opened both pool breakers and B got
  // E_POOL_UNAVAILABLE by the hundred thousand.
  await withScheduler(BOTH, async (s) => {
    let stop = false;
    const aCodes = new Map<string, number>();
    const laneA = async (): Promise<void> => {
      while (!stop) {
        const r = await settle(s.submit({ kind: 'panic', input: 'bad input of A', tenant: 'A' }));
        const code = 'code' in r ? r.code : 'ok';
        aCodes.set(code, (aCodes.get(code) ?? 0) + 1);
      }
    };
    const bOut: Outcome[] = [];
    const laneB = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) bOut.push(await settle(s.submit({ kind: 'sha256', input: `b${i}`, tenant: 'B' })));
    };
    const as = Array.from({ length: 64 }, laneA);
    await Promise.all(Array.from({ length: 64 }, () => laneB(500)));
    stop = true;
    await Promise.all(as);
    assert.equal(bOut.length, 64 * 500);
    const bFailed = bOut.filter((r) => 'code' in r);
    assert.deepEqual(bFailed.slice(0, 3), [], `${bFailed.length} of B's tasks failed`);
    assert.ok((aCodes.get('E_TASK_PANIC') ?? 0) > 0, `A's outcomes: ${JSON.stringify([...aCodes])}`);
    for (const code of aCodes.keys()) assert.ok(code === 'E_TASK_PANIC' || code === 'E_POOL_UNAVAILABLE', `A's outcomes: ${JSON.stringify([...aCodes])}`);
    const pools = s.stats().pools;
    for (const [name, p] of Object.entries(pools)) {
      assert.deepEqual([name, p.breaker, p.breakerOpened], [name, 'closed', 0], 'panics are not the runtime failing');
    }
    const cut = Object.entries(pools).flatMap(([name, p]) => p.quarantined.map((q) => `${q.kind}@${name}`));
    assert.ok(cut.length > 0 && cut.every((c) => c.startsWith('panic@')), `quarantined: ${cut.join(' ')}`);
  });
});

test('a kind quarantined on one pool goes to another, the pool keeps serving other kinds, and a task only that pool could run is refused naming the kind', async () => {
  await withScheduler({ ...BOTH, quarantine: { openMs: 60_000 } }, async (s) => {
    const events: string[] = [];
    s.on('quarantine', (e: { pool: string; kind: string; from: string; to: string; reason: string }) =>
      events.push(`${e.pool} ${e.kind} ${e.from}->${e.to}: ${e.reason}`),
    );
    // One batch of 10 (under the pool's first credit): all run and panic; the 5th opens the quarantine.
    const first = await s.submitMany(Array.from({ length: 10 }, (_, i) => ({ kind: 'panic', input: `boom ${i}`, pool: 'rust' })));
    assert.deepEqual(
      first.map((r) => (r as { code?: string }).code),
      Array.from({ length: 10 }, () => 'E_TASK_PANIC'),
    );
    assert.deepEqual(events, ['rust panic closed->open: 5 tasks in a row panicked']);
    const rust = s.stats().pools.rust!;
    assert.deepEqual([rust.breaker, rust.health, rust.failed], ['closed', 'healthy', 10], 'the runtime contained every panic');
    assert.equal(rust.quarantined.length, 1);
    const q = rust.quarantined[0]!;
    assert.deepEqual([q.kind, q.state, q.reason], ['panic', 'open', '5 tasks in a row panicked']);
    assert.ok(Math.abs(q.since - Date.now()) < 60_000, `since ${q.since}`);
    assert.deepEqual(s.stats().pools.go!.quarantined, []);
    // Other kinds keep the pool.
    assert.equal(Buffer.from((await s.submit({ kind: 'echo', input: 'still', pool: 'rust' })).output).toString(), 'still');
    // The kind keeps the other pool: an unpinned one runs (and panics) on go.
    const moved = (await settle(s.submit({ kind: 'panic', input: 'elsewhere' }))) as { code: string; pool?: string };
    assert.deepEqual([moved.code, moved.pool], ['E_TASK_PANIC', 'go']);
    // Pinned to rust, it is refused, naming the kind and the reason.
    await expectCode(
      s.submit({ kind: 'panic', input: 'x', pool: 'rust' }),
      'E_POOL_UNAVAILABLE',
      /no pool can run panic now: rust \(panic quarantined: 5 tasks in a row panicked\)/,
    );
    const text = await s.metrics();
    assert.match(text, /^crossfair_pool_kind_quarantined\{pool="rust",runtime="rust",kind="panic"\} 1$/m);
    assert.match(text, /^crossfair_pool_kind_quarantines_total\{pool="rust",runtime="rust",kind="panic"\} 1$/m);
    assert.match(text, /^crossfair_pool_kind_quarantined\{pool="go",runtime="go",kind="panic"\} 0$/m, 'go has a breaker for the kind (one panic), closed');
  });
});

test('a task no pool can take is refused after the event loop turned, so resubmitting at once does not spin it', async () => {
  await withScheduler({ ...BOTH, breaker: { minCalls: 5, openMs: 60_000 } }, async (s) => {
    s.inject('go', { errorRate: 1 });
    await s.submitMany(Array.from({ length: 5 }, () => ({ kind: 'echo', input: 'x', pool: 'go' })));
    s.inject('go', null);
    assert.equal(s.stats().pools.go!.breaker, 'open');
    for (let i = 0; i < 20; i++) {
      let turned = false;
      setImmediate(() => (turned = true));
      await expectCode(s.submit({ kind: 'echo', input: 'y', pool: 'go' }), 'E_POOL_UNAVAILABLE', /go \(breaker open\)/);
      assert.ok(turned, `refusal ${i} came back within the microtasks of its submit`);
    }
    const t = s.stats().totals;
    assert.deepEqual([t.failed, t.queued, t.inFlight], [25, 0, 0]);
  });
});

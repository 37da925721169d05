// The fair queue, driven by the deterministic simulator (injected clock):
// weighted shares of execution time within the stated bound, tenants within
// a class, work conservation, no starvation, estimate-then-correct.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FairQueue } from '../src/queue/fair-queue.js';
import { jain, rng, simulate, type SimPool, type SimTask } from './sim.js';

let seq = 0;
const task = (className: string, costUs: number, estimateUs = costUs, tenant?: string, laneKey?: string): SimTask => ({
  className,
  tenant,
  enqueuedAt: 0,
  queued: true,
  costUs,
  estimateUs,
  laneKey,
  seq: seq++,
});

/** Keeps every class backlogged with `depth` tasks of costs from `cost()`. */
function backlogged(names: string[], depth: number, cost: () => number, estimate: (c: number) => number = (c) => c) {
  return (_now: number, queued: (c: string) => number): SimTask[] => {
    const out: SimTask[] = [];
    for (const n of names)
      for (let k = queued(n); k < depth; k++) {
        const c = cost();
        out.push(task(n, c, estimate(c)));
      }
    return out;
  };
}

const TWO_POOLS: SimPool[] = [
  { speed: 1, workers: 1, maxInFlight: 4 },
  { speed: 1, workers: 1, maxInFlight: 4 },
];

test('weights 1:2:4, all backlogged with mixed 50-500 us tasks: shares match entitlement', () => {
  const r = rng(7);
  const res = simulate(
    [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 2 },
      { name: 'c', weight: 4 },
    ],
    TWO_POOLS,
    2000,
    backlogged(['a', 'b', 'c'], 50, () => 50 + Math.floor(r() * 451)),
  );
  const total = res.served.a! + res.served.b! + res.served.c!;
  const share = { a: res.served.a! / total, b: res.served.b! / total, c: res.served.c! / total };
  assert.ok(Math.abs(share.a - 1 / 7) < 0.01, JSON.stringify(share));
  assert.ok(Math.abs(share.b - 2 / 7) < 0.01, JSON.stringify(share));
  assert.ok(Math.abs(share.c - 4 / 7) < 0.01, JSON.stringify(share));
  assert.ok(jain([res.served.a! / 1, res.served.b! / 2, res.served.c! / 4]) > 0.999);
  assert.equal(res.idleWithBacklog, 0);
});

test('shares are counted in execution time, not tasks', () => {
  // Class a sends 10x more expensive tasks; equal weights must give equal time, not equal counts.
  const res = simulate(
    [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
    ],
    TWO_POOLS,
    1000,
    (_n, queued) => {
      const out: SimTask[] = [];
      for (let k = queued('a'); k < 20; k++) out.push(task('a', 1000));
      for (let k = queued('b'); k < 20; k++) out.push(task('b', 100));
      return out;
    },
  );
  const ratio = res.served.a! / res.served.b!;
  assert.ok(ratio > 0.95 && ratio < 1.05, `a/b served ${ratio}`);
});

test('estimate-then-correct: estimates 10x too low for one class are corrected', () => {
  const res = simulate(
    [
      { name: 'liar', weight: 1 },
      { name: 'honest', weight: 1 },
    ],
    TWO_POOLS,
    1000,
    (_n, queued) => {
      const out: SimTask[] = [];
      for (let k = queued('liar'); k < 20; k++) out.push(task('liar', 500, 50));
      for (let k = queued('honest'); k < 20; k++) out.push(task('honest', 500, 500));
      return out;
    },
  );
  const ratio = res.served.liar! / res.served.honest!;
  assert.ok(ratio > 0.9 && ratio < 1.1, `liar/honest served ${ratio}`);
});

test('an idle class does not bank credit; its share flows to the others', () => {
  let phase2 = false;
  const res = simulate(
    [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
    ],
    TWO_POOLS,
    2000,
    (now, queued) => {
      phase2 = now >= 1000;
      const out: SimTask[] = [];
      for (let k = queued('a'); k < 20; k++) out.push(task('a', 200));
      if (phase2) for (let k = queued('b'); k < 20; k++) out.push(task('b', 200));
      return out;
    },
  );
  // a ran alone for 1 s (work-conserving: ~2 s of pool time), then both shared equally.
  assert.ok(res.served.a! > 2.5 * res.served.b!, JSON.stringify(res.served));
  assert.equal(res.idleWithBacklog, 0);
});

test('tenant shares within a class follow served time (unit FairQueue)', () => {
  let now = 0;
  const q = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => now);
  for (let i = 0; i < 300; i++) q.push(task('c', 100, 100, 'big'));
  for (let i = 0; i < 30; i++) q.push(task('c', 100, 100, 'small'));
  const order: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = q.peek()!;
    order.push(t.tenant!);
    q.shift(100);
    t.queued = false;
    now += 1;
  }
  const small = order.filter((x) => x === 'small').length;
  assert.ok(small >= 19 && small <= 21, `small got ${small} of 40`);
});

test('maxWaitMs bounds the wait of a light class under a heavy flood', () => {
  // "rare" keeps 2 tasks waiting (a light class); "flood" 200, at 1000x the weight.
  const res = simulate(
    [
      { name: 'flood', weight: 1000 },
      { name: 'rare', weight: 1, maxWaitMs: 20 },
    ],
    TWO_POOLS,
    3000,
    (_n, queued) => {
      const out: SimTask[] = [];
      for (let k = queued('flood'); k < 200; k++) out.push(task('flood', 300));
      for (let k = queued('rare'); k < 2; k++) out.push(task('rare', 300));
      return out;
    },
  );
  // Waits at most maxWaitMs, plus the time for a credit to free up (in-flight work ahead of it).
  const slack = (4 * 300) / 1000;
  assert.ok(res.maxWaitMs.rare! <= 20 + slack, `rare waited ${res.maxWaitMs.rare} ms`);
  assert.ok(res.served.rare! > 0);
});

test('weight 0 is served only when nobody else waits', () => {
  let now = 0;
  const q = new FairQueue<SimTask>(
    [
      { name: 'scav', weight: 0 },
      { name: 'w', weight: 1 },
    ],
    () => now,
  );
  q.push(task('scav', 100));
  q.push(task('w', 100));
  assert.equal(q.peek()!.className, 'w');
  const t = q.shift(100)!;
  t.queued = false;
  assert.equal(q.peek()!.className, 'scav');
});

test('cancelled tasks are skipped and live stays exact', () => {
  let now = 0;
  const q = new FairQueue<SimTask>(
    [
      { name: 'a', weight: 1 },
      { name: 'b', weight: 1 },
    ],
    () => now,
  );
  const xs = [task('a', 1), task('a', 1), task('b', 1)];
  xs.forEach((t) => q.push(t));
  xs[0]!.queued = false;
  q.cancelled(xs[0]!);
  assert.equal(q.live, 2);
  const seen = [q.shift(1)!, q.shift(1)!];
  seen.forEach((t) => (t.queued = false));
  assert.deepEqual(seen.map((t) => t === xs[0]).filter(Boolean), []);
  assert.equal(q.live, 0);
  assert.equal(q.peek(), undefined);
});

test('property: backlogged classes keep |S_i/w_i - S_j/w_j| within the stated bound', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 5 }),
      fc.integer({ min: 1, max: 1 << 30 }),
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(1, 0.5, 2),
      (weights, seed, credit, estimateFactor) => {
        const r = rng(seed);
        const names = weights.map((_, i) => `c${i}`);
        const pools: SimPool[] = [
          { speed: 1, workers: 1, maxInFlight: credit },
          { speed: 0.5, workers: 1, maxInFlight: credit },
        ];
        const res = simulate(
          names.map((name, i) => ({ name, weight: weights[i]! })),
          pools,
          300,
          backlogged(
            names,
            3 * credit + 2,
            () => 50 + Math.floor(r() * 451),
            (c) => c * estimateFactor,
          ),
        );
        // Largest charge: a 500 us task on the half-speed pool costs 1000 us, estimates up to 2x.
        const cmax = 1000 * Math.max(1, estimateFactor);
        const inflight = 2 * credit;
        for (let i = 0; i < names.length; i++) {
          for (let j = i + 1; j < names.length; j++) {
            const gap = Math.abs(res.served[names[i]!]! / weights[i]! - res.served[names[j]!]! / weights[j]!);
            const bound = (1 + inflight) * cmax * (1 / weights[i]! + 1 / weights[j]!);
            assert.ok(gap <= bound, `gap ${gap} > bound ${bound} (w ${weights}, credit ${credit})`);
          }
        }
        assert.equal(res.idleWithBacklog, 0, 'work conservation');
      },
    ),
    { numRuns: 60 },
  );
});

test('property: no class with weight > 0 starves while others flood', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: 1, max: 1 << 30 }), (weights, seed) => {
      const r = rng(seed);
      const names = weights.map((_, i) => `c${i}`);
      // Every class backlogged, with a queue it could drain in well under maxWaitMs
      // if it had the pools to itself: the bound is about sharing, not overload.
      const res = simulate(
        names.map((name, i) => ({ name, weight: weights[i]!, maxWaitMs: 50 })),
        TWO_POOLS,
        400,
        backlogged(names, 6, () => 50 + Math.floor(r() * 451)),
      );
      for (const n of names) {
        assert.ok(res.served[n]! > 0, `${n} starved`);
        assert.ok(res.maxWaitMs[n]! <= 50 + (8 * 500) / 1000, `${n} waited ${res.maxWaitMs[n]} ms`);
      }
    }),
    { numRuns: 40 },
  );
});

test('work conservation: a head no pool can take does not hold back the tasks behind it', () => {
  let now = 0;
  const q = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => now);
  const cpu = [task('c', 200, 200, undefined, 'spin'), task('c', 200, 200, undefined, 'spin')];
  const io = [task('c', 5000, 5000, undefined, 'sleep'), task('c', 5000, 5000, undefined, 'sleep')];
  [cpu[0]!, io[0]!, cpu[1]!, io[1]!].forEach((t) => q.push(t));
  const canTake = (t: SimTask): boolean => t.costUs === 5000; // the CPU pool is full, the waiting one is not
  const taken: SimTask[] = [];
  for (let t = q.peek(canTake); t !== undefined && canTake(t); t = q.peek(canTake)) {
    assert.equal(q.shift(t.costUs), t);
    t.queued = false;
    taken.push(t);
  }
  assert.deepEqual(taken, io, 'both waits passed the blocked CPU tasks');
  assert.equal(q.live, 2);
  // The passed-over tasks keep their order and are each served exactly once.
  const rest = [q.shift(200)!, q.shift(200)!];
  rest.forEach((t) => (t.queued = false));
  assert.deepEqual(rest, cpu);
  assert.equal(q.peek(), undefined);
  assert.equal(q.live, 0);
});

test('a waiting task is found behind any depth of blocked ones, and lanes keep arrival order when all can go', () => {
  const q = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => 0);
  const cpu = Array.from({ length: 500 }, () => task('c', 200, 200, undefined, 'spin'));
  const io = task('c', 5000, 5000, undefined, 'sleep');
  cpu.forEach((t) => q.push(t));
  q.push(io);
  assert.equal(
    q.peek((t) => t.costUs === 5000),
    io,
  );
  // Interleaved lanes, all takeable: served strictly in arrival order.
  const q2 = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => 0);
  const mixed = Array.from({ length: 50 }, (_, i) => task('c', 100, 100, undefined, ['a', 'b', 'c'][i % 3]));
  mixed.forEach((t) => q2.push(t));
  const order: SimTask[] = [];
  for (let t = q2.peek(() => true); t !== undefined; t = q2.peek(() => true)) {
    q2.shift(100);
    t.queued = false;
    order.push(t);
  }
  assert.deepEqual(order, mixed);
});

test('property: passing over blocked heads never serves a task twice or loses one (aging on)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 1, max: 1 << 30 }),
      (ops, seed) => {
        let now = 0;
        const r = rng(seed);
        const q = new FairQueue<SimTask>(
          [
            { name: 'a', weight: 1, maxWaitMs: 5 },
            { name: 'b', weight: 3 },
          ],
          () => now,
        );
        const all: SimTask[] = [];
        const served = new Set<SimTask>();
        for (const [n, blocked, tenant] of ops) {
          for (let k = 0; k < n; k++) {
            const t = task(r() < 0.5 ? 'a' : 'b', blocked ? 999 : 100, 100, `t${tenant}`, blocked ? 'blocked' : 'free');
            all.push(t);
            q.push(t);
          }
          now += 1;
          const canTake = (t: SimTask): boolean => t.costUs !== 999 || r() < 0.2;
          const t = q.peek(canTake);
          if (t !== undefined && canTake(t)) {
            assert.equal(q.shift(t.estimateUs), t);
            assert.ok(!served.has(t), 'served twice');
            t.queued = false;
            served.add(t);
          }
        }
        for (let t = q.peek(); t !== undefined; t = q.peek()) {
          assert.equal(q.shift(t.estimateUs), t);
          assert.ok(!served.has(t), 'served twice');
          t.queued = false;
          served.add(t);
        }
        assert.equal(served.size, all.length, 'every task served once');
        assert.equal(q.live, 0);
      },
    ),
    { numRuns: 150 },
  );
});

test('regression: a class whose every task no pool can take (pinned to a full pool) does not stop another class that some pool can take', () => {
  const q = new FairQueue<SimTask>(
    [
      { name: 'p', weight: 3 },
      { name: 'u', weight: 1 },
    ],
    () => 0,
  );
  const pinned = Array.from({ length: 50 }, () => task('p', 100, 100, undefined, 'spin|go'));
  const free = Array.from({ length: 5 }, () => task('u', 100, 100, undefined, 'spin'));
  pinned.forEach((t) => q.push(t));
  free.forEach((t) => q.push(t));
  const canTake = (t: SimTask): boolean => t.laneKey !== 'spin|go'; // go is full
  const taken: SimTask[] = [];
  for (let t = q.peek(canTake); t !== undefined && canTake(t); t = q.peek(canTake)) {
    assert.equal(q.shift(100), t);
    t.queued = false;
    taken.push(t);
  }
  assert.deepEqual(taken, free, "u's tasks all went while p's pool stayed full");
  assert.equal(q.live, 50);
});

test("regression: within a class, a tenant whose tasks no pool can take does not stop the class's other tenants", () => {
  const q = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => 0);
  const blocked = Array.from({ length: 20 }, () => task('c', 100, 100, 'pinned', 'spin|go'));
  const free = Array.from({ length: 3 }, () => task('c', 100, 100, 'other', 'spin'));
  blocked.forEach((t) => q.push(t));
  free.forEach((t) => q.push(t));
  const canTake = (t: SimTask): boolean => t.laneKey !== 'spin|go';
  for (const want of free) {
    const t = q.peek(canTake);
    assert.equal(t, want);
    assert.equal(q.shift(100), want);
    want.queued = false;
  }
  assert.equal(q.peek(canTake), undefined, 'only tasks no pool can take are left');
  assert.equal(q.peek(), blocked[0]);
});

test('regression: an overdue task jumps the queue only where a pool can take it; other classes go meanwhile', () => {
  let now = 0;
  const q = new FairQueue<SimTask>(
    [
      { name: 'p', weight: 3, maxWaitMs: 50 },
      { name: 'u', weight: 1 },
    ],
    () => now,
  );
  const pinned = Array.from({ length: 40 }, () => task('p', 100, 100, undefined, 'spin|go'));
  pinned.forEach((t) => q.push(t));
  const freeP = task('p', 100, 100, undefined, 'spin'); // p's own task that any pool can run
  q.push(freeP);
  const free = Array.from({ length: 5 }, () => task('u', 100, 100, undefined, 'spin'));
  free.forEach((t) => q.push(t));
  now = 100; // every p task is overdue
  const canTake = (t: SimTask): boolean => t.laneKey !== 'spin|go';
  const first = q.peek(canTake)!;
  assert.equal(first, freeP, 'the oldest overdue task a pool can take goes first');
  assert.equal(q.shift(100), freeP);
  freeP.queued = false;
  const taken: SimTask[] = [];
  for (let t = q.peek(canTake); t !== undefined && canTake(t); t = q.peek(canTake)) {
    assert.equal(q.shift(100), t);
    t.queued = false;
    taken.push(t);
  }
  assert.deepEqual(taken, free);
  // The pinned pool frees up: the overdue pinned tasks go, oldest first.
  const t = q.peek(() => true);
  assert.equal(t, pinned[0]);
});

test('regression: drain() hands back every queued task once, in arrival order, with overdue tasks present', () => {
  let now = 0;
  const q = new FairQueue<SimTask>(
    [
      { name: 'a', weight: 1000 },
      { name: 'b', weight: 1, maxWaitMs: 5 },
    ],
    () => now,
  );
  const all = Array.from({ length: 30 }, (_, i) => task(i % 3 ? 'a' : 'b', 100, 100, `t${i % 4}`, i % 2 ? 'x' : 'y'));
  all.forEach((t) => q.push(t));
  // Serve a few (one of them aged), cancel one in place.
  now = 10;
  for (let k = 0; k < 4; k++) {
    const t = q.peek()!;
    q.shift(100);
    t.queued = false;
  }
  const gone = all.find((t) => t.queued)!;
  gone.queued = false;
  q.cancelled(gone);
  const left = all.filter((t) => t.queued);
  assert.deepEqual(q.drain(), left);
  assert.equal(q.live, 0);
  assert.equal(q.peek(), undefined);
});

/** gc(), exposed for this test file only (heap figures after collection). */
function collect(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

test('regression: tenants that went idle are dropped (one-shot tenants do not stay in memory)', () => {
  const gc = collect();
  const q = new FairQueue<SimTask>([{ name: 'c', weight: 1 }], () => 0);
  const serveAll = (): void => {
    for (let t = q.peek(); t !== undefined; t = q.peek()) {
      q.shift(100);
      t.queued = false;
      q.correct(t, 100, 100);
    }
  };
  gc();
  const before = process.memoryUsage().heapUsed;
  // A burst of 20k tenants with one task each, all served.
  for (let i = 0; i < 20_000; i++) q.push(task('c', 100, 100, `tenant-${i}`));
  serveAll();
  gc();
  const grownMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  assert.equal(q.tenantCount(), 0, 'an idle class holds no tenant');
  assert.ok(grownMiB < 8, `heap grew ${grownMiB.toFixed(1)} MiB after 20k one-shot tenants were served`);
  // One tenant stays backlogged while 100k others come and go once each:
  // those that went idle do not pile up.
  const steady = (): SimTask => task('c', 100, 100, 'steady');
  for (let i = 0; i < 4; i++) q.push(steady());
  for (let i = 0; i < 100_000; i++) {
    q.push(task('c', 100, 100, `tenant-${i}`));
    q.push(steady());
    for (let k = 0; k < 2; k++) {
      const t = q.peek()!;
      q.shift(100);
      t.queued = false;
      q.correct(t, 100, 100);
    }
  }
  assert.ok(q.tenantCount() <= 8, `${q.tenantCount()} tenants held`);
  serveAll();
  assert.equal(q.tenantCount(), 0);
});

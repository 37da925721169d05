// Model-based test of the policy queues on the simulator's clock: random
// pushes, dispatches with random pools full (lane keys blocked), in-place
// cancellations, cost corrections, clock steps and policy switches (drain
// into a new queue), against a reference model that is a plain list of the
// queued tasks. Checked after every step: a dispatched task was queued and
// its lane could go; nothing goes while a takeable task waits undispatched
// (work conservation); an overdue takeable task goes before any other; no
// task is served twice; live counts match; drain hands back exactly the
// queued tasks in arrival order. At the end every task was served,
// cancelled or is still queued, exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FairQueue, type FairClass } from '../src/queue/fair-queue.js';
import { FifoQueue, type PolicyQueue } from '../src/queue/policy-queue.js';
import { SplitQueue } from '../src/queue/rollout.js';

interface Item {
  className: string;
  tenant: string | undefined;
  enqueuedAt: number;
  queued: boolean;
  laneKey: string;
  seq: number;
  canary: boolean;
  estimateUs: number;
}

const CLASSES: FairClass[] = [
  { name: 'a', weight: 1, maxWaitMs: 5 },
  { name: 'b', weight: 4, latencyBudgetMs: 10 },
  { name: 'c', weight: 0 },
  { name: 'd', weight: 2 },
];
const LANES = ['spin', 'spin|go', 'sleep', 'echo|rust'];

type Op =
  | { op: 'push'; cls: number; tenant: number; lane: number; canary: boolean; n: number }
  | { op: 'serve'; blocked: boolean[]; n: number }
  | { op: 'cancel'; pick: number }
  | { op: 'tick'; ms: number }
  | { op: 'switch'; to: 'fair' | 'fifo' | 'split' };

const ops = fc.array(
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('push' as const),
        cls: fc.nat(CLASSES.length - 1),
        tenant: fc.nat(6),
        lane: fc.nat(LANES.length - 1),
        canary: fc.boolean(),
        n: fc.integer({ min: 1, max: 4 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('serve' as const),
        blocked: fc.array(fc.boolean(), { minLength: LANES.length, maxLength: LANES.length }),
        n: fc.integer({ min: 1, max: 6 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat(1000) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('switch' as const), to: fc.constantFrom('fair' as const, 'fifo' as const, 'split' as const) }) },
  ),
  { minLength: 1, maxLength: 150, size: 'max' },
);

function run(list: Op[], start: 'fair' | 'fifo' | 'split'): number {
  let now = 0;
  let seq = 0;
  const clock = (): number => now;
  const make = (kind: 'fair' | 'fifo' | 'split'): { q: PolicyQueue<Item>; fair: boolean } => {
    if (kind === 'fair') return { q: new FairQueue<Item>(CLASSES, clock, 2), fair: true };
    if (kind === 'fifo') return { q: new FifoQueue<Item>(), fair: false };
    return { q: new SplitQueue<Item>(new FairQueue<Item>(CLASSES, clock, 2), new FifoQueue<Item>(), true, false), fair: true };
  };
  let { q, fair } = make(start);
  const queued: Item[] = [];
  const served = new Set<Item>();
  const all: Item[] = [];
  let steps = 0;
  for (const o of list) {
    steps++;
    if (o.op === 'push') {
      for (let k = 0; k < o.n; k++) {
        const t: Item = {
          className: CLASSES[o.cls]!.name,
          tenant: `t${o.tenant}`,
          enqueuedAt: now,
          queued: true,
          laneKey: LANES[o.lane]!,
          seq: seq++,
          canary: o.canary,
          estimateUs: 100,
        };
        all.push(t);
        queued.push(t);
        q.push(t);
      }
    } else if (o.op === 'serve') {
      const canTake = (t: Item): boolean => !o.blocked[LANES.indexOf(t.laneKey)];
      for (let k = 0; k < o.n; k++) {
        const t = fair ? q.peek(canTake) : q.peek();
        if (fair && t === undefined) {
          assert.ok(!queued.some(canTake), 'work conservation: a takeable task waits while nothing was offered');
          break;
        }
        if (t === undefined) {
          assert.equal(queued.length, 0, 'fifo offers its head while tasks wait');
          break;
        }
        assert.ok(queued.includes(t), 'offered a task that is not queued');
        if (!canTake(t)) break; // fifo: a head that cannot go waits
        if (fair && q instanceof FairQueue) {
          const overdue = queued.filter((x) => canTake(x) && x.className === 'a' && now - x.enqueuedAt > 5);
          if (overdue.length > 0) assert.ok(overdue.includes(t), 'an overdue takeable task goes first');
        }
        assert.equal(q.shift(t.estimateUs), t);
        assert.ok(!served.has(t), 'served twice');
        served.add(t);
        t.queued = false;
        queued.splice(queued.indexOf(t), 1);
        q.correct(t, t.estimateUs, 50 + (t.seq % 5) * 50);
      }
    } else if (o.op === 'cancel') {
      if (queued.length > 0) {
        const t = queued.splice(o.pick % queued.length, 1)[0]!;
        t.queued = false;
        q.cancelled(t);
      }
    } else if (o.op === 'tick') {
      now += o.ms;
    } else {
      const moving = q.drain();
      assert.deepEqual(
        moving,
        [...queued].sort((x, y) => x.seq - y.seq),
        'drain hands back exactly the queued tasks, in arrival order',
      );
      assert.equal(q.live, 0);
      ({ q, fair } = make(o.to));
      for (const t of moving) q.push(t);
    }
    assert.equal(q.live, queued.length, 'live counts the queued tasks');
  }
  const rest = q.drain();
  assert.equal(rest.length, queued.length);
  assert.equal(served.size + rest.length + all.filter((t) => !t.queued && !served.has(t)).length, all.length);
  return steps;
}

test('policy queues against a reference model: no task lost or served twice, work conserved, overdue first, drain exact', () => {
  let steps = 0;
  fc.assert(
    fc.property(ops, fc.constantFrom('fair' as const, 'fifo' as const, 'split' as const), (list, start) => {
      steps += run(list, start);
    }),
    { numRuns: Number(process.env.QUEUE_MODEL_RUNS ?? 400) },
  );
  assert.ok(steps > 1000, `${steps} steps`);
  if (process.env.QUEUE_MODEL_RUNS) console.log(`queue model: ${steps} steps`);
});

// Completions that do not check out (a slot not in flight, a sequence number
// native code changed, an output longer than its capacity) are a native bug,
// in crossfair's libraries or in a user's library implementing the C ABI.
// The ring counts them, and each pool's stats() reports the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NativeBackend } from '../src/native/backend.js';
import { RingTransport, type Completion } from '../src/transport/ring.js';
import { H, S, STATUS, completeRingWord, slotWord } from '../src/transport/layout.js';
import { ALL_PATHS, withScheduler } from './helpers.js';

/** A backend that runs nothing: the test writes the native side's completions itself. */
const idle: NativeBackend = {
  registerSegment: () => undefined,
  unregisterSegment: () => undefined,
  submit: (_start, count) => count,
  inject: () => undefined,
  setRef: () => undefined,
  stats: () => [0, 0, 0, 0, 1],
  close: () => 0,
};

test('regression: completions that do not check out are counted, and a bad one never settles a task', async () => {
  const settled: [string, Completion][] = [];
  const ring = new RingTransport<string>(8, 1 << 12, (owner, c) => settled.push([owner, c]));
  await ring.attach(idle);
  const a = ring.stage('a', { kindId: 1, input: 'abc', inLen: 3, outCap: 3 });
  const b = ring.stage('b', { kindId: 1, input: 'xyz', inLen: 3, outCap: 3 });
  ring.commit();
  const u32 = new Uint32Array(ring.control);
  const i32 = new Int32Array(ring.control);
  let tail = 0;
  const complete = (slot: number, status: number, outLen: number): void => {
    const w = slotWord(ring.slots, slot);
    i32[w + S.status] = status;
    u32[w + S.outLen] = outLen;
    u32[completeRingWord(ring.slots, tail)] = slot;
    tail++;
    Atomics.store(i32, H.compTail, tail);
  };
  const free = [0, 1, 2, 3, 4, 5, 6, 7].find((s) => s !== a && s !== b)!;
  complete(free, STATUS.OK, 0); // a slot not in flight: dropped
  assert.equal(ring.drain(), 1);
  complete(a, STATUS.OK, 4); // output over its capacity: fails the task
  assert.equal(ring.drain(), 1);
  complete(a, STATUS.OK, 3); // a second completion of a slot now free: dropped
  assert.equal(ring.drain(), 1);
  u32[slotWord(ring.slots, b) + S.seq]! ^= 1; // native wrote a field it must not
  complete(b, STATUS.OK, 3);
  assert.equal(ring.drain(), 1);
  assert.equal(ring.anomalies, 4);
  assert.deepEqual(
    settled.map(([o, c]) => [o, c.status]),
    [
      ['a', STATUS.BAD_DESCRIPTOR],
      ['b', STATUS.OK],
    ],
  );
});

test('each pool reports its anomalies in stats(): 0 on the real pools', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    await s.submit({ kind: 'echo', input: 'x', pool: 'rust' });
    for (const [name, p] of Object.entries(s.stats().pools)) assert.equal(p.anomalies, 0, name);
  });
});

// The scheduler's FIFO ring buffer: order, growth, lazy cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SMALL_CAPACITY, TaskQueue } from '../src/queue/task-queue.js';

class Item {
  queued = true;
  constructor(readonly id: number) {}
}

test('FIFO order across growth', () => {
  const q = new TaskQueue<Item>();
  for (let i = 0; i < 5000; i++) q.push(new Item(i));
  for (let i = 0; i < 5000; i++) assert.equal(q.shift()!.id, i);
  assert.equal(q.shift(), undefined);
  assert.equal(q.live, 0);
});

test('cancelled items are skipped and not counted', () => {
  const q = new TaskQueue<Item>();
  const items = [0, 1, 2, 3].map((i) => new Item(i));
  items.forEach((i) => q.push(i));
  items[0]!.queued = false;
  q.cancelled();
  items[2]!.queued = false;
  q.cancelled();
  assert.equal(q.live, 2);
  assert.equal(q.shift()!.id, 1);
  assert.equal(q.shift()!.id, 3);
  assert.equal(q.peek(), undefined);
});

test('a queue that starts small grows like a large one', () => {
  const q = new TaskQueue<Item>(SMALL_CAPACITY);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 100; i++) q.push(new Item(i));
    for (let i = 0; i < 100; i++) assert.equal(q.shift()!.id, i);
  }
  assert.equal(q.live, 0);
});

test('behaves like an array model under random operations (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant('push'), fc.constant('shift'), fc.constant('cancel')), { maxLength: 3000 }),
      fc.constantFrom(1, SMALL_CAPACITY, 1024),
      (ops, capacity) => {
        const q = new TaskQueue<Item>(capacity);
        const model: Item[] = [];
        let next = 0;
        for (const op of ops) {
          if (op === 'push') {
            const it = new Item(next++);
            q.push(it);
            model.push(it);
          } else if (op === 'shift') {
            const got = q.shift();
            const want = model.shift();
            assert.equal(got, want);
          } else if (op === 'cancel' && model.length > 0) {
            const it = model.splice(model.length >> 1, 1)[0]!;
            it.queued = false;
            q.cancelled();
          }
          assert.equal(q.live, model.length);
        }
      },
    ),
  );
});

// The payload arena's size classes, reuse and exhaustion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Arena, MAX_CLASS_BYTES, MIN_CLASS_BYTES } from '../src/transport/arena.js';

test('size classes are powers of two from 64 B to 64 KiB', () => {
  assert.equal(Arena.classOf(1), 0);
  assert.equal(Arena.classOf(64), 0);
  assert.equal(Arena.classOf(65), 1);
  assert.equal(Arena.classOf(128), 1);
  assert.equal(Arena.classOf(MAX_CLASS_BYTES), 10);
  assert.equal(Arena.classOf(MAX_CLASS_BYTES + 1), -1);
});

test('freed blocks are reused before the bump pointer moves', () => {
  const a = new Arena(1024);
  const x = a.alloc(0);
  const y = a.alloc(0);
  assert.deepEqual([x, y], [0, 64]);
  a.release(0, x);
  assert.equal(a.alloc(0), 0);
  assert.equal(a.carved, 128);
});

test('an exhausted arena says so with -1', () => {
  const a = new Arena(256);
  assert.equal(a.alloc(2), 0); // 256 B
  assert.equal(a.alloc(0), -1);
});

test('live blocks never overlap and stay inside the arena (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 70_000 }), fc.boolean()), { maxLength: 300 }), (ops) => {
      const cap = 1 << 20;
      const a = new Arena(cap);
      const live: { off: number; size: number; cls: number }[] = [];
      for (const [bytes, free] of ops) {
        if (free && live.length > 0) {
          const b = live.splice(bytes % live.length, 1)[0]!;
          a.release(b.cls, b.off);
          continue;
        }
        const cls = Arena.classOf(bytes);
        if (cls < 0) continue;
        const off = a.alloc(cls);
        if (off < 0) continue;
        const size = MIN_CLASS_BYTES << cls;
        assert.ok(size >= bytes && off + size <= cap);
        for (const b of live) assert.ok(off + size <= b.off || b.off + b.size <= off, 'overlap');
        live.push({ off, size, cls });
      }
    }),
  );
});

// The payload path under hostile use: inputs detached or resized after
// submit(), inputs that misreport their length, shared memory that cannot
// be allocated, and the memory large payloads hold. Cases that, handled
// wrongly, kill the process or exhaust memory run in a child process
// (fixtures/payload.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CrossfairError } from '../src/errors.js';
import { FULL, NO_MEMORY, SideSegments, memory, sideCapacity, type Side } from '../src/transport/side.js';
import { ALL_PATHS, root, withScheduler } from './helpers.js';
import { runChild, type Exit } from './child.js';

/** Upper bound on a child's life; a hang fails the test instead of the suite. */
const CHILD_DEADLINE_MS = 120_000;

function child(args: string[]): Promise<Exit> {
  return runChild([join(root, 'test', 'fixtures', 'payload.mjs'), ...args], { deadlineMs: CHILD_DEADLINE_MS });
}

interface Settled {
  ok: boolean;
  bytes?: string | number;
  code?: string;
  name?: string;
  message?: string;
}

function report<T>(r: Exit): T {
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, `child exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

const PATH_NAMES = ['rust', 'go', 'ffi'];

test('an input detached in the tick of submit() fails that task with E_BAD_INPUT; the others run and the process lives', async () => {
  const r = report<{ results: Record<string, Settled[]>; totals: { submitted: number; completed: number; failed: number; inFlight: number; queued: number } }>(
    await child(['detached']),
  );
  for (const pool of PATH_NAMES) {
    const [before, viaClone, viaPort, after, later] = r.results[pool]!;
    assert.deepEqual(before, { ok: true, bytes: 'before' }, pool);
    for (const d of [viaClone!, viaPort!]) {
      assert.equal(d.ok, false, pool);
      assert.equal(d.name, 'CrossfairError', pool);
      assert.equal(d.code, 'E_BAD_INPUT', pool);
      assert.match(d.message!, /detached/, pool);
    }
    assert.deepEqual(after, { ok: true, bytes: 'after' }, pool);
    assert.deepEqual(later, { ok: true, bytes: 'later' }, pool);
  }
  assert.equal(r.totals.submitted, 15);
  assert.equal(r.totals.completed, 9);
  assert.equal(r.totals.failed, 6);
  assert.equal(r.totals.inFlight + r.totals.queued, 0);
});

test('shared memory for a large payload that cannot be allocated fails that task with E_NO_MEMORY; the rest go on', async () => {
  const r = report<{ results: Record<string, Settled[]>; totals: { submitted: number; completed: number; failed: number } }>(await child(['nomem']));
  for (const pool of PATH_NAMES) {
    const [small, huge, side, after, retried] = r.results[pool]!;
    assert.deepEqual(small, { ok: true, bytes: 5 }, pool);
    assert.equal(huge!.ok, false, pool);
    assert.equal(huge!.name, 'CrossfairError', pool);
    assert.equal(huge!.code, 'E_NO_MEMORY', pool);
    assert.deepEqual(side, { ok: true, bytes: 32 }, pool);
    assert.deepEqual(after, { ok: true, bytes: 5 }, pool);
    assert.deepEqual(retried, { ok: true, bytes: 20 << 20 }, pool);
  }
  assert.equal(r.totals.submitted, 15);
  assert.equal(r.totals.completed, 12);
  assert.equal(r.totals.failed, 3);
});

// Resizable ArrayBuffer and growable SharedArrayBuffer (ES2024; Node 20 has
// them, this TypeScript lib does not describe them yet).
type Resizable = ArrayBuffer & { resize(n: number): void };
type Growable = SharedArrayBuffer & { grow(n: number): void };
const ResizableArrayBuffer = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Growable;

/** A length-tracking view over a resizable ArrayBuffer (growable SharedArrayBuffer when `shared`). */
function tracking(bytes: number, fill: number, shared: boolean): { view: Uint8Array; resize: (n: number) => void } {
  const opts = { maxByteLength: 1 << 16 };
  if (shared) {
    const sab = new GrowableSharedArrayBuffer(bytes, opts);
    const view = new Uint8Array(sab).fill(fill);
    return { view, resize: (n) => sab.grow(n) };
  }
  const ab = new ResizableArrayBuffer(bytes, opts);
  const view = new Uint8Array(ab).fill(fill);
  return { view, resize: (n) => ab.resize(n) };
}

test("inputs resized after submit() fail with E_BAD_INPUT and never run on another task's or stale arena bytes", async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    for (const pool of ['rust', 'go', 'goffi']) {
      // Blocks of the size classes used below, freed holding a secret: a
      // task that ran on stale arena bytes would echo it.
      await Promise.all(Array.from({ length: 64 }, (_, i) => s.submit({ kind: 'echo', input: Buffer.alloc(i % 2 === 0 ? 48 : 24, 'S'), pool })));
      const resized: { p: Promise<unknown>; what: string }[] = [];
      const intact: { p: Promise<{ output: Uint8Array }>; bytes: Buffer; what: string }[] = [];
      const resizes: (() => void)[] = [];
      for (let i = 0; i < 16; i++) {
        const fill = 0x61 + i; // 'a'..
        const grows = tracking(24, fill, i % 2 === 1);
        resized.push({ p: s.submit({ kind: 'echo', input: grows.view, pool }).catch((e: unknown) => e), what: `grown ${i}` });
        resizes.push(() => {
          grows.resize(4096);
          grows.view.fill(0x42); // 'B'
        });
        const victim = Buffer.alloc(40, 0x30 + (i % 10));
        intact.push({ p: s.submit({ kind: 'echo', input: victim, pool }), bytes: Buffer.from(victim), what: `victim ${i}` });
        const shrinks = tracking(48, fill, false);
        resized.push({ p: s.submit({ kind: 'echo', input: shrinks.view, pool }).catch((e: unknown) => e), what: `shrunk ${i}` });
        resizes.push(() => shrinks.resize(i % 2 === 0 ? 0 : 8));
        const ab = new ResizableArrayBuffer(48, { maxByteLength: 1 << 16 });
        const fixed = new Uint8Array(ab, 0, 48).fill(fill); // fixed-length view: out of bounds once the buffer shrinks
        resized.push({ p: s.submit({ kind: 'echo', input: fixed, pool }).catch((e: unknown) => e), what: `out of bounds ${i}` });
        resizes.push(() => ab.resize(16));
        // Resizable and growable buffers left alone run on their bytes.
        const kept = tracking(100, fill, i % 2 === 0);
        intact.push({ p: s.submit({ kind: 'echo', input: kept.view, pool }), bytes: Buffer.alloc(100, fill), what: `unresized ${i}` });
      }
      for (const r of resizes) r(); // same tick as submit(): before the flush stages anything
      for (const r of resized) {
        const e = await r.p;
        assert.ok(e instanceof CrossfairError && e.code === 'E_BAD_INPUT' && /changed length after submit/.test(e.message), `${pool}: ${r.what}: ${String(e)}`);
      }
      for (const w of intact) {
        const r = await w.p;
        assert.equal(Buffer.from(r.output).toString('latin1'), w.bytes.toString('latin1'), `${pool}: ${w.what}`);
      }
    }
  });
});

test('views over growable SharedArrayBuffers grown by another thread after submit() fail E_BAD_INPUT; nothing spills into other tasks', async () => {
  // Arena blocks are laid out so that the growing tasks' blocks sit just
  // below the victims': a copy of a grown view (1 MiB into a 256-byte
  // block) would overwrite the victims' inputs before native code reads them.
  const { Worker } = await import('node:worker_threads');
  await withScheduler(ALL_PATHS, async (s) => {
    for (const pool of ['rust', 'go', 'goffi']) {
      await Promise.all(Array.from({ length: 64 }, () => s.submit({ kind: 'echo', input: Buffer.alloc(100), pool }))); // 256-byte blocks, low
      await Promise.all(Array.from({ length: 64 }, () => s.submit({ kind: 'echo', input: Buffer.alloc(40), pool }))); // 128-byte blocks, above
      const sabs = Array.from({ length: 64 }, () => new GrowableSharedArrayBuffer(100, { maxByteLength: 1 << 20 }));
      const go = new Int32Array(new SharedArrayBuffer(8));
      const grower = new Worker(
        `const { workerData: { sabs, go } } = require('node:worker_threads');
         Atomics.wait(go, 0, 0);
         for (const b of sabs) { b.grow(1 << 20); new Uint8Array(b).fill(0x42, 100); }
         Atomics.store(go, 1, 1);
         Atomics.notify(go, 1);`,
        { eval: true, workerData: { sabs, go } },
      );
      const victims = Array.from({ length: 64 }, (_, i) => ({
        p: s.submit({ kind: 'echo', input: Buffer.alloc(40, 0x30 + (i % 10)), pool }),
        bytes: Buffer.alloc(40, 0x30 + (i % 10)),
      }));
      const growing = Promise.allSettled(sabs.map((b) => s.submit({ kind: 'echo', input: new Uint8Array(b).fill(0x41), pool })));
      // Still the tick of submit(): the other thread grows every buffer
      // before the flush stages anything.
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
      Atomics.wait(go, 1, 0, 10_000);
      for (const v of victims) assert.equal(Buffer.from((await v.p).output).toString('latin1'), v.bytes.toString('latin1'), pool);
      for (const g of await growing) {
        assert.ok(g.status === 'rejected', `${pool}: ran`);
        const e: unknown = g.reason;
        assert.ok(e instanceof CrossfairError && e.code === 'E_BAD_INPUT' && /100 bytes at submit\(\), 1048576 now/.test(e.message), `${pool}: ${String(e)}`);
      }
      await grower.terminate();
    }
  });
});

test('inputs that misreport their length are refused at submit(), never staged', async () => {
  await withScheduler(ALL_PATHS, async (s) => {
    class Liar extends Uint8Array {
      override get byteLength(): number {
        return 4;
      }
    }
    const liar = new Liar(256).fill(1);
    const wide = new Int16Array(32);
    Object.setPrototypeOf(wide, Uint8Array.prototype); // passes instanceof; 64 bytes in 32 elements
    const proxy = new Proxy(new Uint8Array(8), { get: (t, k) => (k === 'byteLength' ? 2 : Reflect.get(t, k)) });
    for (const pool of ['rust', 'go', 'goffi']) {
      // A subclass's own byteLength is not the length of its bytes: the real one is used.
      const r = await s.submit({ kind: 'echo', input: liar, pool });
      assert.equal(r.output.length, 256, pool);
      for (const input of [wide, proxy]) {
        await assert.rejects(
          s.submit({ kind: 'echo', input: input as Uint8Array, pool }),
          (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_INPUT',
        );
      }
    }
  });
});

const RSS_CAP_MIB = 1536;

for (const path of PATH_NAMES) {
  test(`large echoes (2 loops, 32 MiB, 100 echoes) on ${path}: peak RSS stays under ${RSS_CAP_MIB} MiB`, async () => {
    const r = report<{ done: number; peakMiB: number; aborted: boolean }>(await child(['rss', path, '100', '32', '2', String(RSS_CAP_MIB)]));
    assert.equal(r.aborted, false, `RSS passed ${RSS_CAP_MIB} MiB after ${r.done} echoes`);
    assert.ok(r.peakMiB < RSS_CAP_MIB, `peak ${r.peakMiB} MiB`);
  });
}

test(`64 MiB echoes one after another through ffi: peak RSS stays under 1024 MiB`, async () => {
  const r = report<{ done: number; peakMiB: number; aborted: boolean }>(await child(['rss', 'ffi', '40', '64', '1', '1024']));
  assert.equal(r.aborted, false, `RSS passed 1024 MiB after ${r.done} echoes`);
});

test('echoes of sizes scattered over 4-64 MiB through ffi: segments dropped along the way are freed (peak RSS under 1024 MiB)', async () => {
  const r = report<{ done: number; peakMiB: number; aborted: boolean }>(await child(['vary', 'ffi', '200', '1024']));
  assert.equal(r.aborted, false, `RSS passed 1024 MiB after ${r.done} echoes`);
});

test('an output whose copy cannot be allocated fails its task with E_NO_MEMORY; the segment is reused and the rest go on', async () => {
  const real = memory.copy;
  memory.copy = (from, start, end) => {
    if (end - start >= 100_000) throw new RangeError('Array buffer allocation failed');
    return real(from, start, end);
  };
  try {
    await withScheduler(ALL_PATHS, async (s) => {
      for (const pool of ['rust', 'go', 'goffi']) {
        const big = s.submit({ kind: 'echo', input: new Uint8Array(200_000), pool });
        const small = s.submit({ kind: 'echo', input: 'ok', pool });
        await assert.rejects(big, (e: unknown) => e instanceof CrossfairError && e.code === 'E_NO_MEMORY' && e.pool === pool);
        assert.equal(Buffer.from((await small).output).toString(), 'ok');
        memory.copy = real;
        assert.equal((await s.submit({ kind: 'echo', input: new Uint8Array(200_000).fill(7), pool })).output[199_999], 7);
        memory.copy = (from, start, end) => {
          if (end - start >= 100_000) throw new RangeError('Array buffer allocation failed');
          return real(from, start, end);
        };
      }
    });
  } finally {
    memory.copy = real;
  }
});

test('side segments: rounded to quarter powers of two, reused, bounded by the budget', () => {
  assert.equal(sideCapacity(1), 64);
  assert.equal(sideCapacity(65_537), 81_920); // 64 KiB + a quarter
  assert.equal(sideCapacity(64 << 20), 64 << 20);
  assert.equal(sideCapacity((64 << 20) + 1), 80 << 20);
  const registered = new Map<number, Uint8Array>();
  const dropped: number[] = [];
  const sides = new SideSegments(
    (id, u8) => void registered.set(id, u8),
    (id) => void (dropped.push(id), registered.delete(id)),
    100 << 20,
  );
  const a = sides.take(30 << 20) as Side;
  const b = sides.take(30 << 20) as Side;
  assert.equal(a.cap, 32 << 20);
  assert.notEqual(a.id, b.id);
  assert.equal(sides.take(40 << 20), FULL, 'in use + 40 MiB is over the budget: wait');
  sides.give(a);
  assert.equal(sides.take(20 << 20), a, 'a free segment up to 4x the request is reused');
  sides.give(a);
  sides.give(b);
  assert.equal(sides.inUse, 0);
  assert.equal(sides.kept, 64 << 20);
  const huge = sides.take(300 << 20) as Side; // over the budget, but nothing is in use: it runs
  assert.equal(huge.cap, 300 << 20, 'not rounded: it will not be kept');
  assert.deepEqual(dropped.sort(), [a.id, b.id].sort(), 'the kept segments made room');
  sides.give(huge);
  assert.equal(sides.kept, 0, 'a segment over the budget is not kept');
  assert.ok(!registered.has(huge.id));
  const realShared = memory.shared;
  memory.shared = () => {
    throw new RangeError('Array buffer allocation failed');
  };
  try {
    assert.equal(sides.take(1 << 20), NO_MEMORY);
    assert.equal(sides.inUse, 0);
  } finally {
    memory.shared = realShared;
  }
});

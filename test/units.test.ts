// Small pure pieces: kind lists, native error codes, the layout, the meters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKindList } from '../src/kinds.js';
import { CrossfairError, fromNativeError } from '../src/errors.js';
import { H, LAYOUT_VERSION, MAGIC, controlBytes, createControl, slotWord } from '../src/transport/layout.js';
import { BusyMeter, SampleWindow } from '../src/observability/windows.js';

test('kind lists parse and ignore junk', () => {
  const m = parseKindList('1=echo,2=sha256,x=bad,=none,70000=big,3= spin ');
  assert.deepEqual(
    [...m],
    [
      ['echo', 1],
      ['sha256', 2],
      ['spin', 3],
    ],
  );
});

test('native error messages keep their code', () => {
  const e = fromNativeError(new Error('E_CLOSED: pool is closed'), 'E_POOL_UNAVAILABLE', { pool: 'go' });
  assert.ok(e instanceof CrossfairError);
  assert.equal(e.code, 'E_CLOSED');
  assert.equal(e.message, 'pool is closed');
  assert.equal(e.pool, 'go');
  assert.equal(fromNativeError(new Error('E_WHATEVER: x'), 'E_TASK_FAILED').code, 'E_TASK_FAILED');
  assert.equal(fromNativeError('plain', 'E_TASK_FAILED').message, 'plain');
});

test('the control region header is written as TRANSPORT.md says', () => {
  const sab = createControl(16);
  assert.equal(sab.byteLength, controlBytes(16));
  assert.equal(controlBytes(16), 64 + 8 * 16 + 256 * 16);
  const u32 = new Uint32Array(sab);
  assert.deepEqual([u32[H.magic], u32[H.version], u32[H.slotCount], u32[3]], [MAGIC, LAYOUT_VERSION, 16, 256]);
  assert.deepEqual([...new Uint8Array(sab, 0, 4)], [0x43, 0x46, 0x42, 0x31]);
  assert.equal(slotWord(16, 1) * 4, 64 + 8 * 16 + 256);
  assert.throws(() => createControl(12), RangeError);
  assert.throws(() => createControl(4), RangeError);
});

test('busy meter reports the last full second, with an injected clock', () => {
  const m = new BusyMeter();
  m.add(10_100, 0.5e9);
  m.add(10_900, 0.25e9);
  assert.equal(m.utilization(10_950, 1), 0, 'the current second is not complete');
  assert.equal(m.utilization(11_001, 1), 0.75);
  assert.equal(m.utilization(11_001, 2), 0.375);
  assert.equal(m.utilization(12_500, 1), 0, 'an idle second reads 0');
});

test('sample window quantiles', () => {
  const w = new SampleWindow();
  assert.equal(w.quantile(0.99), 0);
  for (let i = 1; i <= 100; i++) w.add(i);
  assert.equal(w.quantile(0.99), 99);
  assert.equal(w.quantile(0.5), 50);
  for (let i = 0; i < 5000; i++) w.add(1);
  assert.equal(w.quantile(0.99), 1, 'old samples age out');
});

test('credit: measured concurrency plus ~2 ms of queued work, at least 1, at most maxInFlight', async () => {
  const { creditFor, QUEUE_TARGET_US } = await import('../src/pool/native-pool.js');
  assert.equal(QUEUE_TARGET_US, 2000);
  assert.equal(creditFor(1, 500, 256), 1 + 4, '500 us tasks: 4 queued behind the running one');
  assert.equal(creditFor(2, 500, 256), 2 + 8);
  assert.equal(creditFor(1, 0.05, 256), 256, 'tiny tasks: capped at maxInFlight');
  assert.equal(creditFor(1, 0, 4096), 4096, 'a zero mean does not divide by zero');
  assert.equal(creditFor(4, 1e9, 256), 4 + 1, 'huge tasks: every worker busy, one task queued');
  assert.equal(creditFor(8, 100, 4), 4, 'maxInFlight is a hard cap, even below the worker count');
  assert.equal(creditFor(0, 100, 256), 1, 'a pool measured as stuck still gets a probe');
  assert.equal(creditFor(20, 5000, 256), 20 + 8, 'overlapping waits: credit follows concurrency');
});

// Every input is validated before it crosses: each failure is a
// CrossfairError with a stable code, and is counted as rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScheduler, CrossfairError } from '../src/index.js';
import { BOTH, expectCode, withScheduler } from './helpers.js';

test('task errors carry stable codes', async () => {
  await withScheduler(BOTH, async (s) => {
    const cases: [unknown, string, RegExp][] = [
      [{ kind: 'nope', input: '' }, 'E_UNKNOWN_KIND', /no pool implements kind "nope"/],
      [{ kind: 42, input: '' }, 'E_BAD_INPUT', /kind must be a string/],
      [{ kind: 'echo', input: 42 }, 'E_BAD_INPUT', /Uint8Array or a string/],
      [{ kind: 'echo', input: [1, 2] }, 'E_BAD_INPUT', /Uint8Array or a string/],
      [{ kind: 'echo', input: new ArrayBuffer(4) }, 'E_BAD_INPUT', /Uint8Array or a string/],
      [{ kind: 'echo' }, 'E_BAD_INPUT', /Uint8Array or a string/],
      [{ kind: 'echo', input: '', class: 'vip' }, 'E_BAD_INPUT', /unknown class "vip"/],
      [{ kind: 'echo', input: '', pool: 'java' }, 'E_BAD_INPUT', /unknown pool "java"/],
      [{ kind: 'echo', input: '', extra: 1 }, 'E_BAD_INPUT', /unknown task field "extra"/],
      [JSON.parse('{"kind":"echo","input":"","__proto__":{"x":1}}'), 'E_BAD_INPUT', /unknown task field "__proto__"/],
      [{ kind: 'echo', input: '', timeoutMs: -1 }, 'E_BAD_INPUT', /timeoutMs/],
      [{ kind: 'echo', input: '', timeoutMs: NaN }, 'E_BAD_INPUT', /timeoutMs/],
      [{ kind: 'echo', input: '', timeoutMs: Infinity }, 'E_BAD_INPUT', /timeoutMs/],
      [{ kind: 'echo', input: '', signal: {} }, 'E_BAD_INPUT', /AbortSignal/],
      [{ kind: 'echo', input: '', idempotent: 'yes' }, 'E_BAD_INPUT', /idempotent/],
      [{ kind: 'echo', input: '', estimate: { cpuUs: -5 } }, 'E_BAD_INPUT', /estimate.cpuUs/],
      [{ kind: 'echo', input: '', estimate: { gpu: 1 } }, 'E_BAD_INPUT', /unknown estimate field/],
      [{ kind: 'spin', input: 'abc' }, 'E_BAD_INPUT', /spin: input must be ASCII decimal/],
      [{ kind: 'sleep', input: '60000001' }, 'E_BAD_INPUT', /sleep: input must be ASCII decimal/],
      [null, 'E_BAD_INPUT', /plain object/],
      ['echo', 'E_BAD_INPUT', /plain object/],
      [[], 'E_BAD_INPUT', /plain object/],
    ];
    for (const [task, code, msg] of cases) {
      await expectCode(s.submit(task as never), code, msg);
    }
    assert.equal(s.stats().totals.rejected, cases.length);
    assert.equal(s.stats().totals.submitted, 0);
  });
});

test('submitMany reports each bad task in place and never rejects', async () => {
  await withScheduler(BOTH, async (s) => {
    const r = await s.submitMany([{ kind: 'echo', input: 'a' }, { kind: 'bogus', input: '' } as never, { kind: 'echo', input: 'b' }]);
    assert.equal(Buffer.from((r[0] as { output: Uint8Array }).output).toString(), 'a');
    assert.ok(r[1] instanceof CrossfairError);
    assert.equal((r[1] as CrossfairError).code, 'E_UNKNOWN_KIND');
    assert.equal(Buffer.from((r[2] as { output: Uint8Array }).output).toString(), 'b');
    await expectCode(s.submitMany('x' as never), 'E_BAD_INPUT', /array/);
  });
});

test('payloads above maxPayloadBytes are refused before crossing', async () => {
  await withScheduler({ ...BOTH, maxPayloadBytes: 1024 }, async (s) => {
    await expectCode(s.submit({ kind: 'echo', input: new Uint8Array(1025) }), 'E_BAD_INPUT', /maxPayloadBytes is 1024/);
    const ok = await s.submit({ kind: 'echo', input: new Uint8Array(1024) });
    assert.equal(ok.output.byteLength, 1024);
  });
});

test('beyond maxQueue, submit fails with E_QUEUE_FULL', async () => {
  await withScheduler({ pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: 1 } }, maxQueue: 3 }, async (s) => {
    const accepted = [
      s.submit({ kind: 'sleep', input: '20000' }),
      s.submit({ kind: 'echo', input: '' }),
      s.submit({ kind: 'echo', input: '' }),
      s.submit({ kind: 'echo', input: '' }),
    ];
    // All four were submitted in one tick, before any flush: the fourth found three queued.
    await expectCode(s.submit({ kind: 'echo', input: '' }), 'E_QUEUE_FULL', /maxQueue is 3/);
    const settled = await Promise.allSettled(accepted);
    assert.equal(settled.filter((r) => r.status === 'rejected').length, 1);
    assert.equal((settled[3] as PromiseRejectedResult).reason.code, 'E_QUEUE_FULL');
  });
});

test('after close(), submit fails with E_CLOSED', async () => {
  const s = await createScheduler(BOTH);
  await s.close();
  await expectCode(s.submit({ kind: 'echo', input: '' }), 'E_CLOSED');
  await s.close(); // idempotent
});

test('bad options fail with E_BAD_OPTIONS naming the option', async () => {
  const cases: [unknown, RegExp][] = [
    [{ pools: {} }, /pools: must name at least one entry/],
    [{ pools: { r: { runtime: 'java' } } }, /pools.r.runtime/],
    [{ pools: { r: { runtime: 'rust', workers: 0 } } }, /pools.r.workers/],
    [{ pools: { r: { runtime: 'rust', workers: 1.5 } } }, /pools.r.workers/],
    [{ pools: { r: { runtime: 'rust', transport: 'ffi' } } }, /pools.r.transport/],
    [{ pools: { r: { runtime: 'rust', ringSlots: 1000 } } }, /power of two/],
    [{ pools: { r: { runtime: 'rust', bogus: 1 } } }, /pools.r.bogus: unknown option/],
    [{ pools: { r: { runtime: 'rust', workerNice: 20 } } }, /pools.r.workerNice/],
    [{ pools: { r: { runtime: 'rust', workerNice: -1 } } }, /pools.r.workerNice/],
    [{ pools: { g: { runtime: 'go', workerNice: 2.5 } } }, /pools.g.workerNice/],
    [{ pools: { g: { runtime: 'go', library: '/x.so' } } }, /pools.g.library/],
    [{ pools: { g: { runtime: 'go', transport: 'ffi', library: 'rel.so' } } }, /absolute path/],
    [JSON.parse('{"pools":{"__proto__":{"runtime":"rust"}}}'), /pools.__proto__/],
    [{ classes: { a: { weight: -1 } } }, /classes.a.weight/],
    [{ classes: { a: { weight: Infinity } } }, /classes.a.weight/],
    [{ policy: 'lottery' }, /policy/],
    [{ maxQueue: 0 }, /maxQueue/],
    [{ frobnicate: true }, /options.frobnicate/],
    [{ breaker: { consecutiveFailures: 0 } }, /breaker.consecutiveFailures: must be an integer in 1..1000000/],
    [{ breaker: { consecutiveFailures: 2.5 } }, /breaker.consecutiveFailures/],
    [{ quarantine: { consecutiveFailures: -1 } }, /quarantine.consecutiveFailures/],
    [{ quarantine: { panics: 3 } }, /quarantine.panics: unknown option/],
    [{ quarantine: true }, /quarantine: must be a plain object or false/],
    ['nope', /options: must be a plain object/],
  ];
  for (const [opts, msg] of cases) {
    await expectCode(createScheduler(opts as never), 'E_BAD_OPTIONS', msg);
  }
});

test('inject validates its arguments', async () => {
  await withScheduler(BOTH, async (s) => {
    assert.throws(
      () => s.inject('nope', null),
      (e: CrossfairError) => e.code === 'E_BAD_INPUT',
    );
    assert.throws(
      () => s.inject('go', { errorRate: 2 }),
      (e: CrossfairError) => e.code === 'E_BAD_INPUT',
    );
    assert.throws(
      () => s.inject('go', { delayFactor: 0.5 }),
      (e: CrossfairError) => e.code === 'E_BAD_INPUT',
    );
    assert.throws(
      () => s.inject('go', { bogus: 1 } as never),
      (e: CrossfairError) => e.code === 'E_BAD_INPUT',
    );
  });
});

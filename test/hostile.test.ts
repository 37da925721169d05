// Hostile input through every public entry point: 10 000 generated values
// (fast-check: anything, prototype-polluting keys, non-finite and huge
// numbers, wrong types in every field of an otherwise valid task, oversized
// strings and buffers). Each call ends either in success (the value was
// valid) or in a CrossfairError with a stable code; never another error,
// a hang, or a crash, and the scheduler keeps serving afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CrossfairError, ERROR_CODES } from '../src/errors.js';
import { createScheduler, decodeTask, encodeTask } from '../src/index.js';
import { BOTH, assertAccounting, withScheduler } from './helpers.js';
import type { Scheduler } from '../src/types.js';

const CODES = new Set<string>(ERROR_CODES);

/** Values that break naive validation. */
const nasty = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, -(2 ** 31), 1e308, '', '\u0000', 'x'.repeat(70_000), '__proto__', 'constructor'),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "kind": "echo", "input": "x"}') as unknown),
  fc.constant(Object.create({ kind: 'echo', input: 'inherited' }) as unknown),
  fc.constant(
    new Proxy(
      {},
      {
        get: () => {
          throw new Error('hostile getter');
        },
      },
    ) as unknown,
  ),
);

/** A valid task with one field replaced by a hostile value. */
const taskWithHostileField = fc
  .tuple(fc.constantFrom('kind', 'input', 'class', 'tenant', 'pool', 'estimate', 'timeoutMs', 'signal', 'idempotent', 'extra'), nasty)
  .map(([field, v]) => ({ kind: 'echo', input: 'x', [field]: v }));
const estimateHostile = nasty.map((v) => ({ kind: 'spin', input: '1', estimate: { cpuUs: v, memBytes: v, io: v } }));

function expectCoded(e: unknown, where: string): void {
  assert.ok(e instanceof CrossfairError, `${where}: not a CrossfairError: ${String(e)}`);
  assert.ok(CODES.has(e.code), `${where}: unknown code ${e.code}`);
}

async function call(where: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    expectCoded(e, where);
  }
}

test('10 000 hostile inputs through submit, submitMany, inject, setPolicy, encodeTask, decodeTask, close and createScheduler: only coded errors', async () => {
  let n = 0;
  await withScheduler({ ...BOTH, maxPayloadBytes: 65_536 }, async (s: Scheduler) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nasty, taskWithHostileField, estimateHostile), async (v) => {
        n++;
        await call('submit', () => s.submit(v as never));
        const many = await s.submitMany([v, { kind: 'echo', input: 'ok' }] as never).catch((e: unknown) => e);
        if (Array.isArray(many)) {
          assert.equal(many.length, 2);
          for (const r of many) if (r instanceof Error) expectCoded(r, 'submitMany entry');
        } else expectCoded(many, 'submitMany');
      }),
      { numRuns: 6000 },
    );
    await fc.assert(
      fc.asyncProperty(nasty, nasty, async (a, b) => {
        n++;
        await call('inject', () => s.inject(a as never, b as never));
        await call('inject go', () => s.inject('go', a as never));
        await call('setPolicy', () => s.setPolicy(a as never));
        await call('encodeTask', () => encodeTask(a as never));
        await call('decodeTask', () => decodeTask(b));
      }),
      { numRuns: 2000 },
    );
    s.inject('go', null);
    s.inject('rust', null);
    s.setPolicy('fair');
    // Still serving, and the books balance.
    const r = await s.submit({ kind: 'sha256', input: 'abc' });
    assert.equal(Buffer.from(r.output).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assertAccounting(s);
  });
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        nasty,
        fc.record({ pools: nasty }),
        fc.record({ classes: nasty }),
        fc.record({ policy: nasty, maxQueue: nasty, breaker: nasty, retry: nasty, headroom: nasty, registry: nasty }),
      ),
      async (opts) => {
        n++;
        let s: Scheduler | undefined;
        try {
          s = await createScheduler(opts as never);
        } catch (e) {
          expectCoded(e, 'createScheduler');
        }
        await s?.close();
        await call('close', () => s?.close(opts as never));
      },
    ),
    { numRuns: 2000 },
  );
  assert.ok(n >= 10_000, `${n} inputs`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted');
});

test('regression: hostile arrays and tasks given to submitMany give coded errors, and submitMany never throws', async () => {
  await withScheduler(BOTH, async (s) => {
    const throwing = new Proxy([], {
      get() {
        throw new Error('hostile get');
      },
    });
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      p = s.submitMany(throwing as never);
    });
    await assert.rejects(p!, (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_INPUT');
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    assert.doesNotThrow(() => {
      p = s.submitMany(proxy as never);
    });
    await assert.rejects(p!, (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_INPUT');
    // One bad entry fails alone; the others run.
    const tasks: unknown[] = [{ kind: 'echo', input: 'a' }, undefined, { kind: 'echo', input: 'c' }];
    Object.defineProperty(tasks, 1, {
      get() {
        throw new Error('hostile element');
      },
    });
    const taskGetter = {
      get kind(): string {
        throw new Error('hostile kind');
      },
      input: 'x',
    };
    const taskProxy = new Proxy(
      { kind: 'echo', input: 'x' },
      {
        ownKeys() {
          throw new Error('hostile keys');
        },
      },
    );
    tasks.push(taskGetter, taskProxy);
    const out = await s.submitMany(tasks as never);
    assert.equal(out.length, 5);
    assert.equal(Buffer.from((out[0] as { output: Uint8Array }).output).toString(), 'a');
    assert.equal(Buffer.from((out[2] as { output: Uint8Array }).output).toString(), 'c');
    for (const i of [1, 3, 4]) {
      assert.ok(out[i] instanceof CrossfairError, `entry ${i}: ${String(out[i])}`);
      assert.equal((out[i] as CrossfairError).code, 'E_BAD_INPUT');
    }
    assertAccounting(s);
  });
});

test('regression: inject() after close() throws E_CLOSED on every runtime', async () => {
  const s = await createScheduler(BOTH);
  await s.close();
  for (const pool of ['rust', 'go']) {
    assert.throws(
      () => s.inject(pool, { errorRate: 0.5 }),
      (e: unknown) => e instanceof CrossfairError && e.code === 'E_CLOSED',
      pool,
    );
    assert.throws(
      () => s.inject(pool, null),
      (e: unknown) => e instanceof CrossfairError && e.code === 'E_CLOSED',
      pool,
    );
  }
});

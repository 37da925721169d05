// Task envelopes (src/envelope.ts): the vectors of every version decodeTask
// reads, round trips by property, the unversioned shape as JSON.stringify
// really leaves it, hostile envelopes, and decoded tasks run on the real pools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CrossfairError, decodeTask, encodeTask, ENVELOPE_VERSION, type Task } from '../src/index.js';
import { BOTH, kindVectors, root, withScheduler } from './helpers.js';

interface EnvelopeCase {
  name: string;
  envelope: unknown;
  task?: Record<string, unknown> & { input: { text: string } | { hex: string } };
  error?: string;
}

const cases = (JSON.parse(readFileSync(join(root, 'test', 'vectors', 'envelopes.json'), 'utf8')) as { cases: EnvelopeCase[] }).cases;

function expected(c: EnvelopeCase): Task {
  const { input, ...rest } = c.task!;
  return { ...rest, input: 'text' in input ? input.text : Uint8Array.from(Buffer.from(input.hex, 'hex')) } as Task;
}

function badInput(fn: () => unknown, includes: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CrossfairError, String(e));
    assert.equal(e.code, 'E_BAD_INPUT');
    assert.ok(e.message.includes(includes), `${JSON.stringify(e.message)} lacks ${JSON.stringify(includes)}`);
    return true;
  });
}

test('envelope vectors: each version decodes to its task, each malformed envelope is E_BAD_INPUT with its reason', () => {
  assert.ok(
    cases.some((c) => c.task && !('v' in (c.envelope as object))),
    'vectors cover version 0',
  );
  assert.ok(
    cases.some((c) => c.task && (c.envelope as { v?: number }).v === ENVELOPE_VERSION),
    'vectors cover the current version',
  );
  for (const c of cases) {
    if (c.error !== undefined) badInput(() => decodeTask(c.envelope), c.error);
    else assert.deepStrictEqual(decodeTask(c.envelope), expected(c), c.name);
  }
});

test('every current-version vector task encodes back to its envelope', () => {
  for (const c of cases.filter((x) => x.task && (x.envelope as { v?: number }).v === ENVELOPE_VERSION)) {
    assert.deepStrictEqual(encodeTask(expected(c)), c.envelope, c.name);
  }
});

const bytes = fc.uint8Array({ maxLength: 300 });
const input = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), bytes);
const optional = fc.record(
  {
    class: fc.string({ maxLength: 20 }),
    tenant: fc.string({ maxLength: 20 }),
    pool: fc.constantFrom('rust', 'go'),
    estimate: fc.record(
      { cpuUs: fc.double({ min: 0, max: 1e9, noNaN: true }), memBytes: fc.nat(), io: fc.boolean() },
      { requiredKeys: [], noNullPrototype: true },
    ),
    timeoutMs: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    idempotent: fc.boolean(),
  },
  { requiredKeys: [], noNullPrototype: true },
);
const task = fc
  .tuple(fc.constantFrom('echo', 'sha256', 'spin', 'sleep', 'fail', 'custom-kind'), input, optional)
  .map(([kind, inp, rest]) => ({ kind, input: inp, ...rest }) as Task);

test('property: decodeTask(JSON of encodeTask(t)) is t, for any task', () => {
  fc.assert(
    fc.property(task, (t) => {
      const wire = JSON.stringify(encodeTask(t));
      assert.deepStrictEqual(decodeTask(JSON.parse(wire)), t);
    }),
    { numRuns: 2000 },
  );
});

test('property: a task JSON.stringify-ed before envelopes existed (version 0) decodes to that task, bytes and Buffers included', () => {
  fc.assert(
    fc.property(task, fc.constantFrom('uint8array', 'buffer'), fc.boolean(), (t, bytesAs, withSignal) => {
      const stored: Record<string, unknown> = { ...t };
      if (t.input instanceof Uint8Array && bytesAs === 'buffer') stored.input = Buffer.from(t.input);
      if (withSignal) stored.signal = new AbortController().signal;
      // What a producer stored: JSON.stringify left the signal as {}.
      const old = JSON.parse(JSON.stringify(stored)) as unknown;
      assert.deepStrictEqual(decodeTask(old), t);
    }),
    { numRuns: 2000 },
  );
});

test('encodeTask refuses what cannot travel or is not a task: E_BAD_INPUT', () => {
  badInput(() => encodeTask({ kind: 'echo', input: 'x', signal: new AbortController().signal }), 'signal cannot be encoded');
  badInput(() => encodeTask({ kind: 'echo', input: 'x', timeoutMs: NaN }), 'finite number');
  badInput(() => encodeTask({ kind: 'echo', input: 5 } as never), 'Uint8Array or a string');
  badInput(() => encodeTask({ kind: 'echo', input: 'x', extra: 1 } as never), 'unknown task field "extra"');
  badInput(() => encodeTask(JSON.parse('{"__proto__": {"x": 1}, "kind": "echo", "input": "x"}') as Task), 'unknown task field "__proto__"');
  badInput(
    () =>
      encodeTask(
        new Proxy(
          {},
          {
            getPrototypeOf: () => {
              throw new Error('hostile');
            },
          },
        ) as Task,
      ),
    'hostile',
  );
  // A view into a larger buffer encodes only its own bytes.
  const big = Uint8Array.from([9, 1, 2, 3, 9]);
  assert.deepStrictEqual(encodeTask({ kind: 'echo', input: big.subarray(1, 4) }).input, { base64: Buffer.from([1, 2, 3]).toString('base64') });
});

test('property: any value given to decodeTask is a task or E_BAD_INPUT, never another error', () => {
  const anyEnvelope = fc.oneof(
    fc.anything({ withNullPrototype: true, withTypedArray: true, withSparseArray: true }),
    fc.jsonValue(),
    // Near-valid: a real envelope with one field replaced.
    fc
      .tuple(task, fc.constantFrom('v', 'kind', 'input', 'estimate', 'timeoutMs', 'class', 'signal', '__proto__'), fc.anything())
      .map(([t, k, v]) => ({ ...encodeTask(t), [k]: v })),
  );
  let decoded = 0;
  fc.assert(
    fc.property(anyEnvelope, (e) => {
      try {
        const t = decodeTask(e);
        assert.equal(typeof t.kind, 'string');
        assert.ok(typeof t.input === 'string' || t.input instanceof Uint8Array);
        decoded++;
      } catch (err) {
        assert.ok(err instanceof CrossfairError && err.code === 'E_BAD_INPUT', String(err));
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(decoded > 0, 'some near-valid envelopes decode');
});

test('tasks that travelled as envelopes (current and unversioned) run on both pools with the results of the originals', async () => {
  await withScheduler(BOTH, async (s) => {
    const vectors = kindVectors().filter((v) => v.status === 'OK' && (v.kind === 'echo' || v.kind === 'sha256'));
    const originals: Task[] = vectors.flatMap((v) =>
      (['rust', 'go'] as const).map((pool) => ({ kind: v.kind, input: Buffer.from(v.input_hex, 'hex'), pool, idempotent: true })),
    );
    const current = originals.map((t) => decodeTask(JSON.parse(JSON.stringify(encodeTask(t)))));
    const unversioned = originals.map((t) => decodeTask(JSON.parse(JSON.stringify(t))));
    const [a, b, c] = await Promise.all([s.submitMany(originals), s.submitMany(current), s.submitMany(unversioned)]);
    for (let i = 0; i < originals.length; i++) {
      for (const r of [a[i], b[i], c[i]]) {
        assert.ok(!(r instanceof Error), String(r));
        assert.equal(Buffer.from(r!.output).toString('hex'), vectors[i >> 1]!.output_hex);
        assert.equal(r!.pool, originals[i]!.pool);
      }
    }
  });
});

/** Bytes whose base64 is `chars` characters long (chars a multiple of 4), every byte value present. */
function payloadOfBase64Length(chars: number): Uint8Array {
  const out = new Uint8Array((chars / 4) * 3);
  for (let i = 0; i < out.length; i++) out[i] = (i * 131 + (i >>> 8)) & 0xff;
  return out;
}

test('regression: a 4 MiB and a 64 MiB base64 envelope decode to their bytes (validation is a linear scan)', () => {
  for (const mib of [4, 64]) {
    const bytes = payloadOfBase64Length(mib * 1024 * 1024);
    const env = encodeTask({ kind: 'echo', input: bytes });
    assert.equal((env.input as { base64: string }).base64.length, mib * 1024 * 1024);
    const back = decodeTask(JSON.parse(JSON.stringify(env)));
    assert.ok(back.input instanceof Uint8Array && !Buffer.isBuffer(back.input));
    assert.ok(Buffer.from(back.input).equals(bytes), `${mib} MiB round trip`);
    // The same size with one bad character, near its end, is still refused.
    const b64 = (env.input as { base64: string }).base64;
    badInput(() => decodeTask({ v: 1, kind: 'echo', input: { base64: `${b64.slice(0, -5)}*${b64.slice(-4)}` } }), 'not padded base64');
    // With a padding (1 and 2 bytes short of a whole group).
    for (const cut of [1, 2]) {
      const short = bytes.subarray(0, bytes.length - cut);
      assert.ok(Buffer.from(decodeTask(encodeTask({ kind: 'echo', input: short })).input as Uint8Array).equals(short));
    }
  }
});

test('invalid base64 is refused with E_BAD_INPUT: bad characters, missing or misplaced padding, bad lengths', () => {
  const refused = [
    'A',
    'AB',
    'ABC',
    'ABCDE',
    'AB=',
    'A===',
    '====',
    '=AAA',
    'AB=C',
    'ABC=ABCD',
    'AB==ABCD',
    'ABCD=',
    'ABCD==',
    'AB-_',
    'AB C',
    'ABC\n',
    'ABCD\u00e9AAA',
    'ABC==',
    'AB===',
  ];
  for (const base64 of refused) badInput(() => decodeTask({ v: 1, kind: 'echo', input: { base64 } }), 'not padded base64');
  for (const [base64, hex] of [
    ['', ''],
    ['AA==', '00'],
    ['AAA=', '0000'],
    ['AAAA', '000000'],
    ['+/+/', 'fbffbf'],
    ['AP8QgA==', '00ff1080'],
  ] as const) {
    assert.equal(Buffer.from(decodeTask({ v: 1, kind: 'echo', input: { base64 } }).input as Uint8Array).toString('hex'), hex, base64);
  }
});

test('property: base64 validation accepts exactly the padded RFC 4648 alphabet strings (same verdict as the reference pattern on short strings)', () => {
  const reference = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const chars = fc.constantFrom(...'AZaz09+/=-_ \n*\u00e9'.split(''));
  fc.assert(
    fc.property(
      fc.array(chars, { maxLength: 14 }).map((a) => a.join('')),
      (base64) => {
        let ok = true;
        try {
          decodeTask({ v: 1, kind: 'echo', input: { base64 } });
        } catch (e) {
          assert.ok(e instanceof CrossfairError && e.code === 'E_BAD_INPUT', String(e));
          ok = false;
        }
        assert.equal(ok, reference.test(base64), JSON.stringify(base64));
      },
    ),
    { numRuns: 20000 },
  );
});

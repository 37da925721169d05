// Fault settings have one range, validated in TS (src/faults.ts), and every
// native pool accepts exactly that range: the shared vectors in
// test/vectors/faults.json (also read by cargo test and go test) go through
// checkFaults and through inject() of each path (Rust napi, Go shim, Go ffi).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { CrossfairError } from '../src/errors.js';
import { FAULT_RANGES, NO_FAULTS, checkFaults } from '../src/faults.js';
import { goLibraryPath, loadRustAddon, openShimPool } from '../src/native/loader.js';
import { FfiBackend, createFfiThreads, openOnMainThread } from '../src/native/ffi-backend.js';
import type { NativeBackend } from '../src/native/backend.js';
import { RingTransport } from '../src/transport/ring.js';
import { installSignalGuard } from '../src/native/signals.js';
import type { Faults } from '../src/index.js';
import { root } from './helpers.js';

type Num = number | 'NaN' | 'Inf' | '-Inf';
interface FaultVector {
  name: string;
  faults: { errorRate: Num; delayFactor: Num; hangRate: Num };
  ok: boolean;
}
const file = JSON.parse(readFileSync(join(root, 'test', 'vectors', 'faults.json'), 'utf8')) as {
  ranges: Record<string, [number, number]>;
  none: Required<Faults>;
  vectors: FaultVector[];
};
const num = (v: Num): number => (v === 'NaN' ? NaN : v === 'Inf' ? Infinity : v === '-Inf' ? -Infinity : v);
const values = (v: FaultVector): Required<Faults> => ({
  errorRate: num(v.faults.errorRate),
  delayFactor: num(v.faults.delayFactor),
  hangRate: num(v.faults.hangRate),
});

let threads: Piscina | undefined;
after(async () => {
  await threads?.destroy();
});

test('FAULT_RANGES and the no-fault settings are the ones the shared vectors state', () => {
  assert.deepEqual(Object.fromEntries(Object.entries(FAULT_RANGES).map(([k, r]) => [k, [r.min, r.max]])), file.ranges);
  assert.deepEqual(NO_FAULTS, file.none);
  assert.deepEqual(checkFaults(null), file.none);
});

test('checkFaults accepts exactly the vectors marked ok; the rest are E_BAD_INPUT naming the range', () => {
  for (const v of file.vectors) {
    const f = values(v);
    if (v.ok) assert.deepEqual(checkFaults(f), f, v.name);
    else {
      assert.throws(
        () => checkFaults(f),
        (e: unknown) => e instanceof CrossfairError && e.code === 'E_BAD_INPUT' && / in -?\d/.test(e.message),
        v.name,
      );
    }
  }
});

async function open(path: 'rust' | 'shim' | 'ffi', ctrl: Uint8Array): Promise<NativeBackend> {
  if (path === 'rust') return new (loadRustAddon().RustPool)(ctrl, 1, () => undefined);
  process.env.GOMAXPROCS ??= '2';
  installSignalGuard();
  const lib = goLibraryPath();
  if (path === 'shim') return openShimPool(lib, ctrl, 1, () => undefined);
  openOnMainThread(lib);
  threads ??= await createFfiThreads(2);
  return FfiBackend.open(threads, lib, ctrl, 1, () => undefined);
}

for (const path of ['rust', 'shim', 'ffi'] as const) {
  test(`regression: the ${path} pool's inject accepts exactly the vectors marked ok`, async () => {
    const ring = new RingTransport<null>(64, 1 << 16, () => undefined);
    const b = await open(path, ring.controlView);
    await ring.attach(b);
    const wrong: string[] = [];
    try {
      for (const v of file.vectors) {
        const f = values(v);
        let ok = true;
        try {
          await b.inject(f.errorRate, f.delayFactor, f.hangRate);
        } catch {
          ok = false;
        }
        if (ok !== v.ok) wrong.push(`${v.name}: ${ok ? 'accepted' : 'refused'}`);
      }
      await b.inject(file.none.errorRate, file.none.delayFactor, file.none.hangRate);
    } finally {
      assert.equal(await ring.close(1000), 0);
    }
    assert.deepEqual(wrong, []);
  });
}

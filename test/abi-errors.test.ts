// The C ABI's error codes (CF_ERR_* in native/go/include/crossfair.h) have one
// table in TS (src/errors.ts, CF_ERRORS): each has exactly one CrossfairError
// code, and the Go pool reports the same code for the same error through the
// C++ shim and through ffi-rs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { CF_ERRORS, CrossfairError, ERROR_CODES } from '../src/errors.js';
import { goLibraryPath, openShimPool } from '../src/native/loader.js';
import { FfiBackend, createFfiThreads, openOnMainThread } from '../src/native/ffi-backend.js';
import type { NativeBackend } from '../src/native/backend.js';
import { RingTransport } from '../src/transport/ring.js';
import { installSignalGuard } from '../src/native/signals.js';
import { root } from './helpers.js';

type Transport = 'shim' | 'ffi';
let threads: Piscina | undefined;
after(async () => {
  await threads?.destroy();
});

async function open(transport: Transport, ctrl: Uint8Array): Promise<NativeBackend> {
  process.env.GOMAXPROCS ??= '2';
  installSignalGuard();
  const lib = goLibraryPath();
  if (transport === 'shim') return openShimPool(lib, ctrl, 1, () => undefined);
  openOnMainThread(lib);
  threads ??= await createFfiThreads(2);
  return FfiBackend.open(threads, lib, ctrl, 1, () => undefined);
}

/** The code a call's failure is reported with; 'ok' if it did not fail. */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof CrossfairError, `a CrossfairError, not ${String(e)}`);
    return e.code;
  }
}

test('every CF_ERR_* of crossfair.h has exactly one entry, with its value and one CrossfairError code', () => {
  const header = readFileSync(join(root, 'native', 'go', 'include', 'crossfair.h'), 'utf8');
  const defined = [...header.matchAll(/^#define (CF_ERR_[A-Z_]+) (-\d+)/gm)].map((m) => ({ name: m[1]!, value: Number(m[2]) }));
  assert.ok(defined.length >= 5, 'the header defines the error codes');
  assert.deepEqual(
    CF_ERRORS.map((e) => ({ name: e.name, value: e.value })),
    defined,
  );
  for (const e of CF_ERRORS) assert.ok((ERROR_CODES as readonly string[]).includes(e.code), `${e.name} → ${e.code}`);
  assert.equal(new Set(CF_ERRORS.map((e) => e.value)).size, CF_ERRORS.length);
});

test('regression: a pool used after close() fails with the same code through the shim and through ffi (E_CLOSED)', async () => {
  const got: Record<string, string[]> = {};
  for (const transport of ['shim', 'ffi'] as const) {
    const ring = new RingTransport<null>(64, 1 << 16, () => undefined);
    const b = await open(transport, ring.controlView);
    await ring.attach(b);
    assert.equal(await ring.close(1000), 0);
    got[transport] = [await codeOf(() => b.submit(0, 0)), await codeOf(() => b.inject(0, 1, 0)), await codeOf(() => b.stats())];
  }
  assert.deepEqual(got.shim, ['E_CLOSED', 'E_CLOSED', 'E_CLOSED']);
  assert.deepEqual(got.ffi, got.shim);
});

test('a control region the library refuses (CF_ERR_BAD_LAYOUT) fails the open with the same code on both transports', async () => {
  const got: string[] = [];
  for (const transport of ['shim', 'ffi'] as const) {
    const ring = new RingTransport<null>(64, 1 << 16, () => undefined);
    const ctrl = ring.controlView;
    ctrl.fill(0, 0, 8); // magic and layout version: not a control region any more
    got.push(await codeOf(() => open(transport, ctrl)));
  }
  assert.deepEqual(got, ['E_ABI_MISMATCH', 'E_ABI_MISMATCH']);
});

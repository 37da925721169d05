// Is Napi::Uint8Array::Data() stable for a SharedArrayBuffer-backed
// Uint8Array? The shim relies on it (native/shim/args.h).
// Run: node --expose-gc --test native/shim/test/sab_pointer.test.mjs
import { before, test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const probePath = path.join(root, 'build/test-stub/sab_pointer.node');
let probe;
before(() => {
  // build/ is wiped by `node-gyp rebuild`: rebuild the probe when missing.
  if (!existsSync(probePath)) execFileSync(path.join(root, 'native/shim/test/build-stub.sh'));
  probe = createRequire(import.meta.url)(probePath);
});

function churn() {
  // Allocation pressure plus full GCs: anything movable would move.
  for (let i = 0; i < 20; i++) {
    const junk = [];
    for (let j = 0; j < 2000; j++) junk.push(new ArrayBuffer(1024), { j }, 'x'.repeat(j % 64));
    globalThis.gc?.();
  }
}

test('Data() equals backing store + byteOffset and never moves', () => {
  assert.ok(globalThis.gc, 'run with --expose-gc');
  const sab = new SharedArrayBuffer(1 << 20);
  const whole = new Uint8Array(sab);
  const view = new Uint8Array(sab, 24, 1000);
  const base = probe.napiData(whole);
  assert.equal(probe.rawData(whole), base);
  assert.equal(probe.napiData(view), base + 24n);
  assert.equal(probe.rawData(view), base + 24n);
  churn();
  assert.equal(probe.napiData(whole), base);
  // A new view over the same SAB, made after the churn, sees the same store.
  assert.equal(probe.napiData(new Uint8Array(sab, 8)), base + 8n);
});

test('a pointer kept across GC still writes into the live SharedArrayBuffer', () => {
  const sab = new SharedArrayBuffer(4096);
  probe.remember(new Uint8Array(sab)); // the view itself becomes garbage
  churn();
  probe.poke(100, 0xab);
  assert.equal(new Uint8Array(sab)[100], 0xab);
});

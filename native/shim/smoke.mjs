// Smoke test of the Go shim against a library implementing crossfair.h.
//
//   node native/shim/smoke.mjs [absolute path to the library]
//
// Default library: native/build/libcrossfair_go.so (the real Go pool); the
// test stub is build/test-stub/libcrossfair_stub.so (native/shim/test/
// build-stub.sh). Exits 0 on success, on its own (no process.exit on the
// success path: a hang after close() is a failure the caller sees as a
// timeout). Layout and protocol: docs/TRANSPORT.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shim = createRequire(import.meta.url)(path.join(root, 'build/Release/crossfair_go_shim.node'));
const libPath = path.resolve(process.argv[2] ?? path.join(root, 'native/build/libcrossfair_go.so'));

// Watchdog: unref'd, so it never keeps the process alive by itself.
setTimeout(() => {
  console.error('smoke: FAIL (timeout waiting for completions)');
  process.exit(1);
}, 15000).unref();

const N = 8;
const MAGIC = 0x31424643;
const H = { magic: 0, layout: 1, slotCount: 2, slotSize: 3, compHead: 4, compTail: 5, wake: 6 };
const STATUS = { PENDING: -1, OK: 0, UNKNOWN_KIND: 3 };
const KIND = { echo: 1, sha256: 2 };

function throwsCode(fn, code, re) {
  assert.throws(fn, (e) => e.code === code && e.message.startsWith(`${code}: `) && (!re || re.test(e.message)),
    `expected ${code}`);
}

// --- load ---------------------------------------------------------------
throwsCode(() => shim.load('native/build/libcrossfair_go.so'), 'E_BAD_OPTIONS', /absolute/);
throwsCode(() => shim.load(42), 'E_BAD_OPTIONS');
throwsCode(() => new shim.GoPool(new Uint8Array(new SharedArrayBuffer(64)), 1, () => {}),
  'E_POOL_UNAVAILABLE', /load\(\)/);
const info = shim.load(libPath);
assert.equal(info.abiVersion, 1);
assert.match(info.kinds, /(^|,)1=echo(,|$)/);
assert.deepEqual(shim.load(libPath), info, 'same path returns the same info');
const respelled = `${path.dirname(libPath)}/./${path.basename(libPath)}`;
assert.deepEqual(shim.load(respelled), info, 'the same file by another spelling is the same library');
throwsCode(() => shim.load('/nonexistent/other/libcrossfair.so'), 'E_BAD_OPTIONS', /already loaded from/);
const hasSha = /(^|,)2=sha256(,|$)/.test(info.kinds);
const benchNs = shim.benchNative(10000, 64, 2);
assert.ok(Number.isFinite(benchNs) && benchNs > 0, `benchNative: ${benchNs}`);
throwsCode(() => shim.benchNative(0, 64, 2), 'E_BAD_INPUT', /n must be/);
console.log(`smoke: loaded ${info.path} (ABI ${info.abiVersion}, kinds ${info.kinds}); benchNative(10000, 64, 2) = ${(benchNs / 1e6).toFixed(2)} ms`);

// --- control region and segment 0 ----------------------------------------
const ctrlSab = new SharedArrayBuffer(64 + 8 * N + 256 * N);
const hdr = new Int32Array(ctrlSab, 0, 16);
const u32 = new Uint32Array(ctrlSab);
u32[H.magic] = MAGIC;
u32[H.layout] = 1;
u32[H.slotCount] = N;
u32[H.slotSize] = 256;
const submitRing = new Uint32Array(ctrlSab, 64, N);
const completeRing = new Uint32Array(ctrlSab, 64 + 4 * N, N);
const slotView = (i) => new DataView(ctrlSab, 64 + 8 * N + 256 * i, 256);
const seg0 = new SharedArrayBuffer(1 << 20);
const seg0Bytes = new Uint8Array(seg0);

// --- argument validation ---------------------------------------------------
throwsCode(() => new shim.GoPool(new Uint8Array(new ArrayBuffer(4096)), 1, () => {}), 'E_BAD_OPTIONS', /SharedArrayBuffer/);
throwsCode(() => new shim.GoPool(new Uint8Array(ctrlSab), 0, () => {}), 'E_BAD_OPTIONS', /workers/);
throwsCode(() => new shim.GoPool(new Uint8Array(ctrlSab), 1, 'nope'), 'E_BAD_OPTIONS', /onWake/);
throwsCode(() => new shim.GoPool(new Uint8Array(ctrlSab, 4), 1, () => {}), 'E_BAD_OPTIONS', /aligned/);
{
  const bad = new SharedArrayBuffer(ctrlSab.byteLength);
  throwsCode(() => new shim.GoPool(new Uint8Array(bad), 1, () => {}), 'E_BAD_OPTIONS', /cf_pool_create/);
}

// --- pool --------------------------------------------------------------
let wakes = 0;
let head = 0;
const settled = new Map();
function onWake() {
  wakes++;
  Atomics.store(hdr, H.wake, 0); // drain step 1
  const tail = Atomics.load(hdr, H.compTail); // step 2
  for (; head !== tail; head = (head + 1) >>> 0) {
    const idx = completeRing[head & (N - 1)];
    const s = slotView(idx);
    settled.set(idx, { seq: s.getUint32(0, true), status: s.getInt32(32, true), outLen: s.getUint32(36, true) });
  }
  Atomics.store(hdr, H.compHead, tail); // step 3
  if (settled.size === 2) finish();
}

const pool = new shim.GoPool(new Uint8Array(ctrlSab), 2, onWake);
pool.registerSegment(0, seg0Bytes);
throwsCode(() => pool.registerSegment(4096, seg0Bytes), 'E_BAD_INPUT', /id/);
throwsCode(() => pool.registerSegment(1, new Uint8Array(8)), 'E_BAD_INPUT', /SharedArrayBuffer/);
throwsCode(() => pool.submit(0, N + 1), 'E_BAD_INPUT', /count/);
throwsCode(() => pool.submit(-1, 1), 'E_BAD_INPUT', /start/);
throwsCode(() => pool.submit(0.5, 1), 'E_BAD_INPUT', /start/);
throwsCode(() => pool.inject(2, 1, 0), 'E_BAD_INPUT', /errorRate/);
throwsCode(() => pool.inject(0, 0.5, 0), 'E_BAD_INPUT', /delayFactor/);
throwsCode(() => pool.setRef('yes'), 'E_BAD_INPUT', /on/);
pool.inject(0, 1, 0);
pool.registerSegment(9, new Uint8Array(new SharedArrayBuffer(64)));
pool.unregisterSegment(9);

function writeTask(slot, seq, kind, inOff, input, outOff, outCap) {
  seg0Bytes.set(input, inOff);
  const s = slotView(slot);
  s.setUint32(0, seq, true);
  s.setUint16(4, kind, true);
  s.setUint16(6, 0, true);
  s.setUint32(8, 0, true); // in_seg
  s.setUint32(12, inOff, true);
  s.setUint32(16, input.length, true);
  s.setUint32(20, 0, true); // out_seg
  s.setUint32(24, outOff, true);
  s.setUint32(28, outCap, true);
  s.setInt32(32, STATUS.PENDING, true);
  s.setUint32(48, 0, true); // cancel
}
const echoIn = Buffer.from('hello crossfair');
writeTask(0, 101, KIND.echo, 0, echoIn, 4096, 64);
writeTask(1, 102, KIND.sha256, 128, Buffer.from('abc'), 8192, 32);
submitRing[0] = 0;
submitRing[1] = 1;
pool.setRef(true); // keep the loop alive while tasks are in flight
assert.equal(pool.submit(0, 2), 2);

function finish() {
  pool.setRef(false);
  const echo = settled.get(0);
  assert.deepEqual(echo, { seq: 101, status: STATUS.OK, outLen: echoIn.length });
  assert.deepEqual(Buffer.from(seg0, 4096, echo.outLen), echoIn);
  const sha = settled.get(1);
  assert.equal(sha.seq, 102);
  if (hasSha) {
    assert.equal(sha.status, STATUS.OK);
    const digest = Buffer.from(seg0, 8192, sha.outLen).toString('hex');
    assert.equal(digest, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(digest, createHash('sha256').update('abc').digest('hex'));
  } else {
    assert.equal(sha.status, STATUS.UNKNOWN_KIND, 'library without sha256 reports UNKNOWN_KIND');
  }
  const stats = pool.stats();
  assert.equal(stats.length, 5);
  assert.ok(stats[2] >= 2, `completed >= 2: ${stats}`);
  const busy = pool.close(1000);
  assert.equal(busy, 0);
  assert.equal(pool.close(1000), 0, 'close is idempotent');
  throwsCode(() => pool.submit(0, 1), 'E_CLOSED');
  throwsCode(() => pool.registerSegment(0, seg0Bytes), 'E_CLOSED');
  throwsCode(() => pool.stats(), 'E_CLOSED');
  pool.unregisterSegment(0); // no-op after close: the final drain releases side segments
  pool.setRef(true); // no-op after close: must not keep the process alive
  console.log(`smoke: OK (wakes=${wakes}, sha256=${hasSha ? 'checked' : 'absent in library'}, stats=${stats})`);
}

// Smoke test of the built addon (native/build/crossfair_rust.node) from Node.
//
//   node native/rust/smoke.mjs            echo + sha256 + fail + bad descriptor,
//                                         cancel, close, E_CLOSED, benchNative
//   node native/rust/smoke.mjs --panics   also 100,000 panicking tasks: stderr
//                                         must stay empty and RSS flat
//
// Plays the TS scheduler's part of docs/TRANSPORT.md by hand: writes the
// header, descriptors and submit ring, drains on onWake.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const addon = require(new URL('../build/crossfair_rust.node', import.meta.url).pathname);

const N = 64;
const HEADER = 64, SLOT = 256;
const OK = 0, TASK_FAILED = 1, TASK_PANIC = 2, BAD_DESCRIPTOR = 5, ABORTED = 7;
const ctrlSab = new SharedArrayBuffer(HEADER + 8 * N + SLOT * N);
const u32 = new Uint32Array(ctrlSab);
const i32 = new Int32Array(ctrlSab);
const bytes = new Uint8Array(ctrlSab);
// Header (TRANSPORT.md): magic "CFB1", layout 1, N, slot size 256.
u32[0] = 0x31424643; u32[1] = 1; u32[2] = N; u32[3] = SLOT;
const COMP_HEAD = 4, COMP_TAIL = 5, WAKE = 6; // u32 word indices
const submitRing = (pos) => HEADER / 4 + (pos & (N - 1));
const completeRing = (pos) => HEADER / 4 + N + (pos & (N - 1));
const slotWord = (idx, off) => (HEADER + 8 * N + SLOT * idx + off) / 4;

const seg0 = new SharedArrayBuffer(1 << 20);
const seg0Bytes = new Uint8Array(seg0);

let wakes = 0;
let wakeResolve = null;
const onWake = () => { wakes++; if (wakeResolve) { const r = wakeResolve; wakeResolve = null; r(); } };
const pool = new addon.RustPool(new Uint8Array(ctrlSab), 2, onWake);
pool.registerSegment(0, new Uint8Array(seg0));

let submitPos = 0, head = 0, seq = 0;
function write(idx, kind, inOff, input, outOff, outCap, seg = 0) {
  seg0Bytes.set(input, inOff); // after registerSegment: the pointer must still see it
  const w = (off, v) => { u32[slotWord(idx, off)] = v; };
  w(0, ++seq); w(4, kind); w(8, seg); w(12, inOff); w(16, input.length);
  w(20, seg); w(24, outOff); w(28, outCap);
  i32[slotWord(idx, 32)] = -1;
  Atomics.store(u32, slotWord(idx, 48), 0);
}
function submit(idxs) {
  const start = submitPos;
  idxs.forEach((idx, i) => { u32[submitRing(start + i)] = idx; });
  submitPos += idxs.length;
  return pool.submit(start >>> 0, idxs.length);
}
function drain() {
  Atomics.store(u32, WAKE, 0);
  const tail = Atomics.load(u32, COMP_TAIL);
  const done = [];
  for (; head !== tail; head = (head + 1) >>> 0) done.push(u32[completeRing(head)]);
  Atomics.store(u32, COMP_HEAD, tail);
  return done;
}
async function waitFor(n, ms = 10000) {
  const done = [];
  const deadline = Date.now() + ms;
  pool.setRef(true);
  while (done.length < n) {
    done.push(...drain());
    if (done.length >= n) break;
    assert.ok(Date.now() < deadline, `timed out waiting for ${n} completions (got ${done.length})`);
    await new Promise((r) => { wakeResolve = r; setTimeout(r, 100); });
  }
  pool.setRef(false);
  return done;
}
const result = (idx) => ({
  status: i32[slotWord(idx, 32)],
  outLen: u32[slotWord(idx, 36)],
  worker: u32[slotWord(idx, 52)],
  msg: Buffer.from(bytes.subarray(HEADER + 8 * N + SLOT * idx + 64, HEADER + 8 * N + SLOT * idx + 64 + u32[slotWord(idx, 56)])).toString(),
});

// 1. echo + sha256 + fail + a bad descriptor + an out-of-range index.
const abc = Buffer.from('abc');
const hello = Buffer.from('héllo wörld ✓');
write(0, 1, 0, hello, 4096, 64);
write(1, 2, 128, abc, 8192, 32);
write(2, 5, 256, Buffer.from('boom'), 0, 0);
write(3, 1, (1 << 20) - 4, Buffer.alloc(0), 0, 0);
u32[slotWord(3, 16)] = 8; // in_off + in_len past the 1 MiB segment
assert.equal(submit([0, 1, 2, 3, N + 5]), 4, 'bad slot index is skipped and not counted');
const done1 = await waitFor(4);
assert.deepEqual([...done1].sort(), [0, 1, 2, 3]);
const echo = result(0), sha = result(1), fail = result(2), bad = result(3);
assert.equal(echo.status, OK);
assert.equal(Buffer.from(seg0Bytes.subarray(4096, 4096 + echo.outLen)).toString(), 'héllo wörld ✓');
assert.equal(sha.status, OK);
const digest = Buffer.from(seg0Bytes.subarray(8192, 8192 + sha.outLen)).toString('hex');
assert.equal(digest, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
assert.equal(digest, createHash('sha256').update('abc').digest('hex'));
assert.deepEqual([fail.status, fail.msg], [TASK_FAILED, 'boom']);
assert.equal(bad.status, BAD_DESCRIPTOR);
console.log('echo/sha256/fail/bad descriptor: ok');

// 2. A side segment registered through a subarray with a byteOffset.
const side = new SharedArrayBuffer(4096);
pool.registerSegment(9, new Uint8Array(side, 1024, 1024));
new Uint8Array(side).set(Buffer.from('side!'), 1024 + 10);
const w = (idx, off, v) => { u32[slotWord(idx, off)] = v; };
write(4, 1, 0, Buffer.alloc(0), 0, 0);
w(4, 8, 9); w(4, 12, 10); w(4, 16, 5); w(4, 20, 9); w(4, 24, 100); w(4, 28, 5);
submit([4]);
await waitFor(1);
assert.equal(result(4).status, OK);
assert.equal(Buffer.from(new Uint8Array(side, 1124, 5)).toString(), 'side!');
pool.unregisterSegment(9);
console.log('side segment with byteOffset: ok');

// 3. Cancel a running sleep.
write(5, 4, 300, Buffer.from('60000000'), 0, 0);
submit([5]);
while (pool.stats()[1] === 0) await new Promise((r) => setTimeout(r, 1));
Atomics.store(u32, slotWord(5, 48), 1);
await waitFor(1);
assert.equal(result(5).status, ABORTED);
console.log('cancel running sleep: ok; stats', pool.stats());

// 4. Optional: 100,000 panics, quietly.
if (process.argv.includes('--panics')) {
  const rss0 = process.memoryUsage().rss;
  const msg = Buffer.from('kaboom');
  let left = 100_000;
  while (left > 0) {
    const k = Math.min(N, left);
    const idxs = [];
    for (let i = 0; i < k; i++) { write(i, 6, 512 + i * 8, msg, 0, 0); idxs.push(i); }
    submit(idxs);
    const d = await waitFor(k);
    for (const i of d) assert.deepEqual([result(i).status, result(i).msg], [TASK_PANIC, 'kaboom']);
    left -= k;
  }
  const rss1 = process.memoryUsage().rss;
  console.log(`100000 panics: ok; panics stat ${pool.stats()[3]}; rss ${(rss0 / 1e6).toFixed(1)} -> ${(rss1 / 1e6).toFixed(1)} MB`);
}

// 5. Close, then E_CLOSED.
assert.equal(pool.close(1000), 0);
assert.throws(() => pool.submit(0, 1), /^Error: E_CLOSED: /);
assert.throws(() => new addon.RustPool(new Uint8Array(new SharedArrayBuffer(64)), 1, () => {}), /^Error: E_BAD_OPTIONS: /);
console.log(`close + E_CLOSED + E_BAD_OPTIONS: ok (onWake calls: ${wakes})`);
assert.ok(wakes > 0, 'onWake was called');

// 6. benchNative (no JS in the loop).
for (const batch of [1, 16, 256, 4096]) {
  const n = batch === 1 ? 50_000 : 1_000_000;
  const ns = addon.benchNative(n, batch, 1);
  console.log(`benchNative batch ${batch}: ${(ns / n).toFixed(1)} ns/task`);
}

// 7. The same empty echo tasks with JS in the loop: submit from JS, drain
//    on onWake, keep two batches in flight. Reports the whole per-task cost
//    (boundary call + native + wake-up + JS drain), for comparison.
async function jsLoop(batch, n) {
  const slots = Math.max(8, 2 ** Math.ceil(Math.log2(2 * batch)));
  const sab = new SharedArrayBuffer(HEADER + 8 * slots + SLOT * slots);
  const w32 = new Uint32Array(sab);
  w32[0] = 0x31424643; w32[1] = 1; w32[2] = slots; w32[3] = SLOT;
  let wake = null;
  const p = new addon.RustPool(new Uint8Array(sab), 1, () => { if (wake) { const r = wake; wake = null; r(); } });
  p.registerSegment(0, new Uint8Array(new SharedArrayBuffer(64)));
  const base = (HEADER + 8 * slots) / 4;
  for (let i = 0; i < slots; i++) w32[base + i * 64 + 1] = 1; // kind echo, everything else 0
  const free = Array.from({ length: slots }, (_, i) => i);
  let pos = 0, hd = 0, submitted = 0, completed = 0;
  p.setRef(true);
  const t0 = process.hrtime.bigint();
  while (completed < n) {
    while (free.length >= batch && submitted < n) {
      const k = Math.min(batch, n - submitted);
      for (let i = 0; i < k; i++) {
        const idx = free.pop();
        w32[base + idx * 64 + 8] = 0xffffffff; // status = -1
        w32[HEADER / 4 + ((pos + i) & (slots - 1))] = idx;
      }
      p.submit(pos >>> 0, k);
      pos += k; submitted += k;
    }
    Atomics.store(w32, WAKE, 0);
    const tail = Atomics.load(w32, COMP_TAIL);
    if (tail === hd) { await new Promise((r) => { wake = r; }); continue; }
    for (; hd !== tail; hd = (hd + 1) >>> 0) free.push(w32[HEADER / 4 + slots + (hd & (slots - 1))]);
    Atomics.store(w32, COMP_HEAD, tail);
    completed = hd;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  p.setRef(false);
  assert.equal(p.close(1000), 0);
  return ns / n;
}
for (const batch of [16, 256, 4096]) {
  console.log(`JS-driven batch ${batch}: ${(await jsLoop(batch, 400_000)).toFixed(1)} ns/task`);
}

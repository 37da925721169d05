// Cost per task across the boundary, against batch size, for each path
// (Rust napi, Go shim, Go ffi-rs in piscina) on `echo` with empty input.
// Drives the ring transport directly, streaming batches with two in flight. Beside it, the same pool code driven
// natively with no Node in the loop (the limit); the difference is what the
// boundary costs.
import { RingTransport } from '../dist/esm/transport/ring.js';
import { goLibraryPath, loadGoThroughShim, loadRustAddon } from '../dist/esm/native/loader.js';
import { FfiBackend, createFfiThreads, ffiBenchNative, openOnMainThread } from '../dist/esm/native/ffi-backend.js';
import { installSignalGuard } from '../dist/esm/native/signals.js';
import { repeat, table } from './lib.mjs';

const BATCHES = [1, 16, 256, 4096];
/** Tasks per measurement: enough for ~50 ms at the fast end. */
const TASKS = { napi: 400_000, shim: 400_000, ffi: 100_000 };
const TASKS_BATCH1 = { napi: 40_000, shim: 40_000, ffi: 4_000 };

/**
 * Streams `total` empty echo tasks in batches of `batch`, keeping two batches
 * in flight (as the native-limit drivers do, so neither side measures idle
 * thread wake-ups): each drain that frees a batch's worth of slots submits
 * the next batch in one boundary call. Returns ns per task.
 */
async function stream(open, batch, total) {
  let sent = 0;
  let done = 0;
  let wakes = 0;
  let finish = () => {};
  const ring = new RingTransport(8192, 1 << 20, () => done++);
  const staged = { kindId: 1, input: '', inLen: 0, outCap: 0 };
  const refill = () => {
    while (sent < total && sent - done + batch <= 2 * batch) {
      for (let i = 0; i < batch; i++) ring.stage(null, staged);
      void ring.commit();
      sent += batch;
    }
  };
  const backend = await open(ring.controlView, () => {
    wakes++;
    ring.drain();
    if (done >= total) finish();
    else refill();
  });
  await ring.attach(backend);
  backend.setRef(true);
  const finished = new Promise((r) => (finish = r));
  const t0 = process.hrtime.bigint();
  refill();
  await finished;
  const ns = Number(process.hrtime.bigint() - t0);
  backend.setRef(false);
  await ring.close(1000);
  return { perTask: ns / total, wakesPerBatch: wakes / (total / batch) };
}

/** Round trip of one empty task through an idle pool, in microseconds (median of `n`). */
async function roundTrip(open, n) {
  let release = () => {};
  const ring = new RingTransport(64, 1 << 16, () => release());
  const backend = await open(ring.controlView, () => ring.drain());
  await ring.attach(backend);
  backend.setRef(true);
  const staged = { kindId: 1, input: '', inLen: 0, outCap: 0 };
  const us = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const done = new Promise((r) => (release = r));
    ring.stage(null, staged);
    void ring.commit();
    await done;
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
    await new Promise((r) => setImmediate(r));
  }
  backend.setRef(false);
  await ring.close(1000);
  us.sort((a, b) => a - b);
  return us[us.length >> 1];
}

export async function boundary({ repeats }) {
  process.env.GOMAXPROCS ??= '1';
  installSignalGuard();
  const lib = goLibraryPath();
  const { shim } = loadGoThroughShim(lib);
  openOnMainThread(lib);
  const threads = await createFfiThreads(2);
  const rust = loadRustAddon();
  const paths = {
    napi: { open: (ctrl, wake) => new rust.RustPool(ctrl, 1, wake), limit: (n, b) => rust.benchNative(n, b, 1) },
    shim: { open: (ctrl, wake) => new shim.GoPool(ctrl, 1, wake), limit: (n, b) => shim.benchNative(n, b, 1) },
    ffi: { open: (ctrl, wake) => FfiBackend.open(threads, lib, ctrl, 1, wake), limit: (n, b) => ffiBenchNative(threads, lib, n, b, 1) },
  };
  const rows = [];
  const latency = [];
  const only = process.env.BENCH_PATHS?.split(',');
  for (const [path, p] of Object.entries(paths)) {
    if (only && !only.includes(path)) continue;
    for (const batch of BATCHES) {
      const total = batch === 1 ? TASKS_BATCH1[path] : TASKS[path];
      const r = await repeat(repeats, async () => {
        const { perTask, wakesPerBatch } = await stream(p.open, batch, total);
        const limit = (await p.limit(total, batch)) / total;
        return { perTaskNs: perTask, nativeLimitNs: limit, wakesPerBatch };
      });
      rows.push({
        path,
        batch,
        'ns/task': r.perTaskNs,
        'native limit ns/task': r.nativeLimitNs,
        'boundary ns/task': Math.max(0, r.perTaskNs - r.nativeLimitNs),
        'wake-ups/batch': r.wakesPerBatch,
        repeats,
      });
    }
    latency.push({ path, 'idle round trip us (median)': await roundTrip(p.open, 200) });
  }
  await threads.destroy();
  table('Boundary: cost per empty echo task, two batches in flight, by path and batch size (median of repeats)', rows);
  table('Latency: one empty task through an idle pool (thread wake-ups included)', latency);
  return { rows, latency };
}

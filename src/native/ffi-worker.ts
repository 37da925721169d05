/**
 * Piscina worker for the `ffi` transport: makes the C ABI calls with ffi-rs.
 * Every call here is synchronous and some block (`cf_wait`), which is why
 * they run on these threads and never on the event loop (docs/NATIVE-RULES.md §11).
 *
 * The library and ffi-rs itself were already loaded on the main thread
 * (ffi-backend.ts `openOnMainThread`, before these threads start); `open` here
 * dlopens the same absolute path, which returns the same handle, so the
 * process still has one Go runtime, and neither is unloaded when a thread exits.
 *
 * Pointer arguments are SharedArrayBuffer-backed Uint8Arrays (the control
 * region) or, for data segments, their address taken on the main thread:
 * ffi-rs passes a Uint8Array's backing store address without copying
 * (checked when this path was written), and the main thread keeps each
 * buffer referenced until the library is done with it. A segment is not
 * sent here as a buffer: this thread's copy of a SharedArrayBuffer object
 * would keep its memory alive until this isolate collects it, which an
 * isolate that allocates this little does rarely (64 MiB segments piled up
 * by the gigabyte).
 */
import ffi from 'ffi-rs';
import { FFI_LIBRARY_NAME, type FfiCall } from './ffi-calls.js';

const { DataType, open, load } = ffi;
let openedPath = '';

function call(funcName: string, retType: number, paramsType: number[], paramsValue: unknown[]): number {
  return load({ library: FFI_LIBRARY_NAME, funcName, retType, paramsType, paramsValue }) as unknown as number;
}

export default function run(msg: FfiCall): number | string | number[] {
  if (msg.op === 'barrier') return barrier(msg.counter, msg.parties, msg.timeoutMs);
  if (openedPath !== msg.lib) {
    open({ library: FFI_LIBRARY_NAME, path: msg.lib });
    openedPath = msg.lib;
  }
  const { I32, U32, U64, U8Array, Double, I64, BigInt } = DataType;
  switch (msg.op) {
    case 'abi':
      return call('cf_abi_version', U32, [], []);
    case 'kinds': {
      const buf = Buffer.alloc(4096);
      const n = call('cf_kinds', I32, [U8Array, I32], [buf, buf.length]);
      return n < 0 ? n : buf.toString('utf8', 0, n);
    }
    case 'create':
      return call('cf_pool_create', I32, [U8Array, U64, I32], [msg.ctrl, msg.ctrl.byteLength, msg.workers]);
    case 'register':
      // By address: this thread never holds the segment's SharedArrayBuffer
      // (ffi-backend.ts, addressOf). `uint8_t *base` goes as a 64-bit
      // integer, which the C calling conventions of x86-64 and arm64 pass
      // exactly as a pointer.
      if (msg.base !== undefined) return call('cf_segment_register', I32, [I32, U32, BigInt, U64], [msg.h, msg.id, msg.base, msg.len]);
      return call('cf_segment_register', I32, [I32, U32, U8Array, U64], [msg.h, msg.id, msg.seg, msg.len]);
    case 'unregister':
      return call('cf_segment_unregister', I32, [I32, U32], [msg.h, msg.id]);
    case 'submit':
      return call('cf_submit', I32, [I32, U32, U32], [msg.h, msg.start, msg.count]);
    case 'wait':
      return call('cf_wait', I32, [I32, I32], [msg.h, msg.timeoutMs]);
    case 'inject':
      return call('cf_inject', I32, [I32, Double, Double, Double], [msg.h, msg.errorRate, msg.delayFactor, msg.hangRate]);
    case 'stats': {
      const out = Buffer.alloc(8 * 5);
      const n = call('cf_pool_stats', I32, [I32, U8Array, I32], [msg.h, out, 5]);
      return n < 0 ? n : Array.from({ length: n }, (_, i) => Number(out.readBigUInt64LE(8 * i)));
    }
    case 'close':
      return call('cf_pool_close', I32, [I32, I32], [msg.h, msg.timeoutMs]);
    case 'bench':
      return call('cf_bench_native', I64, [I32, I32, I32], [msg.n, msg.batch, msg.workers]);
  }
}

/**
 * Holds this thread until `parties` threads have arrived, so that each of
 * `parties` concurrent barrier tasks occupies a thread of its own: once all
 * return, every thread has loaded this module. 1 when all arrived, 0 on
 * timeout.
 */
function barrier(counter: Int32Array, parties: number, timeoutMs: number): number {
  const deadline = Date.now() + timeoutMs;
  let n = Atomics.add(counter, 0, 1) + 1;
  if (n >= parties) Atomics.notify(counter, 0);
  while (n < parties) {
    const left = deadline - Date.now();
    if (left <= 0) return 0;
    Atomics.wait(counter, 0, n, left);
    n = Atomics.load(counter, 0);
  }
  return 1;
}

/**
 * FfiBackend: a pool reached through ffi-rs instead of the compiled shim. It
 * works with the Go library or any library implementing the C ABI
 * (native/go/include/crossfair.h), with no C++ compiled for it.
 *
 * Every C call is synchronous, so each runs on a piscina thread:
 * 1. Calls that change state (register, submit, unregister, inject, close)
 *    go through one promise chain, so the library sees them in the order the
 *    transport issued them, whichever thread runs each.
 * 2. While tasks are in flight a waiter keeps one `cf_wait` outstanding on its
 *    own thread; each return is this path's wake-up, and the transport drains.
 *    With nothing in flight there is no wait, so nothing keeps the process
 *    alive.
 *
 * The piscina pool is fixed-size (minThreads = maxThreads, no idle timeout):
 * threads that loaded native code are never churned (docs/NATIVE-RULES.md §11).
 */
import { Piscina } from 'piscina';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { CrossfairError, fromAbiError } from '../errors.js';
import { moduleDir } from './here.js';
import { FFI_LIBRARY_NAME, type FfiCall } from './ffi-calls.js';
import { ABI_VERSION, packageRoot } from './loader.js';
import type { NativeBackend } from './backend.js';

/** How long one `cf_wait` blocks before the waiter re-checks whether it is
 *  still needed: bounds how long an idle pool holds a thread after the last
 *  completion. Picked to be invisible next to task latencies; not a tuning knob. */
const WAIT_SLICE_MS = 100;

type Run = (msg: FfiCall) => Promise<number | string | number[]>;

let mainThreadOpened = '';
/** ffi-rs, once an ffi pool has opened on the main thread. */
let ffi: typeof import('ffi-rs') | undefined;

/**
 * Loads the library on the main thread before any worker does (docs/NATIVE-RULES.md §1).
 * ffi-rs is a native module: it is required here, when an ffi pool opens, and
 * never at import. Loaded on a thread that later exits, it takes the process
 * down with it (docs/NATIVE-RULES.md §8, §17).
 */
export function openOnMainThread(lib: string): void {
  if (mainThreadOpened === lib) return;
  if (!isMainThread) throw new CrossfairError('E_POOL_UNAVAILABLE', 'the ffi transport must be opened on the main thread (docs/NATIVE-RULES.md §1, §17)');
  ffi ??= createRequire(join(packageRoot, 'package.json'))('ffi-rs') as typeof import('ffi-rs');
  ffi.open({ library: FFI_LIBRARY_NAME, path: lib });
  mainThreadOpened = lib;
}

/** One piscina pool for every ffi-backed pool of a scheduler. */
/** How long all ffi threads may take to load their module before the pool fails to open. */
const THREADS_READY_MS = 30_000;

/**
 * The ffi threads, each with its worker module loaded. Waiting matters:
 * Node 20 loads this ES module into a piscina thread through require(esm),
 * and a thread terminated while it is still loading aborts the whole
 * process (FATAL "v8::ToLocalChecked Empty MaybeLocal" in
 * CreateRequiredModuleFacade; seen once in 30 runs of a test that closed a
 * scheduler right after opening it). A barrier task per thread, each held
 * until all have arrived, proves every thread is loaded before the
 * scheduler is handed out, so close() never terminates one mid-load.
 */
export async function createFfiThreads(threads: number): Promise<Piscina> {
  const pool = new Piscina({
    filename: pathToFileURL(join(moduleDir, 'ffi-worker.js')).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.MAX_SAFE_INTEGER,
    concurrentTasksPerWorker: 1,
  });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const arrived = await Promise.all(Array.from({ length: threads }, () => pool.run({ op: 'barrier', counter, parties: threads, timeoutMs: THREADS_READY_MS } satisfies FfiCall) as Promise<number>));
  if (arrived.some((r) => r !== 1)) {
    await pool.destroy();
    throw new CrossfairError('E_POOL_UNAVAILABLE', `ffi: ${threads} threads did not all start within ${THREADS_READY_MS} ms`);
  }
  return pool;
}

/** A C ABI call's result; a negative one throws, mapped by the one table of its codes (errors.ts CF_ERRORS). */
function check(what: string, r: number | string | number[]): number {
  if (typeof r === 'number' && r < 0) throw fromAbiError(what, r);
  return r as number;
}

/** The library's ABI version and kinds. Nothing but cf_abi_version is called on a library of another ABI version: its other symbols may have other signatures. */
export async function ffiLibraryInfo(threads: Piscina, lib: string): Promise<{ abiVersion: number; kinds: string }> {
  const run: Run = (m) => threads.run(m);
  const abiVersion = check('cf_abi_version', await run({ op: 'abi', lib }));
  if (abiVersion !== ABI_VERSION) throw new CrossfairError('E_ABI_MISMATCH', `library at ${lib} speaks ABI ${abiVersion}, this crossfair expects ${ABI_VERSION}`);
  const kinds = await run({ op: 'kinds', lib });
  if (typeof kinds !== 'string') throw new CrossfairError('E_ABI_MISMATCH', `cf_kinds failed (${String(kinds)})`);
  return { abiVersion, kinds };
}

export async function ffiBenchNative(threads: Piscina, lib: string, n: number, batch: number, workers: number): Promise<number> {
  return check('cf_bench_native', await threads.run({ op: 'bench', lib, n, batch, workers }));
}

const LIBC = 'crossfair_libc';
/** false: libc could not be opened; segments then go to the threads as buffers. */
let libcOpened: boolean | undefined;

/**
 * The address of `u8`'s first byte, on the main thread: libc's
 * `memmove(p, p, 0)` returns `p` and touches nothing. Segments are
 * registered by address so that no ffi thread ever receives a segment's
 * SharedArrayBuffer (see ffi-worker.ts); the backend keeps the buffer
 * referenced until its unregistration has run. Undefined when libc cannot
 * be opened.
 */
function addressOf(u8: Uint8Array): bigint | undefined {
  if (ffi === undefined) return undefined; // only ffi pools register segments, after openOnMainThread
  if (libcOpened === undefined) {
    try {
      ffi.open({ library: LIBC, path: 'libc.so.6' });
      libcOpened = true;
    } catch {
      libcOpened = false;
    }
  }
  if (!libcOpened) return undefined;
  const { BigInt: I64, U8Array, U64 } = ffi.DataType;
  return ffi.load({ library: LIBC, funcName: 'memmove', retType: I64, paramsType: [U8Array, U8Array, U64], paramsValue: [u8, u8, 0] }) as unknown as bigint;
}

export class FfiBackend implements NativeBackend {
  private chain: Promise<unknown> = Promise.resolve();
  private waiting = false;
  private wanted = false;
  private closed = false;
  /** First error of a chained call: surfaced by the next submit. */
  private failure: Error | undefined;
  /** Registered segments, referenced while the library may use them. */
  private readonly segments = new Map<number, Uint8Array>();

  private constructor(
    private readonly run: Run,
    private readonly lib: string,
    private readonly h: number,
    private readonly onWake: () => void,
  ) {}

  static async open(threads: Piscina, lib: string, ctrl: Uint8Array, workers: number, onWake: () => void): Promise<FfiBackend> {
    const run: Run = (m) => threads.run(m);
    const h = check('cf_pool_create', await run({ op: 'create', lib, ctrl, workers }));
    return new FfiBackend(run, lib, h, onWake);
  }

  private ordered(msg: FfiCall, what: string): Promise<number> {
    const p = this.chain.then(async () => check(what, await this.run(msg)));
    this.chain = p.catch((e: Error) => {
      this.failure ??= e;
    });
    return p;
  }

  registerSegment(id: number, seg: Uint8Array): Promise<void> {
    const base = seg.byteLength > 0 ? addressOf(seg) : undefined;
    this.segments.set(id, seg);
    return this.ordered({ op: 'register', lib: this.lib, h: this.h, id, len: seg.byteLength, base, seg: base === undefined ? seg : undefined }, 'cf_segment_register').then(() => undefined);
  }

  unregisterSegment(id: number): Promise<void> {
    // `seg` stays referenced (by this closure) until the library has let
    // go of it, even if `id` is registered anew meanwhile.
    const seg = this.segments.get(id);
    return this.ordered({ op: 'unregister', lib: this.lib, h: this.h, id }, 'cf_segment_unregister')
      .then(() => undefined)
      .finally(() => {
        if (this.segments.get(id) === seg) this.segments.delete(id);
      });
  }

  submit(start: number, count: number): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return this.ordered({ op: 'submit', lib: this.lib, h: this.h, start, count }, 'cf_submit');
  }

  inject(errorRate: number, delayFactor: number, hangRate: number): Promise<void> {
    return this.ordered({ op: 'inject', lib: this.lib, h: this.h, errorRate, delayFactor, hangRate }, 'cf_inject').then(() => undefined);
  }

  async stats(): Promise<number[]> {
    const r = await this.run({ op: 'stats', lib: this.lib, h: this.h });
    if (Array.isArray(r)) return r;
    check('cf_pool_stats', r);
    return [];
  }

  setRef(on: boolean): void {
    this.wanted = on;
    if (on && !this.waiting && !this.closed) void this.waitLoop();
  }

  async close(timeoutMs: number): Promise<number> {
    this.closed = true;
    return this.ordered({ op: 'close', lib: this.lib, h: this.h, timeoutMs }, 'cf_pool_close');
  }

  /** Step 2 of the header: one outstanding cf_wait while tasks are in flight. */
  private async waitLoop(): Promise<void> {
    this.waiting = true;
    try {
      while (this.wanted && !this.closed) {
        const n = await this.run({ op: 'wait', lib: this.lib, h: this.h, timeoutMs: WAIT_SLICE_MS });
        if (typeof n !== 'number' || n < 0) break;
        if (n > 0) this.onWake();
      }
    } catch (e) {
      // The threads were destroyed under the wait (close, or process teardown):
      // nothing is waiting for this pool any more. Anything else is a failure
      // the next submit reports.
      if (!this.closed) this.failure ??= e as Error;
    } finally {
      this.waiting = false;
    }
  }
}

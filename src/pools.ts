/**
 * Opening pools: one place that knows how each runtime is reached.
 *
 * 1. Go first, on the main thread, before any worker thread exists: set
 *    GOMAXPROCS / GOMEMLIMIT from the options (Go reads them at load), install
 *    the signal guard, load the one Go library (BOUNDARY-RULES 1, 3, 4).
 * 2. Rust: require the addon on the main thread (BOUNDARY-RULES 8).
 * 3. Each pool: control region and arena allocated by its transport, the
 *    backend opened over them, the arena registered as segment 0.
 */
import type { Piscina } from 'piscina';
import { CrossfairError, fromNativeError } from './errors.js';
import { parseKindList } from './kinds.js';
import { goLibraryPath, loadGoThroughShim, loadRustAddon, ABI_VERSION } from './native/loader.js';
import { FfiBackend, createFfiThreads, ffiLibraryInfo, openOnMainThread } from './native/ffi-backend.js';
import type { NativeBackend } from './native/backend.js';
import { installSignalGuard } from './signals.js';
import { NativePool, type PoolTask } from './pool.js';
import type { PoolModel } from './policy/pool-model.js';
import type { SchedulerConfig, PoolConfig } from './options.js';
import type { Completion } from './transport/ring.js';

export interface OpenedPools<T extends PoolTask> {
  pools: NativePool<T>[];
  /** Threads of the ffi transport, when a pool uses it. */
  ffiThreads?: Piscina;
}

type Settle<T extends PoolTask> = (t: T, c: Completion, pool: NativePool<T>) => void;

function prepareGoEnvironment(cfg: SchedulerConfig): void {
  const go = cfg.pools.filter((p) => p.runtime === 'go');
  // Go reads these once, when it loads; an explicit environment wins.
  // GOMAXPROCS = workers + 1: the extra P serves the JS thread's calls into
  // Go (submit, wait) and the runtime's own goroutines (timers, waits off
  // the workers). With only the workers' Ps, a call from the JS thread
  // waits until a spinning worker gives its P up (measured: I/O mix 32k ->
  // 49k tasks/s, event-loop p99 3.6 -> 3.2 ms; docs/FAIRNESS.md). The extra
  // P is idle but for those short calls, so it does not add a thread that
  // competes for a core (BOUNDARY-RULES 13).
  process.env.GOMAXPROCS ??= String(Math.max(...go.map((p) => p.workers)) + 1);
  process.env.GOMEMLIMIT ??= cfg.goMemoryLimit;
  installSignalGuard();
}

export async function openPools<T extends PoolTask>(cfg: SchedulerConfig, settle: Settle<T>, drained: () => void): Promise<OpenedPools<T>> {
  const go = cfg.pools.filter((p) => p.runtime === 'go');
  let goLib: string | undefined;
  let shimKinds: Map<string, number> | undefined;
  let ffiKinds: Map<string, number> | undefined;
  let ffiThreads: Piscina | undefined;
  if (go.length > 0) {
    prepareGoEnvironment(cfg);
    goLib = goLibraryPath(go.find((p) => p.library)?.library);
    if (go.some((p) => p.transport === 'shim')) shimKinds = parseKindList(loadGoThroughShim(goLib).kinds);
    const ffiPools = go.filter((p) => p.transport === 'ffi').length;
    if (ffiPools > 0) {
      openOnMainThread(goLib);
      // One thread per pool for its blocking cf_wait, one for ordered calls.
      ffiThreads = createFfiThreads(ffiPools + 1);
      const info = await ffiLibraryInfo(ffiThreads, goLib);
      if (info.abiVersion !== ABI_VERSION) {
        await ffiThreads.destroy();
        throw new CrossfairError('E_ABI_MISMATCH', `library at ${goLib} speaks ABI ${info.abiVersion}, this crossfair expects ${ABI_VERSION}`);
      }
      ffiKinds = parseKindList(info.kinds);
    }
  }
  const rust = cfg.pools.some((p) => p.runtime === 'rust') ? loadRustAddon() : undefined;

  const pools: NativePool<T>[] = [];
  const models: PoolModel[] = [];
  try {
    for (const p of cfg.pools) {
      const kinds = p.runtime === 'rust' ? parseKindList(rust!.kinds()) : p.transport === 'ffi' ? ffiKinds! : shimKinds!;
      const pool = new NativePool<T>(p, kinds, settle, drained, models);
      const ctrl = pool.ring.controlView;
      let backend: NativeBackend;
      try {
        if (p.runtime === 'rust') backend = new rust!.RustPool(ctrl, p.workers, pool.wake);
        else if (p.transport === 'ffi') backend = await FfiBackend.open(ffiThreads!, goLib!, ctrl, p.workers, pool.wake);
        else backend = new (loadGoThroughShim(goLib!).shim.GoPool)(ctrl, p.workers, pool.wake);
        await pool.attach(backend);
      } catch (e) {
        throw poolError(p, e);
      }
      pools.push(pool);
    }
  } catch (e) {
    await Promise.allSettled(pools.map((p) => p.close(1000)));
    await ffiThreads?.destroy();
    throw e;
  }
  const out: OpenedPools<T> = { pools };
  if (ffiThreads) out.ffiThreads = ffiThreads;
  return out;
}

function poolError(p: PoolConfig, e: unknown): CrossfairError {
  const err = fromNativeError(e, 'E_POOL_UNAVAILABLE', { pool: p.name, runtime: p.runtime });
  err.message = `pool ${p.name} (${p.runtime}/${p.transport}): ${err.message}`;
  return err;
}

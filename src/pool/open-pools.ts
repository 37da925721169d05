/**
 * Opening pools: one place that knows how each runtime is reached.
 *
 * 1. Go first, on the main thread, before any worker thread exists: set
 *    GOMAXPROCS / GOMEMLIMIT from the options (Go reads them at load), install
 *    the signal guard, load the one Go library (docs/NATIVE-RULES.md §1, §3, §4).
 * 2. Rust: require the addon on the main thread (docs/NATIVE-RULES.md §8).
 * 3. Each pool: made with its parts (the caller's `wire` gives its breaker,
 *    quarantine, batcher, headroom and callbacks), control region and arena
 *    allocated by its transport, the backend opened over them, the arena
 *    registered as segment 0.
 */
import type { Piscina } from 'piscina';
import { CrossfairError, fromNativeError } from '../errors.js';
import { parseKindList } from '../kinds.js';
import { goLibraryPath, loadGoThroughShim, loadRustAddon, openShimPool } from '../native/loader.js';
import type { NativeBackend } from '../native/backend.js';
import { installSignalGuard } from '../native/signals.js';
import { NativePool, type PoolParts, type PoolTask } from './native-pool.js';
import type { PoolModel } from '../placement/pool-model.js';
import type { SchedulerConfig, PoolConfig } from '../options.js';

export interface OpenedPools<T extends PoolTask> {
  pools: NativePool<T>[];
  /** Pools that could not be loaded and were not required (graceful degradation). */
  down: { cfg: PoolConfig; error: CrossfairError }[];
  /** Threads of the ffi transport, when a pool uses it. */
  ffiThreads?: Piscina;
}

/** The parts of pool `index` that the scheduler makes (the rest comes from loading it). */
export type PoolWiring<T extends PoolTask> = Omit<PoolParts<T>, 'index' | 'kinds' | 'models'>;

function prepareGoEnvironment(cfg: SchedulerConfig): void {
  const go = cfg.pools.filter((p) => p.runtime === 'go');
  // Go reads these once, when it loads; an explicit environment wins.
  // GOMAXPROCS = workers + 1: the extra P serves the JS thread's calls into
  // Go (submit, wait) and the runtime's own goroutines (timers, waits off
  // the workers). With only the workers' Ps, a call from the JS thread
  // waits until a spinning worker gives its P up (measured: I/O mix 32k ->
  // 49k tasks/s, event-loop p99 3.6 -> 3.2 ms; docs/FAIRNESS.md). The extra
  // P is idle but for those short calls, so it does not add a thread that
  // competes for a core (docs/NATIVE-RULES.md §13).
  process.env.GOMAXPROCS ??= String(Math.max(...go.map((p) => p.workers)) + 1);
  process.env.GOMEMLIMIT ??= cfg.goMemoryLimit;
  installSignalGuard();
}

/**
 * Loads the runtimes and opens every pool. A pool that cannot be loaded
 * (library missing, wrong ABI version, a failed open) is left out and
 * reported in `down`, unless its options say `required`: then, or when no
 * pool at all could be opened, this throws the pool's error.
 */
export async function openPools<T extends PoolTask>(cfg: SchedulerConfig, wire: (p: PoolConfig, index: number) => PoolWiring<T>): Promise<OpenedPools<T>> {
  const down: OpenedPools<T>['down'] = [];
  const failed = new Map<PoolConfig, CrossfairError>();
  const fail = (list: PoolConfig[], e: unknown): void => {
    for (const p of list) {
      const err = poolError(p, e);
      if (p.required) throw err;
      failed.set(p, err);
    }
  };
  const go = cfg.pools.filter((p) => p.runtime === 'go');
  let goLib: string | undefined;
  let shimKinds: Map<string, number> | undefined;
  let ffiKinds: Map<string, number> | undefined;
  let ffiThreads: Piscina | undefined;
  // The ffi path (piscina, ffi-rs) is imported only when an ffi pool opens: nothing native loads at import.
  let ffi: typeof import('../native/ffi-backend.js') | undefined;
  if (go.length > 0) {
    prepareGoEnvironment(cfg);
    const shimPools = go.filter((p) => p.transport === 'shim');
    const ffiPools = go.filter((p) => p.transport === 'ffi');
    try {
      goLib = goLibraryPath(go.find((p) => p.library)?.library);
      if (shimPools.length > 0) shimKinds = parseKindList(loadGoThroughShim(goLib).kinds);
    } catch (e) {
      fail(goLib === undefined ? go : shimPools, e);
    }
    if (ffiPools.length > 0 && goLib !== undefined) {
      try {
        ffi = await import('../native/ffi-backend.js');
        ffi.openOnMainThread(goLib);
        // One thread per pool for its blocking cf_wait, one for ordered calls.
        ffiThreads = await ffi.createFfiThreads(ffiPools.length + 1);
        const info = await ffi.ffiLibraryInfo(ffiThreads, goLib); // checks the ABI version first
        ffiKinds = parseKindList(info.kinds);
      } catch (e) {
        await ffiThreads?.destroy();
        ffiThreads = undefined;
        fail(ffiPools, e);
      }
    }
  }
  const rustPools = cfg.pools.filter((p) => p.runtime === 'rust');
  let rust: ReturnType<typeof loadRustAddon> | undefined;
  if (rustPools.length > 0) {
    try {
      rust = loadRustAddon();
    } catch (e) {
      fail(rustPools, e);
    }
  }

  const pools: NativePool<T>[] = [];
  const models: PoolModel[] = [];
  try {
    for (const p of cfg.pools) {
      if (failed.has(p)) continue;
      const kinds = p.runtime === 'rust' ? parseKindList(rust!.kinds()) : p.transport === 'ffi' ? ffiKinds! : shimKinds!;
      const index = pools.length;
      const pool = new NativePool<T>(p, { ...wire(p, index), index, kinds, models });
      const ctrl = pool.ring.controlView;
      let backend: NativeBackend;
      try {
        if (p.runtime === 'rust') backend = new rust!.RustPool(ctrl, p.workers, pool.wake);
        else if (p.transport === 'ffi') backend = await ffi!.FfiBackend.open(ffiThreads!, goLib!, ctrl, p.workers, pool.wake);
        else backend = openShimPool(goLib!, ctrl, p.workers, pool.wake);
        await pool.attach(backend);
      } catch (e) {
        models.splice(models.indexOf(pool.model), 1);
        fail([p], e);
        continue;
      }
      pools.push(pool);
    }
    if (pools.length === 0) throw failed.values().next().value ?? new CrossfairError('E_POOL_UNAVAILABLE', 'no pool could be opened');
  } catch (e) {
    await Promise.allSettled(pools.map((p) => p.close(1000)));
    await ffiThreads?.destroy();
    throw e;
  }
  for (const [p, error] of failed) down.push({ cfg: p, error });
  const out: OpenedPools<T> = { pools, down };
  if (ffiThreads) out.ffiThreads = ffiThreads;
  return out;
}

function poolError(p: PoolConfig, e: unknown): CrossfairError {
  const err =
    e instanceof CrossfairError
      ? new CrossfairError(e.code, e.message, { pool: p.name, runtime: p.runtime, causes: [e] })
      : fromNativeError(e, 'E_POOL_UNAVAILABLE', { pool: p.name, runtime: p.runtime });
  err.message = `pool ${p.name} (${p.runtime}/${p.transport}): ${err.message}`;
  return err;
}

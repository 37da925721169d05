/**
 * The end of the scheduler: refuse new tasks, wait for the rest up to a
 * deadline, then take every queued task out and cancel it, and what waits
 * out a retry backoff, and what runs (E_CLOSED); close each pool (native
 * workers stop and report whether any is still busy; only then is shared
 * memory released); deliver the refusals still batched, so no promise
 * outlives close().
 */
import { CrossfairError } from '../errors.js';
import type { CloseOptions } from '../types.js';
import type { Core } from './core.js';
import type { Dispatch } from './dispatch.js';
import type { HealthWatch } from './health.js';
import { IN_FLIGHT } from './ledger.js';
import type { Settle } from './settle.js';

/** close()'s deadline from its options (default 5000 ms). */
export function closeTimeout(options: unknown): number {
  if (options === undefined) return 5000;
  if (typeof options !== 'object' || options === null) throw new CrossfairError('E_BAD_OPTIONS', 'close: options must be an object');
  const t = (options as CloseOptions).timeoutMs ?? 5000;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new CrossfairError('E_BAD_OPTIONS', 'close: timeoutMs must be a finite number >= 0');
  return t;
}

export async function shutdown(core: Core, dispatch: Dispatch, settle: Settle, health: HealthWatch, timeoutMs: number): Promise<void> {
  core.closing = true;
  if (core.totals.queued + core.totals.inFlight > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([core.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  // Paced pools kept dispatching while we waited; now nothing more goes out.
  dispatch.stop();
  for (const job of core.queue.drain()) settle.cancel(job, 'E_CLOSED', 'the scheduler closed before the task ran', false, false);
  settle.cancelBackingOff('E_CLOSED', 'the scheduler closed while the task waited to be retried');
  for (const p of core.pools) {
    for (const job of p.ring.owners()) if (job.state === IN_FLIGHT) settle.cancel(job, 'E_CLOSED', 'the scheduler closed while the task ran');
  }
  const busy = await Promise.all(core.pools.map((p) => p.close(1000)));
  busy.forEach((n, i) => {
    if (n > 0)
      process.emitWarning(`crossfair: pool ${core.pools[i]!.name} still had ${n} busy worker(s) at close; its memory stays allocated`, {
        code: 'CROSSFAIR_CLOSE_BUSY',
      });
  });
  health.close();
  settle.refusals.deliver();
  await core.ffiThreads?.destroy();
}

/**
 * crossfair: fair scheduling of work across Rust- and Go-managed worker pools
 * inside the Node process. The root only re-exports.
 */
import { resolveOptions } from './options.js';
import { CrossfairError, guard } from './errors.js';
import type { Registry } from 'prom-client';
import { CrossfairScheduler } from './scheduler/scheduler.js';
import type { Scheduler, SchedulerOptions } from './types.js';

export { CrossfairError, ERROR_CODES, isCrossfairError, type ErrorCode } from './errors.js';
export type * from './types.js';
export { BUILTIN_KINDS } from './kinds.js';
export { encodeTask, decodeTask, ENVELOPE_VERSION, OLDEST_ENVELOPE_VERSION, type TaskEnvelope } from './envelope.js';

/** Creates a scheduler: validates the options, loads the native pools, starts them. */
export async function createScheduler(options?: SchedulerOptions): Promise<Scheduler> {
  const cfg = guard('E_BAD_OPTIONS', () => resolveOptions(options));
  const registry = guard('E_BAD_OPTIONS', () => {
    const r = options?.registry;
    if (
      r !== undefined &&
      (typeof r !== 'object' || r === null || typeof (r as Registry).registerMetric !== 'function' || typeof (r as Registry).metrics !== 'function')
    ) {
      throw new CrossfairError('E_BAD_OPTIONS', 'registry: must be a prom-client Registry');
    }
    return r;
  });
  return CrossfairScheduler.create(cfg, registry);
}

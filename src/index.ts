/**
 * crossfair: fair scheduling of work across Rust- and Go-managed worker pools
 * inside the Node process. The root only re-exports.
 */
import { resolveOptions } from './options.js';
import { CrossfairScheduler } from './scheduler.js';
import type { Scheduler, SchedulerOptions } from './types.js';

export { CrossfairError, ERROR_CODES, isCrossfairError, type ErrorCode } from './errors.js';
export type * from './types.js';
export { BUILTIN_KINDS } from './kinds.js';

/** Creates a scheduler: validates the options, loads the native pools, starts them. */
export async function createScheduler(options?: SchedulerOptions): Promise<Scheduler> {
  const cfg = resolveOptions(options);
  return CrossfairScheduler.create(cfg, options?.registry);
}

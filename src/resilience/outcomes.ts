/**
 * What a task's outcome means for its pool's breaker and its kind's
 * quarantine, and the backoff before a retry (docs/RESILIENCE.md).
 *
 * - Outcomes (outcomeOf): 'runtime' — the runtime failed the task (an
 *   injected fault, a descriptor the native checks refused; the scheduler
 *   adds a running task that outlived its timeoutMs and a failed boundary
 *   call) — counts against the pool's breaker; 'panic' counts against the
 *   kind's quarantine on that pool and, for the pool, as a task it ran (it
 *   contained the panic); 'ok' is everything else, the task's own failures
 *   included; 'lost': a task cancelled while it ran says nothing either way
 *   (its probe, if it was one, is free again).
 * - An idempotent task that met a runtime failure or a panic is retried,
 *   preferring another pool (the panic may be that pool's implementation of
 *   the kind), up to retry.maxAttempts attempts in all.
 * - Backoff before attempt n (n >= 2): uniform in
 *   [0, min(maxMs, baseMs * 2^(n-2))] ("full jitter": retries of a burst
 *   spread out instead of arriving together).
 */
import { STATUS } from '../transport/layout.js';
import type { RetryConfig } from '../options.js';

/** Statuses that mean the runtime failed the task: an injected fault, a descriptor the native checks refused. */
export const RUNTIME_FAILURES: ReadonlySet<number> = new Set([STATUS.INJECTED, STATUS.BAD_DESCRIPTOR]);

/** What an outcome means for the pool's breaker and the kind's quarantine (header). */
export type Outcome = 'ok' | 'runtime' | 'panic' | 'lost';

/** The Outcome of a completion's status. */
export function outcomeOf(status: number): Outcome {
  if (status === STATUS.TASK_PANIC) return 'panic';
  return RUNTIME_FAILURES.has(status) ? 'runtime' : 'ok';
}

/** Backoff before attempt `attempt` (>= 2), ms (header). */
export function backoffMs(attempt: number, cfg: RetryConfig, rng: () => number): number {
  return rng() * Math.min(cfg.maxMs, cfg.baseMs * 2 ** (attempt - 2));
}

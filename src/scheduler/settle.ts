/**
 * The end of a task's life: a completion from its pool, a retry after a
 * backoff, or a cancel (timeout, abort, close, no pool can take it, a
 * failed boundary call). Each task settles exactly once: whatever comes
 * later for it (a completion after a cancel) only frees what it held.
 *
 * - completed(): the fair queue's charge is corrected with the measured
 *   cost and the pool's model learns it (even for a task cancelled
 *   meanwhile: the time was spent); the outcome feeds the pool's breaker
 *   and the kind's quarantine (resilience/outcomes.ts); an idempotent task
 *   the runtime failed (or that panicked) is retried, else it resolves or
 *   rejects with the code of its status.
 * - retry(): waits a jittered backoff (counted as queued), then queues the
 *   task again, avoiding the pool it failed on.
 * - cancel(): a queued task is marked and skipped by the queue; a running
 *   one gets its slot's cancel word set, its worker is watched until it
 *   comes back, and a timeout counts against its pool (a latency breach).
 */
import { CrossfairError, refusal, show, type ErrorCode } from '../errors.js';
import { SignalWatch } from '../admission/signal-watch.js';
import { backoffMs, outcomeOf } from '../resilience/outcomes.js';
import { Refusals } from '../resilience/refusals.js';
import { ended, retrying } from '../observability/tracing.js';
import type { NativePool } from '../pool/native-pool.js';
import { STATUS } from '../transport/layout.js';
import type { Completion } from '../transport/ring.js';
import type { Core } from './core.js';
import type { HealthWatch } from './health.js';
import type { Job } from './job.js';
import { BACKOFF, CANCELLED, COMPLETED, FAILED, IN_FLIGHT, QUEUED } from './ledger.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  [STATUS.TASK_FAILED]: 'E_TASK_FAILED',
  [STATUS.TASK_PANIC]: 'E_TASK_PANIC',
  [STATUS.UNKNOWN_KIND]: 'E_UNKNOWN_KIND',
  [STATUS.BAD_INPUT]: 'E_BAD_INPUT',
  [STATUS.BAD_DESCRIPTOR]: 'E_BAD_DESCRIPTOR',
  [STATUS.OUTPUT_TOO_LARGE]: 'E_OUTPUT_TOO_LARGE',
  [STATUS.ABORTED]: 'E_ABORTED',
  [STATUS.INJECTED]: 'E_TASK_FAILED',
  [STATUS.NO_MEMORY]: 'E_NO_MEMORY',
};

export class Settle {
  /** One 'abort' listener per signal, however many tasks share it. */
  readonly signals = new SignalWatch<Job>((job) => this.cancel(job, 'E_ABORTED', 'aborted by its signal'));
  /** Rejections of tasks no pool could take, delivered in batches (resilience/refusals.ts). */
  readonly refusals = new Refusals();
  /** Tasks waiting out a retry backoff. */
  private readonly backingOff = new Set<Job>();

  constructor(
    private readonly core: Core,
    private readonly health: HealthWatch,
    /** Queues `job` again and schedules a flush (dispatch.ts). */
    private readonly requeue: (job: Job) => void,
  ) {}

  /** A completion of `job` from `pool`. */
  completed(job: Job, c: Completion, pool: NativePool<Job>): void {
    const core = this.core;
    const execUs = c.execNs / 1000;
    // One clock read for everything this completion updates.
    const now = performance.now();
    // The time was spent even if the task was cancelled meanwhile: charge it.
    core.queue.correct(job, job.estimateUs, execUs);
    pool.model.finish(
      job.task.kind.name,
      job.task.inLen,
      job.task.estimateCpuUs,
      job.estimateUs,
      execUs,
      now,
      c.status === STATUS.OK && job.state === IN_FLIGHT,
    );
    this.health.progressed(pool, now);
    if (job.state !== IN_FLIGHT) {
      this.health.stuck.returned(job); // cancelled earlier and already settled; its worker is free again
      return;
    }
    const outcome = outcomeOf(c.status);
    pool.record(job.task.kind.name, outcome, now);
    if (outcome === 'runtime' || this.health.unsettled(pool)) this.health.check(pool);
    job.cls.servedNs += c.execNs;
    if (outcome !== 'ok' && this.retryable(job)) {
      this.retry(job, pool);
      return;
    }
    this.detach(job);
    const code = c.status === STATUS.OK ? undefined : (STATUS_CODES[c.status] ?? 'E_TASK_FAILED');
    if (job.span)
      ended(job.span, now, {
        pool: pool.name,
        runtime: pool.runtime,
        attempts: job.attempts,
        execUs,
        ...(code === undefined ? {} : { code, message: c.message }),
      });
    core.telemetry?.settled(job.cls.index, pool.index, job.dispatchedAt - job.enqueuedAt, execUs, now - job.submittedAt, code, job.task.tenant, now);
    if (code === undefined) {
      core.ledger.move(job, COMPLETED);
      if (core.arms) core.arms[job.canary ? 1 : 0].execSumUs += execUs;
      job.resolve({
        output: c.output,
        pool: pool.name,
        runtime: pool.runtime,
        waitUs: Math.round((job.dispatchedAt - job.enqueuedAt) * 1000),
        execUs: Math.round(execUs),
        attempts: job.attempts,
      });
    } else {
      core.ledger.move(job, code === 'E_ABORTED' ? CANCELLED : FAILED);
      const message = c.status === STATUS.ABORTED ? 'the pool shut down while the task ran' : c.message;
      job.reject(new CrossfairError(code, message, { pool: pool.name, runtime: pool.runtime, kind: job.task.kind.name, attempts: job.attempts }));
    }
    core.checkIdle();
  }

  /**
   * Settles `job` with `code` wherever it is. `failed`: the task counts as
   * failed, not cancelled (no pool can run it). `inQueue`: false when the
   * queue already let it go (close() drained it).
   */
  cancel(job: Job, code: ErrorCode, message: string, failed = false, inQueue = true): void {
    const core = this.core;
    // No pool could take it (flush): its rejection waits for the next batch of refusals.
    const refused = code === 'E_POOL_UNAVAILABLE' && job.state === QUEUED;
    if (job.state === QUEUED) {
      if (inQueue) core.queue.cancelled(job);
    } else if (job.state === BACKOFF) {
      clearTimeout(job.retryTimer);
      this.backingOff.delete(job);
    } else if (job.state === IN_FLIGHT) {
      const pool = job.pool!;
      pool.cancel(job);
      const now = performance.now();
      this.health.stuck.cancelled(job, now);
      pool.record(job.task.kind.name, code === 'E_TIMEOUT' ? 'runtime' : 'lost', now);
      if (code === 'E_TIMEOUT') this.health.check(pool);
    } else return;
    core.ledger.move(job, failed ? FAILED : CANCELLED);
    this.detach(job);
    core.telemetry?.cancelledTask(job.cls.index, code);
    if (job.span)
      ended(job.span, performance.now(), { attempts: job.attempts, code, message, ...(job.pool ? { pool: job.pool.name, runtime: job.pool.runtime } : {}) });
    const details = { kind: job.task.kind.name, attempts: job.attempts, ...(job.pool ? { pool: job.pool.name, runtime: job.pool.runtime } : {}) };
    if (refused) this.refusals.add(job.reject, refusal('E_POOL_UNAVAILABLE', message, details));
    else job.reject(new CrossfairError(code, message, details));
    core.checkDrain();
    core.checkIdle();
  }

  /** A boundary call failed: the tasks it carried cannot complete. */
  poolFailed(pool: NativePool<Job>, e: unknown): void {
    const err =
      e instanceof CrossfairError
        ? e
        : new CrossfairError('E_POOL_UNAVAILABLE', e instanceof Error ? e.message : show(e), { pool: pool.name, runtime: pool.runtime });
    const now = performance.now();
    for (const job of pool.ring.owners()) {
      if (job.state !== IN_FLIGHT) continue;
      pool.breaker.record(false, now);
      this.cancel(job, err.code, `pool ${pool.name} failed: ${err.message}`, true);
    }
    this.health.check(pool);
  }

  /** Cancels every task waiting out a backoff (close). */
  cancelBackingOff(code: ErrorCode, message: string): void {
    for (const job of [...this.backingOff]) this.cancel(job, code, message);
  }

  private retryable(job: Job): boolean {
    return job.task.idempotent && job.attempts < this.core.cfg.retry.maxAttempts && !this.core.closing;
  }

  /** Waits out the backoff (counted as queued), then queues `job` again, avoiding `pool`. */
  private retry(job: Job, pool: NativePool<Job>): void {
    const core = this.core;
    job.attempts++;
    core.retries++;
    if (core.telemetry) core.telemetry.retried[job.cls.index]!++;
    job.avoid = pool.index;
    job.laneKey = `${job.task.kind.name}|${job.pin}|${job.task.estimateIo === true ? 1 : 0}|avoid${job.avoid}`;
    core.ledger.move(job, BACKOFF);
    job.pool = undefined;
    this.backingOff.add(job);
    const delay = backoffMs(job.attempts, core.cfg.retry, core.rng);
    if (job.span) retrying(job.span, performance.now(), job.attempts, delay);
    job.retryTimer = setTimeout(() => {
      job.retryTimer = undefined;
      this.backingOff.delete(job);
      if (job.state !== BACKOFF) return;
      core.ledger.move(job, QUEUED);
      job.enqueuedAt = performance.now();
      this.requeue(job);
    }, delay);
  }

  private detach(job: Job): void {
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (job.task.signal !== undefined) this.signals.unwatch(job.task.signal, job);
  }
}

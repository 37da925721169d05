/**
 * The start of a task's life. admit(): check every field (admission/task.ts);
 * closed → E_CLOSED, full → E_QUEUE_FULL, over a class or tenant rate →
 * E_RATE_LIMITED, bad → a code: such tasks count as rejected and were never
 * submitted. Otherwise the task becomes a Job, the ledger counts it queued,
 * its timer is set and its signal watched, and it joins the policy's queue
 * with one flush scheduled for the end of the tick, so a burst of submits
 * crosses as one batch.
 */
import { CrossfairError, refusal, show } from '../errors.js';
import { checkTask, type CheckedTask } from '../admission/task.js';
import { inCanary } from '../queue/rollout.js';
import { startTask, tracingOn } from '../observability/tracing.js';
import type { Task, TaskResult } from '../types.js';
import type { Core } from './core.js';
import { Job, nextJobSeq, type ClassState } from './job.js';
import type { Settle } from './settle.js';

export class Admission {
  constructor(
    private readonly core: Core,
    private readonly settle: Settle,
    /** Queues an admitted job and schedules a flush (dispatch.ts). */
    private readonly enqueue: (job: Job) => void,
  ) {}

  /** submitMany(): one promise per task that resolves either way (a result or its error); the array itself bad → a rejection. */
  many(tasks: readonly Task[]): Promise<(TaskResult | CrossfairError)[]> {
    let n: number;
    try {
      // A proxy or a revoked proxy throws from here: the array itself is bad.
      if (!Array.isArray(tasks)) throw new CrossfairError('E_BAD_INPUT', 'submitMany takes an array of tasks');
      n = tasks.length;
      if (!Number.isSafeInteger(n) || n < 0) throw new CrossfairError('E_BAD_INPUT', 'submitMany: the array has no valid length');
    } catch (e) {
      return Promise.reject(
        e instanceof CrossfairError
          ? e
          : new CrossfairError('E_BAD_INPUT', `submitMany: cannot read the array: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }),
      );
    }
    const out = new Array<Promise<TaskResult | CrossfairError>>(n);
    for (let i = 0; i < n; i++) {
      let task: Task;
      try {
        task = tasks[i]!;
      } catch (e) {
        this.core.rejected++;
        out[i] = Promise.resolve(
          new CrossfairError('E_BAD_INPUT', `submitMany: cannot read task ${i}: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }),
        );
        continue;
      }
      out[i] = new Promise<TaskResult | CrossfairError>((resolve) => this.admit(task, resolve, resolve));
    }
    return Promise.all(out);
  }

  admit(task: Task, resolve: (r: TaskResult) => void, reject: (e: CrossfairError) => void): void {
    const core = this.core;
    let checked: CheckedTask;
    let cls: ClassState | undefined;
    try {
      if (core.closing) throw new CrossfairError('E_CLOSED', 'the scheduler is closed');
      if (core.down.length > 0) this.checkNotDown(task);
      checked = checkTask(task, core.ctx);
      const c = core.classes.get(checked.className)!;
      cls = c;
      if (checked.signal?.aborted) throw new CrossfairError('E_ABORTED', 'the signal was already aborted');
      if (core.totals.queued >= core.cfg.maxQueue) throw refusal('E_QUEUE_FULL', `${core.totals.queued} tasks queued; maxQueue is ${core.cfg.maxQueue}`);
      c.limits.admit(core.ledger.classes[c.index]!.queued, checked.tenant, performance.now());
    } catch (e) {
      core.rejected++;
      core.telemetry?.rejectedTask(cls?.index, e instanceof CrossfairError ? e.code : 'E_BAD_INPUT');
      reject(e instanceof CrossfairError ? e : new CrossfairError('E_BAD_INPUT', `invalid task: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] }));
      return;
    }
    const pin = checked.pool === undefined ? -1 : core.pools.findIndex((p) => p.name === checked.pool);
    const canary = core.cfg.rollout !== undefined && inCanary(core.cfg.rollout, cls.name, nextJobSeq());
    const job = new Job(checked, cls, pin, performance.now(), resolve, reject, canary);
    if (tracingOn(job.enqueuedAt)) job.span = startTask(job.enqueuedAt, { kind: checked.kind.name, className: cls.name, tenant: checked.tenant });
    if (checked.signal) this.settle.signals.watch(checked.signal, job);
    if (checked.timeoutMs !== undefined)
      job.timer = setTimeout(() => this.settle.cancel(job, 'E_TIMEOUT', `timed out after ${checked.timeoutMs} ms`), checked.timeoutMs);
    core.ledger.admit(job);
    if (!core.needsDrain && core.totals.queued >= core.cfg.drainHighWater) core.needsDrain = true;
    this.enqueue(job);
  }

  /** A task pinned to a pool that could not be loaded fails E_POOL_UNAVAILABLE (before kind checks: that pool has none). */
  private checkNotDown(task: Task): void {
    const pool = typeof task === 'object' && task !== null ? (task as { pool?: unknown }).pool : undefined;
    const d = typeof pool === 'string' ? this.core.down.find((x) => x.cfg.name === pool) : undefined;
    if (d !== undefined)
      throw new CrossfairError('E_POOL_UNAVAILABLE', `pool ${d.cfg.name} is down: ${d.error.message}`, { pool: d.cfg.name, runtime: d.cfg.runtime });
  }
}

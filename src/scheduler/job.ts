/**
 * Job: one submitted task as the scheduler tracks it, from admission to its
 * settlement. It is at once the ledger's entry (scheduler/ledger.ts), the queue's item
 * (FairItem), the pool's descriptor record (PoolTask) and placement's view
 * (PredictTask): one object per task, no extra records (GC was ~40% of
 * submit()). ClassState and Arm hold what is kept per class and per
 * rollout arm besides the ledger's counts.
 */
import { Limits } from '../admission/limits.js';
import { SampleWindow } from '../observability/windows.js';
import { QUEUED, type Counts, type Entry, type TaskState } from './ledger.js';
import type { CheckedTask } from '../admission/task.js';
import type { NativePool, PoolTask } from '../pool/native-pool.js';
import type { PredictTask } from '../placement/predict.js';
import type { TaskSpan } from '../observability/tracing.js';
import type { ClassConfig } from '../options.js';
import type { ArmStats, PolicyName, TaskResult } from '../types.js';
import type { CrossfairError } from '../errors.js';

export class ClassState {
  readonly limits: Limits;
  servedNs = 0;
  readonly waits = new SampleWindow();
  constructor(
    readonly cfg: ClassConfig,
    /** Index among the scheduler's classes. */
    readonly index: number,
  ) {
    this.limits = new Limits(cfg, performance.now());
  }

  get name(): string {
    return this.cfg.name;
  }
}

let jobSeq = 0;

/** The sequence number the next job will get (rollout arms hash it). */
export function nextJobSeq(): number {
  return jobSeq;
}

/** One rollout arm's figures besides its counts (stats().rollout). */
export class Arm {
  waitSumMs = 0;
  dispatched = 0;
  execSumUs = 0;
  readonly waits = new SampleWindow();

  stats(policy: PolicyName, counts: Counts): ArmStats {
    return {
      policy,
      submitted: counts.submitted,
      completed: counts.completed,
      failed: counts.failed,
      cancelled: counts.cancelled,
      waitP99Ms: this.waits.quantile(0.99),
      waitMeanMs: this.dispatched > 0 ? this.waitSumMs / this.dispatched : 0,
      execMeanUs: counts.completed > 0 ? this.execSumUs / counts.completed : 0,
    };
  }
}

export class Job implements PoolTask, PredictTask, Entry {
  state: TaskState = QUEUED;
  cheap = false;
  /** Arrival order, kept when tasks move between policies. */
  readonly seq = jobSeq++;
  slot = -1;
  pool: NativePool<Job> | undefined = undefined;
  dispatchedAt = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  /** Cost charged at dispatch (fair queue and pool backlog), µs. */
  estimateUs = 0;
  attempts = 1;
  /** When submit() took it (enqueuedAt moves on a retry). */
  readonly submittedAt: number;
  /** Index of the pool the last attempt failed on (placement prefers another), or -1. */
  avoid = -1;
  retryTimer: NodeJS.Timeout | undefined = undefined;
  /** Its trace spans, when the application registered a tracer provider (observability/tracing.ts). */
  span: TaskSpan | undefined = undefined;
  // The job is its own descriptor record (Staged) and its own placement
  // view (PredictTask): no extra objects per task (GC is ~40% of submit()).
  /** Wire id of its kind in the pool it is staged for. */
  kindId = 0;
  readonly input: Uint8Array | string;
  readonly inLen: number;
  readonly outCap: number;
  /** `estimate.cpuUs`. */
  readonly hintUs: number | undefined;
  /** `estimate.io`. */
  readonly io: boolean | undefined;
  /** Its class has a latency budget. */
  readonly urgent: boolean;
  /** What is left of its budget, µs (set just before placing). */
  budgetUs: number | undefined = undefined;
  /** Tasks placed alike share a lane in the fair queue: kind, pin, I/O hint (and the pool a retry avoids). */
  laneKey: string;
  /** Index of its class (the ledger's entry). */
  readonly classIndex: number;

  constructor(
    readonly task: CheckedTask,
    readonly cls: ClassState,
    /** Index of the pinned pool, or -1. */
    readonly pin: number,
    /** When it was queued (again, after a retry's backoff). */
    public enqueuedAt: number,
    readonly resolve: (r: TaskResult) => void,
    readonly reject: (e: CrossfairError) => void,
    /** In the rollout's candidate arm (queue/rollout.ts). */
    readonly canary = false,
  ) {
    this.submittedAt = enqueuedAt;
    this.classIndex = cls.index;
    this.input = task.input;
    this.inLen = task.inLen;
    this.outCap = task.kind.outCap(task.inLen);
    this.hintUs = task.estimateCpuUs;
    this.io = task.estimateIo;
    this.urgent = cls.cfg.latencyBudgetMs !== undefined;
    this.laneKey = pin < 0 && task.estimateIo !== true ? task.kind.name : `${task.kind.name}|${pin}|${task.estimateIo === true ? 1 : 0}`;
  }

  get queued(): boolean {
    return this.state === QUEUED;
  }

  get className(): string {
    return this.cls.name;
  }

  get kind(): string {
    return this.task.kind.name;
  }

  get tenant(): string | undefined {
    return this.task.tenant;
  }
}

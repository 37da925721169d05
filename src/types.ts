/**
 * Public types: the API contract (README.md, "Use").
 */
import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import type { CrossfairError } from './errors.js';

export type Runtime = 'rust' | 'go';
export type Transport = 'napi' | 'shim' | 'ffi';
export type PolicyName = 'fifo' | 'round-robin' | 'fair';
export type BreakerState = 'closed' | 'open' | 'half-open';
/** down: breaker open or the pool failed to load; degraded: half-open, a stuck or stalled worker, every outcome in the window failed, or failures at 10%+ of the window. */
export type PoolHealth = 'healthy' | 'degraded' | 'down';

export interface PoolOptions {
  runtime: Runtime;
  /** Native worker threads (Rust) or worker goroutines (Go). Default: half the cores, at least 1. */
  workers?: number;
  /** Most tasks handed to the pool at once (the credit, sized from measured
   *  concurrency and execution time, stays at or below it). Default: ringSlots. */
  maxInFlight?: number;
  /** How the pool is reached. Rust: 'napi' (only). Go: 'shim' (default) or 'ffi'. */
  transport?: Transport;
  /** With transport 'ffi': absolute path of a library implementing the C ABI. */
  library?: string;
  /** Slots of the shared ring, a power of two (8..65536). Default 4096. */
  ringSlots?: number;
  /** Bytes of the payload arena (segment 0). Default 16 MiB. */
  arenaBytes?: number;
  /** Dispatches per second to this pool: tasks wait in the queue for it (never refused). */
  ratePerSec?: number;
  /**
   * Least part (0..1) of the scheduler's work, in execution time over a
   * decaying ~1 s window, that this pool takes while it has credit for the
   * tasks waiting: it takes tasks first while under it. Default 0.
   */
  minShare?: number;
  /**
   * The scheduler must have this pool: if it cannot be loaded (library
   * missing, wrong ABI version), createScheduler fails. Default false: the
   * scheduler serves on the other pools, with a warning, and this pool is
   * 'down'.
   */
  required?: boolean;
  /** Most part (0..1) of the work this pool takes; over it, unpinned tasks go elsewhere or wait. Default 1. */
  maxShare?: number;
  /**
   * CPU weight of this pool's worker threads, as a Linux nice value
   * (0..19; higher = lower weight). Default 10: when the cores are
   * contended, the event loop and the runtimes' own threads (I/O
   * completions, timers, the Go intake) get a core before a worker does,
   * and the workers still take every cycle nobody else wants. 0 leaves the
   * threads at the process's priority. Only the pool's own worker threads
   * change; Linux only (elsewhere ignored). docs/FAIRNESS.md, "Worker priority".
   */
  workerNice?: number;
}

export interface ClassOptions {
  /** Share of pool time when backlogged, relative to other classes. Default 1; 0 = only when idle. */
  weight?: number;
  /**
   * Queueing wait this class's tasks should stay within, ms. Its tasks get
   * earlier virtual deadlines (served first while the class is within its
   * share), may use the pools' `headroom`, and spill to another pool when
   * the preferred one is predicted to break the budget. Policy 'fair' only.
   */
  latencyBudgetMs?: number;
  /** A task of this class waiting longer than this is served next. */
  maxWaitMs?: number;
  /** Queued tasks of this class; beyond it submit fails with E_QUEUE_FULL. */
  maxQueue?: number;
  /** Submissions per second; beyond it submit fails with E_RATE_LIMITED. */
  ratePerSec?: number;
  /** Burst for ratePerSec. Default: one second's worth. */
  burst?: number;
  /** Submissions per second per tenant of this class; beyond it E_RATE_LIMITED. */
  tenantRatePerSec?: number;
}

export interface SchedulerOptions {
  pools?: Record<string, PoolOptions>;
  classes?: Record<string, ClassOptions>;
  policy?: PolicyName;
  /** Queued tasks in all; beyond it submit fails with E_QUEUE_FULL. Default 100 000. */
  maxQueue?: number;
  /** Queued tasks at which `needsDrain` turns true. Default maxQueue / 2. */
  drainHighWater?: number;
  /** Queued tasks at which `needsDrain` turns false again and 'drain' is emitted. Default drainHighWater / 2. */
  drainLowWater?: number;
  /** Largest input accepted, in bytes. Default 64 MiB. */
  maxPayloadBytes?: number;
  /** prom-client registry to register metrics in; default a new one. */
  registry?: Registry;
  /** Metric name prefix. Default "crossfair_". */
  metricsPrefix?: string;
  /** GOMEMLIMIT for the Go runtime when the environment does not set one. Default "1GiB". */
  goMemoryLimit?: string;
  /**
   * Fraction (0..0.9) of each pool's credit kept for tasks of classes with a
   * `latencyBudgetMs`, so a spike of them is dispatched at once instead of
   * waiting for bulk work to complete. Default 0.1; no effect when no class
   * has a budget.
   */
  headroom?: number;
  /**
   * 'adaptive' (default): a pool whose workers are all busy may hold a small
   * batch until the end of the event-loop turn, so tasks submitted later in
   * the turn cross with it, when crossing is a visible share of the work
   * (docs/FAIRNESS.md, Batching); tasks of classes with a latency budget
   * never wait. 'immediate': every flush crosses at once.
   */
  batching?: 'adaptive' | 'immediate';
  /** Circuit breaker of every pool (docs/RESILIENCE.md). */
  breaker?: BreakerOptions;
  /**
   * Per task kind on each pool, a breaker fed by that kind's panics: while
   * open, tasks of the kind are not placed on the pool, which serves every
   * other kind (docs/RESILIENCE.md, Quarantine). Same fields and defaults as
   * `breaker`; `false` never quarantines.
   */
  quarantine?: BreakerOptions | false;
  /** Retries of idempotent tasks after a runtime failure (docs/RESILIENCE.md). */
  retry?: RetryOptions;
  /** A running task cancelled this long ago that has not come back marks its worker stuck (pool 'degraded'). Default 1000. */
  stuckGraceMs?: number;
  /**
   * Runs a candidate policy beside `policy` on the tasks of the listed
   * classes, or on a `fraction` (0..1) of all tasks, sharing the pools; the
   * two arms are compared in `stats().rollout` (docs/RESILIENCE.md).
   */
  rollout?: { policy: PolicyName; classes?: string[]; fraction?: number };
  /**
   * Prometheus metrics (docs/OBSERVABILITY.md). Default true. `false` records
   * nothing and registers nothing. `{ tenantLabel: true, maxTenants }` adds
   * completions by tenant, at most maxTenants (default 100) per class, the
   * rest counted as "other".
   */
  metrics?: boolean | { tenantLabel?: boolean; maxTenants?: number };
}

/** One arm of a rollout, as stats() reports it. */
export interface ArmStats {
  policy: PolicyName;
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  waitP99Ms: number;
  waitMeanMs: number;
  execMeanUs: number;
}

export interface BreakerOptions {
  /** Failure share of the window that opens the breaker, (0, 1]. Default 0.5. */
  errorRate?: number;
  /** Outcomes in the window before the rate is trusted. Default 20. */
  minCalls?: number;
  /** Failures in a row that open it, however few outcomes the window holds. Default 5. */
  consecutiveFailures?: number;
  /** Default 1000. */
  windowMs?: number;
  /** Time open before probing. Default 1000. */
  openMs?: number;
  /** Tasks let through half-open; all must succeed to close. Default 3. */
  probes?: number;
}

export interface RetryOptions {
  /** Attempts in all, first included (1 = never retry). Default 3. */
  maxAttempts?: number;
  /** Backoff before attempt n+1 is uniform in [0, min(maxMs, baseMs * 2^(n-1))] (full jitter). Default 10. */
  baseMs?: number;
  /** Default 1000. */
  maxMs?: number;
}

export interface TaskEstimate {
  cpuUs?: number;
  memBytes?: number;
  io?: boolean;
}

export interface Task {
  kind: string;
  /**
   * The payload: a string (UTF-8) or a Uint8Array (a Buffer, or any view,
   * over an ArrayBuffer or SharedArrayBuffer, resizable or growable ones
   * included). Its length is taken at submit(); its bytes are copied into
   * the pool's shared memory when the task is dispatched (and again for a
   * retry), so leave it alone until the task settles. A view whose length
   * differs by then (its buffer resized, or detached/transferred) fails the
   * task with E_BAD_INPUT; the task never runs on other bytes. Only genuine
   * Uint8Arrays are accepted (not a Proxy or another typed array).
   */
  input: Uint8Array | string;
  class?: string;
  tenant?: string;
  pool?: string;
  estimate?: TaskEstimate;
  timeoutMs?: number;
  signal?: AbortSignal;
  idempotent?: boolean;
}

export interface TaskResult {
  /** The task's output, in memory of its own (never shared with the pool or another task). */
  output: Uint8Array;
  pool: string;
  runtime: Runtime;
  /** Time queued in the scheduler, in microseconds. */
  waitUs: number;
  /** Handler execution time measured natively, in microseconds. */
  execUs: number;
  attempts: number;
}

export interface ClassStats {
  /** The class's configured weight and latency budget (for share and budget views). */
  weight: number;
  latencyBudgetMs: number | undefined;
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  queued: number;
  inFlight: number;
  servedUs: number;
  waitP99Ms: number;
}

export interface PoolStats {
  runtime: Runtime;
  transport: Transport;
  workers: number;
  completed: number;
  failed: number;
  inFlight: number;
  maxInFlight: number;
  /** Tasks the pool may hold now: sized from measured execution time, at most maxInFlight. */
  credit: number;
  /** Boundary calls that carried tasks: one per batch. */
  batches: number;
  /** Adaptive batching's current target: tasks a boundary call carries before it crosses without lingering (1 = never lingers). */
  batchTarget: number;
  /** Wake-ups from the native side; they coalesce, so far fewer than tasks. */
  wakeups: number;
  /** Busy share of the workers over the last full second, 0..1. */
  utilization: number;
  breaker: BreakerState;
  /** Times the breaker opened. */
  breakerOpened: number;
  health: PoolHealth;
  /** health === 'healthy'. */
  healthy: boolean;
  /** Workers holding a task cancelled longer ago than the stuck grace period. */
  stuck: number;
  /** Tasks run natively but none completed for the stuck grace period (native progress counters). */
  stalled: boolean;
  /**
   * Completions the native side reported that did not check out: a slot not
   * in flight, a field native code must not write, an output longer than its
   * capacity (that task fails E_BAD_DESCRIPTOR). 0 unless the native library
   * (crossfair's, or a user's implementing the C ABI) has a bug.
   */
  anomalies: number;
  /** Kinds not placed on this pool now because they panicked here (option `quarantine`), with when and why. */
  quarantined: QuarantinedKind[];
}

/** A kind cut off one pool by its quarantine. */
export interface QuarantinedKind {
  kind: string;
  /** 'open': none of the kind goes to the pool; 'half-open': a few probe whether it still panics. */
  state: BreakerState;
  /** When it was cut off, ms since the epoch. */
  since: number;
  /** The threshold crossed, e.g. "5 tasks in a row panicked". */
  reason: string;
}

export interface Totals {
  submitted: number;
  completed: number;
  failed: number;
  cancelled: number;
  rejected: number;
  queued: number;
  inFlight: number;
  /** Attempts after the first (idempotent tasks after a runtime failure). */
  retries: number;
}

export interface SchedulerStats {
  policy: PolicyName;
  needsDrain: boolean;
  classes: Record<string, ClassStats>;
  pools: Record<string, PoolStats>;
  totals: Totals;
  /** With the `rollout` option: the current policy's arm and the candidate's. */
  rollout?: { baseline: ArmStats; candidate: ArmStats };
}

export interface Faults {
  errorRate?: number;
  delayFactor?: number;
  hangRate?: number;
}

export interface CloseOptions {
  /** How long to wait for queued and running tasks; then they are cancelled. Default 5000. */
  timeoutMs?: number;
}

export interface DashboardOptions {
  /** Port to listen on; 0 (default) takes any free port (see Dashboard.port). */
  port?: number;
  /** Address to listen on. Default "127.0.0.1" (loopback only). */
  host?: string;
}

/** A running dashboard server (serveDashboard). */
export interface Dashboard {
  /** The page's address, e.g. "http://127.0.0.1:41234/"; `${url}metrics` and `${url}stats.json` beside it. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops listening and ends open connections; idempotent. */
  close(): Promise<void>;
}

/** Events: 'drain', emitted when needsDrain turns false again. */
export interface Scheduler extends EventEmitter {
  /** True from when queued tasks reach drainHighWater until they fall to drainLowWater. */
  readonly needsDrain: boolean;
  /** A `node:http` request handler answering with the Prometheus exposition of `registry` (GET/HEAD; 405 otherwise). */
  metricsHandler(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
  /**
   * Serves the live dashboard (charts of queue depth, utilization per
   * runtime, served share vs entitlement, p99 wait vs budget, breakers),
   * /stats.json and /metrics over `node:http`. Assets come from the package;
   * the page fetches nothing from elsewhere. Not closed by close().
   */
  serveDashboard(options?: DashboardOptions): Promise<Dashboard>;
  /** Switches policy at run time; queued tasks keep their arrival order, none is lost or duplicated. */
  setPolicy(policy: PolicyName): void;
  submit(task: Task): Promise<TaskResult>;
  submitMany(tasks: readonly Task[]): Promise<(TaskResult | CrossfairError)[]>;
  stats(): SchedulerStats;
  inject(pool: string, faults: Faults | null): void;
  metrics(): Promise<string>;
  readonly registry: Registry;
  close(options?: CloseOptions): Promise<void>;
}

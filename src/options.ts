/**
 * Options: validates what createScheduler() is given and fills in defaults.
 * Everything here fails with E_BAD_OPTIONS naming the offending path, before
 * any native code is loaded.
 */
import { availableParallelism } from 'node:os';
import { CrossfairError, show } from './errors.js';
import type { ClassOptions, PolicyName, PoolOptions, Runtime, SchedulerOptions, Transport } from './types.js';
import { DEFAULT_BREAKER, type BreakerConfig } from './resilience/breaker.js';
import type { RolloutConfig } from './queue/rollout.js';

export interface PoolConfig {
  name: string;
  /** Dispatches per second to this pool (paced, not refused). */
  ratePerSec?: number;
  /** Bounds on this pool's part of the work (placement/pool-shares.ts); 0 and 1 when unset. */
  minShare: number;
  maxShare: number;
  /** createScheduler fails if this pool cannot be loaded (else it is 'down'). */
  required: boolean;
  runtime: Runtime;
  transport: Transport;
  workers: number;
  maxInFlight: number;
  ringSlots: number;
  arenaBytes: number;
  library?: string;
  /** Nice value of the worker threads, 0..19 (PoolOptions.workerNice). */
  workerNice: number;
}

export interface ClassConfig {
  name: string;
  weight: number;
  latencyBudgetMs?: number;
  maxWaitMs?: number;
  maxQueue?: number;
  ratePerSec?: number;
  burst?: number;
  tenantRatePerSec?: number;
}

export interface SchedulerConfig {
  pools: PoolConfig[];
  classes: ClassConfig[];
  policy: PolicyName;
  maxQueue: number;
  drainHighWater: number;
  drainLowWater: number;
  maxPayloadBytes: number;
  metricsPrefix: string;
  goMemoryLimit: string;
  /** Fraction of each pool's credit kept for classes with a latency budget (pool/native-pool.ts). */
  headroom: number;
  batching: 'adaptive' | 'immediate';
  breaker: BreakerConfig;
  /** Per kind × pool breakers fed by panics (resilience/breaker.ts Quarantine); null: off. */
  quarantine: BreakerConfig | null;
  retry: RetryConfig;
  stuckGraceMs: number;
  /** A candidate policy on part of the traffic (queue/rollout.ts). */
  rollout: RolloutConfig | undefined;
  /** Metrics on (with a tenant label capped at maxTenants per class, when set) or off. */
  metrics: { enabled: boolean; maxTenants: number | undefined };
}

export interface RetryConfig {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryConfig = { maxAttempts: 3, baseMs: 10, maxMs: 1000 };
export const DEFAULT_STUCK_GRACE_MS = 1000;

/** Slots per pool ring: 4096 x 256 B = 1 MiB of control region, and enough
 *  in flight to amortise a boundary call over thousands of tiny tasks. */
export const DEFAULT_RING_SLOTS = 4096;
export const DEFAULT_ARENA_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_QUEUE = 100_000;
/** Credit kept for classes with a latency budget, when any class has one. */
export const DEFAULT_HEADROOM = 0.1;
/** Nice value of worker threads: the weight Android and Chromium give background threads (PoolOptions.workerNice). */
export const DEFAULT_WORKER_NICE = 10;
/** Linux's lowest priority; the header word carries at most this (docs/TRANSPORT.md). */
export const MAX_WORKER_NICE = 19;
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** Segment offsets and lengths are u32 on the wire. */
export const MAX_PAYLOAD_LIMIT = 2 ** 31;
const MAX_WORKERS = 256;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function bad(path: string, msg: string): never {
  throw new CrossfairError('E_BAD_OPTIONS', `${path}: ${msg}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function checkKeys(path: string, obj: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) bad(`${path}.${k}`, `unknown option (expected one of ${allowed.join(', ')})`);
  }
}

function names(path: string, rec: unknown): [string, unknown][] {
  if (!isPlainObject(rec)) bad(path, 'must be a plain object');
  const entries = Object.entries(rec);
  if (entries.length === 0) bad(path, 'must name at least one entry');
  for (const [k] of entries) {
    if (FORBIDDEN_KEYS.has(k) || !NAME.test(k)) bad(`${path}.${k}`, 'names are 1-64 of [A-Za-z0-9_.-], starting with a letter or _');
  }
  return entries;
}

export function int(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `must be an integer in ${min}..${max}, got ${show(v)}`);
  return v;
}

function num(path: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) bad(path, `must be a finite number in ${min}..${max}, got ${show(v)}`);
  return v;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

function pool(name: string, raw: unknown): PoolConfig {
  const path = `pools.${name}`;
  if (!isPlainObject(raw)) bad(path, 'must be a plain object');
  const o = raw as Partial<PoolOptions> & Record<string, unknown>;
  checkKeys(path, o, [
    'runtime',
    'workers',
    'maxInFlight',
    'transport',
    'library',
    'ringSlots',
    'arenaBytes',
    'ratePerSec',
    'minShare',
    'maxShare',
    'required',
    'workerNice',
  ]);
  if (o.runtime !== 'rust' && o.runtime !== 'go') bad(`${path}.runtime`, `must be 'rust' or 'go', got ${show(o.runtime)}`);
  const runtime = o.runtime;
  const transport = o.transport ?? (runtime === 'rust' ? 'napi' : 'shim');
  const allowed: Transport[] = runtime === 'rust' ? ['napi'] : ['shim', 'ffi'];
  if (!allowed.includes(transport)) bad(`${path}.transport`, `a ${runtime} pool takes ${allowed.map((t) => `'${t}'`).join(' or ')}, got ${show(transport)}`);
  const workers = o.workers === undefined ? defaultWorkers() : int(`${path}.workers`, o.workers, 1, MAX_WORKERS);
  const ringSlots = o.ringSlots === undefined ? DEFAULT_RING_SLOTS : int(`${path}.ringSlots`, o.ringSlots, 8, 65536);
  if ((ringSlots & (ringSlots - 1)) !== 0) bad(`${path}.ringSlots`, 'must be a power of two');
  // Credit (pool/native-pool.ts) sizes what a pool holds from measurements; maxInFlight
  // is only the hard cap, by default the ring (waits that overlap, as on the
  // Go pool, may fill it: a cap of 256 spilled them onto a worker elsewhere).
  const maxInFlight = o.maxInFlight === undefined ? ringSlots : int(`${path}.maxInFlight`, o.maxInFlight, 1, ringSlots);
  const arenaBytes = o.arenaBytes === undefined ? DEFAULT_ARENA_BYTES : int(`${path}.arenaBytes`, o.arenaBytes, 64 * 1024, 2 ** 31);
  if (o.library !== undefined) {
    if (transport !== 'ffi') bad(`${path}.library`, "only a pool with transport 'ffi' loads a library of its own");
    if (typeof o.library !== 'string' || !o.library.startsWith('/')) bad(`${path}.library`, 'must be an absolute path');
  }
  const ratePerSec = o.ratePerSec === undefined ? undefined : num(`${path}.ratePerSec`, o.ratePerSec, 0.001, 1e9);
  const minShare = o.minShare === undefined ? 0 : num(`${path}.minShare`, o.minShare, 0, 1);
  const maxShare = o.maxShare === undefined ? 1 : num(`${path}.maxShare`, o.maxShare, 0.001, 1);
  if (minShare > maxShare) bad(`${path}.minShare`, `must be at most maxShare (${maxShare}), got ${minShare}`);
  if (o.required !== undefined && typeof o.required !== 'boolean') bad(`${path}.required`, 'must be a boolean');
  const workerNice = o.workerNice === undefined ? DEFAULT_WORKER_NICE : int(`${path}.workerNice`, o.workerNice, 0, MAX_WORKER_NICE);
  const cfg: PoolConfig = {
    name,
    runtime,
    transport,
    workers,
    maxInFlight,
    ringSlots,
    arenaBytes,
    minShare,
    maxShare,
    required: o.required ?? false,
    workerNice,
  };
  if (o.library !== undefined) cfg.library = o.library;
  if (ratePerSec !== undefined) cfg.ratePerSec = ratePerSec;
  return cfg;
}

function klass(name: string, raw: unknown): ClassConfig {
  const path = `classes.${name}`;
  if (!isPlainObject(raw)) bad(path, 'must be a plain object');
  const o = raw as Partial<ClassOptions> & Record<string, unknown>;
  checkKeys(path, o, ['weight', 'latencyBudgetMs', 'maxWaitMs', 'maxQueue', 'ratePerSec', 'burst', 'tenantRatePerSec']);
  const cfg: ClassConfig = { name, weight: o.weight === undefined ? 1 : num(`${path}.weight`, o.weight, 0, 1e6) };
  if (o.latencyBudgetMs !== undefined) cfg.latencyBudgetMs = num(`${path}.latencyBudgetMs`, o.latencyBudgetMs, 0, 3.6e6);
  if (o.maxWaitMs !== undefined) cfg.maxWaitMs = num(`${path}.maxWaitMs`, o.maxWaitMs, 0, 3.6e6);
  if (o.maxQueue !== undefined) cfg.maxQueue = int(`${path}.maxQueue`, o.maxQueue, 1, 1e8);
  if (o.ratePerSec !== undefined) cfg.ratePerSec = num(`${path}.ratePerSec`, o.ratePerSec, 0.001, 1e9);
  if (o.burst !== undefined) {
    if (o.ratePerSec === undefined) bad(`${path}.burst`, 'needs ratePerSec');
    cfg.burst = int(`${path}.burst`, o.burst, 1, 1e9);
  }
  if (o.tenantRatePerSec !== undefined) cfg.tenantRatePerSec = num(`${path}.tenantRatePerSec`, o.tenantRatePerSec, 0.001, 1e9);
  return cfg;
}

export function resolveOptions(raw: unknown = {}): SchedulerConfig {
  if (raw === undefined) raw = {};
  if (!isPlainObject(raw)) bad('options', 'must be a plain object');
  const o = raw as SchedulerOptions & Record<string, unknown>;
  checkKeys('options', o, [
    'pools',
    'classes',
    'policy',
    'maxQueue',
    'drainHighWater',
    'drainLowWater',
    'maxPayloadBytes',
    'registry',
    'metricsPrefix',
    'goMemoryLimit',
    'headroom',
    'batching',
    'breaker',
    'quarantine',
    'retry',
    'stuckGraceMs',
    'rollout',
    'metrics',
  ]);
  const pools = names('pools', o.pools ?? { rust: { runtime: 'rust' }, go: { runtime: 'go' } }).map(([n, v]) => pool(n, v));
  const classes = names('classes', o.classes ?? { default: { weight: 1 } }).map(([n, v]) => klass(n, v));
  const policy = o.policy ?? 'fair';
  if (policy !== 'fifo' && policy !== 'round-robin' && policy !== 'fair') bad('policy', `must be 'fair', 'fifo' or 'round-robin', got ${show(policy)}`);
  const floors = pools.reduce((n, p) => n + p.minShare, 0);
  if (floors > 1 + 1e-9) bad('pools', `the minShares add up to ${floors}; they must sum to at most 1`);
  const caps = pools.reduce((n, p) => n + p.maxShare, 0);
  if (caps < 1 - 1e-9) bad('pools', `the maxShares add up to ${caps}; they must sum to at least 1, or some work could go nowhere`);
  const go = pools.filter((p) => p.runtime === 'go');
  const libs = new Set(go.map((p) => p.library ?? ''));
  if (libs.size > 1) bad('pools', 'all go pools must load the same library: one Go runtime per process');
  const prefix = o.metricsPrefix ?? 'crossfair_';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(prefix)) bad('metricsPrefix', 'must be a valid Prometheus name prefix');
  const goMemoryLimit = o.goMemoryLimit ?? '1GiB';
  if (typeof goMemoryLimit !== 'string' || !/^[0-9]+(B|KiB|MiB|GiB|TiB)?$/.test(goMemoryLimit))
    bad('goMemoryLimit', 'must look like GOMEMLIMIT, e.g. "512MiB"');
  const maxQueue = o.maxQueue === undefined ? DEFAULT_MAX_QUEUE : int('maxQueue', o.maxQueue, 1, 1e8);
  const drainHighWater = o.drainHighWater === undefined ? Math.max(1, Math.floor(maxQueue / 2)) : int('drainHighWater', o.drainHighWater, 1, maxQueue);
  const drainLowWater = o.drainLowWater === undefined ? Math.floor(drainHighWater / 2) : int('drainLowWater', o.drainLowWater, 0, drainHighWater - 1);
  return {
    pools,
    classes,
    policy,
    maxQueue,
    drainHighWater,
    drainLowWater,
    maxPayloadBytes: o.maxPayloadBytes === undefined ? DEFAULT_MAX_PAYLOAD : int('maxPayloadBytes', o.maxPayloadBytes, 0, MAX_PAYLOAD_LIMIT),
    metricsPrefix: prefix,
    goMemoryLimit,
    headroom: o.headroom === undefined ? DEFAULT_HEADROOM : num('headroom', o.headroom, 0, 0.9),
    batching: batchingOption(o.batching),
    breaker: breakerOption('breaker', o.breaker),
    quarantine: o.quarantine === false ? null : breakerOption('quarantine', o.quarantine),
    retry: retryOption(o.retry),
    stuckGraceMs: o.stuckGraceMs === undefined ? DEFAULT_STUCK_GRACE_MS : num('stuckGraceMs', o.stuckGraceMs, 1, 3.6e6),
    rollout: rolloutOption(
      o.rollout,
      classes.map((c) => c.name),
    ),
    metrics: metricsOption(o.metrics),
  };
}

function batchingOption(v: unknown): 'adaptive' | 'immediate' {
  if (v === undefined) return 'adaptive';
  if (v !== 'adaptive' && v !== 'immediate') bad('batching', `must be 'adaptive' or 'immediate', got ${show(v)}`);
  return v;
}

/** `breaker`, and `quarantine` (the same fields; `false` is handled by the caller). */
function breakerOption(name: string, v: unknown): BreakerConfig {
  if (v === undefined) return { ...DEFAULT_BREAKER };
  if (!isPlainObject(v)) bad(name, name === 'quarantine' ? 'must be a plain object or false' : 'must be a plain object');
  checkKeys(name, v, ['errorRate', 'minCalls', 'consecutiveFailures', 'windowMs', 'openMs', 'probes']);
  const d = DEFAULT_BREAKER;
  return {
    errorRate: v.errorRate === undefined ? d.errorRate : num(`${name}.errorRate`, v.errorRate, 0.001, 1),
    minCalls: v.minCalls === undefined ? d.minCalls : int(`${name}.minCalls`, v.minCalls, 1, 1e6),
    consecutiveFailures: v.consecutiveFailures === undefined ? d.consecutiveFailures : int(`${name}.consecutiveFailures`, v.consecutiveFailures, 1, 1e6),
    windowMs: v.windowMs === undefined ? d.windowMs : num(`${name}.windowMs`, v.windowMs, 10, 3.6e6),
    openMs: v.openMs === undefined ? d.openMs : num(`${name}.openMs`, v.openMs, 1, 3.6e6),
    probes: v.probes === undefined ? d.probes : int(`${name}.probes`, v.probes, 1, 1000),
  };
}

function retryOption(v: unknown): RetryConfig {
  if (v === undefined) return { ...DEFAULT_RETRY };
  if (!isPlainObject(v)) bad('retry', 'must be a plain object');
  checkKeys('retry', v, ['maxAttempts', 'baseMs', 'maxMs']);
  const d = DEFAULT_RETRY;
  const baseMs = v.baseMs === undefined ? d.baseMs : num('retry.baseMs', v.baseMs, 0, 3.6e6);
  const maxMs = v.maxMs === undefined ? Math.max(d.maxMs, baseMs) : num('retry.maxMs', v.maxMs, baseMs, 3.6e6);
  return { maxAttempts: v.maxAttempts === undefined ? d.maxAttempts : int('retry.maxAttempts', v.maxAttempts, 1, 100), baseMs, maxMs };
}

function rolloutOption(v: unknown, classNames: string[]): RolloutConfig | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) bad('rollout', 'must be a plain object');
  checkKeys('rollout', v, ['policy', 'classes', 'fraction']);
  const policy = v.policy;
  if (policy !== 'fifo' && policy !== 'round-robin' && policy !== 'fair') bad('rollout.policy', `must be 'fair', 'fifo' or 'round-robin', got ${show(policy)}`);
  let list: string[] = [];
  if (v.classes !== undefined) {
    if (!Array.isArray(v.classes) || v.classes.length > 1000) bad('rollout.classes', 'must be an array of class names');
    list = (v.classes as unknown[]).map((c, i) => {
      if (typeof c !== 'string' || !classNames.includes(c)) bad(`rollout.classes[${i}]`, `no class ${show(c)}`);
      return c;
    });
  }
  const fraction = v.fraction === undefined ? 0 : num('rollout.fraction', v.fraction, 0, 1);
  if (list.length === 0 && fraction === 0) bad('rollout', 'name classes or a fraction > 0 of tasks for the candidate policy');
  return { policy, classes: list, fraction };
}

/** Default cap on tenant label values per class when the tenant label is on. */
export const DEFAULT_MAX_TENANTS = 100;

function metricsOption(v: unknown): SchedulerConfig['metrics'] {
  if (v === undefined || v === true) return { enabled: true, maxTenants: undefined };
  if (v === false) return { enabled: false, maxTenants: undefined };
  if (!isPlainObject(v)) bad('metrics', 'must be a boolean or a plain object');
  checkKeys('metrics', v, ['tenantLabel', 'maxTenants']);
  if (v.tenantLabel !== undefined && typeof v.tenantLabel !== 'boolean') bad('metrics.tenantLabel', 'must be a boolean');
  if (v.maxTenants !== undefined && v.tenantLabel !== true) bad('metrics.maxTenants', 'needs tenantLabel: true');
  const maxTenants =
    v.tenantLabel === true ? (v.maxTenants === undefined ? DEFAULT_MAX_TENANTS : int('metrics.maxTenants', v.maxTenants, 1, 10_000)) : undefined;
  return { enabled: true, maxTenants };
}

export { isPlainObject, FORBIDDEN_KEYS };

/**
 * Task validation: turns what a caller passed to submit() into a checked
 * record, or a CrossfairError with a code. Nothing unchecked reaches a pool.
 */
import { CrossfairError, show } from '../errors.js';
import { builtinKind, type KindSpec } from '../kinds.js';
import { isPlainObject, FORBIDDEN_KEYS } from '../options.js';
import type { Task } from '../types.js';
import { byteLengthOf, isUint8Array } from '../transport/views.js';

export interface CheckedTask {
  kind: KindSpec;
  input: Uint8Array | string;
  inLen: number;
  className: string;
  tenant: string | undefined;
  pool: string | undefined;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  idempotent: boolean;
  /** The caller's cost hint, µs. */
  estimateCpuUs: number | undefined;
  /** The caller says the task mostly waits (I/O). */
  estimateIo: boolean | undefined;
}

/** A Task's fields (also the unversioned envelope's: envelope.ts). */
export const TASK_KEYS: ReadonlySet<string> = new Set(['kind', 'input', 'class', 'tenant', 'pool', 'estimate', 'timeoutMs', 'signal', 'idempotent']);
export const ESTIMATE_KEYS: ReadonlySet<string> = new Set(['cpuUs', 'memBytes', 'io']);
/** Longest timeout: setTimeout's own limit (2^31-1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function badInput(msg: string): CrossfairError {
  return new CrossfairError('E_BAD_INPUT', msg);
}

export interface TaskContext {
  /** Kinds some pool implements. */
  kinds: ReadonlySet<string>;
  classes: ReadonlySet<string>;
  /** Pool names, with the kinds each implements. */
  pools: ReadonlyMap<string, ReadonlyMap<string, number>>;
  maxPayloadBytes: number;
  defaultClass: string;
}

export function checkTask(raw: unknown, ctx: TaskContext): CheckedTask {
  if (!isPlainObject(raw)) throw badInput('a task must be a plain object');
  const t = raw as Partial<Task> & Record<string, unknown>;
  for (const k of Object.keys(t)) {
    if (FORBIDDEN_KEYS.has(k) || !TASK_KEYS.has(k)) throw badInput(`unknown task field ${JSON.stringify(k)}`);
  }
  if (typeof t.kind !== 'string') throw badInput('task.kind must be a string');
  const kind = builtinKind(t.kind);
  if (!kind || !ctx.kinds.has(t.kind))
    throw new CrossfairError('E_UNKNOWN_KIND', `no pool implements kind ${JSON.stringify(t.kind.slice(0, 64))}`, { kind: t.kind.slice(0, 64) });
  const input = t.input;
  let inLen: number;
  if (typeof input === 'string') inLen = Buffer.byteLength(input, 'utf8');
  else if (isUint8Array(input)) inLen = byteLengthOf(input);
  else throw badInput('task.input must be a Uint8Array or a string');
  if (inLen > ctx.maxPayloadBytes) throw badInput(`task.input is ${inLen} bytes; maxPayloadBytes is ${ctx.maxPayloadBytes}`);
  const inputError = kind.checkInput?.(input);
  if (inputError) throw badInput(`${kind.name}: ${inputError}`);

  const className = t.class ?? ctx.defaultClass;
  if (typeof className !== 'string' || !ctx.classes.has(className)) throw badInput(`unknown class ${show(className)}`);
  if (t.tenant !== undefined && (typeof t.tenant !== 'string' || t.tenant.length > 256))
    throw badInput('task.tenant must be a string of at most 256 characters');
  if (t.pool !== undefined) {
    if (typeof t.pool !== 'string') throw badInput('task.pool must be a string');
    const kinds = ctx.pools.get(t.pool);
    if (!kinds) throw badInput(`unknown pool ${JSON.stringify(t.pool.slice(0, 64))}`);
    if (!kinds.has(kind.name))
      throw new CrossfairError('E_UNKNOWN_KIND', `pool ${t.pool} does not implement kind ${kind.name}`, { pool: t.pool, kind: kind.name });
  }
  if (t.estimate !== undefined) checkEstimate(t.estimate);
  if (t.timeoutMs !== undefined && (typeof t.timeoutMs !== 'number' || !Number.isFinite(t.timeoutMs) || t.timeoutMs <= 0 || t.timeoutMs > MAX_TIMEOUT_MS)) {
    throw badInput(`task.timeoutMs must be a finite number in (0, ${MAX_TIMEOUT_MS}]`);
  }
  if (t.signal !== undefined && !(t.signal instanceof AbortSignal)) throw badInput('task.signal must be an AbortSignal');
  if (t.idempotent !== undefined && typeof t.idempotent !== 'boolean') throw badInput('task.idempotent must be a boolean');
  return {
    kind,
    input,
    inLen,
    className,
    tenant: t.tenant,
    pool: t.pool,
    timeoutMs: t.timeoutMs,
    signal: t.signal,
    idempotent: t.idempotent ?? false,
    estimateCpuUs: t.estimate?.cpuUs,
    estimateIo: t.estimate?.io,
  };
}

function checkEstimate(e: unknown): void {
  if (!isPlainObject(e)) throw badInput('task.estimate must be a plain object');
  for (const [k, v] of Object.entries(e)) {
    if (!ESTIMATE_KEYS.has(k)) throw badInput(`unknown estimate field ${JSON.stringify(k)}`);
    if (k === 'io' ? typeof v !== 'boolean' : typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw badInput(`task.estimate.${k} must be ${k === 'io' ? 'a boolean' : 'a finite number >= 0'}`);
    }
  }
}

/**
 * Errors: every failure crossfair reports is a CrossfairError with a stable
 * `code`. Codes keep their meaning across versions; new ones may be added.
 * Their codes and the C ABI's error table are defined here.
 */

export const ERROR_CODES = [
  'E_QUEUE_FULL',
  'E_UNKNOWN_KIND',
  'E_BAD_INPUT',
  'E_BAD_OPTIONS',
  'E_TASK_FAILED',
  'E_TASK_PANIC',
  'E_TIMEOUT',
  'E_ABORTED',
  'E_CLOSED',
  'E_POOL_UNAVAILABLE',
  'E_ABI_MISMATCH',
  'E_RATE_LIMITED',
  /** A descriptor failed the native bounds checks: a crossfair bug, never user input. */
  'E_BAD_DESCRIPTOR',
  /** A handler's output did not fit the capacity reserved for it. */
  'E_OUTPUT_TOO_LARGE',
  /**
   * The memory for this task's payload could not be allocated (the shared
   * memory of a large input and output, or the copy of a large output): the
   * process is short of memory. Only that task fails; the pool is fine, so
   * routing to another pool would not help; retry later or with less in flight.
   */
  'E_NO_MEMORY',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface CrossfairErrorDetails {
  /** Pool that ran (or was asked to run) the task, when there is one. */
  pool?: string;
  runtime?: string;
  kind?: string;
  /** Attempts the task had (more than 1 after retries). */
  attempts?: number;
  /** Underlying errors, e.g. every failed load attempt. */
  causes?: unknown[];
}

export class CrossfairError extends Error {
  readonly code: ErrorCode;
  // `declare`: set only when known, so an error prints no undefined fields.
  declare readonly pool?: string;
  declare readonly runtime?: string;
  declare readonly kind?: string;
  declare readonly attempts?: number;

  constructor(code: ErrorCode, message: string, details: CrossfairErrorDetails = {}) {
    super(message, details.causes ? { cause: details.causes } : undefined);
    this.name = 'CrossfairError';
    this.code = code;
    if (details.pool !== undefined) this.pool = details.pool;
    if (details.runtime !== undefined) this.runtime = details.runtime;
    if (details.kind !== undefined) this.kind = details.kind;
    if (details.attempts !== undefined) this.attempts = details.attempts;
  }
}

/**
 * A refusal under load (E_QUEUE_FULL, E_RATE_LIMITED), or of a task no pool
 * can take now (E_POOL_UNAVAILABLE), built without a stack trace: an
 * overloaded producer, or a caller resubmitting while a breaker is open, may
 * be refused tens of thousands of times a second, capturing a stack costs
 * microseconds each (and would only show the scheduler's internals), and
 * the message already names what refused it.
 */
export function refusal(code: 'E_QUEUE_FULL' | 'E_RATE_LIMITED' | 'E_POOL_UNAVAILABLE', message: string, details?: CrossfairErrorDetails): CrossfairError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CrossfairError(code, message, details);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function isCrossfairError(e: unknown): e is CrossfairError {
  return e instanceof CrossfairError;
}

/**
 * The C ABI's negative return codes (CF_ERR_* in native/go/include/crossfair.h)
 * and the one code each is reported as, whichever path made the call: the
 * ffi path maps what its calls return, the Go shim throws the raw value (an
 * Error with `cfError`) and fromNativeError maps it here. test/abi-errors.test.ts
 * checks this table against the header.
 */
export const CF_ERRORS = [
  /** The handle names no pool: it was closed and released. */
  { name: 'CF_ERR_BAD_HANDLE', value: -1, code: 'E_CLOSED', text: 'no such pool (or already closed)' },
  /** The library refuses the control region crossfair wrote: the two disagree on the layout. */
  { name: 'CF_ERR_BAD_LAYOUT', value: -2, code: 'E_ABI_MISMATCH', text: 'control region header wrong or too short' },
  { name: 'CF_ERR_CLOSED', value: -3, code: 'E_CLOSED', text: 'pool is closing or closed' },
  /** An argument the library refuses; TS validates every argument first (faults: src/faults.ts). */
  { name: 'CF_ERR_BAD_ARG', value: -4, code: 'E_BAD_INPUT', text: 'argument out of range' },
  { name: 'CF_ERR_PANIC', value: -5, code: 'E_POOL_UNAVAILABLE', text: 'a panic was recovered at the library boundary' },
] as const satisfies readonly { name: string; value: number; code: ErrorCode; text: string }[];

/** The error for C ABI call `call` having returned the negative `rc`. */
export function fromAbiError(call: string, rc: number, details: CrossfairErrorDetails = {}): CrossfairError {
  const e = CF_ERRORS.find((x) => x.value === rc);
  if (e === undefined) return new CrossfairError('E_POOL_UNAVAILABLE', `${call} returned ${rc} (not a code of the C ABI)`, details);
  return new CrossfairError(e.code, `${call} returned ${e.name} (${e.text})`, details);
}

const CODE_PREFIX = /^(E_[A-Z_]+): ([\s\S]*)$/;

/**
 * Native layers (the Rust addon, the Go shim) throw plain Errors whose
 * message starts with a code ("E_CLOSED: pool is closed"), or, for a C ABI
 * call that failed, carry its raw return value (`cfError`, mapped by
 * CF_ERRORS). Turn one into a CrossfairError, falling back to `fallback` for
 * anything else.
 */
export function fromNativeError(e: unknown, fallback: ErrorCode, details: CrossfairErrorDetails = {}): CrossfairError {
  if (e instanceof CrossfairError) return e;
  const rc = e instanceof Error ? (e as { cfError?: unknown }).cfError : undefined;
  if (typeof rc === 'number') return fromAbiError(String((e as { call?: unknown }).call ?? 'a C ABI call'), rc, { ...details, causes: [e] });
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : show(e);
  const m = CODE_PREFIX.exec(message);
  if (m && (ERROR_CODES as readonly string[]).includes(m[1]!)) {
    return new CrossfairError(m[1] as ErrorCode, m[2]!, { ...details, causes: [e] });
  }
  return new CrossfairError(fallback, message, { ...details, causes: [e] });
}

/**
 * A short rendering of a caller's value for an error message that never
 * throws: hostile objects (throwing getters, Proxies, no toString) are named
 * by type, never converted. At most 64 characters.
 */
export function show(v: unknown): string {
  let s: string;
  try {
    if (typeof v === 'string') s = JSON.stringify(v);
    else if (typeof v === 'bigint') s = `${v}n`;
    else if (typeof v === 'symbol') s = 'a symbol';
    else if (v === null || (typeof v !== 'object' && typeof v !== 'function')) s = String(v);
    else s = Array.isArray(v) ? 'an array' : typeof v === 'function' ? 'a function' : 'an object';
  } catch {
    s = `a ${typeof v}`;
  }
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/**
 * Runs `fn` (a public entry point's validation) and turns anything but a
 * CrossfairError it throws (a caller's throwing getter, say) into one with
 * `code`: callers only ever see coded errors.
 */
export function guard<T>(code: ErrorCode, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CrossfairError) throw e;
    throw new CrossfairError(code, `invalid argument: ${e instanceof Error ? e.message : show(e)}`, { causes: [e] });
  }
}

/**
 * Tracing through @opentelemetry/api: one span per task when the
 * application has registered a tracer provider, nothing otherwise (the
 * check is two calls, no span object is made).
 *
 *   crossfair.task      submit() → result or error; attributes: kind, class,
 *   │                   tenant, pool, runtime, attempts; status ERROR with the
 *   │                   code on failure
 *   ├ crossfair.queued  submit (or retry) → dispatch to a pool
 *   └ crossfair.native  the task's execution inside the runtime (its measured
 *                       exec time, ending when the result was drained)
 *   events: 'dispatched' {pool, runtime, attempt}, 'retry' {attempt, after},
 *           'completed'
 *
 * The task span's parent is the context active at submit(), so tasks join
 * the caller's trace. Times are taken from the scheduler's own clock
 * (performance.now, converted to epoch ms), never read twice.
 */
import { ProxyTracerProvider, SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';

/** The provider a fresh proxy delegates to: the no-op one. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** How long the answer of tracingOn is reused, ms: the global lookup is not free at a million tasks a second. */
export const TRACING_CHECK_MS = 100;
let checkedAt = -Infinity;
let on = false;

/** True when the application registered a tracer provider (looked up at most every TRACING_CHECK_MS; `now` = performance.now()). */
export function tracingOn(now: number = performance.now()): boolean {
  if (now - checkedAt < TRACING_CHECK_MS && now >= checkedAt) return on;
  checkedAt = now;
  const p = trace.getTracerProvider();
  on = (p instanceof ProxyTracerProvider ? p.getDelegate() : p) !== NOOP_PROVIDER;
  return on;
}

let tracer: Tracer | undefined;

/** Epoch ms of a performance.now() reading. */
const epoch = (perfMs: number): number => performance.timeOrigin + perfMs;

export interface TaskSpan {
  task: Span;
  queued: Span | undefined;
}

/** Starts a task's spans at `now` (performance.now ms). */
export function startTask(now: number, attrs: { kind: string; className: string; tenant: string | undefined }): TaskSpan {
  tracer ??= trace.getTracer('crossfair');
  const start = epoch(now);
  const task = tracer.startSpan(
    'crossfair.task',
    {
      startTime: start,
      attributes: {
        'crossfair.kind': attrs.kind,
        'crossfair.class': attrs.className,
        ...(attrs.tenant !== undefined ? { 'crossfair.tenant': attrs.tenant } : {}),
      },
    },
    context.active(),
  );
  const queued = tracer.startSpan('crossfair.queued', { startTime: start }, trace.setSpan(context.active(), task));
  return { task, queued };
}

export function dispatched(s: TaskSpan, now: number, pool: string, runtime: string, attempt: number): void {
  s.queued?.end(epoch(now));
  s.queued = undefined;
  s.task.addEvent('dispatched', { 'crossfair.pool': pool, 'crossfair.runtime': runtime, 'crossfair.attempt': attempt }, epoch(now));
}

export function retrying(s: TaskSpan, now: number, attempt: number, afterMs: number): void {
  s.task.addEvent('retry', { 'crossfair.attempt': attempt, 'crossfair.backoff_ms': afterMs }, epoch(now));
  s.queued = tracer!.startSpan('crossfair.queued', { startTime: epoch(now + afterMs) }, trace.setSpan(context.active(), s.task));
}

/** The task ended: `execUs` ran natively (undefined when it never ran); `code` when it failed. */
export function ended(
  s: TaskSpan,
  now: number,
  r: { pool?: string; runtime?: string; attempts: number; execUs?: number; code?: string; message?: string },
): void {
  s.queued?.end(epoch(now));
  if (r.execUs !== undefined) {
    tracer!
      .startSpan(
        'crossfair.native',
        { startTime: epoch(now - r.execUs / 1000), attributes: { 'crossfair.runtime': r.runtime ?? '' } },
        trace.setSpan(context.active(), s.task),
      )
      .end(epoch(now));
  }
  s.task.setAttributes({
    'crossfair.attempts': r.attempts,
    ...(r.pool !== undefined ? { 'crossfair.pool': r.pool, 'crossfair.runtime': r.runtime ?? '' } : {}),
  });
  if (r.code === undefined) {
    s.task.addEvent('completed', undefined, epoch(now));
  } else {
    s.task.setStatus({ code: SpanStatusCode.ERROR, message: `${r.code}: ${r.message ?? ''}` });
    s.task.setAttribute('crossfair.error_code', r.code);
  }
  s.task.end(epoch(now));
}

// Tracing through @opentelemetry/api: nothing without a tracer provider;
// with one, a crossfair.task span per task with its queued and native
// children, dispatch and completion events, error status and attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TRACING_CHECK_MS, tracingOn } from '../src/observability/tracing.js';
import { BOTH, withScheduler } from './helpers.js';

test('spans per task once a provider is registered; none before', async () => {
  assert.equal(tracingOn(0), false);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  assert.ok(trace.setGlobalTracerProvider(provider));
  assert.ok(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  try {
    assert.equal(tracingOn(0), false, 'the answer is reused for TRACING_CHECK_MS');
    assert.equal(tracingOn(TRACING_CHECK_MS), true);
    assert.equal(tracingOn(), true);
    await withScheduler({ ...BOTH, breaker: { minCalls: 1_000_000 } }, async (s) => {
      const parent = trace.getTracer('app').startSpan('request');
      await context.with(trace.setSpan(context.active(), parent), async () => {
        await s.submit({ kind: 'spin', input: '300', pool: 'rust', tenant: 'acme' });
        await s.submit({ kind: 'fail', input: 'nope', pool: 'go' }).catch(() => undefined);
        s.inject('go', { errorRate: 1 });
        await s.submit({ kind: 'echo', input: 'r', idempotent: true, pool: undefined }).catch(() => undefined);
      });
      parent.end();
      s.inject('go', null);
    });
    const spans = exporter.getFinishedSpans();
    const tasks = spans.filter((x) => x.name === 'crossfair.task');
    assert.equal(tasks.length, 3);
    const parentId = spans.find((x) => x.name === 'request')!.spanContext().spanId;
    for (const t of tasks) assert.equal(t.parentSpanContext?.spanId, parentId, 'tasks join the caller trace');
    const [ok, failed, retried] = tasks;
    assert.equal(ok!.attributes['crossfair.pool'], 'rust');
    assert.equal(ok!.attributes['crossfair.tenant'], 'acme');
    assert.deepEqual(
      ok!.events.map((e) => e.name),
      ['dispatched', 'completed'],
    );
    const children = (t: typeof ok) =>
      spans
        .filter((x) => x.parentSpanContext?.spanId === t!.spanContext().spanId)
        .map((x) => x.name)
        .sort();
    assert.deepEqual(children(ok), ['crossfair.native', 'crossfair.queued']);
    const native = spans.find((x) => x.name === 'crossfair.native' && x.parentSpanContext?.spanId === ok!.spanContext().spanId)!;
    const ms = (native.endTime[0] - native.startTime[0]) * 1e3 + (native.endTime[1] - native.startTime[1]) / 1e6;
    assert.ok(ms >= 0.3 && ms < 50, `native span ${ms} ms for a 300 us spin`);
    assert.equal(failed!.status.code, SpanStatusCode.ERROR);
    assert.equal(failed!.attributes['crossfair.error_code'], 'E_TASK_FAILED');
    // The idempotent echo: whichever pool it met first, it completed; a retry shows as an event.
    assert.equal(retried!.status.code, SpanStatusCode.UNSET);
    const attempts = retried!.attributes['crossfair.attempts'] as number;
    assert.equal(retried!.events.filter((e) => e.name === 'retry').length, attempts - 1);
  } finally {
    trace.disable();
    context.disable();
  }
  assert.equal(tracingOn(performance.now() + TRACING_CHECK_MS), false);
});

/**
 * Model-based test of the public API on the real pools, run as its own
 * process by model.test.ts (a listener that throws must reach this
 * process's 'uncaughtException', not the test runner's).
 *
 * fast-check generates sequences of public calls: submit, submitMany,
 * aborts (signals shared between tasks), timeouts, setPolicy, inject,
 * listeners that call back into the scheduler or throw, pauses, and a
 * close() that may come in the middle. A reference model says which
 * outcomes each task may have (from its kind, the faults injected, its
 * timeout and signal, and close). Checked after every step: the accounting
 * invariant, submitted + rejected = tasks given, no promise settled twice,
 * no uncaught error but the listeners' own. Checked at the end: after
 * close() every promise has settled, each with an allowed outcome, and an
 * echo returns its own input.
 *
 * Environment: MODEL_RUNS (default 20), MODEL_STEPS (max steps per run,
 * default 60), MODEL_SEED. Prints one JSON line: {runs, steps, failure?}.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { createScheduler, isCrossfairError } from '../src/index.js';
import type { PolicyName, Scheduler, SchedulerOptions, Task, TaskResult } from '../src/types.js';

const RUNS = Number(process.env.MODEL_RUNS ?? 20);
const MAX_STEPS = Number(process.env.MODEL_STEPS ?? 60);
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);

const LISTENER_ERROR = 'model: listener throws';
let listenerThrows = 0;
const otherUncaught: unknown[] = [];
process.on('uncaughtException', (e) => {
  if (e instanceof Error && e.message === LISTENER_ERROR) listenerThrows++;
  else otherUncaught.push(e);
});
process.on('unhandledRejection', (e) => otherUncaught.push(e));

type Kind = 'echo' | 'sha256' | 'spin' | 'sleep' | 'fail' | 'panic';
interface TaskSpec {
  kind: Kind;
  cls: 'a' | 'b' | 'c';
  tenant: number;
  pin: 'rust' | 'go' | undefined;
  timeoutMs: number | undefined;
  signal: number | undefined;
  idempotent: boolean;
  size: number;
}
type Action = 'none' | 'setPolicy' | 'submit' | 'stats' | 'throw';
type Op =
  | { op: 'submit'; task: TaskSpec }
  | { op: 'many'; tasks: TaskSpec[] }
  | { op: 'abort'; signal: number }
  | { op: 'policy'; policy: PolicyName }
  | { op: 'inject'; pool: 'rust' | 'go'; errorRate: number; hangRate: number } // errorRate < 0: clear
  | { op: 'listener'; event: 'breaker' | 'health' | 'drain'; action: Action; policy: PolicyName }
  | { op: 'tick'; ms: number }
  | { op: 'close'; timeoutMs: number };

const POLICIES: PolicyName[] = ['fair', 'fifo', 'round-robin'];
const SIGNALS = 3;

const taskSpec: fc.Arbitrary<TaskSpec> = fc.record({
  kind: fc.constantFrom<Kind>('echo', 'echo', 'sha256', 'spin', 'sleep', 'fail', 'panic'),
  cls: fc.constantFrom('a', 'b', 'c'),
  tenant: fc.integer({ min: 0, max: 4 }),
  pin: fc.constantFrom(undefined, undefined, 'rust', 'go'),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined, freq: 4 }),
  signal: fc.option(fc.integer({ min: 0, max: SIGNALS - 1 }), { nil: undefined, freq: 3 }),
  idempotent: fc.boolean(),
  size: fc.integer({ min: 0, max: 64 }),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: taskSpec.map((task) => ({ op: 'submit' as const, task })) },
  { weight: 3, arbitrary: fc.array(taskSpec, { minLength: 0, maxLength: 12 }).map((tasks) => ({ op: 'many' as const, tasks })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: SIGNALS - 1 }).map((signal) => ({ op: 'abort' as const, signal })) },
  { weight: 2, arbitrary: fc.constantFrom(...POLICIES).map((policy) => ({ op: 'policy' as const, policy })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ pool: fc.constantFrom<'rust' | 'go'>('rust', 'go'), errorRate: fc.constantFrom(-1, -1, 0.5, 1), hangRate: fc.constantFrom(0, 0, 0, 0.2) })
      .map((r) => ({ op: 'inject' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        event: fc.constantFrom<'breaker' | 'health' | 'drain'>('breaker', 'health', 'drain'),
        action: fc.constantFrom<Action>('none', 'setPolicy', 'submit', 'stats', 'throw'),
        policy: fc.constantFrom(...POLICIES),
      })
      .map((r) => ({ op: 'listener' as const, ...r })),
  },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }).map((ms) => ({ op: 'tick' as const, ms })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 50 }).map((timeoutMs) => ({ op: 'close' as const, timeoutMs })) },
);

interface Tracked {
  spec: TaskSpec;
  input: string;
  settled: number;
  outcome: string | undefined;
  /** Faults were injected on some pool while it lived. */
  faulted: boolean;
  aborted: boolean;
  closed: boolean;
}

const OPTIONS = (small: boolean): SchedulerOptions => ({
  pools: { rust: { runtime: 'rust', workers: 1, maxInFlight: small ? 2 : 64 }, go: { runtime: 'go', workers: 1, maxInFlight: small ? 2 : 64 } },
  classes: { a: { weight: 1, maxWaitMs: 10 }, b: { weight: 4, latencyBudgetMs: 20 }, c: { weight: 1, maxQueue: 40 } },
  maxQueue: 200,
  breaker: { openMs: 10, minCalls: 5 },
  retry: { maxAttempts: 2 },
  stuckGraceMs: 50,
});

function inputOf(spec: TaskSpec, n: number): string {
  if (spec.kind === 'spin') return String(50 + (spec.size % 8) * 100);
  if (spec.kind === 'sleep') return String(100 + spec.size * 20);
  return `${spec.kind}-${n}-${'x'.repeat(spec.size)}`;
}

/** Outcomes the reference model allows for a task, given what happened while it lived. */
function allowed(t: Tracked): Set<string> {
  const ok = new Set<string>(['E_QUEUE_FULL', 'E_CLOSED']);
  if (t.spec.kind === 'fail') ok.add('E_TASK_FAILED');
  else if (t.spec.kind === 'panic') ok.add('E_TASK_PANIC').add('E_POOL_UNAVAILABLE');
  else ok.add('ok');
  if (t.spec.timeoutMs !== undefined) ok.add('E_TIMEOUT');
  if (t.aborted) ok.add('E_ABORTED');
  if (t.faulted || t.spec.kind === 'panic') {
    // An injected fault fails a task (or its retries), opens breakers
    // (pinned tasks then fail fast) and hangs tasks until their timeout or close.
    for (const c of ['E_TASK_FAILED', 'E_POOL_UNAVAILABLE', 'E_TIMEOUT', 'E_TASK_PANIC']) ok.add(c);
  }
  return ok;
}

async function runOne(ops: Op[], small: boolean): Promise<number> {
  const s: Scheduler = await createScheduler(OPTIONS(small));
  const tracked: Tracked[] = [];
  let given = 0;
  let faulted = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  const controllers = Array.from({ length: SIGNALS }, () => new AbortController());
  const aborted = new Set<number>();
  let steps = 0;

  const markFaulted = (): void => {
    faulted = true;
    for (const t of tracked) if (t.settled === 0) t.faulted = true;
  };
  const submitOne = (spec: TaskSpec): Task => {
    const t: Task = { kind: spec.kind, input: '', class: spec.cls, tenant: `t${spec.tenant}`, idempotent: spec.idempotent };
    if (spec.pin !== undefined) t.pool = spec.pin;
    if (spec.timeoutMs !== undefined) t.timeoutMs = spec.timeoutMs;
    if (spec.signal !== undefined) t.signal = controllers[spec.signal]!.signal;
    return t;
  };
  const track = (spec: TaskSpec): { task: Task; rec: Tracked } => {
    const task = submitOne(spec);
    const rec: Tracked = {
      spec,
      input: inputOf(spec, tracked.length),
      settled: 0,
      outcome: undefined,
      faulted,
      aborted: spec.signal !== undefined && aborted.has(spec.signal),
      closed,
    };
    task.input = rec.input;
    tracked.push(rec);
    given++;
    return { task, rec };
  };
  const settle = (rec: Tracked, r: TaskResult | unknown): void => {
    rec.settled++;
    if (isCrossfairError(r)) rec.outcome = r.code;
    else if (r instanceof Error) rec.outcome = `non-crossfair error: ${r.message}`;
    else {
      rec.outcome = 'ok';
      const out = Buffer.from((r as TaskResult).output);
      if (rec.spec.kind === 'echo') assert.equal(out.toString(), rec.input, 'an echo returns its own input');
      if (rec.spec.kind === 'sha256') assert.deepEqual(out, createHash('sha256').update(rec.input).digest());
    }
  };
  const submit = (spec: TaskSpec): void => {
    // A running task that outlives its timeout counts against its pool (a
    // latency breach): enough of them open its breaker, as injected faults do.
    if (spec.timeoutMs !== undefined) markFaulted();
    const { task, rec } = track(spec);
    s.submit(task).then(
      (r) => settle(rec, r),
      (e: unknown) => settle(rec, e),
    );
  };

  for (const o of ops) {
    steps++;
    switch (o.op) {
      case 'submit':
        submit(o.task);
        break;
      case 'many': {
        if (o.tasks.some((t) => t.timeoutMs !== undefined)) markFaulted();
        const recs = o.tasks.map(track);
        s.submitMany(recs.map((x) => x.task)).then(
          (out) => out.forEach((r, i) => settle(recs[i]!.rec, r)),
          (e: unknown) => recs.forEach((x) => settle(x.rec, e)),
        );
        break;
      }
      case 'abort':
        if (!aborted.has(o.signal)) {
          aborted.add(o.signal);
          for (const t of tracked) if (t.spec.signal === o.signal) t.aborted = true;
          controllers[o.signal]!.abort();
        }
        break;
      case 'policy':
        s.setPolicy(o.policy);
        break;
      case 'inject':
        if (closed) {
          assert.throws(
            () => s.inject(o.pool, null),
            (e: unknown) => isCrossfairError(e) && e.code === 'E_CLOSED',
          );
          break;
        }
        if (o.errorRate < 0) s.inject(o.pool, null);
        else {
          faulted = true;
          for (const t of tracked) if (t.settled === 0) t.faulted = true;
          s.inject(o.pool, { errorRate: o.errorRate, hangRate: o.hangRate });
        }
        break;
      case 'listener':
        s.on(o.event, () => {
          if (o.action === 'setPolicy') s.setPolicy(o.policy);
          else if (o.action === 'submit' && !closed)
            submit({ kind: 'echo', cls: 'a', tenant: 0, pin: undefined, timeoutMs: undefined, signal: undefined, idempotent: true, size: 3 });
          else if (o.action === 'stats') s.stats();
          else if (o.action === 'throw') throw new Error(LISTENER_ERROR);
        });
        break;
      case 'tick':
        await new Promise((r) => setTimeout(r, o.ms));
        break;
      case 'close':
        closed = true;
        for (const t of tracked) if (t.settled === 0) t.closed = true;
        closing = s.close({ timeoutMs: o.timeoutMs });
        break;
    }
    const st = s.stats();
    const t = st.totals;
    assert.equal(t.submitted, t.completed + t.failed + t.cancelled + t.queued + t.inFlight, `totals ${JSON.stringify(t)}`);
    for (const [name, c] of Object.entries(st.classes))
      assert.equal(c.submitted, c.completed + c.failed + c.cancelled + c.queued + c.inFlight, `class ${name}`);
    assert.equal(t.submitted + t.rejected, given, 'every task given was submitted or rejected');
    for (const x of tracked) assert.ok(x.settled <= 1, 'a promise settled twice');
    assert.deepEqual(otherUncaught, []);
  }
  await (closing ?? s.close({ timeoutMs: 100 }));
  // Settlements are delivered as promise reactions: let them run.
  await new Promise((r) => setImmediate(r));
  for (const x of tracked) {
    assert.equal(x.settled, 1, `task ${JSON.stringify(x.spec)} settled ${x.settled} times after close`);
    const ok = allowed(x);
    assert.ok(
      ok.has(x.outcome!),
      `task ${JSON.stringify(x.spec)} (aborted ${x.aborted}, faulted ${x.faulted}, closed ${x.closed}) ended ${x.outcome}; allowed ${[...ok].join(' ')}`,
    );
  }
  const t = s.stats().totals;
  assert.equal(t.queued + t.inFlight, 0);
  assert.deepEqual(otherUncaught, []);
  return steps;
}

let totalSteps = 0;
let runs = 0;
try {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: MAX_STEPS, size: 'max' }), fc.boolean(), async (ops, small) => {
      totalSteps += await runOne(ops, small);
      runs++;
    }),
    { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
  );
  console.log(JSON.stringify({ runs, steps: totalSteps, listenerThrows }));
} catch (e) {
  console.log(
    JSON.stringify({
      runs,
      steps: totalSteps,
      listenerThrows,
      failure:
        e instanceof Error ? `${e.message.split('\n').slice(0, 2).join(' ')}\ncause: ${String((e as { cause?: unknown }).cause)}\n${e.message}` : String(e),
    }),
  );
  process.exitCode = 1;
}

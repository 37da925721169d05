/**
 * A scheduler configuration and a short workload that give every metric
 * family samples: both runtimes, two classes (one with a latency budget, so
 * the budget gauge has a series), tenants past the label cap, completions,
 * failures, cancellations (timeout and abort of running tasks) and
 * rejections (class maxQueue, bad input). The promtool and Grafana tests lint
 * and cross-check the exposition it leaves behind.
 *
 * Steps, each awaited before the next so their outcomes do not interfere:
 * 1. completions and failures on each pool, each class, three tenants;
 * 2. cancellations: long spins that time out or are aborted while running;
 * 3. rejections: more submits in one tick than `interactive` may queue (no
 *    flush runs until the tick ends, so the count refused is exact), and one
 *    malformed input;
 * 4. a breaker trip: the Go pool fails every task (injected) for
 *    BREAKER_MIN_CALLS tasks, dispatched in one batch, so all of them fail
 *    before the breaker opens;
 * 5. a quarantine: QUARANTINE_PANICS `panic` tasks pinned to Rust in one
 *    batch, all of which run and panic, and the last cuts the kind off Rust.
 */
import type { Scheduler, SchedulerOptions } from '../src/index.js';
import { BOTH } from './helpers.js';

/** Tasks `interactive` may queue; step 3 submits REJECT_BURST of them in one tick. */
const INTERACTIVE_MAX_QUEUE = 4;
const REJECT_BURST = 10;
/** A spin long enough (µs) to still be running when its timeout or abort fires. */
const LONG_SPIN_US = '300000';
/** The breaker's minCalls here, lowered from 20 so step 4 is short. */
const BREAKER_MIN_CALLS = 5;
/** Panics in a row that quarantine a kind (the default consecutiveFailures). */
const QUARANTINE_PANICS = 5;

export const WORKLOAD_OPTIONS: SchedulerOptions = {
  ...BOTH,
  policy: 'fair',
  classes: {
    interactive: { weight: 3, latencyBudgetMs: 50, maxQueue: INTERACTIVE_MAX_QUEUE },
    batch: { weight: 1 },
  },
  breaker: { minCalls: BREAKER_MIN_CALLS },
  metrics: { tenantLabel: true, maxTenants: 2 },
};

/** Settles `p` to "ok" or its error code. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

/** Runs steps 1–5 and returns how many tasks ended with each outcome ("ok" or an error code). */
export async function mixedWorkload(s: Scheduler): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const tally = async (ps: Promise<string>[]): Promise<void> => {
    for (const o of await Promise.all(ps)) counts[o] = (counts[o] ?? 0) + 1;
  };

  // Step 1, one pool at a time: 3 interactive tasks in a tick stay under its maxQueue.
  for (const pool of ['rust', 'go']) {
    const step1: Promise<string>[] = [];
    for (const cls of ['interactive', 'batch']) {
      ['a', 'b', 'c'].forEach((tenant, i) => {
        const kind = ['echo', 'sha256', 'spin'][i]!;
        step1.push(outcome(s.submit({ kind, input: kind === 'spin' ? '500' : 'x'.repeat(64), pool, class: cls, tenant })));
      });
    }
    step1.push(outcome(s.submit({ kind: 'fail', input: 'expected failure', pool, class: 'batch' })));
    await tally(step1);
  }

  // Step 2. With step 1's failure, two outcomes per pool count against its
  // breaker: under minCalls, so both stay closed and serve step 3.
  const step2: Promise<string>[] = [];
  for (const pool of ['rust', 'go']) {
    step2.push(outcome(s.submit({ kind: 'spin', input: LONG_SPIN_US, pool, class: 'batch', timeoutMs: 20 })));
    const abort = new AbortController();
    step2.push(outcome(s.submit({ kind: 'spin', input: LONG_SPIN_US, pool, class: 'interactive', signal: abort.signal })));
    setTimeout(() => abort.abort(), 20);
  }
  await tally(step2);

  // Step 3.
  const step3: Promise<string>[] = [];
  for (let i = 0; i < REJECT_BURST; i++) step3.push(outcome(s.submit({ kind: 'echo', input: 'y', class: 'interactive' })));
  step3.push(outcome(s.submit({ kind: 'spin', input: 'not a number', class: 'batch' })));
  await tally(step3);

  // Step 4.
  s.inject('go', { errorRate: 1 });
  await tally(Array.from({ length: BREAKER_MIN_CALLS }, () => outcome(s.submit({ kind: 'echo', input: 'z', pool: 'go', class: 'batch' }))));
  s.inject('go', null);

  // Step 5.
  await tally(Array.from({ length: QUARANTINE_PANICS }, (_, i) => outcome(s.submit({ kind: 'panic', input: `boom ${i}`, pool: 'rust', class: 'batch' }))));
  return counts;
}

/** What mixedWorkload must have produced for the exposition to cover every family. */
export const EXPECTED_OUTCOMES: Record<string, number> = {
  ok: 2 * 2 * 3 + INTERACTIVE_MAX_QUEUE,
  E_TASK_FAILED: 2 + BREAKER_MIN_CALLS,
  E_TIMEOUT: 2,
  E_ABORTED: 2,
  E_QUEUE_FULL: REJECT_BURST - INTERACTIVE_MAX_QUEUE,
  E_BAD_INPUT: 1,
  E_TASK_PANIC: QUARANTINE_PANICS,
};

/**
 * Shared test helpers: the vectors, a scheduler per test, and the accounting
 * invariant every scenario must keep.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../src/index.js';
import { packageRoot } from '../src/native/loader.js';

export const root = packageRoot;

export interface KindVector {
  name: string;
  kind: string;
  input_hex: string;
  status: string;
  output_hex: string;
  message?: string;
}

export function kindVectors(): KindVector[] {
  return (JSON.parse(readFileSync(join(root, 'test', 'vectors', 'kinds.json'), 'utf8')) as { vectors: KindVector[] }).vectors;
}

/** Vector status name → the CrossfairError code the public API reports. */
export const STATUS_TO_CODE: Record<string, string> = {
  TASK_FAILED: 'E_TASK_FAILED',
  TASK_PANIC: 'E_TASK_PANIC',
  BAD_INPUT: 'E_BAD_INPUT',
  UNKNOWN_KIND: 'E_UNKNOWN_KIND',
};

/** One pool of each path, one worker each (the machine has 2 cores). */
export const ALL_PATHS: SchedulerOptions = {
  pools: {
    rust: { runtime: 'rust', workers: 1 },
    go: { runtime: 'go', workers: 1 },
    goffi: { runtime: 'go', workers: 1, transport: 'ffi' },
  },
};

export const BOTH: SchedulerOptions = {
  pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } },
};

export async function withScheduler<T>(opts: SchedulerOptions, fn: (s: Scheduler) => Promise<T>): Promise<T> {
  const s = await createScheduler(opts);
  try {
    const r = await fn(s);
    assertAccounting(s);
    return r;
  } finally {
    await s.close({ timeoutMs: 2000 });
  }
}

/** submitted = completed + failed + cancelled + queued + inFlight, for totals and every class. */
export function assertAccounting(s: Scheduler): void {
  const st = s.stats();
  const t = st.totals;
  assert.equal(t.submitted, t.completed + t.failed + t.cancelled + t.queued + t.inFlight, `totals: ${JSON.stringify(t)}`);
  for (const [name, c] of Object.entries(st.classes)) {
    assert.equal(c.submitted, c.completed + c.failed + c.cancelled + c.queued + c.inFlight, `class ${name}: ${JSON.stringify(c)}`);
  }
}

export async function expectCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.equal((e as { name?: string }).name, 'CrossfairError');
    assert.equal((e as { code?: string }).code, code, `got ${(e as Error).message}`);
    if (message) assert.match((e as Error).message, message);
    return true;
  });
}

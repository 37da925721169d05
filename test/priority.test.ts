// Worker threads run at their pool's workerNice (default 10), each on a
// thread of its own named crossfair-rust-<i> / crossfair-go-<i>, over every
// transport; the event loop's thread and the rest of the process keep
// their priority. Linux only: elsewhere the option is accepted and ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { withScheduler } from './helpers.js';
import { DEFAULT_WORKER_NICE } from '../src/options.js';

const linux = process.platform === 'linux';

/** tid → [name, nice] of this process's threads. */
function threads(): Map<string, [string, number]> {
  const out = new Map<string, [string, number]>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(tid, [name, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3])]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/**
 * Nice values of the worker threads named `prefix`* that were not workers in
 * `before`: a Go worker may pin a thread Go already had (renaming it), and
 * an earlier scheduler's Go worker may have left Go's first thread parked
 * under its name (native/go/pool/priority.go).
 */
function newWorkers(before: Map<string, [string, number]>, prefix: string): number[] {
  return [...threads()].filter(([tid, [name]]) => name.startsWith(prefix) && !before.get(tid)?.[0].startsWith(prefix)).map(([, [, nice]]) => nice);
}

const nice = (t: Map<string, [string, number]>, tid: string): number => t.get(tid)![1];

/** Re-reads until `count` workers named `prefix`* are there (a worker sets its priority as its first step, which on a loaded machine may come a moment after its pool started), at most 10 s. */
async function settledWorkers(before: Map<string, [string, number]>, prefix: string, count: number): Promise<number[]> {
  const deadline = performance.now() + 10_000;
  for (;;) {
    const got = newWorkers(before, prefix);
    if ((got.length === count && got.every((n) => n === got[0])) || performance.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const [label, workerNice, want] of [
  ['default', undefined, DEFAULT_WORKER_NICE],
  ['0 (unchanged)', 0, 0],
  ['19', 19, 19],
] as const) {
  test(
    `workerNice ${label}: every worker thread of every transport runs at ${want}, and no other thread changes`,
    { skip: !linux && 'Linux only' },
    async () => {
      const before = threads();
      const main = String(process.pid);
      const opt = workerNice === undefined ? {} : { workerNice };
      await withScheduler(
        {
          pools: {
            rust: { runtime: 'rust', workers: 2, ...opt },
            go: { runtime: 'go', workers: 2, ...opt },
            goffi: { runtime: 'go', workers: 1, transport: 'ffi', ...opt },
          },
        },
        async (s) => {
          // Each pool has run tasks, so every worker thread has started.
          const r = await s.submitMany(['rust', 'go', 'goffi'].flatMap((pool) => Array.from({ length: 8 }, () => ({ kind: 'spin', input: '500', pool }))));
          assert.ok(r.every((x) => !(x instanceof Error)));
          const rust = await settledWorkers(before, 'crossfair-rust-', 2);
          const go = await settledWorkers(before, 'crossfair-go-', 3);
          assert.deepEqual(rust, [want, want], `rust workers ${rust}`);
          // 2 workers of the shim pool + 1 of the ffi pool, one Go runtime.
          assert.deepEqual(go, [want, want, want], `go workers ${go}`);
          const now = threads();
          assert.equal(nice(now, main), nice(before, main), "the event loop's thread keeps its priority");
          for (const [tid, [name, n]] of now) {
            if (!name.startsWith('crossfair-')) assert.equal(n, nice(before, main), `thread ${tid} (${name}) changed priority`);
          }
        },
      );
    },
  );
}

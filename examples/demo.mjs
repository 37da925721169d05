// The main job: a mixed workload (hashing, CPU spin, sleep standing for I/O,
// echo) across the Rust and Go pools, then a table per pool and kind.
//   npm run demo                 a few seconds of work
//   npm run demo -- --tasks 50000
//   npm run demo -- --serve [--port N]   keep it running with the live dashboard
//                                        and /metrics up, until Ctrl-C (serve.mjs)
import { createScheduler } from '../dist/esm/index.js';
import { task } from './mix.mjs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { availableParallelism, cpus } from 'node:os';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TASKS = arg('tasks', 12_000);

if (process.argv.includes('--serve')) {
  const { serve } = await import('./serve.mjs');
  await serve({ port: arg('port', 0) }); // returns after Ctrl-C, everything closed
  process.exit(0);
}

const s = await createScheduler({
  pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } },
});

const rows = new Map(); // `${pool} ${kind}` → { lat: number[], failed }
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const t0 = performance.now();
// Keep a bounded window of tasks outstanding, as a service under steady load would.
const WINDOW = 128;
let next = 0;
async function lane() {
  while (next < TASKS) {
    const t = task(next++);
    const start = performance.now();
    try {
      const r = await s.submit(t);
      const key = `${r.pool}\t${t.kind}`;
      if (!rows.has(key)) rows.set(key, { lat: [], failed: 0, pool: r.pool, runtime: r.runtime, kind: t.kind });
      rows.get(key).lat.push(performance.now() - start);
    } catch (e) {
      const key = `${e.pool ?? '?'}\t${t.kind}`;
      if (!rows.has(key)) rows.set(key, { lat: [], failed: 0, pool: e.pool ?? '?', runtime: e.runtime ?? '?', kind: t.kind });
      rows.get(key).failed++;
    }
  }
}
await Promise.all(Array.from({ length: WINDOW }, lane));
const wall = (performance.now() - t0) / 1000;
delay.disable();

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] ?? 0;
const table = [...rows.values()]
  .sort((a, b) => a.pool.localeCompare(b.pool) || a.kind.localeCompare(b.kind))
  .map((r) => {
    const lat = r.lat.sort((a, b) => a - b);
    return {
      pool: r.pool,
      runtime: r.runtime,
      kind: r.kind,
      tasks: lat.length,
      failed: r.failed,
      'tasks/s': Math.round(lat.length / wall),
      'p50 ms': q(lat, 0.5).toFixed(2),
      'p99 ms': q(lat, 0.99).toFixed(2),
    };
  });

const st = s.stats();
await s.close();

console.log(`\ncrossfair demo: ${TASKS} mixed tasks in ${wall.toFixed(2)} s on ${availableParallelism()} cores (${cpus()[0]?.model ?? 'cpu'})`);
console.log('latency = submit() to result, with 128 tasks outstanding (a service with 128 requests in progress)\n');
const cols = Object.keys(table[0]);
const width = cols.map((c) => Math.max(c.length, ...table.map((r) => String(r[c]).length)));
const line = (cells) => cells.map((c, i) => (i < 3 ? String(c).padEnd(width[i]) : String(c).padStart(width[i]))).join('  ');
console.log(line(cols));
console.log(width.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(cols.map((c) => r[c])));
console.log('');
for (const [name, p] of Object.entries(st.pools)) console.log(`pool ${name} (${p.runtime}, ${p.transport}): ${p.completed} completed, ${p.failed} failed`);
const t = st.totals;
console.log(
  `totals: ${t.submitted} submitted = ${t.completed} completed + ${t.failed} failed + ${t.cancelled} cancelled + ${t.queued} queued + ${t.inFlight} in flight`,
);
console.log(`event-loop delay p99: ${(delay.percentile(99) / 1e6).toFixed(2)} ms\n`);

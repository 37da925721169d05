// Soak: full load for a configurable time (`--seconds`, default
// 600) with faults switching on and off on both pools every 10 s. Reports
// RSS over time (after a full GC), lost tasks (submitted but never
// settled), the accounting invariant, breaker transitions and outcomes.
import v8 from 'node:v8';
import vm from 'node:vm';
import { createScheduler } from '../dist/esm/index.js';
import { table } from './lib.mjs';

const LANES = 64;
const FAULT_EVERY_MS = 10_000;
const SAMPLE_EVERY_MS = 5_000;
const FAULTS = [null, { errorRate: 1 }, { errorRate: 0.3 }, { hangRate: 0.2 }, { delayFactor: 3 }, null];
const TASKS = [
  { kind: 'echo', input: 'x'.repeat(64) },
  { kind: 'sha256', input: 'y'.repeat(4096) },
  { kind: 'spin', input: '200' },
  { kind: 'sleep', input: '2000', estimate: { io: true } },
  { kind: 'fail', input: 'expected failure' },
];

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const rssMiB = () => (gc(), process.memoryUsage().rss / 2 ** 20);

export async function soak({ seconds = 600 } = {}) {
  const s = await createScheduler({ pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  let transitions = 0;
  s.on('breaker', () => transitions++);
  const outcomes = {};
  let submitted = 0;
  let settled = 0;
  let stop = false;
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const lane = async () => {
    while (!stop) {
      const t = TASKS[Math.floor(rand() * TASKS.length)];
      submitted++;
      const key = await s.submit({ ...t, idempotent: rand() < 0.5, timeoutMs: 200 }).then(
        () => 'ok',
        (e) => e.code,
      );
      settled++;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
  };
  const t0 = performance.now();
  const lanes = Array.from({ length: LANES }, lane);
  const samples = [];
  const faults = setInterval(() => {
    const pool = rand() < 0.5 ? 'rust' : 'go';
    s.inject(pool, FAULTS[Math.floor(rand() * FAULTS.length)]);
  }, FAULT_EVERY_MS);
  const sampler = setInterval(() => samples.push({ s: Math.round((performance.now() - t0) / 1000), rss: rssMiB(), done: settled }), SAMPLE_EVERY_MS);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(faults);
  clearInterval(sampler);
  s.inject('rust', null);
  s.inject('go', null);
  stop = true;
  await Promise.all(lanes);
  const st = s.stats();
  const t = st.totals;
  const invariant = t.submitted === t.completed + t.failed + t.cancelled + t.queued + t.inFlight;
  await s.close();
  // Baseline: the first sample after a tenth of the run (warm-up), at least the first.
  const base = samples.find((x) => x.s >= seconds / 10) ?? samples[0];
  const end = samples[samples.length - 1];
  const maxRss = Math.max(...samples.map((x) => x.rss));
  const every = Math.max(1, Math.floor(samples.length / 10));
  table(
    `Soak: ${seconds} s, ${LANES} lanes of mixed tasks, faults switching every ${FAULT_EVERY_MS / 1000} s — RSS (MiB, after GC) over time`,
    samples.filter((_, i) => i % every === 0 || i === samples.length - 1).map((x) => ({ s: x.s, 'rss MiB': x.rss, settled: x.done })),
  );
  const summary = {
    seconds,
    submitted,
    settled,
    lost: submitted - settled,
    'invariant holds': invariant ? 'yes' : 'NO',
    'rss base MiB': base?.rss,
    'rss end MiB': end?.rss,
    'rss max MiB': maxRss,
    'rss growth %': base && end ? (100 * (end.rss - base.rss)) / base.rss : NaN,
    'breaker transitions': transitions,
    retries: t.retries,
    outcomes: Object.entries(outcomes)
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
  };
  table('Soak summary', [summary]);
  return { summary, samples };
}

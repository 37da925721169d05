// submit() and submitMany() throughput on `echo` with empty input, and
// piscina running a JS no-op in the same run: the pool a Node user would
// otherwise pick. piscina runs once with its defaults and once tuned
// (concurrentTasksPerWorker 16), so neither side is a straw man.
import { Piscina } from 'piscina';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createScheduler } from '../dist/esm/index.js';
import v8 from 'node:v8';
import vm from 'node:vm';
import { median, repeat, root, table } from './lib.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const N = 200_000;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return N / ((performance.now() - t0) / 1000);
}

async function crossfair(policy, repeats) {
  const s = await createScheduler({ policy, maxQueue: 1_000_000, pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  const task = { kind: 'echo', input: '' };
  const tasks = Array.from({ length: N }, () => task);
  await s.submitMany(tasks.slice(0, 20_000)); // warm-up
  const submit = await repeat(repeats, () => timed(() => Promise.all(tasks.map((t) => s.submit(t)))).then((v) => ({ v })));
  const many = await repeat(repeats, () => timed(() => s.submitMany(tasks)).then((v) => ({ v })));
  await s.close();
  return { submit, many };
}

export async function throughput({ repeats }) {
  const { submit, many } = await crossfair('fifo', repeats);
  const fair = await crossfair('fair', repeats);

  const filename = pathToFileURL(join(root, 'bench', 'noop-worker.mjs')).href;
  const piscinaRun = async (opts) => {
    const p = new Piscina({ filename, ...opts });
    await Promise.all(Array.from({ length: 5000 }, () => p.run(null))); // warm-up
    const r = await repeat(repeats, () => timed(() => Promise.all(Array.from({ length: N }, () => p.run(null)))).then((v) => ({ v })));
    await p.destroy();
    return r.v;
  };
  const pDefault = await piscinaRun({});
  const pTuned = await piscinaRun({ concurrentTasksPerWorker: 16 });
  const rows = [
    { what: 'crossfair submit() echo', 'tasks/s': Math.round(submit.v), 'x piscina default': submit.v / pDefault, 'x piscina tuned': submit.v / pTuned },
    { what: 'crossfair submitMany() echo', 'tasks/s': Math.round(many.v), 'x piscina default': many.v / pDefault, 'x piscina tuned': many.v / pTuned },
    {
      what: "crossfair submit() echo, policy 'fair'",
      'tasks/s': Math.round(fair.submit.v),
      'x piscina default': fair.submit.v / pDefault,
      'x piscina tuned': fair.submit.v / pTuned,
    },
    { what: 'piscina no-op (defaults)', 'tasks/s': Math.round(pDefault), 'x piscina default': 1, 'x piscina tuned': pDefault / pTuned },
    { what: 'piscina no-op (16 per worker)', 'tasks/s': Math.round(pTuned), 'x piscina default': pTuned / pDefault, 'x piscina tuned': 1 },
  ];
  table(`Throughput: ${N} tasks per run, all outstanding at once (median of ${repeats}; crossfair rows use 'fifo' unless named)`, rows);
  // The fair/fifo and metrics on/off ratios, each from alternated runs of two open schedulers.
  const policy = await alternated('Cost of fair: submit() echo', { policy: 'fair' }, { policy: 'fifo' }, repeats);
  console.log(`policy 'fair' submit() throughput = ${(100 * policy.ratio).toFixed(0)}% of 'fifo' (alternated runs)`);
  const metrics = await alternated('Cost of metrics: submit() echo', { metrics: true }, { metrics: false }, repeats);
  console.log(`metrics on = ${(100 * metrics.ratio).toFixed(0)}% of metrics off (alternated runs)`);
  return { rows, fairVsFifo: policy.ratio, policy, metrics };
}

/**
 * A cost measured fairly: two schedulers open at once, differing only in
 * `a` against `b`, their submit() runs on echo alternated so machine noise
 * falls on both alike; medians. Used for fair against fifo and
 * metrics on against off.
 */
async function alternated(title, a, b, repeats) {
  const open = (opts) => createScheduler({ ...opts, maxQueue: 1_000_000, pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  const sa = await open(a);
  const sb = await open(b);
  const task = { kind: 'echo', input: '' };
  const tasks = Array.from({ length: N }, () => task);
  for (const s of [sa, sb]) await s.submitMany(tasks.slice(0, 20_000)); // warm-up
  const runs = { a: [], b: [] };
  // Each run starts from a collected heap: the previous run's garbage
  // otherwise lands on whichever side runs next (measured: ±20% per run).
  for (let r = 0; r < Math.max(repeats, 7) * 2; r++) {
    const [name, s] = r % 2 === 0 ? ['a', sa] : ['b', sb];
    gc();
    runs[name].push(await timed(() => Promise.all(tasks.map((t) => s.submit(t)))));
  }
  await sa.metrics(); // a scrape, so a side with metrics did its exposition work too
  await Promise.all([sa.close(), sb.close()]);
  const v = { a: median(runs.a), b: median(runs.b) };
  table(`${title}, ${runs.a.length} alternated runs each (medians)`, [
    { options: label(a), 'tasks/s': Math.round(v.a) },
    { options: label(b), 'tasks/s': Math.round(v.b) },
  ]);
  return { a: v.a, b: v.b, ratio: v.a / v.b };
}

const label = (opts) =>
  Object.entries(opts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

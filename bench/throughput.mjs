// submit() and submitMany() throughput on `echo` with empty input, and
// piscina running a JS no-op in the same run: the pool a Node user would
// otherwise pick. piscina runs once with its defaults and once tuned
// (concurrentTasksPerWorker 16), so neither side is a straw man.
import { Piscina } from 'piscina';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createScheduler } from '../dist/esm/index.js';
import { median, repeat, root, table } from './lib.mjs';

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
    { what: "crossfair submit() echo, policy 'fair'", 'tasks/s': Math.round(fair.submit.v), 'x piscina default': fair.submit.v / pDefault, 'x piscina tuned': fair.submit.v / pTuned },
    { what: 'piscina no-op (defaults)', 'tasks/s': Math.round(pDefault), 'x piscina default': 1, 'x piscina tuned': pDefault / pTuned },
    { what: 'piscina no-op (16 per worker)', 'tasks/s': Math.round(pTuned), 'x piscina default': pTuned / pDefault, 'x piscina tuned': 1 },
  ];
  table(`Throughput: ${N} tasks per run, all outstanding at once (median of ${repeats}; crossfair rows use 'fifo' unless named)`, rows);
  const fairVsFifo = fair.submit.v / submit.v;
  console.log(`policy 'fair' submit() throughput = ${(100 * fairVsFifo).toFixed(0)}% of 'fifo' in the same run`);
  const metrics = await metricsCost(repeats);
  return { rows, fairVsFifo, metrics };
}

/**
 * What metrics cost (issue 5): submit() on echo with metrics on (the
 * default) against `metrics: false`, both schedulers open at once and their
 * runs alternated, so machine noise falls on both alike; medians.
 */
async function metricsCost(repeats) {
  const open = (metrics) => createScheduler({ metrics, maxQueue: 1_000_000, pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  const on = await open(true);
  const off = await open(false);
  const task = { kind: 'echo', input: '' };
  const tasks = Array.from({ length: N }, () => task);
  for (const s of [on, off]) await s.submitMany(tasks.slice(0, 20_000)); // warm-up
  const runs = { on: [], off: [] };
  for (let r = 0; r < Math.max(repeats, 3) * 2; r++) {
    const [name, s] = r % 2 === 0 ? ['on', on] : ['off', off];
    runs[name].push(await timed(() => Promise.all(tasks.map((t) => s.submit(t)))));
  }
  // A scrape, so the on-side did its exposition work too.
  const text = await on.metrics();
  await Promise.all([on.close(), off.close()]);
  const v = { on: median(runs.on), off: median(runs.off) };
  const ratio = v.on / v.off;
  table(`Metrics cost: submit() echo, metrics on vs off, ${runs.on.length} alternated runs each (medians)`, [
    { metrics: 'on (default)', 'tasks/s': Math.round(v.on), 'series scraped': text.split('\n').filter((l) => l && !l.startsWith('#')).length },
    { metrics: 'off', 'tasks/s': Math.round(v.off), 'series scraped': 0 },
  ]);
  console.log(`metrics on = ${(100 * ratio).toFixed(0)}% of metrics off`);
  return { on: v.on, off: v.off, ratio };
}

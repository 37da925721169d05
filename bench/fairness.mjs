// Fairness on the real native pools: classes weighted 1:2:4, all backlogged
// with `spin` tasks of mixed sizes (50-500 us), `fair` and `fifo` side by
// side in the same run. Per 1 s window after warm-up: each class's share of
// served execution time against its entitlement, and Jain's index over
// weight-normalised shares.
import { createScheduler } from '../dist/esm/index.js';
import { jain, median, Recorder, table } from './lib.mjs';

const WEIGHTS = { w1: 1, w2: 2, w4: 4 };
const WARMUP_S = 1;
const WINDOWS = 5;
/** Tasks each class keeps outstanding: enough to stay backlogged. */
const LANES = 200;

async function run(policy, seed) {
  const s = await createScheduler({
    policy,
    pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } }, // credits sized from measured cost
    classes: Object.fromEntries(Object.entries(WEIGHTS).map(([k, w]) => [k, { weight: w }])),
  });
  let x = seed;
  const nextCost = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return 50 + (x % 451);
  };
  const t0 = performance.now();
  const end = t0 + (WARMUP_S + WINDOWS) * 1000;
  const rec = new Recorder(s, WEIGHTS, t0 + WARMUP_S * 1000);
  const windows = Array.from({ length: WARMUP_S + WINDOWS }, () => Object.fromEntries(Object.keys(WEIGHTS).map((k) => [k, 0])));
  const lane = async (cls) => {
    while (performance.now() < end) {
      const r = await rec.submit({ kind: 'spin', input: String(nextCost()), class: cls });
      const w = Math.floor((performance.now() - t0) / 1000);
      if (w < windows.length) windows[w][cls] += r.execUs;
    }
  };
  await Promise.all(Object.keys(WEIGHTS).flatMap((cls) => Array.from({ length: LANES }, () => lane(cls))));
  const st = s.stats();
  await s.close();
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  const perRun = rec.summary(policy, st);
  const out = windows.slice(WARMUP_S).map((w, i) => {
    const served = Object.values(w).reduce((a, b) => a + b, 0);
    const row = { policy, window: i + 1 };
    let worst = 0;
    for (const [cls, weight] of Object.entries(WEIGHTS)) {
      const share = (100 * w[cls]) / served;
      row[`${cls} %`] = share;
      worst = Math.max(worst, Math.abs(share - (100 * weight) / total));
    }
    row['max |share-entitled| pts'] = worst;
    row.jain = jain(Object.entries(WEIGHTS).map(([cls, weight]) => w[cls] / weight));
    row['rust util'] = st.pools.rust.utilization;
    row['go util'] = st.pools.go.utilization;
    return row;
  });
  out.summary = perRun;
  return out;
}

export async function fairness({ repeats }) {
  const rows = [];
  const summary = [];
  const perClass = [];
  for (const policy of ['fair', 'fifo']) {
    const runs = [];
    for (let r = 0; r < Math.min(repeats, 3); r++) runs.push(await run(policy, 17 + r));
    rows.push(...runs[runs.length - 1]);
    perClass.push(runs[runs.length - 1].summary);
    const all = runs.flat();
    summary.push({
      policy,
      runs: runs.length,
      'worst window max |share-entitled| pts': Math.max(...all.map((w) => w['max |share-entitled| pts'])),
      'median window jain': median(all.map((w) => w.jain)),
      'min window jain': Math.min(...all.map((w) => w.jain)),
    });
  }
  table(`Fairness: weights 1:2:4, spin 50-500 us, 1 s windows after ${WARMUP_S} s warm-up (last run of each policy)`, rows);
  table('Fairness summary over all runs (entitlement: 14.3 / 28.6 / 57.1 %)', summary);
  table('Fairness per class and pool, whole run after warm-up (last run of each policy)', perClass);
  return { rows, summary, perClass };
}

// Heterogeneous pools: Go slowed 3x by fault injection (delayFactor 3,
// applied natively), all classes backlogged with spin tasks. Measured in the
// same run: each pool's capacity alone (tasks pinned to it), then both
// together unpinned under `fair` and `round-robin`. Reports completed work
// against the combined capacity, and task age (submit → result) per pool.
import { createScheduler } from '../dist/esm/index.js';
import { Recorder, table } from './lib.mjs';

const SECONDS = 3;
const SPIN_US = '200';
const LANES = 300;

async function measure(policy, pin) {
  const s = await createScheduler({ policy, maxQueue: 1_000_000, pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  s.inject('go', { delayFactor: 3 });
  const ages = { rust: [], go: [] };
  let done = 0;
  const t0 = performance.now();
  const warm = t0 + 500;
  const end = warm + SECONDS * 1000;
  const rec = new Recorder(s, {}, warm);
  const lane = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      const r = await rec.submit({ kind: 'spin', input: SPIN_US, ...(pin ? { pool: pin } : {}) });
      if (start >= warm) {
        ages[r.pool].push(performance.now() - start);
        done++;
      }
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const st = s.stats();
  await s.close();
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  return {
    rate: done / SECONDS,
    rustAge: mean(ages.rust),
    goAge: mean(ages.go),
    rustShare: ages.rust.length / Math.max(1, done),
    util: [st.pools.rust.utilization, st.pools.go.utilization],
    summary: rec.summary(policy, st),
  };
}

export async function heterogeneous() {
  const rustAlone = await measure('fifo', 'rust');
  const goAlone = await measure('fifo', 'go');
  const capacity = rustAlone.rate + goAlone.rate;
  const rows = [];
  const perClass = [];
  for (const policy of ['fair', 'round-robin']) {
    const r = await measure(policy);
    perClass.push(r.summary);
    const older = Math.max(r.rustAge, r.goAge);
    const younger = Math.min(r.rustAge, r.goAge);
    rows.push({
      policy,
      'tasks/s': Math.round(r.rate),
      '% of combined capacity': (100 * r.rate) / capacity,
      'rust share %': 100 * r.rustShare,
      'age rust ms': r.rustAge,
      'age go ms': r.goAge,
      'age gap %': (100 * (older - younger)) / younger,
      'rust util': r.util[0],
      'go util': r.util[1],
    });
  }
  table(
    `Heterogeneous: go slowed 3x (delayFactor), spin ${SPIN_US} us, ${LANES} outstanding; capacity alone: rust ${Math.round(rustAlone.rate)}/s + go ${Math.round(goAlone.rate)}/s`,
    rows,
  );
  table('Heterogeneous per class and pool', perClass);
  return { capacity: { rust: rustAlone.rate, go: goAlone.rate }, rows, perClass };
}

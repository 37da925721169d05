// I/O mix on the real native pools: `sleep` tasks (standing for I/O, marked
// estimate.io) beside `spin` tasks, all outstanding. Placement by measured
// attributes (`fair`) against `round-robin`, same run: total throughput.
import { createScheduler } from '../dist/esm/index.js';
import { Recorder, table } from './lib.mjs';

const SECONDS = 3;
const SLEEP_US = '5000';
const SPIN_US = '200';
/** Outstanding tasks of each kind: enough to keep both pools backlogged. */
const LANES = { sleep: 400, spin: 100 };

async function run(policy, workerNice) {
  const nice = workerNice === undefined ? {} : { workerNice };
  const s = await createScheduler({
    policy,
    maxQueue: 1_000_000,
    pools: { rust: { runtime: 'rust', workers: 1, ...nice }, go: { runtime: 'go', workers: 1, ...nice } },
  });
  const done = { sleep: 0, spin: 0 };
  const where = { rust: { sleep: 0, spin: 0 }, go: { sleep: 0, spin: 0 } };
  const t0 = performance.now();
  const warm = t0 + 500;
  const end = warm + SECONDS * 1000;
  const rec = new Recorder(s, {}, warm);
  const lane = async (kind) => {
    const task = kind === 'sleep' ? { kind, input: SLEEP_US, estimate: { io: true } } : { kind, input: SPIN_US };
    while (performance.now() < end) {
      const start = performance.now();
      const r = await rec.submit(task);
      if (start >= warm) {
        done[kind]++;
        where[r.pool][kind]++;
      }
    }
  };
  await Promise.all(Object.entries(LANES).flatMap(([kind, n]) => Array.from({ length: n }, () => lane(kind))));
  const st = s.stats();
  await s.close();
  const row = {
    policy: workerNice === undefined ? policy : `${policy}, workerNice ${workerNice}`,
    'tasks/s': Math.round((done.sleep + done.spin) / SECONDS),
    'sleep/s': Math.round(done.sleep / SECONDS),
    'spin/s': Math.round(done.spin / SECONDS),
    'sleep on go %': (100 * where.go.sleep) / Math.max(1, done.sleep),
    'spin on rust %': (100 * where.rust.spin) / Math.max(1, done.spin),
    'go credit': st.pools.go.credit,
    'rust credit': st.pools.rust.credit,
  };
  return { row, summary: rec.summary(row.policy, st) };
}

export async function iomix() {
  // The third run shows what worker priority gives (docs/FAIRNESS.md): the
  // same placement with workers at the process's priority.
  const runs = [await run('fair'), await run('round-robin'), await run('fair', 0)];
  const rows = runs.map((r) => r.row);
  const ratio = rows[0]['tasks/s'] / rows[1]['tasks/s'];
  table(`I/O mix: sleep ${SLEEP_US} us (estimate.io) x${LANES.sleep} beside spin ${SPIN_US} us x${LANES.spin}, ${SECONDS} s`, rows);
  table(
    'I/O mix per class and pool (one class: shares are of execution time, sleeps included)',
    runs.map((r) => r.summary),
  );
  console.log(`fair / round-robin throughput: ${ratio.toFixed(2)}x (with workerNice 0: ${(rows[2]['tasks/s'] / rows[1]['tasks/s']).toFixed(2)}x)`);
  return { rows, ratio, ratioNice0: rows[2]['tasks/s'] / rows[1]['tasks/s'], perClass: runs.map((r) => r.summary) };
}

// `npm run demo -- --serve [--port N]`: the demo's mixed workload (mix.mjs)
// kept running on both runtimes, with the live dashboard and the Prometheus
// endpoint up, until Ctrl-C.
//
// 1. Two classes share the pools: `interactive` (weight 4, 20 ms latency
//    budget) and `batch` (weight 1). Batch is always backlogged; interactive
//    runs 20 s, pauses 10 s, so the dashboard shows both the 4:1 split and
//    batch taking everything while interactive is idle (work-conserving).
// 2. serveDashboard() on 127.0.0.1:port (0 = any free port); both URLs are
//    printed.
// 3. Ctrl-C: the lanes stop submitting, the tasks they have out finish, the
//    dashboard and then the scheduler close, and a summary line is printed.
//    A second Ctrl-C exits at once.
import { createScheduler } from '../dist/esm/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { task } from './mix.mjs';

/** Tasks kept outstanding per class: 128 in all, as in the batch demo. */
const LANES = { interactive: 32, batch: 96 };
/** Interactive's cycle: on for the first 20 s of every 30 s. */
const CYCLE_MS = 30_000;
const ON_MS = 20_000;

export async function serve({ port }) {
  const s = await createScheduler({
    pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } },
    classes: { interactive: { weight: 4, latencyBudgetMs: 20 }, batch: { weight: 1 } },
  });
  let dashboard;
  try {
    dashboard = await s.serveDashboard({ port });
  } catch (e) {
    await s.close();
    throw e;
  }

  let stopping = false;
  let failed = 0;
  const t0 = performance.now();
  const active = (cls) => cls !== 'interactive' || (performance.now() - t0) % CYCLE_MS < ON_MS;
  let next = 0;
  async function lane(cls) {
    while (!stopping) {
      if (!active(cls)) {
        await sleep(100);
        continue;
      }
      try {
        await s.submit({ ...task(next++), class: cls });
      } catch {
        failed++;
      }
    }
  }
  const lanes = Object.entries(LANES).flatMap(([cls, n]) => Array.from({ length: n }, () => lane(cls)));

  console.log('crossfair demo: a mixed workload on the rust and go pools, classes interactive (weight 4, 20 ms budget) and batch (weight 1)');
  console.log(`  dashboard  ${dashboard.url}`);
  console.log(`  metrics    ${dashboard.url}metrics`);
  console.log('Ctrl-C to stop.');

  await new Promise((resolve) => process.once('SIGINT', resolve));
  process.once('SIGINT', () => process.exit(130));
  console.log('\nstopping: letting the tasks out finish…');
  stopping = true;
  await Promise.all(lanes);
  await dashboard.close();
  await s.close();
  const t = s.stats().totals;
  console.log(
    `totals: ${t.submitted} submitted = ${t.completed} completed + ${t.failed} failed + ${t.cancelled} cancelled + ${t.queued} queued + ${t.inFlight} in flight; ${failed} submit() calls failed`,
  );
}

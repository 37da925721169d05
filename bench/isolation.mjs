// Isolation on the real native pools: a light class at ~5% of capacity with
// latencyBudgetMs 20 keeps its p99 latency (submit → result) while a flood
// class arrives at ~10x capacity. `fair` and `fifo` side by side.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createScheduler } from '../dist/esm/index.js';
import { quantile, Recorder, table } from './lib.mjs';

const SECONDS = 4;
const SPIN_US = 200;
/** Capacity with two single-worker pools: 2 / SPIN_US tasks per µs. */
const CAPACITY_PER_S = 2 * (1e6 / SPIN_US);
const LIGHT_PER_S = 0.05 * CAPACITY_PER_S;
const FLOOD_PER_S = 10 * CAPACITY_PER_S;
const TICK_MS = 5;

async function run(policy) {
  const s = await createScheduler({
    policy,
    pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } },
    // The flood's own quota bounds its backlog (~2 s of work); the light class is never refused.
    classes: { flood: { weight: 1, maxQueue: 20_000 }, light: { weight: 1, latencyBudgetMs: 20 } },
  });
  const light = [];
  let floodDone = 0;
  let floodRejected = 0;
  const pending = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  const rec = new Recorder(s, { flood: 1, light: 1 }, t0);
  let carryL = 0;
  let carryF = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - t0;
      if (elapsed > SECONDS * 1000) {
        clearInterval(timer);
        resolve();
        return;
      }
      carryL += (LIGHT_PER_S * TICK_MS) / 1000;
      carryF += (FLOOD_PER_S * TICK_MS) / 1000;
      for (; carryF >= 1; carryF--) {
        rec.submit({ kind: 'spin', input: String(SPIN_US), class: 'flood' }).then(
          () => floodDone++,
          () => floodRejected++,
        );
      }
      for (; carryL >= 1; carryL--) {
        const start = performance.now();
        pending.push(
          rec.submit({ kind: 'spin', input: String(SPIN_US), class: 'light' }).then(
            () => light.push(performance.now() - start),
            () => light.push(Infinity),
          ),
        );
      }
    }, TICK_MS);
  });
  loop.disable();
  const st = s.stats();
  await s.close({ timeoutMs: 100 });
  await Promise.allSettled(pending);
  const row = {
    policy,
    'light tasks': light.length,
    'light p50 ms': quantile(light, 0.5),
    'light p99 ms': quantile(light, 0.99),
    'light budget ms': 20,
    'flood done': floodDone,
    'flood refused (queue full)': floodRejected,
    'loop p99 ms': loop.percentile(99) / 1e6,
    'rust util': st.pools.rust.utilization,
    'go util': st.pools.go.utilization,
  };
  return { row, summary: rec.summary(policy, st) };
}

export async function isolation() {
  const runs = [await run('fair'), await run('fifo')];
  const rows = runs.map((r) => r.row);
  table(`Isolation: light class at 5% of capacity (budget 20 ms) beside a flood at 10x capacity, spin ${SPIN_US} us, ${SECONDS} s`, rows);
  table(
    'Isolation per class and pool (completed tasks; the light class is entitled to what it asks, ~5%)',
    runs.map((r) => r.summary),
  );
  return { rows, perClass: runs.map((r) => r.summary) };
}

// Event-loop delay while both pools are saturated with `spin` tasks: the
// scheduler must never block the loop on native code.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createScheduler } from '../dist/esm/index.js';
import { repeat, table } from './lib.mjs';

const SECONDS = 3;
const SPIN_US = '500';

export async function eventloop({ repeats }) {
  const r = await repeat(repeats, async () => {
    const s = await createScheduler({ pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
    const h = monitorEventLoopDelay({ resolution: 1 });
    let stop = false;
    let done = 0;
    const lane = async () => {
      while (!stop) {
        await s.submit({ kind: 'spin', input: SPIN_US });
        done++;
      }
    };
    const lanes = Array.from({ length: 64 }, lane);
    await new Promise((res) => setTimeout(res, 200)); // saturate first
    h.enable();
    const t0 = performance.now();
    const before = done;
    await new Promise((res) => setTimeout(res, SECONDS * 1000));
    h.disable();
    const wall = (performance.now() - t0) / 1000;
    const st = s.stats();
    stop = true;
    await Promise.all(lanes);
    await s.close();
    const busyShare = ((done - before) * Number(SPIN_US)) / 1e6 / wall / 2;
    return {
      p99Ms: h.percentile(99) / 1e6,
      maxMs: h.max / 1e6,
      meanMs: h.mean / 1e6,
      poolsBusy: busyShare,
      rustUtil: st.pools.rust.utilization,
      goUtil: st.pools.go.utilization,
    };
  });
  const rows = [{ 'p99 delay ms': r.p99Ms, 'max ms': r.maxMs, 'mean ms': r.meanMs, 'pools busy (spin time / wall / 2)': r.poolsBusy, repeats }];
  table(`Event loop while both pools spin (${SPIN_US} us tasks, ${SECONDS} s, median of ${repeats})`, rows);
  return rows;
}

// Adaptive batching on the real native pools: 256 clients, each submitting
// one small task from its own event-loop callback (as request handlers do),
// awaiting it, and yielding a turn (setImmediate) before the next. Every
// submit comes from a separate callback, so without batching each crosses
// alone. 'adaptive' against 'immediate', same run: tasks/s and tasks per
// boundary call.
import { createScheduler } from '../dist/esm/index.js';
import { repeat, table } from './lib.mjs';

const CLIENTS = 256;
const MS = 2000;

async function run(batching, kind, input) {
  const s = await createScheduler({ batching, pools: { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } } });
  const task = { kind, input };
  const client = async (end) => {
    let n = 0;
    while (performance.now() < end) {
      await s.submit(task);
      n++;
      await new Promise(setImmediate);
    }
    return n;
  };
  await Promise.all(Array.from({ length: CLIENTS }, () => client(performance.now() + 300))); // warm-up: the target adapts
  const before = s.stats().pools;
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: CLIENTS }, () => client(t0 + MS)));
  const secs = (performance.now() - t0) / 1000;
  const after = s.stats().pools;
  await s.close();
  const tasks = counts.reduce((a, b) => a + b, 0);
  const calls = Object.keys(after).reduce((a, p) => a + after[p].batches - before[p].batches, 0);
  return { v: tasks / secs, perCall: tasks / Math.max(1, calls), targetRust: after.rust.batchTarget, targetGo: after.go.batchTarget };
}

export async function batching({ repeats }) {
  const rows = [];
  const ratios = {};
  for (const [kind, input] of [
    ['echo', ''],
    ['sha256', 'x'.repeat(64)],
  ]) {
    const r = {};
    for (const mode of ['adaptive', 'immediate']) {
      const m = await repeat(repeats, () => run(mode, kind, input));
      r[mode] = m;
      rows.push({ kind, batching: mode, 'tasks/s': Math.round(m.v), 'tasks per call': m.perCall, 'target rust': m.targetRust, 'target go': m.targetGo });
    }
    ratios[kind] = r.adaptive.v / r.immediate.v;
  }
  table(`Adaptive batching: ${CLIENTS} clients, one task per event-loop callback, ${MS / 1000} s (medians of ${repeats})`, rows);
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: adaptive / immediate throughput ${v.toFixed(2)}x`);
  return { rows, ratios };
}

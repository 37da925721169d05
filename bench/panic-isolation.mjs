// One tenant's panics beside another tenant's work (docs/RESILIENCE.md,
// Quarantine). Tenant B keeps LANES sha256 tasks outstanding; tenant A keeps
// LANES `panic` tasks outstanding and resubmits each at once whatever its
// outcome (the worst caller: no backoff). Per repeat, one scheduler (default
// two pools, one worker each) runs B throughout, and A in every other slice
// of SLICE_MS, PAIRS times: B alone and B beside A alternate within the same
// run, so drift on a shared machine hits both alike. Reports B's completions
// in each (summed over the slices) and their ratio, the median ratio over
// the repeats, B's failures by code, what A got, the event loop's p99 delay
// in each, and what was quarantined at the end.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createScheduler } from '../dist/esm/index.js';
import { median, table } from './lib.mjs';

const LANES = 64;
const SLICE_MS = 500;
const PAIRS = 4;
const POOLS = { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } };
const INPUT = 'x'.repeat(64);

/** Keeps LANES tasks of `task` outstanding until stop(); counts outcomes. */
function flow(s, task) {
  const c = { ok: 0, errors: {} };
  let stop = false;
  const lane = async () => {
    while (!stop) {
      try {
        await s.submit(task);
        c.ok++;
      } catch (e) {
        c.errors[e.code] = (c.errors[e.code] ?? 0) + 1;
      }
    }
  };
  const lanes = Array.from({ length: LANES }, lane);
  return { c, stop: async () => ((stop = true), await Promise.all(lanes)) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run(first) {
  const s = await createScheduler({ pools: POOLS });
  const b = flow(s, { kind: 'sha256', input: INPUT, tenant: 'B' });
  await sleep(200); // warm-up: models and credit settle
  const alone = { ok: 0, loop: monitorEventLoopDelay({ resolution: 1 }) };
  const beside = { ok: 0, loop: monitorEventLoopDelay({ resolution: 1 }), errors: {}, a: { ok: 0, errors: {} } };
  for (let k = 0; k < 2 * PAIRS; k++) {
    const withA = (k % 2 === 0) === first;
    const into = withA ? beside : alone;
    const a = withA ? flow(s, { kind: 'panic', input: 'bad input of A', tenant: 'A' }) : undefined;
    const ok0 = b.c.ok;
    const err0 = { ...b.c.errors };
    into.loop.enable();
    await sleep(SLICE_MS);
    into.loop.disable();
    into.ok += b.c.ok - ok0;
    if (withA) {
      for (const [code, v] of Object.entries(b.c.errors)) beside.errors[code] = (beside.errors[code] ?? 0) + v - (err0[code] ?? 0);
      await a.stop();
      beside.a.ok += a.c.ok;
      for (const [code, v] of Object.entries(a.c.errors)) beside.a.errors[code] = (beside.a.errors[code] ?? 0) + v;
    }
  }
  await b.stop();
  const st = s.stats();
  await s.close();
  const quarantined = Object.entries(st.pools).flatMap(([name, p]) => (p.quarantined ?? []).map((q) => `${q.kind}@${name}`));
  return { alone, beside, quarantined, breakersOpened: Object.values(st.pools).reduce((n, p) => n + p.breakerOpened, 0) };
}

export async function panicIsolation({ repeats }) {
  const rows = [];
  for (let r = 0; r < repeats; r++) {
    // Alternate which comes first.
    const { alone, beside, quarantined, breakersOpened } = await run(r % 2 === 0);
    rows.push({
      repeat: r + 1,
      'B alone': alone.ok,
      'B beside A': beside.ok,
      ratio: beside.ok / alone.ok,
      'B failed':
        Object.entries(beside.errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '0',
      'A got':
        Object.entries(beside.a.errors)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') + (beside.a.ok ? `, ok ${beside.a.ok}` : ''),
      'loop p99 ms alone': alone.loop.percentile(99) / 1e6,
      'loop p99 ms beside': beside.loop.percentile(99) / 1e6,
      'pool breakers opened': breakersOpened,
      quarantined: quarantined.join(' ') || '-',
    });
  }
  const ratio = median(rows.map((x) => x.ratio));
  table(
    `B's sha256 completions over ${PAIRS} x ${SLICE_MS} ms alone and ${PAIRS} x ${SLICE_MS} ms beside A's ${LANES} panicking lanes, interleaved (median ratio ${ratio.toFixed(3)})`,
    rows,
  );
  return { rows, medianRatio: ratio };
}

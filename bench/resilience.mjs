// Resilience on the real native pools, in one run:
//  A. Go fails every task (inject errorRate 1) while idempotent tasks flow:
//     how long until Go's breaker opens, whether every task completes (none
//     lost), and how long after the fault clears the probes close it again.
//  B. Go hangs half of its tasks (hangRate 0.5), tasks carry timeoutMs 50:
//     the hung ones end E_TIMEOUT, Go's health leaves 'healthy', and the
//     throughput the Rust pool carries meanwhile.
import { once } from 'node:events';
import { createScheduler } from '../dist/esm/index.js';
import { table } from './lib.mjs';

const LANES = 64;
const POOLS = { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 } };

/** Keeps LANES tasks outstanding until stop(); counts every outcome. */
function flow(s, task) {
  const c = { submitted: 0, ok: 0, byPool: { rust: 0, go: 0 }, errors: {} };
  let stop = false;
  const lane = async () => {
    while (!stop) {
      c.submitted++;
      try {
        const r = await s.submit(task);
        c.ok++;
        c.byPool[r.pool]++;
      } catch (e) {
        c.errors[e.code] = (c.errors[e.code] ?? 0) + 1;
      }
    }
  };
  const lanes = Array.from({ length: LANES }, lane);
  return { c, stop: async () => ((stop = true), await Promise.all(lanes)) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function breakerScenario() {
  const s = await createScheduler({ pools: POOLS });
  const moves = [];
  s.on('breaker', (e) => moves.push({ at: performance.now(), what: `${e.pool}:${e.from}->${e.to}`, reason: e.reason }));
  const f = flow(s, { kind: 'spin', input: '100', idempotent: true });
  await sleep(1000);
  const faultAt = performance.now();
  const before = { ...f.c.byPool };
  s.inject('go', { errorRate: 1 });
  while (!moves.some((m) => m.what === 'go:closed->open')) await once(s, 'breaker');
  const openedAt = moves.find((m) => m.what === 'go:closed->open').at;
  await sleep(2000);
  const during = { rust: f.c.byPool.rust - before.rust, go: f.c.byPool.go - before.go };
  const clearAt = performance.now();
  s.inject('go', null);
  while (!moves.some((m) => m.what === 'go:half-open->closed')) await once(s, 'breaker');
  const closedAt = moves.find((m) => m.what === 'go:half-open->closed').at;
  await sleep(500);
  await f.stop();
  const st = s.stats();
  await s.close();
  const failed = Object.values(f.c.errors).reduce((a, b) => a + b, 0);
  return {
    'open after ms': openedAt - faultAt,
    'closed after clear ms': closedAt - clearAt,
    transitions: moves.map((m) => m.what).join(' '),
    submitted: f.c.submitted,
    completed: f.c.ok,
    failed,
    lost: f.c.submitted - f.c.ok - failed,
    retries: st.totals.retries,
    'done on rust / go while faulty': `${during.rust} / ${during.go}`,
    reason: moves[0]?.reason,
  };
}

async function hangScenario() {
  const s = await createScheduler({ pools: POOLS });
  const health = [];
  s.on('health', (e) => e.pool === 'go' && health.push({ at: performance.now(), to: e.to }));
  const f = flow(s, { kind: 'spin', input: '200', timeoutMs: 50 });
  await sleep(1000);
  const t0 = performance.now();
  const ok0 = f.c.ok;
  const rust0 = f.c.byPool.rust;
  s.inject('go', { hangRate: 0.5 });
  await sleep(2000);
  const t1 = performance.now();
  const during = { all: ((f.c.ok - ok0) / (t1 - t0)) * 1000, rust: ((f.c.byPool.rust - rust0) / (t1 - t0)) * 1000 };
  s.inject('go', null);
  await f.stop();
  const st = s.stats();
  await s.close();
  return {
    'tasks/s before': (ok0 / 1000) * 1000,
    'tasks/s with hangs': during.all,
    'of which rust': during.rust,
    timeouts: f.c.errors.E_TIMEOUT ?? 0,
    'other errors':
      Object.entries(f.c.errors)
        .filter(([k]) => k !== 'E_TIMEOUT')
        .map(([k, v]) => `${k}:${v}`)
        .join(' ') || '-',
    'go health': health.map((h) => `${h.to}@${Math.round(h.at - t0)}ms`).join(' '),
    'go breaker opened': st.pools.go.breakerOpened,
    lost: f.c.submitted - f.c.ok - Object.values(f.c.errors).reduce((a, b) => a + b, 0),
  };
}

export async function resilience() {
  const a = await breakerScenario();
  table(`Resilience A: go fails every task (errorRate 1) while ${LANES} lanes of idempotent spin 100 us flow`, [a]);
  const b = await hangScenario();
  table(`Resilience B: go hangs half its tasks (hangRate 0.5); spin 200 us, timeoutMs 50, ${LANES} lanes`, [b]);
  return { breaker: a, hang: b };
}

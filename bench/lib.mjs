// Shared bench fixtures: repeats and medians, the machine line, tables, and
// where results are written. Every scenario varies one thing at a time.
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

export function machine() {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `repeats` times and returns the median of each numeric field. */
export async function repeat(repeats, fn) {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await fn(i));
  const out = {};
  for (const k of Object.keys(runs[0])) out[k] = typeof runs[0][k] === 'number' ? median(runs.map((r) => r[k])) : runs[0][k];
  out.repeats = repeats;
  return out;
}

export function table(title, rows) {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 0)) : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  console.log(`\n${title}`);
  console.log(cols.map((c, i) => c.padStart(width[i])).join('  '));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => fmt(r[c]).padStart(width[i])).join('  '));
}

export function save(name, data) {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

/** Quantile q of xs (nearest rank); 0 for none. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
}

/** Jain's fairness index over xs (1 = equal). */
export function jain(xs) {
  const s = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 1 : (s * s) / (xs.length * sq);
}

/**
 * Records what every scenario reports per policy: each class's share of
 * served execution time and p99 wait, Jain's index over weight-normalised
 * shares, and per pool its utilization and mean task age (submit → result).
 * Use `rec.submit(task)` in place of `s.submit(task)`; tasks submitted
 * before `from` (ms, performance.now) are not recorded (warm-up).
 */
export class Recorder {
  constructor(scheduler, weights = {}, from = 0) {
    this.s = scheduler;
    this.weights = weights;
    this.from = from;
    this.classes = {};
    this.pools = {};
  }

  submit(task) {
    const start = performance.now();
    return this.s.submit(task).then((r) => {
      if (start >= this.from) {
        const c = (this.classes[task.class ?? 'default'] ??= { servedUs: 0, waitsMs: [] });
        c.servedUs += r.execUs;
        c.waitsMs.push(r.waitUs / 1000);
        (this.pools[r.pool] ??= []).push(performance.now() - start);
      }
      return r;
    });
  }

  /** One row: the policy, then per class and per pool (stats: s.stats() at the end of the run). */
  summary(policy, stats) {
    const row = { policy };
    const names = Object.keys(this.classes).sort();
    const served = names.reduce((a, n) => a + this.classes[n].servedUs, 0);
    for (const n of names) {
      row[`${n} share %`] = (100 * this.classes[n].servedUs) / Math.max(1, served);
      row[`${n} p99 wait ms`] = quantile(this.classes[n].waitsMs, 0.99);
    }
    row.jain = jain(names.map((n) => this.classes[n].servedUs / (this.weights[n] ?? 1)));
    for (const [p, ps] of Object.entries(stats.pools)) {
      row[`${p} util`] = ps.utilization;
      const ages = this.pools[p] ?? [];
      row[`${p} age ms`] = ages.length ? ages.reduce((a, b) => a + b, 0) / ages.length : NaN;
    }
    return row;
  }
}

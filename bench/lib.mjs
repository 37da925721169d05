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

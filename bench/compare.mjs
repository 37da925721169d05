// Compares the bench figures of two checkouts measured in one session. Per
// scenario and round, runs bench/run.mjs in the before tree, then in the
// after tree, so drift on a shared machine falls on both alike; prints a
// Markdown table of each scenario's headline figures (medians over rounds)
// and writes every run's raw result under the after tree.
//   node bench/compare.mjs --before <dir> --after <dir> [--repeats N] [--seconds S] [--rounds R] scenario ...
// --repeats goes to every run (default 5, as bench/run.mjs); --seconds to
// soak only (default: run.mjs's 600).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './lib.mjs';

/** The row of `rows` whose fields equal all of `match`'s. */
const pick = (rows, match) => rows?.find((r) => Object.entries(match).every(([k, v]) => r[k] === v));

/**
 * Headline figures: what each scenario exists to show. `get` maps the
 * scenario's result (the return value of bench/<scenario>.mjs) to a number
 * or a string, undefined where that tree's result lacks the figure.
 * `target` is the bar the scenario or docs/ states, if any; `ratio: false`
 * where after/before says nothing (a growth near 0 swings either sign).
 */
const FIGURES = [
  ...['napi', 'shim', 'ffi'].flatMap((path) => [
    { scenario: 'boundary', figure: `${path} ns/task, batch 256`, get: (r) => pick(r.rows, { path, batch: 256 })?.['ns/task'] },
    { scenario: 'boundary', figure: `${path} boundary ns/task, batch 256`, get: (r) => pick(r.rows, { path, batch: 256 })?.['boundary ns/task'] },
  ]),
  { scenario: 'throughput', figure: 'submit() tasks/s (fifo)', get: (r) => pick(r.rows, { what: 'crossfair submit() echo' })?.['tasks/s'] },
  { scenario: 'throughput', figure: 'submit() / piscina default', get: (r) => pick(r.rows, { what: 'crossfair submit() echo' })?.['x piscina default'] },
  { scenario: 'throughput', figure: 'submit() / piscina tuned', get: (r) => pick(r.rows, { what: 'crossfair submit() echo' })?.['x piscina tuned'] },
  { scenario: 'throughput', figure: 'fair / fifo submit() (alternated)', target: '≥ 0.8', get: (r) => r.policy?.ratio },
  { scenario: 'throughput', figure: 'metrics on / off submit() (alternated)', target: '≥ 0.9', get: (r) => r.metrics?.ratio },
  { scenario: 'eventloop', figure: 'event-loop p99 delay ms', get: (r) => r[0]?.['p99 delay ms'] },
  { scenario: 'eventloop', figure: 'pools busy (fraction)', get: (r) => r[0]?.['pools busy (spin time / wall / 2)'] },
  ...['fair', 'fifo'].flatMap((policy) => [
    {
      scenario: 'fairness',
      figure: `${policy}: worst window share error, points`,
      target: policy === 'fair' ? '≈ 0' : '',
      get: (r) => pick(r.summary, { policy })?.['worst window max |share-entitled| pts'],
    },
    {
      scenario: 'fairness',
      figure: `${policy}: median window Jain`,
      target: policy === 'fair' ? '1' : '',
      get: (r) => pick(r.summary, { policy })?.['median window jain'],
    },
  ]),
  ...['fair', 'fifo'].map((policy) => ({
    scenario: 'isolation',
    figure: `${policy}: light p99 ms`,
    target: policy === 'fair' ? '≤ 20 (budget)' : '',
    get: (r) => pick(r.rows, { policy })?.['light p99 ms'],
  })),
  ...['fair', 'round-robin'].flatMap((policy) => [
    { scenario: 'heterogeneous', figure: `${policy}: completed, % of capacity`, get: (r) => pick(r.rows, { policy })?.['% of combined capacity'] },
    { scenario: 'heterogeneous', figure: `${policy}: rust busy`, get: (r) => pick(r.rows, { policy })?.['rust util'] },
    { scenario: 'heterogeneous', figure: `${policy}: go busy`, get: (r) => pick(r.rows, { policy })?.['go util'] },
  ]),
  { scenario: 'iomix', figure: 'fair / round-robin tasks/s', target: '≥ 3', get: (r) => r.ratio },
  { scenario: 'iomix', figure: 'fair, workerNice 0 / round-robin tasks/s', get: (r) => r.ratioNice0 },
  ...['echo', 'sha256'].flatMap((kind) => [
    { scenario: 'batching', figure: `${kind}: adaptive / immediate tasks/s`, get: (r) => r.ratios?.[kind] },
    { scenario: 'batching', figure: `${kind}: tasks per call, adaptive`, get: (r) => pick(r.rows, { kind, batching: 'adaptive' })?.['tasks per call'] },
  ]),
  { scenario: 'resilience', figure: 'failing go: breaker open after ms', get: (r) => r.breaker?.['open after ms'] },
  { scenario: 'resilience', figure: 'failing go: closed after clear ms', get: (r) => r.breaker?.['closed after clear ms'] },
  { scenario: 'resilience', figure: 'failing go: idempotent tasks failed', target: '0', get: (r) => r.breaker?.failed },
  { scenario: 'resilience', figure: 'failing go: tasks lost', target: '0', get: (r) => r.breaker?.lost },
  { scenario: 'resilience', figure: 'hanging go: rust tasks/s meanwhile', get: (r) => r.hang?.['of which rust'] },
  { scenario: 'resilience', figure: 'hanging go: tasks lost', target: '0', get: (r) => r.hang?.lost },
  ...['rust', 'go'].flatMap((pool) => [
    { scenario: 'panics', figure: `${pool}: RSS growth %`, target: '≈ 0', ratio: false, get: (r) => pick(r, { pool })?.['rss growth %'] },
    // The scenario counts the panics that came back E_TASK_PANIC; fewer than all is what lost or misreported would show.
    { scenario: 'panics', figure: `${pool}: panics as E_TASK_PANIC`, target: '100000 (all)', get: (r) => pick(r, { pool })?.panics },
  ]),
  { scenario: 'soak', figure: 'tasks lost', target: '0', get: (r) => r.summary?.lost },
  { scenario: 'soak', figure: 'RSS growth %', target: '≈ 0', ratio: false, get: (r) => r.summary?.['rss growth %'] },
  { scenario: 'soak', figure: 'accounting invariant holds', target: 'yes', get: (r) => r.summary?.['invariant holds'] },
];
const SCENARIOS = [...new Set(FIGURES.map((f) => f.scenario))];

const { values: opts, positionals: scenarios } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    repeats: { type: 'string', default: '5' },
    seconds: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
if (!opts.before || !opts.after || scenarios.length === 0)
  throw new Error('usage: node bench/compare.mjs --before <dir> --after <dir> [--repeats N] [--seconds S] [--rounds R] scenario ...');
for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}; have ${SCENARIOS.join(', ')}`);
const trees = { before: resolve(opts.before), after: resolve(opts.after) };
const rounds = Number(opts.rounds);

const t0 = performance.now();
const date = new Date();
// ISO 8601 basic format: no colons, which some file systems refuse.
const outFile = join(trees.after, 'bench', 'results', `compare-${date.toISOString().replace(/[-:]|\.\d+/g, '')}.json`);
const raw = { date: date.toISOString(), trees, repeats: Number(opts.repeats), seconds: opts.seconds && Number(opts.seconds), rounds, runs: [] };

/** Runs one scenario in `dir` (its own bench/run.mjs, so its own build) and returns what it saved. */
async function runIn(dir, scenario) {
  const args = ['bench/run.mjs', scenario, '--repeats', opts.repeats, ...(scenario === 'soak' && opts.seconds ? ['--seconds', opts.seconds] : [])];
  // The child's stdout is progress and its JSON: stderr, so our stdout is the table alone.
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 2, 2] });
  const [code, signal] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${scenario} in ${dir} exited ${code ?? signal}`);
  const latest = JSON.parse(readFileSync(join(dir, 'bench', 'results', 'latest.json'), 'utf8'));
  if (!latest.results?.[scenario]) throw new Error(`${dir}/bench/results/latest.json holds no ${scenario} result`);
  return latest;
}

for (const scenario of scenarios) {
  for (let round = 1; round <= rounds; round++) {
    for (const [tree, dir] of Object.entries(trees)) {
      console.error(`\n== compare: ${scenario}, ${tree} (${dir}), round ${round} of ${rounds}, ${Math.round((performance.now() - t0) / 1000)} s elapsed`);
      const start = performance.now();
      const latest = await runIn(dir, scenario);
      raw.runs.push({ scenario, tree, round, seconds: (performance.now() - start) / 1000, machine: latest.machine, result: latest.results[scenario] });
      // Written after every run: a long session cut short keeps what it measured.
      mkdirSync(join(trees.after, 'bench', 'results'), { recursive: true });
      writeFileSync(outFile, JSON.stringify(raw, null, 2) + '\n');
    }
  }
}

const fmt = (v) => (typeof v === 'number' ? String(Number(v.toPrecision(3))) : String(v));
/**
 * One cell from a figure's values over the rounds: '—' if the tree never had
 * it, the median if all are numbers, else the distinct values (strings, or
 * null where JSON turned NaN/Infinity into null).
 */
function cell(values) {
  const had = values.filter((v) => v !== undefined);
  if (had.length === 0) return { text: '—' };
  if (had.length === values.length && had.every((v) => typeof v === 'number')) {
    const m = median(had);
    return { text: fmt(m), n: m };
  }
  return { text: [...new Set(had.map((v) => (v === null ? 'n/a' : fmt(v))))].join(' / ') };
}

const esc = (s) => String(s).replace(/\|/g, '\\|');
const lines = ['| scenario | figure | target | before | after | after/before |', '| --- | --- | --- | ---: | ---: | ---: |'];
for (const scenario of scenarios) {
  for (const f of FIGURES.filter((x) => x.scenario === scenario)) {
    const [before, after] = ['before', 'after'].map((tree) =>
      cell(raw.runs.filter((r) => r.scenario === scenario && r.tree === tree).map((r) => f.get(r.result))),
    );
    const ratio = f.ratio !== false && before.n !== undefined && after.n !== undefined && before.n !== 0 ? fmt(after.n / before.n) : '';
    lines.push(`| ${[scenario, f.figure, f.target ?? '', before.text, after.text, ratio].map(esc).join(' | ')} |`);
  }
}
console.log(lines.join('\n'));
console.error(`\nraw results: ${outFile}`);

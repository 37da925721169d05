// npm run bench [-- scenario ...] [--repeats N] [--seconds N (soak)]
// Scenarios: boundary, throughput, eventloop, fairness, isolation, heterogeneous, iomix, batching, resilience, panic-isolation, panics, large-payloads, soak, prometheus (default: all but soak and prometheus). Prints a table
// per scenario and the JSON of the whole run, and writes it to
// bench/results/latest.json. Ratios are measured within one run: these
// machines are shared and noisy.
import { boundary } from './boundary.mjs';
import { throughput } from './throughput.mjs';
import { eventloop } from './eventloop.mjs';
import { fairness } from './fairness.mjs';
import { isolation } from './isolation.mjs';
import { heterogeneous } from './heterogeneous.mjs';
import { iomix } from './iomix.mjs';
import { batching } from './batching.mjs';
import { resilience } from './resilience.mjs';
import { panics } from './panics.mjs';
import { panicIsolation } from './panic-isolation.mjs';
import { largePayloads } from './large-payloads.mjs';
import { soak } from './soak.mjs';
import { prometheus } from './prometheus.mjs';
import { machine, save } from './lib.mjs';

const scenarios = {
  boundary,
  throughput,
  eventloop,
  fairness,
  isolation,
  heterogeneous,
  iomix,
  batching,
  resilience,
  'panic-isolation': panicIsolation,
  panics,
  'large-payloads': largePayloads,
  soak,
  prometheus,
};
/** Not in the default run: soak takes `--seconds` (default 600); prometheus needs /usr/bin/prometheus. */
const OPT_IN = new Set(['soak', 'prometheus']);
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const repeats = flag('--repeats', 5);
const seconds = flag('--seconds', 600);
/** Other names a scenario answers to (`io-mix` for the I/O mix). */
const aliases = { 'io-mix': 'iomix' };
const chosen = args.filter((a, i) => !a.startsWith('--') && !['--repeats', '--seconds'].includes(args[i - 1])).map((a) => aliases[a] ?? a);
for (const c of chosen) if (!scenarios[c]) throw new Error(`unknown scenario ${c}; have ${Object.keys(scenarios).join(', ')}`);

const run = { date: new Date().toISOString(), machine: machine(), repeats, results: {} };
console.log(`crossfair bench on ${run.machine.cores} cores, ${run.machine.cpu}, node ${run.machine.node}, load ${run.machine.loadavg.join(' ')}`);
for (const name of chosen.length ? chosen : Object.keys(scenarios).filter((n) => !OPT_IN.has(n)))
  run.results[name] = await scenarios[name]({ repeats, seconds });
const file = save('latest', run);
console.log(`\n${JSON.stringify(run)}\n\nwritten to ${file}`);

// npm run bench [-- scenario ...] [--repeats N]
// Scenarios: boundary, throughput, eventloop, fairness, isolation, heterogeneous, iomix, batching, resilience, panics, soak (default: all but soak). Prints a table
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
import { machine, save } from './lib.mjs';

const scenarios = { boundary, throughput, eventloop, fairness, isolation, heterogeneous, iomix, batching, resilience };
const args = process.argv.slice(2);
const ri = args.indexOf('--repeats');
const repeats = ri >= 0 ? Number(args[ri + 1]) : 5;
/** Other names a scenario answers to (issue 3 calls the I/O mix `io-mix`). */
const aliases = { 'io-mix': 'iomix' };
const chosen = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeats').map((a) => aliases[a] ?? a);
for (const c of chosen) if (!scenarios[c]) throw new Error(`unknown scenario ${c}; have ${Object.keys(scenarios).join(', ')}`);

const run = { date: new Date().toISOString(), machine: machine(), repeats, results: {} };
console.log(`crossfair bench on ${run.machine.cores} cores, ${run.machine.cpu}, node ${run.machine.node}, load ${run.machine.loadavg.join(' ')}`);
for (const name of chosen.length ? chosen : Object.keys(scenarios)) run.results[name] = await scenarios[name]({ repeats });
const file = save('latest', run);
console.log(`\n${JSON.stringify(run)}\n\nwritten to ${file}`);

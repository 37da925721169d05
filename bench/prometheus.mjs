// Prometheus: a real Prometheus server (Debian's
// `prometheus`) scrapes the running demo — `node examples/demo.mjs --serve`
// as its own process, its mixed workload on both runtimes — on loopback,
// and answers `avg by (runtime) (crossfair_pool_utilization)`. Opt-in
// (needs /usr/bin/prometheus): `npm run bench -- prometheus`. The Prometheus
// side lives in test/prometheus-server.ts (test/prometheus.test.ts runs it
// against an in-process scheduler); it is imported compiled, from dist-test
// (`npm run build:ts` writes both).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { scrapeTarget } from '../dist-test/test/prometheus-server.js';
import { root, table } from './lib.mjs';

/** Starts the demo with its dashboard and /metrics up; resolves with the metrics target (host:port) once it prints it. */
function startDemo() {
  const child = spawn(process.execPath, [join(root, 'examples', 'demo.mjs'), '--serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /metrics\s+http:\/\/([^/\s]+)\/metrics/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}) before serving:\n${out}`)));
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.on('exit', resolve);
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  return { ready, stop, output: () => out };
}

export async function prometheus() {
  const demo = startDemo();
  try {
    const target = await demo.ready;
    const t0 = performance.now();
    const r = await scrapeTarget(target, ['go', 'rust'], { deadlineMs: 30_000 });
    const totalMs = performance.now() - t0;
    console.log(`\nPrometheus ${r.version} at ${r.prometheusUrl} scraping the demo at ${target}, query: ${r.query}`);
    table(
      'Prometheus: utilization per runtime, as the server answered',
      Object.entries(r.utilization).map(([runtime, utilization]) => ({ runtime, utilization })),
    );
    table('Prometheus: timing', [{ 'ready ms': r.readyMs, 'answered ms': r.answeredMs, 'total ms': totalMs }]);
    return { ...r, target, totalMs };
  } finally {
    const code = await demo.stop();
    const totals = /totals: .*/.exec(demo.output())?.[0];
    console.log(`demo stopped (exit ${code}); ${totals ?? 'no totals printed'}`);
  }
}

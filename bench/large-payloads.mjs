// Large payloads: what the process holds while large echoes stream through
// each path. Per path, in a child process of its own (so each peak is that
// path's alone): LOOPS async loops each keep one MIB-MiB `echo` outstanding
// until N echoes are done; RSS is sampled every 2 ms and after each echo.
// Memory should follow live work: the inputs the loops hold, the side
// segments in flight (reused, at most 256 MiB per pool) and the outputs the
// caller has not dropped yet, not the number of echoes so far.
//   node bench/run.mjs large-payloads
//   node bench/large-payloads.mjs PATH N MIB LOOPS   (one child run)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { table } from './lib.mjs';

const CASES = [
  { n: 100, mib: 32, loops: 2 },
  { n: 40, mib: 64, loops: 1 },
];
const PATHS = { rust: { runtime: 'rust', workers: 1 }, go: { runtime: 'go', workers: 1 }, ffi: { runtime: 'go', workers: 1, transport: 'ffi' } };
/** A child stops early past this: the old behaviour ran into the OOM killer. */
const ABORT_MIB = 6144;

async function child(path, n, mib, loops) {
  const { createScheduler } = await import('../dist/esm/index.js');
  const s = await createScheduler({ pools: { p: PATHS[path] }, metrics: false });
  const size = mib * 2 ** 20;
  let peak = process.memoryUsage.rss();
  let done = 0;
  const report = (aborted) =>
    process.stdout.write(`${JSON.stringify({ peakMiB: Math.round(peak / 2 ** 20), done, aborted, ms: Math.round(performance.now() - t0) })}\n`);
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
    if (peak > ABORT_MIB * 2 ** 20) {
      report(true);
      process.exit(0);
    }
  };
  const timer = setInterval(sample, 2);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, id) => {
      const input = new Uint8Array(size).fill(id + 1);
      while (done < n) {
        const r = await s.submit({ kind: 'echo', input });
        if (r.output.length !== size) throw new Error('wrong echo');
        done++;
        sample();
      }
    }),
  );
  clearInterval(timer);
  report(false);
  await s.close();
}

function run(path, c) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), path, String(c.n), String(c.mib), String(c.loops)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`large-payloads child ${path} exited ${code}`))));
  });
}

export async function largePayloads() {
  const rows = [];
  for (const c of CASES) {
    for (const path of Object.keys(PATHS)) {
      const r = await run(path, c);
      rows.push({
        path,
        echoes: r.done,
        MiB: c.mib,
        loops: c.loops,
        'peak RSS MiB': r.peakMiB,
        'echoes/s': r.aborted ? 'aborted' : Math.round((1000 * r.done) / r.ms),
      });
    }
  }
  table(`Large echoes: peak RSS per path (child process each; abort at ${ABORT_MIB} MiB)`, rows);
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, n, mib, loops] = process.argv.slice(2);
  await child(path, Number(n), Number(mib), Number(loops));
}

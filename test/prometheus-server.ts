/**
 * A real Prometheus server (Debian's `prometheus`) scraping a running
 * scheduler on loopback, and the PromQL answer for per-runtime utilization.
 * Shared by test/prometheus.test.ts and `npm run bench -- prometheus`
 * (bench/prometheus.mjs imports the compiled dist-test/test/prometheus-server.js),
 * so this module imports crossfair's types only: each caller brings its own
 * scheduler (the tests' from src/, the bench's from dist/esm).
 *
 * Protocol of scrapeUtilization(), every wait polled against one deadline:
 * 1. keep every pool busy: LANES_PER_POOL lanes per pool, each submitting
 *    a BUSY_SPIN_US spin pinned to it as soon as the last one settles;
 * 2. serve `s.metricsHandler()` on 127.0.0.1:0 (/metrics);
 * 3. write prometheus.yml into a temp dir (scrape_interval 1s, one job, that
 *    port) and start Prometheus on a free loopback port with its TSDB in the
 *    same dir; a port taken between probe and bind is retried;
 * 4. poll /-/ready, then /api/v1/query for UTILIZATION_QUERY until it has one
 *    series per runtime of the scheduler, each in (0, 1];
 * 5. on every path: stop Prometheus (SIGTERM, then SIGKILL after
 *    STOP_GRACE_MS), close the HTTP server, stop the lanes, remove the dir.
 *    A process 'exit' hook SIGKILLs Prometheus if the caller dies first.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Scheduler } from '../src/index.js';

export const UTILIZATION_QUERY = 'avg by (runtime) (crossfair_pool_utilization)';
/** Debian's path; CROSSFAIR_PROMETHEUS overrides it. */
export const PROMETHEUS_BIN = process.env.CROSSFAIR_PROMETHEUS ?? '/usr/bin/prometheus';

/** Lanes per pool: two keep its one worker busy while the other lane's result crosses back. */
const LANES_PER_POOL = 2;
/** Spin per task, µs: long enough that crossing is a small share of busy time, short enough to stop at once. */
const BUSY_SPIN_US = '2000';
/** Between polls of the HTTP API; a scrape lands every second, so finer polling gains nothing. */
const POLL_MS = 100;
/** One HTTP request to Prometheus. */
const REQUEST_TIMEOUT_MS = 2000;
/** Prometheus stops in ~100 ms on SIGTERM here; past this it is killed. */
const STOP_GRACE_MS = 5000;
/** Attempts to start Prometheus when its probed port was taken meanwhile. */
const START_ATTEMPTS = 3;
/** Bytes of Prometheus's log kept for error messages. */
const LOG_TAIL = 4000;

export interface ScrapeResult {
  query: string;
  /** Per runtime, the query's value. */
  utilization: Record<string, number>;
  /** From the start of Prometheus to /-/ready, and to the answer. */
  readyMs: number;
  answeredMs: number;
  prometheusUrl: string;
  version: string;
}

interface PromVector {
  status: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  error?: string;
}

/** Steps 1–5 against a scheduler of this process. Throws, with Prometheus's last answer and log tail, if the answer is not there by `deadlineMs`. */
export async function scrapeUtilization(s: Scheduler, { deadlineMs = 15_000 }: { deadlineMs?: number } = {}): Promise<ScrapeResult> {
  const runtimes = [...new Set(Object.values(s.stats().pools).map((p) => p.runtime))].sort();
  const load = keepBusy(s);
  let server: Server | undefined;
  try {
    server = await listen(createServer(s.metricsHandler()));
    return await scrapeTarget(`127.0.0.1:${(server.address() as AddressInfo).port}`, runtimes, { deadlineMs, check: () => load.check() });
  } finally {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await load.stop();
  }
}

/**
 * Steps 3–5 against any loopback target (`host:port` serving /metrics), e.g.
 * the demo run as its own process (`npm run demo -- --serve`): starts
 * Prometheus scraping it and waits for one utilization series per runtime
 * in `runtimes`, each in (0, 1]. `check` runs on every poll (to fail fast).
 */
export async function scrapeTarget(
  target: string,
  runtimes: string[],
  { deadlineMs = 15_000, check = () => undefined }: { deadlineMs?: number; check?: () => void } = {},
): Promise<ScrapeResult> {
  try {
    accessSync(PROMETHEUS_BIN, constants.X_OK);
  } catch {
    throw new Error(`${PROMETHEUS_BIN} not found: install it with \`apt-get install prometheus\` (.ci/run does), or set CROSSFAIR_PROMETHEUS`);
  }
  const deadline = performance.now() + deadlineMs;
  const want = [...runtimes].sort();
  const dir = mkdtempSync(join(tmpdir(), 'crossfair-prometheus-'));
  let prom: Prometheus | undefined;
  try {
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: crossfair',
        '    metrics_path: /metrics',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    prom = await startPrometheus(config, join(dir, 'data'), deadline);
    const version = (await getJson<{ data?: { version?: string } }>(prom, '/api/v1/status/buildinfo')).data?.version ?? '?';
    const readyMs = performance.now() - prom.startedAt;

    let last = 'no answer yet';
    for (;;) {
      check();
      const r = await getJson<PromVector>(prom, `/api/v1/query?query=${encodeURIComponent(UTILIZATION_QUERY)}`).catch(
        (e: unknown) => ({ status: 'error', error: String(e) }) as PromVector,
      );
      last = JSON.stringify(r);
      const utilization: Record<string, number> = {};
      for (const row of r.data?.result ?? []) utilization[row.metric.runtime ?? '?'] = Number(row.value[1]);
      const got = Object.keys(utilization).sort();
      if (got.join() === want.join() && got.every((rt) => utilization[rt]! > 0 && utilization[rt]! <= 1)) {
        return { query: UTILIZATION_QUERY, utilization, readyMs, answeredMs: performance.now() - prom.startedAt, prometheusUrl: prom.url, version };
      }
      if (performance.now() > deadline) {
        const targets = await getJson<unknown>(prom, '/api/v1/targets').then(JSON.stringify, String);
        throw new Error(
          `no utilization > 0 for runtimes ${want.join(', ')} within ${deadlineMs} ms\nlast answer: ${last}\ntargets: ${targets}\nprometheus log:\n${prom.log()}`,
        );
      }
      await delay(POLL_MS);
    }
  } finally {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Step 1. `check()` throws the first error a lane met (a lane stops at its first error rather than spin on refusals). */
function keepBusy(s: Scheduler): { check(): void; stop(): Promise<void> } {
  let stopped = false;
  let failure: unknown;
  const lane = async (pool: string): Promise<void> => {
    while (!stopped && failure === undefined) {
      try {
        await s.submit({ kind: 'spin', input: BUSY_SPIN_US, pool });
      } catch (e) {
        failure ??= e;
      }
    }
  };
  const lanes = Object.keys(s.stats().pools).flatMap((pool) => Array.from({ length: LANES_PER_POOL }, () => lane(pool)));
  return {
    check() {
      if (failure !== undefined) throw new Error(`the load failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    },
    async stop() {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** A loopback port free at the time of asking (Prometheus cannot report the port it bound to 0). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

interface Prometheus {
  url: string;
  startedAt: number;
  log(): string;
  stop(): Promise<void>;
}

/** Step 3: started and answering /-/ready, or an error with its log. */
async function startPrometheus(config: string, data: string, deadline: number): Promise<Prometheus> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const prom = spawnPrometheus(config, data, port);
    try {
      await waitReady(prom, deadline);
      return prom;
    } catch (e) {
      await prom.stop();
      lastError = e as Error;
      if (!/address already in use/.test(prom.log())) break;
    }
  }
  throw lastError ?? new Error('prometheus did not start');
}

function spawnPrometheus(config: string, data: string, port: number): Prometheus & { ended(): boolean } {
  const listenAddress = `127.0.0.1:${port}`;
  const child = spawn(PROMETHEUS_BIN, [`--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=${listenAddress}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log = (log + chunk).slice(-LOG_TAIL);
  });
  let ended = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      ended = true;
      log += `\n(exited: ${signal ?? `code ${code}`})`;
      resolve();
    });
    child.once('error', (e) => {
      ended = true;
      log += `\nspawn failed: ${e.message}`;
      resolve();
    });
  });
  // If the caller exits before stop(), do not leave Prometheus behind.
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let stopping: Promise<void> | undefined;
  return {
    ended: () => ended,
    url: `http://${listenAddress}`,
    startedAt: performance.now(),
    log: () => log,
    stop() {
      stopping ??= (async () => {
        if (!ended) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', kill);
      })();
      return stopping;
    },
  };
}

async function waitReady(prom: ReturnType<typeof spawnPrometheus>, deadline: number): Promise<void> {
  for (;;) {
    if (prom.ended()) throw new Error(`prometheus ended before it was ready:\n${prom.log()}`);
    const status = await fetch(`${prom.url}/-/ready`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (performance.now() > deadline) throw new Error(`prometheus not ready (last status ${status}):\n${prom.log()}`);
    await delay(POLL_MS);
  }
}

async function getJson<T>(prom: Prometheus, path: string): Promise<T> {
  const r = await fetch(prom.url + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return (await r.json()) as T;
}

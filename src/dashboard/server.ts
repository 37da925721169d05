/**
 * serveDashboard(): a `node:http` server for the live dashboard page and the
 * two endpoints it and Prometheus read.
 *
 *   GET /            the page (assets/index.html)
 *   GET /app.js      the page's script: polls /stats.json, draws with uPlot
 *   GET /uplot.js    uPlot from the `uplot` package, and /uplot.css
 *   GET /stats.json  { time: ms since epoch, ...scheduler.stats() }
 *   GET /metrics     scheduler.metricsHandler(): the Prometheus exposition
 *   anything else    404; methods other than GET and HEAD: 405
 *
 * Protocol:
 * 1. serveDashboard validates the options (E_BAD_OPTIONS), loads the assets
 *    (assets.ts), and listens on host:port (default 127.0.0.1, port 0 = any
 *    free port). A listen failure (port taken, unknown host) rejects with
 *    E_BAD_OPTIONS naming the address.
 * 2. Each request is answered from memory or from one stats() snapshot; the
 *    server never touches the scheduler's queue or pools.
 * 3. close() stops listening and ends the open connections (a browser keeps
 *    its keep-alive connection, which would hold close() open for the
 *    client's idle timeout); it is idempotent, and the port is free when it
 *    resolves. Closing the scheduler does not close the dashboard.
 *
 * Loopback by default: the page and /stats.json show task counts and pool
 * health, which an operator, not the world, should see.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrossfairError, show } from '../errors.js';
import type { Dashboard, DashboardOptions, Scheduler } from '../types.js';
import { loadAssets, type Asset } from './assets.js';

/** What the server reads from a scheduler. */
export type DashboardSource = Pick<Scheduler, 'stats' | 'metricsHandler'>;

const DEFAULT_HOST = '127.0.0.1';
const OPTION_KEYS = ['port', 'host'];

/**
 * Same-origin only: the page may load nothing from elsewhere. Inline styles
 * are allowed because uPlot positions its cursor and legend with them.
 */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function bad(msg: string): never {
  throw new CrossfairError('E_BAD_OPTIONS', `serveDashboard: ${msg}`);
}

function checkOptions(options: unknown): { port: number; host: string } {
  if (options === undefined) return { port: 0, host: DEFAULT_HOST };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad(`options must be an object, got ${show(options)}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!OPTION_KEYS.includes(k)) bad(`unknown option ${JSON.stringify(k)} (expected one of ${OPTION_KEYS.join(', ')})`);
  const port = o.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) bad(`port must be an integer in 0..65535, got ${show(port)}`);
  const host = o.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) bad(`host must be a non-empty string, got ${show(host)}`);
  return { port, host };
}

export async function serveDashboard(scheduler: DashboardSource, options?: DashboardOptions): Promise<Dashboard> {
  const { port, host } = checkOptions(options);
  const assets = loadAssets();
  const metrics = scheduler.metricsHandler();
  const server = createServer((req, res) => answer(req, res, scheduler, assets, metrics));

  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error): void =>
      reject(new CrossfairError('E_BAD_OPTIONS', `serveDashboard: cannot listen on ${host}:${port}: ${e.message}`, { causes: [e] }));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      // Errors after listening (accept failing under EMFILE) must not crash the host process.
      server.on('error', (e) => process.emitWarning(`crossfair dashboard: ${e.message}`, { code: 'CROSSFAIR_DASHBOARD' }));
      resolve();
    });
  });

  const bound = (server.address() as AddressInfo).port;
  // An IPv6 literal needs brackets in a URL.
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${bound}/`,
    port: bound,
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Step 2 of the header. */
function answer(
  req: IncomingMessage,
  res: ServerResponse,
  scheduler: DashboardSource,
  assets: ReadonlyMap<string, Asset>,
  metrics: ReturnType<Scheduler['metricsHandler']>,
): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  const path = (req.url ?? '/').split('?', 1)[0]!;
  if (path === '/metrics') {
    metrics(req, res);
    return;
  }
  if (path === '/stats.json') {
    let body: string;
    try {
      body = JSON.stringify({ time: Date.now(), ...scheduler.stats() });
    } catch (e) {
      send(res, req, 500, 'text/plain; charset=utf-8', `stats failed: ${e instanceof Error ? e.message : show(e)}\n`);
      return;
    }
    send(res, req, 200, 'application/json; charset=utf-8', body);
    return;
  }
  const asset = assets.get(path === '/index.html' ? '/' : path);
  if (asset === undefined) {
    send(res, req, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
    return;
  }
  send(res, req, 200, asset.type, asset.body);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// serveDashboard()'s server without a browser: what each path answers,
// methods, option validation, and that close() frees the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { BOTH, expectCode, withScheduler } from './helpers.js';
import type { Dashboard } from '../src/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function fetchRaw(url: string, method = 'GET', agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withDashboard(fn: (d: Dashboard) => Promise<void>): Promise<void> {
  await withScheduler(BOTH, async (s) => {
    const d = await s.serveDashboard();
    try {
      await fn(d);
    } finally {
      await d.close();
    }
  });
}

test('the page, its script and uPlot come from the package, same-origin only', async () => {
  await withDashboard(async (d) => {
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(d.url, `http://127.0.0.1:${d.port}/`);
    const page = await fetchRaw(d.url);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
    assert.match(page.body, /<script src="uplot\.js"><\/script>/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no other origin');
    const app = await fetchRaw(`${d.url}app.js`);
    assert.equal(app.status, 200);
    assert.match(String(app.headers['content-type']), /^text\/javascript/);
    assert.match(app.body, /__crossfair/);
    const uplot = await fetchRaw(`${d.url}uplot.js`);
    assert.equal(uplot.status, 200);
    assert.match(uplot.body, /var uPlot=/);
    const css = await fetchRaw(`${d.url}uplot.css`);
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.match(css.body, /\.uplot/);
  });
});

test('/stats.json is stats() with a timestamp, for both runtimes', async () => {
  await withScheduler({ ...BOTH, classes: { interactive: { weight: 4, latencyBudgetMs: 20 }, batch: { weight: 1 } } }, async (s) => {
    await s.submitMany([
      { kind: 'echo', input: 'a', pool: 'rust', class: 'batch' },
      { kind: 'echo', input: 'b', pool: 'go', class: 'interactive' },
    ]);
    const d = await s.serveDashboard({ port: 0 });
    try {
      const before = Date.now();
      const r = await fetchRaw(`${d.url}stats.json?x=1`);
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.equal(r.headers['cache-control'], 'no-store');
      const body = JSON.parse(r.body) as { time: number } & ReturnType<typeof s.stats>;
      assert.ok(body.time >= before - 1000 && body.time <= Date.now(), `time ${body.time}`);
      assert.deepEqual(Object.keys(body.classes).sort(), ['batch', 'interactive']);
      assert.equal(body.classes.interactive!.weight, 4);
      assert.equal(body.classes.interactive!.latencyBudgetMs, 20);
      assert.equal(body.pools.rust!.runtime, 'rust');
      assert.equal(body.pools.go!.runtime, 'go');
      assert.equal(body.pools.rust!.completed, 1);
      assert.equal(body.pools.go!.completed, 1);
      assert.equal(body.totals.completed, 2);
      const head = await fetchRaw(`${d.url}stats.json`, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.ok(Number(head.headers['content-length']) > 0);
    } finally {
      await d.close();
    }
  });
});

test('/metrics is the Prometheus exposition', async () => {
  await withDashboard(async (d) => {
    const r = await fetchRaw(`${d.url}metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^crossfair_pool_in_flight\{pool="rust",runtime="rust"\} 0$/m);
    assert.match(r.body, /^crossfair_pool_in_flight\{pool="go",runtime="go"\} 0$/m);
  });
});

test('unknown paths are 404, methods other than GET and HEAD 405', async () => {
  await withDashboard(async (d) => {
    for (const path of ['nope', 'app.js/x', '../package.json', 'dashboard/assets/app.js']) {
      const r = await fetchRaw(`${d.url}${path}`);
      assert.equal(r.status, 404, path);
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      for (const path of ['', 'stats.json', 'metrics']) {
        const r = await fetchRaw(`${d.url}${path}`, method);
        assert.equal(r.status, 405, `${method} /${path}`);
        assert.equal(r.headers.allow, 'GET, HEAD');
      }
    }
  });
});

test('bad options fail E_BAD_OPTIONS before listening', async () => {
  await withScheduler(BOTH, async (s) => {
    const serve = (o: unknown) => s.serveDashboard(o as Parameters<typeof s.serveDashboard>[0]);
    await expectCode(serve(null), 'E_BAD_OPTIONS', /options must be an object/);
    await expectCode(serve('8080'), 'E_BAD_OPTIONS', /options must be an object/);
    await expectCode(serve({ port: -1 }), 'E_BAD_OPTIONS', /port must be an integer in 0\.\.65535, got -1/);
    await expectCode(serve({ port: 65536 }), 'E_BAD_OPTIONS', /port must be an integer/);
    await expectCode(serve({ port: 1.5 }), 'E_BAD_OPTIONS', /port must be an integer/);
    await expectCode(serve({ port: '80' }), 'E_BAD_OPTIONS', /port must be an integer in 0\.\.65535, got "80"/);
    await expectCode(serve({ host: '' }), 'E_BAD_OPTIONS', /host must be a non-empty string/);
    await expectCode(serve({ host: 127 }), 'E_BAD_OPTIONS', /host must be a non-empty string/);
    await expectCode(serve({ prot: 80 }), 'E_BAD_OPTIONS', /unknown option "prot" \(expected one of port, host\)/);
  });
});

test('a port in use fails E_BAD_OPTIONS naming the address', async () => {
  await withScheduler(BOTH, async (s) => {
    const d = await s.serveDashboard();
    try {
      await expectCode(s.serveDashboard({ port: d.port }), 'E_BAD_OPTIONS', new RegExp(`cannot listen on 127\\.0\\.0\\.1:${d.port}: .*EADDRINUSE`));
    } finally {
      await d.close();
    }
  });
});

test('close() frees the port at once, even with a keep-alive connection open', async () => {
  await withScheduler(BOTH, async (s) => {
    const d = await s.serveDashboard();
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal((await fetchRaw(`${d.url}stats.json`, 'GET', agent)).status, 200);
      const t0 = performance.now();
      await d.close();
      assert.ok(performance.now() - t0 < 1000, 'close waited for the idle connection');
      await d.close(); // idempotent
      await expectPortFree(d.port);
      await assert.rejects(fetchRaw(d.url), /ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });
});

function expectPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

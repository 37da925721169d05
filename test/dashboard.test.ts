// The dashboard in a real browser: headless Chromium (Debian's package, as
// .ci/run installs it) opens serveDashboard()'s page against a scheduler
// under a mixed load on both runtimes, waits until every chart has data for
// every class and both runtimes, and saves a screenshot to
// test/output/dashboard.png. Chromium missing is a failure, never a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createScheduler, type Scheduler, type Task } from '../src/index.js';
import { BOTH, assertAccounting, root } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(root, 'test', 'output');
/** Bound on the wait for every chart to fill: the page polls once a second
 *  and needs a few polls (the share chart compares two); generous for a
 *  loaded 2-core machine. */
const CHARTS_TIMEOUT_MS = 30_000;
/** Points every series must hold before the screenshot, so lines show. */
const MIN_POINTS = 4;

interface ChartState {
  title: string;
  series: string[];
  points: number;
  filled: Record<string, number>;
  max: Record<string, number | null>;
}
interface PageState {
  ready: boolean;
  polls: number;
  errors: number;
  charts: Record<string, ChartState>;
}

/**
 * Keeps `lanes` tasks of `cls` outstanding until stopped: a mix of CPU
 * (spin, sha256) and waiting (sleep) work; one task in four pinned,
 * alternately to each runtime, so both pools serve even if placement
 * prefers one for a kind.
 */
function load(s: Scheduler, cls: string, lanes: number, spinUs: number, stop: { stopped: boolean; errors: string[] }): Promise<void>[] {
  const mix = (i: number): Task => {
    const pool = i % 4 === 0 ? (i % 8 === 0 ? 'rust' : 'go') : undefined;
    const kind = ['spin', 'sha256', 'spin', 'sleep'][i % 4]!;
    const input = kind === 'sha256' ? 'x'.repeat(4096) : String(kind === 'sleep' ? 2 * spinUs : spinUs);
    return { kind, input, class: cls, ...(pool ? { pool } : {}) };
  };
  return Array.from({ length: lanes }, async (_, lane) => {
    for (let i = lane; !stop.stopped; i += lanes) {
      try {
        await s.submit(mix(i));
      } catch (e) {
        // Recorded, not thrown: a lane's rejection would go unhandled until the end.
        if (!stop.stopped) stop.errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  });
}

test('the dashboard draws every chart with data for both runtimes and every class', async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (.ci/run installs it)`);
  const s = await createScheduler({ ...BOTH, classes: { interactive: { weight: 4, latencyBudgetMs: 20 }, batch: { weight: 1 } } });
  const stop = { stopped: false, errors: [] as string[] };
  const lanes = [...load(s, 'interactive', 24, 200, stop), ...load(s, 'batch', 48, 400, stop)];
  let browser: Browser | undefined;
  const dashboard = await s.serveDashboard();
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM }).catch((e: unknown) => {
      throw new Error(`cannot start ${CHROMIUM} (apt-get install chromium): ${e instanceof Error ? e.message : String(e)}`);
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const foreign: string[] = [];
    const pageErrors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(dashboard.url)) foreign.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(dashboard.url);

    // Event-driven wait: resolves as soon as the page's own state says every
    // series of every chart has MIN_POINTS points (and both pools were busy).
    await page.waitForFunction(
      (min) => {
        const st = (globalThis as unknown as { __crossfair?: PageState }).__crossfair;
        if (!st?.ready) return false;
        const charts = Object.values(st.charts);
        if (charts.length < 5) return false;
        if (!charts.every((c) => c.series.length > 0 && c.series.every((l) => (c.filled[l] ?? 0) >= min))) return false;
        const util = st.charts.utilization!;
        return util.series.every((l) => (util.max[l] ?? 0) > 0);
      },
      MIN_POINTS,
      { timeout: CHARTS_TIMEOUT_MS, polling: 100 },
    );
    const state = (await page.evaluate(() => (globalThis as unknown as { __crossfair: PageState }).__crossfair)) as PageState;

    assert.deepEqual(Object.keys(state.charts).sort(), ['breaker', 'queue', 'share', 'utilization', 'wait']);
    const { queue, utilization, share, wait, breaker } = state.charts as Record<string, ChartState>;
    assert.deepEqual(queue!.series, ['interactive', 'batch']);
    assert.deepEqual(utilization!.series, ['rust (rust)', 'go (go)']);
    for (const l of utilization!.series) assert.ok(utilization!.max[l]! > 0, `${l} utilization stayed 0`);
    assert.deepEqual(share!.series, ['interactive served', 'interactive entitled', 'batch served', 'batch entitled']);
    for (const l of share!.series) assert.ok(share!.max[l]! > 0, `${l}: ${share!.max[l]}`);
    assert.deepEqual(wait!.series, ['interactive p99 wait', 'interactive budget', 'batch p99 wait']);
    assert.equal(wait!.max['interactive budget'], 20);
    assert.deepEqual(breaker!.series, ['rust (rust) breaker', 'rust (rust) health', 'go (go) breaker', 'go (go) health']);
    assert.ok(queue!.max.batch! > 0, 'the batch class never had a backlog');
    assert.equal(state.errors, 0, 'a poll of stats.json failed');
    assert.deepEqual(stop.errors, [], 'tasks of the load failed');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(foreign, [], 'the page fetched from another origin');
    // Each chart's canvas was drawn at its size.
    assert.equal(await page.locator('.uplot canvas').count(), 5);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    assert.ok(existsSync(join(OUTPUT, 'dashboard.png')));
  } finally {
    await browser?.close();
    await dashboard.close();
    stop.stopped = true;
    await Promise.all(lanes);
    assertAccounting(s);
    await s.close({ timeoutMs: 2000 });
  }
});

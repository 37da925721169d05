// dashboards/crossfair.json is a Grafana dashboard model over the metrics a
// live scheduler exposes: every PromQL expression names only metrics, labels
// and label values found in the exposition after a workload that gives every
// family samples (so a renamed metric or label fails here), covers the
// families the dashboard must show, and parses (`promtool check rules`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, withScheduler } from './helpers.js';
import { EXPECTED_OUTCOMES, WORKLOAD_OPTIONS, mixedWorkload } from './metrics-workload.js';

interface Target {
  expr?: string;
  refId?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs: { name: string; type: string; pluginId: string }[];
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; datasource?: { uid?: string }; query?: { query?: string } | string }[] };
}

const DS_UID = '${DS_PROMETHEUS}';
/** Metrics the dashboard must chart. */
const REQUIRED = [
  'crossfair_queue_depth',
  'crossfair_pool_utilization',
  'crossfair_pool_in_flight',
  'crossfair_tasks_completed_total',
  'crossfair_tasks_failed_total',
  'crossfair_tasks_rejected_total',
  'crossfair_tasks_cancelled_total',
  'crossfair_task_wait_seconds_bucket',
  'crossfair_class_latency_budget_seconds',
  'crossfair_class_served_share',
  'crossfair_class_entitled_share',
  'crossfair_fairness_jain_index',
  'crossfair_pool_breaker_state',
  'crossfair_pool_health',
  'crossfair_class_oldest_task_age_seconds',
  'crossfair_pool_oldest_task_age_seconds',
  'crossfair_pool_capacity',
];
/** PromQL functions and aggregations the dashboard may call. */
const FUNCTIONS = new Set(['sum', 'avg', 'max', 'min', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'clamp_min', 'clamp_max', 'label_values']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);
/** Labels Prometheus adds at scrape time, and the histogram bucket bound. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** Grafana's variables, replaced by something PromQL parses for `promtool check rules`. */
const GRAFANA_VARS: [RegExp, string][] = [
  [/\$__rate_interval/g, '1m'],
  [/\$job/g, '.+'],
];

function load(): Dashboard {
  return JSON.parse(readFileSync(join(root, 'dashboards', 'crossfair.json'), 'utf8')) as Dashboard;
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Every PromQL expression: panel targets and query variables. */
function expressions(d: Dashboard): { where: string; expr: string }[] {
  const out = allPanels(d.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr ?? '' })));
  for (const v of d.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (q) out.push({ where: `variable ${v.name}`, expr: q });
  }
  return out;
}

interface Reference {
  metrics: string[];
  functions: string[];
  /** Label names from matchers and grouping clauses. */
  labels: string[];
  /** Literal equality matchers: [label, value]. */
  equals: [string, string][];
}

/** A small PromQL reader, enough for the dashboard's expressions: names after strings, matchers, ranges and groupings are taken out. */
function references(expr: string): Reference {
  const ref: Reference = { metrics: [], functions: [], labels: [], equals: [] };
  // Grafana's label_values(selector, label): its last argument is a label.
  const lv = /^\s*label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)\s*$/.exec(expr);
  if (lv) {
    ref.functions.push('label_values');
    ref.labels.push(lv[2]!);
    expr = lv[1]!;
  }
  let rest = expr.replace(/\{([^}]*)\}/g, (_, body: string) => {
    for (const m of body.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      ref.labels.push(m[1]!);
      if (m[2] === '=' && !m[3]!.includes('$')) ref.equals.push([m[1]!, m[3]!]);
    }
    return ' ';
  });
  rest = rest.replace(/"(?:[^"\\]|\\.)*"/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  rest = rest.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_, _kw: string, list: string) => {
    ref.labels.push(
      ...list
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  for (const m of rest.matchAll(/(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([a-zA-Z_:][\w:]*)(\s*\()?/gi)) {
    const name = m[2];
    if (name === undefined) continue;
    if (m[3] !== undefined) ref.functions.push(name);
    else if (!KEYWORDS.has(name)) ref.metrics.push(name);
  }
  return ref;
}

/** Sample names of the exposition, each with its label names and the values seen per label. */
function exposition(text: string): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/gm)) {
    const labels = out.get(m[1]!) ?? new Map<string, Set<string>>();
    out.set(m[1]!, labels);
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      const values = labels.get(l[1]!) ?? new Set<string>();
      labels.set(l[1]!, values);
      values.add(l[2]!);
    }
  }
  return out;
}

test('the dashboard is an importable Grafana model on the ${DS_PROMETHEUS} input', () => {
  const d = load();
  assert.deepEqual(
    d.__inputs.map((i) => [i.name, i.type, i.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
  );
  assert.equal(d.uid, 'crossfair');
  const panels = allPanels(d.panels);
  const ids = panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of panels) {
    assert.ok(p.gridPos && p.gridPos.x + p.gridPos.w <= 24, `panel "${p.title}" has a gridPos within 24 columns`);
    if (p.type === 'row') continue;
    assert.equal(p.datasource?.uid, DS_UID, `panel "${p.title}" datasource`);
    assert.ok((p.targets ?? []).length > 0, `panel "${p.title}" has targets`);
    for (const t of p.targets ?? []) {
      assert.equal(t.datasource?.uid, DS_UID, `panel "${p.title}" ${t.refId} datasource`);
      assert.match(t.expr ?? '', /\S/, `panel "${p.title}" ${t.refId} has an expression`);
    }
  }
  for (const v of d.templating.list) assert.equal(v.datasource?.uid, DS_UID, `variable ${v.name} datasource`);
});

test('every dashboard expression names only metrics, labels and values a live scheduler exposes', async () => {
  const d = load();
  const text = await withScheduler(WORKLOAD_OPTIONS, async (s) => {
    assert.deepEqual(await mixedWorkload(s), EXPECTED_OUTCOMES);
    return s.metrics();
  });
  const exposed = exposition(text);
  const used = new Set<string>();
  const problems: string[] = [];
  for (const { where, expr } of expressions(d)) {
    const ref = references(expr);
    if (ref.metrics.length === 0) problems.push(`${where}: no metric in ${expr}`);
    for (const f of ref.functions) if (!FUNCTIONS.has(f)) problems.push(`${where}: unknown function ${f}`);
    for (const m of ref.metrics) {
      used.add(m);
      if (!exposed.has(m)) problems.push(`${where}: ${m} is not in the exposition`);
    }
    const labelsOf = (l: string): Set<string>[] => ref.metrics.flatMap((m) => (exposed.get(m)?.has(l) ? [exposed.get(m)!.get(l)!] : []));
    for (const l of ref.labels) {
      if (!TARGET_LABELS.has(l) && labelsOf(l).length === 0) problems.push(`${where}: label ${l} is on none of ${ref.metrics.join(', ')}`);
    }
    for (const [l, v] of ref.equals) {
      if (!TARGET_LABELS.has(l) && !labelsOf(l).some((values) => values.has(v))) problems.push(`${where}: no series has ${l}="${v}"`);
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(
    REQUIRED.filter((m) => !used.has(m)),
    [],
    'metrics the dashboard must chart',
  );
});

test('every dashboard expression parses (promtool check rules)', () => {
  const exprs = expressions(load()).filter((e) => !e.expr.startsWith('label_values('));
  const rules = ['groups:', '  - name: crossfair-dashboard', '    rules:'];
  exprs.forEach(({ expr }, i) => {
    const promql = GRAFANA_VARS.reduce((e, [re, v]) => e.replace(re, v), expr);
    rules.push(`      - record: crossfair_dashboard:expr${i}`, `        expr: ${JSON.stringify(promql)}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'crossfair-grafana-'));
  try {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, rules.join('\n') + '\n');
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      assert.fail('promtool is not on PATH: install it with `apt-get install prometheus` (.ci/run does)');
    }
    assert.ifError(r.error);
    assert.equal(r.status, 0, `promtool check rules:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

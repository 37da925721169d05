// The dashboard page's script: polls stats.json once a second and draws five
// live uPlot charts from it, plus a totals line and a pool table.
//
// 1. The first answer fixes the charts: its classes and pools (a scheduler's
//    classes and pools do not change while it runs).
// 2. Each answer appends one point to every series; the oldest fall off
//    after KEEP points. A failed poll marks the page stale and retries.
// 3. Served share is computed here, from deltas of each class's servedUs
//    (measured execution time) over the last SHARE_WINDOW_S seconds, among
//    the classes served in that window; entitlement is weight over the
//    weights of those classes (work-conserving: an idle class's share flows
//    to the others).
//
// window.__crossfair shows what each chart holds, for tests and curious
// operators: { ready, polls, errors, charts: { id: { title, series: [label],
// points, filled: { label: non-empty points }, max: { label: largest } } } }.
'use strict';
(() => {
  const POLL_MS = 1000;
  /** Points kept per series: five minutes at one poll a second. */
  const KEEP = 300;
  /** Seconds of servedUs deltas behind one share point: long enough to smooth
   *  batches of long tasks, short enough to show a change within seconds. */
  const SHARE_WINDOW_S = 5;
  const CHART_HEIGHT = 210;

  const RUNTIME_COLORS = { rust: ['#c2410c', '#f59e0b', '#9a3412'], go: ['#0284c7', '#06b6d4', '#1e3a8a'] };
  const CLASS_COLORS = ['#7c3aed', '#16a34a', '#db2777', '#ca8a04', '#0f766e', '#4b5563'];
  const DASH = [6, 4];
  const BREAKER_NAMES = ['closed', 'half-open', 'open'];
  const HEALTH_NAMES = ['healthy', 'degraded', 'down'];
  const LEVEL_NAMES = ['closed · healthy', 'half-open · degraded', 'open · down'];

  const state = { ready: false, polls: 0, errors: 0, charts: {} };
  window.__crossfair = state;

  const $ = (id) => document.getElementById(id);
  let charts = [];
  const times = [];
  /** [{ t, served: { class: servedUs } }] over the share window. */
  const servedHistory = [];

  function poolColor(stats, name) {
    const runtime = stats.pools[name].runtime;
    const same = Object.keys(stats.pools).filter((p) => stats.pools[p].runtime === runtime);
    const colors = RUNTIME_COLORS[runtime] ?? CLASS_COLORS;
    return colors[same.indexOf(name) % colors.length];
  }

  /** Step 1: one definition per chart; each series reads its value from (stats, shares). */
  function define(stats) {
    const classes = Object.keys(stats.classes);
    const pools = Object.keys(stats.pools);
    const poolLabel = (p) => `${p} (${stats.pools[p].runtime})`;
    const classColor = (c) => CLASS_COLORS[classes.indexOf(c) % CLASS_COLORS.length];
    // Breaker and health lines share levels; a small offset per line keeps
    // one from hiding another.
    const offset = (i) => i * 0.06;
    return [
      {
        id: 'queue',
        title: 'Queue depth per class',
        note: 'tasks waiting in the scheduler (queued + retry backoff)',
        unit: 'tasks',
        series: classes.map((c) => ({ label: c, color: classColor(c), value: (s) => s.classes[c].queued })),
      },
      {
        id: 'utilization',
        title: 'Utilization per pool',
        note: 'busy share of the pool’s workers over the last full second',
        unit: '%',
        max: 100,
        series: pools.map((p) => ({ label: poolLabel(p), color: poolColor(stats, p), value: (s) => 100 * s.pools[p].utilization })),
      },
      {
        id: 'share',
        title: 'Served share vs entitlement',
        note: `share of execution time over the last ${SHARE_WINDOW_S} s (solid) against weight share among the classes served (dashed); a class without backlog may take less`,
        unit: '%',
        max: 100,
        series: classes.flatMap((c) => [
          { label: `${c} served`, color: classColor(c), value: (_s, sh) => sh[c]?.served ?? null },
          { label: `${c} entitled`, color: classColor(c), dash: DASH, value: (_s, sh) => sh[c]?.entitled ?? null },
        ]),
      },
      {
        id: 'wait',
        title: 'p99 wait vs latency budget',
        note: 'queueing wait, p99 of the recent tasks of each class (solid); its latencyBudgetMs (dashed)',
        unit: 'ms',
        series: classes.flatMap((c) => [
          { label: `${c} p99 wait`, color: classColor(c), value: (s) => s.classes[c].waitP99Ms },
          ...(stats.classes[c].latencyBudgetMs === undefined
            ? []
            : [{ label: `${c} budget`, color: classColor(c), dash: DASH, value: (s) => s.classes[c].latencyBudgetMs }]),
        ]),
      },
      {
        id: 'breaker',
        title: 'Breaker state and health per pool',
        note: 'breaker (solid) and health (dashed); lines offset slightly so none hides another',
        unit: '',
        levels: LEVEL_NAMES,
        series: pools.flatMap((p, i) => [
          {
            label: `${poolLabel(p)} breaker`,
            color: poolColor(stats, p),
            names: BREAKER_NAMES,
            value: (s) => BREAKER_NAMES.indexOf(s.pools[p].breaker) + offset(2 * i),
          },
          {
            label: `${poolLabel(p)} health`,
            color: poolColor(stats, p),
            dash: DASH,
            names: HEALTH_NAMES,
            value: (s) => HEALTH_NAMES.indexOf(s.pools[p].health) + offset(2 * i + 1),
          },
        ]),
      },
    ];
  }

  function chartWidth(card) {
    return Math.max(280, card.clientWidth - 20);
  }

  function yScale(def) {
    if (def.levels) return { range: () => [-0.25, def.levels.length - 0.5] };
    if (def.max !== undefined) return { range: () => [0, def.max] };
    return { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] };
  }

  function yAxis(def) {
    const axis = { label: def.unit, size: def.levels ? 130 : 56, labelSize: 18 };
    if (def.levels) {
      axis.splits = () => def.levels.map((_n, i) => i);
      axis.values = (_u, splits) => splits.map((v) => def.levels[v] ?? '');
    }
    return axis;
  }

  /** Ticks on whole seconds, labelled with the wall-clock time. */
  const X_AXIS = {
    space: 70,
    incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600],
    values: (_u, splits) => splits.map(clock),
  };

  const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour12: false });

  /** The legend's text for series `s`: a level's name, or a number. */
  function legendValue(s) {
    if (s.names) return (_u, v) => (v == null ? '–' : (s.names[Math.round(v)] ?? '?'));
    return (_u, v) => (v == null ? '–' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
  }

  function build(stats) {
    const root = $('charts');
    charts = define(stats).map((def) => {
      const card = document.createElement('div');
      card.className = 'card';
      const h = document.createElement('h2');
      h.textContent = def.title;
      const p = document.createElement('p');
      p.textContent = def.note;
      card.append(h, p);
      root.append(card);
      const opts = {
        width: chartWidth(card),
        height: CHART_HEIGHT,
        scales: { x: { time: true }, y: yScale(def) },
        axes: [X_AXIS, yAxis(def)],
        series: [
          { value: (_u, t) => (t == null ? '–' : clock(t)) },
          ...def.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: false }, value: legendValue(s) })),
        ],
      };
      const cols = def.series.map(() => []);
      // uPlot: the global the IIFE build (uplot.js, loaded before this script) defines.
      const plot = new uPlot(opts, [times, ...cols], card);
      return { def, cols, plot, card };
    });
    root.append(poolsCard());
    window.addEventListener('resize', () => {
      for (const c of charts) c.plot.setSize({ width: chartWidth(c.card), height: CHART_HEIGHT });
    });
  }

  function poolsCard() {
    const card = document.createElement('div');
    card.className = 'card';
    const h = document.createElement('h2');
    h.textContent = 'Pools now';
    const p = document.createElement('p');
    p.textContent = 'each native pool, its runtime and how it is reached';
    const table = document.createElement('table');
    table.id = 'pools';
    card.append(h, p, table);
    return card;
  }

  /** Step 3. */
  function shares(stats, t) {
    const served = {};
    for (const [c, cs] of Object.entries(stats.classes)) served[c] = cs.servedUs;
    servedHistory.push({ t, served });
    while (servedHistory.length > 1 && t - servedHistory[1].t >= SHARE_WINDOW_S) servedHistory.shift();
    const from = servedHistory[0];
    if (from.t === t) return {};
    const delta = {};
    let total = 0;
    let weights = 0;
    for (const c of Object.keys(served)) {
      delta[c] = Math.max(0, served[c] - (from.served[c] ?? 0));
      total += delta[c];
      if (delta[c] > 0) weights += stats.classes[c].weight;
    }
    const out = {};
    for (const c of Object.keys(served)) {
      out[c] = {
        served: total > 0 ? (100 * delta[c]) / total : null,
        entitled: delta[c] > 0 && weights > 0 ? (100 * stats.classes[c].weight) / weights : null,
      };
    }
    return out;
  }

  /** Step 2. */
  function update(stats) {
    if (charts.length === 0) build(stats);
    const t = stats.time / 1000;
    const sh = shares(stats, t);
    times.push(t);
    const drop = times.length > KEEP ? 1 : 0;
    if (drop) times.shift();
    for (const c of charts) {
      c.def.series.forEach((s, i) => {
        const v = s.value(stats, sh);
        c.cols[i].push(typeof v === 'number' && Number.isFinite(v) ? v : null);
        if (drop) c.cols[i].shift();
      });
      c.plot.setData([times, ...c.cols]);
      // Without a hovering cursor the legend shows the latest values.
      if (c.plot.cursor.idx == null) c.plot.setLegend({ idx: times.length - 1 });
      const filled = {};
      const max = {};
      c.def.series.forEach((s, i) => {
        const vs = c.cols[i].filter((v) => v !== null);
        filled[s.label] = vs.length;
        max[s.label] = vs.length > 0 ? Math.max(...vs) : null;
      });
      state.charts[c.def.id] = { title: c.def.title, series: c.def.series.map((s) => s.label), points: times.length, filled, max };
    }
    renderTotals(stats);
    renderPools(stats);
    state.polls++;
    state.ready = true;
  }

  function renderTotals(stats) {
    const t = stats.totals;
    $('policy').textContent = `policy ${stats.policy}`;
    $('totals').textContent =
      `submitted ${t.submitted} · completed ${t.completed} · failed ${t.failed} · cancelled ${t.cancelled} · rejected ${t.rejected} · queued ${t.queued} · in flight ${t.inFlight} · retries ${t.retries}`;
  }

  function badge(text, cls) {
    const span = document.createElement('span');
    span.className = `badge ${cls}`;
    span.textContent = text;
    return span;
  }

  function renderPools(stats) {
    const head = ['pool', 'via', 'workers', 'busy', 'in flight', 'done', 'failed', 'breaker', 'health'];
    const rows = Object.entries(stats.pools).map(([name, p]) => [
      `${name} (${p.runtime})`,
      p.transport,
      p.workers,
      `${(100 * p.utilization).toFixed(0)}%`,
      `${p.inFlight}/${p.credit}`,
      p.completed,
      p.failed,
      badge(p.breaker, p.breaker === 'closed' ? 'ok' : p.breaker === 'open' ? 'bad' : 'warn'),
      badge(p.health, p.health === 'healthy' ? 'ok' : p.health === 'down' ? 'bad' : 'warn'),
    ]);
    const table = $('pools');
    table.replaceChildren();
    for (const [cells, tag] of [[head, 'th'], ...rows.map((r) => [r, 'td'])]) {
      const tr = table.insertRow();
      for (const cell of cells) {
        const el = document.createElement(tag);
        if (cell instanceof Node) el.append(cell);
        else el.textContent = String(cell);
        tr.append(el);
      }
    }
  }

  function setStatus(text, cls) {
    const el = $('status');
    el.textContent = text;
    el.className = cls;
  }

  async function poll() {
    try {
      const res = await fetch('stats.json', { cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      update(await res.json());
      setStatus(`live · ${new Date().toLocaleTimeString()}`, 'live');
    } catch (e) {
      state.errors++;
      setStatus(`stale: ${e instanceof Error ? e.message : String(e)}`, 'stale');
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();

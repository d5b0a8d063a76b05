// The dashboard page: polls /api/snapshot (docs/design/dashboard.md) every
// 500 ms and redraws the tables and the two uPlot charts. Text from frames
// (symbols, alert messages) goes into the page through textContent only.
'use strict';

const POLL_MS = 500;
const COLORS = { market_data: '#4ea1ff', signals: '#f5a623', execution: '#4cc38a', system: '#c678dd', custom: '#e06c75', none: '#7b8794' };

const $ = (id) => document.getElementById(id);
const fmtInt = (n) => (n === undefined || n === null ? '–' : String(n));
const fmtRate = (n) => (n === undefined || n === null ? '–' : n.toFixed(1));
const fmtUs = (n) => (n === undefined || n === null ? '–' : n < 100 ? n.toFixed(1) : n.toFixed(0));
const fmtPrice = (n) => (n === undefined || n === null ? '–' : Number(n.toPrecision(10)).toString());

function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}

/** Replaces a table body with one row per item; each cell is [text, className?, id?]. */
function fillTable(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  const fresh = document.createElement('tbody');
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const [text, cls, id] = Array.isArray(cell) ? cell : [cell];
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      if (id) td.id = id;
      tr.appendChild(td);
    }
    fresh.appendChild(tr);
  }
  body.replaceWith(fresh);
}

// ---- charts ---------------------------------------------------------------

/** "12:33:07" (UTC) for epoch seconds: the axis labels. */
const clock = (seconds) => new Date(seconds * 1000).toISOString().slice(11, 19);

const charts = {};

function chartSize(el) {
  return { width: Math.max(300, el.clientWidth), height: 220 }; // the plot; the legend goes below it
}

/** Creates (or re-creates, when the series change) a uPlot time chart in `elId`. */
function ensureChart(elId, seriesDefs, yLabel) {
  const key = seriesDefs.map((s) => s.label).join('|');
  const existing = charts[elId];
  if (existing && existing.key === key) return existing.plot;
  if (existing) existing.plot.destroy();
  const el = $(elId);
  const opts = {
    ...chartSize(el),
    series: [{}, ...seriesDefs.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
    axes: [
      { stroke: '#7b8794', grid: { stroke: '#26303b' }, space: 70, incrs: [1, 2, 5, 10, 15, 30, 60],
        values: (u, ticks) => ticks.map(clock) },
      { stroke: '#7b8794', grid: { stroke: '#26303b' }, label: yLabel, size: 60 },
    ],
    scales: { x: { time: true } },
    legend: { live: false },
  };
  const plot = new uPlot(opts, [[], ...seriesDefs.map(() => [])], el);
  charts[elId] = { key, plot };
  return plot;
}

window.addEventListener('resize', () => {
  for (const [id, c] of Object.entries(charts)) c.plot.setSize(chartSize($(id)));
});

function drawCharts(s) {
  const h = s.history;
  const domains = Object.keys(h.frames_per_second);
  const rates = ensureChart('chart-rates', domains.map((d) => ({ label: d, color: COLORS[d] || '#aaa' })), 'frames/s');
  rates.setData([h.seconds, ...domains.map((d) => h.frames_per_second[d])]);
  const latency = ensureChart('chart-latency', [
    { label: 'p50', color: '#4ea1ff' },
    { label: 'p99', color: '#f06b5f' },
  ], 'µs');
  latency.setData([h.seconds, h.latency_p50_us, h.latency_p99_us]);
}

// ---- tables ---------------------------------------------------------------

function dropReasons(stats) {
  if (!stats || !stats.drops) return '';
  return Object.entries(stats.drops).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
}

function drawDomains(s) {
  const relays = Object.fromEntries((s.relays || []).map((r) => [r.domain, r]));
  fillTable('domains', s.domains.map((d) => {
    const r = relays[d.name];
    const st = r && r.ok ? r.stats : null;
    const state = d.connected === undefined ? 'not configured' : d.connected ? 'connected' : 'disconnected';
    return [
      d.name, d.transport || '–', d.endpoint || '–', [state, d.connected ? 'connected' : 'disconnected'],
      [fmtInt(d.frames), 'n', `total-${d.name}`], [fmtRate(d.rate), 'n', `rate-${d.name}`],
      [fmtInt(d.gaps), 'n', `gaps-${d.name}`], [fmtInt(d.reconnects), 'n'],
      [st ? fmtInt(st.frames_in) : r ? 'no relay' : '–', 'n', `relay-in-${d.name}`],
      [st ? fmtInt(st.frames_out) : '–', 'n', `relay-out-${d.name}`],
      [r && r.to_dashboard ? fmtInt(r.to_dashboard.frames_out) : '–', 'n', `relay-to-us-${d.name}`],
      [r && r.ok ? fmtInt(r.drops_total) : '–', 'n', `relay-drops-${d.name}`],
      [dropReasons(st)],
      [st ? fmtInt(st.clients.length) : '–', 'n'],
    ];
  }));
}

function drawLatency(s) {
  const l = s.latency;
  setText('latency-window', `last ${l.window_s} s, µs`);
  const row = (name, p) => [name, [fmtInt(p.count), 'n'], [fmtUs(p.p50_us), 'n'], [fmtUs(p.p90_us), 'n'],
    [fmtUs(p.p99_us), 'n'], [fmtUs(p.p999_us), 'n'], [fmtUs(p.max_us), 'n'], [fmtInt(p.stale_timestamps ?? 0), 'n']];
  fillTable('latency', [row('all', l.all), ...Object.entries(l.by_domain).map(([d, p]) => row(d, p))]);
}

function drawTypes(s) {
  fillTable('types', s.types.map((t) => [t.name, t.domain, [fmtInt(t.frames), 'n', `type-${t.name}`], [fmtRate(t.rate), 'n']]));
  // Who produced them: the header's source (under the load profile, the synthetic feed is AlpacaCollector).
  fillTable('sources', (s.sources || []).map((p) => [p.name, [fmtInt(p.frames), 'n', `source-${p.name}`], [fmtRate(p.rate), 'n', `source-rate-${p.name}`]]));
}

function drawInstruments(s) {
  setText('instrument-count', `${s.instruments.length} instruments` +
    (s.instruments_not_shown ? `, ${s.instruments_not_shown} updates of instruments beyond the table's size` : ''));
  fillTable('instruments', s.instruments.map((i) => [
    i.venue, i.symbol, i.asset_type, [fmtPrice(i.bid), 'n'], [fmtPrice(i.ask), 'n'], [fmtPrice(i.bid_size), 'n'],
    [fmtPrice(i.ask_size), 'n'], [fmtPrice(i.last), 'n'], [fmtInt(i.quotes), 'n'], [fmtInt(i.trades), 'n'], i.quote_from || '',
  ]));
}

/** One line per recent event: time, type, what it is about, its main numbers. */
function eventCells(e) {
  const f = e.frame || {};
  const about = ['instrument_id', 'base_id', 'pool_id', 'base_instrument', 'asset_id']
    .map((k) => f[k] && f[k].text).find((t) => t) || '';
  const keys = ['side_name', 'status_name', 'exec_type_name', 'client_order_id', 'price', 'quantity', 'last_price',
    'last_quantity', 'spread_bps', 'estimated_profit', 'confidence', 'severity_name', 'message'];
  // Prices and quantities are fixed point with 8 decimals (messages.hpp).
  const fixed = new Set(['price', 'quantity', 'last_price', 'last_quantity', 'estimated_profit']);
  const show = (k) => (fixed.has(k) && typeof f[k] === 'number' ? fmtPrice(f[k] / 1e8) : f[k]);
  const fields = keys.filter((k) => f[k] !== undefined).map((k) => `${k.replace(/_name$/, '')}=${show(k)}`).join(' ');
  const time = new Date(Number(BigInt(e.received_ns) / 1000000n)).toISOString().slice(11, 23);
  return [time, e.type, about, e.truncated ? '(frame too large to keep)' : fields];
}

function drawEvents(s) {
  for (const key of ['signals', 'orders', 'fills', 'execution_reports']) fillTable(key, s[key].map(eventCells));
}

function draw(s) {
  const total = s.domains.reduce((a, d) => a + (d.rate || 0), 0);
  setText('frames-total', fmtInt(s.frames));
  setText('rate-total', fmtRate(total));
  setText('latency-p99', fmtUs(s.latency.all.count ? s.latency.all.p99_us : null));
  setText('elapsed', s.elapsed_s.toFixed(0));
  setText('config', s.dashboard && s.dashboard.config ? `config ${s.dashboard.config}` : 'default configuration');
  drawDomains(s);
  drawLatency(s);
  drawTypes(s);
  drawInstruments(s);
  drawEvents(s);
  drawCharts(s);
}

// ---- polling --------------------------------------------------------------

let updates = 0;

async function poll() {
  try {
    const res = await fetch('/api/snapshot', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    // The timestamps are u64 ns: parse them as text so BigInt keeps them exact.
    const text = await res.text();
    const s = JSON.parse(text.replace(/"(received_ns|now_ns|updated_ns)":(\d+)/g, '"$1":"$2"'));
    draw(s);
    updates += 1;
    document.body.dataset.updates = String(updates); // lets tests wait for fresh numbers
    const st = $('status');
    st.textContent = 'live';
    st.className = 'status ok';
  } catch (err) {
    const st = $('status');
    st.textContent = `no data: ${err.message}`;
    st.className = 'status bad';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();

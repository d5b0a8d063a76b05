// The dashboard as a person sees it: real relays fed real frames, `alphapulse
// dashboard` on a free port, and the page loaded in headless Chromium
// (Debian's, driven by playwright-core). Checks that the page's numbers move,
// agree with the relays' own counters (`alphapulse stats`), that the charts
// drew their series, and saves a screenshot.
//
//   node browser_test.mjs --alphapulse BIN --chromium /usr/bin/chromium --out DIR [--docs-screenshot docs/images/dashboard.png]
//
// Everything it starts it stops, also on failure; the whole run is bounded.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const BIN = args.alphapulse;
const OUT = args.out || '.';
const DOMAINS = ['market_data', 'signals', 'execution'];
const TICK_MS = 50; // feed: 10 market-data frames a tick, a signal every 2nd, 4 execution frames every 4th

const deadline = setTimeout(() => fail('the test took longer than 55 s'), 55_000);
const children = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alphapulse-dashboard-'));
let browser = null;
process.on('unhandledRejection', (e) => fail(e && e.stack ? e.stack : String(e)));
process.on('SIGTERM', () => fail('stopped by SIGTERM (ctest timeout?)'));

function log(...m) { console.log('[dashboard test]', ...m); }

function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
}

function fail(message) {
  console.error(`[dashboard test] FAIL: ${message}`);
  for (const d of DOMAINS) {
    const logFile = path.join(tmp, `relay-${d}.log`);
    if (fs.existsSync(logFile)) console.error(`--- relay ${d} log (tail)\n${fs.readFileSync(logFile, 'utf8').slice(-1500)}`);
  }
  if (browser) browser.close().catch(() => {});
  cleanup();
  process.exit(1);
}

function check(condition, message) {
  if (!condition) fail(message);
  log('ok:', message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 10_000, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) fail(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

function start(name, argv, opts = {}) {
  const logFd = fs.openSync(path.join(tmp, `${name}.log`), 'w');
  const child = spawn(BIN, argv, { stdio: [opts.stdin || 'ignore', opts.stdout || logFd, logFd] });
  child.on('error', (e) => fail(`${name}: ${e.message}`));
  children.push(child);
  return child;
}

function relayStats(domain) {
  const r = spawnSync(BIN, ['stats', path.join(tmp, `${domain}.sock`)], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) fail(`alphapulse stats ${domain}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---- relays, dashboard, feeders -------------------------------------------

for (const d of DOMAINS) start(`relay-${d}`, ['relay', d, '--socket', path.join(tmp, `${d}.sock`)]);
await waitFor('the relays', () => DOMAINS.every((d) => fs.existsSync(path.join(tmp, `${d}.sock.stats`))));

const config = path.join(tmp, 'deployment.yaml');
fs.writeFileSync(config, ['alphapulse:', `  runtime_dir: ${tmp}`,
  ...DOMAINS.flatMap((d) => [`  ${d}:`, '    transport: unix_socket', `    path: ${tmp}/${d}.sock`])].join('\n') + '\n');
const dashboard = start('dashboard', ['dashboard', '--config', config, '--port', '0'], { stdout: 'pipe' });
let dashboardOut = '';
dashboard.stdout.on('data', (b) => { dashboardOut += b; });
const url = (await waitFor('the dashboard to print its URL', () => /http:\/\/[\d.]+:\d+\//.exec(dashboardOut)))[0];
log('dashboard at', url);

// Real market data: the samples as JSON Lines, without their recorded
// timestamps and sequence numbers, so `publish` stamps them with the send
// time (end-to-end latency is then real) and numbers them afresh.
const replay = spawnSync('/bin/sh', ['-c', `"${BIN}" replay | "${BIN}" decode`], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (replay.status !== 0) fail(`replay | decode: ${replay.stderr}`);
// Edited as text: JSON.parse would round the u64 asset ids to doubles.
const market = replay.stdout.split('\n')
  .filter((l) => /"message_type_name":"(Trade|Quote|OrderBook)"/.test(l))
  .map((l) => l.replace(/"sequence":\d+,/, '').replace(/"timestamp":\d+,/, ''));
// Each source numbers its own frames (the receiving client checks gaps per
// source): number them here as the lines go out, since one publisher sends
// for several collectors. The other domains have one source each.
const marketSequence = {};
const numbered = (line) => {
  const source = /"source":(\d+)/.exec(line)[1];
  marketSequence[source] = (marketSequence[source] || 0) + 1;
  return line.replace('"header":{', `"header":{"sequence":${marketSequence[source]},`);
};
check(market.length > 100 && !market[0].includes('"timestamp"'), `the samples give ${market.length} trades, quotes and books`);
const instrument = /"message_type_name":"Quote".*?"text":"([^"]+)"/.exec(market.find((l) => l.includes('"Quote"')))[1];

const feeders = Object.fromEntries(DOMAINS.map((d) => [d, start(`publish-${d}`, ['publish', path.join(tmp, `${d}.sock`)], { stdin: 'pipe' })]));
const sent = Object.fromEntries(DOMAINS.map((d) => [d, 0]));
const send = (d, obj) => { feeders[d].stdin.write((typeof obj === 'string' ? obj : JSON.stringify(obj)) + '\n'); sent[d] += 1; };
let tick = 0;
let orderId = 0;
const feed = setInterval(() => {
  tick += 1;
  for (let i = 0; i < 10; i++) send('market_data', numbered(market[(tick * 10 + i) % market.length]));
  if (tick % 2 === 0) {
    send('signals', { header: { message_type_name: 'ArbitrageOpportunity', source_name: 'ArbitrageStrategy' },
      base_id: instrument, quote_id: instrument, venue_a: 'Binance', venue_b: 'Kraken', spread_bps: 12 + (tick % 7),
      estimated_profit: 1500000000, confidence: 900 });
  }
  if (tick % 4 === 0) {
    orderId += 1;
    const common = { client_order_id: orderId, instrument_id: instrument, side: 'Buy' };
    send('execution', { header: { message_type_name: 'OrderRequest', source_name: 'ExecutionEngine' }, ...common,
      order_type: 'Limit', price: 6500000000000, quantity: 100000000 });
    send('execution', { header: { message_type_name: 'OrderStatus', source_name: 'ExecutionEngine' }, ...common,
      venue_order_id: 1000 + orderId, status: 'Filled', price: 6500000000000, quantity: 100000000, filled_quantity: 100000000 });
    send('execution', { header: { message_type_name: 'Fill', source_name: 'ExecutionEngine' }, ...common,
      venue_order_id: 1000 + orderId, fill_id: orderId, liquidity: 'Maker', price: 6500000000000, quantity: 100000000 });
    send('execution', { header: { message_type_name: 'ExecutionReport', source_name: 'ExecutionEngine' }, ...common,
      venue_order_id: 1000 + orderId, exec_id: orderId, exec_type: 'Trade', order_status: 'Filled',
      last_price: 6500000000000, last_quantity: 100000000, cumulative_quantity: 100000000 });
  }
}, TICK_MS);
const perSecond = { market_data: 200, signals: 10, execution: 20 };

// ---- the page ----------------------------------------------------------------

browser = await chromium.launch({ executablePath: args.chromium || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1600, height: 1400 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
page.on('requestfailed', (r) => pageErrors.push(`request failed: ${r.url()}`));
const requested = [];
page.on('request', (r) => requested.push(r.url()));
await page.goto(url, { timeout: 15_000 });

const readPage = () => page.evaluate((domains) => {
  const num = (id) => { const el = document.getElementById(id); return el ? Number(el.textContent) : NaN; };
  return {
    updates: Number(document.body.dataset.updates || 0),
    frames: num('frames-total'),
    total: Object.fromEntries(domains.map((d) => [d, num(`total-${d}`)])),
    rate: Object.fromEntries(domains.map((d) => [d, num(`rate-${d}`)])),
    relayIn: Object.fromEntries(domains.map((d) => [d, num(`relay-in-${d}`)])),
    relayToUs: Object.fromEntries(domains.map((d) => [d, num(`relay-to-us-${d}`)])),
    drops: Object.fromEntries(domains.map((d) => [d, num(`relay-drops-${d}`)])),
    gaps: Object.fromEntries(domains.map((d) => [d, num(`gaps-${d}`)])),
    p99: num('latency-p99'),
    rows: Object.fromEntries(['instruments', 'signals', 'orders', 'fills', 'execution_reports', 'types', 'latency', 'sources']
      .map((t) => [t, document.querySelectorAll(`#${t} tbody tr`).length])),
    instrumentsText: document.querySelector('#instruments tbody').textContent,
  };
}, DOMAINS);

// Let every domain run for over two seconds so that rates cover complete seconds.
await waitFor('frames on every domain', async () => {
  const p = await readPage();
  return DOMAINS.every((d) => p.total[d] > 0) && p.updates >= 2;
}, 15_000, 100);
await sleep(2500);

const before = Object.fromEntries(DOMAINS.map((d) => [d, relayStats(d)]));
const a = await readPage();
const after = Object.fromEntries(DOMAINS.map((d) => [d, relayStats(d)]));
await waitFor('three more page updates', async () => (await readPage()).updates >= a.updates + 3, 10_000);
const b = await readPage();

for (const d of DOMAINS) {
  check(b.total[d] > a.total[d], `${d}: frames received moved on the page (${a.total[d]} -> ${b.total[d]})`);
  check(b.rate[d] > perSecond[d] / 4 && b.rate[d] < perSecond[d] * 4,
    `${d}: the page's rate ${b.rate[d]}/s is near the ${perSecond[d]}/s fed`);
  // The page's count comes from a snapshot taken at most a poll (plus a
  // little) before it was read: it cannot exceed what the relay had sent out
  // by the second stats read, and cannot trail the first by more than two
  // seconds of feed.
  // What the relay forwarded: frames_out less its own frames (the catch-up's
  // BEGIN/END, ACKs to an acknowledged producer on execution).
  const slack = perSecond[d] * 2;
  const forwardedBefore = before[d].frames_out - before[d].own_frames;
  const forwardedAfter = after[d].frames_out - after[d].own_frames;
  check(a.total[d] <= forwardedAfter && a.total[d] >= forwardedBefore - slack,
    `${d}: page total ${a.total[d]} within the relay's forwarded frames [${forwardedBefore - slack}, ${forwardedAfter}]`);
  // The relay counters shown are read from the stats socket every 500 ms.
  check(a.relayIn[d] <= after[d].frames_in && a.relayIn[d] >= before[d].frames_in - perSecond[d] * 3,
    `${d}: page's relay frames_in ${a.relayIn[d]} agrees with \`alphapulse stats\` (${before[d].frames_in}..${after[d].frames_in})`);
}
check(b.frames === DOMAINS.reduce((s, d) => s + b.total[d], 0), `the header total ${b.frames} is the sum of the domains`);
check(b.p99 > 0 && b.p99 < 1_000_000, `end-to-end p99 latency shown: ${b.p99} µs`);
check(b.instrumentsText.includes(instrument.split(" ").pop()), `the quotes table shows ${instrument}` + (b.instrumentsText.includes(instrument.split(' ').pop()) ? '' : `: ${b.instrumentsText.slice(0, 300)}`));
for (const t of ['instruments', 'signals', 'orders', 'fills', 'execution_reports']) check(b.rows[t] > 0, `${t} table has ${b.rows[t]} rows`);
check(b.rows.types >= 5, `message types table lists ${b.rows.types} types`);
check(b.rows.sources >= 2, `producers table lists ${b.rows.sources} sources (collectors, execution)`);

// The charts: uPlot draws axes on the canvas even without data, so look for
// the series' own colours (app.js: market_data #4ea1ff, p99 #f06b5f).
const colouredPixels = (selector, [r, g, bl]) => page.evaluate(([sel, rgb]) => {
  const canvas = document.querySelector(`${sel} canvas`);
  if (!canvas || canvas.width === 0) return -1;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - rgb[0]) < 24 && Math.abs(data[i + 1] - rgb[1]) < 24 && Math.abs(data[i + 2] - rgb[2]) < 24 && data[i + 3] > 128) n++;
  }
  return n;
}, [selector, [r, g, bl]]);
const ratePixels = await colouredPixels('#chart-rates', [0x4e, 0xa1, 0xff]);
check(ratePixels > 50, `the rates chart drew the market_data series (${ratePixels} pixels)`);
const latencyPixels = await colouredPixels('#chart-latency', [0xf0, 0x6b, 0x5f]);
check(latencyPixels > 50, `the latency chart drew the p99 series (${latencyPixels} pixels)`);

const shot = path.join(OUT, 'dashboard.png');
await page.screenshot({ path: shot, fullPage: true });
log('screenshot', shot);
// The README's picture: the first screenful (domains, charts, latency, types, quotes), smaller than the whole page.
if (args['docs-screenshot']) await page.screenshot({ path: args['docs-screenshot'], fullPage: false });

// ---- quiet: every frame accounted for ------------------------------------------

clearInterval(feed);
for (const d of DOMAINS) feeders[d].stdin.end();
await waitFor('the publishers to finish', () => DOMAINS.every((d) => feeders[d].exitCode !== null), 15_000);
for (const d of DOMAINS) check(feeders[d].exitCode === 0, `publish ${d} exited 0 after ${sent[d]} frames`);

const settled = await waitFor('the page to show every frame sent', async () => {
  const p = await readPage();
  const stats = Object.fromEntries(DOMAINS.map((d) => [d, relayStats(d)]));
  const done = DOMAINS.every((d) => p.total[d] === sent[d] && p.relayIn[d] === stats[d].frames_in);
  return done ? { p, stats } : null;
}, 10_000, 250);
for (const d of DOMAINS) {
  const { p } = settled;
  const stats = settled.stats[d];
  check(p.total[d] === sent[d], `${d}: the page counted all ${sent[d]} frames published`);
  // frames_out includes the relay's own frames, which clients take and do not
  // deliver: the page counts what was forwarded.
  const forwarded = stats.frames_out - stats.own_frames;
  check(p.total[d] === forwarded,
    `${d}: page total ${p.total[d]} == relay frames_out ${stats.frames_out} - its own ${stats.own_frames}`);
  const ours = stats.clients.find((c) => c.pid === dashboard.pid);
  check(ours && p.relayToUs[d] === ours.frames_out && ours.frames_out - ours.own_frames === p.total[d],
    `${d}: the relay's count for the dashboard's connection (${ours && ours.frames_out}, ${ours && ours.own_frames} its own) matches`);
  check(p.relayIn[d] === stats.frames_in, `${d}: page relay frames_in ${p.relayIn[d]} == alphapulse stats ${stats.frames_in}`);
  const drops = Object.values(stats.drops).reduce((s, n) => s + n, 0);
  check(p.drops[d] === drops && drops === 0, `${d}: no drops, and the page says so`);
  check(p.gaps[d] === 0, `${d}: no sequence gaps seen by the dashboard's client`);
}

const external = requested.filter((u) => !u.startsWith(url));
check(external.length === 0, `the page fetched nothing but from the dashboard (${requested.length} requests)`);
check(pageErrors.length === 0, `no errors in the page${pageErrors.length ? ': ' + pageErrors.join('; ') : ''}`);

await browser.close();
browser = null;
dashboard.kill('SIGTERM');
await waitFor('the dashboard to stop', () => dashboard.exitCode !== null, 5000);
check(dashboard.exitCode === 0, 'the dashboard stops cleanly on SIGTERM');
for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
await sleep(200);
cleanup();
clearTimeout(deadline);
log('PASS');

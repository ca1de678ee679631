// Browser test of the web map against the real hotspot server: one journey per defect and
// per feature of the planner's map, clicking what a person clicks and reading what a person
// reads. Each journey saves a screenshot under target/test-output/browser/.
//
//   scripts/build-web.sh && cargo build --bin hotspot
//   HOTSPOT_BIN=$CARGO_TARGET_DIR/debug/hotspot npm --prefix tests/browser test
//
// By default the test loads the demo into a fresh SQLite file (`hotspot demo --load-only`),
// creates an analyst token (`hotspot token create`) and starts `hotspot serve --open` with an
// administrator base map (`--base-map-url`, whose tiles the test answers itself, so nothing
// leaves the machine). HOTSPOT_BIN defaults to target/release/hotspot. Set HOTSPOT_BASE_URL
// (and HOTSPOT_ANALYST_TOKEN) to test an already running server instead. Without chromium
// the test is skipped, except under CI=true where that is a failure.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const glossary = JSON.parse(await readFile(`${REPO}src/glossary.json`, 'utf8'));

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const OUT = `${REPO}target/test-output`;
const SHOTS = `${OUT}/browser`;
const BIN = process.env.HOTSPOT_BIN ?? `${REPO}target/release/hotspot`;
const READY_TIMEOUT_MS = Number(process.env.HOTSPOT_READY_TIMEOUT_MS ?? 180_000);
const TILES = 'http://tiles.hotspot.test/{z}/{x}/{y}.png';

let server;
let serverLog = '';
let base;
let dbUrl;
let analystToken = process.env.HOTSPOT_ANALYST_TOKEN ?? null;
let browser;
const pageErrors = [];
const foreignRequests = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url, deadline) {
  let last = '';
  while (Date.now() < deadline) {
    if (server && server.exitCode !== null) throw new Error(`server exited with ${server.exitCode} before /readyz:\n${serverLog.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms (${last}):\n${serverLog.slice(-3000)}`);
}

function run(args) {
  const r = spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hotspot ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** A 256×256 light grey PNG: the administrator's "tile server", answered by the test. */
function tilePng() {
  const crc = (buf) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(256, 0);
  ihdr.writeUInt32BE(256, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(256 * 3, 0xc8)]);
  const raw = Buffer.concat(Array.from({ length: 256 }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && CI) {
  test('chromium is installed', () => assert.fail(`${CHROMIUM} not found (CI=true: the browser test must run)`));
}

before(async () => {
  if (chromiumMissing) return;
  await mkdir(SHOTS, { recursive: true });
  if (process.env.HOTSPOT_BASE_URL) {
    base = process.env.HOTSPOT_BASE_URL.replace(/\/$/, '');
  } else {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo build --bin hotspot\` and set HOTSPOT_BIN`);
    const port = await freePort();
    const db = `${OUT}/browser-demo-${port}.db`;
    await rm(db, { force: true });
    dbUrl = `sqlite://${db}`;
    run(['demo', '--db', dbUrl, '--load-only']);
    analystToken = run(['token', 'create', '--db', dbUrl, '--role', 'analyst', '--name', 'browser-test']).trim();
    base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['serve', '--db', dbUrl, '--open', '--addr', `127.0.0.1:${port}`, '--base-map-url', TILES], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => (serverLog += d));
    server.stderr.on('data', (d) => (serverLog += d));
  }
  await waitReady(base, Date.now() + READY_TIMEOUT_MS);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      server.kill('SIGTERM');
    }
  }
});

const skip = chromiumMissing ? `${CHROMIUM} not found` : false;

/** A fresh page as a viewer (anonymous) or an analyst (token in localStorage). */
async function openPage({ role = 'viewer', lang = 'vi', width = 1366, height = 768, query = '' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, locale: lang === 'vi' ? 'vi-VN' : 'en-GB' });
  await context.addInitScript(
    ([token, l]) => {
      if (token) localStorage.setItem('hotspot.token', token);
      localStorage.setItem('hotspot.lang', l);
    },
    [role === 'analyst' ? analystToken : null, lang],
  );
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const origin = new URL(base).origin;
  page.on('request', (r) => {
    const u = r.url();
    if (/^https?:/.test(u) && new URL(u).origin !== origin) foreignRequests.push(u);
  });
  await page.route('http://tiles.hotspot.test/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: tilePng() }));
  await page.goto(`${base}/${query}`);
  await settle(page);
  return page;
}

/** Wait until the map has fetched what it needs and drawn it. */
async function settle(page) {
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading !== 'true', null, { timeout: 60_000 });
  await page.evaluate(() => window.hotspotMap.idle());
}

async function shot(page, name) {
  await page.evaluate(() => window.hotspotMap.idle());
  const path = `${SHOTS}/${name}.png`;
  await page.screenshot({ path });
  assert.ok(existsSync(path));
}

/** Screen point of a lon/lat on the map. */
const at = (page, lngLat) => page.evaluate((ll) => window.hotspotMap.project(ll), lngLat);

/** Lon/lat of the label point of an area (from the loaded layer). */
const areaCentre = (page, id) =>
  page.evaluate((aid) => {
    const f = window.hotspotMap.state.data.areas.features.find((x) => x.properties.id === aid);
    const xs = f.geometry.coordinates.flat(3).filter((_, i) => i % 2 === 0);
    const ys = f.geometry.coordinates.flat(3).filter((_, i) => i % 2 === 1);
    return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
  }, id);

const listTexts = (page) => page.locator('#hotspot-list li .link-btn').allTextContents();

async function search(page, text) {
  await page.fill('#search-input', '');
  await page.type('#search-input', text);
  await page.locator('#search-results li').first().waitFor();
}

async function closePage(page) {
  if (page === shared.viewer || page === shared.analyst) return; // afterEach resets it
  await page.context().close();
}

/**
 * Pages shared by journeys (a page load costs seconds on a debug build): one viewer and one
 * analyst at 1366×768. Each journey leaves its page as it found it (popup and panel closed,
 * the first view back).
 */
const shared = { viewer: null, analyst: null, firstView: null };

async function viewerPage() {
  if (!shared.viewer) {
    shared.viewer = await openPage();
    // The first view, as the planner sees it on arrival (defect 12 checks it).
    shared.firstView = await shared.viewer.evaluate(() => window.hotspotMap.map.getBounds().toArray());
  }
  return shared.viewer;
}

async function analystPage() {
  if (!shared.analyst) shared.analyst = await openPage({ role: 'analyst' });
  return shared.analyst;
}

/** Back to what a planner sees on arrival: no popup, panel or dialog, default layers and
 * filters, Vietnamese, the last month, the first view. Runs after every journey, failed or not. */
async function reset(page) {
  await page.keyboard.press('Escape');
  const changed = await page.evaluate(() => {
    for (const d of document.querySelectorAll('dialog[open]')) d.close();
    document.querySelector('.maplibregl-popup')?.remove();
    if (!document.getElementById('area-panel').hidden) document.getElementById('area-close').click();
    let changed = false;
    const set = (sel, on) => {
      const el = document.querySelector(sel);
      if (el && el.checked !== on) {
        el.checked = on;
        el.dispatchEvent(new Event('change', { bubbles: true }));
        changed = true;
      }
    };
    const lang = document.getElementById('lang-select');
    if (lang.value !== 'vi') {
      lang.value = 'vi';
      lang.dispatchEvent(new Event('change'));
    }
    const defaults = { areas: true, kde: false, hexes: true, emerging: false, hotspots: true, sites: true, reports: true };
    for (const [id, on] of Object.entries(defaults)) set(`#toggle-${id}`, on);
    set('#near-show', false);
    set('#f-act-all', true);
    for (const k of ['school', 'boarding_house', 'industrial_zone']) set(`#f-near-${k}`, false);
    set('#f-noPlan', false);
    set('#f-overdue', false);
    for (const [sel, v] of [['#base-map', 'none'], ['#f-sort', 'reports'], ['#emerging-res', '9']]) {
      const el = document.querySelector(sel);
      if (el && el.value !== v) {
        el.value = v;
        el.dispatchEvent(new Event('change'));
        changed = true;
      }
    }
    const to = document.getElementById('to-month');
    const from = document.getElementById('from-month');
    if (to.value !== to.max || from.value !== '0') {
      from.value = '0';
      to.value = to.max;
      to.dispatchEvent(new Event('input'));
      changed = true;
    }
    window.hotspotMap.fitToData();
    return changed;
  });
  if (changed) await page.waitForTimeout(450); // the month debounce
  await settle(page);
}

afterEach(async () => {
  for (const page of [shared.viewer, shared.analyst]) if (page) await reset(page);
});

// ------------------------------------------------------------------------------ defects

test('defect 1: on a fresh server the analyst sees hotspot ids and the plan of H-000001', { skip }, async () => {
  // Must be the first map load on this server: nothing has asked for the canonical view yet.
  const page = await analystPage();
  const items = await listTexts(page);
  assert.ok(items.length > 0, 'the hotspot list is filled');
  assert.ok(items.every((t) => /Điểm nóng H-\d{6} — /.test(t)), `every listed hotspot has an H- id: ${items.join(' | ')}`);
  await page.locator('[data-hotspot="H-000001"]').click();
  const pop = page.locator('.maplibregl-popup [data-popup="hotspot"]');
  await pop.waitFor();
  const text = await pop.textContent();
  assert.match(text, /Điểm nóng H-000001/);
  assert.match(text, /Phạm Đức Anh/, 'the "6 clears" plan of H-000001 is shown');
  assert.doesNotMatch(text, /Chưa có kế hoạch xử lý/);
  await shot(page, 'defect01-fresh-server-ids-and-plan');
  const analystCount = items.find((t) => t.includes('H-000001'));
  await closePage(page);
  // A viewer arriving later sees the same name and count for the same hotspot.
  const viewer = await viewerPage();
  const vItems = await listTexts(viewer);
  assert.ok(vItems.includes(analystCount), `viewer list ${vItems.join(' | ')} holds ${analystCount}`);
});

test('defect 2: the viewer list opens the hotspot that was clicked', { skip }, async () => {
  const page = await viewerPage();
  const buttons = page.locator('#hotspot-list li .link-btn');
  const n = await buttons.count();
  assert.ok(n >= 2, 'at least two hotspots listed');
  for (const i of [1, n - 1]) {
    const label = await buttons.nth(i).textContent();
    const [, id, count] = /Điểm nóng (\S+) — (\d+) tin báo/.exec(label);
    await buttons.nth(i).click();
    const pop = page.locator('.maplibregl-popup [data-popup="hotspot"]');
    await pop.waitFor();
    await page.waitForFunction((x) => document.querySelector('.maplibregl-popup .popup-title strong')?.textContent?.endsWith(x), id);
    const text = await pop.textContent();
    assert.match(text, new RegExp(`Điểm nóng ${id}`));
    assert.match(text, new RegExp(`Số tin báo${count}`), `popup count ${count} for ${id}: ${text.slice(0, 120)}`);
  }
  await shot(page, 'defect02-viewer-list-opens-clicked-hotspot');
  await closePage(page);
});

test('defect 3: the ward P-ANCUU panel opens by click, in words, for the month shown', { skip }, async () => {
  const page = await viewerPage();
  await page.locator('#toggle-hexes').uncheck();
  const c = await areaCentre(page, 'P-ANCUU-TDP20');
  const p = await at(page, c);
  await page.mouse.click(p.x, p.y);
  const pop = page.locator('.maplibregl-popup [data-popup="area"]');
  await pop.waitFor();
  assert.match(await pop.textContent(), /Tổ dân phố 20/, 'a click inside the ward picks the group under it');
  await pop.locator('[data-open-area="P-ANCUU"]').click();
  const panel = page.locator('#area-panel');
  await panel.waitFor({ state: 'visible' });
  assert.match(await page.locator('#area-title').textContent(), /Phường An Cựu/);
  await page.locator('[data-testid="progress-table"]').waitFor();
  const text = await panel.textContent();
  for (const raw of ['children', 'drug_free', 'expected_share', 'met', '"state"', 'on_track']) assert.ok(!text.includes(raw), `no raw key ${raw} in the panel`);
  const rows = await page.locator('[data-testid="progress-table"] tbody tr').allTextContents();
  assert.equal(rows.length, 3, `three ward targets: ${rows.join(' | ')}`);
  assert.match(rows.join('|'), /30 %.*70 %.*100 %/);
  assert.equal(await page.locator('#area-panel table.progress').count(), 1, 'one progress table, no second contradicting block');
  assert.match(text, /Địa bàn con chưa sạch \(10\/2026\)/, 'the not-yet-clean list is of the month shown');
  await shot(page, 'defect03-ward-panel-by-click');
  await page.locator('#toggle-hexes').check();
  await closePage(page);
});

test('defect 4: the status chart of a residential group is about that group only', { skip }, async () => {
  const page = await viewerPage();
  await search(page, 'to dan pho 7');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Tổ dân phố 7' }).waitFor();
  const src = await page.locator('img[data-chart="status"]').evaluate((img) => new Promise((r) => (img.complete && img.src ? r(img.src) : img.addEventListener('load', () => r(img.src)))));
  assert.ok(src.startsWith('blob:'));
  const svg = await page.evaluate(async () => (await fetch('api/charts/status.svg?area=P-ANCUU-TDP07&lang=vi')).text());
  assert.match(svg, /Tổ dân phố 7/, 'the chart names the group');
  // One area: its stacked bars never exceed 1 (the unscoped chart stacked all 26 areas).
  const ticks = [...svg.matchAll(/<text[^>]*>\s*(\d+)\s*<\/text>/g)].map((m) => Number(m[1])).filter((n) => n < 1000);
  assert.ok(Math.max(...ticks) <= 2, `y axis of one group, ticks ${ticks.join(',')}`);
  await shot(page, 'defect04-status-chart-scope');
  await closePage(page);
});

test('defect 5: the emerging layer shows patterned cells or says why not, with a resolution control', { skip }, async () => {
  const page = await viewerPage();
  await page.locator('#toggle-hexes').uncheck();
  await page.locator('#toggle-emerging').check();
  await settle(page);
  const res = page.locator('#emerging-res');
  await res.waitFor();
  const msg = page.locator('[data-testid="emerging-msg"]');
  const check = async () => {
    const patterned = await page.evaluate(() => window.hotspotMap.state.data.emerging.features.filter((f) => f.properties.category !== 'no_pattern').length);
    const text = await msg.textContent();
    if (patterned > 0) {
      assert.match(text, /ô có xu hướng/);
      assert.ok((await page.locator('[data-layer-item="emerging"] .legend li .sw').count()) > 0, 'the legend lists the patterns drawn');
      await page.waitForFunction(() => window.hotspotMap.rendered('emerging') > 0, null, { timeout: 10_000 }); // patterned cells drawn
    } else {
      assert.match(text, /Không ô nào có xu hướng có ý nghĩa thống kê ở độ phân giải \d/);
    }
    return patterned;
  };
  const atDefault = await check();
  assert.ok(atDefault > 0, 'the default resolution shows patterns on the demo');
  await shot(page, 'defect05-emerging-default');
  await res.selectOption('7');
  await settle(page);
  assert.equal(await check(), 0, 'cells of 1.2 km hold no pattern in one ward');
  await shot(page, 'defect05-emerging-res7-why-not');
  await res.selectOption('9');
  await page.locator('#toggle-emerging').uncheck();
  await page.locator('#toggle-hexes').check();
  await closePage(page);
});

test('defect 6: one "as of" date: header, sliders, month chip, panel and dashboard agree', { skip }, async () => {
  const page = await viewerPage();
  const meta = await page.evaluate(async () => (await fetch('api/meta')).json());
  const asOf = await page.evaluate(() => window.hotspotMap.state.asOf);
  // The server's as-of (a month for viewers, issue 14) is the month the map runs to.
  assert.equal(asOf.slice(0, 7), (meta.as_of ?? meta.last_report).slice(0, 7));
  const [y, m] = asOf.split('-');
  // A viewer is told the month (issue 14: the last day with data is a report's day).
  assert.equal(meta.as_of, `${y}-${m}`);
  const asOfText = `Dữ liệu đến ${m}/${y}`;
  assert.equal(await page.locator('[data-testid="as-of"]').textContent(), asOfText);
  assert.equal(await page.locator('#to-month-out').textContent(), `${m}/${y}`, 'the slider ends at the as-of month');
  assert.equal(await page.locator('[data-testid="month-chip"]').textContent(), `Đang xem: ${m}/${y}`);
  await page.locator('[data-testid="dashboard-btn"]').click();
  await page.locator('[data-testid="dashboard"]').waitFor();
  assert.match(await page.locator('[data-testid="dashboard"] .panel-month').textContent(), new RegExp(`${m}/${y} · ${asOfText}`));
  // The map's groups and the dashboard's counts are the same month's.
  const mapCounts = await page.evaluate(() => {
    const c = {};
    for (const f of window.hotspotMap.state.data.areas.features) if (f.properties.parent_id === 'P-ANCUU') c[f.properties.status] = (c[f.properties.status] ?? 0) + 1;
    return c;
  });
  for (const [status, n] of Object.entries(mapCounts)) {
    assert.equal(await page.locator(`[data-testid="dash-status"] tr[data-status="${status}"] td.num`).textContent(), String(n), `${status} groups`);
  }
  await shot(page, 'defect06-one-as-of-date');
  await closePage(page);
  // An analyst reads the day: "Dữ liệu đến 19/10/2026" in the top bar and on the dashboard.
  const analyst = await analystPage();
  const day = await analyst.evaluate(async () => (await (await fetch('api/meta', { headers: { Authorization: `Bearer ${localStorage.getItem('hotspot.token')}` } })).json()).as_of);
  assert.match(day, /^\d{4}-\d{2}-\d{2}$/);
  const [dy, dm, dd] = day.split('-');
  const dayText = `Dữ liệu đến ${dd}/${dm}/${dy}`;
  assert.equal(await analyst.locator('[data-testid="as-of"]').textContent(), dayText);
  await analyst.locator('[data-testid="dashboard-btn"]').click();
  await analyst.locator('[data-testid="dashboard"]').waitFor();
  assert.match(await analyst.locator('[data-testid="dashboard"] .panel-month').textContent(), new RegExp(`${dm}/${dy} · ${dayText}$`));
  await shot(analyst, 'defect06-one-as-of-date-analyst');
  await closePage(analyst);
});

test('defect 7: charts follow the UI language, enlarge, and download as PNG and SVG', { skip }, async () => {
  const page = await viewerPage();
  await page.selectOption('#lang-select', 'en');
  const chartRequests = [];
  page.on('request', (r) => r.url().includes('/api/charts/') && chartRequests.push(r.url()));
  await search(page, 'an cuu');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'An Cựu' }).waitFor();
  await page.locator('img[data-chart="trend"][src^="blob:"]').waitFor();
  assert.ok(chartRequests.length >= 3 && chartRequests.every((u) => u.includes('lang=en')), `charts asked in English: ${chartRequests.join(' ')}`);
  await page.locator('[data-chart-enlarge="trend"]').click();
  const dlg = page.locator('#chart-dialog');
  await dlg.locator('img[src^="blob:"]').waitFor();
  const box = await dlg.locator('img').boundingBox();
  assert.ok(box.width > 900, `enlarged chart is wide: ${box.width}px`);
  await shot(page, 'defect07-chart-enlarged-english');
  const [png] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-chart-download="trend.png"]').click()]);
  const pngBytes = await readFile(await png.path());
  assert.deepEqual([...pngBytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  const [svg] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-chart-download="trend.svg"]').click()]);
  const svgText = await readFile(await svg.path(), 'utf8');
  assert.match(svgText, /<svg/);
  assert.match(svgText, /Month|Reports/, 'English words in the chart');
  assert.doesNotMatch(svgText, /Tháng|tin báo/, 'no Vietnamese in the English chart');
  await page.locator('#chart-dialog').evaluate((d) => d.close());
  await page.selectOption('#lang-select', 'vi');
  await closePage(page);
});

/** The SVG behind the enlarged chart `kind` of the open panel (what the planner reads there). */
async function enlargedSvg(page, kind) {
  await page.locator(`[data-chart-enlarge="${kind}"]`).click();
  const img = page.locator('#chart-dialog img[src^="blob:"]');
  await img.waitFor();
  const svg = await img.evaluate(async (el) => (await fetch(el.src)).text());
  return svg;
}

/** The words of an SVG's text elements. */
const svgTexts = (svg) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].trim()).filter(Boolean);

test('emerging chart in the area panel: the area\'s patterns, in the UI language, enlarged, downloaded, or why not', { skip }, async () => {
  const page = await viewerPage();
  // The map's emerging layer at its default resolution: the patterns it shows.
  await page.locator('#toggle-emerging').check();
  await settle(page);
  const mapCats = await page.evaluate(() => [...new Set(window.hotspotMap.state.data.emerging.features.map((f) => f.properties.category).filter((c) => c !== 'no_pattern'))]);
  assert.ok(mapCats.length > 0, 'the map shows patterns at the default resolution');
  await search(page, 'an cuu');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Phường An Cựu' }).waitFor();
  const fig = page.locator('figure[data-figure="emerging"]');
  await fig.locator('img[src^="blob:"]').waitFor({ timeout: 30_000 });
  assert.equal(await fig.locator('figcaption').textContent(), 'Xu hướng điểm nóng mới nổi');
  let svg = await enlargedSvg(page, 'emerging');
  let words = svgTexts(svg);
  assert.ok(words.some((w) => w.startsWith('Phường An Cựu') && w.includes('xu hướng điểm nóng mới nổi')), `title of the ward: ${words.slice(0, 3).join(' | ')}`);
  assert.ok(words.filter((w) => /^Tổ dân phố \d+ \(synthetic\)$/.test(w)).length > 1, 'a bar per residential group of the ward');
  // The legend names patterns the map shows, in the glossary's words.
  const legend = Object.entries(glossary.cat).filter(([, e]) => words.includes(e.vi));
  assert.ok(legend.length > 0, `pattern words in the chart: ${words.join(' | ')}`);
  for (const [code] of legend) assert.ok(mapCats.includes(code), `${code} in the chart is a pattern the map shows (${mapCats.join(', ')})`);
  assert.ok(words.includes('Số ô lục giác H3'), 'x axis in Vietnamese');
  await shot(page, 'feature-emerging-chart-ward');
  await page.locator('#chart-dialog').evaluate((d) => d.close());

  // English: the panel follows the UI language.
  await page.selectOption('#lang-select', 'en');
  await page.locator('figure[data-figure="emerging"] figcaption', { hasText: 'Emerging hot spot patterns' }).waitFor();
  await fig.locator('img[src^="blob:"]').waitFor({ timeout: 30_000 });
  svg = await enlargedSvg(page, 'emerging');
  words = svgTexts(svg);
  assert.ok(words.some((w) => w.includes('emerging hot spot patterns')), 'English title');
  assert.ok(words.includes('H3 cells'));
  assert.ok(Object.values(glossary.cat).some((e) => words.includes(e.en)), 'English pattern words');
  assert.doesNotMatch(svg, /xu hướng|Số ô/, 'no Vietnamese in the English chart');
  const dlg = page.locator('#chart-dialog');
  const [png] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-chart-download="emerging.png"]').click()]);
  assert.deepEqual([...(await readFile(await png.path())).subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  const [svgDl] = await Promise.all([page.waitForEvent('download'), dlg.locator('[data-chart-download="emerging.svg"]').click()]);
  assert.match(await readFile(await svgDl.path(), 'utf8'), /emerging hot spot patterns/);
  await dlg.evaluate((d) => d.close());
  await page.selectOption('#lang-select', 'vi');

  // A residential group: the chart is about that group only (one bar), or says why not.
  await search(page, 'to dan pho 7');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Tổ dân phố 7' }).waitFor();
  const groupFig = page.locator('figure[data-figure="emerging"]');
  await groupFig.locator('img[src^="blob:"], [data-chart-empty="emerging"]').first().waitFor({ timeout: 30_000 });
  if (await groupFig.locator('img[src^="blob:"]').count()) {
    words = svgTexts(await enlargedSvg(page, 'emerging'));
    assert.ok(words.some((w) => /^Tổ dân phố 7 \(synthetic\) – /.test(w)), 'titled with the group');
    assert.deepEqual(words.filter((w) => /^Tổ dân phố \d+ \(synthetic\)$/.test(w)), ['Tổ dân phố 7 (synthetic)'], 'one bar: the group itself');
    await page.locator('#chart-dialog').evaluate((d) => d.close());
  } else {
    assert.match(await groupFig.textContent(), /độ phân giải 9/);
  }

  // Larger cells where the ward shows no pattern: the panel says why, in words, and how.
  await search(page, 'an cuu');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Phường An Cựu' }).waitFor();
  await page.locator('#emerging-res').selectOption('7');
  const why = page.locator('#area-panel [data-chart-empty="emerging"]');
  await why.waitFor({ timeout: 30_000 });
  assert.match(await why.textContent(), /Không ô nào của địa bàn này có xu hướng có ý nghĩa thống kê ở độ phân giải 7/);
  assert.equal(await page.locator('figure[data-figure="emerging"] [data-chart-enlarge]').count(), 0, 'nothing to enlarge');
  await shot(page, 'feature-emerging-chart-why-not');
  await page.locator('#emerging-res').selectOption('9');
  await page.locator('#toggle-emerging').uncheck();
  await closePage(page);
});

test('defect 8: map and charts use one palette and one glossary', { skip }, async () => {
  const page = await analystPage();
  // Legend of report dots and kind filter: the glossary's colours and words.
  for (const [code, e] of Object.entries(glossary.kind)) {
    const label = page.locator(`label[for="kind-${code}"]`);
    assert.equal(await label.textContent(), e.vi);
    const colour = await page.locator(`#kind-${code} + .dot`).evaluate((el) => getComputedStyle(el).backgroundColor);
    const hex = e.color.match(/[0-9a-f]{2}/gi).map((x) => parseInt(x, 16));
    assert.equal(colour, `rgb(${hex.join(', ')})`, `${code} colour on the map`);
  }
  const svg = await page.evaluate(async () => (await fetch('api/charts/trend.svg?area=P-ANCUU&lang=vi')).text());
  const svgLow = svg.toLowerCase();
  for (const [code, e] of Object.entries(glossary.kind)) {
    if (!svg.includes(e.vi)) continue; // a kind absent from the data is not in the legend
    const [r, g, b] = e.color.match(/[0-9a-f]{2}/gi).map((x) => parseInt(x, 16));
    assert.ok(svgLow.includes(e.color.toLowerCase()) || svgLow.includes(`rgb(${r},${g},${b})`), `${code} drawn in ${e.color} in the chart`);
  }
  assert.match(svg, /tin báo/);
  assert.doesNotMatch(svg, /báo cáo/, 'one word for reports');
  await shot(page, 'defect08-one-palette');
  await closePage(page);
});

test('defect 9: hotspot polygons win the click over dots and site icons; a site popup tells kind and what is near', { skip }, async () => {
  const page = await analystPage();
  await page.locator('#toggle-hexes').uncheck();
  // A point of the biggest hotspot where a report dot lies (dots are inside hotspots).
  const target = await page.evaluate(() => {
    const hs = window.hotspotMap.state.data.hotspots.features.sort((a, b) => b.properties.count - a.properties.count)[0];
    const c = typeof hs.properties.centroid === 'string' ? JSON.parse(hs.properties.centroid) : hs.properties.centroid;
    const map = window.hotspotMap.map;
    map.jumpTo({ center: c, zoom: 16 });
    return { id: hs.properties.hotspot_id, c };
  });
  await page.evaluate(() => window.hotspotMap.idle());
  const dot = await page.evaluate((c) => {
    const map = window.hotspotMap.map;
    const p = map.project(c);
    const hits = map.queryRenderedFeatures([[p.x - 60, p.y - 60], [p.x + 60, p.y + 60]], { layers: ['reports-circle'] });
    const g = hits[0]?.geometry.coordinates;
    return g ?? c;
  }, target.c);
  const p = await at(page, dot);
  const under = await page.evaluate(({ x, y }) => {
    const r = window.hotspotMap.map.getCanvas().getBoundingClientRect();
    return window.hotspotMap.map.queryRenderedFeatures([x - r.left, y - r.top], { layers: ['reports-circle', 'hotspots-fill'] }).map((f) => f.layer.id);
  }, p);
  assert.ok(under.includes('reports-circle') && under.includes('hotspots-fill'), `a dot inside the hotspot: ${under}`);
  await page.mouse.click(p.x, p.y);
  const pop = page.locator('.maplibregl-popup [data-popup="hotspot"]');
  await pop.waitFor();
  assert.match(await pop.textContent(), new RegExp(target.id));
  await page.keyboard.press('Escape');
  // A site: its popup tells the kind and the hotspots and reports around it.
  await search(page, 'Nhà trọ Hoa Sen');
  await page.keyboard.press('Enter');
  const site = page.locator('.maplibregl-popup [data-popup="site"]');
  await site.waitFor();
  const text = await site.textContent();
  assert.match(text, /Nhà trọ Hoa Sen/);
  assert.match(text, /LoạiNhà trọ/);
  assert.match(text, /Điểm nóng trong bán kính 300 m/);
  await shot(page, 'defect09-click-priority-and-site-popup');
  await page.locator('#toggle-hexes').check();
  await closePage(page);
});

test('defect 10: an open plan past its deadline is marked overdue', { skip }, async () => {
  const page = await viewerPage();
  await search(page, 'to dan pho 7');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Tổ dân phố 7' }).waitFor();
  const plan = page.locator('#area-panel .plan', { hasText: 'Trần Thị Mai' });
  await plan.waitFor();
  // The glossary's word, the one the briefing prints too.
  assert.equal(await plan.locator('[data-overdue="true"]').textContent(), `⚠ ${glossary.plan_state.overdue.vi}`, 'deadline 30/06/2026 passed, still open');
  assert.doesNotMatch(await plan.textContent(), /đang thực hiện/i);
  await shot(page, 'defect10-overdue-plan');
  await closePage(page);
});

test('defect 11: on a phone the title, the month and the map are readable; the sidebar folds away', { skip }, async () => {
  const page = await openPage({ width: 390, height: 844 });
  const title = await page.locator('h1').boundingBox();
  const lang = await page.locator('#lang-select').boundingBox();
  const overlap = !(title.x + title.width <= lang.x || lang.x + lang.width <= title.x || title.y + title.height <= lang.y || lang.y + lang.height <= title.y);
  assert.ok(!overlap, `title ${JSON.stringify(title)} clear of the language select ${JSON.stringify(lang)}`);
  const sidebar = await page.locator('#controls').boundingBox();
  assert.ok(!sidebar || sidebar.x + sidebar.width <= 1, 'sidebar folded away at first');
  assert.match(await page.locator('[data-testid="month-chip"]').textContent(), /Đang xem: \d\d\/\d{4}/);
  assert.ok(await page.locator('[data-testid="month-chip"]').isVisible());
  await shot(page, 'defect11-phone-map');
  await page.locator('#menu-btn').click();
  await page.waitForTimeout(300);
  const open = await page.locator('#controls').boundingBox();
  assert.ok(open.x >= -1 && open.width <= 390 * 0.87, `open sidebar leaves the map visible: ${JSON.stringify(open)}`);
  await shot(page, 'defect11-phone-sidebar');
  await page.locator('#sidebar-close').click();
  await page.waitForTimeout(300);
  const closed = await page.locator('#controls').boundingBox();
  assert.ok(closed.x + closed.width <= 1, 'the close button folds it again');
  await closePage(page);
});

test('defect 12: the first view holds the ward and the biggest active hotspot', { skip }, async () => {
  const page = await viewerPage();
  const r = await page.evaluate((view) => {
    const s = window.hotspotMap.state;
    const [[w, so], [e, n]] = view;
    const inView = (x, y) => x >= w && x <= e && y >= so && y <= n;
    const coords = (f) => f.geometry.coordinates.flat(3);
    const allIn = (f) => {
      const c = coords(f);
      for (let i = 0; i < c.length; i += 2) if (!inView(c[i], c[i + 1])) return false;
      return true;
    };
    const hs = s.data.hotspots.features.filter((f) => !f.properties.dormant).sort((a, b) => b.properties.count - a.properties.count)[0];
    const ward = s.data.areas.features.find((f) => f.properties.id === 'P-ANCUU');
    return { hotspot: hs.properties.hotspot_id ?? hs.properties.cluster, hsIn: allIn(hs), wardIn: allIn(ward) };
  }, shared.firstView);
  assert.ok(r.hsIn, `biggest active hotspot ${r.hotspot} in the first view`);
  assert.ok(r.wardIn, 'the ward in the first view');
  await shot(page, 'defect12-first-view');
  await closePage(page);
});

test('defect 13: one month drives every layer; replay moves that same month', { skip }, async () => {
  const page = await viewerPage();
  const layerRequests = [];
  page.on('request', (r) => r.url().includes('/api/layers/') && layerRequests.push(r.url()));
  const to = page.locator('#to-month');
  const max = Number(await to.getAttribute('max'));
  await to.fill(String(max - 6));
  await page.waitForTimeout(500);
  await settle(page);
  const month = await page.locator('#to-month-out').textContent();
  assert.equal(await page.locator('[data-testid="month-chip"]').textContent(), `Đang xem: ${month}`);
  const [mm, yyyy] = month.split('/');
  const areasMonth = await page.evaluate(() => window.hotspotMap.state.data.areas.features[0].properties.month);
  assert.equal(areasMonth, `${yyyy}-${mm}`, 'area statuses are of the month shown');
  const hotspotsUrl = layerRequests.find((u) => u.includes('/layers/hotspots'));
  assert.ok(hotspotsUrl, 'hotspots recomputed for the month');
  const next = Number(mm) === 12 ? `${Number(yyyy) + 1}-01-01` : `${yyyy}-${String(Number(mm) + 1).padStart(2, '0')}-01`;
  assert.equal(new URL(hotspotsUrl).searchParams.get('to'), next);
  await page.locator('#play-btn').click();
  await page.waitForFunction((m) => document.querySelector('#to-month-out').textContent !== m, month, { timeout: 10_000 });
  await page.locator('#play-btn').click();
  await settle(page);
  const later = await page.locator('#to-month-out').textContent();
  assert.equal(await page.locator('[data-testid="month-chip"]').textContent(), `Đang xem: ${later}`, 'replay moved the one month');
  await shot(page, 'defect13-one-month');
  await to.fill(String(max));
  await page.waitForTimeout(500);
  await settle(page);
  await closePage(page);
});

test('defect 14: small things a planner reads', { skip }, async () => {
  const page = await viewerPage();
  const items = await listTexts(page);
  assert.ok(items.every((t) => / — \d+ tin báo$/.test(t)), `"N tin báo": ${items[0]}`);
  // Status line: "map loaded" goes away.
  await page.waitForFunction(() => document.getElementById('status').textContent === '', null, { timeout: 5000 });
  // Gi* legend: only the classes present.
  const bins = await page.evaluate(() => [...new Set(window.hotspotMap.state.data.hexes.features.map((f) => String(f.properties.bin)))]);
  const legend = await page.locator('[data-layer-item="hexes"] .legend li').allTextContents();
  const words = { 3: 'Nóng, tin cậy 99%', 2: 'Nóng, tin cậy 95%', 1: 'Nóng, tin cậy 90%', '-1': 'Lạnh, tin cậy 90%', '-2': 'Lạnh, tin cậy 95%', '-3': 'Lạnh, tin cậy 99%' };
  for (const [b, w] of Object.entries(words)) assert.equal(legend.includes(w), bins.includes(b), `legend "${w}" iff bin ${b} present`);
  // Density has a unit.
  await page.locator('#toggle-kde').check();
  await settle(page);
  assert.match(await page.locator('[data-layer-item="kde"] .legend').textContent(), /tin báo\/km²/);
  await page.locator('#toggle-kde').uncheck();
  // Dates formatted, one heading each, dormant hotspots marked.
  await search(page, 'to dan pho 7');
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="progress-table"], [data-testid="panel-progress"] p').first().waitFor();
  const panel = await page.locator('#area-panel').textContent();
  assert.doesNotMatch(panel, /\b20\d\d-\d\d\b/, 'no raw YYYY-MM dates');
  const heads = await page.locator('#area-panel h3').allTextContents();
  assert.equal(new Set(heads).size, heads.length, `no duplicated heading: ${heads.join(' | ')}`);
  const dormant = await page.evaluate(() => window.hotspotMap.state.data.hotspots.features.filter((f) => f.properties.dormant).length);
  assert.equal(await page.locator('#hotspot-list li.dormant').count(), Math.min(dormant, 30), 'dormant hotspots are marked in the list');
  // "None within range" names the range.
  const none = await page.evaluate(() => window.hotspotMap.state.data.hotspots.features.find((f) => !(typeof f.properties.nearby_sites === 'string' ? JSON.parse(f.properties.nearby_sites) : f.properties.nearby_sites).some((s) => ['school', 'boarding_house', 'industrial_zone'].includes(s.kind)))?.properties.hotspot_id);
  if (none) {
    await page.locator(`[data-hotspot="${none}"]`).click();
    await page.locator('.maplibregl-popup [data-popup="hotspot"]').waitFor();
    assert.match(await page.locator('.maplibregl-popup').textContent(), /Không có trong bán kính 300 m/);
  }
  await shot(page, 'defect14-small-things');
  await closePage(page);
});

// ------------------------------------------------------------------------------ features

test('dashboard: its numbers equal `hotspot status` and `hotspot progress`', { skip }, async (t) => {
  if (!dbUrl) return t.skip('HOTSPOT_BASE_URL: the CLI cannot read that server\'s database');
  const page = await viewerPage();
  const asOf = await page.evaluate(() => window.hotspotMap.state.asOf);
  await page.locator('[data-testid="dashboard-btn"]').click();
  const dash = page.locator('[data-testid="dashboard"]');
  await dash.waitFor();
  await page.selectOption('#dash-area', 'P-ANCUU');
  await page.locator('[data-testid="dashboard"] [data-testid="progress-table"]').waitFor();
  const status = JSON.parse(run(['status', '--db', dbUrl, '--month', asOf.slice(0, 7), '--json']));
  const cli = {};
  for (const a of status.areas) if (a.id.startsWith('P-ANCUU-')) cli[a.status] = (cli[a.status] ?? 0) + 1;
  for (const s of ['hotspot', 'cleaning', 'clean', 'kept_clean', 'relapsed']) {
    assert.equal(await dash.locator(`[data-testid="dash-status"] tr[data-status="${s}"] td.num`).textContent(), String(cli[s] ?? 0), `${s}: dashboard = hotspot status`);
  }
  const progress = JSON.parse(run(['progress', '--db', dbUrl, '--area', 'P-ANCUU', '--today', asOf, '--json']));
  const rows = await dash.locator('[data-testid="progress-table"] tbody tr').allTextContents();
  assert.equal(rows.length, progress.targets.length);
  progress.targets.forEach((tp, i) => {
    const actual = `${Math.round(tp.actual_share * 100)} %`;
    assert.ok(rows[i].includes(actual), `target ${i + 1}: ${rows[i]} holds ${actual} (hotspot progress)`);
  });
  await shot(page, 'feature-dashboard');
  await closePage(page);
});

test('search: "an cuu" finds the ward without accents, an id finds a hotspot, a name finds a site', { skip }, async () => {
  const page = await viewerPage();
  await search(page, 'an cuu');
  assert.match(await page.locator('#search-results li').first().textContent(), /Phường An Cựu/);
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Phường An Cựu' }).waitFor();
  await shot(page, 'feature-search-ward');
  await page.keyboard.press('Escape');
  await search(page, 'H-000001');
  await page.keyboard.press('Enter');
  await page.locator('.maplibregl-popup [data-popup="hotspot"]', { hasText: 'H-000001' }).waitFor();
  await search(page, 'truong thcs');
  assert.match(await page.locator('#search-results li').first().textContent(), /Trường THCS An Cựu/);
  await page.keyboard.press('Enter');
  await page.locator('.maplibregl-popup [data-popup="site"]', { hasText: 'Trường THCS An Cựu' }).waitFor();
  await shot(page, 'feature-search-site');
  await closePage(page);
});

test('labels: group names and hotspot ids appear when zoomed in, not when zoomed out', { skip }, async () => {
  const page = await viewerPage();
  await page.evaluate(() => window.hotspotMap.map.jumpTo({ zoom: 12 }));
  await page.evaluate(() => window.hotspotMap.idle());
  assert.equal(await page.locator('.map-label.label-group').count(), 0, 'no group names at zoom 12');
  const c = await areaCentre(page, 'P-ANCUU-TDP07');
  await page.evaluate((ll) => window.hotspotMap.map.jumpTo({ center: ll, zoom: 15.5 }), c);
  await page.evaluate(() => window.hotspotMap.idle());
  const groups = await page.locator('.map-label.label-group').allTextContents();
  assert.ok(groups.includes('Tổ dân phố 7'), `group labels: ${groups.slice(0, 5).join(', ')}`);
  assert.ok((await page.locator('.map-label.label-hotspot').count()) > 0, 'hotspot ids labelled');
  await shot(page, 'feature-labels');
  await closePage(page);
});

test('hotspot list filters: without a plan, dormant, near a school, sorted by recency', { skip }, async () => {
  const page = await viewerPage();
  const total = await page.locator('#hotspot-list li .link-btn').count();
  await page.locator('#f-noPlan').check();
  const noPlan = await page.locator('#hotspot-list li .link-btn').count();
  assert.ok(noPlan < total, 'H-000001 (with a plan) is filtered out');
  assert.equal(await page.locator('[data-hotspot="H-000001"]').count(), 0);
  assert.equal(await page.locator('#hotspot-list li .tag.noplan').count(), noPlan);
  await page.locator('#f-noPlan').uncheck();
  await page.locator('#f-act-dormant').check();
  const dormant = await page.locator('#hotspot-list li .link-btn').count();
  assert.equal(await page.locator('#hotspot-list li.dormant').count(), dormant, 'every listed one is dormant');
  await page.locator('#f-act-all').check();
  await page.locator('#f-near-school').check();
  await page.selectOption('#f-radius', '300');
  const nearSchool = await page.evaluate(() =>
    window.hotspotMap.state.data.hotspots.features.filter((f) => (typeof f.properties.nearby_sites === 'string' ? JSON.parse(f.properties.nearby_sites) : f.properties.nearby_sites).some((s) => s.kind === 'school' && s.distance_m <= 300)).length,
  );
  assert.equal(await page.locator('#hotspot-list li .link-btn').count(), nearSchool);
  assert.match(await page.locator('#hotspot-count').textContent(), new RegExp(`${nearSchool} / ${total} điểm nóng`));
  await page.locator('#f-near-school').uncheck();
  await page.selectOption('#f-sort', 'recent');
  const dates = await page.evaluate(() => [...document.querySelectorAll('#hotspot-list li .tags .small')].map((e) => e.textContent.split('/').reverse().join('-')));
  assert.deepEqual(dates, [...dates].sort().reverse(), 'most recent first');
  await shot(page, 'feature-hotspot-filters');
  await page.selectOption('#f-sort', 'reports');
  await closePage(page);
});

test('near sensitive sites: kinds and a radius highlight sites with their counts and nearest distance', { skip }, async () => {
  const page = await analystPage();
  await page.locator('#near-show').check();
  await settle(page);
  await page.locator('#near-radius').fill('500');
  await page.locator('#near-radius').dispatchEvent('change');
  await page.waitForFunction(() => document.querySelector('#near-summary')?.textContent.includes('500 m'));
  await settle(page);
  const summary = await page.locator('#near-summary').textContent();
  const n = Number(/^(\d+)/.exec(summary)[1]);
  assert.ok(n > 0, summary);
  assert.equal(await page.locator('#near-list li').count(), Math.min(n, 20));
  assert.match(await page.locator('#near-list li').first().textContent(), /\d+ tin báo, gần nhất \d+ m/);
  assert.ok((await page.evaluate(() => window.hotspotMap.rendered('near'))) > 0, 'rings drawn');
  await page.locator('#near-kind-school').uncheck();
  await page.locator('#near-kind-boarding_house').uncheck();
  await page.locator('#near-kind-industrial_zone').uncheck();
  assert.match(await page.locator('#near-summary').textContent(), /^0 địa điểm/);
  await page.locator('#near-kind-school').check();
  await shot(page, 'feature-near-sites');
  await closePage(page);
});

test('base map: offline by default, the administrator\'s XYZ map on request', { skip }, async () => {
  const page = await viewerPage();
  assert.equal(await page.locator('#base-map').inputValue(), 'none');
  assert.equal(await page.evaluate(() => !!window.hotspotMap.map.getLayer('base-raster')), false);
  const tiles = [];
  page.on('request', (r) => r.url().startsWith('http://tiles.hotspot.test/') && tiles.push(r.url()));
  await page.selectOption('#base-map', 'xyz');
  await page.waitForFunction(() => !!window.hotspotMap.map.getLayer('base-raster'));
  await page.evaluate(() => window.hotspotMap.idle());
  assert.ok(tiles.length > 0, 'tiles asked from the configured URL');
  await shot(page, 'feature-base-map');
  await page.selectOption('#base-map', 'none');
  await closePage(page);
});

test('plan history: the plan of H-000001 shows its change history', { skip }, async () => {
  const page = await viewerPage();
  await page.locator('[data-hotspot="H-000001"]').click();
  const pop = page.locator('.maplibregl-popup [data-popup="hotspot"]');
  await pop.waitFor();
  await pop.locator('details.history summary').click();
  // The list fills when the history answer arrives (it starts empty).
  await page.waitForFunction(() => {
    const list = document.querySelector('.plan-history');
    return list && list.querySelector('li') && !list.textContent.includes('Đang tải');
  });
  const text = await pop.locator('.plan-history').textContent();
  assert.doesNotMatch(text, /Chưa có lịch sử/, `history listed: ${text}`);
  assert.match(text, /\d\d\/\d\d\/\d{4}/);
  await shot(page, 'feature-plan-history');
  await closePage(page);
});

test('print briefing: the ward panel downloads the monthly briefing PDF', { skip }, async () => {
  const page = await viewerPage();
  await search(page, 'an cuu');
  await page.keyboard.press('Enter');
  await page.locator('#area-title', { hasText: 'Phường An Cựu' }).waitFor();
  const download = page.waitForEvent('download', { timeout: 60_000 });
  download.catch(() => {});
  await page.locator('[data-testid="print-briefing"]').click();
  const failed = page
    .waitForFunction(() => /Không tạo được/.test(document.querySelector('.print-wrap [role=status]')?.textContent ?? ''), null, { timeout: 60_000 })
    .then(
      () => 'failed',
      () => 'timeout',
    );
  const dl = await Promise.race([download, failed]);
  if (typeof dl === 'string') assert.fail(`no briefing downloaded: ${await page.locator('.print-wrap [role=status]').textContent()}`);
  const bytes = await readFile(await dl.path());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.match(dl.suggestedFilename(), /\.pdf$/);
  await shot(page, 'feature-print-briefing');
  await closePage(page);
});

test('layers toggle, language switch, GeoJSON download, and nothing leaves the server', { skip }, async () => {
  const page = await viewerPage();
  await page.locator('#toggle-hexes').uncheck();
  await page.evaluate(() => window.hotspotMap.idle());
  assert.equal(await page.evaluate(() => window.hotspotMap.rendered('hexes')), 0);
  await page.locator('#toggle-hexes').check();
  await settle(page);
  assert.ok((await page.evaluate(() => window.hotspotMap.rendered('hexes'))) > 0);
  await page.selectOption('#lang-select', 'en');
  assert.equal(await page.locator('h1').textContent(), 'Drug hotspot map');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  // A viewer reads the month in English words ("Data as of Oct 2026").
  assert.match(await page.locator('[data-testid="as-of"]').textContent(), /^Data as of [A-Z][a-z]{2} \d{4}$/);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-download="hotspots"]').click()]);
  const fc = JSON.parse(await readFile(await dl.path(), 'utf8'));
  assert.equal(fc.type, 'FeatureCollection');
  assert.equal(fc.features.length, await page.evaluate(() => window.hotspotMap.counts().hotspots));
  await shot(page, 'map');
  await closePage(page);
  assert.deepEqual(
    foreignRequests.filter((u) => !u.startsWith('http://tiles.hotspot.test/')),
    [],
    'no request leaves the hotspot server (no CDN, fonts, glyphs or tiles) except the base map asked for',
  );
  assert.deepEqual(pageErrors, [], 'no script errors');
});

test('issue 11: a large layer is drawn from vector tiles and its count is the true one', { skip: skip || (process.env.HOTSPOT_BASE_URL ? 'starts its own server on synthetic data' : false) }, async () => {
  // A second server on 60 000 synthetic reports: more than one GeoJSON download should hold.
  const port = await freePort();
  const db = `${OUT}/browser-synth-${port}.db`;
  const csv = `${OUT}/browser-synth-${port}.csv`;
  const dbUrl2 = `sqlite://${db}`;
  await rm(db, { force: true });
  run(['synth', '--n', '60000', '--seed', '11', '--out', csv, '-q']);
  run(['import', 'reports', csv, '--db', dbUrl2, '-q']);
  const token = run(['token', 'create', '--db', dbUrl2, '--role', 'analyst', '--name', 'tiles-test']).trim();
  const base2 = `http://127.0.0.1:${port}`;
  const srv = spawn(BIN, ['serve', '--db', dbUrl2, '--addr', `127.0.0.1:${port}`], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  srv.stdout.on('data', (d) => (log += d));
  srv.stderr.on('data', (d) => (log += d));
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  try {
    await waitReady(base2, Date.now() + READY_TIMEOUT_MS).catch((e) => assert.fail(`${e.message}\n${log.slice(-2000)}`));
    const api = async (path) => {
      const res = await fetch(`${base2}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      return res.json();
    };
    // The truth, counted by the store's SQL (OGC numberMatched), not by the map.
    const truth = (await api('/ogc/collections/reports/items?limit=1')).numberMatched;
    assert.ok(truth > 10000, `the journey needs more reports than one GeoJSON page (${truth})`);
    await context.addInitScript((tok) => {
      localStorage.setItem('hotspot.token', tok);
      localStorage.setItem('hotspot.lang', 'en');
    }, token);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const tileRequests = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (/^\/tiles\/.+\.mvt$/.test(u.pathname)) tileRequests.push(u.pathname);
    });
    await page.goto(`${base2}/`);
    await settle(page);

    // Reports: tiled, and the count line shows every report, not the first 10 000.
    const tiled = await page.evaluate(() => window.hotspotMap.tiled());
    assert.ok(tiled.reports, `report points are tiled: ${JSON.stringify(Object.keys(tiled))}`);
    assert.equal(await page.evaluate(() => window.hotspotMap.counts().reports), truth);
    const meta = page.locator('#meta-reports');
    assert.equal(Number((await meta.textContent()).split(' (')[0].replace(/\D/g, '')), truth, await meta.textContent());
    assert.match(await meta.getAttribute('title'), /vector tiles.*zoom 13/, 'the zoom limit of the points is said, not hidden');

    // Hexes follow the same rule: tiled above the threshold, GeoJSON below; the count is true.
    const params = await page.evaluate(() => {
      const s = window.hotspotMap.state;
      return { from: `${s.months[s.fromIdx]}-01`, last: s.months[s.toIdx], res: s.params.res, k: s.params.k };
    });
    const [y, m] = params.last.split('-').map(Number);
    const to = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    const hexTruth = (await api(`/tiles/hexes.json?from=${params.from}&to=${to}&res=${params.res}&k=${params.k}`)).features;
    assert.equal(await page.evaluate(() => window.hotspotMap.counts().hexes), hexTruth);
    assert.equal(Boolean(tiled.hexes), hexTruth > 5000, `hexes (${hexTruth} cells) tiled only above 5000`);

    // Zoomed in where reports are, the points come from .mvt tiles and are drawn.
    const one = (await api('/api/reports?limit=1')).features[0].geometry.coordinates;
    await page.evaluate((c) => window.hotspotMap.map.jumpTo({ center: c, zoom: 14.5 }), one);
    await page.waitForFunction(() => window.hotspotMap.rendered('reports') > 0, null, { timeout: 60_000 });
    assert.ok(tileRequests.some((p) => p.startsWith('/tiles/reports/14/')), `report tiles requested: ${tileRequests.slice(0, 5)}`);
    if (tiled.hexes) assert.ok(tileRequests.some((p) => p.startsWith('/tiles/hexes/')), 'hex tiles requested');
    await shot(page, 'issue11-large-layer-vector-tiles');
    // Below zoom 13 no point is drawn (and the count line said why).
    await page.evaluate((c) => window.hotspotMap.map.jumpTo({ center: c, zoom: 11 }), one);
    await page.evaluate(() => window.hotspotMap.idle());
    assert.equal(await page.evaluate(() => window.hotspotMap.rendered('reports')), 0);
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await context.close();
    try {
      process.kill(-srv.pid, 'SIGTERM');
    } catch {
      srv.kill('SIGTERM');
    }
    for (const f of [db, `${db}-wal`, `${db}-shm`, csv]) await rm(f, { force: true });
  }
});

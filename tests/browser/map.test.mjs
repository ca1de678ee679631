// Browser test of the web map against the real hotspot server.
//
//   scripts/build-web.sh && npm --prefix tests/browser test      (or: cd web && npm test)
//
// Starts `HOTSPOT_SERVER_CMD` (default: `$HOTSPOT_BIN demo --addr 127.0.0.1:{PORT}`,
// HOTSPOT_BIN defaulting to target/release/hotspot; `{PORT}` is replaced by a free port), e.g.
//   HOTSPOT_SERVER_CMD='target/release/hotspot serve --db sqlite://x.db --open --addr 127.0.0.1:{PORT}'
// waits for /readyz, drives /usr/bin/chromium
// through playwright-core and saves target/test-output/map.png. Without chromium the test is
// skipped, except under CI=true where that is a failure. Set HOTSPOT_BASE_URL to test an
// already running server instead of starting one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const OUT = `${REPO}target/test-output`;
const BIN = process.env.HOTSPOT_BIN ?? `${REPO}target/release/hotspot`;
const DEFAULT_CMD = `'${BIN}' demo --db 'sqlite://${OUT}/browser-demo-{PORT}.db' --addr 127.0.0.1:{PORT}`;
const READY_TIMEOUT_MS = Number(process.env.HOTSPOT_READY_TIMEOUT_MS ?? 180_000);

let server;
let serverLog = '';
let base;
let browser;
let page;
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

const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && CI) {
  test('chromium is installed', () => assert.fail(`${CHROMIUM} not found (CI=true: the browser test must run)`));
}

before(async () => {
  if (chromiumMissing) return;
  if (process.env.HOTSPOT_BASE_URL) {
    base = process.env.HOTSPOT_BASE_URL.replace(/\/$/, '');
  } else {
    const port = await freePort();
    await mkdir(OUT, { recursive: true });
    const cmd = (process.env.HOTSPOT_SERVER_CMD ?? DEFAULT_CMD).replaceAll('{PORT}', String(port));
    if (!process.env.HOTSPOT_SERVER_CMD && !existsSync(BIN)) {
      throw new Error(`${BIN} is missing: run \`cargo build --release\` first, or set HOTSPOT_BIN / HOTSPOT_SERVER_CMD`);
    }
    base = `http://127.0.0.1:${port}`;
    server = spawn(cmd, { cwd: REPO, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', (d) => (serverLog += d));
    server.stderr.on('data', (d) => (serverLog += d));
  }
  await waitReady(base, Date.now() + READY_TIMEOUT_MS);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const origin = new URL(base).origin;
  page.on('request', (r) => {
    const u = r.url();
    if (/^https?:/.test(u) && new URL(u).origin !== origin) foreignRequests.push(u);
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM'); // the shell and the server it started
    } catch {
      server.kill('SIGTERM');
    }
  }
});

const skip = chromiumMissing ? `${CHROMIUM} not found` : false;

/** Wait until the map has fetched what it needs and drawn it. */
async function settle() {
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading !== 'true', null, { timeout: 60_000 });
  await page.evaluate(() => window.hotspotMap.idle());
}

test('the map loads, draws hotspots and Gi* cells, and talks only to its own server', { skip }, async () => {
  await page.goto(`${base}/`);
  await settle();
  const me = await (await fetch(`${base}/api/me`)).json();
  const counts = await page.evaluate(() => window.hotspotMap.counts());
  assert.ok(counts.hotspots > 0, `hotspot features loaded: ${JSON.stringify(counts)}`);
  assert.ok(counts.hexes > 0, `hex features loaded: ${JSON.stringify(counts)}`);
  assert.ok(counts.areas > 0, `area features loaded: ${JSON.stringify(counts)}`);
  const drawn = await page.evaluate(() => ({ hotspots: window.hotspotMap.rendered('hotspots'), hexes: window.hotspotMap.rendered('hexes') }));
  assert.ok(drawn.hotspots > 0, `hotspot polygons drawn: ${JSON.stringify(drawn)}`);
  assert.ok(drawn.hexes > 0, `hex cells drawn: ${JSON.stringify(drawn)}`);
  // Report points are for analysts: a viewer gets no toggle for them.
  const reportsToggle = await page.locator('#toggle-reports').count();
  assert.equal(reportsToggle, me.role === 'viewer' ? 0 : 1, `reports toggle for role ${me.role}`);
  assert.deepEqual(foreignRequests, [], 'no request leaves the hotspot server (no CDN, fonts, glyphs or tiles)');
});

test('toggling a layer hides and shows it', { skip }, async () => {
  await page.locator('#toggle-hexes').uncheck();
  await page.evaluate(() => window.hotspotMap.idle());
  const hidden = await page.evaluate(() => ({
    visibility: window.hotspotMap.map.getLayoutProperty('hexes-fill', 'visibility'),
    drawn: window.hotspotMap.rendered('hexes'),
  }));
  assert.deepEqual(hidden, { visibility: 'none', drawn: 0 });
  await page.locator('#toggle-hexes').check();
  await settle();
  assert.ok((await page.evaluate(() => window.hotspotMap.rendered('hexes'))) > 0, 'hex cells drawn again');
});

test('switching the language changes the UI strings', { skip }, async () => {
  assert.equal(await page.locator('h1').textContent(), 'Bản đồ điểm nóng ma túy');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  await page.selectOption('#lang-select', 'en');
  assert.equal(await page.locator('h1').textContent(), 'Drug hotspot map');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.locator('label[for="toggle-hotspots"]').textContent(), 'Hotspot polygons');
});

test('a hotspot opens a popup with its counts and action plan section', { skip }, async () => {
  await page.locator('#hotspot-list button').first().click();
  const pop = page.locator('.maplibregl-popup [data-popup="hotspot"]');
  await pop.waitFor({ timeout: 10_000 });
  const text = await pop.textContent();
  assert.match(text, /Reports/);
  assert.match(text, /Action plan/);
  await page.keyboard.press('Escape');
});

test('a layer downloads as a GeoJSON FeatureCollection', { skip }, async () => {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-download="hotspots"]').click()]);
  assert.match(dl.suggestedFilename(), /\.geojson$/);
  const fc = JSON.parse(await readFile(await dl.path(), 'utf8'));
  assert.equal(fc.type, 'FeatureCollection');
  assert.ok(Array.isArray(fc.features) && fc.features.length > 0, 'features present');
  for (const f of fc.features) {
    assert.equal(f.type, 'Feature');
    assert.ok(['Polygon', 'MultiPolygon'].includes(f.geometry?.type), `hotspot geometry ${f.geometry?.type}`);
  }
  const loaded = await page.evaluate(() => window.hotspotMap.counts().hotspots);
  assert.equal(fc.features.length, loaded, 'the download holds the layer as shown');
});

test('screenshot saved and no script errors', { skip }, async () => {
  await page.keyboard.press('Escape');
  await page.evaluate(() => {
    window.hotspotMap.fitToData();
    document.getElementById('controls').scrollTop = 0;
  });
  await page.evaluate(() => window.hotspotMap.idle());
  await mkdir(OUT, { recursive: true });
  await page.screenshot({ path: `${OUT}/map.png` });
  assert.ok(existsSync(`${OUT}/map.png`));
  assert.deepEqual(pageErrors, []);
});

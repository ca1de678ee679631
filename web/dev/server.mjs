// Development server for the map alone: serves web/dist plus a fake API answering with
// deterministic synthetic fixtures shaped like API.md. Only for looking at the UI while the
// Rust server is not at hand; the browser test targets the real server.
//
//   node dev/server.mjs [port]        (token "analyst" → analyst role, none → viewer)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const PORT = Number(process.argv[2] ?? process.env.PORT ?? 5180);
const CENTER = [107.59, 16.46];
const M_LAT = 1 / 111_320;
const M_LON = 1 / (111_320 * Math.cos((CENTER[1] * Math.PI) / 180));

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const at = (dx, dy) => [+(CENTER[0] + dx * M_LON).toFixed(7), +(CENTER[1] + dy * M_LAT).toFixed(7)];
const KINDS = ['use', 'storage', 'trafficking', 'sale', 'cultivation'];

const clusters = [
  { x: -900, y: 600, n: 60 },
  { x: 700, y: -400, n: 40 },
  { x: 200, y: 1300, n: 25 },
  { x: -1500, y: -1100, n: 18 },
];
const reports = [];
let rid = 0;
for (const c of clusters)
  for (let i = 0; i < c.n; i++) {
    const m = 2 + Math.floor(rnd() * 24);
    reports.push({ id: `R${++rid}`, coord: at(c.x + gauss() * 90, c.y + gauss() * 90), kind: KINDS[Math.floor(rnd() * 4.3)], observed_at: `202${4 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-15` });
  }
for (let i = 0; i < 120; i++) reports.push({ id: `R${++rid}`, coord: at((rnd() - 0.5) * 5000, (rnd() - 0.5) * 4000), kind: KINDS[Math.floor(rnd() * 5)], observed_at: '2025-06-01' });

const ring = (cx, cy, r, n = 6, rot = Math.PI / 6) => {
  const pts = [];
  for (let i = 0; i < n; i++) pts.push(at(cx + r * Math.cos(rot + (i * 2 * Math.PI) / n), cy + r * Math.sin(rot + (i * 2 * Math.PI) / n)));
  pts.push(pts[0]);
  return pts;
};
const fc = (features) => ({ type: 'FeatureCollection', features });

function hexes() {
  const r = 200;
  const w = Math.sqrt(3) * r;
  const out = [];
  for (let q = -14; q <= 14; q++)
    for (let s = -12; s <= 12; s++) {
      const cx = q * w + (s % 2 ? w / 2 : 0);
      const cy = s * 1.5 * r;
      let z = -0.8;
      for (const c of clusters) z += (c.n / 12) * Math.exp(-((cx - c.x) ** 2 + (cy - c.y) ** 2) / (2 * 350 ** 2));
      if (Math.abs(cx) > 2400 && Math.abs(cy) > 1600) z -= 1.2;
      const az = Math.abs(z);
      const bin = Math.sign(z) * (az > 2.58 ? 3 : az > 1.96 ? 2 : az > 1.65 ? 1 : 0);
      out.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring(cx, cy, r)] }, properties: { h3: `89${(q + 50).toString(16)}${(s + 50).toString(16)}fffff`, count: Math.max(0, Math.round(z * 3)), gi_z: +z.toFixed(4), gi_p: +Math.exp(-az).toFixed(4), bin } });
    }
  return fc(out);
}

const STATUSES = ['hotspot', 'cleaning', 'clean', 'kept_clean', 'relapsed'];
function areas(month = '2026-10') {
  const shift = Number(month.slice(5, 7)) + Number(month.slice(0, 4)) * 12;
  const out = [];
  let i = 0;
  for (let gx = -3; gx < 3; gx++)
    for (let gy = -2; gy < 2; gy++) {
      i++;
      const x0 = gx * 1000;
      const y0 = gy * 1000;
      const status = STATUSES[(i * 7 + shift) % 5];
      out.push({
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [[at(x0, y0), at(x0 + 1000, y0), at(x0 + 1000, y0 + 1000), at(x0, y0 + 1000), at(x0, y0)]] },
        properties: { id: `TDP${String(i).padStart(2, '0')}`, name: `Tổ dân phố ${i}`, level: 'residential_group', parent_id: 'AN_CUU', status, status_since: '2025-03-01', declared_status: i % 5 === 0 ? 'clean' : null, discrepancy: i % 5 === 0 && (status === 'hotspot' || status === 'relapsed'), open_plans: i % 3, target_progress: { share: 0.3, due: '2025-12-31', actual: 0.25, on_track: false } },
      });
    }
  return fc(out);
}

function hotspots() {
  return fc(
    clusters.map((c, k) => {
      const counts = Object.fromEntries(KINDS.map((kd, j) => [kd, Math.round((c.n * (5 - j)) / 15)]));
      return {
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [ring(c.x, c.y, 160 + c.n * 2, 9, 0.3)] },
        properties: {
          cluster: k, hotspot_id: `H${k + 1}`, count: c.n, core_count: c.n - 3, ...counts, first_seen: '2024-02-03', last_seen: '2026-09-30', area_m2: 90_000 + c.n * 1000, centroid: at(c.x, c.y),
          nearby_sites: [{ id: 'S1', name: 'Trường THCS Nguyễn Tri Phương', kind: 'school', distance_m: 120 + k * 40 }, { id: 'S3', name: 'Nhà trọ Bình An', kind: 'boarding_house', distance_m: 80 }, { id: 'S4', name: 'Karaoke Sao Mai', kind: 'karaoke', distance_m: 60 }],
          plans: k === 0 ? [{ id: 1, subject: { type: 'hotspot', id: 'H1' }, responsible_person: 'Thượng úy Nguyễn Văn A', task: 'Tuần tra, kiểm tra nhà trọ khu vực', responsible_unit: 'Công an phường An Cựu', deadline: '2026-12-31', expected_result: 'Không còn tin báo trong 6 tháng', approving_authority: 'Trưởng Công an phường', state: 'open' }] : [],
          has_plan: k === 0,
        },
      };
    }),
  );
}

function kde() {
  const h = hexes();
  for (const f of h.features) f.properties = { h3: f.properties.h3, density: Math.max(0, f.properties.gi_z + 0.8) / 1000 };
  h.features = h.features.filter((f) => f.properties.density > 0.0003);
  return h;
}

function emerging() {
  const cats = ['new_hot_spot', 'intensifying_hot_spot', 'persistent_hot_spot', 'diminishing_hot_spot', 'sporadic_hot_spot', 'historical_cold_spot', 'no_pattern'];
  return fc(clusters.map((c, k) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring(c.x, c.y, 500)] }, properties: { h3: `88${k}fffff`, category: cats[k % cats.length], trend_z: 2.1 - k, trend_p: 0.03, hot_steps: 10 - k, cold_steps: 0, steps: 34 } })));
}

const SITE_DEFS = [
  ['S1', 'Trường THCS Nguyễn Tri Phương', 'school', -800, 450],
  ['S2', 'Trường Tiểu học An Cựu', 'school', 900, -100],
  ['S3', 'Nhà trọ Bình An', 'boarding_house', -950, 700],
  ['S4', 'Karaoke Sao Mai', 'karaoke', 650, -500],
  ['S5', 'Nhà nghỉ Hương Giang', 'lodging', 300, 1200],
  ['S6', 'Quán bar Sông Hương', 'entertainment', -1300, -1000],
  ['S7', 'Nhà trọ công nhân', 'boarding_house', 1800, 900],
];
function sites() {
  const f = SITE_DEFS.map(([id, name, kind, x, y]) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: at(x, y) }, properties: { id, name, kind } }));
  f.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[at(1500, -1900), at(2800, -1900), at(2800, -1100), at(1500, -1100), at(1500, -1900)]] }, properties: { id: 'KCN1', name: 'Khu công nghiệp Phú Bài', kind: 'industrial_zone' } });
  return fc(f);
}

function reportFc(url) {
  const kinds = url.searchParams.get('kind')?.split(',');
  const from = url.searchParams.get('from') ?? '0000';
  const to = url.searchParams.get('to') ?? '9999';
  return fc(reports.filter((r) => (!kinds || kinds.includes(r.kind)) && r.observed_at >= from && r.observed_at < to).map((r) => ({ type: 'Feature', id: r.id, geometry: { type: 'Point', coordinates: r.coord }, properties: { id: r.id, kind: r.kind, observed_at: r.observed_at } })));
}

const role = (req) => (/Bearer analyst/.test(req.headers.authorization ?? '') ? 'analyst' : 'viewer');
const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const p = url.pathname;
  const layer = (name, body) => {
    const headers = { 'Content-Type': 'application/geo+json' };
    if (url.searchParams.get('download') === '1') headers['Content-Disposition'] = `attachment; filename="${name}.geojson"`;
    setTimeout(() => send(res, 200, body, headers), 60);
  };
  if (p === '/readyz' || p === '/healthz') return send(res, 200, { status: 'ok' });
  if (p === '/api/me') return send(res, 200, { role: role(req), name: role(req) === 'viewer' ? 'anonymous' : 'analyst' });
  if (p === '/api/meta') return send(res, 200, { dataset_version: 1, first_report: '2024-01-03', last_report: '2026-10-30', counts: { reports: reports.length, sites: 8, areas: 24 }, bbox: [...at(-3000, -2000), ...at(3000, 2000)], kinds: KINDS });
  if (p === '/api/reports') return role(req) === 'viewer' ? send(res, 403, { error: 'analyst role required' }) : layer('reports', reportFc(url));
  if (p === '/api/layers/hotspots') return layer('hotspots', hotspots());
  if (p === '/api/layers/hexes') return layer('hexes', hexes());
  if (p === '/api/layers/kde') return layer('kde', kde());
  if (p === '/api/layers/sites') return layer('sites', sites());
  if (p === '/api/layers/areas') return layer('areas', areas(url.searchParams.get('month') ?? undefined));
  if (p === '/api/layers/emerging') return layer('emerging', emerging());
  if (p === '/api/plans') return send(res, 200, []);
  if (p === '/api/progress') return send(res, 200, { area: url.searchParams.get('area'), targets: [{ due: '2025-12-31', share: 0.3, actual: 0.35, on_track: true }, { due: '2026-12-31', share: 0.7, actual: 0.35, on_track: false }], not_clean: ['TDP03', 'TDP07'] });
  if (p.startsWith('/api/')) return send(res, 404, { error: 'not found' });
  const file = normalize(join(DIST, p === '/' ? 'index.html' : p));
  if (!file.startsWith(DIST)) return send(res, 403, { error: 'forbidden' });
  try {
    const data = await readFile(file);
    send(res, 200, data, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
  } catch {
    send(res, 404, { error: 'not found' });
  }
}).listen(PORT, '127.0.0.1', () => console.log(`dev server on http://127.0.0.1:${PORT}/`));

/**
 * hotspot web map: wires the API, the MapLibre map and the side controls together.
 * State is one plain object; every control change marks the affected layers stale and
 * `refresh()` fetches only the visible stale ones.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import * as maplibregl from 'maplibre-gl';
import { type GeoJSONSource, type LngLatBoundsLike, type MapGeoJSONFeature, type StyleSpecification } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import { ApiError, download, fetchMe, fetchMeta, getJson, getLayer, getToken, roleAtLeast, setToken, url, type Me, type Meta } from './api';
import { closeAreaPanel, isAreaPanelOpen, openAreaPanel } from './areaPanel';
import { h } from './dom';
import { fmtMonth, fmtNum, initLang, lang, onLangChange, setLang, t, tCode, type Key } from './i18n';
import {
  LAYERS,
  REPORT_KINDS,
  SITE_KINDS,
  coarserLevelFilter,
  drawSiteIcon,
  finestLevel,
  finestLevelFilter,
  kdePaint,
  siteIconDataUrl,
  sourceId,
  type LayerDef,
  type LayerId,
} from './layers';
import { areaPopup, emergingPopup, hexPopup, hotspotPopup, kdePopup, reportPopup, sitePopup, type Plan } from './popups';

// build.mjs copies the worker next to the bundle; resolve it relative to this module.
maplibregl.setWorkerUrl(new URL('./maplibre-gl-worker.js', import.meta.url).href);

interface State {
  me: Me | null;
  meta: Meta;
  months: string[];
  fromIdx: number;
  toIdx: number;
  statusIdx: number;
  kinds: Set<string>;
  params: { eps_m: number; min_pts: number; res: number; k: number; fdr: boolean };
  visible: Record<LayerId, boolean>;
  data: Partial<Record<LayerId, FeatureCollection>>;
  stale: Set<LayerId>;
  errors: Partial<Record<LayerId, string>>;
  loading: Set<LayerId>;
  plans: Plan[] | null;
}

const state: State = {
  me: null,
  meta: {},
  months: [],
  fromIdx: 0,
  toIdx: 0,
  statusIdx: 0,
  kinds: new Set(REPORT_KINDS),
  params: { eps_m: 150, min_pts: 5, res: 9, k: 1, fdr: false },
  visible: Object.fromEntries(LAYERS.map((l) => [l.id, l.defaultVisible])) as Record<LayerId, boolean>,
  data: {},
  stale: new Set(LAYERS.map((l) => l.id)),
  errors: {},
  loading: new Set(),
  plans: null,
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let map: maplibregl.Map;
let popup: maplibregl.Popup | null = null;
const generation: Partial<Record<LayerId, number>> = {};
let readyResolve: () => void;
const ready = new Promise<void>((r) => (readyResolve = r));

// ---------------------------------------------------------------- time helpers

function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.slice(0, 7).split('-').map(Number);
  const [ly, lm] = last.slice(0, 7).split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
    if (out.length > 600) break;
  }
  return out;
}

function nextMonthStart(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

function visible(def: LayerDef): boolean {
  return state.visible[def.id] && allowed(def);
}

function allowed(def: LayerDef): boolean {
  return roleAtLeast(state.me?.role, def.role);
}

// ---------------------------------------------------------------- layer URLs

function layerParams(def: LayerDef): Record<string, string | number | boolean | undefined> {
  const p: Record<string, string | number | boolean | undefined> = {};
  if (def.reportBased && state.months.length) {
    p.from = `${state.months[state.fromIdx]}-01`;
    p.to = nextMonthStart(state.months[state.toIdx]);
    if (state.kinds.size < REPORT_KINDS.length) p.kind = [...state.kinds].join(',');
  }
  switch (def.id) {
    case 'hotspots':
      p.eps_m = state.params.eps_m;
      p.min_pts = state.params.min_pts;
      break;
    case 'hexes':
      p.res = state.params.res;
      p.k = state.params.k;
      if (state.params.fdr) p.fdr = true;
      break;
    case 'areas':
      if (state.months.length) p.month = state.months[state.statusIdx];
      break;
    case 'reports':
      p.limit = 10000;
      break;
  }
  return p;
}

function layerUrl(def: LayerDef, extra: Record<string, string | number | boolean> = {}): string {
  return url(def.path, { ...layerParams(def), ...extra });
}

// ---------------------------------------------------------------- loading

function setStatus(text: string): void {
  $('status').textContent = text;
}

async function loadLayer(def: LayerDef): Promise<void> {
  const gen = (generation[def.id] ?? 0) + 1;
  generation[def.id] = gen;
  state.loading.add(def.id);
  renderLayerMeta(def.id);
  try {
    const fc = await getLayer(layerUrl(def));
    if (generation[def.id] !== gen) return;
    state.data[def.id] = fc;
    delete state.errors[def.id];
    state.stale.delete(def.id);
    (map.getSource(sourceId(def.id)) as GeoJSONSource).setData(fc);
    if (def.id === 'kde') {
      const max = Math.max(0, ...fc.features.map((f) => Number(f.properties?.density) || 0));
      const paint = kdePaint(max);
      map.setPaintProperty('kde-fill', 'fill-color', paint.color);
      map.setPaintProperty('kde-fill', 'fill-opacity', paint.opacity);
    }
    if (def.id === 'areas') styleAreaLevels(fc);
    if (def.id === 'hotspots') renderHotspotList();
    if (def.id === 'emerging') renderLayerList();
  } catch (e) {
    if (generation[def.id] !== gen) return;
    state.errors[def.id] = e instanceof Error ? e.message : String(e);
    if (e instanceof ApiError && (e.status === 401 || e.status === 403) && def.role !== 'viewer') {
      // Role changed under us (token revoked): hide the layer rather than show an error.
      state.visible[def.id] = false;
    }
  } finally {
    if (generation[def.id] === gen) {
      state.loading.delete(def.id);
      renderLayerMeta(def.id);
      $('map').dataset[`count${def.id[0].toUpperCase()}${def.id.slice(1)}`] = String(state.data[def.id]?.features.length ?? 0);
    }
  }
}

/**
 * Fill by status only the finest level the data holds (normally residential groups) and draw
 * every coarser level as an outline, so nested units never stack their fills.
 */
function styleAreaLevels(fc: FeatureCollection): void {
  const finest = finestLevel(fc.features.map((f) => f.properties?.level));
  if (!finest) return;
  const changed = finest !== areaFinest;
  areaFinest = finest;
  for (const id of ['areas-fill', 'areas-line']) map.setFilter(id, finestLevelFilter(finest));
  for (const id of ['areas-boundary-casing', 'areas-boundary']) map.setFilter(id, coarserLevelFilter(finest));
  if (changed) renderLayerList();
}

let areaFinest: string | null = null;

/** Fetch every visible, stale layer in parallel. */
async function refresh(): Promise<void> {
  const todo = LAYERS.filter((d) => visible(d) && state.stale.has(d.id));
  if (!todo.length) return;
  setStatus(t('loading'));
  document.body.dataset.loading = 'true';
  await Promise.all(todo.map(loadLayer));
  const errs = todo.filter((d) => state.errors[d.id]);
  setStatus(errs.length ? `${t('load_error')}: ${errs.map((d) => t(d.title)).join(', ')}` : t('loaded'));
  document.body.dataset.loading = 'false';
}

function markStale(pred: (d: LayerDef) => boolean): void {
  for (const d of LAYERS) if (pred(d)) state.stale.add(d.id);
}

function applyVisibility(): void {
  for (const def of LAYERS) {
    const v = visible(def) ? 'visible' : 'none';
    for (const s of def.styles) if (map.getLayer(s.id)) map.setLayoutProperty(s.id, 'visibility', v);
  }
}

// ---------------------------------------------------------------- sidebar: layers + legends

function legendNode(def: LayerDef): HTMLElement {
  const ul = h('ul', { class: 'legend', 'aria-label': `${t('legend')}: ${t(def.title)}` });
  // Seventeen emerging categories are too many to read: list the ones the data holds.
  const present = def.id === 'emerging' && state.data.emerging ? new Set(state.data.emerging.features.map((f) => String(f.properties?.category))) : null;
  // Boundary lines only for the coarser levels the data holds.
  const levels = def.id === 'areas' && state.data.areas ? new Set(state.data.areas.features.map((f) => String(f.properties?.level))) : null;
  for (const item of def.legend) {
    if (present && item.label.code && !present.has(item.label.code)) continue;
    if (item.label.prefix === 'boundary' && levels && (!levels.has(item.label.code!) || item.label.code === areaFinest)) continue;
    const label = item.label.key ? t(item.label.key) : tCode(item.label.prefix!, item.label.code!);
    let sw: HTMLElement;
    switch (item.swatch.kind) {
      case 'icon':
        sw = h('img', { class: 'sw-icon', src: siteIconDataUrl(item.swatch.icon!), alt: '' });
        break;
      case 'circle':
        sw = h('span', { class: 'sw sw-circle', style: `background:${item.swatch.color}` });
        break;
      case 'dashed':
        sw = h('span', { class: 'sw sw-dashed', style: `border-color:${item.swatch.color}` });
        break;
      case 'line':
        sw = h('span', { class: 'sw sw-line', style: `border-top-color:${item.swatch.color};border-top-width:${item.swatch.width ?? 2}px` });
        break;
      case 'ramp':
        sw = h('span', { class: 'sw sw-ramp', style: `background:${item.swatch.color}` });
        break;
      default:
        sw = h('span', { class: 'sw', style: `background:${item.swatch.color};border-color:${item.swatch.stroke ?? 'rgba(0,0,0,.35)'}` });
    }
    if (item.swatch.kind === 'ramp') {
      ul.append(h('li', { class: 'ramp' }, h('span', {}, t('density_low')), sw, h('span', {}, t('density_high'))));
    } else {
      ul.append(h('li', {}, sw, h('span', {}, label)));
    }
  }
  return ul;
}

function renderLayerList(): void {
  const list = $('layer-list');
  list.replaceChildren();
  // Top of the list = top of the map.
  for (const def of [...LAYERS].reverse()) {
    if (!allowed(def)) continue;
    const id = `toggle-${def.id}`;
    const cb = h('input', { type: 'checkbox', id, 'data-layer': def.id });
    cb.checked = state.visible[def.id];
    cb.addEventListener('change', () => {
      state.visible[def.id] = cb.checked;
      applyVisibility();
      renderLayerList();
      void refresh();
    });
    const dl = h('button', { type: 'button', class: 'icon-btn dl', 'data-download': def.id, title: t('download_layer'), 'aria-label': `${t('download_layer')}: ${t(def.title)}` }, '⤓');
    dl.addEventListener('click', () => {
      setStatus(t('loading'));
      download(layerUrl(def, { download: 1 }), `${def.id}.geojson`)
        .then(() => setStatus(''))
        .catch((e: unknown) => setStatus(`${t('load_error')}: ${e instanceof Error ? e.message : e}`));
    });
    const li = h(
      'li',
      { class: 'layer-item', 'data-layer-item': def.id },
      h('div', { class: 'layer-row' }, cb, h('label', { for: id }, t(def.title)), h('span', { class: 'layer-meta', id: `meta-${def.id}` }), dl),
    );
    if (state.visible[def.id]) li.append(legendNode(def));
    list.append(li);
    renderLayerMeta(def.id);
  }
}

function renderLayerMeta(id: LayerId): void {
  const el = document.getElementById(`meta-${id}`);
  if (!el) return;
  if (state.loading.has(id)) el.textContent = '…';
  else if (state.errors[id]) {
    el.textContent = '⚠';
    el.title = state.errors[id]!;
  } else if (state.data[id] && state.visible[id]) {
    el.textContent = fmtNum(state.data[id]!.features.length);
    el.title = `${fmtNum(state.data[id]!.features.length)} ${t('features')}`;
  } else el.textContent = '';
}

function renderKindFilter(): void {
  const fs = $('kind-filter');
  fs.querySelectorAll('.check').forEach((n) => n.remove());
  for (const k of REPORT_KINDS) {
    const id = `kind-${k}`;
    const cb = h('input', { type: 'checkbox', id, value: k });
    cb.checked = state.kinds.has(k);
    cb.addEventListener('change', () => {
      if (cb.checked) state.kinds.add(k);
      else state.kinds.delete(k);
      markStale((d) => d.reportBased);
      void refresh();
    });
    fs.append(h('div', { class: 'check' }, cb, h('span', { class: `dot kind-${k}`, 'aria-hidden': 'true' }), h('label', { for: id }, tCode('kind', k))));
  }
}

function renderHotspotList(): void {
  const ol = $('hotspot-list');
  ol.replaceChildren();
  const feats = [...(state.data.hotspots?.features ?? [])].sort((a, b) => Number(b.properties?.count ?? 0) - Number(a.properties?.count ?? 0));
  for (const f of feats.slice(0, 12)) {
    const p = f.properties ?? {};
    const btn = h('button', { type: 'button', class: 'link-btn' }, `${t('hotspot')} ${p.hotspot_id ?? p.cluster} — ${fmtNum(Number(p.count ?? 0))} ${t('reports_total').toLowerCase()}`);
    btn.addEventListener('click', () => focusFeature(f));
    ol.append(h('li', {}, btn));
  }
  if (!feats.length) ol.append(h('li', { class: 'muted' }, t('no_data')));
}

function bboxOf(f: Feature): [number, number, number, number] | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      minX = Math.min(minX, c[0] as number);
      maxX = Math.max(maxX, c[0] as number);
      minY = Math.min(minY, c[1] as number);
      maxY = Math.max(maxY, c[1] as number);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if (f.geometry && 'coordinates' in f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null;
}

function focusFeature(f: Feature): void {
  const b = bboxOf(f);
  if (!b) return;
  map.fitBounds(b as LngLatBoundsLike, { padding: 80, maxZoom: 16, duration: 600 });
  map.once('moveend', () => showPopup('hotspots', f.properties ?? {}, [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]));
}

// ---------------------------------------------------------------- time controls

function renderTimeOutputs(): void {
  if (!state.months.length) return;
  $('from-month-out').textContent = fmtMonth(state.months[state.fromIdx]);
  $('to-month-out').textContent = fmtMonth(state.months[state.toIdx]);
  $('status-month-out').textContent = fmtMonth(state.months[state.statusIdx]);
  $<HTMLInputElement>('from-month').setAttribute('aria-valuetext', fmtMonth(state.months[state.fromIdx]));
  $<HTMLInputElement>('to-month').setAttribute('aria-valuetext', fmtMonth(state.months[state.toIdx]));
  $<HTMLInputElement>('status-month').setAttribute('aria-valuetext', fmtMonth(state.months[state.statusIdx]));
  $('play-btn').textContent = playTimer ? `⏸ ${t('pause')}` : `▶ ${t('play')}`;
}

let timeDebounce: number | undefined;
let playTimer: number | undefined;

function setupTimeControls(): void {
  const from = $<HTMLInputElement>('from-month');
  const to = $<HTMLInputElement>('to-month');
  const status = $<HTMLInputElement>('status-month');
  const max = String(Math.max(0, state.months.length - 1));
  for (const el of [from, to, status]) el.max = max;
  from.value = String(state.fromIdx);
  to.value = String(state.toIdx);
  status.value = String(state.statusIdx);
  const onRange = (which: 'from' | 'to') => {
    let f = Number(from.value);
    let tt = Number(to.value);
    if (f > tt) {
      if (which === 'from') tt = f;
      else f = tt;
      from.value = String(f);
      to.value = String(tt);
    }
    state.fromIdx = f;
    state.toIdx = tt;
    renderTimeOutputs();
    window.clearTimeout(timeDebounce);
    timeDebounce = window.setTimeout(() => {
      markStale((d) => d.reportBased);
      void refresh();
    }, 350);
  };
  from.addEventListener('input', () => onRange('from'));
  to.addEventListener('input', () => onRange('to'));
  status.addEventListener('input', () => {
    state.statusIdx = Number(status.value);
    renderTimeOutputs();
    markStale((d) => d.id === 'areas');
    void refresh();
  });
  $('play-btn').addEventListener('click', () => togglePlay());
  renderTimeOutputs();
}

function togglePlay(): void {
  const btn = $('play-btn');
  const status = $<HTMLInputElement>('status-month');
  if (playTimer) {
    window.clearInterval(playTimer);
    playTimer = undefined;
    btn.setAttribute('aria-pressed', 'false');
  } else {
    if (state.statusIdx >= state.months.length - 1) state.statusIdx = 0;
    btn.setAttribute('aria-pressed', 'true');
    const step = () => {
      if (state.statusIdx >= state.months.length - 1) return togglePlay();
      state.statusIdx += 1;
      status.value = String(state.statusIdx);
      markStale((d) => d.id === 'areas');
      void refresh();
      renderTimeOutputs();
    };
    playTimer = window.setInterval(step, 1200);
    status.value = String(state.statusIdx);
    markStale((d) => d.id === 'areas');
    void refresh();
  }
  renderTimeOutputs();
}

function setupParams(): void {
  const form = $<HTMLFormElement>('params-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const fd = new FormData(form);
    state.params = {
      eps_m: Number(fd.get('eps_m')),
      min_pts: Number(fd.get('min_pts')),
      res: Number(fd.get('res')),
      k: Number(fd.get('k')),
      fdr: fd.get('fdr') === 'on',
    };
    markStale((d) => d.id === 'hotspots' || d.id === 'hexes');
    void refresh();
  });
}

// ---------------------------------------------------------------- auth

function renderAuth(): void {
  const role = state.me?.role;
  $('role-badge').textContent = role ? `${t('role')}: ${tCode('role', role)}${state.me?.name && state.me.name !== 'anonymous' ? ` · ${state.me.name}` : ''}` : '';
  $('login-btn').textContent = getToken() ? t('logout') : t('login');
}

function setupAuth(): void {
  const dialog = $<HTMLDialogElement>('login-dialog');
  const input = $<HTMLInputElement>('token-input');
  $('login-btn').addEventListener('click', () => {
    if (getToken()) {
      setToken(null);
      void reloadRole();
      return;
    }
    $('login-error').textContent = '';
    input.value = '';
    dialog.showModal();
    input.focus();
  });
  $('login-cancel').addEventListener('click', () => dialog.close());
  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    try {
      await fetchMe(token);
      setToken(token);
      dialog.close();
      await reloadRole();
    } catch {
      $('login-error').textContent = t('login_failed');
    }
  });
}

async function fetchRole(): Promise<Me | null> {
  try {
    return await fetchMe();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && getToken()) {
      setToken(null); // stale token: fall back to anonymous
      try {
        return await fetchMe();
      } catch {
        return null;
      }
    }
    return null;
  }
}

async function reloadRole(): Promise<void> {
  state.me = await fetchRole();
  state.plans = null;
  renderAuth();
  markStale(() => true);
  applyVisibility();
  renderLayerList();
  await refresh();
}

// ---------------------------------------------------------------- popups

async function plansFor(type: 'hotspot' | 'area', id: string, inline: unknown): Promise<Plan[]> {
  const own = typeof inline === 'string' ? safeParse(inline) : inline;
  if (Array.isArray(own)) return own as Plan[];
  if (state.plans === null) {
    try {
      const body = await getJson<unknown>(url('api/plans'));
      state.plans = (Array.isArray(body) ? body : ((body as { plans?: Plan[] })?.plans ?? [])) as Plan[];
    } catch {
      state.plans = [];
    }
  }
  return state.plans.filter((p) => p.subject?.type === type && String(p.subject?.id) === id);
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Look the clicked feature up in the fetched data: MapLibre flattens nested properties. */
function original(id: LayerId, key: string, value: unknown): Record<string, unknown> | undefined {
  return state.data[id]?.features.find((f) => f.properties?.[key] === value)?.properties ?? undefined;
}

async function showPopup(layer: LayerId, props: Record<string, unknown>, lngLat: [number, number]): Promise<void> {
  let content: HTMLElement;
  switch (layer) {
    case 'hotspots': {
      const p = original('hotspots', 'hotspot_id', props.hotspot_id) ?? original('hotspots', 'cluster', props.cluster) ?? props;
      content = hotspotPopup(p, await plansFor('hotspot', String(p.hotspot_id ?? p.cluster), p.plans));
      break;
    }
    case 'areas': {
      const p = original('areas', 'id', props.id) ?? props;
      content = areaPopup(p, async () => {
        popup?.remove();
        openAreaPanel(p, await plansFor('area', String(p.id), undefined));
      });
      break;
    }
    case 'hexes':
      content = hexPopup(props);
      break;
    case 'kde':
      content = kdePopup(props);
      break;
    case 'emerging':
      content = emergingPopup(props);
      break;
    case 'sites':
      content = sitePopup(props);
      break;
    default:
      content = reportPopup(props);
  }
  popup?.remove();
  // focusAfterOpen would scroll the map container when the popup sticks out; focus by hand.
  popup = new maplibregl.Popup({ maxWidth: '340px', focusAfterOpen: false }).setLngLat(lngLat).setDOMContent(content).addTo(map);
  popup.getElement()?.querySelector<HTMLElement>('button')?.focus({ preventScroll: true });
}

function setupClicks(): void {
  // Topmost first: points, then polygons, areas last.
  const order: LayerId[] = ['reports', 'sites', 'hotspots', 'emerging', 'hexes', 'kde', 'areas'];
  const clickable = () => order.flatMap((id) => (visible(LAYERS.find((d) => d.id === id)!) ? LAYERS.find((d) => d.id === id)!.clickable : []));
  map.on('click', (e) => {
    const layers = clickable().filter((l) => map.getLayer(l));
    if (!layers.length) return;
    const hits: MapGeoJSONFeature[] = map.queryRenderedFeatures(e.point, { layers });
    if (!hits.length) return;
    const rank = (f: MapGeoJSONFeature) => order.indexOf(f.source.replace('src-', '') as LayerId);
    hits.sort((a, b) => rank(a) - rank(b));
    const f = hits[0];
    void showPopup(f.source.replace('src-', '') as LayerId, f.properties, [e.lngLat.lng, e.lngLat.lat]);
  });
  map.on('mousemove', (e) => {
    const layers = clickable().filter((l) => map.getLayer(l));
    const hit = layers.length > 0 && map.queryRenderedFeatures(e.point, { layers }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
}

// ---------------------------------------------------------------- map

function baseStyle(): StyleSpecification {
  const tiles = new URL(location.href).searchParams.get('tiles');
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } }],
  };
  // Optional raster base map, off by default: ?tiles=https://host/{z}/{x}/{y}.png
  if (tiles && /^https?:\/\/|^\//.test(tiles)) {
    style.sources.base = { type: 'raster', tiles: [tiles], tileSize: 256 };
    style.layers.push({ id: 'base-raster', type: 'raster', source: 'base', paint: { 'raster-opacity': 0.8 } });
  }
  return style;
}

function addLayers(): void {
  for (const k of SITE_KINDS) map.addImage(`site-${k}`, drawSiteIcon(k, 40), { pixelRatio: 2 });
  const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
  for (const def of LAYERS) map.addSource(sourceId(def.id), { type: 'geojson', data: empty });
  // Draw order: status fill of the finest areas at the bottom, then kde, hexes and emerging
  // cells above it, then the coarser area boundaries, hotspots, sites, reports.
  const byId = Object.fromEntries(LAYERS.map((d) => [d.id, d]));
  const area = (id: string) => byId.areas.styles.find((s) => s.id === id)!;
  const ordered = [
    area('areas-fill'),
    area('areas-line'),
    ...byId.kde.styles,
    ...byId.hexes.styles,
    ...byId.emerging.styles,
    area('areas-boundary-casing'),
    area('areas-boundary'),
    area('areas-discrepancy'),
    ...byId.hotspots.styles,
    byId.sites.styles[0],
    byId.sites.styles[1],
    ...byId.reports.styles,
    byId.sites.styles[2],
  ];
  for (const s of ordered) map.addLayer(s);
}

/**
 * The working extent of a planner: the ward(s) whose residential groups the data holds, else
 * every commune/ward in the data, never the whole city around them.
 */
function wardExtent(): [number, number, number, number] | null {
  const feats = state.data.areas?.features ?? [];
  const communes = feats.filter((f) => f.properties?.level === 'commune');
  const parents = new Set(feats.filter((f) => f.properties?.level === 'residential_group').map((f) => f.properties?.parent_id));
  const focus = communes.filter((f) => parents.has(f.properties?.id));
  let box: [number, number, number, number] | null = null;
  for (const f of focus.length ? focus : communes) {
    const b = bboxOf(f);
    if (!b) continue;
    box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b;
  }
  return box;
}

function fitToData(): void {
  const b = wardExtent() ?? state.meta.bbox;
  if (Array.isArray(b) && b.length === 4 && b.every(Number.isFinite)) {
    map.fitBounds([b[0], b[1], b[2], b[3]], { padding: 40, duration: 0, maxZoom: 16 });
  }
}

/** Count features actually drawn now (for tests and the status line). */
function renderedCount(id: LayerId): number {
  const def = LAYERS.find((d) => d.id === id)!;
  const layers = def.styles.map((s) => s.id).filter((l) => map.getLayer(l));
  return map.queryRenderedFeatures({ layers }).length;
}

async function main(): Promise<void> {
  initLang();
  const langSelect = $<HTMLSelectElement>('lang-select');
  langSelect.value = lang();
  langSelect.addEventListener('change', () => setLang(langSelect.value === 'en' ? 'en' : 'vi'));
  onLangChange(() => {
    renderAuth();
    renderLayerList();
    renderKindFilter();
    renderHotspotList();
    renderTimeOutputs();
    popup?.remove();
    const areaId = isAreaPanelOpen();
    if (areaId) {
      const p = original('areas', 'id', areaId);
      if (p) void plansFor('area', areaId, undefined).then((plans) => openAreaPanel(p, plans));
    }
  });
  setupAuth();
  $('area-close').addEventListener('click', closeAreaPanel);
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (popup?.isOpen()) popup.remove();
    else if (isAreaPanelOpen()) closeAreaPanel();
  });
  // The map container must never scroll (focus inside an overflowing popup would do it).
  $('map').addEventListener('scroll', (e) => ((e.currentTarget as HTMLElement).scrollTop = 0));
  const menu = $('menu-btn');
  menu.addEventListener('click', () => {
    const open = document.body.classList.toggle('sidebar-open');
    menu.setAttribute('aria-expanded', String(open));
  });

  map = new maplibregl.Map({
    container: 'map',
    style: baseStyle(),
    center: [107.59, 16.46],
    zoom: 12,
    attributionControl: false,
    // Keeps the last frame readable: screenshots and printing the map for a meeting work.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');

  const loaded = new Promise<void>((r) => map.once('load', () => r()));
  state.me = await fetchRole();
  if (!state.me) {
    // Not an --open server and no valid token: ask for one.
    $<HTMLDialogElement>('login-dialog').showModal();
  }
  renderAuth();
  try {
    state.meta = await fetchMeta();
  } catch {
    state.meta = {};
  }
  const now = new Date();
  const last = state.meta.last_report ?? `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  const first = state.meta.first_report ?? `${now.getFullYear() - 2}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  state.months = monthsBetween(first, last);
  state.fromIdx = 0;
  state.toIdx = state.months.length - 1;
  state.statusIdx = state.months.length - 1;
  setupTimeControls();
  setupParams();
  renderKindFilter();
  renderLayerList();

  await loaded;
  addLayers();
  applyVisibility();
  setupClicks();
  fitToData();
  await refresh();
  fitToData(); // now on the ward, which the areas layer tells
  map.once('idle', () => {
    document.body.dataset.ready = 'true';
    readyResolve();
  });
  map.triggerRepaint();
}

declare global {
  interface Window {
    hotspotMap: unknown;
  }
}

/** Handle for tests and for analysts poking at the page from the console. */
window.hotspotMap = {
  get map() {
    return map;
  },
  state,
  ready,
  /** Zoom back to the whole data set. */
  fitToData: () => fitToData(),
  /** Features loaded per layer. */
  counts: () => Object.fromEntries(LAYERS.map((d) => [d.id, state.data[d.id]?.features.length ?? 0])),
  /** Features currently drawn on screen for one layer. */
  rendered: (id: LayerId) => renderedCount(id),
  /** Resolves when the map has finished loading and drawing. */
  idle: () =>
    new Promise<void>((r) => {
      if (map.loaded() && !map.isMoving() && document.body.dataset.loading !== 'true') r();
      else map.once('idle', () => r());
    }),
  t: (k: Key) => t(k),
};

void main();

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
import { ApiError, download, fetchMe, fetchMeta, getJson, getToken, roleAtLeast, setToken, url, type Me, type Meta } from './api';
import { closeAreaPanel, isAreaPanelOpen, openAreaPanel, type PanelContext } from './areaPanel';
import { loadDashboard, renderDashboard } from './dashboard';
import { h, parseNested } from './dom';
import { bboxOf, containingSmallestFirst, distanceM, labelPoint, unionBox, type BBox } from './geo';
import { DEFAULT_FILTER, NEARBY_MAX_M, applyFilter, isDormant, isOverdue, nearbyOf, plansOf, type HotspotFilter } from './hotspotFilter';
import { fmtAsOf, fmtDate, fmtMonth, fmtNum, initLang, lang, onLangChange, setLang, t, tCode, type Key } from './i18n';
import { searchFeatures, setupSearch, type Hit } from './search';
import {
  KIND_COLORS,
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
import { authorizeTiles, drawFrom, loadSized, tiledCountText, type TileInfo } from './tiles';

// build.mjs copies the worker next to the bundle; resolve it relative to this module.
maplibregl.setWorkerUrl(new URL('./maplibre-gl-worker.js', import.meta.url).href);

interface State {
  me: Me | null;
  meta: Meta;
  /** Every month from the first report to the as-of month (the sliders' scale). */
  months: string[];
  /** The programme clock: last day with data (or the server's `as_of`), YYYY-MM-DD. */
  asOf: string;
  /** The as-of date as the server gave it (a month for viewers), for the top bar. */
  asOfShown: string;
  fromIdx: number;
  /** The one month state: the month shown by every layer, area status, chart and dashboard. */
  toIdx: number;
  kinds: Set<string>;
  params: { eps_m: number; min_pts: number; res: number; k: number; fdr: boolean; emerging_res: number };
  near: { kinds: Set<string>; radiusM: number };
  filter: HotspotFilter;
  visible: Record<LayerId, boolean>;
  data: Partial<Record<LayerId, FeatureCollection>>;
  stale: Set<LayerId>;
  errors: Partial<Record<LayerId, string>>;
  loading: Set<LayerId>;
  plans: Plan[] | null;
  baseMap: 'none' | 'xyz';
}

const state: State = {
  me: null,
  meta: {},
  months: [],
  asOf: '',
  asOfShown: '',
  fromIdx: 0,
  toIdx: 0,
  kinds: new Set(REPORT_KINDS),
  params: { eps_m: 150, min_pts: 5, res: 9, k: 1, fdr: false, emerging_res: 9 },
  near: { kinds: new Set(['school', 'boarding_house', 'industrial_zone']), radiusM: 300 },
  filter: { ...DEFAULT_FILTER },
  visible: Object.fromEntries(LAYERS.map((l) => [l.id, l.defaultVisible])) as Record<LayerId, boolean>,
  data: {},
  stale: new Set(LAYERS.map((l) => l.id)),
  errors: {},
  loading: new Set(),
  plans: null,
  baseMap: 'none',
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let map: maplibregl.Map;
let popup: maplibregl.Popup | null = null;
const generation: Partial<Record<LayerId, number>> = {};
/** Layers drawn from vector tiles now, with their true counts (web/src/tiles.ts). */
const tiled: Partial<Record<LayerId, TileInfo>> = {};
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

/** Last day of a YYYY-MM month, never later than the as-of date. */
function monthDate(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  return state.asOf && last > state.asOf ? state.asOf : last;
}

/** The month on screen (YYYY-MM) and its as-of date. */
function shownMonth(): string {
  return state.months[state.toIdx] ?? state.asOf.slice(0, 7);
}

function shownDate(): string {
  return monthDate(shownMonth());
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
      if (state.months.length) p.month = shownMonth();
      break;
    case 'emerging':
      p.res = state.params.emerging_res;
      break;
    case 'near':
      p.within_m = state.near.radiusM;
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
    const loaded = await loadSized(def, layerUrl(def), layerParams(def));
    if (generation[def.id] !== gen) return;
    drawFrom(map, def, sourceId(def.id), loaded.kind === 'tiles' ? loaded.info : null);
    if (loaded.kind === 'tiles') {
      // Large layer: tiles draw it, the count line tells its true size; no GeoJSON kept.
      tiled[def.id] = loaded.info;
      delete state.data[def.id];
      delete state.errors[def.id];
      state.stale.delete(def.id);
      (map.getSource(sourceId(def.id)) as GeoJSONSource).setData({ type: 'FeatureCollection', features: [] });
      if (def.id === 'emerging' || def.id === 'hexes') renderLayerList();
      return;
    }
    delete tiled[def.id];
    const fc = loaded.fc;
    state.data[def.id] = fc;
    delete state.errors[def.id];
    state.stale.delete(def.id);
    if (def.id === 'hotspots') markDormant(fc);
    (map.getSource(sourceId(def.id)) as GeoJSONSource).setData(def.id === 'near' ? nearPoints(fc) : fc);
    if (def.id === 'kde') {
      const max = Math.max(0, ...fc.features.map((f) => Number(f.properties?.density) || 0));
      const paint = kdePaint(max);
      map.setPaintProperty('kde-fill', 'fill-color', paint.color);
      map.setPaintProperty('kde-fill', 'fill-opacity', paint.opacity);
    }
    if (def.id === 'areas') styleAreaLevels(fc);
    if (def.id === 'hotspots') {
      renderHotspotList();
      renderLabels();
    }
    if (def.id === 'areas') renderLabels();
    if (def.id === 'near') renderNearResult();
    if (def.id === 'emerging' || def.id === 'hexes') renderLayerList();
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
      $('map').dataset[`count${def.id[0].toUpperCase()}${def.id.slice(1)}`] = String(layerCount(def.id));
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
  // "Map loaded" is news for a moment, not a permanent label; errors stay until the next load.
  window.clearTimeout(statusTimer);
  if (!errs.length) statusTimer = window.setTimeout(() => setStatus(''), 2500);
}

let statusTimer: number | undefined;

/** Hotspots without a report in the last `activeMonths` months up to the month shown. */
function markDormant(fc: FeatureCollection): void {
  for (const f of fc.features) {
    f.properties = { ...(f.properties ?? {}), dormant: isDormant(f.properties ?? {}, shownDate(), state.filter.activeMonths) };
  }
}

/** Near-layer sites as points (industrial zones are polygons) so rings can mark them. */
function nearPoints(fc: FeatureCollection): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: fc.features
      .filter((f) => state.near.kinds.has(String(f.properties?.kind)))
      .map((f) => ({ ...f, geometry: { type: 'Point', coordinates: labelPoint(f) ?? [0, 0] } })),
  };
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
  // Gi* classes likewise: only the confidence bins some cell falls in.
  const bins = def.id === 'hexes' && state.data.hexes ? new Set(state.data.hexes.features.map((f) => String(f.properties?.bin))) : null;
  // Boundary lines only for the coarser levels the data holds.
  const levels = def.id === 'areas' && state.data.areas ? new Set(state.data.areas.features.map((f) => String(f.properties?.level))) : null;
  for (const item of def.legend) {
    if (present && item.label.code && !present.has(item.label.code)) continue;
    if (bins && item.label.key && /^bin_/.test(item.label.key) && !bins.has(item.label.key.slice(4).replace('m', '-'))) continue;
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
      const max = Math.max(0, ...(state.data.kde?.features ?? []).map((f) => Number(f.properties?.density) || 0));
      ul.append(h('li', { class: 'ramp' }, h('span', {}, '0'), sw, h('span', {}, `${fmtNum(max, 0)} ${t('density_unit')}`)));
    } else {
      ul.append(h('li', {}, sw, h('span', {}, label)));
    }
  }
  if (def.id === 'hotspots') {
    // The dormant entry names its window.
    const last = ul.lastElementChild?.lastElementChild;
    if (last) last.textContent = t('dormant_legend', { n: state.filter.activeMonths });
  }
  if (def.id === 'hexes' && bins && ![...bins].some((b) => b !== '0')) ul.append(h('li', { class: 'muted' }, t('gi_none')));
  if (def.id === 'emerging') ul.prepend(emergingControl());
  return ul;
}

/** Resolution of the emerging cells and, when no cell has a pattern, why the layer is empty. */
function emergingControl(): HTMLElement {
  const sel = h('select', { id: 'emerging-res', 'aria-label': t('emerging_res') });
  // Edge length of an H3 cell per resolution: finer cells show patterns in a ward's data.
  const edge: Record<number, number> = { 7: 1220, 8: 461, 9: 174, 10: 66 };
  for (const r of [7, 8, 9, 10]) {
    const o = h('option', { value: String(r) }, `${r} (~${fmtNum(edge[r])} m)`);
    o.selected = r === state.params.emerging_res;
    sel.append(o);
  }
  sel.addEventListener('change', () => {
    state.params.emerging_res = Number(sel.value);
    markStale((d) => d.id === 'emerging');
    void refresh();
    // The panel's emerging chart counts the same cells.
    const open = isAreaPanelOpen();
    if (open) reopenArea(open);
  });
  const li = h('li', { class: 'emerging-ctl' }, h('label', { for: 'emerging-res' }, t('emerging_res')), sel);
  const fc = state.data.emerging;
  if (fc) {
    const patterned = fc.features.filter((f) => f.properties?.category !== 'no_pattern').length;
    const steps = Number(fc.features[0]?.properties?.steps ?? 0);
    const msg = patterned
      ? t('emerging_some', { p: fmtNum(patterned), n: fmtNum(fc.features.length) })
      : t('emerging_none', { r: state.params.emerging_res, n: fmtNum(fc.features.length), m: fmtNum(steps) });
    const wrap = h('li', { class: 'emerging-wrap' }, li, h('p', { class: patterned ? 'muted small' : 'warn small', 'data-testid': 'emerging-msg' }, msg));
    return wrap;
  }
  return li;
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
  } else if (tiled[id] && state.visible[id]) {
    const c = tiledCountText(tiled[id]!);
    el.textContent = c.text;
    el.title = c.title;
  } else if (state.data[id] && state.visible[id]) {
    const n = id === 'emerging' ? state.data[id]!.features.filter((f) => f.properties?.category !== 'no_pattern').length : state.data[id]!.features.length;
    el.textContent = fmtNum(n);
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
    fs.append(h('div', { class: 'check' }, cb, h('span', { class: 'dot', style: `background:${KIND_COLORS[k]}`, 'aria-hidden': 'true' }), h('label', { for: id }, tCode('kind', k))));
  }
}

// ---------------------------------------------------------------- hotspot list + filters

function renderHotspotFilters(): void {
  const box = $('hotspot-filters');
  const f = state.filter;
  const radio = (v: HotspotFilter['activity'], key: Key) => {
    const id = `f-act-${v}`;
    const r = h('input', { type: 'radio', name: 'f-activity', id, value: v });
    r.checked = f.activity === v;
    r.addEventListener('change', () => {
      f.activity = v;
      renderHotspotList();
    });
    return h('span', { class: 'check inline' }, r, h('label', { for: id }, t(key)));
  };
  const months = h('input', { type: 'number', id: 'f-months', min: 1, max: 24, step: 1, value: f.activeMonths });
  months.addEventListener('change', () => {
    f.activeMonths = Math.min(24, Math.max(1, Number(months.value) || 3));
    if (state.data.hotspots) {
      markDormant(state.data.hotspots);
      (map.getSource(sourceId('hotspots')) as GeoJSONSource).setData(state.data.hotspots);
    }
    renderHotspotList();
    renderLayerList();
  });
  const kinds = (['school', 'boarding_house', 'industrial_zone'] as const).map((k) => {
    const id = `f-near-${k}`;
    const cb = h('input', { type: 'checkbox', id, value: k });
    cb.checked = f.nearKinds.includes(k);
    cb.addEventListener('change', () => {
      f.nearKinds = cb.checked ? [...f.nearKinds, k] : f.nearKinds.filter((x) => x !== k);
      renderHotspotList();
    });
    return h('span', { class: 'check inline' }, cb, h('label', { for: id }, tCode('site', k)));
  });
  const radius = h('select', { id: 'f-radius' });
  for (const m of [100, 200, NEARBY_MAX_M]) {
    const o = h('option', { value: String(m) }, `${m} m`);
    o.selected = m === f.radiusM;
    radius.append(o);
  }
  radius.addEventListener('change', () => {
    f.radiusM = Number(radius.value);
    renderHotspotList();
  });
  const flag = (key: 'noPlan' | 'overdue', label: Key) => {
    const id = `f-${key}`;
    const cb = h('input', { type: 'checkbox', id });
    cb.checked = f[key];
    cb.addEventListener('change', () => {
      f[key] = cb.checked;
      renderHotspotList();
    });
    return h('span', { class: 'check inline' }, cb, h('label', { for: id }, t(label)));
  };
  const sort = h('select', { id: 'f-sort' });
  for (const [v, k] of [
    ['reports', 'sort_reports'],
    ['recent', 'sort_recent'],
  ] as const) {
    const o = h('option', { value: v }, t(k));
    o.selected = f.sort === v;
    sort.append(o);
  }
  sort.addEventListener('change', () => {
    f.sort = sort.value === 'recent' ? 'recent' : 'reports';
    renderHotspotList();
  });
  box.replaceChildren(
    h('div', { class: 'frow' }, radio('all', 'f_all'), radio('active', 'f_active'), radio('dormant', 'f_dormant')),
    h('div', { class: 'frow' }, h('label', { for: 'f-months' }, t('f_active_months')), months),
    h('div', { class: 'frow' }, h('span', {}, `${t('f_near')}:`), ...kinds),
    h('div', { class: 'frow' }, h('label', { for: 'f-radius' }, t('f_radius')), radius),
    h('div', { class: 'frow' }, flag('noPlan', 'f_no_plan'), flag('overdue', 'f_overdue')),
    h('div', { class: 'frow' }, h('label', { for: 'f-sort' }, t('sort_by')), sort),
  );
}

function hotspotName(p: Record<string, unknown>): string {
  return p.hotspot_id ? String(p.hotspot_id) : `#${p.cluster}`;
}

function renderHotspotList(): void {
  const ol = $('hotspot-list');
  ol.replaceChildren();
  const all = state.data.hotspots?.features ?? [];
  const feats = applyFilter(all, state.filter, shownDate());
  $('hotspot-count').textContent = t('n_of_m', { n: fmtNum(feats.length), m: fmtNum(all.length) });
  for (const f of feats.slice(0, 30)) {
    const p = f.properties ?? {};
    const dormant = isDormant(p, shownDate(), state.filter.activeMonths);
    const overdue = plansOf(p).some((pl) => isOverdue(pl, shownDate()));
    const btn = h(
      'button',
      { type: 'button', class: 'link-btn', 'data-hotspot': hotspotName(p) },
      `${t('hotspot')} ${hotspotName(p)} — ${fmtNum(Number(p.count ?? 0))} ${t('reports_unit')}`,
    );
    btn.addEventListener('click', () => focusFeature('hotspots', f));
    const tags = h(
      'span',
      { class: 'tags' },
      dormant ? h('span', { class: 'tag dormant' }, t('dormant')) : null,
      !plansOf(p).length ? h('span', { class: 'tag noplan' }, t('f_no_plan')) : null,
      overdue ? h('span', { class: 'tag overdue' }, `⚠ ${tCode('plan_state', 'overdue')}`) : null,
      h('span', { class: 'muted small' }, fmtDate(p.last_seen)),
    );
    ol.append(h('li', { class: dormant ? 'dormant' : '' }, btn, tags));
  }
  if (!feats.length) ol.append(h('li', { class: 'muted' }, t('no_data')));
}

/** Fly to a feature and open its popup (hotspot/site) — by the feature itself, never by a lookup. */
function focusFeature(layer: LayerId, f: Feature): void {
  const b = bboxOf(f);
  if (!b) return;
  popup?.remove();
  map.fitBounds(b as LngLatBoundsLike, { padding: 80, maxZoom: 16, duration: 500 });
  const at = labelPoint(f) ?? [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  map.once('moveend', () => void showPopup(layer, f.properties ?? {}, at, f));
}

// ---------------------------------------------------------------- near sensitive sites

function renderNearControls(): void {
  const box = $('near-controls');
  const allowedNear = roleAtLeast(state.me?.role, 'analyst');
  $('near-section').hidden = !allowedNear;
  if (!allowedNear) return;
  const kinds = SITE_KINDS.filter((k) => k !== 'other').map((k) => {
    const id = `near-kind-${k}`;
    const cb = h('input', { type: 'checkbox', id, value: k });
    cb.checked = state.near.kinds.has(k);
    cb.addEventListener('change', () => {
      if (cb.checked) state.near.kinds.add(k);
      else state.near.kinds.delete(k);
      if (state.data.near) (map.getSource(sourceId('near')) as GeoJSONSource).setData(nearPoints(state.data.near));
      renderNearResult();
    });
    return h('span', { class: 'check inline' }, cb, h('label', { for: id }, tCode('site', k)));
  });
  const radius = h('input', { type: 'range', id: 'near-radius', min: 100, max: 1000, step: 50, value: state.near.radiusM });
  const out = h('output', { for: 'near-radius', id: 'near-radius-out' }, `${state.near.radiusM} m`);
  radius.addEventListener('input', () => (out.textContent = `${radius.value} m`));
  radius.addEventListener('change', () => {
    state.near.radiusM = Number(radius.value);
    markStale((d) => d.id === 'near');
    void refresh();
  });
  const show = h('input', { type: 'checkbox', id: 'near-show' });
  show.checked = state.visible.near;
  show.addEventListener('change', () => {
    state.visible.near = show.checked;
    applyVisibility();
    renderLayerList();
    void refresh().then(renderNearResult);
  });
  box.replaceChildren(
    h('div', { class: 'check' }, show, h('label', { for: 'near-show' }, t('near_show'))),
    h('div', { class: 'frow' }, ...kinds),
    h('div', { class: 'range-row' }, h('label', { for: 'near-radius' }, t('f_radius')), out),
    radius,
    h('ol', { id: 'near-list', class: 'hotspot-list' }),
  );
  renderNearResult();
}

function renderNearResult(): void {
  const list = document.getElementById('near-list');
  if (!list) return;
  list.replaceChildren();
  if (!state.visible.near || !state.data.near) return;
  const rows = state.data.near.features
    .filter((f) => state.near.kinds.has(String(f.properties?.kind)) && Number(f.properties?.reports_within) > 0)
    .sort((a, b) => Number(b.properties?.reports_within) - Number(a.properties?.reports_within));
  list.before(h('p', { class: 'muted small', id: 'near-summary' }, t('near_result', { n: fmtNum(rows.length), m: state.near.radiusM })));
  document.querySelectorAll('#near-summary').forEach((n, i, all) => i < all.length - 1 && n.remove());
  for (const f of rows.slice(0, 20)) {
    const p = f.properties ?? {};
    const btn = h('button', { type: 'button', class: 'link-btn', 'data-near-site': String(p.id) }, `${p.name} (${tCode('site', String(p.kind))})`);
    btn.addEventListener('click', () => focusFeature('sites', state.data.sites?.features.find((s) => s.properties?.id === p.id) ?? f));
    list.append(h('li', {}, btn, ` — ${fmtNum(Number(p.reports_within))} ${t('reports_unit')}, ${t('nearest')} ${fmtNum(Number(p.nearest_m ?? 0))} m`));
  }
}

// ---------------------------------------------------------------- time controls

/**
 * One month state: "Through month" is the month every layer, the area statuses, the charts and
 * the dashboard show; replay moves that same month, so the two never disagree.
 */
function renderTimeOutputs(): void {
  if (!state.months.length) return;
  $('from-month-out').textContent = fmtMonth(state.months[state.fromIdx]);
  $('to-month-out').textContent = fmtMonth(state.months[state.toIdx]);
  $<HTMLInputElement>('from-month').setAttribute('aria-valuetext', fmtMonth(state.months[state.fromIdx]));
  $<HTMLInputElement>('to-month').setAttribute('aria-valuetext', fmtMonth(state.months[state.toIdx]));
  $('play-btn').textContent = playTimer ? `⏸ ${t('pause')}` : `▶ ${t('play')}`;
  $('month-chip').textContent = `${t('showing_month')}: ${fmtMonth(shownMonth())}`;
  $('as-of').textContent = fmtAsOf(state.asOfShown);
}

let timeDebounce: number | undefined;
let playTimer: number | undefined;

function monthChanged(): void {
  renderTimeOutputs();
  window.clearTimeout(timeDebounce);
  timeDebounce = window.setTimeout(() => {
    markStale((d) => d.reportBased || d.id === 'areas');
    void refresh().then(() => {
      const id = isAreaPanelOpen();
      if (id && !dashboardOpen) reopenArea(id);
    });
  }, 350);
}

function setupTimeControls(): void {
  const from = $<HTMLInputElement>('from-month');
  const to = $<HTMLInputElement>('to-month');
  const max = String(Math.max(0, state.months.length - 1));
  for (const el of [from, to]) el.max = max;
  from.value = String(state.fromIdx);
  to.value = String(state.toIdx);
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
    monthChanged();
  };
  from.addEventListener('input', () => onRange('from'));
  to.addEventListener('input', () => onRange('to'));
  $('play-btn').addEventListener('click', () => togglePlay());
  renderTimeOutputs();
}

function togglePlay(): void {
  const btn = $('play-btn');
  const to = $<HTMLInputElement>('to-month');
  if (playTimer) {
    window.clearInterval(playTimer);
    playTimer = undefined;
    btn.setAttribute('aria-pressed', 'false');
  } else {
    if (state.toIdx >= state.months.length - 1) state.toIdx = state.fromIdx;
    btn.setAttribute('aria-pressed', 'true');
    const step = () => {
      if (state.toIdx >= state.months.length - 1) return togglePlay();
      state.toIdx += 1;
      to.value = String(state.toIdx);
      monthChanged();
    };
    playTimer = window.setInterval(step, 1500);
    to.value = String(state.toIdx);
    monthChanged();
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
      emerging_res: state.params.emerging_res,
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
  renderNearControls();
  await refresh();
}

// ---------------------------------------------------------------- popups

async function plansFor(type: 'hotspot' | 'area', id: string, inline: unknown): Promise<Plan[]> {
  const own = parseNested<unknown>(inline);
  if (Array.isArray(own) && own.length) return own as Plan[];
  const all = await allPlans();
  return all.filter((p) => p.subject?.type === type && String(p.subject?.id) === id);
}

async function allPlans(): Promise<Plan[]> {
  if (state.plans === null) {
    try {
      const body = await getJson<unknown>(url('api/plans'));
      state.plans = (Array.isArray(body) ? body : ((body as { plans?: Plan[] })?.plans ?? [])) as Plan[];
    } catch {
      state.plans = [];
    }
  }
  return state.plans;
}

/**
 * The fetched feature behind a clicked one (MapLibre flattens nested properties). Matched on
 * a key that is never null: a hotspot's id when it has one, else its cluster number.
 */
function original(id: LayerId, props: Record<string, unknown>): Record<string, unknown> | undefined {
  const feats = state.data[id]?.features ?? [];
  const key = id === 'hotspots' ? (props.hotspot_id != null && props.hotspot_id !== '' ? 'hotspot_id' : 'cluster') : id === 'kde' || id === 'hexes' || id === 'emerging' ? 'h3' : 'id';
  const v = props[key];
  if (v === null || v === undefined) return undefined;
  return feats.find((f) => f.properties?.[key] != null && String(f.properties?.[key]) === String(v))?.properties ?? undefined;
}

function panelContext(): PanelContext {
  return { month: shownMonth(), date: shownDate(), emergingRes: state.params.emerging_res, openDashboard: (id) => void openDashboard(id) };
}

function reopenArea(id: string): void {
  const p = original('areas', { id });
  if (p) void plansFor('area', id, undefined).then((plans) => openAreaPanel(p, plans, panelContext()));
}

async function openArea(p: Record<string, unknown>): Promise<void> {
  popup?.remove();
  dashboardOpen = false;
  openAreaPanel(p, await plansFor('area', String(p.id), undefined), panelContext());
}

/** The areas around `p`: parent, grandparent, … up to the province. */
function parentsOf(p: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let cur = p;
  for (let i = 0; i < 6 && cur.parent_id; i++) {
    const parent = original('areas', { id: cur.parent_id });
    if (!parent) break;
    out.push(parent);
    cur = parent;
  }
  return out;
}

function siteNearby(p: Record<string, unknown>) {
  const hotspots: Array<{ id: string; distance_m?: number }> = [];
  for (const f of state.data.hotspots?.features ?? []) {
    const hit = nearbyOf(f.properties ?? {}).find((s) => String(s.id) === String(p.id));
    if (hit) hotspots.push({ id: hotspotName(f.properties ?? {}), distance_m: hit.distance_m });
  }
  const near = state.data.near?.features.find((f) => String(f.properties?.id) === String(p.id))?.properties;
  return {
    radiusM: NEARBY_MAX_M,
    hotspots: hotspots.sort((a, b) => (a.distance_m ?? 0) - (b.distance_m ?? 0)),
    reports: near ? { within: Number(near.reports_within ?? 0), nearest_m: near.nearest_m as number | null, radiusM: state.near.radiusM } : null,
  };
}

async function showPopup(layer: LayerId, props: Record<string, unknown>, lngLat: [number, number], feature?: Feature): Promise<void> {
  let content: HTMLElement;
  switch (layer) {
    case 'hotspots': {
      const p = feature?.properties ?? original('hotspots', props) ?? props;
      const id = p.hotspot_id ? String(p.hotspot_id) : '';
      content = hotspotPopup({ ...p, hotspot_id: hotspotName(p) }, id ? await plansFor('hotspot', id, p.plans) : [], shownDate(), NEARBY_MAX_M);
      break;
    }
    case 'areas': {
      const p = feature?.properties ?? original('areas', props) ?? props;
      content = areaPopup(p, parentsOf(p), (a) => void openArea(a));
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
    case 'near': {
      const p = feature?.properties ?? original('sites', props) ?? props;
      content = sitePopup(p, siteNearby(p));
      break;
    }
    default:
      content = reportPopup(props);
  }
  popup?.remove();
  // focusAfterOpen would scroll the map container when the popup sticks out; focus by hand.
  popup = new maplibregl.Popup({ maxWidth: '340px', focusAfterOpen: false }).setLngLat(lngLat).setDOMContent(content).addTo(map);
  popup.getElement()?.querySelector<HTMLElement>('button')?.focus({ preventScroll: true });
}

/**
 * Click priority, first wins: hotspot polygons (the planner's object), then the near rings,
 * site icons, report dots, the analysis cells, and areas last — and among areas the smallest
 * one containing the click (a residential group beats its ward, a ward its district).
 */
const CLICK_ORDER: LayerId[] = ['hotspots', 'near', 'sites', 'reports', 'emerging', 'hexes', 'kde'];

function setupClicks(): void {
  const clickable = () => CLICK_ORDER.flatMap((id) => (visible(LAYERS.find((d) => d.id === id)!) ? LAYERS.find((d) => d.id === id)!.clickable : [])).filter((l) => map.getLayer(l));
  map.on('click', (e) => {
    const layers = clickable();
    const hits: MapGeoJSONFeature[] = layers.length ? map.queryRenderedFeatures(e.point, { layers }) : [];
    const at: [number, number] = [e.lngLat.lng, e.lngLat.lat];
    if (hits.length) {
      const rank = (f: MapGeoJSONFeature) => CLICK_ORDER.indexOf(f.source.replace('src-', '') as LayerId);
      hits.sort((a, b) => rank(a) - rank(b));
      const f = hits[0];
      void showPopup(f.source.replace('src-', '') as LayerId, f.properties, at);
      return;
    }
    if (!visible(LAYERS.find((d) => d.id === 'areas')!)) return;
    const area = containingSmallestFirst(state.data.areas?.features ?? [], at[0], at[1])[0];
    if (area) void showPopup('areas', area.properties ?? {}, at, area);
  });
  map.on('mousemove', (e) => {
    const layers = clickable();
    const hit = layers.length > 0 && map.queryRenderedFeatures(e.point, { layers }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
}

// ---------------------------------------------------------------- labels (HTML markers)

/**
 * Group names and hotspot ids as HTML markers: MapLibre's symbol text needs a glyph server,
 * and the map must work offline without one; the browser's own fonts draw these. Group names
 * show from zoom 14.5, hotspot ids from 13, ward names below 14.5.
 */
let labelMarkers: Array<{ m: maplibregl.Marker; minZoom: number; maxZoom: number }> = [];

function renderLabels(): void {
  for (const l of labelMarkers) l.m.remove();
  labelMarkers = [];
  if (!map) return;
  const add = (lngLat: [number, number] | null, text: string, cls: string, minZoom: number, maxZoom = 24) => {
    if (!lngLat) return;
    const el = h('div', { class: `map-label ${cls}`, 'aria-hidden': 'true' }, text);
    // Group names sit below the centre so a hotspot id at the same place stays readable.
    const offset: [number, number] = cls === 'label-group' ? [0, 22] : [0, 0];
    labelMarkers.push({ m: new maplibregl.Marker({ element: el, offset }).setLngLat(lngLat), minZoom, maxZoom });
  };
  if (state.visible.areas) {
    for (const f of state.data.areas?.features ?? []) {
      const lvl = f.properties?.level;
      if (lvl === 'residential_group') add(labelPoint(f), String(f.properties?.name ?? '').replace(/\s*\(synthetic\)$/, ''), 'label-group', 14.5);
      else if (lvl === 'commune') add(labelPoint(f), String(f.properties?.name ?? ''), 'label-ward', 11, 14.5);
    }
  }
  if (state.visible.hotspots) {
    for (const f of state.data.hotspots?.features ?? []) {
      const c = parseNested<[number, number]>(f.properties?.centroid) ?? labelPoint(f);
      add(c, hotspotName(f.properties ?? {}), f.properties?.dormant ? 'label-hotspot dormant' : 'label-hotspot', 13);
    }
  }
  updateLabels();
}

function updateLabels(): void {
  const z = map.getZoom();
  for (const l of labelMarkers) {
    const on = z >= l.minZoom && z < l.maxZoom;
    const attached = !!l.m.getElement().parentElement;
    if (on && !attached) l.m.addTo(map);
    else if (!on && attached) l.m.remove();
  }
}

// ---------------------------------------------------------------- search

function setupSearchBox(): void {
  setupSearch(
    $<HTMLInputElement>('search-input'),
    $('search-results'),
    (q) => searchFeatures(q, state.data.areas?.features ?? [], state.data.hotspots?.features ?? [], state.data.sites?.features ?? []),
    (hit: Hit) => {
      if (hit.type === 'area') {
        const b = bboxOf(hit.feature);
        if (b) map.fitBounds(b as LngLatBoundsLike, { padding: 40, maxZoom: 16, duration: 500 });
        void openArea(hit.feature.properties ?? {});
      } else focusFeature(hit.type === 'hotspot' ? 'hotspots' : 'sites', hit.feature);
    },
  );
}

// ---------------------------------------------------------------- dashboard

let dashboardOpen = false;

/** The dashboard in the side panel, for an area the planner picks (ward, district, city). */
async function openDashboard(areaId?: string): Promise<void> {
  const areas = state.data.areas?.features ?? [];
  const choices = areas.filter((f) => f.properties?.level !== 'residential_group');
  const id = areaId ?? isAreaPanelOpen() ?? defaultDashboardArea();
  if (!id) return;
  closeAreaPanel();
  dashboardOpen = true;
  popup?.remove();
  const sel = h('select', { id: 'dash-area', 'aria-label': t('dashboard_area') });
  for (const f of choices) {
    const o = h('option', { value: String(f.properties?.id) }, `${f.properties?.name} (${tCode('level', String(f.properties?.level))})`);
    o.selected = f.properties?.id === id;
    sel.append(o);
  }
  sel.addEventListener('change', () => void openDashboard(sel.value));
  $('area-title').textContent = t('dashboard');
  const body = $('area-body');
  body.replaceChildren(h('div', { class: 'frow' }, h('label', { for: 'dash-area' }, t('dashboard_area')), sel), h('p', { class: 'muted' }, t('loading')));
  $('area-panel').hidden = false;
  $('area-panel').dataset.area = `dashboard:${id}`;
  try {
    const d = await loadDashboard({ areaId: id, month: shownMonth(), date: shownDate(), areas, hotspots: state.data.hotspots?.features ?? [], plans: allPlans });
    if (!dashboardOpen) return;
    body.replaceChildren(body.firstElementChild as HTMLElement, renderDashboard(d));
  } catch (e) {
    body.replaceChildren(body.firstElementChild as HTMLElement, h('p', { class: 'warn' }, `${t('load_error')}: ${e instanceof Error ? e.message : e}`));
  }
}

/** The ward holding residential groups (the planner's own), else the first commune. */
function defaultDashboardArea(): string | null {
  const feats = state.data.areas?.features ?? [];
  const parent = feats.find((f) => f.properties?.level === 'residential_group')?.properties?.parent_id;
  return (parent as string | undefined) ?? (feats.find((f) => f.properties?.level === 'commune')?.properties?.id as string | undefined) ?? null;
}

// ---------------------------------------------------------------- map

/** The base raster: none (offline, the default), or the administrator's XYZ URL from /api/meta. */
function baseTilesUrl(): string | null {
  const fromMeta = state.meta.base_map_url;
  const fromQuery = new URL(location.href).searchParams.get('tiles');
  const u = fromQuery ?? fromMeta ?? null;
  return u && /^https?:\/\/|^\//.test(u) ? u : null;
}

function baseStyle(): StyleSpecification {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } }],
  };
}

function applyBaseMap(): void {
  const tiles = baseTilesUrl();
  const want = state.baseMap === 'xyz' && tiles;
  if (map.getLayer('base-raster')) map.removeLayer('base-raster');
  if (map.getSource('base')) map.removeSource('base');
  if (want) {
    map.addSource('base', { type: 'raster', tiles: [tiles], tileSize: 256 });
    map.addLayer({ id: 'base-raster', type: 'raster', source: 'base', paint: { 'raster-opacity': 0.8 } }, map.getStyle().layers[1]?.id);
  }
}

function setupBaseMapControl(): void {
  const sel = $<HTMLSelectElement>('base-map');
  const tiles = baseTilesUrl();
  sel.replaceChildren(h('option', { value: 'none' }, t('base_none')));
  if (tiles) sel.append(h('option', { value: 'xyz' }, t('base_xyz')));
  sel.value = state.baseMap;
  sel.disabled = !tiles;
  sel.onchange = () => {
    state.baseMap = sel.value === 'xyz' ? 'xyz' : 'none';
    applyBaseMap();
  };
}

function addLayers(): void {
  for (const k of SITE_KINDS) map.addImage(`site-${k}`, drawSiteIcon(k, 40), { pixelRatio: 2 });
  const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
  for (const def of LAYERS) map.addSource(sourceId(def.id), { type: 'geojson', data: empty });
  // Draw order: status fill of the finest areas at the bottom, then kde, hexes and emerging
  // cells, the coarser area boundaries, sites and report dots, and the hotspot polygons and
  // near rings on top: what a planner clicks first is drawn last.
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
    byId.sites.styles[0],
    byId.sites.styles[1],
    ...byId.reports.styles,
    byId.sites.styles[2],
    ...byId.hotspots.styles,
    ...byId.near.styles,
  ];
  for (const s of ordered) map.addLayer(s);
}

/**
 * The working extent of a planner: the ward(s) whose residential groups the data holds, else
 * every commune/ward in the data, never the whole city around them.
 */
function wardExtent(): BBox | null {
  const feats = state.data.areas?.features ?? [];
  const communes = feats.filter((f) => f.properties?.level === 'commune');
  const parents = new Set(feats.filter((f) => f.properties?.level === 'residential_group').map((f) => f.properties?.parent_id));
  const focus = communes.filter((f) => parents.has(f.properties?.id));
  let box: BBox | null = null;
  for (const f of focus.length ? focus : communes) box = unionBox(box, bboxOf(f));
  return box;
}

/** The biggest active hotspot (most reports, a report in the active window). */
function biggestActiveHotspot(): Feature | null {
  const feats = (state.data.hotspots?.features ?? []).filter((f) => !isDormant(f.properties ?? {}, shownDate(), state.filter.activeMonths));
  return feats.sort((a, b) => Number(b.properties?.count ?? 0) - Number(a.properties?.count ?? 0))[0] ?? null;
}

/** First view: the planner's ward and the biggest active hotspot, together. */
function fitToData(): void {
  const hs = biggestActiveHotspot();
  const b = unionBox(wardExtent(), hs ? bboxOf(hs) : null) ?? (state.meta.bbox as BBox | null | undefined) ?? null;
  if (Array.isArray(b) && b.length === 4 && b.every(Number.isFinite)) {
    map.fitBounds([b[0], b[1], b[2], b[3]], { padding: 40, duration: 0, maxZoom: 16 });
  }
}

/** Features in a layer: loaded GeoJSON, or a tiled layer's true count. */
function layerCount(id: LayerId): number {
  return tiled[id]?.features ?? state.data[id]?.features.length ?? 0;
}

/** Count features actually drawn now (for tests and the status line). */
function renderedCount(id: LayerId): number {
  const def = LAYERS.find((d) => d.id === id)!;
  const layers = def.styles.map((s) => s.id).filter((l) => map.getLayer(l));
  return map.queryRenderedFeatures({ layers }).length;
}

function closeSidebar(): void {
  document.body.classList.remove('sidebar-open');
  $('menu-btn').setAttribute('aria-expanded', 'false');
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
    renderHotspotFilters();
    renderHotspotList();
    renderNearControls();
    renderTimeOutputs();
    setupBaseMapControl();
    popup?.remove();
    if (dashboardOpen) void openDashboard();
    else {
      const areaId = isAreaPanelOpen();
      if (areaId) reopenArea(areaId);
    }
  });
  setupAuth();
  $('area-close').addEventListener('click', () => {
    dashboardOpen = false;
    closeAreaPanel();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (popup?.isOpen()) popup.remove();
    else if (!$('area-panel').hidden) {
      dashboardOpen = false;
      closeAreaPanel();
    } else if (document.body.classList.contains('sidebar-open')) closeSidebar();
  });
  // The map container must never scroll (focus inside an overflowing popup would do it).
  $('map').addEventListener('scroll', (e) => ((e.currentTarget as HTMLElement).scrollTop = 0));
  const menu = $('menu-btn');
  menu.addEventListener('click', () => {
    const open = document.body.classList.toggle('sidebar-open');
    menu.setAttribute('aria-expanded', String(open));
  });
  $('sidebar-close').addEventListener('click', closeSidebar);
  $('dashboard-btn').addEventListener('click', () => void openDashboard());

  map = new maplibregl.Map({
    container: 'map',
    style: baseStyle(),
    center: [107.59, 16.46],
    zoom: 12,
    attributionControl: false,
    // The token goes with the map's own vector tiles (report tiles are for analysts).
    transformRequest: authorizeTiles,
    // Keeps the last frame readable: screenshots and printing the map for a meeting work.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('zoom', updateLabels);

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
  // The programme clock: the server's as-of date, else the last day with data, else today.
  const today = new Date().toISOString().slice(0, 10);
  state.asOfShown = (state.meta.as_of ?? state.meta.last_report ?? today).slice(0, 10);
  state.asOf = dayOf(state.asOfShown);
  const first = state.meta.first_report ?? `${Number(state.asOf.slice(0, 4)) - 2}${state.asOf.slice(4, 7)}`;
  state.months = monthsBetween(first, state.asOf);
  state.fromIdx = 0;
  state.toIdx = state.months.length - 1;
  setupTimeControls();
  setupParams();
  renderKindFilter();
  renderHotspotFilters();
  renderLayerList();
  renderNearControls();
  setupSearchBox();
  setupBaseMapControl();

  await loaded;
  addLayers();
  applyBaseMap();
  applyVisibility();
  setupClicks();
  await refresh();
  fitToData(); // the ward and the biggest active hotspot, which the layers tell
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
  /** Zoom back to the first view. */
  fitToData: () => fitToData(),
  /** Features loaded per layer. */
  counts: () => Object.fromEntries(LAYERS.map((d) => [d.id, layerCount(d.id)])),
  /** Layers drawn from vector tiles, with their TileJSON. */
  tiled: () => ({ ...tiled }),
  /** Features currently drawn on screen for one layer. */
  rendered: (id: LayerId) => renderedCount(id),
  /** Screen position of a lon/lat (tests click where a person would). */
  project: (lngLat: [number, number]) => {
    const p = map.project(lngLat);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  },
  /** Resolves when the map has finished loading and drawing. */
  idle: () =>
    new Promise<void>((r) => {
      if (map.loaded() && !map.isMoving() && document.body.dataset.loading !== 'true') r();
      else map.once('idle', () => r());
    }),
  t: (k: Key) => t(k),
  distanceM,
};

void main();

/**
 * A YYYY-MM-DD day from the server's as-of date. Viewers are told only the month (YYYY-MM,
 * the disclosure rule of issue 14): the map then runs to the last day of that month.
 */
function dayOf(asOf: string): string {
  if (/^\d{4}-\d{2}$/.test(asOf)) {
    const [y, m] = asOf.split('-').map(Number);
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return `${asOf}-${String(last).padStart(2, '0')}`;
  }
  return asOf;
}

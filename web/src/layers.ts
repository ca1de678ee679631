/**
 * The map's thematic layers: where each one's data comes from, how MapLibre draws it and
 * what its legend says. Everything is drawn with fill/line/circle layers plus icon-only
 * symbol layers (icons are painted on a canvas at start), so no glyph or sprite server is
 * ever needed.
 */
import type { ExpressionSpecification, LayerSpecification } from 'maplibre-gl';
import { colorOf, colors } from './glossary';
import type { Key } from './i18n';

export type LayerId = 'areas' | 'kde' | 'hexes' | 'emerging' | 'hotspots' | 'near' | 'sites' | 'reports';

export const REPORT_KINDS = ['use', 'storage', 'trafficking', 'sale', 'cultivation'] as const;
export const SITE_KINDS = ['school', 'industrial_zone', 'boarding_house', 'karaoke', 'lodging', 'entertainment', 'other'] as const;
export const AREA_STATUSES = ['hotspot', 'cleaning', 'clean', 'kept_clean', 'relapsed'] as const;
export const EMERGING_CATEGORIES = [
  'new_hot_spot',
  'consecutive_hot_spot',
  'intensifying_hot_spot',
  'persistent_hot_spot',
  'diminishing_hot_spot',
  'sporadic_hot_spot',
  'oscillating_hot_spot',
  'historical_hot_spot',
  'new_cold_spot',
  'consecutive_cold_spot',
  'intensifying_cold_spot',
  'persistent_cold_spot',
  'diminishing_cold_spot',
  'sporadic_cold_spot',
  'oscillating_cold_spot',
  'historical_cold_spot',
  'no_pattern',
] as const;

export const KIND_COLORS: Record<string, string> = colors('kind');

export const STATUS_COLORS: Record<string, string> = colors('status');

/** Diverging red/blue for Gi* bins ±1 ±2 ±3 (90/95/99 % confidence). */
export const BIN_COLORS: Record<string, string> = {
  '3': '#b2182b',
  '2': '#ef8a62',
  '1': '#fddbc7',
  '0': '#f7f7f7',
  '-1': '#d1e5f0',
  '-2': '#67a9cf',
  '-3': '#2166ac',
};

export const EMERGING_COLORS: Record<string, string> = colors('cat');

const SITE_SHAPES: Record<string, Shape> = {
  school: 'square',
  industrial_zone: 'diamond',
  boarding_house: 'house',
  karaoke: 'circle',
  lodging: 'triangle',
  entertainment: 'star',
  other: 'dot',
};
export const SITE_STYLE: Record<string, { color: string; shape: Shape }> = Object.fromEntries(
  SITE_KINDS.map((k) => [k, { color: colorOf('site', k), shape: SITE_SHAPES[k] }]),
);

export type Shape = 'square' | 'diamond' | 'house' | 'circle' | 'triangle' | 'star' | 'dot';

function matchColor(prop: string, colors: Record<string, string>, fallback: string): ExpressionSpecification {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(colors)) pairs.push(k, v);
  return ['match', ['to-string', ['get', prop]], ...pairs, fallback] as unknown as ExpressionSpecification;
}

export interface LegendItem {
  /** i18n key prefix + code, or a plain key. */
  label: { key?: Key; prefix?: string; code?: string };
  swatch: { kind: 'fill' | 'line' | 'circle' | 'icon' | 'dashed' | 'ramp'; color: string; stroke?: string; icon?: string; width?: number };
}

export interface LayerDef {
  id: LayerId;
  title: Key;
  /** API path of the layer. */
  path: string;
  /** Lowest role that may read it; the toggle is hidden below it. */
  role: 'viewer' | 'analyst';
  defaultVisible: boolean;
  /** Whether the time range and kind filter apply (report-based layers). */
  reportBased: boolean;
  /** MapLibre layers drawn from the layer's source, bottom to top. */
  styles: LayerSpecification[];
  /** Style layers that answer clicks. */
  clickable: string[];
  legend: LegendItem[];
}

const src = (id: LayerId) => `src-${id}`;

/** Administrative levels, finest first (API `level`). */
export const AREA_LEVELS = ['residential_group', 'commune', 'district', 'province'] as const;

/** Outline weight (px) of the coarser levels: the bigger the unit, the heavier the line. */
export const BOUNDARY_WIDTHS: Record<string, number> = { commune: 1.6, district: 2.6, province: 3.6 };
const boundaryWidth = ['match', ['get', 'level'], 'commune', BOUNDARY_WIDTHS.commune, 'district', BOUNDARY_WIDTHS.district, 'province', BOUNDARY_WIDTHS.province, 1.2] as unknown as ExpressionSpecification;

/** The finest level in a set of areas (residential groups when present), or null if none. */
export function finestLevel(levels: Iterable<unknown>): string | null {
  const present = new Set(levels);
  return AREA_LEVELS.find((l) => present.has(l)) ?? null;
}

/** Areas of `level`: the ones filled by status. */
export function finestLevelFilter(level: string): ExpressionSpecification {
  return ['==', ['get', 'level'], level];
}

/** Every other area: drawn as an outline only. */
export function coarserLevelFilter(level: string): ExpressionSpecification {
  return ['!=', ['get', 'level'], level];
}

export const LAYERS: LayerDef[] = [
  {
    id: 'areas',
    title: 'layer_areas',
    path: 'api/layers/areas',
    role: 'viewer',
    defaultVisible: true,
    reportBased: false,
    // A GIS map of nested units: only the finest level present is filled by status (the
    // filter is set from the data, see finestLevelFilter), so fills never stack; coarser
    // levels are neutral outlines whose weight grows with the level, drawn above the cells.
    styles: [
      {
        id: 'areas-fill',
        type: 'fill',
        source: src('areas'),
        filter: finestLevelFilter('residential_group'),
        paint: { 'fill-color': matchColor('status', STATUS_COLORS, '#cccccc'), 'fill-opacity': 0.38 },
      },
      {
        id: 'areas-line',
        type: 'line',
        source: src('areas'),
        filter: finestLevelFilter('residential_group'),
        paint: { 'line-color': '#ffffff', 'line-width': 1, 'line-opacity': 0.9 },
      },
      {
        id: 'areas-boundary-casing',
        type: 'line',
        source: src('areas'),
        filter: coarserLevelFilter('residential_group'),
        layout: { 'line-join': 'round' },
        paint: { 'line-color': '#ffffff', 'line-width': ['+', 2, boundaryWidth], 'line-opacity': 0.7 },
      },
      {
        id: 'areas-boundary',
        type: 'line',
        source: src('areas'),
        filter: coarserLevelFilter('residential_group'),
        layout: { 'line-join': 'round' },
        paint: { 'line-color': '#2b3a4a', 'line-width': boundaryWidth },
      },
      {
        id: 'areas-discrepancy',
        type: 'line',
        source: src('areas'),
        filter: ['==', ['get', 'discrepancy'], true],
        paint: { 'line-color': '#111111', 'line-width': 2.5, 'line-dasharray': [2, 1.5] },
      },
    ],
    clickable: ['areas-fill', 'areas-boundary'],
    legend: [
      ...AREA_STATUSES.map((s) => ({
        label: { prefix: 'status', code: s },
        swatch: { kind: 'fill' as const, color: STATUS_COLORS[s], stroke: '#ffffff' },
      })),
      ...(['commune', 'district', 'province'] as const).map((l) => ({
        label: { prefix: 'boundary', code: l },
        swatch: { kind: 'line' as const, color: '#2b3a4a', width: BOUNDARY_WIDTHS[l] },
      })),
      { label: { key: 'discrepancy_legend' as Key }, swatch: { kind: 'dashed' as const, color: '#111111' } },
    ],
  },
  {
    id: 'kde',
    title: 'layer_kde',
    path: 'api/layers/kde',
    role: 'viewer',
    defaultVisible: false,
    reportBased: true,
    styles: [
      {
        id: 'kde-fill',
        type: 'fill',
        source: src('kde'),
        // The ramp is rescaled to the largest density of the loaded data (see setKdeMax).
        paint: {
          'fill-color': ['interpolate', ['linear'], ['get', 'density'], 0, '#ffffb2', 0.5, '#fd8d3c', 1, '#bd0026'],
          'fill-opacity': ['interpolate', ['linear'], ['get', 'density'], 0, 0.05, 1, 0.7],
        },
      },
    ],
    clickable: ['kde-fill'],
    legend: [{ label: { key: 'density_low' }, swatch: { kind: 'ramp', color: 'linear-gradient(90deg,#ffffb2,#fd8d3c,#bd0026)' } }],
  },
  {
    id: 'hexes',
    title: 'layer_hexes',
    path: 'api/layers/hexes',
    role: 'viewer',
    defaultVisible: true,
    reportBased: true,
    styles: [
      {
        id: 'hexes-fill',
        type: 'fill',
        source: src('hexes'),
        filter: ['!=', ['to-number', ['get', 'bin']], 0],
        paint: { 'fill-color': matchColor('bin', BIN_COLORS, '#f7f7f7'), 'fill-opacity': 0.7 },
      },
      {
        id: 'hexes-line',
        type: 'line',
        source: src('hexes'),
        filter: ['!=', ['to-number', ['get', 'bin']], 0],
        paint: { 'line-color': '#ffffff', 'line-width': 0.6, 'line-opacity': 0.8 },
      },
    ],
    clickable: ['hexes-fill'],
    legend: (['3', '2', '1', '-1', '-2', '-3'] as const).map((b) => ({
      label: { key: `bin_${b.replace('-', 'm')}` as Key },
      swatch: { kind: 'fill' as const, color: BIN_COLORS[b] },
    })),
  },
  {
    id: 'emerging',
    title: 'layer_emerging',
    path: 'api/layers/emerging',
    role: 'viewer',
    defaultVisible: false,
    reportBased: true,
    styles: [
      {
        id: 'emerging-fill',
        type: 'fill',
        source: src('emerging'),
        filter: ['!=', ['get', 'category'], 'no_pattern'],
        paint: { 'fill-color': matchColor('category', EMERGING_COLORS, '#f0f0f0'), 'fill-opacity': 0.75 },
      },
      {
        id: 'emerging-line',
        type: 'line',
        source: src('emerging'),
        filter: ['!=', ['get', 'category'], 'no_pattern'],
        paint: { 'line-color': '#555555', 'line-width': 0.8 },
      },
    ],
    clickable: ['emerging-fill'],
    legend: EMERGING_CATEGORIES.filter((c) => c !== 'no_pattern').map((c) => ({
      label: { prefix: 'cat', code: c },
      swatch: { kind: 'fill' as const, color: EMERGING_COLORS[c] },
    })),
  },
  {
    id: 'hotspots',
    title: 'layer_hotspots',
    path: 'api/layers/hotspots',
    role: 'viewer',
    defaultVisible: true,
    reportBased: true,
    styles: [
      {
        id: 'hotspots-fill',
        type: 'fill',
        source: src('hotspots'),
        // `dormant` is set by the map from `last_seen` and the as-of month (see markDormant).
        paint: { 'fill-color': ['case', ['==', ['get', 'dormant'], true], '#9e9e9e', '#e34a33'], 'fill-opacity': ['case', ['==', ['get', 'dormant'], true], 0.18, 0.35] },
      },
      {
        id: 'hotspots-line',
        type: 'line',
        source: src('hotspots'),
        filter: ['!=', ['get', 'dormant'], true],
        paint: { 'line-color': '#67000d', 'line-width': 2.2 },
      },
      {
        id: 'hotspots-line-dormant',
        type: 'line',
        source: src('hotspots'),
        filter: ['==', ['get', 'dormant'], true],
        paint: { 'line-color': '#555555', 'line-width': 1.6, 'line-dasharray': [3, 2] },
      },
    ],
    clickable: ['hotspots-fill'],
    legend: [
      { label: { key: 'hotspot_polygon' }, swatch: { kind: 'fill', color: '#e34a33', stroke: '#67000d' } },
      { label: { key: 'dormant_legend' }, swatch: { kind: 'dashed', color: '#555555' } },
    ],
  },
  {
    id: 'near',
    title: 'near_view',
    path: 'api/layers/near',
    role: 'analyst',
    defaultVisible: false,
    reportBased: true,
    // Sites with reports within the chosen radius: a ring whose size grows with the count.
    styles: [
      {
        id: 'near-ring',
        type: 'circle',
        source: src('near'),
        filter: ['>', ['to-number', ['get', 'reports_within']], 0],
        paint: {
          'circle-color': 'rgba(255,255,255,0)',
          'circle-radius': ['interpolate', ['linear'], ['to-number', ['get', 'reports_within']], 1, 10, 30, 24],
          'circle-stroke-color': '#b30000',
          'circle-stroke-width': 3,
        },
      },
    ],
    clickable: ['near-ring'],
    legend: [{ label: { key: 'near_view' }, swatch: { kind: 'circle', color: '#b30000' } }],
  },
  {
    id: 'sites',
    title: 'layer_sites',
    path: 'api/layers/sites',
    role: 'viewer',
    defaultVisible: true,
    reportBased: false,
    styles: [
      {
        id: 'sites-area',
        type: 'fill',
        source: src('sites'),
        filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': matchColor('kind', Object.fromEntries(Object.entries(SITE_STYLE).map(([k, v]) => [k, v.color])), '#757575'), 'fill-opacity': 0.12 },
      },
      {
        id: 'sites-outline',
        type: 'line',
        source: src('sites'),
        filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'line-color': matchColor('kind', Object.fromEntries(Object.entries(SITE_STYLE).map(([k, v]) => [k, v.color])), '#757575'), 'line-width': 1.2, 'line-dasharray': [3, 2] },
      },
      {
        id: 'sites-icon',
        type: 'symbol',
        source: src('sites'),
        layout: {
          'icon-image': ['concat', 'site-', ['get', 'kind']],
          'icon-size': ['interpolate', ['linear'], ['zoom'], 11, 0.55, 15, 0.9],
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
        },
      },
    ],
    clickable: ['sites-icon', 'sites-area'],
    legend: SITE_KINDS.filter((k) => k !== 'other').map((k) => ({
      label: { prefix: 'site', code: k },
      swatch: { kind: 'icon' as const, color: SITE_STYLE[k].color, icon: k },
    })),
  },
  {
    id: 'reports',
    title: 'layer_reports',
    path: 'api/reports',
    role: 'analyst',
    defaultVisible: true,
    reportBased: true,
    styles: [
      {
        id: 'reports-circle',
        type: 'circle',
        source: src('reports'),
        paint: {
          'circle-color': matchColor('kind', KIND_COLORS, '#333333'),
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 16, 6],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1,
        },
      },
    ],
    clickable: ['reports-circle'],
    legend: REPORT_KINDS.map((k) => ({
      label: { prefix: 'kind', code: k },
      swatch: { kind: 'circle' as const, color: KIND_COLORS[k] },
    })),
  },
];

export function sourceId(id: LayerId): string {
  return src(id);
}

/** Rescale the density ramp to the loaded data so the darkest colour is always used. */
export function kdePaint(max: number): { color: ExpressionSpecification; opacity: ExpressionSpecification } {
  const m = max > 0 ? max : 1;
  return {
    color: ['interpolate', ['linear'], ['get', 'density'], 0, '#ffffb2', m * 0.5, '#fd8d3c', m, '#bd0026'],
    opacity: ['interpolate', ['linear'], ['get', 'density'], 0, 0.05, m, 0.7],
  };
}

/** Draw one site icon on a canvas: a distinct shape and colour per kind, white outline. */
export function drawSiteIcon(kind: string, size = 32): ImageData {
  const { color, shape } = SITE_STYLE[kind] ?? SITE_STYLE.other;
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const g = c.getContext('2d')!;
  g.fillStyle = color;
  g.strokeStyle = '#ffffff';
  g.lineWidth = size / 12;
  g.lineJoin = 'round';
  const s = size;
  const m = s * 0.12;
  g.beginPath();
  switch (shape) {
    case 'square':
      g.rect(m, m, s - 2 * m, s - 2 * m);
      break;
    case 'diamond':
      g.moveTo(s / 2, m * 0.6);
      g.lineTo(s - m * 0.6, s / 2);
      g.lineTo(s / 2, s - m * 0.6);
      g.lineTo(m * 0.6, s / 2);
      g.closePath();
      break;
    case 'house':
      g.moveTo(s / 2, m * 0.6);
      g.lineTo(s - m, s * 0.45);
      g.lineTo(s - m, s - m);
      g.lineTo(m, s - m);
      g.lineTo(m, s * 0.45);
      g.closePath();
      break;
    case 'circle':
      g.arc(s / 2, s / 2, s / 2 - m, 0, Math.PI * 2);
      break;
    case 'triangle':
      g.moveTo(m, m * 1.4);
      g.lineTo(s - m, m * 1.4);
      g.lineTo(s / 2, s - m * 0.8);
      g.closePath();
      break;
    case 'star': {
      const cx = s / 2;
      const cy = s / 2 + s * 0.03;
      const r1 = s / 2 - m * 0.5;
      const r2 = r1 * 0.45;
      for (let i = 0; i < 10; i++) {
        const r = i % 2 === 0 ? r1 : r2;
        const a = -Math.PI / 2 + (i * Math.PI) / 5;
        const x = cx + r * Math.cos(a);
        const y = cy + r * Math.sin(a);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      g.closePath();
      break;
    }
    default:
      g.arc(s / 2, s / 2, s / 4, 0, Math.PI * 2);
  }
  g.fill();
  g.stroke();
  return g.getImageData(0, 0, s, s);
}

/** The same icon as a data URL, for the legend. */
export function siteIconDataUrl(kind: string, size = 20): string {
  const img = drawSiteIcon(kind, size * 2);
  const c = document.createElement('canvas');
  c.width = img.width;
  c.height = img.height;
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c.toDataURL('image/png');
}

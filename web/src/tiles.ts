/**
 * Vector tiles for the large layers (issue 11): a layer with more than {@link TILE_THRESHOLD}
 * features is drawn from the server's `/tiles/{layer}/{z}/{x}/{y}.mvt` instead of one GeoJSON
 * download, and nothing is cut silently: the count the map shows is the layer's true count
 * (from TileJSON, which the server computes from the same layer), and where the tiles stop
 * (report points start at zoom 13) the map says so.
 *
 * How a layer is loaded:
 * - report points: `/api/reports?limit=THRESHOLD+1`; at most THRESHOLD → GeoJSON as before,
 *   more → tiles, with the count from `/tiles/reports.json`;
 * - hexes and emerging cells: `/tiles/{layer}.json` first (its `features` is the count); small
 *   layers are then fetched as GeoJSON (popups, legends and lists read the features), large
 *   ones are tiled. A server without tiles (404) keeps GeoJSON.
 * Switching moves the layer's MapLibre style layers (same ids, current paint, filter and
 * visibility kept, same place in the draw order) between its GeoJSON source and a vector
 * source, so clicks and popups keep working.
 */
import type { FeatureCollection } from 'geojson';
import type { LayerSpecification, Map as MapLibreMap, RequestParameters } from 'maplibre-gl';
import { ApiError, getJson, getLayer, getToken, url } from './api';
import { fmtNum, lang } from './i18n';
import type { LayerDef, LayerId } from './layers';

/** Above this many features a layer is drawn from vector tiles. */
export const TILE_THRESHOLD = 5000;

/** Layers the map may tile (the server tiles these; kde keeps GeoJSON for its ramp's max). */
export const TILED_LAYERS: ReadonlySet<LayerId> = new Set<LayerId>(['reports', 'hexes', 'emerging']);

/** What TileJSON says about a tiled layer. */
export interface TileInfo {
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  bounds?: [number, number, number, number];
  /** The layer's true feature count. */
  features: number;
}

/** How a layer was loaded: GeoJSON features, or tiles with the true count. */
export type Loaded = { kind: 'geojson'; fc: FeatureCollection } | { kind: 'tiles'; info: TileInfo };

const WORDS = {
  tiled: { vi: 'vẽ bằng ô vector', en: 'drawn from vector tiles' },
  from_zoom: { vi: 'điểm hiện từ mức zoom {z}', en: 'points shown from zoom {z}' },
  features: { vi: 'đối tượng', en: 'features' },
} as const;

function word(k: keyof typeof WORDS, vars: Record<string, string | number> = {}): string {
  return WORDS[k][lang()].replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? ''));
}

/** The tile URLs each layer is drawn from now (`null`: its GeoJSON source). */
const drawn = new Map<LayerId, string | null>();

function tileSourceId(id: LayerId): string {
  return `tiles-${id}`;
}

/** TileJSON of a layer with the same parameters as its GeoJSON request; null without tiles. */
async function tileJson(id: LayerId, params: Record<string, string | number | boolean | undefined>): Promise<TileInfo | null> {
  try {
    const doc = await getJson<TileInfo>(url(`tiles/${id}.json`, params));
    return Array.isArray(doc.tiles) && typeof doc.features === 'number' ? doc : null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/**
 * Loads a layer the way its size calls for. `geojsonUrl` is its usual GeoJSON request;
 * `params` the same parameters for TileJSON (without `limit`).
 */
export async function loadSized(
  def: LayerDef,
  geojsonUrl: string,
  params: Record<string, string | number | boolean | undefined>,
): Promise<Loaded> {
  if (!TILED_LAYERS.has(def.id)) return { kind: 'geojson', fc: await getLayer(geojsonUrl) };
  const tileParams = { ...params };
  delete tileParams.limit;
  if (def.id === 'reports') {
    const probe = new URL(geojsonUrl);
    probe.searchParams.set('limit', String(TILE_THRESHOLD + 1));
    const fc = await getLayer(probe.toString());
    if (fc.features.length <= TILE_THRESHOLD) return { kind: 'geojson', fc };
    const info = await tileJson(def.id, tileParams);
    // A server without tiles: its own GeoJSON limit applies (the count line shows it).
    return info ? { kind: 'tiles', info } : { kind: 'geojson', fc: await getLayer(geojsonUrl) };
  }
  const info = await tileJson(def.id, tileParams);
  if (info && info.features > TILE_THRESHOLD) return { kind: 'tiles', info };
  return { kind: 'geojson', fc: await getLayer(geojsonUrl) };
}

/** The current spec of a style layer (paint, filter and visibility as they are now). */
function currentSpec(map: MapLibreMap, id: string): LayerSpecification | undefined {
  return map.getStyle().layers.find((l) => l.id === id);
}

/**
 * Draws `def` from tiles (`info`) or from its GeoJSON source (`info` null). The style
 * layers keep their ids and their place: they are re-added before the first layer above
 * them that is not theirs.
 */
export function drawFrom(map: MapLibreMap, def: LayerDef, geojsonSource: string, info: TileInfo | null): void {
  const own = new Set(def.styles.map((s) => s.id));
  const order = map.getStyle().layers.map((l) => l.id);
  const present = order.filter((id) => own.has(id));
  if (!present.length) return;
  const last = order.indexOf(present[present.length - 1]);
  const before = order.slice(last + 1).find((id) => !own.has(id));
  const specs = present.map((id) => currentSpec(map, id)!);
  const tileSrc = tileSourceId(def.id);
  const want = info ? info.tiles.join('|') : null;
  if ((drawn.get(def.id) ?? null) === want) return;
  drawn.set(def.id, want);
  for (const id of present) map.removeLayer(id);
  if (map.getSource(tileSrc)) map.removeSource(tileSrc);
  if (info) {
    map.addSource(tileSrc, {
      type: 'vector',
      tiles: info.tiles,
      minzoom: info.minzoom,
      maxzoom: info.maxzoom,
      ...(info.bounds ? { bounds: info.bounds } : {}),
    });
  }
  for (const spec of specs) {
    const next = { ...spec } as LayerSpecification & { source?: string; 'source-layer'?: string };
    if (info) {
      next.source = tileSrc;
      next['source-layer'] = def.id;
    } else {
      next.source = geojsonSource;
      delete next['source-layer'];
    }
    map.addLayer(next as LayerSpecification, before);
  }
}

/**
 * The bearer token on the map's own tile requests (report tiles are for analysts), never on
 * any other origin's (the administrator's base map).
 */
export function authorizeTiles(href: string): RequestParameters | undefined {
  const token = getToken();
  if (!token) return undefined;
  let u: URL;
  try {
    u = new URL(href, document.baseURI);
  } catch {
    return undefined;
  }
  if (u.origin !== location.origin || !/\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt$/.test(u.pathname)) return undefined;
  return { url: href, headers: { Authorization: `Bearer ${token}` } };
}

/**
 * The count line of a tiled layer: its true count, that it is tiled, and the zoom below which
 * it is not drawn (report points).
 */
export function tiledCountText(info: TileInfo): { text: string; title: string } {
  const text = fmtNum(info.features);
  const parts = [`${fmtNum(info.features)} ${word('features')}`, word('tiled')];
  if (info.minzoom > 0) parts.push(word('from_zoom', { z: info.minzoom }));
  return { text: info.minzoom > 0 ? `${text} (z≥${info.minzoom})` : text, title: parts.join(' · ') };
}

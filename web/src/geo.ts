/**
 * Small planar geometry over GeoJSON for the map's own decisions: which area a click falls in
 * (the smallest containing one wins), extents to fly to, label anchors. Lon/lat are treated as
 * planar; at ward scale the error is far below a pixel.
 */
import type { Feature, Geometry, Position } from 'geojson';

export type BBox = [number, number, number, number];

export function bboxOf(f: Feature | Geometry | null | undefined): BBox | null {
  const g = f && 'geometry' in f ? f.geometry : (f as Geometry | null | undefined);
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
  if (g && 'coordinates' in g) walk(g.coordinates);
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null;
}

export function unionBox(a: BBox | null, b: BBox | null): BBox | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

function polygons(g: Geometry | null | undefined): Position[][][] {
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

function inRing(x: number, y: number, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether [lon, lat] lies inside a (multi)polygon, holes excluded. */
export function contains(g: Geometry | null | undefined, lon: number, lat: number): boolean {
  return polygons(g).some((poly) => poly.length > 0 && inRing(lon, lat, poly[0]) && !poly.slice(1).some((h) => inRing(lon, lat, h)));
}

function ringArea(ring: Position[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
  return Math.abs(a / 2);
}

/** Planar area in degrees² (only for comparing sizes). */
export function areaOf(g: Geometry | null | undefined): number {
  return polygons(g).reduce((s, poly) => s + (poly.length ? ringArea(poly[0]) - poly.slice(1).reduce((h, r) => h + ringArea(r), 0) : 0), 0);
}

/**
 * The features containing the point, smallest first: a click inside a residential group picks
 * the group, not the ward, district or city around it, and never a neighbour.
 */
export function containingSmallestFirst(features: Feature[], lon: number, lat: number): Feature[] {
  return features
    .filter((f) => contains(f.geometry, lon, lat))
    .map((f) => ({ f, a: areaOf(f.geometry) }))
    .sort((x, y) => x.a - y.a)
    .map((x) => x.f);
}

/** A point well inside a polygon for a label: the bbox centre when inside, else the first vertex's neighbourhood. */
export function labelPoint(f: Feature): [number, number] | null {
  const b = bboxOf(f);
  if (!b) return null;
  const c: [number, number] = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  if (f.geometry?.type === 'Point') return f.geometry.coordinates as [number, number];
  if (contains(f.geometry, c[0], c[1])) return c;
  const poly = polygons(f.geometry)[0]?.[0];
  return poly?.length ? [poly[0][0], poly[0][1]] : c;
}

/** Great-circle distance in metres. */
export function distanceM(a: [number, number], b: [number, number]): number {
  const r = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(s));
}

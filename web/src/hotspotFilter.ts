/**
 * Which hotspots the planner's list shows and in what order: active (a report in the last N
 * months before the as-of date) or dormant, near chosen site kinds within a radius (from the
 * layer's `nearby_sites`, known up to NEARBY_MAX_M), without a plan, with an overdue plan.
 * Pure functions over feature properties, so the list, the map styling and tests agree.
 */
import type { Feature } from 'geojson';
import { parseNested } from './dom';

export const NEARBY_MAX_M = 300;

export interface PlanLike {
  state?: string;
  deadline?: string;
}

export interface HotspotFilter {
  activity: 'all' | 'active' | 'dormant';
  activeMonths: number;
  nearKinds: string[];
  radiusM: number;
  noPlan: boolean;
  overdue: boolean;
  sort: 'reports' | 'recent';
}

export const DEFAULT_FILTER: HotspotFilter = { activity: 'all', activeMonths: 3, nearKinds: [], radiusM: 300, noPlan: false, overdue: false, sort: 'reports' };

/** A plan still open after its deadline, seen from `asOf` (YYYY-MM-DD). */
export function isOverdue(plan: PlanLike, asOf: string): boolean {
  return plan.state === 'open' && typeof plan.deadline === 'string' && plan.deadline.slice(0, 10) < asOf;
}

/** First day of the month `n` months before `asOf`'s month (YYYY-MM-DD). */
export function monthsBefore(asOf: string, n: number): string {
  const [y, m] = asOf.split('-').map(Number);
  const idx = y * 12 + (m - 1) - (n - 1);
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}-01`;
}

/** Dormant: no report in the `activeMonths` months up to and including the as-of month. */
export function isDormant(p: Record<string, unknown>, asOf: string, activeMonths: number): boolean {
  const last = typeof p.last_seen === 'string' ? p.last_seen.slice(0, 10) : '';
  return last !== '' && last < monthsBefore(asOf, activeMonths);
}

export function plansOf(p: Record<string, unknown>): PlanLike[] {
  return parseNested<PlanLike[]>(p.plans) ?? [];
}

export function nearbyOf(p: Record<string, unknown>): Array<{ id?: string; name?: string; kind?: string; distance_m?: number }> {
  return parseNested<Array<{ id?: string; name?: string; kind?: string; distance_m?: number }>>(p.nearby_sites) ?? [];
}

export function applyFilter(features: Feature[], f: HotspotFilter, asOf: string): Feature[] {
  const out = features.filter((feat) => {
    const p = feat.properties ?? {};
    const dormant = isDormant(p, asOf, f.activeMonths);
    if (f.activity === 'active' && dormant) return false;
    if (f.activity === 'dormant' && !dormant) return false;
    if (f.nearKinds.length && !nearbyOf(p).some((s) => f.nearKinds.includes(String(s.kind)) && (s.distance_m ?? Infinity) <= f.radiusM)) return false;
    const plans = plansOf(p);
    if (f.noPlan && plans.length > 0) return false;
    if (f.overdue && !plans.some((pl) => isOverdue(pl, asOf))) return false;
    return true;
  });
  const key = (feat: Feature) => (f.sort === 'recent' ? String(feat.properties?.last_seen ?? '') : Number(feat.properties?.count ?? 0));
  return out.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? 1 : ka > kb ? -1 : Number(b.properties?.count ?? 0) - Number(a.properties?.count ?? 0);
  });
}

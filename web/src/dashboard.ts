/**
 * The programme dashboard of one area and month: children per status, % drug-free against each
 * target (met / on track / behind), relapsed areas, declared-vs-data discrepancies, hotspots
 * without a plan and overdue plans. It asks `GET /api/dashboard` (the same numbers as
 * `hotspot status` / `hotspot progress`); a server without that route gets the same table built
 * from `/api/progress`, the areas layer of the month and the plans, and the panel says so.
 */
import type { Feature } from 'geojson';
import { ApiError, getJson, url } from './api';
import { progressTable } from './areaPanel';
import { h } from './dom';
import { contains } from './geo';
import { isOverdue } from './hotspotFilter';
import { fmtAsOf, fmtDate, fmtMonth, fmtNum, t, tCode } from './i18n';
import { AREA_STATUSES } from './layers';
import type { Plan } from './popups';

export interface Dashboard {
  area: { id: string; name: string; level?: string };
  month: string;
  /** The data's as-of date (`data_as_of`: a day, a month for viewers). */
  as_of: string;
  children_by_status: Record<string, number>;
  children_total: number;
  targets: Array<Record<string, unknown>>;
  relapsed: Array<{ id: string; name: string }>;
  discrepancies: Array<{ id: string; name: string }>;
  hotspots_without_plan: string[];
  overdue_plans: Array<{ id: string; subject: string; deadline: string }>;
  source: 'api' | 'fallback';
}

export interface DashboardInputs {
  areaId: string;
  month: string;
  date: string;
  areas: Feature[];
  hotspots: Feature[];
  plans: () => Promise<Plan[]>;
}

type Named = { id: string; name: string };
const named = (x: unknown): Named => {
  if (typeof x === 'string') return { id: x, name: x };
  const o = (x ?? {}) as Record<string, unknown>;
  return { id: String(o.id ?? o.area ?? o.hotspot_id ?? ''), name: String(o.name ?? o.id ?? o.area ?? '') };
};

/**
 * Maps the answer of `/api/dashboard` (lifecycle::dashboard::Dashboard: `per_status`,
 * `targets` as TargetProgress with a nested `target`, `relapsed` ids, `discrepancies` rows,
 * `hotspots_without_plan` ids, `overdue_plans` plan ids with the `plans` beside them).
 */
function fromApi(body: Record<string, unknown>, inp: DashboardInputs): Dashboard {
  const area = (body.area ?? {}) as Record<string, unknown>;
  const per = (body.per_status ?? {}) as Record<string, unknown>;
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const s of AREA_STATUSES) {
    const n = Number(per[s] ?? 0);
    byStatus[s] = n;
    total += n;
  }
  const arr = (k: string): Array<Record<string, unknown>> => (Array.isArray(body[k]) ? (body[k] as Array<Record<string, unknown>>) : []);
  const nameOf = (id: string) => String(inp.areas.find((f) => f.properties?.id === id)?.properties?.name ?? id);
  const plans = arr('plans');
  return {
    area: { id: String(area.id ?? inp.areaId), name: String(area.name ?? inp.areaId), level: area.level as string | undefined },
    month: String(body.month ?? inp.month),
    as_of: String(body.data_as_of ?? body.as_of ?? inp.date),
    children_by_status: byStatus,
    children_total: Array.isArray(body.children) ? body.children.length : total,
    targets: arr('targets').map((r) => ({ ...((r.target ?? {}) as Record<string, unknown>), ...r })),
    relapsed: (Array.isArray(body.relapsed) ? (body.relapsed as unknown[]) : []).map((x) => (typeof x === 'string' ? { id: x, name: nameOf(x) } : named(x))),
    discrepancies: arr('discrepancies').map((r) => ({ id: String(r.area_id ?? ''), name: String(r.area_name ?? r.area_id ?? '') })),
    hotspots_without_plan: (Array.isArray(body.hotspots_without_plan) ? (body.hotspots_without_plan as unknown[]) : []).map((x) => named(x).id),
    overdue_plans: (Array.isArray(body.overdue_plans) ? (body.overdue_plans as unknown[]) : []).map((x) => {
      const id = typeof x === 'object' && x !== null ? (x as Record<string, unknown>).id : x;
      const pl = plans.find((p) => String(p.id) === String(id)) ?? {};
      const subj = (pl.subject ?? {}) as Record<string, unknown>;
      return { id: String(id ?? ''), subject: String(subj.id ?? ''), deadline: String(pl.deadline ?? '') };
    }),
    source: 'api',
  };
}

function descendants(areas: Feature[], id: string): Feature[] {
  const out: Feature[] = [];
  const walk = (pid: string) => {
    for (const a of areas) {
      if (a.properties?.parent_id === pid) {
        out.push(a);
        walk(String(a.properties?.id));
      }
    }
  };
  walk(id);
  return out;
}

async function fallback(inp: DashboardInputs): Promise<Dashboard> {
  const me = inp.areas.find((a) => a.properties?.id === inp.areaId);
  const all = descendants(inp.areas, inp.areaId);
  const direct = all.filter((a) => a.properties?.parent_id === inp.areaId);
  const byStatus: Record<string, number> = Object.fromEntries(AREA_STATUSES.map((s) => [s, 0]));
  for (const c of direct) byStatus[String(c.properties?.status)] = (byStatus[String(c.properties?.status)] ?? 0) + 1;
  const progress = await getJson<{ targets?: Array<Record<string, unknown>> }>(url('api/progress', { area: inp.areaId, date: inp.date })).catch(() => ({ targets: [] }));
  const plans = await inp.plans();
  const inside = (f: Feature) => {
    const c = f.properties?.centroid as unknown;
    const xy = (typeof c === 'string' ? JSON.parse(c) : c) as [number, number] | undefined;
    return !!me && !!xy && contains(me.geometry, xy[0], xy[1]);
  };
  const myHotspots = inp.hotspots.filter(inside);
  const subjects = new Set([inp.areaId, ...all.map((a) => String(a.properties?.id)), ...myHotspots.map((f) => String(f.properties?.hotspot_id))]);
  const nm = (f: Feature): Named => ({ id: String(f.properties?.id), name: String(f.properties?.name ?? f.properties?.id) });
  return {
    area: { id: inp.areaId, name: String(me?.properties?.name ?? inp.areaId), level: me?.properties?.level },
    month: inp.month,
    as_of: inp.date,
    children_by_status: byStatus,
    children_total: direct.length,
    targets: progress.targets ?? [],
    relapsed: all.filter((a) => a.properties?.status === 'relapsed').map(nm),
    discrepancies: [me, ...all].filter((a): a is Feature => !!a && (a.properties?.discrepancy === true)).map(nm),
    hotspots_without_plan: myHotspots.filter((f) => !(f.properties?.has_plan === true)).map((f) => String(f.properties?.hotspot_id ?? `#${f.properties?.cluster}`)),
    overdue_plans: plans.filter((p) => subjects.has(String(p.subject?.id)) && isOverdue(p, inp.date)).map((p) => ({ id: String(p.id ?? ''), subject: String(p.subject?.id ?? ''), deadline: String(p.deadline ?? '') })),
    source: 'fallback',
  };
}

export async function loadDashboard(inp: DashboardInputs): Promise<Dashboard> {
  try {
    const body = await getJson<Record<string, unknown>>(url('api/dashboard', { area: inp.areaId, month: inp.month }));
    return fromApi(body, inp);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && /no route/.test(e.message)) return fallback(inp);
    throw e;
  }
}

const listOrDash = (items: string[]) => (items.length ? h('ul', { class: 'plain' }, ...items.map((x) => h('li', {}, x))) : h('p', { class: 'muted' }, '—'));

export function renderDashboard(d: Dashboard): HTMLElement {
  const statusRows = AREA_STATUSES.map((s) =>
    h('tr', { 'data-status': s }, h('td', {}, h('span', { class: `status-chip status-${s}` }, tCode('status', s))), h('td', { class: 'num' }, fmtNum(d.children_by_status[s] ?? 0))),
  );
  return h(
    'div',
    { class: 'dashboard', 'data-testid': 'dashboard', 'data-source': d.source },
    h('p', { class: 'panel-month' }, `${d.area.name} · ${fmtMonth(d.month)} · ${fmtAsOf(d.as_of)}`),
    h('h3', {}, `${t('children_by_status')} (${fmtNum(d.children_total)})`),
    h('table', { class: 'progress', 'data-testid': 'dash-status' }, h('tbody', {}, ...statusRows)),
    h('h3', {}, t('target_progress')),
    d.targets.length ? progressTable(d.targets) : h('p', { class: 'muted' }, t('no_data')),
    h('h3', {}, `${t('relapsed_areas')}: ${fmtNum(d.relapsed.length)}`),
    listOrDash(d.relapsed.map((x) => x.name)),
    h('h3', {}, `${t('discrepancies')}: ${fmtNum(d.discrepancies.length)}`),
    listOrDash(d.discrepancies.map((x) => x.name)),
    h('h3', {}, `${t('hotspots_without_plan')}: ${fmtNum(d.hotspots_without_plan.length)}`),
    listOrDash(d.hotspots_without_plan),
    h('h3', {}, `${t('overdue_plans')}: ${fmtNum(d.overdue_plans.length)}`),
    listOrDash(d.overdue_plans.map((p) => `${p.subject} — ${fmtDate(p.deadline)}`)),
    d.source === 'fallback' ? h('p', { class: 'note' }, t('dashboard_fallback')) : null,
  );
}

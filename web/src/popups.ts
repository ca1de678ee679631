/** Click popups for every layer, built as DOM (no HTML strings from data). */
import { getJson, url } from './api';
import { dl, h, parseNested, type Child } from './dom';
import { isOverdue } from './hotspotFilter';
import { fmtDate, fmtMonth, fmtNum, t, tCode } from './i18n';
import { KIND_COLORS, REPORT_KINDS, SITE_STYLE } from './layers';

type Props = Record<string, unknown>;

export interface Plan {
  id?: number | string;
  subject?: { type?: string; id?: string };
  responsible_person?: string;
  task?: string;
  responsible_unit?: string;
  deadline?: string;
  expected_result?: string;
  approving_authority?: string;
  state?: string;
}

interface NearbySite {
  id?: string;
  name?: string;
  kind?: string;
  distance_m?: number;
}

/** Sites the planners ask about first when a hotspot appears near them. */
const PRIORITY_SITES = new Set(['school', 'boarding_house', 'industrial_zone']);

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function fmt(v: unknown, digits = 0): string {
  const n = num(v);
  return n === undefined ? '—' : fmtNum(n, digits);
}

function title(text: string, sub?: string): HTMLElement {
  return h('div', { class: 'popup-title' }, h('strong', {}, text), sub ? h('span', { class: 'popup-sub' }, sub) : null);
}

function kindCounts(p: Props): HTMLElement {
  const counts = parseNested<Record<string, number>>(p.counts) ?? {};
  const list = h('ul', { class: 'kind-counts' });
  for (const k of REPORT_KINDS) {
    const n = num(p[k]) ?? num(counts[k]) ?? 0;
    if (n > 0) list.append(h('li', {}, h('span', { class: 'dot', style: `background:${KIND_COLORS[k]}` }), `${tCode('kind', k)}: `, h('b', {}, fmtNum(n))));
  }
  if (!list.childElementCount) list.append(h('li', {}, '—'));
  return list;
}

/** One "6 clears" plan; open past its deadline (seen from `asOf`) it is marked overdue. */
export function planBlock(plan: Plan, asOf: string): HTMLElement {
  const overdue = isOverdue(plan, asOf);
  const state = plan.state ? tCode('plan_state', plan.state) : '';
  const stateNode = overdue
    ? h('span', { class: 'overdue-chip', 'data-overdue': 'true' }, `⚠ ${tCode('plan_state', 'overdue')}`)
    : state
      ? h('span', { class: 'muted' }, `(${state})`)
      : null;
  const deadline = h('span', {}, fmtDate(plan.deadline), ' ', stateNode);
  const block = h(
    'div',
    { class: overdue ? 'plan overdue' : 'plan', 'data-plan': String(plan.id ?? '') },
    dl([
      [t('plan_person'), plan.responsible_person],
      [t('plan_task'), plan.task],
      [t('plan_unit'), plan.responsible_unit],
      [t('plan_deadline'), deadline],
      [t('plan_result'), plan.expected_result],
      [t('plan_authority'), plan.approving_authority],
    ]),
  );
  if (plan.id !== undefined) block.append(historyDetails(plan.id));
  return block;
}

/** The plan's change history (`GET /api/plans/{id}/history`), fetched when opened. */
function historyDetails(id: number | string): HTMLElement {
  const list = h('ol', { class: 'plan-history' });
  const det = h('details', { class: 'history' }, h('summary', {}, t('history')), list);
  let loaded = false;
  det.addEventListener('toggle', () => {
    if (!det.open || loaded) return;
    loaded = true;
    list.replaceChildren(h('li', { class: 'muted' }, t('loading')));
    getJson<unknown>(url(`api/plans/${encodeURIComponent(String(id))}/history`))
      .then((body) => {
        const rows = (Array.isArray(body) ? body : ((body as { history?: unknown[]; versions?: unknown[] })?.history ?? (body as { versions?: unknown[] })?.versions ?? [])) as Array<Record<string, unknown>>;
        list.replaceChildren();
        if (!rows.length) list.append(h('li', { class: 'muted' }, t('history_none')));
        for (const r of rows) {
          const plan = (r.plan ?? r.after ?? r) as Record<string, unknown>;
          const when = r.changed_at ?? r.at ?? r.updated_at ?? plan.updated_at;
          const who = r.changed_by ?? r.by ?? r.updated_by ?? plan.updated_by;
          const op = r.op ?? r.action ?? r.change;
          const what = [op ? tCode('op', String(op)) : null, plan.state ? tCode('plan_state', String(plan.state)) : null, plan.deadline ? `${t('plan_deadline')}: ${fmtDate(plan.deadline)}` : null]
            .filter(Boolean)
            .join(' · ');
          list.append(h('li', {}, h('b', {}, fmtDate(when)), who ? ` — ${String(who)}` : '', what ? `: ${what}` : ''));
        }
      })
      .catch((e: unknown) => list.replaceChildren(h('li', { class: 'muted' }, `${t('history_none')} (${e instanceof Error ? e.message : e})`)));
  });
  return det;
}

export function hotspotPopup(p: Props, plans: Plan[], asOf: string, radiusM: number): HTMLElement {
  const id = String(p.hotspot_id ?? p.cluster ?? '');
  const near = (parseNested<NearbySite[]>(p.nearby_sites) ?? [])
    .filter((s) => PRIORITY_SITES.has(String(s.kind)))
    .sort((a, b) => (a.distance_m ?? 0) - (b.distance_m ?? 0));
  const nearList = h('ul', { class: 'near-list' });
  for (const s of near.slice(0, 8)) {
    nearList.append(
      h(
        'li',
        {},
        h('span', { class: 'dot', style: `background:${SITE_STYLE[s.kind ?? 'other']?.color ?? '#757575'}` }),
        `${s.name ?? s.id} — ${tCode('site', s.kind)}, ${fmt(s.distance_m)} m`,
      ),
    );
  }
  if (!near.length) nearList.append(h('li', {}, t('within_m', { m: radiusM })));
  const planNodes: Child[] = plans.length ? plans.map((pl) => planBlock(pl, asOf)) : [h('p', { class: 'muted' }, t('hotspot_no_plan'))];
  const areaM2 = num(p.area_m2);
  return h(
    'div',
    { class: 'popup', 'data-popup': 'hotspot' },
    title(`${t('hotspot')} ${id}`, p.dormant === true || p.dormant === 'true' ? t('dormant') : t('active')),
    dl([
        [t('reports_total'), fmt(p.count)],
      [t('first_seen'), fmtDate(p.first_seen)],
      [t('last_seen'), fmtDate(p.last_seen)],
      [t('area_m2'), areaM2 === undefined ? '—' : `${fmtNum(areaM2 / 10_000, 2)} ha`],
    ]),
    h('h3', {}, t('counts_by_kind')),
    kindCounts(p),
    h('h3', {}, t('nearby')),
    nearList,
    h('h3', {}, t('plan')),
    ...planNodes,
  );
}

export function hexPopup(p: Props): HTMLElement {
  const bin = num(p.bin) ?? 0;
  return h(
    'div',
    { class: 'popup', 'data-popup': 'hex' },
    title(t('cell'), String(p.h3 ?? '')),
    dl([
      [t('count'), fmt(p.count)],
      [t('gi_z'), fmt(p.gi_z, 2)],
      [t('gi_p'), fmt(p.gi_p, 4)],
      [t('legend'), t(`bin_${String(bin).replace('-', 'm')}` as Parameters<typeof t>[0])],
    ]),
  );
}

export function kdePopup(p: Props): HTMLElement {
  return h('div', { class: 'popup', 'data-popup': 'kde' }, title(t('cell'), String(p.h3 ?? '')), dl([[t('density'), `${fmt(p.density, 1)} ${t('density_unit')}`]]));
}

export function emergingPopup(p: Props): HTMLElement {
  return h(
    'div',
    { class: 'popup', 'data-popup': 'emerging' },
    title(tCode('cat', String(p.category ?? '')), String(p.h3 ?? '')),
    dl([
      [t('trend_z'), fmt(p.trend_z, 2)],
      [t('gi_p'), fmt(p.trend_p, 4)],
      [t('hot_steps'), `${fmt(p.hot_steps)} / ${fmt(p.steps)}`],
    ]),
  );
}

export interface SiteNearby {
  radiusM: number;
  hotspots: Array<{ id: string; distance_m?: number }>;
  /** From the `near` layer (analysts): reports within `nearRadiusM` and the nearest distance. */
  reports?: { within: number; nearest_m?: number | null; radiusM: number } | null;
}

export function sitePopup(p: Props, near: SiteNearby): HTMLElement {
  const hs = near.hotspots;
  return h(
    'div',
    { class: 'popup', 'data-popup': 'site' },
    title(String(p.name ?? p.id ?? ''), tCode('site', String(p.kind ?? ''))),
    dl([
      [t('kind'), tCode('site', String(p.kind ?? ''))],
      [t('hotspots_nearby', { m: near.radiusM }), hs.length ? hs.map((x) => `${x.id}${x.distance_m !== undefined ? ` (${fmt(x.distance_m)} m)` : ''}`).join(', ') : '0'],
      ...(near.reports
        ? ([[t('reports_nearby', { m: near.reports.radiusM }), `${fmt(near.reports.within)}${near.reports.nearest_m != null ? ` — ${t('nearest')} ${fmt(near.reports.nearest_m)} m` : ''}`]] as Array<[string, Child]>)
        : []),
    ]),
  );
}

export function reportPopup(p: Props): HTMLElement {
  return h(
    'div',
    { class: 'popup', 'data-popup': 'report' },
    title(tCode('kind', String(p.kind ?? '')), String(p.id ?? '')),
    dl([[t('observed_at'), fmtDate(p.observed_at)]]),
  );
}

/**
 * The clicked area (the smallest one containing the click) with the chain of areas around it,
 * each a button that opens that area's panel: the ward of a residential group is one click away.
 */
export function areaPopup(p: Props, parents: Props[], openPanel: (area: Props) => void): HTMLElement {
  const btn = h('button', { type: 'button', class: 'btn small primary', 'data-open-area': String(p.id ?? '') }, t('open_area_panel'));
  btn.addEventListener('click', () => openPanel(p));
  const chain = h('ul', { class: 'area-chain' });
  for (const a of parents) {
    const b = h('button', { type: 'button', class: 'link-btn', 'data-open-area': String(a.id ?? '') }, `${tCode('level', String(a.level ?? ''))}: ${String(a.name ?? a.id)}`);
    b.addEventListener('click', () => openPanel(a));
    chain.append(h('li', {}, b));
  }
  return h(
    'div',
    { class: 'popup', 'data-popup': 'area' },
    title(String(p.name ?? p.id ?? ''), tCode('level', String(p.level ?? ''))),
    dl([
      [t('status'), h('span', { class: `status-chip status-${p.status ?? 'none'}` }, tCode('status', (p.status as string) ?? 'none'))],
      [t('status_since'), typeof p.status_since === 'string' ? fmtMonth(p.status_since) : '—'],
      [t('declared_status'), p.declared_status ? tCode('status', String(p.declared_status)) : '—'],
    ]),
    p.discrepancy === true || p.discrepancy === 'true' ? h('p', { class: 'warn' }, t('discrepancy_yes')) : null,
    btn,
    parents.length ? h('h3', {}, t('part_of')) : null,
    parents.length ? chain : null,
  );
}

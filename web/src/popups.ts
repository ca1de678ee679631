/** Click popups for every layer, built as DOM (no HTML strings from data). */
import { dl, h, parseNested, type Child } from './dom';
import { fmtDate, fmtNum, t, tCode } from './i18n';
import { REPORT_KINDS, SITE_STYLE } from './layers';

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
    if (n > 0) list.append(h('li', {}, h('span', { class: `dot kind-${k}` }), `${tCode('kind', k)}: `, h('b', {}, fmtNum(n))));
  }
  if (!list.childElementCount) list.append(h('li', {}, '—'));
  return list;
}

export function planBlock(plan: Plan): HTMLElement {
  const state = plan.state ? ` (${tCode('plan_state', plan.state)})` : '';
  return h(
    'div',
    { class: 'plan' },
    dl([
      [t('plan_person'), plan.responsible_person],
      [t('plan_task'), plan.task],
      [t('plan_unit'), plan.responsible_unit],
      [t('plan_deadline'), fmtDate(plan.deadline) + state],
      [t('plan_result'), plan.expected_result],
      [t('plan_authority'), plan.approving_authority],
    ]),
  );
}

export function hotspotPopup(p: Props, plans: Plan[]): HTMLElement {
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
  if (!near.length) nearList.append(h('li', {}, t('nearby_none')));
  const planNodes: Child[] = plans.length ? plans.map(planBlock) : [h('p', { class: 'muted' }, t('hotspot_no_plan'))];
  const areaM2 = num(p.area_m2);
  return h(
    'div',
    { class: 'popup', 'data-popup': 'hotspot' },
    title(`${t('hotspot')} ${id}`),
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
  return h('div', { class: 'popup', 'data-popup': 'kde' }, title(t('cell'), String(p.h3 ?? '')), dl([[t('density'), fmt(p.density, 3)]]));
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

export function sitePopup(p: Props): HTMLElement {
  return h('div', { class: 'popup', 'data-popup': 'site' }, title(String(p.name ?? p.id ?? ''), tCode('site', String(p.kind ?? ''))));
}

export function reportPopup(p: Props): HTMLElement {
  return h(
    'div',
    { class: 'popup', 'data-popup': 'report' },
    title(tCode('kind', String(p.kind ?? '')), String(p.id ?? '')),
    dl([[t('observed_at'), fmtDate(p.observed_at)]]),
  );
}

export function areaPopup(p: Props, openPanel: () => void): HTMLElement {
  const btn = h('button', { type: 'button', class: 'btn small primary' }, t('open_area_panel'));
  btn.addEventListener('click', openPanel);
  return h(
    'div',
    { class: 'popup', 'data-popup': 'area' },
    title(String(p.name ?? p.id ?? ''), tCode('level', String(p.level ?? ''))),
    dl([
      [t('status'), h('span', { class: `status-chip status-${p.status ?? 'none'}` }, tCode('status', (p.status as string) ?? 'none'))],
      [t('status_since'), fmtDate(p.status_since)],
      [t('declared_status'), p.declared_status ? tCode('status', String(p.declared_status)) : '—'],
    ]),
    p.discrepancy === true || p.discrepancy === 'true' ? h('p', { class: 'warn' }, t('discrepancy_yes')) : null,
    btn,
  );
}

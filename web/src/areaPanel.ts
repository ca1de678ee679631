/**
 * The area side panel: computed vs declared status, open plans, target progress and the
 * server-rendered charts of one area. Charts are fetched with the bearer token and shown
 * through object URLs, so they work with and without `--open`.
 */
import { getJson, imageUrl, url } from './api';
import { dl, h, parseNested, type Child } from './dom';
import { fmtDate, fmtNum, t, tCode, type Key } from './i18n';
import { planBlock, type Plan } from './popups';

type Props = Record<string, unknown>;

const panel = () => document.getElementById('area-panel') as HTMLElement;
const body = () => document.getElementById('area-body') as HTMLElement;
let objectUrls: string[] = [];
let currentId: string | null = null;

function pct(v: unknown): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return String(v ?? '—');
  // Shares arrive as fractions in [0, 1]; larger numbers are already percentages.
  return `${fmtNum(n <= 1 ? n * 100 : n, 0)} %`;
}

/** Labels for the fields a progress row may carry. */
const FIELD_LABELS: Record<string, Key> = {
  due: 'due',
  share: 'target',
  target: 'target',
  target_share: 'target',
  actual: 'actual',
  actual_share: 'actual',
  on_track: 'on_track',
  not_clean: 'not_clean_children',
  not_clean_children: 'not_clean_children',
};

function renderValue(key: string, v: unknown): Child {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return key === 'on_track' ? (v ? t('on_track') : t('behind')) : v ? t('yes') : t('no');
  if (typeof v === 'number') return /share|target|actual|progress/.test(key) ? pct(v) : fmtNum(v, 2);
  if (typeof v === 'string') return /^\d{4}-\d{2}-\d{2}/.test(v) ? fmtDate(v) : v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ') || '—';
    const list = h('ul', { class: 'plain' });
    for (const x of v) list.append(h('li', {}, renderValue('', x)));
    return list;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string' || typeof o.id === 'string') return String(o.name ?? o.id);
    return dl(Object.entries(o).map(([k, x]) => [FIELD_LABELS[k] ? t(FIELD_LABELS[k]) : k, renderValue(k, x)]));
  }
  return String(v);
}

function progressTable(rows: Array<Record<string, unknown>>): HTMLElement {
  const table = h('table', { class: 'progress' });
  table.append(
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('due')), h('th', { scope: 'col' }, t('target')), h('th', { scope: 'col' }, t('actual')), h('th', { scope: 'col' }, t('on_track')))),
  );
  const tb = h('tbody');
  for (const r of rows) {
    const target = r.share ?? r.target_share ?? r.target;
    const actual = r.actual ?? r.actual_share;
    const onTrack = r.on_track;
    const ok = onTrack === true;
    tb.append(
      h(
        'tr',
        {},
        h('td', {}, renderValue('due', r.due)),
        h('td', {}, renderValue('share', target)),
        h('td', {}, renderValue('actual', actual)),
        h('td', { class: ok ? 'ok' : onTrack === false ? 'bad' : '' }, renderValue('on_track', onTrack)),
      ),
    );
  }
  table.append(tb);
  return table;
}

function renderProgress(data: unknown): Child {
  const rows = Array.isArray(data) ? data : Array.isArray((data as Props | null)?.targets) ? ((data as Props).targets as unknown[]) : null;
  if (rows && rows.length && rows.every((r) => typeof r === 'object' && r !== null)) {
    const wrap = h('div', {}, progressTable(rows as Array<Record<string, unknown>>));
    const notClean = (data as Props).not_clean ?? (data as Props).not_clean_children ?? (rows[0] as Props).not_clean;
    if (Array.isArray(notClean) && notClean.length) wrap.append(h('p', {}, `${t('not_clean_children')}: `, renderValue('', notClean)));
    return wrap;
  }
  if (rows && !rows.length) return h('p', { class: 'muted' }, t('no_data'));
  return renderValue('progress', data);
}

function chart(kind: 'trend' | 'targets' | 'status', label: Key, areaId: string): HTMLElement {
  const fig = h('figure', { class: 'chart' }, h('figcaption', {}, t(label)));
  const img = h('img', { alt: t(label), loading: 'lazy' });
  fig.append(img);
  imageUrl(url(`api/charts/${kind}.png`, { area: areaId }))
    .then((u) => {
      if (currentId !== areaId) return URL.revokeObjectURL(u);
      objectUrls.push(u);
      img.src = u;
    })
    .catch(() => img.replaceWith(h('p', { class: 'muted' }, t('chart_unavailable'))));
  return fig;
}

export function closeAreaPanel(): void {
  panel().hidden = true;
  currentId = null;
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls = [];
}

export function openAreaPanel(p: Props, plans: Plan[]): void {
  closeAreaPanel();
  const id = String(p.id ?? '');
  currentId = id;
  (document.getElementById('area-title') as HTMLElement).textContent = `${t('area')}: ${p.name ?? id}`;
  const b = body();
  b.replaceChildren();
  const discrepancy = p.discrepancy === true || p.discrepancy === 'true';
  const openPlans = parseNested<unknown>(p.open_plans);
  b.append(
    dl([
      [t('status'), h('span', { class: `status-chip status-${p.status ?? 'none'}` }, tCode('status', (p.status as string) ?? 'none'))],
      [t('status_since'), fmtDate(p.status_since)],
      [t('declared_status'), p.declared_status ? tCode('status', String(p.declared_status)) : '—'],
      [t('discrepancy'), discrepancy ? h('strong', { class: 'warn-text' }, t('discrepancy_yes')) : t('discrepancy_no')],
      [t('open_plans'), renderValue('open_plans', openPlans)],
      [t('target_progress'), renderValue('target_progress', parseNested<unknown>(p.target_progress))],
    ]),
  );
  const prog = h('section', { class: 'sub' }, h('h3', {}, t('target_progress')), h('p', { class: 'muted' }, t('loading')));
  b.append(prog);
  getJson<unknown>(url('api/progress', { area: id }))
    .then((data) => {
      if (currentId !== id) return;
      prog.replaceChildren(h('h3', {}, t('target_progress')), renderProgress(data) as Node);
    })
    .catch(() => prog.replaceChildren(h('h3', {}, t('target_progress')), h('p', { class: 'muted' }, t('no_data'))));
  const planSection = h('section', { class: 'sub' }, h('h3', {}, t('plan')));
  if (plans.length) for (const pl of plans) planSection.append(planBlock(pl));
  else planSection.append(h('p', { class: 'muted' }, '—'));
  b.append(planSection);
  b.append(
    h('section', { class: 'sub charts' }, h('h3', {}, t('charts')), chart('trend', 'chart_trend', id), chart('targets', 'chart_targets', id), chart('status', 'chart_status', id)),
  );
  panel().hidden = false;
  panel().focus();
}

export function isAreaPanelOpen(): string | null {
  return currentId;
}

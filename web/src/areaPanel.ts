/**
 * The area side panel: status in the month on screen, declared status, target progress as of
 * the same date (one table, human labels), the children not yet clean in that month, the area's
 * "6 clears" plans (overdue marked, change history), the charts (trend, targets, status and
 * emerging patterns; language, scope and month of the map, the emerging layer's resolution)
 * and the "Print briefing" / "Dashboard" buttons.
 */
import { download, getJson, url } from './api';
import { chartFigure } from './charts';
import { dl, h } from './dom';
import { fmtDate, fmtMonth, fmtNum, t, tCode } from './i18n';
import { planBlock, type Plan } from './popups';

type Props = Record<string, unknown>;

export interface PanelContext {
  /** YYYY-MM shown on the map. */
  month: string;
  /** YYYY-MM-DD: the as-of date of that month (its last day, never past the data). */
  date: string;
  /** H3 resolution of the map's emerging layer: the emerging chart counts the same cells. */
  emergingRes: number;
  openDashboard: (areaId: string) => void;
}

interface TargetRow {
  level?: string;
  share?: number;
  due?: string;
  children?: number;
  drug_free?: number;
  actual_share?: number;
  expected_share?: number;
  met?: boolean;
  due_passed?: boolean;
  state?: string;
  not_clean?: Array<{ id?: string; name?: string | null; status?: string }>;
}

const panel = () => document.getElementById('area-panel') as HTMLElement;
const body = () => document.getElementById('area-body') as HTMLElement;
let objectUrls: string[] = [];
let currentId: string | null = null;

export function pct(v: unknown): string {
  const n = typeof v === 'number' ? v : Number(v);
  if (v === null || v === undefined || !Number.isFinite(n)) return '—';
  return `${fmtNum(n * 100, 0)} %`;
}

/** Where a target stands, in words: met, on track or behind (missed once the due date passed). */
export function targetState(r: TargetRow): string {
  if (r.met) return 'met';
  if (r.due_passed) return 'missed';
  return r.state === 'on_track' ? 'on_track' : 'behind';
}

export function progressTable(rows: TargetRow[]): HTMLElement {
  const table = h('table', { class: 'progress', 'data-testid': 'progress-table' });
  table.append(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...[t('due'), t('target'), t('actual'), t('drug_free_share'), t('state')].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
  );
  const tb = h('tbody');
  for (const r of rows) {
    const st = targetState(r);
    tb.append(
      h(
        'tr',
        { 'data-state': st },
        h('td', {}, fmtDate(r.due)),
        h('td', {}, pct(r.share)),
        h('td', {}, pct(r.actual_share)),
        h('td', {}, `${fmtNum(r.drug_free ?? 0)} / ${fmtNum(r.children ?? 0)} ${tCode('level_plural', r.level)}`),
        h('td', { class: st === 'met' || st === 'on_track' ? 'ok' : 'bad' }, tCode('target_state', st)),
      ),
    );
  }
  table.append(tb);
  return table;
}

export function closeAreaPanel(): void {
  panel().hidden = true;
  currentId = null;
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls = [];
}

function printButton(id: string, ctx: PanelContext): HTMLElement {
  const b = h('button', { type: 'button', class: 'btn small', 'data-testid': 'print-briefing' }, t('print_briefing'));
  const msg = h('span', { class: 'muted', role: 'status' });
  b.addEventListener('click', () => {
    msg.textContent = t('loading');
    download(url('api/briefing', { area: id, month: ctx.month, format: 'pdf', lang: document.documentElement.lang }), `briefing-${id}-${ctx.month}.pdf`)
      .then(() => (msg.textContent = ''))
      .catch((e: unknown) => (msg.textContent = `${t('briefing_failed')}: ${e instanceof Error ? e.message : e}`));
  });
  return h('span', { class: 'print-wrap' }, b, msg);
}

export function openAreaPanel(p: Props, plans: Plan[], ctx: PanelContext): void {
  closeAreaPanel();
  const id = String(p.id ?? '');
  currentId = id;
  panel().dataset.area = id;
  (document.getElementById('area-title') as HTMLElement).textContent = `${String(p.name ?? id)}`;
  const b = body();
  b.replaceChildren();
  const discrepancy = p.discrepancy === true || p.discrepancy === 'true';
  const dash = h('button', { type: 'button', class: 'btn small primary', 'data-testid': 'open-dashboard' }, t('dashboard'));
  dash.addEventListener('click', () => ctx.openDashboard(id));
  b.append(
    h('p', { class: 'panel-month' }, `${tCode('level', String(p.level ?? ''))} · ${t('showing_month')} ${fmtMonth(ctx.month)}`),
    h('div', { class: 'panel-actions' }, dash, printButton(id, ctx)),
    dl([
      [t('status'), h('span', { class: `status-chip status-${p.status ?? 'none'}` }, tCode('status', (p.status as string) ?? 'none'))],
      [t('status_since'), typeof p.status_since === 'string' ? fmtMonth(p.status_since) : '—'],
      [t('declared_status'), p.declared_status ? `${tCode('status', String(p.declared_status))} (${fmtDate(p.declared_at)})` : '—'],
      [t('discrepancy'), discrepancy ? h('strong', { class: 'warn-text' }, t('discrepancy_yes')) : t('discrepancy_no')],
    ]),
  );
  const prog = h('section', { class: 'sub', 'data-testid': 'panel-progress' }, h('h3', {}, `${t('target_progress')} — ${fmtDate(ctx.date)}`), h('p', { class: 'muted' }, t('loading')));
  b.append(prog);
  getJson<{ targets?: TargetRow[] }>(url('api/progress', { area: id, date: ctx.date }))
    .then((data) => {
      if (currentId !== id) return;
      const rows = data.targets ?? [];
      const head = prog.firstElementChild as HTMLElement;
      if (!rows.length) return prog.replaceChildren(head, h('p', { class: 'muted' }, t('no_data')));
      const notClean = rows[0].not_clean ?? [];
      prog.replaceChildren(
        head,
        progressTable(rows),
        h('h3', {}, `${t('not_clean_children')} (${fmtMonth(ctx.month)}): ${fmtNum(notClean.length)}`),
        notClean.length
          ? h('ul', { class: 'plain not-clean', 'data-testid': 'not-clean' }, ...notClean.map((c) => h('li', {}, h('span', { class: `status-chip status-${c.status ?? 'none'}` }, tCode('status', c.status)), ' ', c.name ?? c.id ?? '')))
          : h('p', { class: 'muted' }, '—'),
      );
    })
    .catch(() => prog.replaceChildren(prog.firstElementChild as HTMLElement, h('p', { class: 'muted' }, t('no_data'))));
  const planSection = h('section', { class: 'sub' }, h('h3', {}, t('plan')));
  if (plans.length) for (const pl of plans) planSection.append(planBlock(pl, ctx.date));
  else planSection.append(h('p', { class: 'muted' }, '—'));
  b.append(planSection);
  const keep = (u: string) => {
    if (currentId !== id) return false;
    objectUrls.push(u);
    return true;
  };
  const scope = { area: id, month: ctx.month, res: ctx.emergingRes };
  b.append(
    h(
      'section',
      { class: 'sub charts' },
      h('h3', {}, t('charts')),
      chartFigure('trend', 'chart_trend', scope, keep),
      chartFigure('targets', 'chart_targets', scope, keep),
      chartFigure('status', 'chart_status', scope, keep),
      chartFigure('emerging', 'chart_emerging', scope, keep, t('chart_emerging_none', { r: ctx.emergingRes })),
    ),
  );
  panel().hidden = false;
  panel().focus();
}

export function isAreaPanelOpen(): string | null {
  return currentId;
}

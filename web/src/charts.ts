/**
 * Server-rendered charts (`/api/charts/{kind}.{png,svg}`) as the planner meets them: in the UI
 * language, scoped to the area and month on screen, with "enlarge" (the SVG in a dialog at full
 * width) and PNG/SVG downloads. Fetched with the bearer token, shown through object URLs.
 */
import { ApiError, download, imageUrl, url } from './api';
import { h } from './dom';
import { lang, t, type Key } from './i18n';

export type ChartKind = 'trend' | 'targets' | 'status' | 'emerging';

export interface ChartScope {
  area?: string;
  month?: string;
  asOf?: string;
  /** H3 resolution of the emerging chart (the map's emerging layer's). */
  res?: number;
}

export function chartUrl(kind: ChartKind, ext: 'png' | 'svg', scope: ChartScope, extra: Record<string, string | number> = {}): string {
  return url(`api/charts/${kind}.${ext}`, { area: scope.area, lang: lang(), month: scope.month, res: kind === 'emerging' ? scope.res : undefined, ...extra });
}

let dialog: HTMLDialogElement | null = null;

function enlarge(kind: ChartKind, label: string, scope: ChartScope): void {
  if (!dialog) {
    dialog = h('dialog', { id: 'chart-dialog', class: 'chart-dialog', 'aria-labelledby': 'chart-dialog-title' });
    document.body.append(dialog);
    dialog.addEventListener('close', () => dialog?.querySelectorAll('img').forEach((i) => URL.revokeObjectURL(i.src)));
  }
  const img = h('img', { alt: label, class: 'chart-big' });
  const close = h('button', { type: 'button', class: 'btn', 'data-i18n': 'close' }, t('close'));
  close.addEventListener('click', () => dialog?.close());
  dialog.replaceChildren(h('h2', { id: 'chart-dialog-title' }, label), img, h('div', { class: 'dialog-actions' }, ...downloadButtons(kind, scope), close));
  dialog.showModal();
  imageUrl(chartUrl(kind, 'svg', scope))
    .then((u) => (img.src = u))
    .catch(() => img.replaceWith(h('p', { class: 'muted' }, t('chart_unavailable'))));
}

function downloadButtons(kind: ChartKind, scope: ChartScope): HTMLElement[] {
  return (['png', 'svg'] as const).map((ext) => {
    const b = h('button', { type: 'button', class: 'btn small', 'data-chart-download': `${kind}.${ext}` }, t(ext === 'png' ? 'download_png' : 'download_svg'));
    b.addEventListener('click', () => void download(chartUrl(kind, ext, scope, { download: 1 }), `${kind}-${scope.area ?? 'all'}.${ext}`));
    return b;
  });
}

/**
 * A figure with the PNG, its caption and the enlarge/download buttons. When the server says
 * there is nothing to draw (422), `empty` says why in the planner's words (the buttons go).
 */
export function chartFigure(kind: ChartKind, label: Key, scope: ChartScope, keep: (objectUrl: string) => boolean, empty?: string): HTMLElement {
  const caption = t(label);
  const img = h('img', { alt: caption, 'data-chart': kind });
  const big = h('button', { type: 'button', class: 'btn small', 'data-chart-enlarge': kind }, t('enlarge'));
  big.addEventListener('click', () => enlarge(kind, caption, scope));
  const actions = h('div', { class: 'chart-actions' }, big, ...downloadButtons(kind, scope));
  const fig = h('figure', { class: 'chart', 'data-figure': kind }, h('figcaption', {}, caption), img, actions);
  imageUrl(chartUrl(kind, 'png', scope))
    .then((u) => {
      if (!keep(u)) return URL.revokeObjectURL(u);
      img.src = u;
    })
    .catch((e: unknown) => {
      const nothing = e instanceof ApiError && e.status === 422 && empty;
      img.replaceWith(h('p', { class: 'muted', 'data-chart-empty': kind }, nothing ? empty : t('chart_unavailable')));
      actions.remove();
    });
  return fig;
}

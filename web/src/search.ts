/**
 * One search box for the three things a planner looks up: areas by name (accents optional:
 * "an cuu" finds "An Cựu"), hotspots by id ("H-000001", "1") and sites by name. Choosing a
 * result hands it back to the map, which flies there and opens its panel or popup.
 */
import type { Feature } from 'geojson';
import { h } from './dom';
import { t, tCode } from './i18n';

export type Hit = { type: 'area' | 'hotspot' | 'site'; feature: Feature; label: string; sub: string };

/** Lower case without Vietnamese diacritics (đ → d), for accent-free matching. */
export function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function searchFeatures(q: string, areas: Feature[], hotspots: Feature[], sites: Feature[], limit = 12): Hit[] {
  const needle = fold(q);
  if (needle.length < 1) return [];
  const hits: Array<Hit & { rank: number }> = [];
  const rank = (hay: string) => {
    const f = fold(hay);
    const i = f.indexOf(needle);
    return i < 0 ? -1 : i === 0 ? 0 : f[i - 1] === ' ' || f[i - 1] === '(' ? 1 : 2;
  };
  for (const a of areas) {
    const p = a.properties ?? {};
    const r = Math.min(...[rank(String(p.name ?? '')), rank(String(p.id ?? ''))].map((x) => (x < 0 ? 99 : x)));
    if (r < 99) hits.push({ type: 'area', feature: a, label: String(p.name ?? p.id), sub: tCode('level', String(p.level ?? '')), rank: r });
  }
  const digits = needle.replace(/^h-?0*/, '');
  for (const hs of hotspots) {
    const p = hs.properties ?? {};
    const id = String(p.hotspot_id ?? '');
    if (!id) continue;
    const idDigits = id.replace(/^H-0*/, '');
    const r = fold(id).startsWith(needle) ? 0 : digits !== '' && /^\d+$/.test(digits) && idDigits === digits ? 0 : -1;
    if (r >= 0) hits.push({ type: 'hotspot', feature: hs, label: `${t('hotspot')} ${id}`, sub: `${p.count ?? ''} ${t('reports_unit')}`, rank: r });
  }
  for (const s of sites) {
    const p = s.properties ?? {};
    const r = rank(String(p.name ?? ''));
    if (r >= 0) hits.push({ type: 'site', feature: s, label: String(p.name ?? p.id), sub: tCode('site', String(p.kind ?? '')), rank: r + 0.5 });
  }
  return hits.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label)).slice(0, limit);
}

/** Wires the search input and its result list (a listbox the keyboard can walk). */
export function setupSearch(input: HTMLInputElement, list: HTMLElement, find: (q: string) => Hit[], choose: (hit: Hit) => void): void {
  let hits: Hit[] = [];
  let active = -1;
  const render = () => {
    list.replaceChildren();
    list.hidden = !input.value.trim();
    if (list.hidden) return;
    if (!hits.length) list.append(h('li', { class: 'muted', role: 'option' }, t('search_none')));
    hits.forEach((hit, i) => {
      const li = h('li', { role: 'option', id: `search-opt-${i}`, 'aria-selected': String(i === active), 'data-hit-type': hit.type }, h('strong', {}, hit.label), ' ', h('span', { class: 'muted' }, hit.sub));
      li.addEventListener('mousedown', (e) => {
        e.preventDefault();
        pick(i);
      });
      list.append(li);
    });
  };
  const pick = (i: number) => {
    const hit = hits[i];
    if (!hit) return;
    input.value = hit.label;
    list.hidden = true;
    choose(hit);
  };
  input.addEventListener('input', () => {
    hits = find(input.value);
    active = hits.length ? 0 : -1;
    render();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!hits.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length;
      render();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      pick(Math.max(0, active));
    } else if (e.key === 'Escape') {
      list.hidden = true;
    }
  });
  input.addEventListener('blur', () => window.setTimeout(() => (list.hidden = true), 150));
}

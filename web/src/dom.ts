/** Tiny DOM builder: text always goes through textContent, never innerHTML (data is untrusted). */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** A two-column definition table (label → value) used by popups and the area panel. */
export function dl(rows: Array<[string, Child]>): HTMLDListElement {
  const list = h('dl', { class: 'kv' });
  for (const [k, v] of rows) list.append(h('dt', {}, k), h('dd', {}, v ?? '—'));
  return list;
}

/** MapLibre hands nested properties back as JSON strings; accept both forms. */
export function parseNested<T>(value: unknown): T | undefined {
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return JSON.parse(value) as T;
    } catch {
      return undefined;
    }
  }
  return (value ?? undefined) as T | undefined;
}

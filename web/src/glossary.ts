/**
 * The shared palette and glossary (`src/glossary.json` at the repository root): the words and
 * colours of report kinds, area statuses, site kinds and emerging patterns, and the words of
 * levels, target states and plan states. The Rust charts and the monthly briefing read the
 * same file with `include_str!`, so map, charts and briefing cannot drift apart.
 */
import glossary from '../../src/glossary.json';

type Entry = { vi: string; en: string; color?: string };
export type Group = 'kind' | 'status' | 'site' | 'cat' | 'level' | 'level_plural' | 'target_state' | 'plan_state' | 'term';

const G = glossary as unknown as Record<Group, Record<string, Entry>>;

export function entry(group: Group, code: string): Entry | undefined {
  return G[group]?.[code];
}

export function colorOf(group: Group, code: string, fallback = '#808080'): string {
  return entry(group, code)?.color ?? fallback;
}

/** Code → colour for one group (for MapLibre `match` expressions and legends). */
export function colors(group: Group): Record<string, string> {
  return Object.fromEntries(Object.entries(G[group]).map(([k, v]) => [k, v.color ?? '#808080']));
}

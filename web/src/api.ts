/**
 * Talking to the hotspot HTTP API (routes in /api/openapi.json). The token lives in localStorage and goes out
 * as `Authorization: Bearer`; everything else is plain `fetch` against relative URLs so the
 * map works under any path prefix the Rust binary is mounted at.
 */
import type { FeatureCollection } from 'geojson';

const TOKEN_KEY = 'hotspot.token';

export type Role = 'viewer' | 'analyst' | 'admin';

export interface Me {
  role: Role;
  name: string;
}

export interface Meta {
  dataset_version?: number;
  first_report?: string | null;
  last_report?: string | null;
  counts?: { reports?: number; sites?: number; areas?: number };
  bbox?: [number, number, number, number] | null;
  kinds?: string[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** The API root, relative to the page, so `/prefix/` deployments keep working. */
function apiUrl(path: string): URL {
  return new URL(path.replace(/^\//, ''), document.baseURI);
}

export function url(path: string, params: Record<string, string | number | boolean | undefined> = {}): string {
  const u = apiUrl(path);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
  }
  return u.toString();
}

export async function request(href: string, init: RequestInit = {}, token = getToken()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(href, { ...init, headers });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && typeof body.error === 'string') message = body.error;
    } catch {
      /* not JSON: keep the status line */
    }
    throw new ApiError(res.status, message);
  }
  return res;
}

export async function getJson<T>(href: string, token?: string | null): Promise<T> {
  const res = await request(href, { headers: { Accept: 'application/json' } }, token === undefined ? getToken() : token);
  return (await res.json()) as T;
}

export async function getLayer(href: string): Promise<FeatureCollection> {
  const fc = await getJson<FeatureCollection>(href);
  if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new ApiError(0, 'not a GeoJSON FeatureCollection');
  }
  return fc;
}

export function fetchMe(token?: string | null): Promise<Me> {
  return getJson<Me>(url('api/me'), token);
}

export function fetchMeta(): Promise<Meta> {
  return getJson<Meta>(url('api/meta'));
}

/** Fetch an image with the bearer token and return an object URL for an <img>. */
export async function imageUrl(href: string): Promise<string> {
  const res = await request(href);
  return URL.createObjectURL(await res.blob());
}

/**
 * Download a layer with `download=1`: fetched (so the bearer token goes along), then saved
 * through a temporary object URL under the server's file name.
 */
export async function download(href: string, fallbackName: string): Promise<void> {
  const res = await request(href);
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const name = match?.[1] ?? fallbackName;
  const blob = await res.blob();
  const objectUrl = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = objectUrl;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}

export function roleAtLeast(role: Role | undefined, needed: Role): boolean {
  const order: Role[] = ['viewer', 'analyst', 'admin'];
  return role !== undefined && order.indexOf(role) >= order.indexOf(needed);
}

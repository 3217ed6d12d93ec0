/**
 * Calls to the gateway's REST API with the session cookie. Every change carries the session's
 * CSRF token (the server refuses cookie-authenticated changes without it); a 401 means the
 * session ended, and the app goes back to sign-in.
 */
export type Role = 'admin' | 'agent' | 'viewer';

export interface Me {
  id: string | null;
  email: string | null;
  name: string;
  role: Role;
  agent: { handle: string; name: string } | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: { error?: string; message?: string; field?: string; line?: number } = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/auth/')) onSignedOut();
    throw new ApiError(res.status, json.message ?? `HTTP ${res.status}`, json as ApiError['body']);
  }
  return json;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** Query string of the defined values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

export async function signIn(email: string, password: string): Promise<Me> {
  const res = await api<{ user: Me; csrfToken: string }>('POST', '/auth/login', { email, password });
  setCsrfToken(res.csrfToken);
  return res.user;
}

export async function whoAmI(): Promise<Me | null> {
  try {
    const res = await api<{ user: Me; csrfToken: string | null }>('GET', '/auth/me');
    setCsrfToken(res.csrfToken);
    return res.user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export async function signOut(): Promise<void> {
  await api('POST', '/auth/logout').catch(() => undefined);
  setCsrfToken(null);
}

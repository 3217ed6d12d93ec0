/** Console sessions from a test: sign in over HTTP, then call the API as that browser would. */
import type { TestGateway } from '../support/gateway.js';

export interface SignedIn {
  cookie: string;
  csrfToken: string;
  user: { id: string; role: string; agent: { handle: string } | null };
  /** Calls /api/v1 with the session cookie (and, unless `csrf: false`, the CSRF header). */
  api(method: string, path: string, body?: unknown, opts?: { csrf?: boolean; headers?: Record<string, string> }): Promise<Response>;
}

export async function signIn(t: TestGateway, email: string, password: string): Promise<SignedIn> {
  const res = await fetch(`${t.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`sign-in of ${email}: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken, user } = (await res.json()) as { csrfToken: string; user: SignedIn['user'] };
  return {
    cookie,
    csrfToken,
    user,
    api: (method, path, body, opts = {}) =>
      fetch(`${t.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          cookie,
          ...(opts.csrf === false ? {} : { 'x-csrf-token': csrfToken }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** Creates a console user with the admin token; returns its generated password. */
export async function addUser(t: TestGateway, email: string, role: 'admin' | 'agent' | 'viewer', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('POST', '/users', { email, role, ...extra });
  if (res.status !== 201) throw new Error(`POST /users ${email}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { password: string }).password;
}

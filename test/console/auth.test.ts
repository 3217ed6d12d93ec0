/**
 * The console's server side over HTTP, on a whole gateway (real PostgreSQL and Redis): sign-in,
 * sessions, CSRF, the login rate limit, roles on the API, users' CRUD and the first admin.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUserCommand } from '../../scripts/user.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { addUser, signIn, type SignedIn } from './support.js';

const FIRST_ADMIN = { email: 'boss@example.com', password: 'first-admin-password' };
let t: TestGateway;
const pw: Record<string, string> = {};
let admin: SignedIn;
let agent: SignedIn;
let viewer: SignedIn;

const login = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${t.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function newTicket(): Promise<number> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'Where is my order?' });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketNumber: number }).ticketNumber;
}

beforeAll(async () => {
  t = await startTestGateway({ ADMIN_EMAIL: FIRST_ADMIN.email, ADMIN_PASSWORD: FIRST_ADMIN.password, LOGIN_MAX_ATTEMPTS: '3' });
  expect((await t.api('POST', '/agents', { handle: 'maria', name: 'Maria Petrova', email: 'maria@example.com' })).status).toBe(201);
  pw.agent = await addUser(t, 'Maria@example.com', 'agent');
  pw.viewer = await addUser(t, 'vera@example.com', 'viewer', { name: 'Vera' });
  admin = await signIn(t, FIRST_ADMIN.email, FIRST_ADMIN.password);
  agent = await signIn(t, 'maria@example.com', pw.agent);
  viewer = await signIn(t, 'vera@example.com', pw.viewer);
});

afterAll(async () => {
  await t?.stop();
});

describe('sign-in', () => {
  it('the first admin comes from ADMIN_EMAIL and ADMIN_PASSWORD', async () => {
    const me = await admin.api('GET', '/auth/me');
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string; role: string } }).user).toMatchObject({ email: FIRST_ADMIN.email, role: 'admin' });
  });

  it('sets an HttpOnly, SameSite=Strict session cookie for the whole site (not Secure on http)', async () => {
    const res = await login({ email: 'vera@example.com', password: pw.viewer });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^od_session=[\w-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    // Only a hash of the token is kept in PostgreSQL.
    const token = cookie.split(';')[0]!.split('=')[1]!;
    expect(await t.gateway.db.userSession.count({ where: { id: token } })).toBe(0);
  });

  it('refuses a wrong password, and an unknown email, with the same 401', async () => {
    const wrong = await login({ email: 'vera@example.com', password: 'not-the-password' });
    const unknown = await login({ email: 'nobody@example.com', password: 'whatever-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('links an agent user to the desk agent with the same email, and attributes console replies to them', async () => {
    expect(agent.user.agent?.handle).toBe('maria');
    const number = await newTicket();
    // The body cannot speak for another agent: the session decides.
    const res = await agent.api('POST', `/tickets/${number}/messages`, { text: 'Your order ships today.', agent: 'someone-else' });
    expect(res.status).toBe(201);
    const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ text: string; author: { name: string } }> };
    expect(ticket.messages.find((m) => m.text === 'Your order ships today.')?.author.name).toBe('Maria Petrova');
    // Agents may save a reply as an article (but not edit articles: see the roles below).
    const saved = await agent.api('POST', `/tickets/${number}/kb-article`, { id: 'order-ships' });
    expect(saved.status).toBe(201);
    const events = (await (await t.api('GET', `/tickets/${number}`)).json()) as { events: Array<{ type: string; actor: { name: string } }> };
    expect(events.events.find((e) => e.type === 'kb.article_saved')?.actor.name).toBe('Maria Petrova');
  });

  it('rate-limits failed sign-ins per email with 429 and Retry-After, even for the right password then', async () => {
    const email = 'limited@example.com';
    const password = await addUser(t, email, 'viewer');
    for (let i = 0; i < 3; i++) expect((await login({ email, password: 'wrong-password!' })).status).toBe(401);
    const limited = await login({ email, password });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Another email from the same IP is not locked out by it.
    expect((await login({ email: 'vera@example.com', password: pw.viewer })).status).toBe(200);
  });

  it('takes JSON only, and refuses a foreign Origin', async () => {
    const form = await fetch(`${t.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=vera%40example.com&password=${encodeURIComponent(pw.viewer!)}`,
    });
    expect(form.status).toBe(415);
    expect((await login({ email: 'vera@example.com', password: pw.viewer }, { origin: 'https://evil.example' })).status).toBe(403);
  });
});

describe('sessions', () => {
  it('logout revokes the session', async () => {
    const s = await signIn(t, 'vera@example.com', pw.viewer!);
    expect((await s.api('GET', '/reports/summary')).status).toBe(200);
    const out = await s.api('POST', '/auth/logout');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await s.api('GET', '/reports/summary')).status).toBe(401);
    expect((await s.api('GET', '/auth/me')).status).toBe(401);
  });

  it('an expired session is refused', async () => {
    const s = await signIn(t, 'vera@example.com', pw.viewer!);
    expect((await s.api('GET', '/auth/me')).status).toBe(200);
    await t.gateway.db.userSession.updateMany({ where: { userId: s.user.id, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await s.api('GET', '/auth/me')).status).toBe(401);
    expect((await s.api('GET', '/reports/summary')).status).toBe(401);
    viewer = await signIn(t, 'vera@example.com', pw.viewer!);
  });

  it('a cookie-authenticated change without the CSRF token, or from another origin, is refused', async () => {
    const number = await newTicket();
    const noToken = await agent.api('PATCH', `/tickets/${number}`, { priority: 'high' }, { csrf: false });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: string }).error).toBe('csrf');
    const badToken = await agent.api('PATCH', `/tickets/${number}`, { priority: 'high' }, { csrf: false, headers: { 'x-csrf-token': viewer.csrfToken } });
    expect(badToken.status).toBe(403);
    const foreign = await agent.api('PATCH', `/tickets/${number}`, { priority: 'high' }, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { priority: string };
    expect(ticket.priority).not.toBe('high');
    const ok = await agent.api('PATCH', `/tickets/${number}`, { priority: 'high' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { priority: string }).priority).toBe('high');
  });

  it('the bearer token still works, with no CSRF token', async () => {
    expect((await t.api('GET', '/tickets')).status).toBe(200);
    expect((await t.api('GET', '/users')).status).toBe(200);
    const wrongBearer = await fetch(`${t.baseUrl}/api/v1/tickets`, { headers: { authorization: 'Bearer nope', cookie: admin.cookie } });
    expect(wrongBearer.status).toBe(401);
  });
});

describe('roles on the API', () => {
  const cases: Array<[string, string, unknown?]> = [
    ['GET', '/reports/summary'],
    ['GET', '/tickets'],
    ['GET', '/views'],
    ['GET', '/kb/search?q=delivery'],
    ['POST', '/kb/articles', { id: 'role-check', title: 'Role check', body: 'Text.' }],
    ['GET', '/desk-config'],
    ['PUT', '/desk-config', { yaml: 'x: 1' }],
    ['GET', '/users'],
    ['GET', '/channels'],
  ];
  const allowed: Record<string, string[]> = {
    viewer: ['GET /reports/summary'],
    agent: ['GET /reports/summary', 'GET /tickets', 'GET /views', 'GET /kb/search?q=delivery'],
    admin: cases.map(([m, p]) => `${m} ${p}`),
  };

  it.each(['viewer', 'agent', 'admin'])('%s: the server allows exactly its routes', async (role) => {
    const who = { viewer, agent, admin }[role]!;
    for (const [method, path, body] of cases) {
      const res = await who.api(method, path, body);
      const expected = allowed[role]!.includes(`${method} ${path}`);
      if (expected) expect(res.status, `${role} ${method} ${path}`).not.toBe(403);
      else expect(res.status, `${role} ${method} ${path}`).toBe(403);
      expect(res.status, `${role} ${method} ${path}`).not.toBe(401);
    }
  });

  it('an agent takes the next ticket for themselves, not onto a colleague; an admin may pull for anyone', async () => {
    expect((await t.api('POST', '/agents', { handle: 'pavel', name: 'Pavel' })).status).toBe(201);
    const forColleague = await agent.api('POST', '/agents/pavel/next');
    expect(forColleague.status).toBe(403);
    expect(((await forColleague.json()) as { message: string }).message).toBe('an agent takes the next ticket for themselves');
    expect((await agent.api('POST', '/agents/maria/next')).status).toBe(200);
    expect((await admin.api('POST', '/agents/pavel/next')).status).toBe(200);
  });

  it('a configuration saved from the console is signed by the user, whatever the body says', async () => {
    const { yaml } = (await (await t.api('GET', '/desk-config')).json()) as { yaml: string };
    const saved = await admin.api('PUT', '/desk-config', { yaml: `${yaml}\n# touched\n`, author: 'someone else' });
    expect(saved.status).toBe(201);
    expect(((await saved.json()) as { author: string }).author).toBe(`console:${FIRST_ADMIN.email}`);
  });

  it('without a session or token: 401', async () => {
    expect((await fetch(`${t.baseUrl}/api/v1/reports/summary`)).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/api/v1/users`)).status).toBe(401);
  });

  it('bull-board at /admin/queues is for admins only', async () => {
    const as = (cookie: string) => fetch(`${t.baseUrl}/admin/queues/api/queues`, { headers: { cookie } });
    expect((await as(viewer.cookie)).status).toBe(403);
    expect((await as(agent.cookie)).status).toBe(403);
    const ok = await as(admin.cookie);
    expect(ok.status).toBe(200);
    const names = ((await ok.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toContain('delivery');
  });
});

describe('users', () => {
  it('admins manage users; a role change signs the user out; the last admin stays', async () => {
    const email = 'temp@example.com';
    const created = await admin.api('POST', '/users', { email, role: 'agent', name: 'Temp' });
    expect(created.status).toBe(201);
    const { user, password } = (await created.json()) as { user: { id: string }; password: string };
    expect(password.length).toBeGreaterThanOrEqual(10);
    const temp = await signIn(t, email, password);
    expect((await temp.api('GET', '/tickets')).status).toBe(200);
    expect((await admin.api('PATCH', `/users/${user.id}`, { role: 'viewer' })).status).toBe(200);
    expect((await temp.api('GET', '/tickets')).status).toBe(401);
    const again = await signIn(t, email, password);
    expect((await again.api('GET', '/tickets')).status).toBe(403);
    expect((await admin.api('DELETE', `/users/${user.id}`)).status).toBe(204);
    expect((await again.api('GET', '/reports/summary')).status).toBe(401);
    // The only admin cannot demote themselves.
    const self = admin.user.id;
    const demote = await admin.api('PATCH', `/users/${self}`, { role: 'viewer' });
    expect(demote.status).toBe(409);
    expect((await admin.api('POST', '/users', { email: 'short@example.com', role: 'viewer', password: 'short' })).status).toBe(400);
  });

  it('npm run user -- add prints a password that signs in', async () => {
    const lines: string[] = [];
    const code = await runUserCommand(['add', 'cli@example.com', 'viewer', '--name', 'From CLI'], { DATABASE_URL: t.databaseUrl, NODE_ENV: 'test' }, (l) => lines.push(l));
    expect(code).toBe(0);
    const password = /password: (\S+)/.exec(lines.join('\n'))?.[1];
    expect(password).toBeTruthy();
    const s = await signIn(t, 'cli@example.com', password!);
    expect(s.user.role).toBe('viewer');
  });
});

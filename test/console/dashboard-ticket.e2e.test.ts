/**
 * The console's slices and the customer's history, in headless Chromium (playwright-core) against
 * a whole gateway on real PostgreSQL and Redis (the desk of test/reports/desk.yaml: teams support
 * and billing, agents anna, boris, vera, categories orders, delivery, payment):
 *  - GET /reports/dimensions, what the dashboard's pickers offer, readable by a viewer;
 *  - a viewer picks a team, an agent, a category on the dashboard: the tiles follow, the charts'
 *    series are asked for the same slice, and the CSV link carries it;
 *  - an agent opens a ticket whose customer also wrote on Telegram (two contacts linked into one)
 *    and sees the other ticket beside it, and opens it.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory, type TicketSpec } from '../reports/history.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ConsoleBrowser, testId } from './browser.js';
import { addUser, signIn as apiSignIn } from './support.js';

const VIEWER = 'vera.viewer@example.com';
const AGENT = 'anna@example.com';

let t: TestGateway;
let ui: ConsoleBrowser;
const passwords: Record<string, string> = {};

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** Tickets of the last days in two teams, by three agents, in three categories: the slices' counts are counted from here. */
const SEED: TicketSpec[] = [
  ...[1, 2, 3].map((i): TicketSpec => ({ key: `sup-anna${i}`, channel: 'telegram', team: 'support', assignee: 'anna', category: 'orders', status: 'open', openedAt: ago(i * 24 * HOUR) })),
  { key: 'sup-boris', channel: 'widget', team: 'support', assignee: 'boris', category: 'delivery', status: 'new', openedAt: ago(2 * HOUR) },
  ...[1, 2].map(
    (i): TicketSpec => ({
      key: `bill${i}`,
      channel: 'api',
      team: 'billing',
      assignee: 'vera',
      category: 'payment',
      status: 'resolved',
      openedAt: ago((i + 3) * 24 * HOUR),
      firstRespondedAt: ago((i + 3) * 24 * HOUR - HOUR),
      resolvedAt: ago((i + 2) * 24 * HOUR),
    }),
  ),
];
const count = (pick: (s: TicketSpec) => boolean) => String(SEED.filter(pick).length);

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ DESK_CONFIG: 'test/reports/desk.yaml', BOT_ENABLED: 'false' }), ConsoleBrowser.launch()]);
  // Timers plan every ticket once at start: let that pass, so they never act on the history below.
  await (t.gateway as { timers?: { rebuilt?: Promise<unknown> } }).timers?.rebuilt;
  passwords.viewer = await addUser(t, VIEWER, 'viewer', { name: 'Vera Viewer' });
  passwords.agent = await addUser(t, AGENT, 'agent', { agent: 'anna' });
  await writeHistory(t.databaseUrl, SEED);
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

/** Signs in through the form; returns once the app shows who is in. */
const signIn = (email: string, password: string) => ui.signIn(t.baseUrl, email, password);

const optionValues = (page: Page, id: string) => testId(page, id).locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));

describe('GET /api/v1/reports/dimensions', () => {
  it('gives a viewer the channels, teams, agents and categories to slice by', async () => {
    const viewer = await apiSignIn(t, VIEWER, passwords.viewer!);
    const res = await viewer.api('GET', '/reports/dimensions');
    expect(res.status).toBe(200);
    const dims = (await res.json()) as {
      channels: string[];
      teams: string[];
      agents: Array<{ handle: string; name: string; active: boolean }>;
      categories: Array<{ path: string; title: { ru: string; en: string } }>;
    };
    expect(dims.channels).toEqual(expect.arrayContaining(['widget', 'api', 'telegram', 'vk', 'whatsapp']));
    expect(dims.teams).toEqual(['billing', 'support']);
    expect(dims.agents.map((a) => a.handle)).toEqual(['anna', 'boris', 'gleb', 'vera']);
    expect(dims.agents[0]).toEqual({ handle: 'anna', name: 'Anna', active: true });
    expect(dims.categories).toEqual([
      { path: 'orders', title: { ru: 'Заказ', en: 'Orders' } },
      { path: 'delivery', title: { ru: 'Доставка', en: 'Delivery' } },
      { path: 'payment', title: { ru: 'Оплата', en: 'Payment' } },
    ]);
    // Read-only, and only with a session or the token; the viewer still reads nothing else.
    expect((await viewer.api('POST', '/reports/dimensions', {})).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${t.baseUrl}/api/v1/reports/dimensions`)).status).toBe(401);
    expect((await viewer.api('GET', '/desk-config')).status).toBe(403);
  });
});

describe('dashboard slices', () => {
  it('a viewer picks a team, an agent and a category: the tiles, the charts and the CSV follow', async () => {
    const viewer = await signIn(VIEWER, passwords.viewer!);
    const series: string[] = [];
    viewer.on('request', (req) => {
      if (req.url().includes('/api/v1/reports/timeseries')) series.push(req.url());
    });
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(String(SEED.length));
    await expect.poll(() => optionValues(viewer, 'dashboard-team')).toEqual(['', 'billing', 'support']);
    expect(await optionValues(viewer, 'dashboard-agent')).toEqual(['', 'anna', 'boris', 'gleb', 'vera']);
    expect(await optionValues(viewer, 'dashboard-category')).toEqual(['', 'orders', 'delivery', 'payment']);
    expect(await testId(viewer, 'dashboard-category').locator('option[value="payment"]').textContent()).toContain('Payment');

    // A team: its volume, its series, and a CSV of that slice.
    series.length = 0;
    await testId(viewer, 'dashboard-team').selectOption('billing');
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(count((s) => s.team === 'billing'));
    expect(await testId(viewer, 'tile-queue-value').textContent()).toBe('0');
    await expect.poll(() => series.filter((u) => new URL(u).searchParams.get('team') === 'billing').length).toBeGreaterThanOrEqual(6);
    const href = (await testId(viewer, 'export-csv').getAttribute('href'))!;
    expect(new URL(href, t.baseUrl).searchParams.get('team')).toBe('billing');
    expect(new URL(href, t.baseUrl).searchParams.get('format')).toBe('csv');
    const csv = await viewer.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    }, href);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.body).toContain('filter,team,billing');
    expect(csv.body).toContain(`volume,tickets,${count((s) => s.team === 'billing')}`);

    await testId(viewer, 'dashboard-team').selectOption('support');
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(count((s) => s.team === 'support'));
    expect(await testId(viewer, 'tile-queue-value').textContent()).toBe(count((s) => s.team === 'support'));

    // An agent within the team, then a category alone.
    await testId(viewer, 'dashboard-agent').selectOption('boris');
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(count((s) => s.team === 'support' && s.assignee === 'boris'));
    expect(new URL((await testId(viewer, 'export-csv').getAttribute('href'))!, t.baseUrl).searchParams.get('agent')).toBe('boris');
    await testId(viewer, 'dashboard-team').selectOption('');
    await testId(viewer, 'dashboard-agent').selectOption('');
    await testId(viewer, 'dashboard-category').selectOption('orders');
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(count((s) => s.category === 'orders'));
    const last = new URL((await testId(viewer, 'export-csv').getAttribute('href'))!, t.baseUrl).searchParams;
    expect([last.get('category'), last.get('team'), last.get('agent')]).toEqual(['orders', null, null]);
    await testId(viewer, 'dashboard-category').selectOption('');
    await expect.poll(() => testId(viewer, 'tile-volume-value').textContent()).toBe(String(SEED.length));
  }, 60_000);
});

describe("the customer's history across channels", () => {
  it('an agent sees the other ticket of the customer, on another channel, and opens it', async () => {
    // Pavel writes through the API channel …
    const sent = await t.inbound({ chatId: 'pavel-chat', messageId: 'pavel-1', from: { id: 'pavel-7', name: 'Pavel Orlov' }, text: 'My refund has not arrived' });
    expect(sent.status).toBe(202);
    const current = ((await sent.json()) as { ticketNumber: number }).ticketNumber;
    const ticket = (await (await t.api('GET', `/tickets/${current}`)).json()) as { contact: { id: string } };

    // … and wrote on Telegram last week, as another contact (with its Telegram identity).
    const ids = await writeHistory(t.databaseUrl, [{ key: 'pavel-tg', channel: 'telegram', status: 'resolved', openedAt: ago(7 * 24 * HOUR), resolvedAt: ago(6 * 24 * HOUR) }]);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    let other: { number: number; contactId: string };
    try {
      other = (await db.query<{ number: number; contactId: string }>(`SELECT "number", "contactId" FROM "Ticket" WHERE "id" = $1`, [ids.get('pavel-tg')])).rows[0]!;
      await db.query(`INSERT INTO "ChannelIdentity" ("id", "contactId", "channel", "externalId", "username") VALUES (gen_random_uuid(), $1, 'telegram', '700100', 'pavel_o')`, [other.contactId]);
    } finally {
      await db.end();
    }
    // One person: the Telegram contact is linked into the API one.
    const linked = await t.api('POST', `/contacts/${ticket.contact.id}/link`, { contactId: other.contactId });
    expect(linked.status).toBe(200);

    const agent = await signIn(AGENT, passwords.agent!);
    await agent.goto(`/admin/tickets/${current}`);
    await agent.locator(`[data-testid="ticket"][data-number="${current}"]`).waitFor();
    const side = testId(agent, 'customer-history');
    await side.waitFor();
    expect(await side.getAttribute('data-contact')).toBe(ticket.contact.id);
    // Both channels of the customer …
    expect((await side.locator('[data-testid="customer-identity"]').evaluateAll((items) => items.map((i) => i.getAttribute('data-channel')))).sort()).toEqual(['api', 'telegram']);
    expect(await side.locator('[data-testid="customer-identity"][data-channel="telegram"]').textContent()).toContain('@pavel_o');
    // … and the other ticket (not this one), with its status, channel and subject.
    const rows = side.locator('[data-testid="other-ticket"]');
    expect(await rows.count()).toBe(1);
    const row = side.locator(`[data-testid="other-ticket"][data-number="${other.number}"]`);
    const text = await row.textContent();
    for (const part of [`#${other.number}`, 'Resolved', 'telegram', 'Ticket pavel-tg']) expect(text).toContain(part);
    expect(await row.locator('.status').getAttribute('data-status')).toBe('resolved');

    // It opens, and lists the first one back.
    await row.locator('a').click();
    await agent.locator(`[data-testid="ticket"][data-number="${other.number}"]`).waitFor();
    expect(new URL(agent.url()).pathname).toBe(`/admin/tickets/${other.number}`);
    await agent.locator('[data-testid="message-text"]', { hasText: 'customer in pavel-tg' }).waitFor();
    const back = testId(agent, 'customer-history').locator(`[data-testid="other-ticket"][data-number="${current}"]`);
    await back.waitFor();
    expect(await back.textContent()).toContain('api');
  }, 60_000);
});

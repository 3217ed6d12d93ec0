/**
 * The web console used as people would, in headless Chromium (playwright-core), against a whole
 * gateway on real PostgreSQL and Redis: an admin signs in and reads the dashboard's seeded
 * figures; an agent opens a ticket from a saved view and replies, and the customer sees it in
 * the widget; the knowledge base's "try a question" shows matches; a viewer cannot reach the
 * configuration, in the UI or through the API.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeHistory, type TicketSpec } from '../reports/history.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { ConsoleBrowser, testId, type Viewport } from './browser.js';
import { addUser } from './support.js';

const ADMIN = { email: 'admin@example.com', password: 'correct-horse-battery' };
const AGENT = { handle: 'maria', name: 'Maria Petrova', email: 'maria@example.com' };

let t: TestGateway;
let ui: ConsoleBrowser;
const passwords: Record<string, string> = {};

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** The seeded history: what the dashboard must show is counted from it, not typed in. */
const SEED: TicketSpec[] = [
  ...[1, 2, 3].map((i): TicketSpec => ({ key: `late${i}`, channel: 'telegram', status: 'open', priority: 'high', openedAt: ago(48 * HOUR), firstResponseDueAt: ago(24 * HOUR), resolutionDueAt: ago(12 * HOUR), overdue: true })),
  ...[1, 2].map((i): TicketSpec => ({ key: `fresh${i}`, channel: 'vk', status: 'new', openedAt: ago(HOUR), firstResponseDueAt: ago(-5 * HOUR), resolutionDueAt: ago(-48 * HOUR) })),
  ...[1, 2, 3, 4].map(
    (i): TicketSpec => ({
      key: `done${i}`,
      channel: 'api',
      status: 'resolved',
      openedAt: ago(5 * 24 * HOUR),
      firstRespondedAt: ago(5 * 24 * HOUR - 30 * 60_000),
      resolvedAt: ago(4 * 24 * HOUR),
      firstResponseDueAt: ago(4 * 24 * HOUR),
      resolutionDueAt: ago(3 * 24 * HOUR),
      csat: { score: i % 2 ? 5 : 4, ratedAt: ago(4 * 24 * HOUR) },
    }),
  ),
];
const OPEN_STATUSES = new Set(['new', 'open', 'pending']);

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ SERVE_DEMO: 'true', BOT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }), ConsoleBrowser.launch()]);
  expect((await t.api('POST', '/agents', AGENT)).status).toBe(201);
  passwords.agent = await addUser(t, AGENT.email, 'agent');
  passwords.viewer = await addUser(t, 'viewer@example.com', 'viewer', { name: 'Vera Viewer' });
  await writeHistory(t.databaseUrl, SEED);
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

const newPage = (viewport?: Viewport) => ui.newPage(t.baseUrl, viewport);
/** Signs in through the form the way a person does; returns once the app shows who is in. */
const signIn = (email: string, password: string, viewport?: Viewport) => ui.signIn(t.baseUrl, email, password, viewport);

describe('serving the console', () => {
  it('answers any /admin path with the app (no-cache), and caches the hashed assets for good', async () => {
    const page = await fetch(`${t.baseUrl}/admin/tickets/1001`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const js = await fetch(`${t.baseUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${t.baseUrl}/admin/assets/missing.js`)).status).toBe(404);
  });
});

describe('web console', () => {
  let admin: Page;

  it('an admin signs in (a wrong password is refused first) and sees every section', async () => {
    const page = await newPage();
    await page.goto('/admin/');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', 'wrong-password');
    await testId(page, 'login-submit').click();
    await expect.poll(() => testId(page, 'login-error').textContent()).toContain('Wrong email or password');
    await page.fill('input[name=password]', ADMIN.password);
    await testId(page, 'login-submit').click();
    await testId(page, 'me').waitFor();
    expect(await testId(page, 'me').textContent()).toContain('admin');
    for (const section of ['dashboard', 'inbox', 'kb', 'config', 'channels', 'users', 'queues']) expect(await testId(page, `nav-${section}`).count(), section).toBe(1);
    // The session is an HttpOnly cookie: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    admin = page;
  });

  it('the dashboard shows the seeded figures, and its charts', async () => {
    const overdue = SEED.filter((s) => s.overdue && OPEN_STATUSES.has(s.status)).length;
    const queue = SEED.filter((s) => OPEN_STATUSES.has(s.status)).length;
    await expect.poll(() => testId(admin, 'tile-overdue-value').textContent()).toBe(String(overdue));
    expect(await testId(admin, 'tile-queue-value').textContent()).toBe(String(queue));
    expect(await testId(admin, 'tile-volume-value').textContent()).toBe(String(SEED.length));
    const ratings = SEED.flatMap((s) => (s.csat ? [s.csat.score] : []));
    expect(await testId(admin, 'tile-csat-value').textContent()).toBe(String(ratings.reduce((a, b) => a + b, 0) / ratings.length));
    for (const chart of ['volume', 'afrt', 'sla', 'csat', 'deflection']) {
      const size = await testId(admin, `chart-${chart}`).locator('canvas').boundingBox();
      expect(size?.height, chart).toBeGreaterThan(100);
    }
    // Sliced by channel, and exported as CSV with the session.
    await testId(admin, 'dashboard-channel').selectOption('telegram');
    await expect.poll(() => testId(admin, 'tile-volume-value').textContent()).toBe(String(SEED.filter((s) => s.channel === 'telegram').length));
    const csv = await admin.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    }, (await testId(admin, 'export-csv').getAttribute('href'))!);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.body.length).toBeGreaterThan(20);
    await testId(admin, 'dashboard-channel').selectOption('');
  });

  it('switches to Russian and remembers it', async () => {
    await testId(admin, 'lang-switch').click();
    await expect.poll(() => testId(admin, 'nav-dashboard').textContent()).toBe('Дашборд');
    await admin.reload();
    await expect.poll(() => testId(admin, 'nav-inbox').textContent()).toBe('Входящие');
    await testId(admin, 'lang-switch').click();
    await expect.poll(() => testId(admin, 'nav-inbox').textContent()).toBe('Inbox');
  });

  it('an agent opens a ticket from a saved view and replies; the customer gets the reply in the widget', async () => {
    expect((await t.api('POST', '/views', { name: 'Web chats', filters: { channel: ['widget'], status: ['new', 'open'] }, sort: 'deadline' })).status).toBe(201);
    // A customer writes from the demo shop's widget.
    const customer = await newPage();
    await customer.goto('/');
    await testId(customer, 'od-bubble').click();
    const form = testId(customer, 'od-form');
    await form.waitFor();
    await form.locator('[data-testid="od-name"]').fill('Olga Ivanova');
    await form.locator('[data-testid="od-contact"]').fill('olga@example.com');
    await form.locator('[data-testid="od-topic"]').selectOption({ index: 1 });
    await form.locator('[data-testid="od-form-message"]').fill('My order 7731 has not arrived');
    await form.locator('[data-testid="od-submit"]').click();
    await testId(customer, 'od-chat').waitFor();

    // The agent, on a tablet, finds it in the view.
    const agent = await signIn(AGENT.email, passwords.agent!, { width: 768, height: 1024 });
    await testId(agent, 'nav-inbox').click();
    await agent.locator('[data-testid="view-link"]', { hasText: 'Web chats' }).click();
    const row = agent.locator('[data-testid="ticket-row"]', { hasText: 'widget' });
    await row.first().waitFor();
    const number = await row.first().getAttribute('data-number');
    await row.first().click();
    await testId(agent, 'ticket').waitFor();
    expect(await testId(agent, 'ticket').getAttribute('data-number')).toBe(number);
    await agent.locator('[data-testid="message-text"]', { hasText: 'My order 7731 has not arrived' }).waitFor();

    const reply = 'Hello Olga, your order 7731 is with the courier and arrives today.';
    await testId(agent, 'reply-text').fill(reply);
    await testId(agent, 'send-reply').click();
    await agent.locator('[data-kind="agent"] [data-testid="message-text"]', { hasText: reply }).waitFor();

    // The customer sees it live, under the agent's name.
    const shown = customer.locator('[data-testid="od-msg"][data-author-kind="agent"]', { hasText: reply });
    await shown.waitFor({ timeout: 10_000 });
    expect(await shown.locator('[data-testid="od-msg-author"]').textContent()).toBe(AGENT.name);
    const detail = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ text: string; author: { name: string } }> };
    expect(detail.messages.find((m) => m.text === reply)?.author.name).toBe(AGENT.name);

    // And a note stays internal: shown in the console, never in the widget.
    await testId(agent, 'reply-text').fill('Courier confirmed by phone');
    await testId(agent, 'add-note').click();
    await agent.locator('[data-kind="note"]', { hasText: 'Courier confirmed by phone' }).waitFor();
    await customer.waitForTimeout(500);
    expect(await customer.locator('[data-testid="od-msg"]', { hasText: 'Courier confirmed by phone' }).count()).toBe(0);

    // Priority, tags and assignee from the side panel, in the audit trail under her name.
    await testId(agent, 'prop-priority').selectOption('urgent');
    await testId(agent, 'prop-tags').fill('vip, late');
    await testId(agent, 'prop-assignee').selectOption(AGENT.handle);
    await testId(agent, 'apply').click();
    await testId(agent, 'notice').waitFor();
    const changed = (await (await t.api('GET', `/tickets/${number}`)).json()) as {
      priority: string;
      tags: string[];
      assignee: { handle: string } | null;
      events: Array<{ type: string; actor: { name: string } }>;
    };
    expect(changed).toMatchObject({ priority: 'urgent', assignee: { handle: AGENT.handle } });
    expect([...changed.tags].sort()).toEqual(['late', 'vip']);
    expect(changed.events.find((e) => e.type === 'priority_changed')?.actor.name).toBe(AGENT.name);
    // The audit trail reads as sentences (the raw type in data-type).
    const prioritized = agent.locator('[data-testid="event"][data-type="priority_changed"]');
    await prioritized.waitFor();
    expect(await prioritized.locator('[data-testid="event-text"]').textContent()).toBe('Priority: Normal → Urgent');
    // A reassignment (here through the API) shows in the open page, the agents by name, not by id.
    expect((await t.api('POST', '/agents', { handle: 'oleg', name: 'Oleg Orlov' })).status).toBe(201);
    expect((await t.api('PATCH', `/tickets/${number}`, { assignee: 'oleg' })).status).toBe(200);
    const reassigned = agent.locator('[data-testid="event"][data-type="assigneeId_changed"]', { hasText: 'Oleg Orlov' });
    await reassigned.waitFor({ timeout: 5000 });
    expect(await reassigned.locator('[data-testid="event-text"]').textContent()).toBe(`Assignee: ${AGENT.name} (@${AGENT.handle}) → Oleg Orlov (@oleg)`);

    // The customer writes again (the widget names them on the first message only): shown under the contact's name, live.
    await testId(customer, 'od-input').fill('Thank you, I will wait at home');
    await testId(customer, 'od-input').press('Enter');
    const again = agent.locator('[data-testid="message"]', { hasText: 'Thank you, I will wait at home' });
    await again.waitFor({ timeout: 5000 });
    expect(await again.locator('.msg-head strong').textContent()).toBe('Olga Ivanova');
  }, 90_000);

  it('the knowledge base "try a question" shows the matching articles with their scores', async () => {
    const article = { id: 'delivery-times', title: 'How long does delivery take', lang: 'en', body: 'Courier delivery takes **2-3 days** in Moscow.', questions: ['how long is delivery', 'when will my parcel arrive'] };
    expect((await t.api('POST', '/kb/articles', article)).status).toBe(201);
    await testId(admin, 'nav-kb').click();
    await testId(admin, 'kb-try-input').fill('how long does delivery take?');
    await testId(admin, 'kb-try-submit').click();
    const match = admin.locator(`[data-testid="kb-match"][data-id="${article.id}"]`);
    await match.waitFor();
    expect(Number(await match.locator('[data-testid="kb-match-confidence"]').textContent())).toBeGreaterThan(0);
    // The editor previews the article's Markdown.
    await match.locator('a').click();
    await expect.poll(() => testId(admin, 'kb-preview').innerHTML()).toContain('<strong>2-3 days</strong>');
  });

  it('a reply saved to the knowledge base is a draft, marked as such, until an admin publishes it', async () => {
    const inbound = await t.inbound({ chatId: 'kb-draft-chat', messageId: 'kb-draft-1', from: { id: 'kb-draft-user', name: 'Olga Smirnova' }, text: 'Do you give gift receipts? operator' });
    const { ticketNumber } = (await inbound.json()) as { ticketNumber: number };
    expect((await t.api('POST', `/tickets/${ticketNumber}/messages`, { text: 'Hello Olga, yes: tick "gift receipt" at checkout.' })).status).toBe(201);

    await admin.goto(`/admin/tickets/${ticketNumber}`);
    const reply = admin.locator('[data-kind="agent"]', { hasText: 'gift receipt' });
    await reply.locator('[data-testid="save-article"]').click();
    await reply.locator('[data-testid="save-article-title"]').fill('Gift receipts');
    await reply.locator('[data-testid="save-article-confirm"]').click();
    await expect.poll(() => testId(admin, 'notice').textContent()).toMatch(/gift-receipts-en|черновик|draft/);
    const draft = (await (await t.api('GET', '/kb/articles/gift-receipts-en')).json()) as { title: string; body: string; questions: string[]; published: boolean };
    expect(draft).toMatchObject({ title: 'Gift receipts', body: 'Hello, yes: tick "gift receipt" at checkout.', questions: ['Do you give gift receipts?'], published: false });
    expect(t.gateway.knowledge.kb.get('gift-receipts-en')).toBeUndefined();

    await testId(admin, 'nav-kb').click();
    const item = admin.locator('[data-testid="kb-article"][data-id="gift-receipts-en"]');
    expect(await item.getAttribute('data-published')).toBe('false');
    await item.locator('[data-testid="kb-draft-chip"]').waitFor();
    await item.locator('a').click();
    await testId(admin, 'kb-draft-notice').waitFor();
    await testId(admin, 'kb-publish').click();
    await expect.poll(() => item.getAttribute('data-published')).toBe('true');
    expect(await item.locator('[data-testid="kb-draft-chip"]').count()).toBe(0);
    expect(t.gateway.knowledge.kb.get('gift-receipts-en')?.title).toBe('Gift receipts');
  });

  it('a viewer cannot reach the configuration, in the UI or through the API', async () => {
    const viewer = await signIn('viewer@example.com', passwords.viewer!);
    expect(await testId(viewer, 'nav-config').count()).toBe(0);
    expect(await testId(viewer, 'nav-inbox').count()).toBe(0);
    await testId(viewer, 'tile-overdue').waitFor();
    await viewer.goto('/admin/config');
    await testId(viewer, 'forbidden').waitFor();
    expect(await testId(viewer, 'config-page').count()).toBe(0);
    const status = await viewer.evaluate(async () => (await fetch('/api/v1/desk-config')).status);
    expect(status).toBe(403);
    const write = await viewer.evaluate(async () => (await fetch('/api/v1/desk-config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"yaml":"x: 1"}' })).status);
    expect(write).toBe(403);
  });

  it('an admin sees the channels and adds a user, whose password is shown once', async () => {
    await testId(admin, 'nav-channels').click();
    await admin.locator('[data-testid="channel-row"][data-channel="widget"]').waitFor();
    await testId(admin, 'nav-users').click();
    await admin.locator('[data-testid="user-row"]', { hasText: AGENT.email }).waitFor();
    const form = testId(admin, 'user-form');
    await form.locator('input[type=email]').fill('new.viewer@example.com');
    await form.locator('select').selectOption('viewer');
    await form.locator('button').click();
    const notice = await eventually(async () => (await testId(admin, 'users-notice').isVisible()) && testId(admin, 'users-notice').textContent());
    const password = /: (\S+)$/.exec(notice ?? '')?.[1];
    expect(password).toBeTruthy();
    const res = await fetch(`${t.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'new.viewer@example.com', password }) });
    expect(res.status).toBe(200);
  });

  it('an admin edits the configuration through the same validation as the YAML file', async () => {
    await admin.goto('/admin/config');
    await testId(admin, 'config-tab-yaml').click();
    const yaml = testId(admin, 'yaml-text');
    const original = await yaml.inputValue();
    await yaml.fill(`${original}\nsla:\n  - { priority: nonsense }\n`);
    await testId(admin, 'yaml-save').click();
    await expect.poll(() => testId(admin, 'config-error').textContent()).toMatch(/line/i);
    const before = await eventually(async () => ((await (await t.api('GET', '/desk-config')).json()) as { version: number }).version);
    // A canned response added in the form is in force after saving.
    await testId(admin, 'config-tab-canned').click();
    await testId(admin, 'canned-form').getByRole('button', { name: '+ Add' }).click();
    const last = admin.locator('[data-testid="canned-row"]').last();
    await last.locator('input').nth(0).fill('thanks');
    await last.locator('textarea').nth(0).fill('Спасибо за обращение!');
    await testId(admin, 'canned-save').click();
    await testId(admin, 'config-notice').waitFor();
    const after = (await (await t.api('GET', '/desk-config')).json()) as { version: number };
    expect(after.version).toBe(before + 1);
    const canned = (await (await t.api('GET', '/canned')).json()) as { canned: Array<{ shortcut: string }> };
    expect(canned.canned.map((c) => c.shortcut)).toContain('thanks');

    // SLA policies in their form: a bad target is refused by the same validation, a good one stored.
    await testId(admin, 'config-tab-sla').click();
    const target = admin.locator('[data-testid="sla-row"]').first().locator('input').nth(1);
    await target.fill('soon');
    await testId(admin, 'sla-save').click();
    await expect.poll(() => testId(admin, 'config-error').textContent()).toMatch(/line \d+.*sla\.0\.firstResponse/);
    await target.fill('45m');
    await testId(admin, 'sla-save').click();
    await expect.poll(async () => ((await (await t.api('GET', '/desk-config')).json()) as { version: number }).version).toBe(after.version + 1);
    const stored = (await (await t.api('GET', '/desk-config')).json()) as { yaml: string };
    expect(stored.yaml).toMatch(/firstResponse: 45m/);
  });
});

/**
 * What the console says in the agent's language, and "Take next", in headless Chromium
 * (playwright-core) against a whole gateway on real PostgreSQL and Redis (the desk of
 * test/reports/desk.yaml: teams support and billing, agents anna, boris, vera):
 *  - in Russian, the inbox and the ticket page name statuses and priorities by their labels (the
 *    raw values stay in data attributes), and the status filter's default and a saved view of
 *    several statuses and priorities show as readable labels, not blank;
 *  - the audit trail reads as sentences: a status change made through the API, a reassignment, a
 *    team, the bot's handoff, a due time (formatted), and an event type the console does not know
 *    (shown raw); in English after switching back;
 *  - an agent's "Take next" opens the most urgent ticket of her queue and makes it hers, and says so
 *    when the queue is empty; an admin who is not a desk agent has no such button.
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
import { addUser } from './support.js';

const AGENT = 'anna@example.com';
const ADMIN = 'boss@example.com';

let t: TestGateway;
let ui: ConsoleBrowser;
const passwords: Record<string, string> = {};
/** Ticket numbers of the seeded tickets, by key. */
const numbers = new Map<string, number>();

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** Boris's tickets: none of them waits in anyone's queue (the queue is the unassigned tickets). */
const SEED: TicketSpec[] = [
  { key: 'ru-open', channel: 'telegram', team: 'billing', assignee: 'boris', status: 'open', priority: 'urgent', openedAt: ago(3 * HOUR) },
  { key: 'ru-pending', channel: 'vk', assignee: 'boris', status: 'pending', priority: 'low', openedAt: ago(2 * HOUR) },
  // Made the bot's below (botActive, no due times yet); its reply failed to reach the customer.
  { key: 'ru-bot', channel: 'widget', assignee: 'boris', status: 'new', openedAt: ago(HOUR), firstRespondedAt: ago(HOUR / 2) },
];

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ DESK_CONFIG: 'test/reports/desk.yaml', BOT_ENABLED: 'false' }), ConsoleBrowser.launch()]);
  // Timers plan every ticket once at start: let that pass, so they never act on the history below.
  await (t.gateway as { timers?: { rebuilt?: Promise<unknown> } }).timers?.rebuilt;
  passwords.agent = await addUser(t, AGENT, 'agent', { agent: 'anna' });
  passwords.admin = await addUser(t, ADMIN, 'admin', { name: 'Boss' });
  const ids = await writeHistory(t.databaseUrl, SEED);
  await withDb(async (db) => {
    const rows = await db.query<{ id: string; number: number }>(`SELECT "id", "number" FROM "Ticket" WHERE "id" = ANY($1::uuid[])`, [[...ids.values()]]);
    for (const [key, id] of ids) numbers.set(key, rows.rows.find((r) => r.id === id)!.number);
    const bot = ids.get('ru-bot')!;
    await db.query(`UPDATE "Ticket" SET "botActive" = true, "firstResponseDueAt" = NULL, "resolutionDueAt" = NULL WHERE "id" = $1`, [bot]);
    await db.query(`UPDATE "Message" SET "deliveryState" = 'failed' WHERE "ticketId" = $1 AND "authorKind" = 'agent'`, [bot]);
  });
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

const signIn = (email: string, password: string) => ui.signIn(t.baseUrl, email, password);

async function toRussian(page: Page): Promise<void> {
  await testId(page, 'lang-switch').click();
  await expect.poll(() => testId(page, 'nav-inbox').textContent()).toBe('Входящие');
}

/** The text of a select's chosen option, and its value. */
const chosen = (page: Page, id: string) =>
  testId(page, id).evaluate((el) => {
    const select = el as HTMLSelectElement;
    return { value: select.value, text: select.selectedOptions[0]?.textContent ?? '' };
  });

/** What a filter of several values (status, priority) stands for, and how its button names it. */
const chosenMany = async (page: Page, name: 'status' | 'priority') => ({
  value: await testId(page, `filter-${name}`).getAttribute('data-value'),
  text: await testId(page, `filter-${name}-summary`).textContent(),
});

const row = (page: Page, key: string) => page.locator(`[data-testid="ticket-row"][data-number="${numbers.get(key)}"]`);
const eventText = (page: Page, type: string, hasText?: string) => page.locator(`[data-testid="event"][data-type="${type}"]`, hasText ? { hasText } : {}).locator('[data-testid="event-text"]');

describe('statuses and priorities in Russian', () => {
  it('the inbox and the ticket page show labels, the raw values stay in data attributes; the filters are never blank', async () => {
    const page = await signIn(AGENT, passwords.agent!);
    await toRussian(page);
    await testId(page, 'nav-inbox').click();

    // The default filter: the tickets still to be done, named in Russian.
    await row(page, 'ru-open').waitFor();
    expect(await chosenMany(page, 'status')).toEqual({ value: 'new,open,pending', text: 'Новое, Открыто, Ожидает' });
    const open = row(page, 'ru-open');
    expect(await open.locator('[data-testid="row-status"]').textContent()).toBe('Открыто');
    expect(await open.locator('[data-testid="row-status"]').getAttribute('data-status')).toBe('open');
    expect(await open.locator('[data-testid="row-priority"]').textContent()).toBe('Срочный');
    expect(await open.locator('[data-testid="row-priority"]').getAttribute('data-priority')).toBe('urgent');
    const pending = row(page, 'ru-pending');
    expect(await pending.locator('[data-testid="row-status"]').textContent()).toBe('Ожидает');
    expect(await pending.locator('[data-testid="row-priority"]').textContent()).toBe('Низкий');
    // The options of the filters are labels; the values the API takes. None chosen reads "все".
    expect(await chosenMany(page, 'priority')).toEqual({ value: '', text: 'все' });
    await testId(page, 'filter-priority-button').click();
    const options = await testId(page, 'filter-priority-option').evaluateAll((all) => all.map((o) => [(o as HTMLInputElement).value, o.closest('label')!.textContent!.trim()]));
    expect(options).toEqual([['low', 'Низкий'], ['normal', 'Обычный'], ['high', 'Высокий'], ['urgent', 'Срочный']]);
    await page.keyboard.press('Escape');

    // A saved view of several statuses and priorities: each filter shows them, not an empty select.
    expect((await t.api('POST', '/views', { name: 'Hot', filters: { status: ['open', 'pending'], priority: ['high', 'urgent'] }, sort: 'deadline' })).status).toBe(201);
    await page.reload();
    await page.locator('[data-testid="view-link"]', { hasText: 'Hot' }).click();
    await expect.poll(() => chosenMany(page, 'priority')).toEqual({ value: 'high,urgent', text: 'Высокий, Срочный' });
    expect(await chosenMany(page, 'status')).toEqual({ value: 'open,pending', text: 'Открыто, Ожидает' });
    await row(page, 'ru-open').waitFor();
    await expect.poll(() => row(page, 'ru-pending').count()).toBe(0);

    // The ticket: its header and the side panel's selects.
    await row(page, 'ru-open').click();
    await testId(page, 'ticket').waitFor();
    expect(await testId(page, 'ticket-status').textContent()).toBe('Открыто');
    expect(await testId(page, 'ticket-status').getAttribute('data-status')).toBe('open');
    expect(await testId(page, 'ticket-priority').textContent()).toBe('Срочный');
    expect(await chosen(page, 'prop-status')).toEqual({ value: 'open', text: 'Открыто' });
    expect(await chosen(page, 'prop-priority')).toEqual({ value: 'urgent', text: 'Срочный' });
    // Picked by its label, sent as its value.
    await testId(page, 'prop-status').selectOption({ label: 'Решено' });
    await testId(page, 'apply').click();
    await expect.poll(() => testId(page, 'ticket-status').getAttribute('data-status')).toBe('resolved');
    expect(await testId(page, 'ticket-status').textContent()).toBe('Решено');
    expect(((await (await t.api('GET', `/tickets/${numbers.get('ru-open')}`)).json()) as { status: string }).status).toBe('resolved');
  }, 60_000);
});

describe('the rest of the ticket page in Russian', () => {
  it('names the role, a reply that was not delivered, the author kind, and a ticket the bot still has', async () => {
    const page = await signIn(AGENT, passwords.agent!);
    await toRussian(page);
    expect(await testId(page, 'me').textContent()).toMatch(/ · агент$/);
    await page.goto(`${t.baseUrl}/admin/tickets/${numbers.get('ru-bot')}`);
    await testId(page, 'ticket').waitFor();
    expect(await testId(page, 'sla-bot').textContent()).toBe('у бота: отсчёт начнётся, когда он передаст обращение людям');
    const failed = page.locator('[data-testid="message"] .chip[data-state="failed"]');
    expect(await failed.textContent()).toBe('не доставлено');
    // writeHistory's agent message names nobody: the author reads as the kind, in Russian.
    expect(await page.locator('[data-testid="message"][data-kind="agent"] .msg-head strong').textContent()).toBe('агент');
    // A ticket with people shows its due times under their names.
    await page.goto(`${t.baseUrl}/admin/tickets/${numbers.get('ru-pending')}`);
    await testId(page, 'ticket').waitFor();
    expect(await testId(page, 'sla-first-response').textContent()).toMatch(/^Срок первого ответа: /);
  }, 60_000);
});

describe('the audit trail as sentences', () => {
  it("reads each event in the UI's language, and an unknown one as it is", async () => {
    const number = numbers.get('ru-pending')!;
    const due = '2031-05-06T07:30:00.000Z';
    // Events the console cannot cause here: the bot's handoff, a due time set, and one of a kind it does not know.
    await withDb((db) =>
      db.query(
        `INSERT INTO "TicketEvent" ("id", "ticketId", "type", "actorKind", "actorName", "data")
         SELECT gen_random_uuid(), t."id", e.type, e.kind, e.name, e.data::jsonb FROM "Ticket" t,
           (VALUES ('bot.handoff', 'bot', 'Бот', '{"reason":"asked_for_human"}'),
                   ('firstResponseDueAt_changed', 'system', NULL, $2),
                   ('mystery.thing', 'system', 'robot', '{"color":"teal"}')) AS e(type, kind, name, data)
         WHERE t."number" = $1`,
        [number, JSON.stringify({ from: null, to: due })],
      ),
    );
    const page = await signIn(AGENT, passwords.agent!);
    await toRussian(page);
    await page.goto(`/admin/tickets/${number}`);
    await page.locator(`[data-testid="ticket"][data-number="${number}"]`).waitFor();

    // Changes made through the API while the page is open: status (with the pending reason), team, assignee, who handles it.
    expect((await t.api('PATCH', `/tickets/${number}`, { status: 'open' })).status).toBe(200);
    await eventText(page, 'status_changed').waitFor();
    expect(await eventText(page, 'status_changed').textContent()).toBe('Статус: Ожидает → Открыто');
    expect((await t.api('PATCH', `/tickets/${number}`, { status: 'pending', reason: 'ждём склад' })).status).toBe(200);
    await eventText(page, 'status_changed', 'причина').waitFor();
    expect(await eventText(page, 'status_changed', 'причина').textContent()).toBe('Статус: Открыто → Ожидает (причина: ждём склад)');
    expect((await t.api('PATCH', `/tickets/${number}`, { team: 'support', assignee: 'anna' })).status).toBe(200);
    await eventText(page, 'teamId_changed').waitFor();
    expect(await eventText(page, 'teamId_changed').textContent()).toBe('Команда: — → support');
    expect(await eventText(page, 'assigneeId_changed').textContent()).toBe('Исполнитель: Boris (@boris) → Anna (@anna)');
    expect((await t.api('PATCH', `/tickets/${number}`, { botActive: true })).status).toBe(200);
    await eventText(page, 'botActive_changed').waitFor();
    expect(await eventText(page, 'botActive_changed').textContent()).toBe('Ведёт: люди → бот');

    // Written before the page opened: the handoff, the due time in the console's date format, the unknown type raw.
    expect(await eventText(page, 'bot.handoff').textContent()).toBe('Бот передал обращение людям (причина: попросил оператора)');
    const shownDue = await page.evaluate((iso) => new Date(iso).toLocaleString('ru-RU', { dateStyle: 'short', timeStyle: 'short' }), due);
    // (Changing the status may have set the due times too: this one is the 2031 date.)
    expect(await eventText(page, 'firstResponseDueAt_changed', shownDue).textContent()).toBe(`Срок первого ответа: — → ${shownDue}`);
    expect(await eventText(page, 'mystery.thing').textContent()).toBe('mystery.thing — color: teal');

    // In English after the switch.
    await testId(page, 'lang-switch').click();
    await expect.poll(() => eventText(page, 'status_changed', 'reason').textContent()).toBe('Status: Open → Pending (reason: ждём склад)');
    expect(await eventText(page, 'bot.handoff').textContent()).toBe('The bot handed the ticket to people (reason: asked for an agent)');
    expect(await eventText(page, 'botActive_changed').textContent()).toBe('Handled by: people → bot');
    expect(await testId(page, 'ticket-status').textContent()).toBe('Pending');
  }, 60_000);
});

describe('take next', () => {
  it('an agent takes the next ticket of her queue, and is told when the queue is empty', async () => {
    const page = await signIn(AGENT, passwords.agent!);
    await testId(page, 'nav-inbox').click();
    // Nothing waits: every ticket so far has an assignee.
    await testId(page, 'take-next').click();
    await expect.poll(() => testId(page, 'take-next-notice').textContent()).toBe('The queue is empty');
    expect(new URL(page.url()).pathname).toBe('/admin/inbox');

    // Two customers write; the urgent one is hers first.
    const write = async (id: string, text: string) => ((await (await t.inbound({ chatId: `${id}-chat`, messageId: `${id}-1`, from: { id, name: id }, text })).json()) as { ticketNumber: number }).ticketNumber;
    const calm = await write('calm', 'Where can I see my invoices?');
    const hot = await write('hot', 'I was charged twice!');
    expect((await t.api('PATCH', `/tickets/${hot}`, { priority: 'urgent' })).status).toBe(200);

    await testId(page, 'take-next').click();
    await page.locator(`[data-testid="ticket"][data-number="${hot}"]`).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/tickets/${hot}`);
    const taken = (await (await t.api('GET', `/tickets/${hot}`)).json()) as { assignee: { handle: string } | null };
    expect(taken.assignee?.handle).toBe('anna');

    // In Russian: the next one, then an empty queue.
    await testId(page, 'nav-inbox').click();
    await toRussian(page);
    expect(await testId(page, 'take-next').textContent()).toBe('Взять следующее');
    await testId(page, 'take-next').click();
    await page.locator(`[data-testid="ticket"][data-number="${calm}"]`).waitFor();
    await testId(page, 'nav-inbox').click();
    await testId(page, 'take-next').click();
    await expect.poll(() => testId(page, 'take-next-notice').textContent()).toBe('Очередь пуста');

    // An admin who is not a desk agent has no queue, and no button; the agent's own inbox has it.
    const boss = await signIn(ADMIN, passwords.admin!);
    await testId(boss, 'nav-inbox').click();
    await boss.locator(`[data-testid="ticket-row"][data-number="${calm}"]`).waitFor();
    expect(await testId(boss, 'take-next').count()).toBe(0);
    expect(await testId(page, 'take-next').count()).toBe(1);
  }, 60_000);
});

/**
 * Saved views made and removed from the console's inbox, in headless Chromium (playwright-core)
 * against a whole gateway on real PostgreSQL and Redis (the desk of test/reports/desk.yaml):
 *  - an agent starts from a view of several statuses and priorities, narrows it by category, two
 *    tags, overdue, a text search and another sort, and saves that as a new view with a name typed
 *    in the page (no browser prompt); an empty or taken name is refused with the server's reason in
 *    the UI's language, and nothing is stored;
 *  - the view is stored with exactly those filters (GET /views), shown chosen, and after a fresh
 *    page load choosing it restores every filter and lists the same tickets in the same order;
 *  - deleting it asks inside the page (no browser confirm): cancelled, it stays; confirmed, it is
 *    gone from the list and from GET /views, and the inbox is back on all tickets.
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

let t: TestGateway;
let ui: ConsoleBrowser;
let password = '';
/** Ticket numbers of the seeded tickets, by key. */
const numbers = new Map<string, number>();

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** What the new view keeps: each ticket but the first two misses exactly one of its filters. */
const hit = { channel: 'telegram', status: 'open', priority: 'urgent', category: 'delivery', overdue: true, openedAt: ago(3 * HOUR) } as const;
const SEED: Array<TicketSpec & { tags: string[] }> = [
  { ...hit, key: 'match-urgent', tags: ['vip', 'late'] },
  { ...hit, key: 'match-high', status: 'pending', priority: 'high', openedAt: ago(5 * HOUR), tags: ['late', 'vip', 'b2b'] },
  { ...hit, key: 'match-normal', priority: 'normal', tags: ['vip', 'late'] },
  { ...hit, key: 'match-new', status: 'new', tags: ['vip', 'late'] },
  { ...hit, key: 'match-resolved', status: 'resolved', tags: ['vip', 'late'] },
  { ...hit, key: 'match-orders', category: 'orders', tags: ['vip', 'late'] },
  { ...hit, key: 'match-ontime', overdue: false, tags: ['vip', 'late'] },
  { ...hit, key: 'match-one-tag', tags: ['vip'] },
  // Its subject and customer ("Ticket other-subject", "Customer other-subject") do not contain the search.
  { ...hit, key: 'other-subject', tags: ['vip', 'late'] },
];
/** The view's tickets, in its order (waiting longest first). */
const EXPECTED = ['match-high', 'match-urgent'];

/** The filters the test sets, as GET /views must give them back. */
const SAVED_FILTERS = { status: ['open', 'pending'], priority: ['high', 'urgent'], category: 'delivery', tags: ['vip', 'late'], overdue: true, q: 'match' };
const NAME = 'Late VIP deliveries';

beforeAll(async () => {
  [t, ui] = await Promise.all([startTestGateway({ DESK_CONFIG: 'test/reports/desk.yaml', BOT_ENABLED: 'false' }), ConsoleBrowser.launch()]);
  // Timers plan every ticket once at start: let that pass, so they never act on the history below.
  await (t.gateway as { timers?: { rebuilt?: Promise<unknown> } }).timers?.rebuilt;
  password = await addUser(t, AGENT, 'agent', { agent: 'anna' });
  const ids = await writeHistory(t.databaseUrl, SEED);
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    for (const spec of SEED) {
      const row = await db.query<{ number: number }>(`UPDATE "Ticket" SET "tags" = $2 WHERE "id" = $1 RETURNING "number"`, [ids.get(spec.key), spec.tags]);
      numbers.set(spec.key, row.rows[0]!.number);
    }
  } finally {
    await db.end();
  }
});

afterEach(() => {
  expect(ui.takeErrors(), 'script errors in the page').toEqual([]);
});

afterAll(async () => {
  await ui?.close();
  await t?.stop();
});

interface StoredView {
  id: string;
  name: string;
  filters: Record<string, unknown>;
  sort: string;
}
const storedViews = async () => ((await (await t.api('GET', '/views')).json()) as { views: StoredView[] }).views;

/** What the filter bar shows. */
const shownFilters = (page: Page) =>
  page.evaluate(() => {
    const value = (id: string) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | HTMLSelectElement).value;
    return {
      status: value('filter-status'),
      priority: value('filter-priority'),
      channel: value('filter-channel'),
      assignee: value('filter-assignee'),
      team: value('filter-team'),
      category: value('filter-category'),
      tags: value('filter-tags'),
      q: value('filter-q'),
      overdue: (document.querySelector('[data-testid="filter-overdue"]') as HTMLInputElement).checked,
      sort: value('sort'),
    };
  });
const SHOWN = { status: 'open,pending', priority: 'high,urgent', channel: '', assignee: '', team: '', category: 'delivery', tags: 'vip, late', q: 'match', overdue: true, sort: 'age' };

/** The tickets listed, by seed key, in their order. */
const listed = async (page: Page) => {
  const shown = await page.locator('[data-testid="ticket-row"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-number'))));
  return shown.map((n) => [...numbers].find(([, number]) => number === n)?.[0] ?? `#${n}`);
};

const viewLink = (page: Page, name: string) => page.locator('[data-testid="view-link"]', { hasText: name });

describe('saved views from the inbox', () => {
  it('an agent saves the filters as a view, finds them again after a page load, and deletes it', async () => {
    expect((await t.api('POST', '/views', { name: 'Hot', filters: { status: ['open', 'pending'], priority: ['high', 'urgent'] }, sort: 'deadline' })).status).toBe(201);
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    // Nothing here may ask through the browser's own prompt or confirm.
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await testId(page, 'nav-inbox').click();

    // From the view of several statuses and priorities, narrowed in the filter bar.
    await viewLink(page, 'Hot').click();
    await expect.poll(() => testId(page, 'filter-priority').inputValue()).toBe('high,urgent');
    await testId(page, 'filter-category').fill('delivery');
    await testId(page, 'filter-category').press('Tab');
    await testId(page, 'filter-tags').fill('vip,late');
    await testId(page, 'filter-tags').press('Tab');
    await testId(page, 'filter-overdue').check();
    await testId(page, 'filter-q').fill('match');
    await testId(page, 'filter-q').press('Tab');
    await testId(page, 'sort').selectOption('age');
    await expect.poll(() => listed(page)).toEqual(EXPECTED);
    expect(await shownFilters(page)).toEqual(SHOWN);

    // An empty name, then a taken one: the server refuses both, the page says why, in English and in Russian.
    await testId(page, 'save-view').click();
    await testId(page, 'save-view-form').waitFor();
    await testId(page, 'save-view-confirm').click();
    await expect.poll(() => testId(page, 'view-error').textContent()).toBe('Name the view');
    await testId(page, 'save-view-name').fill('Hot');
    await testId(page, 'save-view-confirm').click();
    await expect.poll(() => testId(page, 'view-error').textContent()).toBe('A view named “Hot” already exists');
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'view-error').textContent()).toBe('Представление «Hot» уже есть');
    expect(await testId(page, 'save-view-confirm').textContent()).toBe('Сохранить');
    await testId(page, 'save-view-name').fill('   ');
    await testId(page, 'save-view-confirm').click();
    await expect.poll(() => testId(page, 'view-error').textContent()).toBe('Укажите название представления');
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'nav-inbox').textContent()).toBe('Inbox');
    expect((await storedViews()).map((v) => v.name)).toEqual(['Hot']);

    // Saved: stored with exactly these filters, and shown as the chosen view.
    await testId(page, 'save-view-name').fill(NAME);
    await testId(page, 'save-view-name').press('Enter');
    await expect.poll(() => viewLink(page, NAME).count()).toBe(1);
    const stored = (await storedViews()).find((v) => v.name === NAME);
    expect(stored).toMatchObject({ filters: SAVED_FILTERS, sort: 'age' });
    expect(Object.keys(stored!.filters).sort()).toEqual(Object.keys(SAVED_FILTERS).sort());
    await expect.poll(() => new URL(page.url()).search).toBe(`?view=${stored!.id}`);
    expect(await viewLink(page, NAME).getAttribute('class')).toBe('active');
    expect(await viewLink(page, 'Hot').getAttribute('class')).toBe('');
    expect(await testId(page, 'save-view-form').count()).toBe(0);
    expect(await testId(page, 'view-error').count()).toBe(0);
    expect(await shownFilters(page)).toEqual(SHOWN);
    await expect.poll(() => listed(page)).toEqual(EXPECTED);

    // A fresh page load is back on all tickets; choosing the view brings every filter back, and the same tickets.
    await page.goto('/admin/inbox');
    await viewLink(page, NAME).waitFor();
    await expect.poll(() => testId(page, 'filter-status').inputValue()).toBe('new,open,pending');
    expect(await testId(page, 'filter-category').inputValue()).toBe('');
    await viewLink(page, NAME).click();
    await expect.poll(() => shownFilters(page)).toEqual(SHOWN);
    await expect.poll(() => listed(page)).toEqual(EXPECTED);

    // Deleting asks first, inside the page; cancelled, the view stays.
    await testId(page, 'delete-view').click();
    expect(await testId(page, 'delete-view-prompt').textContent()).toContain(`Delete the view “${NAME}” for everyone?`);
    await testId(page, 'delete-view-cancel').click();
    expect(await testId(page, 'delete-view-prompt').count()).toBe(0);
    expect(await viewLink(page, NAME).count()).toBe(1);
    expect((await storedViews()).map((v) => v.name)).toEqual(['Hot', NAME]);

    // Confirmed: gone from the list and from the API; the inbox shows all tickets again.
    await testId(page, 'delete-view').click();
    await testId(page, 'delete-view-confirm').click();
    await expect.poll(() => viewLink(page, NAME).count()).toBe(0);
    expect((await storedViews()).map((v) => v.name)).toEqual(['Hot']);
    await expect.poll(() => new URL(page.url()).search).toBe('');
    await expect.poll(() => testId(page, 'filter-status').inputValue()).toBe('new,open,pending');
    expect(await testId(page, 'delete-view').count()).toBe(0);
    await page.reload();
    await viewLink(page, 'Hot').waitFor();
    expect(await viewLink(page, NAME).count()).toBe(0);

    expect(dialogs).toEqual([]);
  }, 90_000);
});

/**
 * Saved views made, changed and removed from the console's inbox, in headless Chromium
 * (playwright-core) against a whole gateway on real PostgreSQL and Redis (the desk of
 * test/reports/desk.yaml):
 *  - an agent starts from a view of several statuses and priorities, narrows it by category, two
 *    tags, overdue, a text search and another sort, and saves that as a new view with a name typed
 *    in the page (no browser prompt); an empty or taken name is refused with the server's reason in
 *    the UI's language, and nothing is stored;
 *  - the view is stored with exactly those filters (GET /views), shown chosen, and after a fresh
 *    page load choosing it restores every filter and lists the same tickets in the same order;
 *  - deleting it asks inside the page (no browser confirm): cancelled, it stays; confirmed, it is
 *    gone from the list and from GET /views, and the inbox is back on all tickets;
 *  - the sort offers every order the API takes, by a label in each language, so a view saved with
 *    any of them (`-deadline`) shows its sort;
 *  - several statuses and several priorities are picked from scratch in the filters' checkbox lists
 *    (by mouse and by keyboard), and the list holds exactly the tickets of those;
 *  - a chosen view whose filters were changed says so and offers "Update view"; choosing it again
 *    brings its own filters back; updated, GET /views has the new filters and sort, and they come
 *    back after a page load.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH) and builds the console first if its build
 * is missing or stale (npm run build:console).
 */
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_SORTS } from '../../src/core/ticketQueries.js';
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
  // One ticket of each status and priority ("grid-open-high"), for the filters of several values.
  ...(['new', 'open', 'pending', 'resolved', 'closed'] as const).flatMap((status) =>
    (['low', 'normal', 'high', 'urgent'] as const).map((priority) => ({ key: `grid-${status}-${priority}`, channel: 'vk' as const, status, priority, openedAt: ago(HOUR), tags: [] })),
  ),
  // The other channels, for the channel filter.
  ...(['widget', 'whatsapp', 'api'] as const).map((channel) => ({ key: `channel-${channel}`, channel, status: 'open' as const, openedAt: ago(HOUR), tags: [] })),
];
/** The seeded tickets of these statuses and priorities (any, when none), by key, sorted. */
const seededWith = (statuses: string[], priorities: string[]) =>
  SEED.filter((s) => (!statuses.length || statuses.includes(s.status)) && (!priorities.length || priorities.includes(s.priority ?? 'normal')))
    .map((s) => s.key)
    .sort();
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

/** What the filter bar shows (statuses and priorities: the values their checkbox lists stand for). */
const shownFilters = (page: Page) =>
  page.evaluate(() => {
    const value = (id: string) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | HTMLSelectElement).value;
    const values = (id: string) => document.querySelector(`[data-testid="${id}"]`)!.getAttribute('data-value');
    return {
      status: values('filter-status'),
      priority: values('filter-priority'),
      channel: values('filter-channel'),
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

/** The values a filter of several stands for (comma-joined, as the API takes them). */
const multiValue = (page: Page, name: 'status' | 'priority' | 'channel') => testId(page, `filter-${name}`).getAttribute('data-value');
/** Its checkbox of `value` (the list opened first). */
async function multiOption(page: Page, name: 'status' | 'priority' | 'channel', value: string) {
  if ((await testId(page, `filter-${name}-button`).getAttribute('aria-expanded')) !== 'true') await testId(page, `filter-${name}-button`).click();
  return page.locator(`[data-testid="filter-${name}-option"][value="${value}"]`);
}
/** The list of tickets asked for with these query parameters (the next such request). */
const ticketsRequested = (page: Page, params: Record<string, string>) =>
  page.waitForRequest((r) => {
    const url = new URL(r.url());
    return url.pathname === '/api/v1/tickets' && Object.entries(params).every(([k, v]) => url.searchParams.get(k) === v);
  });

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
    await expect.poll(() => multiValue(page, 'priority')).toBe('high,urgent');
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
    await expect.poll(() => multiValue(page, 'status')).toBe('new,open,pending');
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
    await expect.poll(() => multiValue(page, 'status')).toBe('new,open,pending');
    expect(await testId(page, 'delete-view').count()).toBe(0);
    await page.reload();
    await viewLink(page, 'Hot').waitFor();
    expect(await viewLink(page, NAME).count()).toBe(0);

    expect(dialogs).toEqual([]);
  }, 90_000);

  it('the sort offers every order the API takes, named in both languages, and shows a view\'s (-deadline)', async () => {
    const created = await t.api('POST', '/views', { name: 'Latest deadlines', filters: { status: ['open'] }, sort: '-deadline' });
    expect(created.status).toBe(201);
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await testId(page, 'nav-inbox').click();
    await viewLink(page, 'Latest deadlines').waitFor();

    // Every sort of GET /tickets, each once, each by a label of its own (not the raw value).
    const options = () =>
      testId(page, 'sort')
        .locator('option')
        .evaluateAll((all) => all.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
    const english = await options();
    expect(english.map(([value]) => value).sort()).toEqual([...TICKET_SORTS].sort());
    expect(new Set(english.map(([, label]) => label)).size).toBe(TICKET_SORTS.length);
    for (const [value, label] of english) expect(label).not.toBe(value);
    expect(await testId(page, 'sort').inputValue()).toBe('-priority');

    // The view's sort is the one chosen, and the one the list is asked for.
    const asked = ticketsRequested(page, { sort: '-deadline', status: 'open' });
    await viewLink(page, 'Latest deadlines').click();
    await asked;
    await expect.poll(() => testId(page, 'sort').inputValue()).toBe('-deadline');
    const chosenLabel = () => testId(page, 'sort').evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent);
    expect(await chosenLabel()).toBe('Deadline, latest first');
    await testId(page, 'lang-switch').click();
    await expect.poll(chosenLabel).toBe('Срок: самый поздний первым');
    const russian = await options();
    expect(new Set(russian.map(([, label]) => label)).size).toBe(TICKET_SORTS.length);
    expect(russian.find(([value]) => value === 'deadline')?.[1]).toBe('Срок: ближайший первым');
    await testId(page, 'lang-switch').click();
    await expect.poll(chosenLabel).toBe('Deadline, latest first');
    // Shown as the view's own: nothing was changed.
    expect(await testId(page, 'view-changed').count()).toBe(0);
  }, 60_000);

  it('several channels are picked, and the list has exactly their tickets', async () => {
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await testId(page, 'nav-inbox').click();
    expect(await multiValue(page, 'channel')).toBe('');
    expect(await testId(page, 'filter-channel-summary').textContent()).toBe('any');
    const asked = ticketsRequested(page, { channel: 'widget,telegram' });
    await (await multiOption(page, 'channel', 'telegram')).check();
    await (await multiOption(page, 'channel', 'widget')).check();
    // In the order the console lists channels, whatever the order of the clicks.
    await expect.poll(() => multiValue(page, 'channel')).toBe('widget,telegram');
    expect(await testId(page, 'filter-channel-summary').textContent()).toBe('widget, telegram');
    await asked;
    const expected = SEED.filter((s) => ['widget', 'telegram'].includes(s.channel) && ['new', 'open', 'pending'].includes(s.status))
      .map((s) => s.key)
      .sort();
    expect(expected).toEqual(expect.arrayContaining(['channel-widget', 'match-urgent']));
    await expect.poll(async () => (await listed(page)).sort()).toEqual(expected);
    // One unticked: the other stays.
    await (await multiOption(page, 'channel', 'telegram')).uncheck();
    await expect.poll(async () => (await listed(page)).sort()).toEqual(['channel-widget']);
  }, 60_000);

  it('several statuses and priorities are picked from scratch, and the list has exactly their tickets', async () => {
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    await testId(page, 'nav-inbox').click();
    await expect.poll(() => multiValue(page, 'status')).toBe('new,open,pending');
    expect(await testId(page, 'filter-status-summary').textContent()).toBe('New, Open, Pending');
    expect(await multiValue(page, 'priority')).toBe('');
    expect(await testId(page, 'filter-priority-summary').textContent()).toBe('any');
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith(['new', 'open', 'pending'], []));

    // Statuses by mouse: the default's "new" and "pending" off, "resolved" on.
    expect(await testId(page, 'filter-status-option').count()).toBe(0);
    await (await multiOption(page, 'status', 'new')).uncheck();
    await (await multiOption(page, 'status', 'pending')).uncheck();
    await (await multiOption(page, 'status', 'resolved')).check();
    expect(await testId(page, 'filter-status-button').getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByRole('checkbox', { name: 'Resolved' }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Closed' }).isChecked()).toBe(false);
    await expect.poll(() => multiValue(page, 'status')).toBe('open,resolved');
    expect(await testId(page, 'filter-status-summary').textContent()).toBe('Open, Resolved');
    // A click elsewhere closes the list.
    await testId(page, 'ticket-list').click({ position: { x: 2, y: 2 } });
    await expect.poll(() => testId(page, 'filter-status-option').count()).toBe(0);
    expect(await testId(page, 'filter-status-button').getAttribute('aria-expanded')).toBe('false');
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith(['open', 'resolved'], []));

    // Priorities by keyboard: Enter opens, Tab walks the checkboxes (low, normal, high, urgent), Space ticks, Escape closes.
    const asked = ticketsRequested(page, { status: 'open,resolved', priority: 'high,urgent' });
    await testId(page, 'filter-priority-button').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await expect.poll(() => multiValue(page, 'priority')).toBe('high,urgent');
    await page.keyboard.press('Escape');
    await expect.poll(() => testId(page, 'filter-priority-option').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('filter-priority-button');
    expect(await testId(page, 'filter-priority-summary').textContent()).toBe('High, Urgent');
    expect(await page.getByRole('button', { name: 'Priority High, Urgent' }).count()).toBe(1);
    await asked;

    // Exactly the tickets of both lists: each filter leaves some of the other's out.
    const expected = seededWith(['open', 'resolved'], ['high', 'urgent']);
    expect(expected).toEqual(expect.arrayContaining(['grid-open-high', 'grid-resolved-urgent', 'match-urgent', 'match-resolved']));
    expect(expected).not.toContain('grid-open-normal');
    expect(expected).not.toContain('grid-pending-high');
    await expect.poll(async () => (await listed(page)).sort()).toEqual(expected);
    const rows = await page.locator('[data-testid="ticket-row"]').evaluateAll((all) =>
      all.map((r) => [r.querySelector('[data-testid="row-status"]')!.getAttribute('data-status'), r.querySelector('[data-testid="row-priority"]')!.getAttribute('data-priority')]),
    );
    expect(new Set(rows.map(([status]) => status))).toEqual(new Set(['open', 'resolved']));
    expect(new Set(rows.map(([, priority]) => priority))).toEqual(new Set(['high', 'urgent']));

    // In Russian: the chosen ones and the checkboxes by their labels, the values unchanged.
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'filter-status-summary').textContent()).toBe('Открыто, Решено');
    expect(await testId(page, 'filter-priority-summary').textContent()).toBe('Высокий, Срочный');
    await testId(page, 'filter-priority-button').click();
    const labels = await page.locator('.multi-options label').evaluateAll((all) => all.map((l) => [l.querySelector('input')!.value, l.textContent!.trim()]));
    expect(labels).toEqual([['low', 'Низкий'], ['normal', 'Обычный'], ['high', 'Высокий'], ['urgent', 'Срочный']]);
    await page.keyboard.press('Escape');
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'filter-status-summary').textContent()).toBe('Open, Resolved');

    // No status ticked is any status.
    await (await multiOption(page, 'status', 'open')).uncheck();
    await (await multiOption(page, 'status', 'resolved')).uncheck();
    await expect.poll(() => multiValue(page, 'status')).toBe('');
    expect(await testId(page, 'filter-status-summary').textContent()).toBe('any');
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith([], ['high', 'urgent']));
  }, 60_000);

  it('a changed view says so, is restored by choosing it again, and is updated with the filters shown', async () => {
    const NAME2 = 'Urgent queue';
    expect((await t.api('POST', '/views', { name: NAME2, filters: { status: ['open'], priority: ['urgent'] }, sort: 'deadline' })).status).toBe(201);
    const page = await ui.signIn(t.baseUrl, AGENT, password);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await testId(page, 'nav-inbox').click();
    await viewLink(page, NAME2).click();
    await expect.poll(() => multiValue(page, 'priority')).toBe('urgent');
    const own = { status: 'open', priority: 'urgent', sort: 'deadline' };
    const shown = async () => {
      const f = await shownFilters(page);
      return { status: f.status, priority: f.priority, sort: f.sort };
    };
    expect(await shown()).toEqual(own);
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith(['open'], ['urgent']));
    // As saved: nothing to update, nothing marked.
    expect(await testId(page, 'update-view').count()).toBe(0);
    expect(await testId(page, 'view-changed').count()).toBe(0);

    // A priority ticked and unticked again is the view's own still.
    await (await multiOption(page, 'priority', 'high')).check();
    await expect.poll(() => testId(page, 'view-changed').count()).toBe(1);
    await (await multiOption(page, 'priority', 'high')).uncheck();
    await expect.poll(() => testId(page, 'view-changed').count()).toBe(0);
    expect(await testId(page, 'update-view').count()).toBe(0);

    // Changed: marked on the view, with "Update view"; choosing the view again brings its own filters back.
    await (await multiOption(page, 'priority', 'high')).check();
    await page.keyboard.press('Escape');
    await testId(page, 'sort').selectOption('-deadline');
    await expect.poll(() => testId(page, 'view-changed').textContent()).toBe('changed');
    expect(await testId(page, 'update-view').textContent()).toBe('Update view');
    expect(await viewLink(page, NAME2).getAttribute('class')).toBe('active');
    await viewLink(page, NAME2).click();
    await expect.poll(shown).toEqual(own);
    expect(await testId(page, 'view-changed').count()).toBe(0);
    expect(await testId(page, 'update-view').count()).toBe(0);
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith(['open'], ['urgent']));

    // Changed again (a status, a priority, the sort), in Russian too, and updated.
    await (await multiOption(page, 'status', 'pending')).check();
    await (await multiOption(page, 'priority', 'high')).check();
    await page.keyboard.press('Escape');
    await testId(page, 'sort').selectOption('-deadline');
    const updated = { status: 'open,pending', priority: 'high,urgent', sort: '-deadline' };
    await expect.poll(shown).toEqual(updated);
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'update-view').textContent()).toBe('Обновить представление');
    expect(await testId(page, 'view-changed').textContent()).toBe('изменено');
    await testId(page, 'lang-switch').click();
    await expect.poll(() => testId(page, 'update-view').textContent()).toBe('Update view');
    await testId(page, 'update-view').click();
    await expect.poll(() => testId(page, 'view-notice').textContent()).toBe(`View “${NAME2}” updated`);
    expect(await testId(page, 'update-view').count()).toBe(0);
    expect(await testId(page, 'view-changed').count()).toBe(0);
    expect(await shown()).toEqual(updated);

    // Stored: exactly the new filters and sort, under the same id and name.
    const stored = (await storedViews()).filter((v) => v.name === NAME2);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.filters).toEqual({ status: ['open', 'pending'], priority: ['high', 'urgent'] });
    expect(stored[0]!.sort).toBe('-deadline');
    expect(new URL(page.url()).search).toBe(`?view=${stored[0]!.id}`);
    // The other views are as they were.
    expect((await storedViews()).find((v) => v.name === 'Hot')).toMatchObject({ filters: { status: ['open', 'pending'], priority: ['high', 'urgent'] }, sort: 'deadline' });

    // After a page load, choosing the view shows the updated filters, and their tickets.
    await page.goto('/admin/inbox');
    await viewLink(page, NAME2).waitFor();
    await expect.poll(() => multiValue(page, 'status')).toBe('new,open,pending');
    expect(await testId(page, 'sort').inputValue()).toBe('-priority');
    await viewLink(page, NAME2).click();
    await expect.poll(shown).toEqual(updated);
    await expect.poll(async () => (await listed(page)).sort()).toEqual(seededWith(['open', 'pending'], ['high', 'urgent']));
    expect(await testId(page, 'view-changed').count()).toBe(0);
    expect(await testId(page, 'update-view').count()).toBe(0);
    expect(await testId(page, 'view-notice').count()).toBe(0);
    expect(dialogs).toEqual([]);
  }, 60_000);
});
